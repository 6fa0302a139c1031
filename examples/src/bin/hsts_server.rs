//! `hsts_server`: plain HTTP that redirects to HTTPS, and HTTPS that sends a
//! Strict-Transport-Security header, with a test CA made at start.
//!
//! It prints `http ADDR`, `https ADDR`, `ca PATH` and `cert PATH` (one per line), then
//! `ready`, and serves until stopped.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use hostkit_examples::hsts_server::{ServerConfig, start};
use hostkit_hsts::Policy;

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
    /// Let `/?sts=VALUE` choose the header value (for testing clients).
    #[arg(long)]
    echo_query: bool,
    /// Where to write ca.pem and cert.pem (default: a new temporary directory).
    #[arg(long)]
    out_dir: Option<PathBuf>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.unchecked {
        let policy: Policy = args
            .header
            .parse()
            .map_err(|e| anyhow::anyhow!("--header {:?}: {e}", args.header))?;
        if policy.preload {
            let report = policy.preload_check();
            for e in &report.errors {
                eprintln!("note: not preloadable: {e}");
            }
        }
    }
    let mut config = ServerConfig::loopback(&Policy::removal());
    config.http_addr = args.http;
    config.https_addr = args.https;
    config.header = args.header;
    config.echo_query = args.echo_query;
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
