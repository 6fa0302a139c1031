//! SRS: the rewriter's forward and reverse against the floor they stand on, one
//! HMAC-SHA1 of the same message with a key already prepared.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use hostkit_srs::Rewriter;
use sha1::Sha1;

const SECRET: &str = "a 32-byte secret for the benches";
const SENDER: &str = "alice.smith+tag@example.com";
const NOW: u64 = 1_577_836_860;

fn srs(c: &mut Criterion) {
    let r = Rewriter::builder()
        .secret(SECRET)
        .domain("fwd.example.net")
        .build()
        .expect("valid configuration");
    let srs0 = r.forward(SENDER, NOW).expect("forwards");
    // What both operations feed to HMAC: lc(timestamp) lc(domain) lc(local part).
    let message = b"2wexample.comalice.smith+tag";
    let key = <Hmac<Sha1> as Mac>::new_from_slice(SECRET.as_bytes()).expect("any key length");

    let mut g = c.benchmark_group("srs");
    g.throughput(Throughput::Bytes(SENDER.len() as u64));
    let mut out = String::with_capacity(128);
    g.bench_function("hostkit_forward", |b| {
        b.iter(|| {
            out.clear();
            r.forward_into(black_box(SENDER), NOW, &mut out)
                .expect("forwards");
            black_box(&out);
        });
    });
    g.bench_function("hostkit_reverse", |b| {
        b.iter(|| {
            out.clear();
            r.reverse_into(black_box(&srs0), NOW, &mut out)
                .expect("reverses");
            black_box(&out);
        });
    });
    g.bench_function("bare_hmac_sha1", |b| {
        b.iter(|| {
            let mut mac = key.clone();
            mac.update(black_box(message));
            black_box(mac.finalize().into_bytes());
        });
    });
    g.finish();
}

criterion_group!(benches, srs);
criterion_main!(benches);
