//! Properties: build then parse is the identity, bytes are preserved, arbitrary input
//! never panics, and feeding a header in pieces asks for consistent byte counts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hostkit_proxy_protocol::{
    Builder, Command, Crc32cStatus, Parser, SslBuilder, Status, Transport, Version, parse,
};
use proptest::prelude::*;

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        any::<[u8; 16]>().prop_map(|o| IpAddr::V6(Ipv6Addr::from(o))),
        // Sparse IPv6 so that `::` compression shows up in v1 lines.
        (any::<u16>(), any::<u16>(), 0usize..8).prop_map(|(a, b, at)| {
            let mut s = [0u16; 8];
            s[at] = a;
            s[7 - at] = b;
            IpAddr::V6(Ipv6Addr::from(s))
        }),
    ]
}

fn addr() -> impl Strategy<Value = SocketAddr> {
    (ip(), any::<u16>()).prop_map(|(i, p)| SocketAddr::new(i, p))
}

#[derive(Debug, Clone)]
enum T {
    Raw(u8, Vec<u8>),
    Alpn(Vec<u8>),
    Authority(String),
    Uid(Vec<u8>),
    Noop(usize),
    Ssl(u8, u32, Vec<(u8, Vec<u8>)>),
    Aws(String),
    Azure(u32),
    Gcp(u64),
    Crc,
}

fn tlv() -> impl Strategy<Value = T> {
    prop_oneof![
        // Any type but CRC32C (one at most), UNIQUE_ID (<= 128) and SSL (framed).
        (
            any::<u8>().prop_filter("special", |k| ![3u8, 5, 0x20].contains(k)),
            proptest::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(k, v)| T::Raw(k, v)),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(T::Alpn),
        "[a-z0-9.-]{0,30}".prop_map(T::Authority),
        proptest::collection::vec(any::<u8>(), 0..=128).prop_map(T::Uid),
        (0usize..20).prop_map(T::Noop),
        (
            any::<u8>(),
            any::<u32>(),
            proptest::collection::vec(
                (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..20)),
                0..5
            )
        )
            .prop_map(|(c, v, s)| T::Ssl(c, v, s)),
        "vpce-[a-z0-9]{0,17}".prop_map(T::Aws),
        any::<u32>().prop_map(T::Azure),
        any::<u64>().prop_map(T::Gcp),
        Just(T::Crc),
    ]
}

#[derive(Debug, Clone)]
struct Spec {
    v2: bool,
    local: bool,
    unknown: bool,
    udp: bool,
    src: SocketAddr,
    dst: SocketAddr,
    tlvs: Vec<T>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<bool>(),
        any::<bool>(),
        0u8..8,
        any::<bool>(),
        addr(),
        addr(),
        proptest::collection::vec(tlv(), 0..8),
    )
        .prop_map(|(v2, local, u, udp, src, dst, tlvs)| Spec {
            v2,
            local,
            unknown: u == 0,
            udp,
            src,
            dst,
            tlvs,
        })
}

fn build(s: &Spec) -> Builder {
    if !s.v2 {
        return if s.unknown {
            Builder::v1_unknown()
        } else {
            Builder::v1(s.src, s.dst)
        };
    }
    let mut b = if s.local {
        Builder::v2_local()
    } else {
        let b = Builder::v2(s.src, s.dst);
        if s.udp {
            b.transport(Transport::Datagram)
        } else {
            b
        }
    };
    let mut crc = false;
    for t in &s.tlvs {
        b = match t {
            T::Raw(k, v) => b.tlv(*k, v),
            T::Alpn(v) => b.alpn(v),
            T::Authority(a) => b.authority(a),
            T::Uid(u) => b.unique_id(u),
            T::Noop(n) => b.noop(*n),
            T::Ssl(c, v, subs) => {
                let mut sb = SslBuilder::new(*c, *v);
                for (k, val) in subs {
                    sb = sb.sub_tlv(*k, val);
                }
                b.ssl(&sb)
            }
            T::Aws(id) => b.aws_vpce_id(id),
            T::Azure(id) => b.azure_link_id(*id),
            T::Gcp(id) => b.gcp_psc_connection_id(*id),
            T::Crc if !crc => {
                crc = true;
                b.crc32c()
            }
            T::Crc => b,
        };
    }
    b
}

