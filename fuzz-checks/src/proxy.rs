//! PROXY protocol: the parser, the builder round trip and the acceptor.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hostkit_proxy_protocol::{
    Acceptor, Builder, Cidr, Crc32cStatus, Decision, Parser, Status, Tlv, Trusted, Untrusted,
    parse_datagram,
};

/// Any bytes: the parser never panics, a complete header spans exactly the bytes it
/// reports, and a prefix of it asks for more without overshooting.
pub fn parse(data: &[u8]) {
    for parser in [
        Parser::new(),
        Parser::new().verify_crc32c(false).max_header_size(300),
    ] {
        match parser.parse(data) {
            Ok(Status::Complete((h, used))) => {
                assert!(used <= data.len());
                assert_eq!(h.as_bytes(), &data[..used]);
                for t in h.tlvs() {
                    if let Tlv::Ssl(ssl) = t.decode() {
                        for s in ssl.tlvs() {
                            let _ = s.decode();
                        }
                    }
                }
                let _ = (h.source(), h.destination(), h.addresses());
                if used > 0 {
                    match parser.parse(&data[..used - 1]) {
                        Ok(Status::Incomplete { needed }) => {
                            assert!(needed >= 1 && used - 1 + needed <= used)
                        }
                        other => panic!("prefix of a complete header: {other:?}"),
                    }
                }
            }
            Ok(Status::Incomplete { needed }) => assert!(needed >= 1),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
}

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

/// Build a header from fuzzed parts, parse it back: the same addresses and TLVs.
pub fn roundtrip(data: &[u8]) {
    if data.len() < 40 {
        return;
    }
    let flags = data[0];
    let src = addr(&data[1..19], flags & 1 != 0);
    let dst = addr(&data[19..37], flags & 2 != 0);
    let rest = &data[37..];
    if flags & 4 == 0 {
        let wire = Builder::v1(src, dst).to_vec().unwrap();
        let Ok(Status::Complete((h, n))) = hostkit_proxy_protocol::parse(&wire) else {
            panic!("v1 {wire:02x?}")
        };
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
    let Ok(Status::Complete((h, n))) = hostkit_proxy_protocol::parse(&wire) else {
        panic!("v2 {wire:02x?}")
    };
    assert_eq!(n, wire.len());
    assert_eq!(h.as_bytes(), &wire[..]);
    assert_eq!(
        h.crc32c(),
        if crc {
            Crc32cStatus::Valid
        } else {
            Crc32cStatus::Absent
        }
    );
    let got: Vec<(u8, Vec<u8>)> = h
        .tlvs()
        .filter(|t| t.kind() != 0x03)
        .map(|t| (t.kind(), t.value().to_vec()))
        .collect();
    assert_eq!(got, expected);
    let (s, d) = (h.source().unwrap(), h.destination().unwrap());
    assert_eq!((s.port(), d.port()), (src.port(), dst.port()));
}

/// Any bytes, any policy, any way of cutting them into pushes at any times: the
/// acceptor never panics, decides the same as when given everything at once (while
/// before the deadline), and a proceed never claims more bytes than it was given.
/// Datagrams: never a panic, and header plus payload is the whole datagram.
pub fn acceptor(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let Some((&cuts, bytes)) = rest.split_first() else {
        return;
    };
    let list = ["127.0.0.0/8".parse::<Cidr>().unwrap()];
    let a = Acceptor::new(&list)
        .trusted(if ctl & 1 == 0 {
            Trusted::Require
        } else {
            Trusted::Use
        })
        .untrusted(if ctl & 2 == 0 {
            Untrusted::Reject
        } else {
            Untrusted::Ignore
        })
        .max_header_size(usize::from(ctl >> 2) * 8)
        .timeout(Duration::from_secs(1));
    let peer = if ctl & 0x80 == 0 {
        "127.0.0.2:1"
    } else {
        "10.0.0.1:1"
    };
    let local = "127.0.0.1:80".parse().unwrap();
    let mut whole = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    let want = whole.push(bytes, Duration::ZERO);
    if let Decision::Proceed { consumed, .. } = want {
        assert!(consumed <= bytes.len());
    }
    let mut hs = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    let step = usize::from(cuts % 7) + 1;
    let mut end = 0;
    let got = loop {
        end = (end + step).min(bytes.len());
        let now = Duration::from_millis(u64::from(cuts) * end as u64 % 1000);
        let d = hs.push(&bytes[..end], now);
        if !matches!(d, Decision::NeedMore { .. }) || end == bytes.len() {
            break d;
        }
    };
    assert_eq!(got, want);
    let mut eof = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    assert!(!matches!(eof.finish(bytes), Decision::NeedMore { .. }));
    if let Ok(d) = parse_datagram(bytes) {
        assert_eq!(d.header().len() + d.payload().len(), bytes.len());
    }
}
