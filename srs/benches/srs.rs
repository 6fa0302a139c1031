//! Forward and reverse throughput of the rewriter on realistic senders.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hostkit_srs::Rewriter;

const NOW: u64 = 1_577_836_860;

fn rewriter() -> Rewriter {
    Rewriter::builder()
        .secret("a 32-byte secret for the benches")
        .domain("fwd.example.net")
        .build()
        .expect("valid configuration")
}

fn forward(c: &mut Criterion) {
    let r = rewriter();
    let mut g = c.benchmark_group("srs_forward");
    for (name, sender) in [
        ("plain", "alice.smith+tag@example.com"),
        (
            "srs0",
            "SRS0=Xu1M=2W=example.com=alice.smith+tag@fwd1.example.org",
        ),
    ] {
        g.throughput(Throughput::Bytes(sender.len() as u64));
        let mut out = String::with_capacity(128);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                r.forward_into(black_box(sender), NOW, &mut out)
                    .expect("forwards");
                black_box(&out);
            });
        });
    }
    g.finish();
}

fn reverse(c: &mut Criterion) {
    let r = rewriter();
    let mut g = c.benchmark_group("srs_reverse");
    let srs0 = r
        .forward("alice.smith+tag@example.com", NOW)
        .expect("forwards");
    let srs1 = r
        .forward(
            "SRS0=Xu1M=2W=example.com=alice.smith+tag@fwd1.example.org",
            NOW,
        )
        .expect("forwards");
    for (name, address) in [("srs0", srs0), ("srs1", srs1)] {
        g.throughput(Throughput::Bytes(address.len() as u64));
        let mut out = String::with_capacity(128);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                r.reverse_into(black_box(&address), NOW, &mut out)
                    .expect("reverses");
                black_box(&out);
            });
        });
    }
    g.finish();
}

criterion_group!(benches, forward, reverse);
criterion_main!(benches);
