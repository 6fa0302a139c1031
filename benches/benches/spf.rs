//! SPF side by side: record parsing against mail-auth, decon-spf and mailrs-spf, and
//! hostkit's check_host() over the scenarios of the RFC 7208 conformance suite.
#![allow(missing_docs)] // criterion's macros generate undocumented items

#[path = "../../spf/tests/support/zone.rs"]
#[allow(dead_code, unreachable_pub)]
mod zone;

use std::collections::HashMap;
use std::hint::black_box;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hostkit_spf::{Answer, Evaluator, Query, Record};
use mail_auth::common::parse::TxtRecordParser;
use serde_yaml_ng::Value;

const TYPICAL: &str = "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com a mx ~all";
const TEN_TERMS: &str = "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 ip6:2001:db8::/32 \
    ip6:2001:db8:1::/48 a a:mail.example.com/28 mx mx:mx.example.net include:_spf.google.com ~all";

fn spf_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("spf_parse");
    for (name, text) in [("typical", TYPICAL), ("ten_terms", TEN_TERMS)] {
        // Every implementation must accept the input, or the comparison is void.
        assert!(text.parse::<Record>().is_ok());
        assert!(mail_auth::spf::Spf::parse(text.as_bytes()).is_ok());
        assert!(decon_spf::Spf::<String>::from_str(text).is_ok());
        assert!(mailrs_spf::Record::parse(text).is_ok());
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("hostkit", name), text, |b, t| {
            b.iter(|| black_box(t).parse::<Record>())
        });
        g.bench_with_input(BenchmarkId::new("mail_auth", name), text, |b, t| {
            b.iter(|| mail_auth::spf::Spf::parse(black_box(t).as_bytes()))
        });
        g.bench_with_input(BenchmarkId::new("decon_spf", name), text, |b, t| {
            b.iter(|| decon_spf::Spf::<String>::from_str(black_box(t)))
        });
        g.bench_with_input(BenchmarkId::new("mailrs_spf", name), text, |b, t| {
            b.iter(|| mailrs_spf::Record::parse(black_box(t)))
        });
    }
    g.finish();
}

struct Case {
    ip: IpAddr,
    domain: String,
    sender: String,
    helo: String,
    answers: HashMap<Query, Answer>,
}

impl Case {
    fn evaluator(&self) -> Evaluator {
        if self.sender.is_empty() {
            Evaluator::check_helo(self.ip, &self.helo)
        } else {
            Evaluator::check_host(self.ip, &self.domain, &self.sender).helo(&self.helo)
        }
    }
}

/// The suite's scenarios, each with the answers its evaluation asks for, recorded once
/// so that the benchmark measures the evaluator, not the zone driver.
fn suite_cases() -> Option<Vec<Case>> {
    let dir = std::env::var_os("HOSTKIT_SPF_SUITE_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/spf"),
        PathBuf::from,
    );
    let text = std::fs::read_to_string(dir.join("rfc7208-tests.yml")).ok()?;
    let mut cases = Vec::new();
    for chunk in text.split("\n---\n") {
        let doc: Value = serde_yaml_ng::from_str(chunk).ok()?;
        let Some(Value::Mapping(tests)) = doc.get("tests") else {
            continue;
        };
        let zone = zone::Zone::from_value(doc.get("zonedata").unwrap_or(&Value::Null)).ok()?;
        for t in tests.values() {
            let s = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let sender = s("mailfrom");
            let mut case = Case {
                ip: s("host").parse().ok()?,
                domain: sender
                    .rsplit_once('@')
                    .map_or(sender.as_str(), |(_, d)| d)
                    .to_string(),
                helo: s("helo"),
                sender,
                answers: HashMap::new(),
            };
            let mut answers = HashMap::new();
            case.evaluator().run(|q| {
                let a = zone.answer(q);
                answers.insert(q.clone(), a.clone());
                a
            });
            case.answers = answers;
            cases.push(case);
        }
    }
    Some(cases)
}

fn spf_eval(c: &mut Criterion) {
    let Some(cases) = suite_cases() else {
        eprintln!("spf_eval: the RFC 7208 suite was not found (set HOSTKIT_SPF_SUITE_DIR)");
        return;
    };
    let mut g = c.benchmark_group("spf_eval");
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("hostkit", |b| {
        b.iter(|| {
            for case in &cases {
                let o = case
                    .evaluator()
                    .run(|q| case.answers.get(q).cloned().unwrap_or(Answer::NxDomain));
                black_box(o);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, spf_parse, spf_eval);
criterion_main!(benches);
