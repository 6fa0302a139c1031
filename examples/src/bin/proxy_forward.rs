//! `proxy_forward`: a TCP forwarder that prepends a PROXY header (v1 or v2) to every
//! connection it relays upstream; with `--udp`, a UDP relay that prefixes every
//! datagram with a v2 DGRAM header.
//!
//! Prints `listening on ADDR` (TCP) or `listening udp on ADDR` (UDP) once ready.

use std::net::SocketAddr;

use clap::Parser;
use hostkit_examples::proxy_forward::HeaderVersion;
use tokio::net::{TcpListener, UdpSocket};

#[derive(Debug, Parser)]
#[command(about = "Forwarder that sends a PROXY protocol header upstream")]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where to relay connections (or datagrams, with --udp).
    #[arg(long)]
    upstream: SocketAddr,
    /// Header version: 1 or 2 (datagrams always get v2).
    #[arg(long = "proxy-version", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    proxy_version: u8,
    /// Relay UDP datagrams instead of TCP connections.
    #[arg(long)]
    udp: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.udp {
        let socket = UdpSocket::bind(args.listen).await?;
        println!("listening udp on {}", socket.local_addr()?);
        hostkit_examples::proxy_forward::serve_udp(socket, args.upstream).await?;
        return Ok(());
    }
    let version = if args.proxy_version == 1 {
        HeaderVersion::V1
    } else {
        HeaderVersion::V2
    };
    let listener = TcpListener::bind(args.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    hostkit_examples::proxy_forward::serve(listener, args.upstream, version).await?;
    Ok(())
}
