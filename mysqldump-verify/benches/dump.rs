//! Verification throughput on a realistic generated dump: MariaDB's layout, one row per
//! line, strings with escapes, binary columns written raw, numbers and NULLs.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_main};
use hostkit_mysqldump_verify::{Verdict, Verifier};

/// A dump of about `target` bytes.
fn generate(target: usize) -> Vec<u8> {
    let mut d = Vec::with_capacity(target + 4096);
    d.extend_from_slice(
        b"/*M!999999\\- enable the sandbox mode */ \n\
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n\
-- Host: localhost    Database: shop\n\
-- ------------------------------------------------------\n\
-- Server version\t10.11.19-MariaDB-0+deb12u1\n\n\
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n\
/*!40101 SET NAMES utf8mb4 */;\n\
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n",
    );
    let mut id = 0u64;
    let mut table = 0;
    while d.len() < target {
        table += 1;
        write!(
            d,
            "\nDROP TABLE IF EXISTS `t{table}`;\nCREATE TABLE `t{table}` (\n  `id` int NOT NULL,\n  `payload` varchar(255),\n  `bin` varbinary(64),\n  `price` decimal(10,2)\n) ENGINE=InnoDB;\n\nLOCK TABLES `t{table}` WRITE;\n/*!40000 ALTER TABLE `t{table}` DISABLE KEYS */;\n"
        )
        .unwrap();
        for _ in 0..20 {
            d.extend_from_slice(format!("INSERT INTO `t{table}` VALUES\n").as_bytes());
            for r in 0..4000 {
                id += 1;
                let x = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                write!(
                    d,
                    "({id},'row {id} it\\'s; a \\\"payload\\\" {}',",
                    "x".repeat(40 + (x % 110) as usize)
                )
                .unwrap();
                if x.is_multiple_of(7) {
                    d.extend_from_slice(b"NULL");
                } else {
                    d.push(b'\'');
                    for k in 0..32u64 {
                        let b = (x >> (k % 8 * 8)) as u8 ^ k as u8;
                        match b {
                            0 => d.extend_from_slice(b"\\0"),
                            b'\'' | b'\\' => d.extend_from_slice(&[b'\\', b]),
                            b'\n' => d.extend_from_slice(b"\\n"),
                            _ => d.push(b),
                        }
                    }
                    d.push(b'\'');
                }
                write!(d, ",{}.{:02})", x % 100_000, x % 100).unwrap();
                d.extend_from_slice(if r == 3999 { b";\n" } else { b",\n" });
            }
        }
        write!(
            d,
            "/*!40000 ALTER TABLE `t{table}` ENABLE KEYS */;\nUNLOCK TABLES;\n"
        )
        .unwrap();
    }
    d.extend_from_slice(
        b"/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n\
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-11-27  2:13:43\n",
    );
    d
}

fn bench(c: &mut Criterion) {
    let dump = generate(32 << 20);
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Bytes(dump.len() as u64));
    g.sample_size(10);
    g.bench_function("plain_256k_chunks", |b| {
        b.iter(|| {
            let mut v = Verifier::plain();
            for chunk in black_box(&dump).chunks(256 * 1024) {
                v.feed(chunk);
            }
            let r = v.finish();
            assert_eq!(r.verdict, Verdict::Complete);
            r.content.rows
        });
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&dump).unwrap();
    let gz = gz.finish().unwrap();
    g.bench_function("gzip_256k_chunks", |b| {
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
