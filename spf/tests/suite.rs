//! The openspf conformance suites (RFC 7208 and RFC 4408 editions), vendored under
//! `tests/vectors/` with their BSD licences (see the README there).

#[path = "support/zone.rs"]
pub mod zone;

use std::net::IpAddr;
use std::path::PathBuf;

use hostkit_spf::{Evaluator, Outcome};
use serde_yaml_ng::Value;
use zone::Zone;

fn read_suite(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct TestResult {
    name: String,
    ok: bool,
    /// Allowed, but not the first (preferred) result listed.
    not_preferred: bool,
    detail: String,
}

fn run_case(zone: &Zone, t: &Value) -> (Outcome, Vec<String>, Option<String>) {
    let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let helo = s("helo");
    let mailfrom = s("mailfrom");
    let ip: IpAddr = s("host").parse().expect("test host is an IP address");
    let ev = if mailfrom.is_empty() {
        Evaluator::check_helo(ip, &helo)
    } else {
        let domain = mailfrom
            .rsplit_once('@')
            .map_or(mailfrom.as_str(), |(_, d)| d);
        Evaluator::check_host(ip, domain, &mailfrom).helo(&helo)
    };
    let ev = ev
        .default_explanation("DEFAULT")
        .expect("valid explanation");
    let outcome = ev.run(|q| zone.answer(q));
    let expected = match t.get("result") {
        Some(Value::Sequence(v)) => v
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        Some(Value::String(r)) => vec![r.clone()],
        other => panic!("bad result field {other:?}"),
    };
    let exp = t
        .get("explanation")
        .and_then(Value::as_str)
        .map(String::from);
    (outcome, expected, exp)
}

fn run_suite(text: &str) -> Vec<TestResult> {
    let mut out = Vec::new();
    for chunk in text.split("\n---\n") {
        let doc: Value = serde_yaml_ng::from_str(chunk).expect("yaml document");
        if doc.is_null() {
            continue;
        }
        let zone = Zone::from_value(doc.get("zonedata").unwrap_or(&Value::Null)).expect("zone");
        let Some(Value::Mapping(tests)) = doc.get("tests") else {
            continue;
        };
        for (name, t) in tests {
            let name = name.as_str().unwrap_or_default().to_string();
            let (o, expected, exp) = run_case(&zone, t);
            let mut ok = expected.iter().any(|r| r == o.result.as_str());
            // Explanations are compared ignoring ASCII case: the suite's v-macro-ip6
            // expects upper-case nibbles from %{i}, where the example of RFC 7208
            // section 7.4 (and this crate) writes lower case; DNS names are
            // case-insensitive, so both are right.
            if let Some(e) = &exp {
                ok &= o
                    .explanation
                    .as_deref()
                    .is_some_and(|got| got.eq_ignore_ascii_case(e));
            }
            let detail = format!(
                "got {} ({:?}, problem {:?}), want {:?} explanation {:?}",
                o.result, o.explanation, o.problem, expected, exp
            );
            let not_preferred =
                ok && expected.first().map(String::as_str) != Some(o.result.as_str());
            out.push(TestResult {
                name,
                ok,
                not_preferred,
                detail,
            });
        }
    }
    out
}

#[test]
fn rfc7208_suite_passes_every_test() {
    let text = read_suite("rfc7208-tests.yml");
    let results = run_suite(&text);
    let failed: Vec<_> = results.iter().filter(|r| !r.ok).collect();
    eprintln!(
        "rfc7208: {} of {} passed",
        results.len() - failed.len(),
        results.len()
    );
    for f in &failed {
        eprintln!("FAIL {}: {}", f.name, f.detail);
    }
    assert_eq!(results.len(), 203, "the RFC 7208 suite has 203 tests");
    assert!(
        failed.is_empty(),
        "{} of {} failed",
        failed.len(),
        results.len()
    );
}

/// Tests of the RFC 4408 edition where this crate gives an allowed result other than
/// the one RFC 4408 preferred, because RFC 7208 changed the rule. A new difference, or
/// a failure, makes the test fail.
const RFC4408_EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "spfonly",
        "RFC 7208 3.1: type 99 (SPF) records are no longer queried, so a name with only one has none",
    ),
    (
        "txttimeout",
        "RFC 7208 4.4: only TXT is queried, so its timeout is a temperror with no SPF-type fallback",
    ),
    (
        "spfoverride",
        "RFC 7208 3.1: the TXT record decides; RFC 4408 preferred the type 99 record",
    ),
    (
        "multitxt1",
        "RFC 7208 4.5: two v=spf1 TXT records are a permerror; RFC 4408 looked at type 99 first",
    ),
    (
        "multispf2",
        "RFC 7208 3.1: type 99 records are ignored, so the single TXT record decides",
    ),
    (
        "invalid-domain-empty-label",
        "RFC 7208 4.3/4.8: a malformed target name is a lookup that finds nothing, not a permerror",
    ),
    (
        "invalid-domain-long",
        "RFC 7208 4.3/4.8: a malformed target name is a lookup that finds nothing, not a permerror",
    ),
    (
        "invalid-domain-long-via-macro",
        "RFC 7208 4.3/4.8: a malformed target name is a lookup that finds nothing, not a permerror",
    ),
    (
        "exists-dnserr",
        "RFC 7208 5/8: a DNS error during a mechanism is a temperror",
    ),
    (
        "mx-limit",
        "RFC 7208 4.6.4: more than 10 MX names is a permerror; RFC 4408 used the first 10",
    ),
];

