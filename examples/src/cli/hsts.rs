//! `hostkit hsts`: Strict-Transport-Security header values and curl's HSTS cache file.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use hostkit_hsts::{
    ParseOptions, Parsed, Policy, PreloadIssue, PreloadReport, Store, Warning, parse_with,
    preload_check_fields,
};
use serde_json::{Value, json};

use super::{
    NOT_UTF8, Output, finish, for_each_input, now, read_input, set_error, usage_error, verdict,
    write_json_line,
};

mod preloaded;

/// HSTS (RFC 6797): header values, the preload check, curl's cache file.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse header values: verdict, directives, warnings. Exit 1 when one is invalid.
    Parse(ParseArgs),
    /// Check a header against the preload list's requirements. Exit 1 when not preloadable.
    PreloadCheck(PreloadArgs),
    /// Read a curl HSTS cache file and say whether each host must be upgraded to HTTPS.
    /// Exit 1 when one is not.
    CacheCheck(CacheCheckArgs),
    /// Record headers as a user agent would and write a curl HSTS cache file.
    CacheWrite(CacheWriteArgs),
    /// Look hosts up in the embedded Chromium preload list. Exit 1 when one is not
    /// preloaded.
    Preloaded(preloaded::PreloadedArgs),
}

/// `hostkit hsts parse`.
#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Print one JSON object per value.
    #[arg(long)]
    json: bool,
    /// Lower a larger max-age to this many seconds (Chromium caps at 31536000).
    #[arg(long, value_name = "SECONDS")]
    max_age_cap: Option<u64>,
    /// Header values; one per line of standard input when none are given.
    #[arg(value_name = "VALUE")]
    values: Vec<OsString>,
}

/// `hostkit hsts preload-check`.
#[derive(Debug, Args)]
pub(crate) struct PreloadArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Check a live site as hstspreload.org does: `https://HOST[:PORT]` (the path is
    /// ignored). Exit 1 when it is not preloadable.
    #[arg(long, value_name = "URL", conflicts_with = "values")]
    url: Option<String>,
    /// Connect to HOST at ADDR instead of resolving it (repeatable; the URL's port is
    /// kept). `www.HOST` is looked up separately.
    #[arg(long, value_name = "HOST:ADDR", requires = "url")]
    resolve: Vec<String>,
    /// Trust only the CA certificates in this PEM file instead of the built-in roots.
    #[arg(long, value_name = "PEM", requires = "url")]
    ca_file: Option<std::path::PathBuf>,
    /// The port of the plain-HTTP check (`http://HOST:PORT/`).
    #[arg(long, value_name = "PORT", default_value_t = 80, requires = "url")]
    http_port: u16,
    /// The Strict-Transport-Security field values of one response (exactly one is
    /// expected; the first is checked).
    #[arg(value_name = "VALUE", required_unless_present = "url")]
    values: Vec<String>,
}

/// `hostkit hsts cache-check`.
#[derive(Debug, Args)]
pub(crate) struct CacheCheckArgs {
    /// Print one JSON object per host.
    #[arg(long)]
    json: bool,
    /// The time to judge expiry at, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// The curl HSTS cache file (`-` for standard input).
    #[arg(value_name = "FILE")]
    file: String,
    /// Host names to look up.
    #[arg(value_name = "HOST", required = true)]
    hosts: Vec<String>,
}

/// `hostkit hsts cache-write`.
#[derive(Debug, Args)]
pub(crate) struct CacheWriteArgs {
    /// The time the headers were received, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// Where to write the file (`-` for standard output).
    #[arg(value_name = "FILE")]
    file: String,
    /// Pairs of a host and the header value it sent over HTTPS.
    #[arg(value_name = "HOST VALUE", required = true, num_args = 2..)]
    pairs: Vec<String>,
}

/// Run one `hostkit hsts` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Parse(a) => parse(&a),
        Command::PreloadCheck(a) => preload(&a),
        Command::CacheCheck(a) => cache_check(&a),
        Command::CacheWrite(a) => cache_write(&a),
        Command::Preloaded(a) => preloaded::run(&a),
    }
}

fn warning_json(w: &Warning) -> Value {
    json!({ "code": w.code(), "message": w.to_string() })
}

fn issue_json(i: &PreloadIssue) -> Value {
    json!({ "code": i.code(), "message": i.to_string() })
}

fn parse(args: &ParseArgs) -> ExitCode {
    let mut options = ParseOptions::new();
    if let Some(cap) = args.max_age_cap {
        options = options.max_age_cap(cap);
    }
    let mut all_valid = true;
    let mut out = Output::new();
    let result = for_each_input(&args.values, |input| match input {
        Ok(value) => {
            let parsed = parse_with(value, &options);
            if let Err(e) = &parsed {
                all_valid = false;
                eprintln!("hostkit: {value:?}: {e}");
            }
            if args.json {
                out.json_line(&parse_json(value, &parsed))
            } else {
                write_parse_text(&mut out, value, &parsed)
            }
        }
        Err(bad) => {
            all_valid = false;
            let value = bad.lossy();
            eprintln!("hostkit: {value:?}: {}", bad.message());
            if args.json {
                let mut v = invalid_json(&value);
                set_error(&mut v, bad.message(), NOT_UTF8, Some(bad.valid_up_to));
                out.json_line(&v)
            } else {
                writeln!(out, "invalid: {value:?}: {} ({NOT_UTF8})", bad.message())
            }
        }
    })
    .and_then(|()| out.flush());
    finish(result.map(|()| all_valid), "hostkit", "hsts parse")
}

