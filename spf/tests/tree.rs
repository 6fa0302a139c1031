//! The tree lint and flattening against the evaluator, on random customer-shaped zones:
//! - a client that matches nothing causes exactly `lookups_worst` lookups and, in the
//!   worse family, `void_lookups_worst` void lookups;
//! - for every client address tried (random ones, and the first, last and neighbouring
//!   addresses of every network involved), check_host() on the flattened records gives
//!   the result the original gives with its limits lifted, within 10 lookups.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{
    Answer, ErrorKind, Evaluator, FlattenOptions, Limits, Mechanism, Query, QueryType, Record,
    SpfResult, Tree, TreeCode, TreeWalker, flatten,
};
use proptest::prelude::*;

type Zone = HashMap<(String, QueryType), Answer>;

fn answer(zone: &Zone, q: &Query) -> Answer {
    zone.get(&(q.name.clone(), q.qtype))
        .cloned()
        .unwrap_or(Answer::NxDomain)
}

/// A small deterministic generator (xorshift64*), so that one proptest seed is one zone.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn v4(rng: &mut Rng) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, rng.below(4) as u8, rng.below(256) as u8)
}

fn v6(rng: &mut Rng) -> Ipv6Addr {
    Ipv6Addr::new(
        0x2001,
        0xdb8,
        0,
        rng.below(4) as u16,
        0,
        0,
        0,
        rng.below(300) as u16,
    )
}

fn qual(rng: &mut Rng) -> &'static str {
    match rng.below(10) {
        0 => "-",
        1 => "~",
        2 => "?",
        _ => "",
    }
}

fn txt(s: &str) -> Answer {
    Answer::Txt(vec![vec![s.as_bytes().to_vec()]])
}

/// Give `host` some addresses (or none at all, a void lookup).
fn host(zone: &mut Zone, rng: &mut Rng, name: &str) {
    if rng.chance(10) {
        return;
    }
    let a: Vec<Ipv4Addr> = (0..1 + rng.below(3)).map(|_| v4(rng)).collect();
    zone.insert((name.into(), QueryType::A), Answer::A(a));
    if rng.chance(60) {
        let aaaa: Vec<Ipv6Addr> = (0..1 + rng.below(2)).map(|_| v6(rng)).collect();
        zone.insert((name.into(), QueryType::Aaaa), Answer::Aaaa(aaaa));
    } else {
        zone.insert((name.into(), QueryType::Aaaa), Answer::NoData);
    }
}

fn cidr(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.chance(40) {
        s.push_str(&format!("/{}", 22 + rng.below(11)));
    }
    if rng.chance(30) {
        s.push_str(&format!("//{}", 56 + rng.below(73)));
    }
    s
}

/// A record of `count` random terms at `name`; providers are `p0..pN.example.net`,
/// and the record at provider `me` only includes higher-numbered ones (no loops).
fn record(
    zone: &mut Zone,
    rng: &mut Rng,
    name: &str,
    me: usize,
    providers: usize,
    plus_all: bool,
) -> String {
    let mut terms = vec![String::from("v=spf1")];
    let count = 1 + rng.below(5);
    for i in 0..count {
        match rng.below(10) {
            0 | 1 => {
                let p = if rng.chance(50) {
                    24 + rng.below(9)
                } else {
                    16 + rng.below(17)
                };
                terms.push(format!("{}ip4:{}/{p}", qual(rng), v4(rng)));
            }
            2 => terms.push(format!(
                "{}ip6:{}/{}",
                qual(rng),
                v6(rng),
                48 + rng.below(81)
            )),
            3 => {
                let h = format!("h{i}.{name}");
                host(zone, rng, &h);
                terms.push(format!("{}a:{h}{}", qual(rng), cidr(rng)));
            }
            4 => {
                host(zone, rng, name);
                terms.push(format!("{}a{}", qual(rng), cidr(rng)));
            }
            5 => {
                let m = format!("m{i}.{name}");
                let hosts: Vec<(u16, String)> = (0..1 + rng.below(3))
                    .map(|k| (10 * k as u16, format!("x{k}.{m}")))
                    .collect();
                for (_, h) in &hosts {
                    host(zone, rng, h);
                }
                zone.insert((m.clone(), QueryType::Mx), Answer::Mx(hosts));
                terms.push(format!("{}mx:{m}{}", qual(rng), cidr(rng)));
            }
            _ if me + 1 < providers => {
                let p = me + 1 + rng.below((providers - me - 1) as u64) as usize;
                terms.push(format!("{}include:p{p}.example.net", qual(rng)));
            }
            _ => terms.push(format!("-ip4:{}", v4(rng))),
        }
    }
    match rng.below(10) {
        0 | 1 if me + 1 < providers => {
            let p = me + 1 + rng.below((providers - me - 1) as u64) as usize;
            terms.push(format!("redirect=p{p}.example.net"));
        }
        0 => {}
        1 if plus_all => terms.push("+all".into()),
        2 | 3 => terms.push("~all".into()),
        4 => terms.push("?all".into()),
        _ => terms.push("-all".into()),
    }
    terms.join(" ")
}

