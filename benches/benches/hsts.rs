//! Strict-Transport-Security parsing: hostkit-hsts against the `headers` crate's
//! `StrictTransportSecurity`, both decoding from an `http::HeaderValue`.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

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
}

criterion_group!(benches, hsts_parse);
criterion_main!(benches);
