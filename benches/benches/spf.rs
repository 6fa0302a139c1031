//! SPF side by side: record parsing against mail-auth, decon-spf and mailrs-spf;
//! check_host() against mail-auth on include chains and an `mx` fan-out, both fed the
//! same answers from memory; and hostkit's check_host() over the scenarios of the
//! RFC 7208 conformance suite.
#![allow(missing_docs)] // criterion's macros generate undocumented items

#[path = "../../spf/tests/support/zone.rs"]
#[allow(dead_code, unreachable_pub)]
mod zone;

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::str::FromStr;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hostkit_spf::{Answer, Evaluator, Query, QueryType, Record, SpfResult};
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
    // the suite as vendored in the spf crate
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spf/tests/vectors/rfc7208-tests.yml");
    let text = std::fs::read_to_string(path).ok()?;
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

fn spf_suite(c: &mut Criterion) {
    let Some(cases) = suite_cases() else {
        eprintln!("spf_suite: spf/tests/vectors/rfc7208-tests.yml could not be read");
        return;
    };
    let mut g = c.benchmark_group("spf_suite");
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

/// A zone held in memory: the text of the TXT records, the MX and A records.
struct Zone {
    txt: Vec<(String, String)>,
    mx: Vec<(String, Vec<String>)>,
    a: Vec<(String, Ipv4Addr)>,
    client: IpAddr,
}

impl Zone {
    /// `example.com` includes `c1.example.com`, which includes `c2`, ... `depth`
    /// includes in all; the last record lists the client's network.
    fn include_chain(depth: usize) -> Self {
        let name = |i: usize| {
            if i == 0 {
                "example.com".to_string()
            } else {
                format!("c{i}.example.com")
            }
        };
        let mut txt: Vec<(String, String)> = (0..depth)
            .map(|i| {
                let text = format!("v=spf1 include:{} -all", name(i + 1));
                (name(i), text)
            })
            .collect();
        txt.push((name(depth), "v=spf1 ip4:192.0.2.0/24 -all".to_string()));
        Self {
            txt,
            mx: Vec::new(),
            a: Vec::new(),
            client: "192.0.2.10".parse().expect("address"),
        }
    }

    /// Ten `mx` terms, each naming ten exchanges; only the last exchange of the last
    /// term holds the client, so every one of the 100 address lookups is made.
    fn mx_fanout() -> Self {
        let terms: Vec<String> = (0..10).map(|i| format!("mx:m{i}.example.com")).collect();
        let txt = vec![(
            "example.com".to_string(),
            format!("v=spf1 {} -all", terms.join(" ")),
        )];
        let mut mx = Vec::new();
        let mut a = Vec::new();
        for i in 0..10u8 {
            let hosts: Vec<String> = (0..10).map(|j| format!("h{j}.m{i}.example.com")).collect();
            for (j, h) in (0u8..).zip(&hosts) {
                a.push((h.clone(), Ipv4Addr::new(198, 51, 100, i * 10 + j)));
            }
            mx.push((format!("m{i}.example.com"), hosts));
        }
        Self {
            txt,
            mx,
            a,
            client: "198.51.100.99".parse().expect("address"),
        }
    }

    fn hostkit_answers(&self) -> FxHashMap<Query, Answer> {
        let q = |name: &str, qtype| Query {
            name: name.to_string(),
            qtype,
        };
        let mut m = FxHashMap::default();
        for (n, t) in &self.txt {
            m.insert(
                q(n, QueryType::Txt),
                Answer::Txt(vec![vec![t.clone().into_bytes()]]),
            );
        }
        for (n, hosts) in &self.mx {
            let v = (0u16..).zip(hosts.iter().cloned()).collect();
            m.insert(q(n, QueryType::Mx), Answer::Mx(v));
        }
        for (n, ip) in &self.a {
            m.insert(q(n, QueryType::A), Answer::A(vec![*ip]));
        }
        m
    }
}

/// A resolver cache for mail-auth, filled by hand. Both sides of `spf_eval` keep
/// their in-memory answers in the same kind of map, with the same hasher.
struct Filled<K, V>(std::sync::Mutex<FxHashMap<K, V>>);

impl<K, V> Filled<K, V> {
    fn new() -> Self {
        Self(std::sync::Mutex::new(FxHashMap::default()))
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> mail_auth::ResolverCache<K, V> for Filled<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().ok()?.remove(name)
    }

    fn insert(&self, key: K, value: V, _: std::time::Instant) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, value);
        }
    }
}

type RecordSet<T> = mail_auth::RecordSet<T>;

/// mail-auth's caches holding a zone: its TXT cache holds parsed records.
struct MailAuthCaches {
    txt: Filled<Box<str>, mail_auth::Txt>,
    mx: Filled<Box<str>, RecordSet<mail_auth::MX>>,
    ptr: Filled<IpAddr, RecordSet<Box<str>>>,
    ipv4: Filled<Box<str>, RecordSet<Ipv4Addr>>,
    ipv6: Filled<Box<str>, RecordSet<std::net::Ipv6Addr>>,
}

