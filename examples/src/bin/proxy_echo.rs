//! `proxy_echo`: a TCP server that requires a PROXY header (v1 or v2) within a
//! timeout, answers `client=<real client address>` and echoes the rest.
//!
//! Prints `listening on ADDR` once ready.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(about = "Echo server that requires a PROXY protocol header")]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Milliseconds allowed for the whole header to arrive.
    #[arg(long, default_value_t = 3000)]
    timeout_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(args.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    hostkit_examples::proxy_echo::serve(listener, Duration::from_millis(args.timeout_ms)).await?;
    Ok(())
}
