//! `hostkit spf lint` and `hostkit spf flatten`: the whole tree of a domain.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;
use hostkit_examples::spf_zone::Zone;
use hostkit_spf::{FlattenOptions, Flattened, Tree, TreeNode, TreeWalker, flatten};
use serde_json::{Value, json};

use super::super::{finish, read_input, usage_error, write_json_line};

/// Where the tree's records come from.
#[derive(Debug, Args)]
pub(crate) struct Source {
    /// Zone file in the openspf suite's `zonedata` format (`-` for standard input).
    #[arg(long, required_unless_present = "dns", conflicts_with = "dns")]
    zone: Option<String>,
    /// Resolve with real DNS instead of a zone file.
    #[arg(long)]
    dns: bool,
    /// With --dns: the DNS server, IP:PORT (default 127.0.0.1:53).
    #[arg(long, requires = "dns")]
    server: Option<String>,
    /// The domain whose tree is walked.
    #[arg(long)]
    domain: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Arguments of `spf lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    source: Source,
}

/// Arguments of `spf flatten`.
#[derive(Debug, Args)]
pub(crate) struct FlattenArgs {
    #[command(flatten)]
    source: Source,
    /// The longest record written, in bytes; longer ones are split into a chain
    /// `_spf1.DOMAIN`, `_spf2.DOMAIN`, ...
    #[arg(long, default_value_t = 255, value_parser = clap::value_parser!(u16).range(64..))]
    max_length: u16,
}

fn walk(s: &Source) -> Result<Tree, ExitCode> {
    if s.dns {
        return hostkit_examples::spf_dns::walk(&s.domain, s.server.as_deref())
            .map_err(|e| usage_error("--dns", format!("{e:#}")));
    }
    let path = s.zone.as_deref().unwrap_or("-");
    let text = match read_input(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return Err(usage_error(path, e)),
    };
    let zone = Zone::from_yaml(&text).map_err(|e| usage_error(path, e))?;
    Ok(TreeWalker::new(&s.domain).run(|q| zone.answer(q)))
}

fn warnings_json(w: &[hostkit_spf::TreeWarning]) -> Vec<Value> {
    w.iter()
        .map(|w| {
            json!({
                "code": w.code.as_str(),
                "message": w.message,
                "domain": w.domain,
                "term": w.term,
            })
        })
        .collect()
}

/// Run `spf lint`.
pub(crate) fn lint(a: &LintArgs) -> ExitCode {
    let tree = match walk(&a.source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut out = io::stdout().lock();
    let res = if a.source.json {
        let v = json!({
            "domain": tree.domain,
            "lookups_worst": tree.lookups_worst,
            "void_lookups_worst": tree.void_lookups_worst,
            "permerror_possible": tree.permerror_possible,
            "tree": serde_json::to_value(&tree.root).unwrap_or(Value::Null),
            "warnings": warnings_json(&tree.warnings),
        });
        write_json_line(&mut out, &v)
    } else {
        print_tree(&mut out, &tree)
    };
    finish(
        res.map(|()| !tree.permerror_possible),
        "hostkit",
        "spf lint",
    )
}

fn print_tree(out: &mut impl Write, tree: &Tree) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} lookups in the worst case (limit 10), {} void lookups (limit 2){}",
        tree.domain,
        tree.lookups_worst,
        tree.void_lookups_worst,
        if tree.permerror_possible {
            ", permerror possible"
        } else {
            ""
        }
    )?;
    print_node(out, &tree.root, 0)?;
    if !tree.warnings.is_empty() {
        writeln!(out, "warnings:")?;
        for w in &tree.warnings {
            writeln!(out, "  {w}")?;
        }
    }
    Ok(())
}

fn print_node(out: &mut impl Write, node: &TreeNode, depth: usize) -> io::Result<()> {
    let pad = "  ".repeat(depth);
    let state = serde_json::to_value(&node.state)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    match &node.record {
        Some(r) if state == "record" => writeln!(out, "{pad}{}: {r}", node.domain)?,
        _ => writeln!(out, "{pad}{}: ({})", node.domain, state.replace('_', " "))?,
    }
    for t in &node.terms {
        let mut notes = Vec::new();
        if !t.reached {
            notes.push(String::from("not reached"));
        } else {
            notes.push(format!(
                "{} lookup{}",
                t.lookups,
                if t.lookups == 1 { "" } else { "s" }
            ));
        }
        if t.void_lookups > 0 {
            notes.push(format!("{} void", t.void_lookups));
        }
        if let Some(n) = t.mx_hosts {
            notes.push(format!("{n} mx hosts"));
        }
        writeln!(out, "{pad}  {}  [{}]", t.term, notes.join(", "))?;
        if let Some(c) = &t.child {
            print_node(out, c, depth + 2)?;
        }
    }
    Ok(())
}

/// Run `spf flatten`.
pub(crate) fn flatten_cmd(a: &FlattenArgs) -> ExitCode {
    let tree = match walk(&a.source) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let opts = FlattenOptions {
        max_length: usize::from(a.max_length),
        ..FlattenOptions::default()
    };
    let mut out = io::stdout().lock();
    let (res, ok) = match flatten(&tree, &opts) {
        Ok(f) => {
            let r = if a.source.json {
                write_json_line(&mut out, &flat_json(&f))
            } else {
                print_zone(&mut out, &tree.domain, &f)
            };
            (r, true)
        }
        Err(e) => {
            let message = format!("cannot flatten without changing a result: {}", e.kind);
            eprintln!("hostkit: {}: {message}: {}", tree.domain, e.term);
            let r = if a.source.json {
                let v = json!({
                    "domain": tree.domain,
                    "error": format!("{message}: {}", e.term),
                    "error_code": e.kind.as_str(),
                    "term": e.term,
                    "offset": Value::Null,
                    "warnings": warnings_json(&tree.warnings),
                });
                write_json_line(&mut out, &v)
            } else {
                Ok(())
            };
            (r, false)
        }
    };
    finish(res.map(|()| ok), "hostkit", "spf flatten")
}

fn flat_json(f: &Flattened) -> Value {
    json!({
        "records": f.records.iter().map(|r| json!({"name": r.name, "value": r.value})).collect::<Vec<_>>(),
        "lookups": f.lookups,
        "kept": f.kept,
        "frozen": f.frozen,
        "snapshot": true,
        "warnings": warnings_json(&f.warnings),
    })
}

/// A TXT value as zone-file strings of at most 255 bytes each.
fn zone_strings(value: &str) -> String {
    let escaped: Vec<String> = value
        .as_bytes()
        .chunks(255)
        .map(|c| {
            let s = String::from_utf8_lossy(c);
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        })
        .collect();
    escaped.join(" ")
}

fn print_zone(out: &mut impl Write, domain: &str, f: &Flattened) -> io::Result<()> {
    writeln!(
        out,
        "; flattened spf for {domain}: {} lookups in the worst case",
        f.lookups
    )?;
    writeln!(
        out,
        "; a snapshot: it freezes the addresses of {}; flatten again when they change",
        f.frozen.join(", ")
    )?;
    for w in &f.warnings {
        if w.code != hostkit_spf::TreeCode::FlattenSnapshot {
            writeln!(out, "; {w}")?;
        }
    }
    for r in &f.records {
        writeln!(out, "{}. IN TXT {}", r.name, zone_strings(&r.value))?;
    }
    Ok(())
}