#[test]
fn rfc4408_suite_differs_only_where_rfc7208_changed_the_rule() {
    let text = read_suite("rfc4408-tests.yml");
    let results = run_suite(&text);
    assert_eq!(results.len(), 191, "the RFC 4408 suite has 191 tests");
    eprintln!(
        "rfc4408: {} of {} match the RFC 4408 expectations",
        results.iter().filter(|r| r.ok).count(),
        results.len()
    );
    let differs = |r: &&TestResult| !r.ok || r.not_preferred;
    let mut differing: Vec<&str> = results
        .iter()
        .filter(differs)
        .map(|r| r.name.as_str())
        .collect();
    differing.sort_unstable();
    for r in results.iter().filter(differs) {
        eprintln!("DIFF {}: {}", r.name, r.detail);
    }
    let mut expected: Vec<&str> = RFC4408_EXPECTED_DIFFERENCES
        .iter()
        .map(|(n, _)| *n)
        .collect();
    expected.sort_unstable();
    assert_eq!(differing, expected);
}

#[test]
fn zone_driver_follows_the_suite_rules() {
    use hostkit_spf::{Answer, Query, QueryType};
    let zone = Zone::from_yaml(
        "zonedata:\n  a.example.com:\n    - SPF: v=spf1 -all\n    - TIMEOUT\n  b.example.com:\n    - SPF: v=spf1 +all\n    - TXT: NONE\n  c.example.com:\n    - CNAME: a.example.com\n",
    )
    .expect("zone");
    let q = |name: &str, qtype| {
        zone.answer(&Query {
            name: name.into(),
            qtype,
        })
    };
    assert_eq!(
        q("a.example.com", QueryType::Txt),
        Answer::Txt(vec![vec![b"v=spf1 -all".to_vec()]])
    );
    assert_eq!(q("a.example.com", QueryType::A), Answer::TempError);
    assert_eq!(q("b.example.com", QueryType::Txt), Answer::NoData);
    assert_eq!(
        q("c.example.com", QueryType::Txt),
        Answer::Txt(vec![vec![b"v=spf1 -all".to_vec()]])
    );
    assert_eq!(q("missing.example.com", QueryType::A), Answer::NxDomain);
    assert_eq!(q("error.example.com", QueryType::A), Answer::TempError);
}
