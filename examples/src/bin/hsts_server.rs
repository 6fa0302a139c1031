//! `hsts_server`: plain HTTP that redirects to HTTPS, and HTTPS that sends a
//! Strict-Transport-Security header, with a test CA made at start. Built on hyper and
//! `hostkit_hsts::tower::HstsLayer`.
//!
//! It prints `http ADDR`, `https ADDR`, `ca PATH` and `cert PATH` (one per line), then
//! `ready`, and serves until stopped.
//!
//! The flags after `--trusted-proxy` set the server up wrong on purpose, one way each,
//! to exercise `hostkit hsts preload-check --url`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use hostkit_examples::hsts_server::{FirstRedirect, ServerConfig, start};
use hostkit_hsts::Policy;
use hostkit_hsts::tower::TrustedProxy;

/// HSTS test server.
#[derive(Debug, Parser)]
struct Args {
    /// Where plain HTTP listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    http: SocketAddr,
    /// Where HTTPS listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    https: SocketAddr,
    /// The Strict-Transport-Security value to send (checked unless --unchecked).
    #[arg(long, default_value = "max-age=31536000; includeSubDomains")]
    header: String,
    /// Send --header even when it does not parse.
    #[arg(long)]
    unchecked: bool,
    /// Send a preload policy that the preload list would refuse.
    #[arg(long)]
    allow_unpreloadable: bool,
    /// Let `/?sts=VALUE` choose the header value (for testing clients).
    #[arg(long)]
    echo_query: bool,
    /// Where to write ca.pem and cert.pem (default: a new temporary directory).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// More DNS names for the certificate (repeatable).
    #[arg(long = "name", value_name = "NAME")]
    names: Vec<String>,
    /// Trust `X-Forwarded-Proto` / `Forwarded: proto=` from peers in this network
    /// (`IP` or `IP/PREFIX`, repeatable).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<TrustedProxy>,
    /// Wrong on purpose: plain HTTP serves the page instead of redirecting.
    #[arg(long, group = "first")]
    no_redirect: bool,
    /// Wrong on purpose: plain HTTP redirects to `https://www.HOST` first.
    #[arg(long, group = "first")]
    redirect_to_www: bool,
    /// Wrong on purpose: plain HTTP redirects to another plain HTTP URL first.
    #[arg(long, group = "first")]
    insecure_hop: bool,
    /// Wrong on purpose: the first redirect leads to an HTTPS page without the header.
    #[arg(long, group = "first")]
    first_hop_without_header: bool,
    /// Wrong on purpose when above 3: plain HTTP reaches the page through N redirects.
    #[arg(long, group = "first", value_name = "N")]
    redirect_hops: Option<u8>,
    /// Wrong on purpose: send the header twice.
    #[arg(long)]
    duplicate_header: bool,
    /// Wrong on purpose: serve a self-signed certificate the CA does not sign.
    #[arg(long)]
    self_signed: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = ServerConfig::loopback(&Policy::removal());
    config.http_addr = args.http;
    config.https_addr = args.https;
    config.header = args.header;
    config.unchecked = args.unchecked;
    config.allow_unpreloadable = args.allow_unpreloadable;
    config.echo_query = args.echo_query;
    config.names = args.names;
    config.trusted_proxies = args.trusted_proxies;
    config.duplicate_header = args.duplicate_header;
    config.self_signed = args.self_signed;
    config.first_redirect = if args.no_redirect {
        FirstRedirect::None
    } else if args.redirect_to_www {
        FirstRedirect::Www
    } else if args.insecure_hop {
        FirstRedirect::Insecure
    } else if args.first_hop_without_header {
        FirstRedirect::NoHeader
    } else if let Some(n) = args.redirect_hops {
        FirstRedirect::Hops(n)
    } else {
        FirstRedirect::Https
    };
    let running = start(config).await?;
    let dir = match args.out_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("hsts_server-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let ca = dir.join("ca.pem");
    let cert = dir.join("cert.pem");
    std::fs::write(&ca, &running.pki.ca_pem)?;
    std::fs::write(&cert, &running.pki.cert_pem)?;
    println!("http {}", running.http_addr);
    println!("https {}", running.https_addr);
    println!("ca {}", ca.display());
    println!("cert {}", cert.display());
    println!("ready");
    tokio::signal::ctrl_c().await?;
    running.stop();
    Ok(())
}
