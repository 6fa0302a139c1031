//! Parsing and building throughput on realistic headers.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hostkit_proxy_protocol::{Builder, SslBuilder, Status, parse};

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let src = "192.0.2.1:56324".parse().unwrap();
    let dst = "198.51.100.11:443".parse().unwrap();
    let src6 = "[2001:db8::1]:56324".parse().unwrap();
    let dst6 = "[2001:db8::2]:443".parse().unwrap();
    let ssl = SslBuilder::new(0x07, 0)
        .version("TLSv1.3")
        .cn("client.example")
        .key_alg("RSA2048")
        .sig_alg("RSA-SHA256")
        .cipher("TLS_AES_256_GCM_SHA384");
    vec![
        ("v1_tcp4", Builder::v1(src, dst).to_vec().unwrap()),
        ("v1_tcp6", Builder::v1(src6, dst6).to_vec().unwrap()),
        ("v2_ipv4", Builder::v2(src, dst).to_vec().unwrap()),
        ("v2_ipv6", Builder::v2(src6, dst6).to_vec().unwrap()),
        (
            "v2_tls_crc",
            Builder::v2(src, dst)
                .crc32c()
                .alpn(b"h2")
                .authority("proxy.test")
                .unique_id(&[b'7'; 46])
                .ssl(&ssl)
                .to_vec()
                .unwrap(),
        ),
    ]
}

fn bench_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, bytes) in inputs() {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| match parse(black_box(&bytes)) {
                Ok(Status::Complete((h, n))) => {
                    let mut k = n;
                    for t in h.tlvs() {
                        k += usize::from(t.kind());
                    }
                    k
                }
                _ => 0,
            })
        });
    }
    g.finish();
}

fn bench_build(c: &mut Criterion) {
    let mut g = c.benchmark_group("build");
    let src = "192.0.2.1:56324".parse().unwrap();
    let dst = "198.51.100.11:443".parse().unwrap();
    let mut out = Vec::with_capacity(256);
    let v1 = Builder::v1(src, dst);
    g.throughput(Throughput::Bytes(v1.encoded_len() as u64));
    g.bench_function("v1_tcp4", |b| {
        b.iter(|| {
            out.clear();
            black_box(&v1).encode(&mut out).unwrap();
            out.len()
        })
    });
    let v2 = Builder::v2(src, dst).crc32c().authority("proxy.test");
    g.throughput(Throughput::Bytes(v2.encoded_len() as u64));
    g.bench_function("v2_crc", |b| {
        b.iter(|| {
            out.clear();
            black_box(&v2).encode(&mut out).unwrap();
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_parse, bench_build);
criterion_main!(benches);