fn mapped(a: SocketAddr, other: SocketAddr) -> SocketAddr {
    match (a, other) {
        (SocketAddr::V4(v4), SocketAddr::V6(_)) => {
            SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port())
        }
        _ => a,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn build_then_parse_is_identity(s in spec(), payload in proptest::collection::vec(any::<u8>(), 0..32)) {
        let b = build(&s);
        let wire = b.to_vec().unwrap();
        prop_assert_eq!(wire.len(), b.encoded_len());
        let mut stream = wire.clone();
        stream.extend_from_slice(&payload);
        let Status::Complete((h, used)) = parse(&stream).unwrap() else {
            return Err(TestCaseError::fail("incomplete"));
        };
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(h.as_bytes(), &wire[..]);
        prop_assert_eq!(h.version(), if s.v2 { Version::V2 } else { Version::V1 });
        let proxied = if s.v2 { !s.local } else { !s.unknown };
        prop_assert_eq!(h.command(), if s.v2 && s.local { Command::Local } else { Command::Proxy });
        if proxied {
            prop_assert_eq!(h.source(), Some(mapped(s.src, s.dst)));
            prop_assert_eq!(h.destination(), Some(mapped(s.dst, s.src)));
        } else {
            prop_assert_eq!(h.source(), None);
        }
        if s.v2 && !s.local && s.udp {
            prop_assert_eq!(h.transport(), Transport::Datagram);
        }
        let want_crc = s.v2 && s.tlvs.iter().any(|t| matches!(t, T::Crc));
        prop_assert_eq!(h.crc32c(), if want_crc { Crc32cStatus::Valid } else { Crc32cStatus::Absent });
        if s.v2 {
            let n = s.tlvs.iter().filter(|t| !matches!(t, T::Crc)).count() + usize::from(want_crc);
            prop_assert_eq!(h.tlvs().count(), n);
            let mut first_crc = true;
            let expected = s.tlvs.iter().filter(|t| {
                !matches!(t, T::Crc) || std::mem::replace(&mut first_crc, false)
            });
            for (got, t) in h.tlvs().zip(expected) {
                match t {
                    T::Raw(k, v) => {
                        prop_assert_eq!(got.kind(), *k);
                        prop_assert_eq!(got.value(), &v[..]);
                    }
                    T::Alpn(v) => prop_assert_eq!(got.value(), &v[..]),
                    T::Authority(a) => prop_assert_eq!(got.value(), a.as_bytes()),
                    T::Uid(u) => prop_assert_eq!(got.value(), &u[..]),
                    T::Noop(n) => prop_assert_eq!(got.value().len(), *n),
                    T::Ssl(c, v, subs) => {
                        let hostkit_proxy_protocol::Tlv::Ssl(ssl) = got.decode() else {
                            return Err(TestCaseError::fail("ssl"));
                        };
                        prop_assert_eq!((ssl.client(), ssl.verify()), (*c, *v));
                        let back: Vec<(u8, Vec<u8>)> =
                            ssl.tlvs().map(|t| (t.kind(), t.value().to_vec())).collect();
                        prop_assert_eq!(&back, subs);
                    }
                    T::Aws(id) => prop_assert_eq!(got.decode(), hostkit_proxy_protocol::Tlv::AwsVpceId(id.as_bytes())),
                    T::Azure(id) => prop_assert_eq!(got.decode(), hostkit_proxy_protocol::Tlv::AzureLinkId(*id)),
                    T::Gcp(id) => prop_assert_eq!(got.decode(), hostkit_proxy_protocol::Tlv::GcpPscConnectionId(*id)),
                    T::Crc => prop_assert_eq!(got.kind(), 3),
                }
            }
        }
        // Owned copy is the same header.
        let owned = h.clone().into_owned();
        prop_assert_eq!(owned, h);
    }

    #[test]
    fn prefixes_ask_for_consistent_counts(s in spec()) {
        let wire = build(&s).to_vec().unwrap();
        let mut last_total = 0;
        for cut in 0..wire.len() {
            match parse(&wire[..cut]) {
                Ok(Status::Incomplete { needed }) => {
                    prop_assert!(needed >= 1);
                    prop_assert!(cut + needed <= wire.len(), "cut {} needed {} len {}", cut, needed, wire.len());
                    prop_assert!(cut + needed >= last_total, "shrank at {}", cut);
                    if s.v2 && cut >= 16 {
                        prop_assert_eq!(cut + needed, wire.len());
                    }
                    last_total = cut + needed;
                }
                other => return Err(TestCaseError::fail(format!("cut {cut}: {other:?}"))),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_any(&bytes)?;
    }

    #[test]
    fn mutated_headers_never_panic(s in spec(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut wire = build(&s).to_vec().unwrap();
        for (at, b) in flips {
            let n = wire.len();
            wire[at % n] = b;
        }
        let n = wire.len();
        check_any(&wire[..=cut % n])?;
        check_any(&wire)?;
    }
}

fn check_any(bytes: &[u8]) -> Result<(), TestCaseError> {
    for p in [
        Parser::new(),
        Parser::new().verify_crc32c(false).max_header_size(64),
    ] {
        match p.parse(bytes) {
            Ok(Status::Complete((h, used))) => {
                prop_assert!(used <= bytes.len());
                prop_assert_eq!(h.as_bytes(), &bytes[..used]);
                for t in h.tlvs() {
                    if let hostkit_proxy_protocol::Tlv::Ssl(s) = t.decode() {
                        for sub in s.tlvs() {
                            let _ = sub.decode();
                        }
                    }
                }
                // Complete input stays complete when more follows.
                let mut more = bytes.to_vec();
                more.extend_from_slice(b"xyz");
                let again = p.parse(&more).unwrap().complete().unwrap();
                prop_assert_eq!(again.1, used);
            }
            Ok(Status::Incomplete { needed }) => {
                prop_assert!(needed >= 1);
            }
            Err(e) => {
                let m = e.to_string();
                prop_assert!(!m.is_empty() && !m.ends_with('.'));
            }
        }
    }
    Ok(())
}
