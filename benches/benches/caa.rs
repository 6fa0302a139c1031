//! CAA: wire decode plus the typed issue value (issuer and parameters), hostkit-caa
//! against hickory-proto.
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hickory_proto::rr::rdata::caa::Value;
use hickory_proto::rr::{RData, RecordType};
use hickory_proto::serialize::binary::{BinDecoder, Restrict};
use hostkit_caa::{Caa, CaaRef, Property};

const CASES: [(&str, &str); 2] = [
    ("plain", "0 issue \"letsencrypt.org\""),
    (
        "params",
        "0 issue \"letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123456789; validationmethods=dns-01\"",
    ),
];

/// Issuer length plus parameter tag and value lengths: touches everything decoded.
fn hostkit(wire: &[u8]) -> usize {
    let Ok(r) = CaaRef::decode(wire) else {
        return 0;
    };
    match r.property() {
        Property::Issue(v) => {
            v.issuer().map_or(0, str::len)
                + v.parameters()
                    .map(|p| p.tag.len() + p.value.len())
                    .sum::<usize>()
        }
        _ => 0,
    }
}

fn hickory(wire: &[u8]) -> usize {
    let mut d = BinDecoder::new(wire);
    let len = u16::try_from(wire.len()).unwrap_or(u16::MAX);
    let Ok(RData::CAA(caa)) = RData::read(&mut d, RecordType::CAA, Restrict::new(len)) else {
        return 0;
    };
    #[allow(deprecated)] // the typed value, as hickory-proto 0.25 offers it
    match caa.value() {
        Value::Issuer(name, params) => {
            name.as_ref().map_or(0, |n| n.len())
                + params
                    .iter()
                    .map(|kv| kv.key().len() + kv.value().len())
                    .sum::<usize>()
        }
        _ => 0,
    }
}

type Reading = (String, Vec<(String, String)>);

/// Both readings of the issue value, outside the timed code.
fn readings(wire: &[u8]) -> (Reading, Reading) {
    let r = CaaRef::decode(wire).expect("valid");
    let Property::Issue(v) = r.property() else {
        panic!("not issue")
    };
    let ours = (
        v.issuer().unwrap_or_default().to_owned(),
        v.parameters()
            .map(|p| (p.tag.to_owned(), p.value.to_owned()))
            .collect(),
    );
    let mut d = BinDecoder::new(wire);
    let len = u16::try_from(wire.len()).expect("short");
    let Ok(RData::CAA(caa)) = RData::read(&mut d, RecordType::CAA, Restrict::new(len)) else {
        panic!("hickory refused")
    };
    #[allow(deprecated)]
    let Value::Issuer(name, params) = caa.value() else {
        panic!("hickory: not an issuer")
    };
    let name = name.as_ref().map(ToString::to_string).unwrap_or_default();
    let theirs = (
        name.trim_end_matches('.').to_owned(),
        params
            .iter()
            .map(|kv| (kv.key().to_owned(), kv.value().to_owned()))
            .collect(),
    );
    (ours, theirs)
}

fn caa_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("caa_parse");
    for (name, text) in CASES {
        let wire = text.parse::<Caa>().expect("valid record").to_wire();
        assert_eq!(readings(&wire).0, readings(&wire).1, "{name}: same reading");
        assert!(hostkit(&wire) > 0 && hickory(&wire) > 0);
        g.throughput(Throughput::Bytes(wire.len() as u64));
        g.bench_with_input(BenchmarkId::new("hostkit", name), &wire, |b, w| {
            b.iter(|| hostkit(black_box(w)))
        });
        g.bench_with_input(BenchmarkId::new("hickory", name), &wire, |b, w| {
            b.iter(|| hickory(black_box(w)))
        });
    }
    g.finish();
}

criterion_group!(benches, caa_parse);
criterion_main!(benches);
