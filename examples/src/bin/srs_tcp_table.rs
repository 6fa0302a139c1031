//! An SRS lookup server for Postfix on loopback, speaking `tcp_table(5)` like postsrsd:
//!
//! ```text
//! srs_tcp_table --secret S --domain fwd.example.net [--forward-port 10001] [--reverse-port 10002]
//! ```
//!
//! and in Postfix's `main.cf`:
//!
//! ```text
//! sender_canonical_maps = tcp:127.0.0.1:10001
//! sender_canonical_classes = envelope_sender
//! recipient_canonical_maps = tcp:127.0.0.1:10002
//! recipient_canonical_classes = envelope_recipient, header_recipient
//! ```
//!
//! It prints `forward ADDR` and `reverse ADDR` once it listens (port 0 picks free ports)
//! and serves until it is stopped.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use hostkit_examples::cli_io;
use hostkit_examples::srs_service::server::{Listener, serve};
use hostkit_examples::srs_service::{Clock, Limits, Map, Protocol, Rewriting, Secrets, Service};
use hostkit_srs::Separator;
use tokio::net::TcpListener;

/// Command line of the example.
#[derive(Debug, Parser)]
#[command(about = "SRS lookup server speaking Postfix's tcp_table protocol")]
struct Opts {
    /// A secret; repeat it to rotate: the first signs, every one verifies.
    #[arg(long = "secret", required = true)]
    secrets: Vec<String>,
    /// This forwarder's domain.
    #[arg(long)]
    domain: String,
    /// Further domains whose senders are kept as they are.
    #[arg(long = "local-domain")]
    local_domains: Vec<String>,
    /// The separator after the SRS tag.
    #[arg(long, default_value = "=", allow_hyphen_values = true)]
    separator: String,
    /// Hash length in base64 characters.
    #[arg(long, default_value_t = 4)]
    hash_length: usize,
    /// Address to listen on (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1")]
    listen: IpAddr,
    /// Port of the forward table.
    #[arg(long, default_value_t = 10001)]
    forward_port: u16,
    /// Port of the reverse table.
    #[arg(long, default_value_t = 10002)]
    reverse_port: u16,
    /// Answer as if at this unix time instead of the clock's.
    #[arg(long)]
    now: Option<u64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let opts = Opts::parse();
    match run(opts).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("srs_tcp_table: {e:#}");
            ExitCode::from(cli_io::EXIT_USAGE)
        }
    }
}

async fn run(opts: Opts) -> anyhow::Result<()> {
    let mut rewriting = Rewriting::new(opts.domain);
    rewriting.separator = opts.separator.parse::<Separator>()?;
    rewriting.hash_length = opts.hash_length;
    rewriting.exclude_domains = opts.local_domains;
    let secrets = opts.secrets.into_iter().map(String::into_bytes).collect();
    let clock = opts.now.map_or(Clock::System, Clock::Fixed);
    let service = Service::new(rewriting, Secrets::Fixed(secrets), clock, Limits::default())?;
    let forward = TcpListener::bind((opts.listen, opts.forward_port)).await?;
    let reverse = TcpListener::bind((opts.listen, opts.reverse_port)).await?;
    println!("forward {}", forward.local_addr()?);
    println!("reverse {}", reverse.local_addr()?);
    let listeners = vec![
        (Protocol::TcpTable(Map::Forward), Listener::Tcp(forward)),
        (Protocol::TcpTable(Map::Reverse), Listener::Tcp(reverse)),
    ];
    serve(Arc::new(service), listeners, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