fn set<T>(v: Vec<T>) -> RecordSet<T> {
    mail_auth::RecordSet {
        rrset: v.into(),
        dnssec_status: mail_auth::DnssecStatus::Indeterminate,
    }
}

impl MailAuthCaches {
    fn new(zone: &Zone) -> Self {
        use mail_auth::ResolverCache as _;
        let c = Self {
            txt: Filled::new(),
            mx: Filled::new(),
            ptr: Filled::new(),
            ipv4: Filled::new(),
            ipv6: Filled::new(),
        };
        let later = std::time::Instant::now() + std::time::Duration::from_secs(86_400);
        c.fill_txt(zone, later);
        for (n, hosts) in &zone.mx {
            let mx = mail_auth::MX {
                exchanges: hosts.iter().map(|h| format!("{h}.").into()).collect(),
                preference: 10,
            };
            c.mx.insert(format!("{n}.").into(), set(vec![mx]), later);
        }
        for (n, ip) in &zone.a {
            c.ipv4.insert(format!("{n}.").into(), set(vec![*ip]), later);
        }
        c
    }

    /// Parse the zone's TXT records into the TXT cache.
    fn fill_txt(&self, zone: &Zone, valid_until: std::time::Instant) {
        use mail_auth::ResolverCache as _;
        for (n, t) in &zone.txt {
            let spf =
                mail_auth::spf::Spf::parse(t.as_bytes()).expect("mail-auth parses the record");
            self.txt.insert(
                format!("{n}.").into(),
                mail_auth::Txt::from(spf),
                valid_until,
            );
        }
    }

    fn check(&self, auth: &mail_auth::MessageAuthenticator, zone: &Zone) -> mail_auth::SpfResult {
        let params =
            mail_auth::Parameters::new(mail_auth::spf::verify::SpfParameters::verify_mail_from(
                zone.client,
                "mail.example.org",
                "mx.example.org",
                "alice@example.com",
            ))
            .with_txt_cache(&self.txt)
            .with_mx_cache(&self.mx)
            .with_ptr_cache(&self.ptr)
            .with_ipv4_cache(&self.ipv4)
            .with_ipv6_cache(&self.ipv6);
        block_on(auth.check_host(params)).result()
    }
}

/// Run a future that never waits (every lookup is a cache hit) to its end.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn hostkit_check(zone: &Zone, answers: &FxHashMap<Query, Answer>, trace: bool) -> SpfResult {
    Evaluator::check_host(zone.client, "example.com", "alice@example.com")
        .helo("mail.example.org")
        .tracing(trace)
        .run(|q| answers.get(q).unwrap_or(&Answer::NxDomain))
        .result
}

fn spf_eval(c: &mut Criterion) {
    let auth = mail_auth::MessageAuthenticator::new_cloudflare().expect("a resolver value");
    let mut g = c.benchmark_group("spf_eval");
    for (input, zone) in [
        ("include_chain_5", Zone::include_chain(5)),
        ("include_chain_10", Zone::include_chain(10)),
        ("mx_fanout", Zone::mx_fanout()),
    ] {
        let answers = zone.hostkit_answers();
        let caches = MailAuthCaches::new(&zone);
        // Both must reach the same verdict, or the comparison is void.
        assert_eq!(
            hostkit_check(&zone, &answers, true),
            SpfResult::Pass,
            "{input}"
        );
        assert_eq!(
            caches.check(&auth, &zone),
            mail_auth::SpfResult::Pass,
            "{input}"
        );
        // Without the trace, as mail-auth keeps none.
        g.bench_with_input(BenchmarkId::new("hostkit", input), &zone, |b, z| {
            b.iter(|| hostkit_check(black_box(z), &answers, false))
        });
        g.bench_with_input(BenchmarkId::new("hostkit_traced", input), &zone, |b, z| {
            b.iter(|| hostkit_check(black_box(z), &answers, true))
        });
        // mail-auth's TXT cache holds parsed records, so this measures its
        // evaluation alone, while hostkit parses each record it is given.
        g.bench_with_input(BenchmarkId::new("mail_auth", input), &zone, |b, z| {
            b.iter(|| caches.check(&auth, black_box(z)))
        });
        // The same, with mail-auth parsing the TXT records in each iteration too.
        let later = std::time::Instant::now() + std::time::Duration::from_secs(86_400);
        g.bench_with_input(
            BenchmarkId::new("mail_auth_parsing", input),
            &zone,
            |b, z| {
                b.iter(|| {
                    caches.fill_txt(z, later);
                    caches.check(&auth, black_box(z))
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, spf_parse, spf_eval, spf_suite);
criterion_main!(benches);
