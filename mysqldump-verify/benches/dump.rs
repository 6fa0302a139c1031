//! Verification throughput on a realistic generated dump: MariaDB's layout, one row per
//! line, strings with escapes, binary columns written raw, numbers and NULLs.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_main};
use hostkit_mysqldump_verify::{Report, Verdict, Verifier};

/// Feeds `bytes` in 256 KiB chunks.
fn in_chunks(mut v: Verifier, bytes: &[u8]) -> Report {
    for chunk in bytes.chunks(256 * 1024) {
        v.feed(chunk);
    }
    v.finish()
}

fn bench(c: &mut Criterion) {
    let dump = hostkit_fixtures::dump::large(32 << 20);
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Bytes(dump.len() as u64));
    g.sample_size(10);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&dump).unwrap();
    let gz = gz.finish().unwrap();
    // what is measured must be a whole verification of a complete dump
    assert_eq!(
        in_chunks(Verifier::plain(), &dump).verdict,
        Verdict::Complete
    );
    assert_eq!(in_chunks(Verifier::new(), &gz).verdict, Verdict::Complete);
    g.bench_function("plain_256k_chunks", |b| {
        b.iter(|| in_chunks(Verifier::plain(), black_box(&dump)));
    });
    g.bench_function("gzip_256k_chunks", |b| {
        b.iter(|| in_chunks(Verifier::new(), black_box(&gz)));
    });
    g.bench_function("gzip_decode_only", |b| {
        b.iter(|| {
            let mut d = flate2::read::MultiGzDecoder::new(black_box(&gz[..]));
            let mut buf = vec![0u8; 256 * 1024];
            let mut n = 0;
            loop {
                let k = std::io::Read::read(&mut d, &mut buf).unwrap();
                if k == 0 {
                    break;
                }
                n += k;
            }
            n
        });
    });
    g.finish();
}

mod groups {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(groups::benches);
