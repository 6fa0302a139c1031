//! `hostkit caa parse` and `hostkit caa check`.

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use hostkit_caa::{Caa, CaaRef, Decision, Iodef, Outcome, Property, StaticZone, Step, Verdict};
use hostkit_examples::caa_request;
use serde_json::{Value, json};

use super::{
    NOT_UTF8, Output, decode_hex, encode_hex, finish, for_each_input, read_input, set_error,
    usage_error, verdict, write_json_line,
};

/// The `caa` verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Read one CAA record from zone text or wire hex: meaning, canonical text, wire.
    Parse(ParseArgs),
    /// Decide whether CAs may issue for a name (or an email address) over a zone file.
    Check(CheckArgs),
}

/// `hostkit caa parse`.
#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Print one JSON object per record.
    #[arg(long)]
    json: bool,
    /// The RDATA as hex instead of zone text.
    #[arg(long, value_name = "HEX", conflicts_with = "text")]
    wire: Option<String>,
    /// Zone text such as '0 issue "ca.example"' (one record each; none: one per line
    /// of standard input).
    text: Vec<OsString>,
}

/// `hostkit caa check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// YAML: each name maps to a list of {CAA: '0 issue "ca.example"'}, {CNAME: target},
    /// {DNAME: target}, or the word SERVFAIL.
    #[arg(long, value_name = "FILE.yml")]
    zone: String,
    /// The certificate name (`*.name` or --wildcard for a wildcard certificate).
    #[arg(long, value_name = "NAME", required_unless_present = "email")]
    domain: Option<String>,
    /// An issuer domain name of the CA (repeat for several).
    #[arg(long = "issuer", value_name = "CA", required = true)]
    issuers: Vec<String>,
    /// Ask for a wildcard certificate for NAME.
    #[arg(long)]
    wildcard: bool,
    /// The ACME account URI making the request (RFC 8657).
    #[arg(long, value_name = "URI")]
    account_uri: Option<String>,
    /// The validation method used, e.g. dns-01 (RFC 8657).
    #[arg(long, value_name = "M")]
    method: Option<String>,
    /// Check an S/MIME certificate for this address instead (issuemail, RFC 9495).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Run a `caa` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Parse(a) => parse(a),
        Command::Check(a) => check(a),
    }
}

fn property_json(p: &Property<'_>) -> Value {
    match p {
        Property::Issue(v) | Property::IssueWild(v) | Property::IssueMail(v) => {
            let params: Vec<Value> = v
                .parameters()
                .map(|p| json!({"tag": p.tag, "value": p.value}))
                .collect();
            json!({
                "name": p.name(),
                "well_formed": v.is_well_formed(),
                "issuer": v.issuer(),
                "parameters": params,
                "malformed": v.malformed().map(|m| m.to_string()),
            })
        }
        Property::Iodef(i) => {
            let (scheme, target) = match i {
                Iodef::Mailto(a) => (Some("mailto"), Some(*a)),
                Iodef::Http(u) => (Some("http"), Some(*u)),
                Iodef::Https(u) => (Some("https"), Some(*u)),
                _ => (None, None),
            };
            json!({"name": "iodef", "scheme": scheme, "target": target})
        }
        _ => json!({"name": p.name(), "known": false}),
    }
}

fn property_text(p: &Property<'_>, critical: bool) -> String {
    match p {
        Property::Issue(v) | Property::IssueWild(v) | Property::IssueMail(v) => {
            let mut s = match (v.issuer(), v.malformed()) {
                (_, Some(m)) => format!("{}: malformed ({m}), no CA may issue", p.name()),
                (None, None) => format!("{}: empty issuer, no CA may issue", p.name()),
                (Some(i), None) => format!("{}: issuer {i}", p.name()),
            };
            for prm in v.parameters() {
                s.push_str(&format!("; {}={}", prm.tag, prm.value));
            }
            s
        }
        Property::Iodef(Iodef::Mailto(a)) => format!("iodef: report by email to {a}"),
        Property::Iodef(Iodef::Http(u) | Iodef::Https(u)) => format!("iodef: report to {u}"),
        Property::Iodef(_) => "iodef: unsupported URL".to_owned(),
        _ if critical => format!("{}: unknown and critical, CAs must not issue", p.name()),
        _ => format!("{}: unknown, ignored", p.name()),
    }
}

