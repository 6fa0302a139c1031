//! PROXY protocol parsing side by side: hostkit-proxy-protocol against ppp,
//! proxy-header and proxy-protocol-codec on the same bytes.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const V1_TCP4: &[u8] = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
/// v2, PROXY, TCP over IPv4, no TLVs (28 bytes).
const V2_IPV4: &str = "0d0a0d0a000d0a515549540a2111000cc0a80001c0a8000bdc0401bb";
/// The 185-byte header HAProxy 2.6 sent for a TLS client: CRC32C, ALPN, AUTHORITY,
/// UNIQUE_ID and SSL with five sub-TLVs.
const V2_TLS: &str = "0d0a0d0a000d0a515549540a211100a97f0000017f0000018ca2465403000430f8b28f010002683202000a70726f78792e7465737405002e37463030303030313a384341325f37463030303030313a343635345f36423038453734365f303030383a343237322000500700000000210007544c5376312e3322000e636c69656e742e6578616d706c652500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834";

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("the constants are hex")
}

fn hostkit(b: &[u8]) -> usize {
    use hostkit_proxy_protocol::{Status, parse};
    match parse(b) {
        Ok(Status::Complete((h, n))) => {
            let mut k = n + h.source().map_or(0, |s| usize::from(s.port()));
            for t in h.tlvs() {
                k += t.value().len() + usize::from(t.kind());
                black_box(&t);
            }
            k
        }
        _ => 0,
    }
}

fn ppp_v1(b: &[u8]) -> usize {
    match ppp::v1::Header::try_from(b) {
        Ok(h) => match h.addresses {
            ppp::v1::Addresses::Tcp4(a) => usize::from(a.source_port),
            _ => 1,
        },
        Err(_) => 0,
    }
}

fn ppp_v2(b: &[u8]) -> usize {
    match ppp::v2::Header::try_from(b) {
        Ok(h) => {
            let mut k = h.len();
            if let ppp::v2::Addresses::IPv4(a) = h.addresses {
                k += usize::from(a.source_port);
            }
            for t in h.tlvs() {
                let t = t.unwrap();
                k += t.value.len() + usize::from(t.kind);
                black_box(&t);
            }
            k
        }
        Err(_) => 0,
    }
}

fn proxy_header(b: &[u8]) -> usize {
    use proxy_header::{ParseConfig, ProxyHeader};
    match ProxyHeader::parse(b, ParseConfig::default()) {
        Ok((h, n)) => {
            let mut k = n + h
                .proxied_address()
                .map_or(0, |a| usize::from(a.source.port()));
            for t in h.tlvs() {
                black_box(t.unwrap());
                k += 1;
            }
            k
        }
        Err(_) => 0,
    }
}

fn codec_v1(b: &[u8]) -> usize {
    use proxy_protocol_codec::v1::{AddressPair, Decoded, Header};
    match Header::decode(b) {
        Ok(Decoded::Some(h)) => match h.address_pair() {
            AddressPair::Inet { src_port, .. } => usize::from(src_port),
            _ => 1,
        },
        _ => 0,
    }
}

fn codec_v2(b: &[u8]) -> usize {
    use proxy_protocol_codec::v2::{Decoded, Header};
    match Header::decode(b) {
        Ok(Decoded::Some(d)) => {
            let mut k = 1;
            for e in d.extensions {
                black_box(e.unwrap());
                k += 1;
            }
            black_box(&d.header);
            k
        }
        _ => 0,
    }
}

type Imp = (&'static str, fn(&[u8]) -> usize);

fn group(c: &mut Criterion, name: &str, input: &[u8], imps: &[Imp]) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(input.len() as u64));
    for (id, f) in imps {
        // Every implementation accepts the input.
        assert!(f(input) > 0, "{id} rejects the {name} input");
        g.bench_function(*id, |b| b.iter(|| f(black_box(input))));
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    group(
        c,
        "proxy_v1_tcp4",
        V1_TCP4,
        &[
            ("hostkit", hostkit),
            ("ppp", ppp_v1),
            ("proxy_header", proxy_header),
            ("proxy_protocol_codec", codec_v1),
        ],
    );
    let v2 = hex(V2_IPV4);
    let imps: &[Imp] = &[
        ("hostkit", hostkit),
        ("ppp", ppp_v2),
        ("proxy_header", proxy_header),
        ("proxy_protocol_codec", codec_v2),
    ];
    group(c, "proxy_v2_ipv4", &v2, imps);
    // hostkit verifies the CRC32C while parsing; the peers do not check it at all.
    group(c, "proxy_v2_tlvs_crc", &hex(V2_TLS), imps);
}

criterion_group!(proxy, benches);
criterion_main!(proxy);
