//! Build a header from fuzzed parts, parse it back: the same addresses and TLVs.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hostkit_proxy_protocol::{Builder, Crc32cStatus, Status, parse};
use libfuzzer_sys::fuzz_target;

fn addr(d: &[u8], v6: bool) -> SocketAddr {
    let mut b = [0u8; 18];
    for (i, x) in d.iter().take(18).enumerate() {
        b[i] = *x;
    }
    let port = u16::from_be_bytes([b[16], b[17]]);
    let ip = if v6 {
        let mut o = [0u8; 16];
        o.copy_from_slice(&b[..16]);
        IpAddr::V6(Ipv6Addr::from(o))
    } else {
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    };
    SocketAddr::new(ip, port)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 40 {
        return;
    }
    let flags = data[0];
    let src = addr(&data[1..19], flags & 1 != 0);
    let dst = addr(&data[19..37], flags & 2 != 0);
    let rest = &data[37..];
    if flags & 4 == 0 {
        let wire = Builder::v1(src, dst).to_vec().unwrap();
        let Ok(Status::Complete((h, n))) = parse(&wire) else { panic!("v1 {wire:02x?}") };
        assert_eq!(n, wire.len());
        let s = h.source().unwrap();
        assert_eq!(s.port(), src.port());
        return;
    }
    let mut b = Builder::v2(src, dst);
    let crc = flags & 8 != 0;
    if crc {
        b = b.crc32c();
    }
    // The rest is a list of (kind, len, value) TLVs; CRC32C, UNIQUE_ID and SSL are
    // left to their typed builders.
    let mut expected = Vec::new();
    let mut r = rest;
    while r.len() >= 2 {
        let kind = r[0];
        let len = usize::from(r[1]).min(r.len() - 2);
        let value = &r[2..2 + len];
        r = &r[2 + len..];
        if matches!(kind, 0x03 | 0x05 | 0x20) {
            continue;
        }
        b = b.tlv(kind, value);
        expected.push((kind, value.to_vec()));
    }
    let wire = b.to_vec().unwrap();
    assert_eq!(wire.len(), b.encoded_len());
    let Ok(Status::Complete((h, n))) = parse(&wire) else { panic!("v2 {wire:02x?}") };
    assert_eq!(n, wire.len());
    assert_eq!(h.as_bytes(), &wire[..]);
    assert_eq!(h.crc32c(), if crc { Crc32cStatus::Valid } else { Crc32cStatus::Absent });
    let got: Vec<(u8, Vec<u8>)> = h
        .tlvs()
        .filter(|t| t.kind() != 0x03)
        .map(|t| (t.kind(), t.value().to_vec()))
        .collect();
    assert_eq!(got, expected);
    let (s, d) = (h.source().unwrap(), h.destination().unwrap());
    assert_eq!((s.port(), d.port()), (src.port(), dst.port()));
});
