//! `hostkit`: the command line face of the hostkit crates.
//!
//! Shape: `hostkit <area> <verb> [args]`, and `hostkit demo` for the tour. Every verb
//! that reports takes `--json` and then prints one JSON object per result, one per
//! line. Exit codes everywhere: 0 ok / valid / complete / permit, 1 a negative verdict,
//! 2 a usage or I/O error. Errors are one line on stderr naming the input and the reason.
//!
//! This file only routes: each area lives in `cli/<area>.rs` and its part of the tour
//! in `demo/<area>.rs`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
mod demo;

/// The `hostkit` command line.
#[derive(Debug, Parser)]
#[command(
    name = "hostkit",
    version,
    about = "Chores of running hosting infrastructure: SRS, SPF, CAA, PROXY protocol, HSTS, dump checks",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    // One variant per area, in the order of the README's crate table:
    // `#[command(subcommand)] Srs(cli::srs::Command),` routed to `cli::srs::run`.
    /// Sender Rewriting Scheme: forward senders into SRS addresses and reverse them.
    #[command(subcommand)]
    Srs(cli::srs::Command),
    /// SPF (RFC 7208): parse records, check hosts against a zone or real DNS.
    #[command(subcommand)]
    Spf(cli::spf::Command),
    /// CAA records: parse zone text or wire, decide issuance over a zone.
    #[command(subcommand)]
    Caa(cli::caa::Command),
    /// PROXY protocol v1/v2 headers: decode and encode.
    #[command(subcommand)]
    Proxy(cli::proxy::Command),
    /// HSTS (RFC 6797): header values, the preload check, curl's cache file.
    #[command(subcommand)]
    Hsts(cli::hsts::Command),
    /// Verify mysqldump / mariadb-dump output, or run a dump and verify it as it is written.
    #[command(subcommand)]
    Dump(cli::dump::Command),
    /// Run the tour: every crate doing real work on embedded data and loopback sockets.
    Demo,
}

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 for --help and --version.
    let cli = Cli::parse();
    match cli.command {
        Command::Srs(cmd) => cli::srs::run(cmd),
        Command::Spf(cmd) => cli::spf::run(cmd),
        Command::Caa(cmd) => cli::caa::run(cmd),
        Command::Proxy(cmd) => cli::proxy::run(cmd),
        Command::Hsts(cmd) => cli::hsts::run(cmd),
        Command::Dump(cmd) => cli::dump::run(cmd),
        Command::Demo => demo::run(),
    }
}
