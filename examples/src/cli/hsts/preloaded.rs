//! `hostkit hsts preloaded`: is a host on the embedded Chromium preload list, and
//! through which entry.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use clap::Args;
use hostkit_hsts::preload_list::{self, BYTES, ENTRIES, LIST_DATE};
use serde_json::{Value, json};

use crate::cli::{EXIT_OK, usage_error, verdict, write_json_line};

/// `hostkit hsts preloaded`.
#[derive(Debug, Args)]
pub(crate) struct PreloadedArgs {
    /// Print one JSON object per host.
    #[arg(long)]
    json: bool,
    /// Print the list's size and date instead of looking hosts up.
    #[arg(long, conflicts_with = "hosts")]
    stats: bool,
    /// Host names; one per line of standard input when none are given.
    #[arg(value_name = "HOST")]
    hosts: Vec<String>,
}

/// Run `hostkit hsts preloaded`.
pub(crate) fn run(args: &PreloadedArgs) -> ExitCode {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = if args.stats {
        stats(&mut out, args.json).map(|()| true)
    } else {
        batch(&mut out, args)
    };
    match result {
        Ok(all) => verdict(all),
        // A reader that stopped early (`| head`) ends the batch quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(EXIT_OK),
        Err(e) => usage_error("hsts preloaded", e),
    }
}

fn stats<W: Write>(out: &mut W, json: bool) -> io::Result<()> {
    if json {
        write_json_line(
            out,
            &json!({ "entries": ENTRIES, "bytes": BYTES, "list_date": LIST_DATE }),
        )
    } else {
        writeln!(out, "entries   {ENTRIES}")?;
        writeln!(out, "bytes     {BYTES}")?;
        writeln!(out, "list_date {LIST_DATE}")
    }
}

/// Looks up every host (arguments, or lines of standard input); whether all were
/// preloaded.
fn batch<W: Write>(out: &mut W, args: &PreloadedArgs) -> io::Result<bool> {
    let mut all = true;
    let mut one = |input: Result<&str, &[u8]>| -> io::Result<()> {
        let preloaded = report(out, input, args.json)?;
        all &= preloaded;
        Ok(())
    };
    if args.hosts.is_empty() {
        let stdin = io::stdin();
        let mut lock = stdin.lock();
        let mut line = Vec::new();
        loop {
            line.clear();
            if lock.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let l = line.strip_suffix(b"\n").unwrap_or(&line);
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            one(std::str::from_utf8(l).map_err(|_| l))?;
        }
    } else {
        for host in &args.hosts {
            one(Ok(host))?;
        }
    }
    Ok(all)
}

/// Writes one host's line; whether it is preloaded.
fn report<W: Write>(out: &mut W, input: Result<&str, &[u8]>, json: bool) -> io::Result<bool> {
    let host = match input {
        Ok(host) if !host.is_empty() => host,
        Ok(_) => {
            return bad(
                out,
                "",
                "empty host name",
                "preload_list.empty_host",
                None,
                json,
            );
        }
        Err(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let offset = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to());
            return bad(
                out,
                &text,
                "not UTF-8",
                "preload_list.not_utf8",
                offset,
                json,
            );
        }
    };
    let found = preload_list::lookup(host);
    if json {
        write_json_line(
            out,
            &json!({
                "host": host,
                "preloaded": found.is_some(),
                "include_subdomains": found.map(|m| m.include_subdomains),
                "entry": found.as_ref().map(|m| m.entry.as_str()),
                "exact": found.map(|m| m.exact),
                "list_date": LIST_DATE,
            }),
        )?;
    } else {
        match &found {
            Some(m) => writeln!(
                out,
                "{host}: preloaded (entry {}{})",
                m.entry,
                if m.include_subdomains {
                    ", includeSubDomains"
                } else {
                    ""
                }
            )?,
            None => writeln!(out, "{host}: not preloaded")?,
        }
    }
    Ok(found.is_some())
}

fn bad<W: Write>(
    out: &mut W,
    host: &str,
    reason: &str,
    code: &str,
    offset: Option<usize>,
    json: bool,
) -> io::Result<bool> {
    if json {
        let v: Value = json!({
            "host": host,
            "preloaded": false,
            "include_subdomains": null,
            "entry": null,
            "exact": null,
            "list_date": LIST_DATE,
            "error": reason,
            "error_code": code,
            "offset": offset,
        });
        write_json_line(out, &v)?;
    } else {
        writeln!(out, "error: {host:?}: {reason}")?;
    }
    eprintln!("hostkit: {host:?}: {reason}");
    Ok(false)
}
