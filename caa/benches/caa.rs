//! Decode speed of CAA RDATA, zone text and issue values.
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hostkit_caa::{Caa, CaaRef, Property};
use std::hint::black_box;

const PLAIN: &str = "0 issue \"letsencrypt.org\"";
const PARAMS: &str = "0 issue \"letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123456789; validationmethods=dns-01\"";

fn issuer_and_params(wire: &[u8]) -> usize {
    let r = CaaRef::decode(wire).expect("valid rdata");
    match r.property() {
        Property::Issue(v) => v.issuer().map_or(0, str::len) + v.parameters().count(),
        _ => 0,
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("caa");
    for (name, text) in [("plain", PLAIN), ("params", PARAMS)] {
        let rec: Caa = text.parse().expect("valid text");
        let wire = rec.to_wire();
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.bench_function(format!("wire_issue_{name}"), |b| {
            b.iter(|| issuer_and_params(black_box(&wire)))
        });
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("text_parse_{name}"), |b| {
            b.iter(|| black_box(text).parse::<Caa>().expect("valid"))
        });
        g.bench_function(format!("text_format_{name}"), |b| {
            b.iter(|| black_box(&rec).to_string())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