/// A customer at `example.com` with up to five providers.
fn customer(seed: u64, plus_all: bool) -> Zone {
    let mut rng = Rng(seed | 1);
    let mut zone = Zone::new();
    let providers = 1 + rng.below(5) as usize;
    for i in (0..providers).rev() {
        let name = format!("p{i}.example.net");
        let r = record(&mut zone, &mut rng, &name, i, providers, plus_all);
        zone.insert((name, QueryType::Txt), txt(&r));
    }
    let mut root = vec![String::from("v=spf1")];
    for i in 0..providers {
        if rng.chance(80) {
            root.push(format!("{}include:p{i}.example.net", qual(&mut rng)));
        }
    }
    if rng.chance(50) {
        root.push(format!("ip4:{}/28", v4(&mut rng)));
    }
    if rng.chance(40) {
        host(&mut zone, &mut rng, "example.com");
        root.insert(1, "a".into());
    }
    if rng.chance(40) {
        let hosts = vec![
            (10, "mx1.example.com".to_string()),
            (20, "mx2.example.com".to_string()),
        ];
        host(&mut zone, &mut rng, "mx1.example.com");
        host(&mut zone, &mut rng, "mx2.example.com");
        zone.insert(("example.com".into(), QueryType::Mx), Answer::Mx(hosts));
        root.insert(1, "mx".into());
    }
    root.push(if rng.chance(70) { "-all" } else { "~all" }.into());
    zone.insert(("example.com".into(), QueryType::Txt), txt(&root.join(" ")));
    zone
}

fn lifted() -> Limits {
    Limits {
        lookups: 10_000,
        mx_names: 10_000,
        ptr_names: 10,
        void_lookups: 10_000,
    }
}

fn check(zone: &Zone, ip: IpAddr, limits: Limits) -> hostkit_spf::Outcome {
    Evaluator::check_host(ip, "example.com", "alice@example.com")
        .limits(limits)
        .run(|q| answer(zone, q))
}

/// The first, last and neighbouring addresses of a network.
fn edges(ip: IpAddr, prefix: u8, out: &mut BTreeSet<IpAddr>) {
    match ip {
        IpAddr::V4(a) => {
            let host = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            let lo = u32::from(a) & !host;
            let hi = lo | host;
            for x in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                .into_iter()
                .flatten()
            {
                out.insert(IpAddr::V4(x.into()));
            }
        }
        IpAddr::V6(a) => {
            let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
            let lo = u128::from(a) & !host;
            let hi = lo | host;
            for x in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                .into_iter()
                .flatten()
            {
                out.insert(IpAddr::V6(x.into()));
            }
        }
    }
}

/// Every network of the records in `zone`, with the CIDR lengths each address is used
/// with.
fn probe_addresses(zone: &Zone, rng: &mut Rng) -> BTreeSet<IpAddr> {
    let mut out = BTreeSet::new();
    for ((_, t), a) in zone {
        match (t, a) {
            (QueryType::Txt, Answer::Txt(rrs)) => {
                let text = String::from_utf8_lossy(&rrs[0].concat()).into_owned();
                let Ok(r) = text.parse::<Record>() else {
                    continue;
                };
                for d in r.directives() {
                    match d.mechanism {
                        Mechanism::Ip4 { addr, prefix } => {
                            edges(addr.into(), prefix.unwrap_or(32), &mut out);
                        }
                        Mechanism::Ip6 { addr, prefix } => {
                            edges(addr.into(), prefix.unwrap_or(128), &mut out);
                        }
                        _ => {}
                    }
                }
            }
            (_, Answer::A(v)) => {
                for a in v {
                    for p in [32, 24 + rng.below(9) as u8, 22] {
                        edges((*a).into(), p, &mut out);
                    }
                }
            }
            (_, Answer::Aaaa(v)) => {
                for a in v {
                    for p in [128, 56 + rng.below(73) as u8] {
                        edges((*a).into(), p, &mut out);
                    }
                }
            }
            _ => {}
        }
    }
    for _ in 0..40 {
        out.insert(v4(rng).into());
        out.insert(v6(rng).into());
    }
    out.insert("192.0.2.200".parse().unwrap());
    out.insert("2001:db8:ffff::1".parse().unwrap());
    out.insert("::ffff:10.0.0.1".parse().unwrap());
    out
}

