//! `proxy_echo`: a TCP (and optionally UDP) echo server on the PROXY accept policy.
//! Trusted peers (`--trusted CIDR`, every peer when none is given) must send a header
//! (`--policy require`, the default) or may (`--policy use`); anyone else who sends
//! one is closed without an answer, and anyone else without one is served as
//! themselves. Each connection gets `client=<real client address>\n` and an echo of
//! the rest.
//!
//! Prints `listening on ADDR` once ready, and with `--udp` also
//! `listening udp on ADDR`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use hostkit_examples::proxy_accept::{AcceptConfig, parse_policy};
use hostkit_proxy_protocol::{Cidr, Trusted};
use tokio::net::{TcpListener, UdpSocket};

#[derive(Debug, Parser)]
#[command(about = "Echo server behind PROXY protocol senders")]
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
    /// Also answer datagrams with a v2 header on this address.
    #[arg(long, value_name = "ADDR")]
    udp: Option<SocketAddr>,
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
    if let Some(addr) = args.udp {
        let socket = UdpSocket::bind(addr).await?;
        println!("listening udp on {}", socket.local_addr()?);
        tokio::spawn(hostkit_examples::proxy_echo::serve_udp(
            socket,
            config.clone(),
        ));
    }
    hostkit_examples::proxy_echo::serve(listener, config).await?;
    Ok(())
}
