//! `hostkit spf parse`, `check`, `lint` and `flatten`.

mod tree;

use std::io::{self, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use hostkit_examples::spf_zone::Zone;
use hostkit_spf::{
    Evaluator, Mechanism, Modifier, Outcome, Record, SpfResult, Term,
    authentication_results_clause, lint, lint_evaluation, received_spf,
};
use serde_json::{Value, json};

use super::{finish, now, read_input, usage_error, write_json_line};

/// The `spf` verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Parse a record: canonical form, terms, lint warnings (exit 1 on a syntax error).
    Parse(ParseArgs),
    /// Evaluate check_host() against a suite-style zone file (or real DNS with --dns):
    /// exit 0 for pass, 1 for any other result.
    Check(CheckArgs),
    /// Lint a domain's whole include tree for every client at once: worst-case
    /// lookups, void lookups and every warning (exit 1 when a permerror is possible).
    Lint(tree::LintArgs),
    /// Flatten a domain's tree into ip4/ip6 networks within 10 lookups: the zone lines
    /// to publish (exit 1 when that would change a result).
    Flatten(tree::FlattenArgs),
}

/// Arguments of `spf parse`.
#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The record text, such as "v=spf1 mx -all".
    record: String,
}

/// Arguments of `spf check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Zone file in the openspf suite's `zonedata` format (`-` for standard input).
    #[arg(long, required_unless_present = "dns", conflicts_with = "dns")]
    zone: Option<String>,
    /// Resolve with real DNS instead of a zone file.
    #[arg(long)]
    dns: bool,
    /// With --dns: the DNS server, IP:PORT (default: the system's resolvers).
    #[arg(long, requires = "dns")]
    server: Option<String>,
    /// The client's IP address.
    #[arg(long)]
    ip: String,
    /// The MAIL FROM address; empty checks the HELO identity.
    #[arg(long, allow_hyphen_values = true)]
    sender: String,
    /// The HELO/EHLO name.
    #[arg(long)]
    helo: Option<String>,
    /// The receiving host's name (for `%{r}` and the Received-SPF header).
    #[arg(long, default_value = "unknown")]
    receiver: String,
    /// The explanation given on fail when the domain has no `exp=` (a macro string).
    #[arg(long, allow_hyphen_values = true)]
    default_explanation: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also print the evaluation trace (text mode).
    #[arg(long)]
    trace: bool,
}

/// Run an `spf` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Parse(a) => parse(&a),
        Command::Check(a) => check(&a),
        Command::Lint(a) => tree::lint(&a),
        Command::Flatten(a) => tree::flatten_cmd(&a),
    }
}

fn term_json(t: &Term) -> Value {
    match t {
        Term::Directive(d) => {
            let mut v = json!({
                "kind": "directive",
                "text": t.to_string(),
                "qualifier": d.qualifier.as_char().to_string(),
                "mechanism": d.mechanism.name(),
            });
            let target = match &d.mechanism {
                Mechanism::Include(s) | Mechanism::Exists(s) => Some(s.to_string()),
                Mechanism::A { domain, .. }
                | Mechanism::Mx { domain, .. }
                | Mechanism::Ptr(domain) => domain.as_ref().map(ToString::to_string),
                Mechanism::Ip4 { addr, prefix } => Some(format!("{addr}/{}", prefix.unwrap_or(32))),
                Mechanism::Ip6 { addr, prefix } => {
                    Some(format!("{addr}/{}", prefix.unwrap_or(128)))
                }
                Mechanism::All => None,
            };
            v["target"] = target.map_or(Value::Null, Value::from);
            v
        }
        Term::Modifier(m) => {
            let (name, value) = match m {
                Modifier::Redirect(s) => ("redirect".to_string(), s.to_string()),
                Modifier::Exp(s) => ("exp".to_string(), s.to_string()),
                Modifier::Unknown { name, value } => (name.clone(), value.to_string()),
            };
            json!({"kind": "modifier", "text": t.to_string(), "name": name, "value": value})
        }
    }
}