fn walk(zone: &Zone) -> Tree {
    TreeWalker::new("example.com").run(|q| answer(zone, q))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn worst_case_counts_match_a_client_that_matches_nothing(seed in any::<u64>()) {
        let zone = customer(seed, false);
        let tree = walk(&zone);
        let o4 = check(&zone, "192.0.2.200".parse().unwrap(), lifted());
        let o6 = check(&zone, "2001:db8:ffff::1".parse().unwrap(), lifted());
        prop_assert!(o4.result != SpfResult::PermError && o4.result != SpfResult::Pass, "{o4:?}");
        prop_assert_eq!(o4.lookups, tree.lookups_worst);
        prop_assert_eq!(o6.lookups, tree.lookups_worst);
        prop_assert_eq!(o4.void_lookups.max(o6.void_lookups), tree.void_lookups_worst);
        let over = tree.lookups_worst > 10 || tree.void_lookups_worst > 2;
        prop_assert_eq!(tree.permerror_possible, over);
        let perm = ["192.0.2.200", "2001:db8:ffff::1"].iter().any(|ip| {
            check(&zone, ip.parse().unwrap(), Limits::default()).result == SpfResult::PermError
        });
        prop_assert_eq!(perm, over);
    }

    #[test]
    fn flattened_records_give_every_client_the_same_result(
        seed in any::<u64>(),
        max_length in 120usize..460,
    ) {
        let zone = customer(seed, true);
        let tree = walk(&zone);
        let opts = FlattenOptions { max_length, ..FlattenOptions::default() };
        let flat = match flatten(&tree, &opts) {
            Ok(f) => f,
            Err(e) => {
                // Only a record chain longer than the lookups allow may be refused.
                prop_assert_eq!(e.kind, ErrorKind::FlattenOverLimit, "{}", e);
                return Ok(());
            }
        };
        prop_assert!(flat.lookups <= 10);
        prop_assert!(flat.kept.is_empty());
        prop_assert_eq!(&flat.records[0].name, "example.com");
        let mut after = zone.clone();
        for r in &flat.records {
            prop_assert!(r.value.len() <= max_length, "{} is {} bytes", r.value, r.value.len());
            prop_assert!(r.value.parse::<Record>().is_ok(), "{}", r.value);
            after.insert((r.name.clone(), QueryType::Txt), txt(&r.value));
        }
        let again = walk(&after);
        prop_assert_eq!(again.lookups_worst, flat.lookups);
        prop_assert!(!again.permerror_possible);
        let mut rng = Rng(seed ^ 0x5eed);
        let mut probes = probe_addresses(&zone, &mut rng);
        probes.extend(probe_addresses(&after, &mut rng));
        // At most 160 of them, spread over the sorted list.
        let step = probes.len().div_ceil(160).max(1);
        for ip in probes.into_iter().step_by(step) {
            let want = check(&zone, ip, lifted());
            let got = check(&after, ip, Limits::default());
            prop_assert_eq!(
                got.result, want.result,
                "client {} with {:?}: original {:?} at {:?}, flattened {:?} at {:?}",
                ip, flat.records, want.result, want.mechanism, got.result, got.mechanism
            );
            prop_assert!(got.lookups <= 10);
        }
    }
}

fn zone_of(records: &[(&str, &str)]) -> Zone {
    let mut z = Zone::new();
    for (n, v) in records {
        z.insert(((*n).into(), QueryType::Txt), txt(v));
    }
    z
}

fn codes(tree: &Tree) -> Vec<&'static str> {
    tree.warnings.iter().map(|w| w.code.as_str()).collect()
}

