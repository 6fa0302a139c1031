//! Parse and evaluation speed of hostkit-spf on its own.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hostkit_spf::{Answer, Evaluator, Record};

const TYPICAL: &str = "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com a mx ~all";

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(TYPICAL.len() as u64));
    g.bench_function("typical", |b| {
        b.iter(|| black_box(TYPICAL).parse::<Record>())
    });
    g.finish();
}

fn eval(c: &mut Criterion) {
    let mut g = c.benchmark_group("check_host");
    g.throughput(Throughput::Bytes(TYPICAL.len() as u64));
    g.bench_function("ip4_pass", |b| {
        b.iter(|| {
            Evaluator::check_host(
                black_box("192.0.2.9".parse().unwrap()),
                "example.com",
                "a@example.com",
            )
            .run(|q| match q.name.as_str() {
                "example.com" => Answer::Txt(vec![vec![TYPICAL.as_bytes().to_vec()]]),
                _ => Answer::NxDomain,
            })
        })
    });
    g.finish();
}

criterion_group!(benches, parse, eval);
criterion_main!(benches);
