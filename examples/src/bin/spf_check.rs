//! `spf_check`: check a client against a sender's SPF policy over real DNS, printing
//! the `Received-SPF` header a receiving MTA would add.
//!
//! ```text
//! spf_check --server 127.0.0.1:5353 --ip 192.0.2.25 --sender alice@example.test --helo mail.example.org
//! ```

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;
use hostkit_examples::{cli_io, spf_dns};
use hostkit_spf::{Evaluator, authentication_results_clause, received_spf};

/// Check a client IP against the SPF policy of a sender (or a HELO name).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The DNS server to ask, IP:PORT.
    #[arg(long, default_value = spf_dns::DEFAULT_SERVER)]
    server: SocketAddr,
    /// The client's IP address.
    #[arg(long)]
    ip: IpAddr,
    /// The MAIL FROM address; empty checks the HELO name.
    #[arg(long, allow_hyphen_values = true)]
    sender: String,
    /// The HELO/EHLO name.
    #[arg(long)]
    helo: String,
    /// This host's name, for the header.
    #[arg(long, default_value = "localhost")]
    receiver: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let resolver = match spf_dns::resolver(args.server) {
        Ok(r) => r,
        Err(e) => return cli_io::usage_error("spf_check", "--server", format!("{e:#}")),
    };
    let ev = if args.sender.is_empty() {
        Evaluator::check_helo(args.ip, &args.helo)
    } else {
        let domain = args
            .sender
            .rsplit_once('@')
            .map_or(args.sender.as_str(), |(_, d)| d);
        Evaluator::check_host(args.ip, domain, &args.sender).helo(&args.helo)
    };
    let outcome = spf_dns::run(ev.receiver(&args.receiver), &resolver).await;
    let mut out = cli_io::Output::new();
    let written = (|| {
        out.text_line(&received_spf(&outcome, &args.receiver))?;
        out.text_line(&format!(
            "Authentication-Results: {}; {}",
            args.receiver,
            authentication_results_clause(&outcome)
        ))?;
        if let Some(e) = &outcome.explanation {
            out.text_line(&format!("explanation: {e}"))?;
        }
        out.flush()
    })();
    // The result is reported, whatever it is: exit 0 unless writing it failed.
    cli_io::finish(written.map(|()| true), "spf_check", "stdout")
}
