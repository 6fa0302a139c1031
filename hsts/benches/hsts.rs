//! Parsing and store lookups of hostkit-hsts.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

#[cfg(feature = "preload-list")]
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
#[cfg(feature = "preload-list")]
use hostkit_hsts::preload_list;
use hostkit_hsts::{Policy, Store, parse};

const INPUTS: [(&str, &str); 3] = [
    ("preload", "max-age=31536000; includeSubDomains; preload"),
    (
        "quoted_unknown",
        r#"max-age="31536000"; includeSubDomains; foo="bar;baz"; preload"#,
    ),
    ("minimal", "max-age=300"),
];

fn parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, input) in INPUTS {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| b.iter(|| parse(black_box(input))));
    }
    g.finish();
}

/// A store of 10,000 hosts, half with includeSubDomains.
fn store() -> Store {
    let mut s = Store::new();
    for i in 0..10_000u64 {
        let host = format!("host{i}.example{}.com", i % 97);
        let policy = if i % 2 == 0 {
            Policy::including_subdomains(31_536_000)
        } else {
            Policy::this_host_only(31_536_000)
        };
        s.record(&host, &policy, 1_000).expect("valid host");
    }
    s
}

fn lookups(c: &mut Criterion) {
    let s = store();
    // Exact hits, superdomain hits and misses, in turn.
    let hosts: Vec<String> = (0..3_000u64)
        .map(|i| match i % 3 {
            0 => format!("host{i}.example{}.com", i % 97),
            1 => format!("www.a.host{}.example{}.com", i * 2, (i * 2) % 97),
            _ => format!("nothing{i}.example.org"),
        })
        .collect();
    let bytes: usize = hosts.iter().map(String::len).sum();
    let mut g = c.benchmark_group("store_10000");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("must_upgrade_3000_hosts", |b| {
        b.iter(|| {
            hosts
                .iter()
                .filter(|h| s.must_upgrade(black_box(h), 2_000))
                .count()
        })
    });
    g.finish();

    // A plain figure to quote: lookups per second over the same mix.
    let rounds = 200;
    let start = Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        hits += hosts
            .iter()
            .filter(|h| s.must_upgrade(black_box(h), 2_000))
            .count();
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (rounds * hosts.len()) as f64;
    println!(
        "store of 10000 entries: {:.0} lookups/s ({hits} hits of {n})",
        n / secs
    );
}

#[cfg(feature = "preload-list")]
/// The host, then each superdomain, in a `HashMap` of the list.
fn hashmap_lookup<'a>(list: &'a HashMap<Box<str>, bool>, host: &str) -> Option<(&'a str, bool)> {
    let mut candidate = host.strip_suffix('.').unwrap_or(host);
    let mut exact = true;
    loop {
        if let Some((name, &isd)) = list.get_key_value(candidate)
            && (exact || isd)
        {
            return Some((name, isd));
        }
        candidate = &candidate[candidate.find('.')? + 1..];
        exact = false;
    }
}

#[cfg(feature = "preload-list")]
/// Every 300th listed name in the order of its labels read from the right, a subdomain
/// of it and a near miss (its first label changed): the mix of the repository's
/// `hsts_preloaded` group.
fn preload_mix() -> Vec<String> {
    let mut names: Vec<String> = preload_list::entries()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort_by(|a, b| a.rsplit('.').cmp(b.rsplit('.')));
    let mut mix = Vec::new();
    for name in names.into_iter().step_by(300) {
        if name
            .rsplit('.')
            .all(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        let (first, rest) = name.split_once('.').unwrap_or((&name, ""));
        mix.push(format!("www.{name}"));
        mix.push(format!("{first}x.{rest}"));
        mix.push(name);
    }
    mix
}

#[cfg(feature = "preload-list")]
fn preloaded(c: &mut Criterion) {
    let list: HashMap<Box<str>, bool> = preload_list::entries()
        .map(|(name, isd)| (Box::from(name.as_str()), isd))
        .collect();
    let mix = preload_mix();
    for host in &mix {
        let ours = preload_list::lookup(host).map(|m| (m.entry.to_string(), m.include_subdomains));
        let theirs = hashmap_lookup(&list, host).map(|(n, isd)| (n.to_string(), isd));
        assert_eq!(ours, theirs, "{host}");
    }
    let mut g = c.benchmark_group("preloaded");
    g.throughput(Throughput::Elements(1));
    g.bench_function("lookup", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % mix.len();
            preload_list::lookup(black_box(&mix[i]))
        })
    });
    g.bench_function("hashmap", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % mix.len();
            hashmap_lookup(&list, black_box(&mix[i]))
        })
    });
    g.finish();
}

#[cfg(feature = "preload-list")]
criterion_group!(benches, parsing, lookups, preloaded);
#[cfg(not(feature = "preload-list"))]
criterion_group!(benches, parsing, lookups);
criterion_main!(benches);