#[test]
fn lint_finds_what_breaks_or_weakens_a_tree() {
    let mut z = zone_of(&[
        (
            "example.com",
            "v=spf1 include:a.example.net include:none.example.net ptr include:%{i}.x.example.net +all redirect=b.example.net",
        ),
        (
            "a.example.net",
            "v=spf1 include:b.example.net include:b.example.net ~all",
        ),
        ("b.example.net", "v=spf1 include:a.example.net"),
        ("none.example.net", "google-site-verification=x"),
    ]);
    z.insert(
        ("dup.example.com".into(), QueryType::Txt),
        Answer::Txt(vec![
            vec![b"v=spf1 -all".to_vec()],
            vec![b"v=spf1 +all".to_vec()],
        ]),
    );
    let tree = walk(&z);
    let c = codes(&tree);
    for want in [
        "include.no_record",
        "ptr.used",
        "term.macro",
        "all.pass",
        "redirect.with_all",
        "tree.loop",
        "tree.repeated",
        "lookups.over_limit",
    ] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    assert!(tree.permerror_possible);
    assert!(tree.lookups_worst > 10);
    for w in &tree.warnings {
        assert!(
            w.code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
        );
    }
    let dup = TreeWalker::new("dup.example.com").run(|q| answer(&z, q));
    assert!(codes(&dup).contains(&"record.multiple"));
    assert!(dup.permerror_possible);
}