fn report(out: &mut impl Write, rec: CaaRef<'_>, as_json: bool) -> io::Result<()> {
    let p = rec.property();
    let warnings: Vec<String> = rec.warnings().iter().map(ToString::to_string).collect();
    if as_json {
        let v = json!({
            "flags": rec.flags(),
            "critical": rec.is_critical(),
            "tag": rec.tag(),
            "value_hex": encode_hex(rec.value()),
            "text": rec.to_string(),
            "wire_hex": encode_hex(&rec.to_wire()),
            "property": property_json(&p),
            "warnings": warnings,
        });
        write_json_line(out, &v)
    } else {
        writeln!(out, "{}", property_text(&p, rec.is_critical()))?;
        writeln!(out, "text: {rec}")?;
        writeln!(out, "wire: {}", encode_hex(&rec.to_wire()))?;
        writeln!(
            out,
            "flags: {}{}",
            rec.flags(),
            if rec.is_critical() { " (critical)" } else { "" }
        )?;
        for w in warnings {
            writeln!(out, "warning: {w}")?;
        }
        Ok(())
    }
}

/// Report a record that could not be read: a line on stderr, and in JSON the
/// `error`, `error_code` and `offset` of every bad input.
fn fail(
    out: &mut impl Write,
    input: &str,
    message: impl std::fmt::Display,
    code: &str,
    offset: Option<usize>,
    as_json: bool,
) -> io::Result<()> {
    eprintln!("hostkit: {input}: {message}");
    if as_json {
        let mut v = json!({"input": input});
        set_error(&mut v, message, code, offset);
        write_json_line(out, &v)?;
    }
    Ok(())
}

fn parse(a: ParseArgs) -> ExitCode {
    let mut out = Output::new();
    let mut ok = true;
    let res = if let Some(hex) = &a.wire {
        match decode_hex(hex) {
            Err(e) => return usage_error(hex, e),
            Ok(bytes) => match CaaRef::decode(&bytes) {
                Ok(r) => report(&mut out, r, a.json),
                Err(e) => {
                    ok = false;
                    fail(&mut out, hex, &e, e.kind().as_str(), e.offset(), a.json)
                }
            },
        }
    } else {
        for_each_input(&a.text, |input| match input {
            Ok(t) => match t.parse::<Caa>() {
                Ok(r) => report(&mut out, r.as_ref(), a.json),
                Err(e) => {
                    ok = false;
                    fail(&mut out, t, &e, e.kind().as_str(), e.offset(), a.json)
                }
            },
            Err(bad) => {
                ok = false;
                let (message, offset) = (bad.message(), Some(bad.valid_up_to));
                fail(&mut out, &bad.lossy(), message, NOT_UTF8, offset, a.json)
            }
        })
    };
    let res = res.and_then(|()| out.flush());
    finish(res.map(|()| ok), "hostkit", "caa parse")
}

/// A zone file: names mapped to one entry or a list of entries.
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
struct ZoneFile(std::collections::BTreeMap<String, OneOrMany>);

#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<ZoneEntry>),
    One(ZoneEntry),
}

/// One entry: `CAA: 'zone text'`, `CNAME: target`, `DNAME: target`, or `SERVFAIL`.
#[derive(Debug, serde::Deserialize)]
enum ZoneEntry {
    #[serde(rename = "CAA")]
    Caa(String),
    #[serde(rename = "CNAME")]
    Cname(String),
    #[serde(rename = "DNAME")]
    Dname(String),
    #[serde(rename = "SERVFAIL")]
    Servfail,
}

