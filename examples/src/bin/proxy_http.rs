//! `proxy_http`: an HTTP/1.1 server (hyper) behind PROXY protocol balancers. Each
//! request is answered with `client=<real client address> tls=<verdict>` and logged
//! on stdout; the verdict comes from the SSL TLV (`none` without one).
//!
//! The accept policy is `proxy_echo`'s: `--trusted CIDR ...` (every peer when none)
//! and `--policy require|use`. Prints `listening on ADDR` once ready.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use hostkit_examples::proxy_accept::{AcceptConfig, parse_policy};
use hostkit_proxy_protocol::{Cidr, Trusted};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(about = "HTTP server behind PROXY protocol balancers")]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Milliseconds allowed for the whole header to arrive.
    #[arg(long, default_value_t = 3000)]
    timeout_ms: u64,
    /// A peer address block allowed to send headers (repeatable); none trusts everyone.
    #[arg(long, value_name = "CIDR")]
    trusted: Vec<Cidr>,
    /// What trusted peers are held to: require or use.
    #[arg(long, default_value = "require", value_parser = parse_policy)]
    policy: Trusted,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = AcceptConfig::new(
        args.trusted,
        args.policy,
        Duration::from_millis(args.timeout_ms),
    );
    let listener = TcpListener::bind(args.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    hostkit_examples::proxy_http::serve(listener, config).await?;
    Ok(())
}