fn parse(a: &ParseArgs) -> ExitCode {
    let mut out = io::stdout().lock();
    let res = match a.record.parse::<Record>() {
        Ok(r) => {
            let warnings = lint(&r);
            if a.json {
                let v = json!({
                    "valid": true,
                    "record": r.to_string(),
                    "terms": r.terms().iter().map(term_json).collect::<Vec<_>>(),
                    "lookups": r.dns_term_count(),
                    "warnings": warnings.iter().map(|w| json!({
                        "code": w.code.code(), "message": w.message, "term": w.term,
                    })).collect::<Vec<_>>(),
                });
                write_json_line(&mut out, &v)
            } else {
                (|| {
                    writeln!(out, "{r}")?;
                    for t in r.terms() {
                        writeln!(out, "  {t}")?;
                    }
                    writeln!(out, "dns-querying terms: {}", r.dns_term_count())?;
                    for w in &warnings {
                        writeln!(out, "warning {w}")?;
                    }
                    Ok(())
                })()
            }
            .map(|()| true)
        }
        Err(e) => {
            eprintln!("hostkit: {}: {e}", a.record);
            if a.json {
                let v = json!({
                    "valid": false,
                    "error": e.to_string(),
                    "error_code": e.kind.as_str(),
                    "term": e.term,
                    "offset": e.offset,
                });
                write_json_line(&mut out, &v).map(|()| false)
            } else {
                writeln!(out, "{}", a.record)
                    .and_then(|()| writeln!(out, "{}^ {e}", " ".repeat(e.offset)))
                    .map(|()| false)
            }
        }
    };
    finish(res, "hostkit", "spf parse")
}

fn evaluator(a: &CheckArgs, ip: IpAddr) -> Result<Evaluator, ExitCode> {
    let ev = if a.sender.is_empty() {
        let Some(helo) = &a.helo else {
            return Err(usage_error(
                "--sender",
                "empty sender needs --helo (HELO check)",
            ));
        };
        Evaluator::check_helo(ip, helo)
    } else {
        let domain = a
            .sender
            .rsplit_once('@')
            .map_or(a.sender.as_str(), |(_, d)| d);
        let ev = Evaluator::check_host(ip, domain, &a.sender);
        match &a.helo {
            Some(h) => ev.helo(h),
            None => ev,
        }
    };
    let ev = ev.receiver(&a.receiver).timestamp(now(None));
    match &a.default_explanation {
        Some(text) => ev
            .default_explanation(text)
            .map_err(|e| usage_error("--default-explanation", e)),
        None => Ok(ev),
    }
}

fn check(a: &CheckArgs) -> ExitCode {
    let ip: IpAddr = match a.ip.parse() {
        Ok(ip) => ip,
        Err(e) => return usage_error(&a.ip, e),
    };
    let ev = match evaluator(a, ip) {
        Ok(ev) => ev,
        Err(code) => return code,
    };
    let outcome = if a.dns {
        match hostkit_examples::spf_dns::check(ev, a.server.as_deref()) {
            Ok(o) => o,
            Err(e) => return usage_error("--dns", format!("{e:#}")),
        }
    } else {
        let path = a.zone.as_deref().unwrap_or("-");
        let text = match read_input(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => return usage_error(path, e),
        };
        let zone = match Zone::from_yaml(&text) {
            Ok(z) => z,
            Err(e) => return usage_error(path, e),
        };
        ev.run(|q| zone.answer(q))
    };
    // 0 for pass, 1 for every other result, as everywhere a verdict is negative
    let pass = outcome.result == SpfResult::Pass;
    finish(
        print_outcome(a, &outcome).map(|()| pass),
        "hostkit",
        "spf check",
    )
}

fn print_outcome(a: &CheckArgs, o: &Outcome) -> io::Result<()> {
    let mut out = io::stdout().lock();
    if a.json {
        let v = json!({
            "result": o.result.as_str(),
            "explanation": o.explanation,
            "mechanism": o.mechanism,
            "problem": o.problem.as_ref().map(ToString::to_string),
            "lookups": o.lookups,
            "void_lookups": o.void_lookups,
            "queries": o.queries,
            "domain": o.domain,
            "received_spf": received_spf(o, &a.receiver),
            "authentication_results": authentication_results_clause(o),
            "warnings": lint_evaluation(o).iter().map(|w| json!({
                "code": w.code.code(), "message": w.message,
            })).collect::<Vec<_>>(),
            "trace": o.trace,
        });
        return write_json_line(&mut out, &v);
    }
    writeln!(out, "{}", o.result)?;
    if let Some(e) = &o.explanation {
        writeln!(out, "{e}")?;
    }
    if a.trace {
        if let Some(m) = &o.mechanism {
            writeln!(out, "mechanism: {m}")?;
        }
        if let Some(p) = &o.problem {
            writeln!(out, "problem: {p}")?;
        }
        writeln!(
            out,
            "lookups: {}, void lookups: {}",
            o.lookups, o.void_lookups
        )?;
        for t in &o.trace {
            writeln!(out, "  {t}")?;
        }
    }
    Ok(())
}