fn load_zone(path: &str) -> Result<StaticZone, String> {
    let bytes = read_input(path).map_err(|e| e.to_string())?;
    let file: ZoneFile = serde_yaml_ng::from_slice(&bytes).map_err(|e| {
        format!("not a zone (names mapped to CAA, CNAME, DNAME entries or SERVFAIL): {e}")
    })?;
    let mut zone = StaticZone::new();
    for (name, entries) in &file.0 {
        let entries = match entries {
            OneOrMany::Many(v) => v.as_slice(),
            OneOrMany::One(e) => core::slice::from_ref(e),
        };
        for entry in entries {
            match entry {
                ZoneEntry::Caa(text) => {
                    let rec: Caa = text.parse().map_err(|e| format!("{name}: {e}"))?;
                    zone.add_caa(name, rec);
                }
                ZoneEntry::Cname(target) => zone.add_cname(name, target),
                ZoneEntry::Dname(target) => zone.add_dname(name, target),
                ZoneEntry::Servfail => zone.add_servfail(name),
            }
        }
    }
    Ok(zone)
}

fn check(a: CheckArgs) -> ExitCode {
    let zone = match load_zone(&a.zone) {
        Ok(z) => z,
        Err(e) => return usage_error(&a.zone, e),
    };
    let (start, target) = if let Some(email) = &a.email {
        let d = match caa_request::start(email, false, true) {
            Ok(d) => d,
            Err(e) => return usage_error(email, e),
        };
        if let Some(domain) = &a.domain {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            if !domain.eq_ignore_ascii_case(d.0.name()) {
                return usage_error(domain, "--domain differs from the domain of --email");
            }
        }
        d
    } else {
        let name = a.domain.as_deref().unwrap_or_default();
        match caa_request::start(name, a.wildcard, false) {
            Ok(d) => d,
            Err(e) => return usage_error(name, e),
        }
    };
    let mut d = start;
    let mut queried = Vec::new();
    while let Step::Query(q) = d.step() {
        queried.push(q.to_owned());
        let ans = zone.answer(q);
        d.answer(ans);
    }
    let Some(outcome) = d.outcome() else {
        return usage_error(&a.zone, "discovery did not finish");
    };
    let issuers: Vec<&str> = a.issuers.iter().map(String::as_str).collect();
    let req = caa_request::request(
        &issuers,
        target,
        a.account_uri.as_deref(),
        a.method.as_deref(),
    );
    let decision = req.decide_outcome(outcome);
    let (relevant, records): (Option<&str>, &[Caa]) = match outcome {
        Outcome::Found {
            relevant_name,
            records,
        } => (Some(relevant_name), records),
        _ => (None, &[]),
    };
    let res = print_check(&a, &decision, relevant, records, &queried);
    match res {
        Ok(()) => verdict(decision.verdict == Verdict::Permit),
        Err(e) => usage_error("stdout", e),
    }
}

fn print_check(
    a: &CheckArgs,
    decision: &Decision,
    relevant: Option<&str>,
    records: &[Caa],
    queried: &[String],
) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let record = decision.record.and_then(|i| records.get(i));
    if a.json {
        let v = json!({
            "decision": decision.verdict.to_string(),
            "reason": decision.to_string(),
            "relevant_name": relevant,
            "record": record.map(ToString::to_string),
            "records": records.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "queried": queried,
        });
        write_json_line(&mut out, &v)
    } else {
        writeln!(out, "{}: {decision}", decision.verdict)?;
        match relevant {
            Some(n) => writeln!(out, "relevant name: {n}")?,
            None => writeln!(out, "relevant name: none")?,
        }
        for (i, r) in records.iter().enumerate() {
            writeln!(out, "record {}: {r}", i + 1)?;
        }
        writeln!(out, "queried: {}", queried.join(" "))
    }
}