#[test]
fn lint_counts_mx_hosts_voids_and_lengths() {
    let long = format!(
        "v=spf1 {} -all",
        (0..30)
            .map(|i| format!("ip4:192.0.2.{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut z = zone_of(&[
        (
            "example.com",
            "v=spf1 mx a:gone.example.com exists:gone2.example.com include:long.example.net -all",
        ),
        ("long.example.net", &long),
    ]);
    let hosts: Vec<(u16, String)> = (0..11).map(|i| (i, format!("mx{i}.example.com"))).collect();
    for (_, h) in &hosts {
        z.insert(
            (h.clone(), QueryType::A),
            Answer::A(vec!["192.0.2.1".parse().unwrap()]),
        );
    }
    z.insert(("example.com".into(), QueryType::Mx), Answer::Mx(hosts));
    let tree = walk(&z);
    let c = codes(&tree);
    assert!(c.contains(&"mx.over_limit"), "{c:?}");
    assert!(c.contains(&"record.over_255"), "{c:?}");
    assert!(c.contains(&"void.lookup"), "{c:?}");
    assert_eq!(tree.root.terms[0].mx_hosts, Some(11));
    // v4: gone (a) + gone2 (exists) = 2; v6: 11 mx hosts without AAAA + gone + gone2.
    assert_eq!(tree.void_lookups_worst, 13);
    assert_eq!(tree.lookups_worst, 4);
    assert!(tree.permerror_possible);
    assert_eq!(
        tree.root.terms[3].child.as_ref().unwrap().domain,
        "long.example.net"
    );
}

#[test]
fn flatten_keeps_what_depends_on_the_client_and_refuses_what_it_cannot_keep() {
    let z = zone_of(&[
        (
            "example.com",
            "v=spf1 ip4:192.0.2.1 exists:%{i}.ok.example.com include:p.example.net ip4:192.0.2.2 -all exp=why.example.com",
        ),
        ("p.example.net", "v=spf1 ip4:198.51.100.0/24 ptr -all"),
    ]);
    let flat = flatten(&walk(&z), &FlattenOptions::default()).unwrap();
    assert_eq!(
        flat.records[0].value,
        "v=spf1 ip4:192.0.2.1 exists:%{i}.ok.example.com include:p.example.net ip4:192.0.2.2 -all exp=why.example.com"
    );
    assert_eq!(
        flat.kept,
        ["exists:%{i}.ok.example.com", "include:p.example.net"]
    );
    assert_eq!(flat.lookups, 3);
    assert!(
        flat.warnings
            .iter()
            .any(|w| w.code == TreeCode::FlattenKept)
    );
    assert!(
        flat.warnings
            .iter()
            .any(|w| w.code == TreeCode::FlattenSnapshot)
    );

    let broken = zone_of(&[("example.com", "v=spf1 include:nothing.example.net -all")]);
    let e = flatten(&walk(&broken), &FlattenOptions::default()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::FlattenPermError);
    assert_eq!(e.term, "include:nothing.example.net");

    let mut failing = zone_of(&[("example.com", "v=spf1 a:down.example.net -all")]);
    failing.insert(("down.example.net".into(), QueryType::A), Answer::TempError);
    let e = flatten(&walk(&failing), &FlattenOptions::default()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::FlattenTempError);
    assert_eq!(e.term, "a:down.example.net");
}

#[test]
fn flatten_carves_holes_applies_qualifiers_and_chains() {
    let many = (0..40)
        .map(|i| format!("ip4:203.0.113.{}", i * 2))
        .collect::<Vec<_>>()
        .join(" ");
    let z = zone_of(&[
        (
            "example.com",
            "v=spf1 ~include:p.example.net include:many.example.net -all",
        ),
        (
            "p.example.net",
            "v=spf1 -ip4:192.0.2.64/26 ip4:192.0.2.0/24 ?all",
        ),
        ("many.example.net", &format!("v=spf1 {many} -all")),
    ]);
    let flat = flatten(&walk(&z), &FlattenOptions::default()).unwrap();
    let root = &flat.records[0].value;
    // The hole of -ip4:192.0.2.64/26 is carved; the networks get the include's ~.
    assert!(
        root.contains(" ~ip4:192.0.2.0/26 ~ip4:192.0.2.128/25 "),
        "{root}"
    );
    assert!(root.contains("include:_spf1.example.com"), "{root}");
    assert!(root.ends_with(" -all"), "{root}");
    assert!(flat.records.len() >= 2);
    assert!(flat.records.iter().all(|r| r.value.len() <= 255));
    assert_eq!(flat.records[1].name, "_spf1.example.com");
    assert_eq!(flat.lookups, flat.records.len() - 1);
    assert_eq!(flat.frozen, ["many.example.net", "p.example.net"]);
}

#[test]
fn chain_names_skip_names_the_tree_already_uses() {
    let many = (0..40)
        .map(|i| format!("ip4:203.0.113.{}", i * 2))
        .collect::<Vec<_>>()
        .join(" ");
    let z = zone_of(&[
        (
            "example.com",
            "v=spf1 include:_spf1.example.com include:many.example.net -all",
        ),
        ("_spf1.example.com", "v=spf1 ip4:192.0.2.0/24 -all"),
        ("many.example.net", &format!("v=spf1 {many} -all")),
    ]);
    let flat = flatten(&walk(&z), &FlattenOptions::default()).unwrap();
    assert!(flat.records.len() >= 2);
    assert_eq!(flat.records[1].name, "_spf2.example.com");
    assert!(flat.records.iter().all(|r| r.name != "_spf1.example.com"));
}

#[test]
fn hostile_trees_are_bounded() {
    // Thousands of address terms: the walk stops asking at its question limit.
    let wide = (0..3000)
        .map(|i| format!("a:h{i}.example.com"))
        .collect::<Vec<_>>()
        .join(" ");
    let z = zone_of(&[("example.com", &format!("v=spf1 {wide} -all"))]);
    let mut asked = 0usize;
    let tree = TreeWalker::new("example.com").run(|q| {
        asked += 1;
        answer(&z, q)
    });
    assert!(asked <= hostkit_spf::MAX_QUERIES, "{asked} questions");
    assert!(codes(&tree).contains(&"tree.truncated"));
    assert!(tree.permerror_possible);

    // A chain of 150 includes: the walk reads at most MAX_RECORDS records.
    let mut chain = Vec::new();
    for i in 0..150 {
        chain.push((
            format!("c{i}.example.com"),
            format!("v=spf1 include:c{}.example.com -all", i + 1),
        ));
    }
    let refs: Vec<(&str, &str)> = chain
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let z = zone_of(&refs);
    let tree = TreeWalker::new("c0.example.com").run(|q| answer(&z, q));
    assert!(codes(&tree).contains(&"tree.truncated"));
    assert!(tree.lookups_worst > 10);

    // Thousands of alternating networks flatten quickly and exactly.
    let many = (0..4000u32)
        .map(|i| {
            let a = Ipv4Addr::from(0x0a00_0000 + i * 3);
            if i % 2 == 0 {
                format!("ip4:{a}")
            } else {
                format!("-ip4:{a}/31")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let z = zone_of(&[
        ("example.com", "v=spf1 include:big.example.net -all"),
        ("big.example.net", &format!("v=spf1 {many} ~all")),
    ]);
    let opts = FlattenOptions {
        max_length: 60_000,
        ..FlattenOptions::default()
    };
    let flat = flatten(&walk(&z), &opts).unwrap();
    assert_eq!(flat.lookups, 0);
    let probe = check(
        &zone_of(&[("example.com", &flat.records[0].value)]),
        "10.0.0.6".parse().unwrap(),
        Limits::default(),
    );
    assert_eq!(probe.result, SpfResult::Pass);
    let probe = check(
        &zone_of(&[("example.com", &flat.records[0].value)]),
        "10.0.0.3".parse().unwrap(),
        Limits::default(),
    );
    assert_eq!(probe.result, SpfResult::Fail);
}
