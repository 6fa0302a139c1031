//! Strict-Transport-Security parsing: hostkit-hsts against the `headers` crate's
//! `StrictTransportSecurity`, both decoding from an `http::HeaderValue`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use headers::{Header, StrictTransportSecurity};
use hostkit_hsts::Policy;
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

criterion_group!(benches, hsts_parse);
criterion_main!(benches);
