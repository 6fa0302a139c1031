//! Strict-Transport-Security parsing: hostkit-hsts against the `headers` crate's
//! `StrictTransportSecurity`, both decoding from an `http::HeaderValue`. And the
//! embedded preload list against a std `HashMap` suffix walk over the same names.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use headers::{Header, StrictTransportSecurity};
use hostkit_hsts::{Policy, preload_list};
use http::HeaderValue;

const INPUTS: [(&str, &str); 2] = [
    ("preload", "max-age=31536000; includeSubDomains; preload"),
    (
        "quoted_unknown",
        r#"max-age="31536000"; includeSubDomains; foo="bar;baz"; preload"#,
    ),
];

fn hsts_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("hsts_parse");
    for (name, input) in INPUTS {
        let hv = HeaderValue::from_static(input);
        // Both accept the value and agree on max-age and includeSubDomains.
        let ours = Policy::try_from(&hv).expect("hostkit parses it");
        let theirs =
            StrictTransportSecurity::decode(&mut std::iter::once(&hv)).expect("headers parses it");
        let mut expected = HeaderValue::from_static("");
        let mut out = Vec::new();
        theirs.encode(&mut out);
        if let Some(v) = out.pop() {
            expected = v;
        }
        assert!(
            expected
                .to_str()
                .unwrap_or_default()
                .starts_with("max-age=31536000")
        );
        assert!(ours.include_subdomains);

        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_with_input(BenchmarkId::new("hostkit", name), &hv, |b, hv| {
            b.iter(|| Policy::try_from(black_box(hv)))
        });
        g.bench_with_input(BenchmarkId::new("headers", name), &hv, |b, hv| {
            b.iter(|| StrictTransportSecurity::decode(&mut std::iter::once(black_box(hv))))
        });
    }
    g.finish();
    interleaved();
}

/// On a shared, loaded machine criterion's separate runs drift apart; this alternates
/// the two implementations in short batches and keeps each one's fastest batch, which
/// preemption can only slow down, never speed up.
fn interleaved() {
    const BATCH: u32 = 2_000;
    for (name, input) in INPUTS {
        let hv = HeaderValue::from_static(input);
        let mut best = [f64::MAX; 2];
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            let t = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(Policy::try_from(black_box(&hv)));
            }
            best[0] = best[0].min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            for _ in 0..BATCH {
                let _ = black_box(StrictTransportSecurity::decode(&mut std::iter::once(
                    black_box(&hv),
                )));
            }
            best[1] = best[1].min(t.elapsed().as_secs_f64());
        }
        let ns = best.map(|b| b * 1e9 / f64::from(BATCH));
        println!(
            "hsts_parse/{name}: fastest batch hostkit {:.1} ns, headers {:.1} ns, ratio {:.2}x",
            ns[0],
            ns[1],
            ns[1] / ns[0]
        );
    }
}

/// The host, then each superdomain, in a `HashMap` of the list: the usual way to hold it.
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

/// A fixed mix: every 300th listed name, a subdomain of it, and a near miss that is
/// not listed (its first label changed), so about a third of the lookups find nothing.
fn preload_mix() -> Vec<String> {
    let mut mix = Vec::new();
    for (name, _) in preload_list::entries().step_by(300) {
        let name = name.to_string();
        if name
            .rsplit('.')
            .all(|l| l.bytes().all(|b| b.is_ascii_digit()))
        {
            continue; // the list's one IP literal, which never matches
        }
        let (first, rest) = name.split_once('.').unwrap_or((&name, ""));
        mix.push(format!("www.{name}"));
        mix.push(format!("{first}x.{rest}"));
        mix.push(name);
    }
    mix
}

fn hsts_preloaded(c: &mut Criterion) {
    let list: HashMap<Box<str>, bool> = preload_list::entries()
        .map(|(name, isd)| (Box::from(name.as_str()), isd))
        .collect();
    let mix = preload_mix();
    // Both give the same answers on the whole mix.
    let mut found = 0;
    for host in &mix {
        let ours = preload_list::lookup(host).map(|m| (m.entry.to_string(), m.include_subdomains));
        let theirs = hashmap_lookup(&list, host).map(|(n, isd)| (n.to_string(), isd));
        assert_eq!(ours, theirs, "{host}");
        found += usize::from(ours.is_some());
    }
    assert!(found > mix.len() / 2 && found < mix.len());

    let mut g = c.benchmark_group("hsts_preloaded");
    g.throughput(Throughput::Elements(1));
    g.bench_function("hostkit", |b| {
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

criterion_group!(benches, hsts_parse, hsts_preloaded);
criterion_main!(benches);
