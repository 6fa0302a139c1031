//! `caa_lookup`: the CAA check a CA makes, over real DNS.
//!
//! ```sh
//! caa_lookup --server 127.0.0.1:5353 --issuer ca.example www.example.test
//! ```
//! Prints the names looked up, the relevant record set and the decision; exits 0 on
//! permit, 1 on deny, 2 on a usage error.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use hostkit_caa::{Outcome, Verdict};
use hostkit_examples::{caa_dns, caa_request, cli_io};

/// Decide CAA issuance for a name with lookups against a DNS server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The DNS server to ask (a resolver, or an authoritative server for the names).
    #[arg(long, default_value = "127.0.0.1:5353")]
    server: SocketAddr,
    /// An issuer domain name of the CA (repeat for several).
    #[arg(long = "issuer", value_name = "CA", required = true)]
    issuers: Vec<String>,
    /// Ask for a wildcard certificate.
    #[arg(long)]
    wildcard: bool,
    /// The ACME account URI (RFC 8657).
    #[arg(long)]
    account_uri: Option<String>,
    /// The validation method used (RFC 8657).
    #[arg(long)]
    method: Option<String>,
    /// Treat NAME as an email address (issuemail, RFC 9495).
    #[arg(long)]
    email: bool,
    /// The certificate name, or the address with --email.
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let started = caa_request::start(&args.name, args.wildcard, args.email);
    let (discovery, target) = match started {
        Ok(x) => x,
        Err(e) => return cli_io::usage_error("caa_lookup", &args.name, e),
    };
    let resolver = match caa_dns::resolver_for(args.server) {
        Ok(r) => r,
        Err(e) => {
            return cli_io::usage_error("caa_lookup", &args.server.to_string(), format!("{e:#}"));
        }
    };
    let (outcome, asked) = caa_dns::discover(&resolver, discovery).await;
    let issuers: Vec<&str> = args.issuers.iter().map(String::as_str).collect();
    let req = caa_request::request(
        &issuers,
        target,
        args.account_uri.as_deref(),
        args.method.as_deref(),
    );
    let d = req.decide_outcome(&outcome);
    let mut out = cli_io::Output::new();
    let written = (|| {
        out.text_line(&format!("queried: {}", asked.join(" ")))?;
        match &outcome {
            Outcome::Found {
                relevant_name,
                records,
            } => {
                out.text_line(&format!("relevant name: {relevant_name}"))?;
                for (i, r) in records.iter().enumerate() {
                    out.text_line(&format!("record {}: {r}", i + 1))?;
                }
            }
            _ => out.text_line("relevant name: none")?,
        }
        out.text_line(&format!("{}: {d}", d.verdict))?;
        out.flush()
    })();
    cli_io::finish(
        written.map(|()| d.verdict == Verdict::Permit),
        "caa_lookup",
        "stdout",
    )
}
