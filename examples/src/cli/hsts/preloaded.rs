//! `hostkit hsts preloaded`: is a host on the embedded Chromium preload list, and
//! through which entry.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;
use hostkit_hsts::preload_list::{self, BYTES, ENTRIES, LIST_DATE};
use serde_json::{Value, json};

use crate::cli::{Input, Output, finish, for_each_input, set_error, write_json_line};

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
    hosts: Vec<OsString>,
}

/// Run `hostkit hsts preloaded`.
pub(crate) fn run(args: &PreloadedArgs) -> ExitCode {
    let mut out = Output::new();
    let result = if args.stats {
        stats(&mut out, args.json).map(|()| true)
    } else {
        batch(&mut out, args)
    };
    // A reader that stopped early (`| head`) ends the batch quietly.
    let result = result.and_then(|all| out.flush().map(|()| all));
    finish(result, "hostkit", "hsts preloaded")
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
    for_each_input(&args.hosts, |input| {
        all &= report(out, input, args.json)?;
        Ok(())
    })?;
    Ok(all)
}

/// Writes one host's line; whether it is preloaded.
fn report<W: Write>(out: &mut W, input: Input<'_>, json: bool) -> io::Result<bool> {
    let host = match input {
        Ok(host) if !host.is_empty() => host,
        Ok(_) => {
            return bad_input(
                out,
                "",
                "empty host name",
                "preload_list.empty_host",
                None,
                json,
            );
        }
        Err(bad) => {
            return bad_input(
                out,
                &bad.lossy(),
                "not UTF-8",
                "preload_list.not_utf8",
                Some(bad.valid_up_to),
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

fn bad_input<W: Write>(
    out: &mut W,
    host: &str,
    reason: &str,
    code: &str,
    offset: Option<usize>,
    json: bool,
) -> io::Result<bool> {
    if json {
        let mut v: Value = json!({
            "host": host,
            "preloaded": false,
            "include_subdomains": null,
            "entry": null,
            "exact": null,
            "list_date": LIST_DATE,
        });
        set_error(&mut v, reason, code, offset);
        write_json_line(out, &v)?;
    } else {
        writeln!(out, "error: {host:?}: {reason}")?;
    }
    eprintln!("hostkit: {host:?}: {reason}");
    Ok(false)
}
