//! `hostkit srs forward|reverse`: rewrite senders into SRS addresses and back; `hostkit
//! srs serve`: the lookup service for Postfix.
//!
//! One output line per input, in order; a failing input prints `error: <reason>` on its
//! line and makes the exit code 1 at the end.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use hostkit_examples::srs_service::server::{self, Addr};
use hostkit_examples::srs_service::{Clock, Limits, Map, Protocol, Rewriting, Secrets, Service};
use hostkit_srs::{CaseMatch, Error, LengthPolicy, Rewriter, RewriterBuilder, Separator};

use serde_json::{Value, json};

use super::{NOT_UTF8, Output, finish, for_each_input, now, set_error, usage_error};

/// The `srs` verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Rewrite senders into SRS addresses for this forwarder's domain.
    Forward(ForwardArgs),
    /// Reverse SRS addresses: SRS0 to the original sender, SRS1 to the first hop's SRS0.
    Reverse(ReverseArgs),
    /// Serve SRS lookups to Postfix over socketmap and/or tcp_table until SIGTERM.
    Serve(ServeArgs),
}

/// `hostkit srs serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Our SRS domain, written after the `@`; its senders are never rewritten.
    #[arg(long, value_name = "D")]
    domain: String,
    /// One secret a line (postsrsd's format): the first signs, every one verifies.
    /// Must not be readable by group or others. SIGHUP re-reads it.
    #[arg(long, value_name = "FILE")]
    secret_file: PathBuf,
    /// Serve the `forward` and `reverse` maps over socketmap: HOST:PORT or unix:PATH.
    #[arg(long, value_name = "ADDR")]
    socketmap: Option<Addr>,
    /// Serve the forward map over tcp_table: HOST:PORT or unix:PATH.
    #[arg(long, value_name = "ADDR", requires = "tcp_reverse")]
    tcp_forward: Option<Addr>,
    /// Serve the reverse map over tcp_table: HOST:PORT or unix:PATH.
    #[arg(long, value_name = "ADDR", requires = "tcp_forward")]
    tcp_reverse: Option<Addr>,
    /// A domain whose senders go out unchanged; `.example.com` means its subdomains.
    #[arg(long = "exclude-domain", value_name = "D")]
    exclude_domains: Vec<String>,
    /// The separator after the SRS0/SRS1 tag.
    #[arg(long, value_name = "=|+|-", default_value = "=", allow_hyphen_values = true, value_parser = parse_separator)]
    separator: Separator,
    /// Hash length in base64 characters, 1 to 27.
    #[arg(long, value_name = "N", default_value_t = hostkit_srs::DEFAULT_HASH_LENGTH)]
    hash_length: usize,
    /// How many days an SRS0 address stays valid.
    #[arg(long, value_name = "DAYS", default_value_t = hostkit_srs::DEFAULT_MAX_AGE_DAYS)]
    max_age: u16,
    /// Connections served at once.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// Close a connection idle for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    idle_timeout: u64,
    /// Log level on standard error: error, warn, info, debug (one line per request), trace.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log_level: tracing::Level,
    /// Answer as if at this unix time instead of the clock's (tests, reproducible runs).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
}

/// Settings both verbs take.
#[derive(Debug, Args)]
pub(crate) struct Common {
    /// A secret; repeat it to rotate: the first signs, every one verifies.
    #[arg(long = "secret", value_name = "S", required = true)]
    secrets: Vec<String>,
    /// The time to act at, in unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// Hash length in base64 characters, 1 to 27.
    #[arg(long, value_name = "N", default_value_t = hostkit_srs::DEFAULT_HASH_LENGTH)]
    hash_length: usize,
    /// Shortest hash accepted on reverse (default: the hash length).
    #[arg(long, value_name = "N")]
    hash_min: Option<usize>,
    /// Print one JSON object per address: `input`, `output`, and on a failure `error`,
    /// `error_code` and `offset`.
    #[arg(long)]
    json: bool,
    /// Addresses; with none, one per line is read from standard input.
    #[arg(value_name = "ADDRESS")]
    addresses: Vec<OsString>,
}

/// `hostkit srs forward`.
#[derive(Debug, Args)]
pub(crate) struct ForwardArgs {
    #[command(flatten)]
    common: Common,
    /// This forwarder's domain, written after the `@`; its senders are kept as they are.
    #[arg(long, value_name = "D")]
    domain: String,
    /// Further domains whose senders are kept (a leading `.` means its subdomains).
    #[arg(long = "local-domain", value_name = "D")]
    local_domains: Vec<String>,
    /// The separator after the SRS0/SRS1 tag.
    #[arg(long, value_name = "=|+|-", default_value = "=", allow_hyphen_values = true, value_parser = parse_separator)]
    separator: Separator,
    /// Refuse to write a local part longer than 64 octets (RFC 5321).
    #[arg(long)]
    refuse_long: bool,
}

/// `hostkit srs reverse`.
#[derive(Debug, Args)]
pub(crate) struct ReverseArgs {
    #[command(flatten)]
    common: Common,
    /// How many days an SRS0 address stays valid.
    #[arg(long, value_name = "DAYS", default_value_t = hostkit_srs::DEFAULT_MAX_AGE_DAYS)]
    max_age: u16,
    /// How the hash is compared.
    #[arg(long = "case", value_enum, default_value_t = CaseArg::Insensitive)]
    case_match: CaseArg,
}

