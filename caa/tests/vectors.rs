//! Table tests: the SSLMate CAA Test Suite cases and boulder's issue-value parsing
//! cases, read from `tests/vectors/`.

use hostkit_caa::{Caa, IssueValue, Request, StaticZone, Target, Verdict};

const SUITE: &str = include_str!("vectors/caatestsuite.txt");
const BOULDER: &str = include_str!("vectors/boulder_issue_values.txt");

fn absolute(owner: &str) -> String {
    match owner.strip_suffix('.') {
        Some(abs) => abs.to_owned(),
        None => format!("{owner}.caatestsuite.com"),
    }
}

/// Expand `t{0..999}` into 1000 records.
fn expand(text: &str) -> Vec<String> {
    let Some(open) = text.find('{') else {
        return vec![text.to_owned()];
    };
    let close = text[open..].find('}').expect("closing brace") + open;
    let (a, b) = text[open + 1..close].split_once("..").expect("range");
    let (a, b): (u32, u32) = (a.parse().expect("start"), b.parse().expect("end"));
    (a..=b)
        .map(|i| format!("{}{i}{}", &text[..open], &text[close + 1..]))
        .collect()
}

fn suite_zone() -> StaticZone {
    let mut zone = StaticZone::new();
    for line in SUITE.lines().filter(|l| l.starts_with("zone ")) {
        let mut parts = line.splitn(4, ' ');
        let (_, owner, kind) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let data = parts.next().unwrap_or_default();
        let owner = absolute(owner);
        match kind {
            "CAA" => {
                for text in expand(data) {
                    let rec: Caa = text.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
                    zone.add_caa(&owner, rec);
                }
            }
            "CNAME" => zone.add_cname(&owner, data),
            "DNAME" => zone.add_dname(&owner, data),
            "SERVFAIL" => zone.add_servfail(&owner),
            other => panic!("unknown type {other} in {line}"),
        }
    }
    zone
}

fn verdict(word: &str) -> Verdict {
    match word {
        "permit" => Verdict::Permit,
        "deny" => Verdict::Deny,
        other => panic!("verdict {other}"),
    }
}

#[test]
fn sslmate_caa_test_suite() {
    let zone = suite_zone();
    let mut suite_cases = 0;
    let mut controls = 0;
    for line in SUITE.lines().filter(|l| l.starts_with("case ")) {
        let f: Vec<&str> = line.split(' ').collect();
        let [_, name, kind, other, own, origin] = f[..] else {
            panic!("bad case line {line}");
        };
        let name = if let Some(rest) = name.strip_prefix("*.") {
            format!("*.{}", absolute(rest))
        } else {
            absolute(name)
        };
        let outcome = zone.discover(&name).unwrap();
        let target = if name.starts_with("*.") {
            Target::Wildcard
        } else {
            assert_eq!(kind, "name");
            Target::Name
        };
        for (issuer, want) in [("ca.example", other), ("caatestsuite.com", own)] {
            let issuers = [issuer];
            let d = Request::new(&issuers, target).decide_outcome(&outcome);
            assert_eq!(
                d.verdict,
                verdict(want),
                "{name} for {issuer}: {d} ({outcome:?})"
            );
        }
        match origin {
            "suite" => suite_cases += 1,
            "control" => controls += 1,
            o => panic!("origin {o}"),
        }
    }
    assert_eq!(suite_cases, 23);
    assert_eq!(controls, 6);
}

#[test]
fn big_rrset_reads_and_decides() {
    let zone = suite_zone();
    let outcome = zone.discover("big.basic.caatestsuite.com").unwrap();
    let hostkit_caa::Outcome::Found { records, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(records.len(), 1001);
    let d = Request::name(&["caatestsuite.com"]).decide(records);
    assert_eq!(d.record, Some(1000));
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('s') => out.push(' '),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => panic!("escape {other:?}"),
        }
    }
    out
}

#[test]
fn boulder_issue_value_facts() {
    let mut n = 0;
    let mut differ = 0;
    for line in BOULDER
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.splitn(5, '|').collect();
        let [boulder, ours, issuer, params, value] = f[..] else {
            panic!("bad line {line:?}");
        };
        let (boulder, ours) = (boulder.trim(), ours.trim());
        let value = unescape(value.strip_prefix(' ').unwrap_or(value));
        let v = IssueValue::parse(value.as_bytes());
        assert_eq!(
            v.is_well_formed(),
            ours == "ok",
            "{value:?}: {:?}",
            v.malformed()
        );
        if v.is_well_formed() {
            assert_eq!(v.issuer().unwrap_or_default(), issuer.trim(), "{value:?}");
            let got: Vec<String> = v
                .parameters()
                .map(|p| format!("{}={}", p.tag, p.value))
                .collect();
            let want: Vec<&str> = params.split_whitespace().collect();
            assert_eq!(got, want, "{value:?}");
        }
        if boulder != ours {
            differ += 1;
        }
        n += 1;
    }
    assert_eq!(n, 21);
    assert_eq!(differ, 1);
}
