//! A gzipped dump checked two ways in one process: the full streaming verification,
//! and the usual `zcat | tail -1 | grep '^-- Dump completed'` done with the same
//! decoder (flate2 on zlib-rs, 256 KiB reads), which only looks at the last line.

use std::hint::black_box;
use std::io::{Read, Write};

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
    let plain = hostkit_fixtures::dump::large(16 << 20);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(&plain).unwrap();
    let gz = e.finish().unwrap();

    let mut g = c.benchmark_group("gzip_dump_check");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.sample_size(10);
    // both sides must say "complete" for the dump measured
    assert_eq!(in_chunks(Verifier::new(), &gz).verdict, Verdict::Complete);
    assert!(last_line(&gz).starts_with(b"-- Dump completed"));
    g.bench_function("hostkit_verify", |b| {
        b.iter(|| in_chunks(Verifier::new(), black_box(&gz)));
    });
    g.bench_function("flate2_last_line", |b| {
        b.iter(|| last_line(black_box(&gz)));
    });
    g.finish();
}

/// `zcat | tail -1`: the last line of the decompressed stream.
fn last_line(gz: &[u8]) -> Vec<u8> {
    let mut d = flate2::read::MultiGzDecoder::new(gz);
    let mut buf = vec![0u8; 256 * 1024];
    let mut tail = Vec::new();
    loop {
        let n = d.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&buf[n.saturating_sub(256)..n]);
        if tail.len() > 256 {
            tail.drain(..tail.len() - 256);
        }
    }
    let text = tail.strip_suffix(b"\n").unwrap_or(&tail);
    text.rsplit(|&b| b == b'\n').next().unwrap_or(&[]).to_vec()
}

mod groups {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(groups::benches);
