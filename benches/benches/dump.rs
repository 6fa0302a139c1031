//! A gzipped dump checked two ways in one process: the full streaming verification,
//! and the usual `zcat | tail -1 | grep '^-- Dump completed'` done with the same
//! decoder (flate2 on zlib-rs, 256 KiB reads), which only looks at the last line.

use std::hint::black_box;
use std::io::{Read, Write};

use criterion::{Criterion, Throughput, criterion_main};
use hostkit_mysqldump_verify::{Verdict, Verifier};

fn dump(target: usize) -> Vec<u8> {
    let mut d = Vec::with_capacity(target + 1024);
    d.extend_from_slice(
        b"-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n\
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\
LOCK TABLES `big` WRITE;\n",
    );
    let mut id = 0u64;
    while d.len() < target {
        d.extend_from_slice(b"INSERT INTO `big` VALUES\n");
        for r in 0..4000 {
            id += 1;
            let x = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            write!(
                d,
                "({id},'row {id} it\\'s; a \\\"payload\\\" {}',{},{})",
                "x".repeat(40 + (x % 110) as usize),
                x % 100_000,
                if x.is_multiple_of(7) {
                    "NULL".to_string()
                } else {
                    format!("0x{x:016X}")
                }
            )
            .unwrap();
            d.extend_from_slice(if r == 3999 { b";\n" } else { b",\n" });
        }
    }
    d.extend_from_slice(
        b"UNLOCK TABLES;\n/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-11-27  2:13:43\n",
    );
    d
}

fn bench(c: &mut Criterion) {
    let plain = dump(16 << 20);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(&plain).unwrap();
    let gz = e.finish().unwrap();

    let mut g = c.benchmark_group("gzip_dump_check");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.sample_size(10);
    g.bench_function("hostkit_verify", |b| {
        b.iter(|| {
            let mut v = Verifier::new();
            for chunk in black_box(&gz).chunks(256 * 1024) {
                v.feed(chunk);
            }
            let r = v.finish();
            assert_eq!(r.verdict, Verdict::Complete);
            r.content.rows
        });
    });
    g.bench_function("flate2_last_line", |b| {
        b.iter(|| {
            let mut d = flate2::read::MultiGzDecoder::new(black_box(&gz[..]));
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
            let last = text.rsplit(|&b| b == b'\n').next().unwrap_or(&[]);
            assert!(last.starts_with(b"-- Dump completed"));
            last.len()
        });
    });
    g.finish();
}

mod groups {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(groups::benches);