/// The JSON object of a value that is not a valid header, before its error fields.
fn invalid_json(value: &str) -> Value {
    json!({
        "input": value,
        "valid": false,
        "max_age": null,
        "include_subdomains": null,
        "preload": null,
        "canonical": null,
        "error": null,
        "error_code": null,
        "offset": null,
        "warnings": [],
    })
}

fn parse_json(value: &str, parsed: &Result<Parsed, hostkit_hsts::Error>) -> Value {
    match parsed {
        Ok(p) => json!({
            "input": value,
            "valid": true,
            "max_age": p.policy.max_age,
            "include_subdomains": p.policy.include_subdomains,
            "preload": p.policy.preload,
            "canonical": p.policy.to_string(),
            "error": null,
            "error_code": null,
            "offset": null,
            "warnings": p.warnings.iter().map(warning_json).collect::<Vec<_>>(),
        }),
        Err(e) => {
            let mut v = invalid_json(value);
            set_error(&mut v, e, e.kind().as_str(), e.offset());
            v
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn write_parse_text<W: Write>(
    out: &mut W,
    value: &str,
    parsed: &Result<Parsed, hostkit_hsts::Error>,
) -> io::Result<()> {
    match parsed {
        Ok(p) => {
            writeln!(out, "valid: {}", p.policy)?;
            writeln!(out, "  max-age: {} s", p.policy.max_age)?;
            writeln!(
                out,
                "  includeSubDomains: {}",
                yes_no(p.policy.include_subdomains)
            )?;
            writeln!(out, "  preload: {}", yes_no(p.policy.preload))?;
            for w in &p.warnings {
                writeln!(out, "  warning {}: {w}", w.code())?;
            }
            Ok(())
        }
        Err(e) => writeln!(out, "invalid: {value:?}: {e} ({})", e.kind().as_str()),
    }
}

fn preload(args: &PreloadArgs) -> ExitCode {
    if let Some(url) = &args.url {
        return super::hsts_live::preload_live(
            args.json,
            url,
            &args.resolve,
            args.ca_file.as_deref(),
            args.http_port,
        );
    }
    let report = preload_check_fields(args.values.iter().map(String::as_bytes));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        write_json_line(&mut out, &preload_json(&args.values[0], &report))
    } else {
        write_preload_text(&mut out, &report)
    };
    match written {
        Ok(()) => verdict(report.is_preloadable()),
        Err(e) => usage_error("hsts preload-check", e),
    }
}

fn preload_json(value: &str, report: &PreloadReport) -> Value {
    json!({
        "input": value,
        "preloadable": report.is_preloadable(),
        "valid": report.policy.is_some(),
        "max_age": report.policy.map(|p| p.max_age),
        "include_subdomains": report.policy.map(|p| p.include_subdomains),
        "preload": report.policy.map(|p| p.preload),
        "errors": report.errors.iter().map(issue_json).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(issue_json).collect::<Vec<_>>(),
    })
}

fn write_preload_text<W: Write>(out: &mut W, report: &PreloadReport) -> io::Result<()> {
    if report.is_preloadable() {
        writeln!(out, "preloadable")?;
    } else {
        writeln!(out, "not preloadable")?;
    }
    for e in &report.errors {
        writeln!(out, "  error {}: {e}", e.code())?;
    }
    for w in &report.warnings {
        writeln!(out, "  warning {}: {w}", w.code())?;
    }
    Ok(())
}

fn cache_check(args: &CacheCheckArgs) -> ExitCode {
    let text = match read_input(&args.file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => return usage_error(&args.file, "not UTF-8 text"),
        },
        Err(e) => return usage_error(&args.file, e),
    };
    let now = now(args.now);
    let mut store = Store::new();
    if let Err(e) = store.load_curl_cache(&text, now) {
        return usage_error(&args.file, e);
    }
    let mut out = Output::new();
    let mut all = true;
    let result = args.hosts.iter().try_for_each(|host| {
        let m = store.lookup(host, now);
        all &= m.is_some();
        if args.json {
            out.json_line(&json!({
                "host": host,
                "upgrade": m.is_some(),
                "matched": m.map(|m| m.name),
                "congruent": m.map(|m| m.congruent),
                "include_subdomains": m.map(|m| m.include_subdomains),
                "expires": m.and_then(|m| m.expires),
                "entries": store.len(),
            }))
        } else {
            match m {
                Some(m) => writeln!(
                    out,
                    "{host}: upgrade (entry {}{}, expires {})",
                    m.name,
                    if m.include_subdomains {
                        ", includeSubDomains"
                    } else {
                        ""
                    },
                    m.expires
                        .map_or_else(|| "never".to_string(), hostkit_hsts::format_curl_time)
                ),
                None => writeln!(out, "{host}: no HSTS entry"),
            }
        }
    });
    let result = result.and_then(|()| out.flush());
    finish(result.map(|()| all), "hostkit", "hsts cache-check")
}

fn cache_write(args: &CacheWriteArgs) -> ExitCode {
    if !args.pairs.len().is_multiple_of(2) {
        return usage_error("hsts cache-write", "expected pairs of HOST and VALUE");
    }
    let now = now(args.now);
    let mut store = Store::new();
    for pair in args.pairs.chunks(2) {
        let (host, value) = (&pair[0], &pair[1]);
        let policy: Policy = match value.parse() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("hostkit: {value:?}: {e}");
                return verdict(false);
            }
        };
        if let Err(e) = store.record(host, &policy, now) {
            return usage_error(host, e);
        }
    }
    let text = store.to_curl_cache(now);
    let written = if args.file == "-" {
        io::stdout().lock().write_all(text.as_bytes())
    } else {
        std::fs::write(&args.file, text)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&args.file, e),
    }
}