/// `--case` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum CaseArg {
    /// Ignore case, as postsrsd does.
    Insensitive,
    /// Exact matches first, then case-insensitive ones, as Mail::SRS does.
    ExactFirst,
    /// Exact matches only.
    Exact,
}

fn parse_separator(s: &str) -> Result<Separator, String> {
    s.parse::<Separator>().map_err(|e| e.to_string())
}

fn builder(common: &Common) -> RewriterBuilder {
    let mut b = Rewriter::builder().hash_length(common.hash_length);
    for s in &common.secrets {
        b = b.secret(s);
    }
    if let Some(n) = common.hash_min {
        b = b.hash_min(n);
    }
    b
}

/// Run one `srs` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Forward(args) => {
            let mut b = builder(&args.common)
                .domain(&args.domain)
                .separator(args.separator);
            for d in &args.local_domains {
                b = b.local_domain(d);
            }
            if args.refuse_long {
                b = b.length_policy(LengthPolicy::RFC5321);
            }
            let t = now(args.common.now);
            rewrite_all(b.build(), &args.common, "srs forward", |r, a, out| {
                r.forward_into(a, t, out).map(|_| ())
            })
        }
        Command::Serve(args) => serve(args),
        Command::Reverse(args) => {
            let b = builder(&args.common).max_age_days(args.max_age).case_match(
                match args.case_match {
                    CaseArg::Insensitive => CaseMatch::Insensitive,
                    CaseArg::ExactFirst => CaseMatch::ExactFirst,
                    CaseArg::Exact => CaseMatch::Exact,
                },
            );
            let t = now(args.common.now);
            rewrite_all(b.build(), &args.common, "srs reverse", |r, a, out| {
                r.reverse_into(a, t, out).map(|_| ())
            })
        }
    }
}

/// Apply `op` to every input, writing one line each to a locked, buffered stdout: the
/// result, or `error: <reason>` (text); one object (JSON). A failing input makes the
/// exit code 1 at the end; a reader that stops early ends the batch with 0.
fn rewrite_all(
    rewriter: Result<Rewriter, Error>,
    common: &Common,
    verb: &str,
    op: impl Fn(&Rewriter, &str, &mut String) -> Result<(), Error>,
) -> ExitCode {
    let rewriter = match rewriter {
        Ok(r) => r,
        Err(e) => return usage_error(verb, e),
    };
    let mut out = Output::new();
    let mut line = String::with_capacity(256);
    let mut failed = false;
    let result = for_each_input(&common.addresses, |input| {
        line.clear();
        let (address, error) = match input {
            Ok(address) => match op(&rewriter, address, &mut line) {
                Ok(()) => (address.to_owned(), None),
                Err(e) => (
                    address.to_owned(),
                    Some((e.to_string(), e.kind().as_str(), e.offset())),
                ),
            },
            Err(bad) => (
                bad.lossy(),
                Some((bad.message(), NOT_UTF8, Some(bad.valid_up_to))),
            ),
        };
        if let Some((message, _, _)) = &error {
            failed = true;
            eprintln!("hostkit: {address}: {message}");
        }
        if common.json {
            let mut v: Value = json!({
                "input": address,
                "output": if error.is_none() { Value::from(line.as_str()) } else { Value::Null },
                "error": null,
                "error_code": null,
                "offset": null,
            });
            if let Some((message, code, offset)) = &error {
                set_error(&mut v, message, code, *offset);
            }
            out.json_line(&v)
        } else {
            if let Some((message, _, _)) = &error {
                line.clear();
                line.push_str("error: ");
                line.push_str(message);
            }
            out.text_line(&line)
        }
    })
    .and_then(|()| out.flush());
    finish(result.map(|()| !failed), "hostkit", verb)
}

/// `hostkit srs serve`: exit 0 after a graceful stop, 2 when it cannot start.
fn serve(args: ServeArgs) -> ExitCode {
    let mut addrs = Vec::new();
    if let Some(a) = args.socketmap {
        addrs.push((Protocol::Socketmap, a));
    }
    if let Some(a) = args.tcp_forward {
        addrs.push((Protocol::TcpTable(Map::Forward), a));
    }
    if let Some(a) = args.tcp_reverse {
        addrs.push((Protocol::TcpTable(Map::Reverse), a));
    }
    if addrs.is_empty() {
        return usage_error(
            "srs serve",
            "no listener: give --socketmap ADDR and/or --tcp-forward ADDR --tcp-reverse ADDR",
        );
    }
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_max_level(args.log_level)
        .with_target(false)
        .with_ansi(false)
        .init();
    let rewriting = Rewriting {
        domain: args.domain,
        exclude_domains: args.exclude_domains,
        separator: args.separator,
        hash_length: args.hash_length,
        max_age_days: args.max_age,
    };
    let limits = Limits {
        max_connections: args.max_connections.max(1),
        idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        ..Limits::default()
    };
    let clock = args.now.map_or(Clock::System, Clock::Fixed);
    let service = match Service::new(rewriting, Secrets::File(args.secret_file), clock, limits) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error("srs serve", format!("{e:#}")),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error("srs serve", e),
    };
    match runtime.block_on(server::run(service, &addrs)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error("srs serve", format!("{e:#}")),
    }
}
