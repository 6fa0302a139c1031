//! `hostkit srs forward|reverse`: rewrite senders into SRS addresses and back.
//!
//! One output line per input, in order; a failing input prints `error: <reason>` on its
//! line and makes the exit code 1 at the end.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use hostkit_srs::{CaseMatch, Error, LengthPolicy, Rewriter, RewriterBuilder, Separator};

use super::{for_each_input, usage_error, verdict};

/// The `srs` verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Rewrite senders into SRS addresses for this forwarder's domain.
    Forward(ForwardArgs),
    /// Reverse SRS addresses: SRS0 to the original sender, SRS1 to the first hop's SRS0.
    Reverse(ReverseArgs),
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
    /// Addresses; with none, one per line is read from standard input.
    #[arg(value_name = "ADDRESS")]
    addresses: Vec<String>,
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

fn now(common: &Common) -> u64 {
    common.now.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
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
            let t = now(&args.common);
            rewrite_all(b.build(), &args.common.addresses, |r, a, out| {
                r.forward_into(a, t, out).map(|_| ())
            })
        }
        Command::Reverse(args) => {
            let b = builder(&args.common).max_age_days(args.max_age).case_match(
                match args.case_match {
                    CaseArg::Insensitive => CaseMatch::Insensitive,
                    CaseArg::ExactFirst => CaseMatch::ExactFirst,
                    CaseArg::Exact => CaseMatch::Exact,
                },
            );
            let t = now(&args.common);
            rewrite_all(b.build(), &args.common.addresses, |r, a, out| {
                r.reverse_into(a, t, out).map(|_| ())
            })
        }
    }
}

/// Apply `op` to every input, writing one line each to a locked, buffered stdout.
fn rewrite_all(
    rewriter: Result<Rewriter, Error>,
    addresses: &[String],
    op: impl Fn(&Rewriter, &str, &mut String) -> Result<(), Error>,
) -> ExitCode {
    let rewriter = match rewriter {
        Ok(r) => r,
        Err(e) => return usage_error("srs", e),
    };
    let stdout = io::stdout();
    let mut w = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut line = String::with_capacity(256);
    let mut failed = false;
    let result = for_each_input(addresses, |address| {
        line.clear();
        if let Err(e) = op(&rewriter, address, &mut line) {
            failed = true;
            line.clear();
            line.push_str("error: ");
            line.push_str(&e.to_string());
        }
        line.push('\n');
        w.write_all(line.as_bytes())
    })
    .and_then(|()| w.flush());
    match result {
        Ok(()) => verdict(!failed),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => verdict(!failed),
        Err(e) => usage_error("srs", e),
    }
}
