//! The public API: grammar edges, streaming, TLVs, CRC32C and the builder.

use std::net::SocketAddr;

use hostkit_proxy_protocol::{
    Addresses, Builder, Command, Crc32cStatus, Error, Family, Parser, SslBuilder, Status, Tlv,
    Transport, Version, parse, tlv,
};

fn ok(input: &[u8]) -> (hostkit_proxy_protocol::Header<'_>, usize) {
    match parse(input) {
        Ok(Status::Complete(x)) => x,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> Error {
    match parse(input) {
        Err(e) => e,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn needed(input: &[u8]) -> usize {
    match parse(input) {
        Ok(Status::Incomplete { needed }) => needed,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn v1_valid_lines() {
    let (h, n) = ok(b"PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\nrest");
    assert_eq!(n, 44);
    assert_eq!(h.source(), Some(sa("255.255.255.255:65535")));
    assert_eq!(h.destination(), Some(sa("0.0.0.0:0")));
    assert_eq!((h.version(), h.command()), (Version::V1, Command::Proxy));
    assert_eq!(h.transport(), Transport::Stream);

    let (h, _) = ok(b"PROXY TCP6 ::ffff:192.0.2.1 2001:DB8::a 1 2\r\n");
    assert_eq!(h.source(), Some(sa("[::ffff:192.0.2.1]:1")));
    assert_eq!(h.destination(), Some(sa("[2001:db8::a]:2")));

    let (h, n) = ok(b"PROXY UNKNOWN\r\n");
    assert_eq!((n, h.family(), h.source()), (15, Family::Unspecified, None));
    let (h, _) = ok(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n");
    assert_eq!(h.addresses(), Addresses::Unspecified);

    // Worst case: 107 bytes exactly.
    let mut long = b"PROXY UNKNOWN ".to_vec();
    long.resize(105, b'x');
    long.extend_from_slice(b"\r\n");
    assert_eq!(ok(&long).1, 107);
    let mut longer = long.clone();
    longer.insert(20, b'x');
    assert!(matches!(err(&longer), Error::V1TooLong { .. }));
}

#[test]
fn v1_invalid_lines_fail_at_the_first_bad_byte() {
    for (line, offset) in [
        (&b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"[..], 30),
        (b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", 11),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 30),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n", 29),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", 27),
        (b"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", 18),
        (b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 9),
        (b"PROXY TXP4", 7),
        (b"PROXYxTCP4", 5),
        (b"PROXY UNKNOWN\n", 13),
        (b"PROXY UNKNOWN x\n", 15),
        (b"PROXY UNKNOWNx", 13),
        (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rx", 31),
        (b"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", 16),
        (b"PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", 18),
        (b"PROXY TCP4 1..3.4", 13),
        (b"PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n", 22),
    ] {
        match err(line) {
            Error::V1Syntax { offset: o, .. } => {
                assert_eq!(o, offset, "{:?}", String::from_utf8_lossy(line))
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(line)),
        }
    }
    for (line, field) in [
        (&b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"[..], "source port"),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
            "destination port",
        ),
        (b"PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n", "source address"),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.256 1 2\r\n",
            "destination address",
        ),
        (b"PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "source address"),
        (b"PROXY TCP6 ::1 1:::2 1 2\r\n", "destination address"),
    ] {
        match err(line) {
            Error::V1Value { field: f, .. } => {
                assert_eq!(f, field, "{:?}", String::from_utf8_lossy(line))
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(line)),
        }
    }
    // Rejected before the line is complete: the leading zero is enough.
    assert_eq!(needed(b"PROXY TCP4 1.2.3.4 5.6.7.8 0"), 4);
    assert!(matches!(
        err(b"PROXY TCP4 1.2.3.4 5.6.7.8 00"),
        Error::V1Value { .. }
    ));
    assert!(matches!(err(b"proxy"), Error::NotProxy { offset: 0, .. }));
    assert!(matches!(err(b"PROXZ"), Error::NotProxy { offset: 4, .. }));
}

#[test]
fn v1_early_length_rejection() {
    // 60 bytes of UNKNOWN filler: fine; a TCP6 source that cannot fit: rejected early.
    let mut l = b"PROXY UNKNOWN ".to_vec();
    l.resize(105, b'y');
    assert_eq!(needed(&l), 2);
    l.push(b'y');
    assert!(matches!(err(&l), Error::V1TooLong { .. }));
    let line = b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
    assert!(matches!(err(line), Error::V1TooLong { .. }));
}

#[test]
fn streaming_needed_counts() {
    assert_eq!(needed(b""), 15);
    assert_eq!(needed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2"), 2);
    let v2 = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .authority("a")
        .to_vec()
        .unwrap();
    assert_eq!(v2.len(), 32);
    for cut in 1..16 {
        assert_eq!(needed(&v2[..cut]), 16 - cut);
    }
    for cut in 16..32 {
        assert_eq!(needed(&v2[..cut]), 32 - cut);
    }
    assert_eq!(
        Parser::new().accept_v1(false).parse(b""),
        Ok(Status::Incomplete { needed: 16 })
    );
}

#[test]
fn v2_fixed_part_rules() {
    let good = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .to_vec()
        .unwrap();
    let mut b = good.clone();
    b[12] = 0x11;
    assert_eq!(err(&b), Error::V2Version { version: 1 });
    assert_eq!(err(&b[..13]), Error::V2Version { version: 1 });
    b[12] = 0x22;
    assert_eq!(err(&b), Error::V2Command { command: 2 });
    for fam in [0x01, 0x10, 0x13, 0x23, 0x33, 0x41] {
        let mut b = good.clone();
        b[13] = fam;
        assert_eq!(err(&b), Error::V2Family { byte: fam });
        assert_eq!(err(&b[..14]), Error::V2Family { byte: fam });
    }
    let mut b = good.clone();
    b[15] = 8;
    assert!(matches!(err(&b), Error::V2AddressBlock { needed: 12, .. }));
    let mut b = good.clone();
    b[6] = b'x';
    assert_eq!(
        err(&b[..7]),
        Error::NotProxy {
            offset: 6,
            byte: b'x'
        }
    );
    // Size limit, before the body arrives.
    let big = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .noop(5000)
        .to_vec()
        .unwrap();
    assert!(matches!(
        Parser::new().max_header_size(4096).parse(&big[..16]),
        Err(Error::V2TooLarge {
            length: 5031,
            max: 4096
        })
    ));
    assert!(ok(&big).0.len() == 5031);
}

#[test]
fn v2_local_and_families() {
    let (h, n) = ok(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00payload");
    assert_eq!((n, h.command(), h.source()), (16, Command::Local, None));
    // LOCAL with an address block: accepted, addresses exposed but not to be used.
    let mut b = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .to_vec()
        .unwrap();
    b[12] = 0x20;
    let (h, _) = ok(&b);
    assert_eq!(h.command(), Command::Local);
    assert_eq!(h.source(), None);
    assert_eq!(h.addresses().source(), Some(sa("1.2.3.4:1")));
    // UDP and UNIX.
    let udp = Builder::v2(sa("[::1]:1"), sa("[::2]:2"))
        .transport(Transport::Datagram)
        .to_vec()
        .unwrap();
    assert_eq!(udp[13], 0x22);
    assert_eq!(ok(&udp).0.transport(), Transport::Datagram);
    let unix = Builder::with_addresses(
        Version::V2,
        Command::Proxy,
        Addresses::Unix {
            source: b"/run/a.sock",
            destination: b"/run/b.sock",
        },
    )
    .to_vec()
    .unwrap();
    assert_eq!(unix.len(), 232);
    let (h, _) = ok(&unix);
    match h.addresses() {
        Addresses::Unix {
            source,
            destination,
        } => {
            assert!(source.starts_with(b"/run/a.sock\0"));
            assert!(destination.starts_with(b"/run/b.sock\0"));
            assert_eq!(source.len(), 108);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.source(), None);
    // Mixed families become v4-mapped IPv6, as HAProxy sends them.
    let mixed = Builder::v2(sa("1.2.3.4:1"), sa("[::2]:2"))
        .to_vec()
        .unwrap();
    assert_eq!(ok(&mixed).0.source(), Some(sa("[::ffff:1.2.3.4]:1")));
}

#[test]
fn tlvs_typed_and_raw() {
    let ssl = SslBuilder::new(tlv::CLIENT_SSL | tlv::CLIENT_CERT_CONN, 0)
        .version("TLSv1.3")
        .cn("client")
        .cipher("TLS_AES_128_GCM_SHA256")
        .sig_alg("RSA-SHA256")
        .key_alg("RSA2048")
        .group("x25519")
        .sig_scheme("rsa_pss_rsae_sha256")
        .client_cert(&[0x30, 0x82])
        .sub_tlv(0x29, b"future");
    let bytes = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .alpn(b"http/1.1")
        .authority("example.com")
        .noop(3)
        .unique_id(&[9; 128])
        .ssl(&ssl)
        .netns("blue")
        .aws_vpce_id("vpce-08d2bf15fac5001c9")
        .azure_link_id(0x0102_0304)
        .gcp_psc_connection_id(0x1122_3344_5566_7788)
        .tlv(0xF1, b"experimental")
        .crc32c()
        .to_vec()
        .unwrap();
    let (h, _) = ok(&bytes);
    assert_eq!(h.crc32c(), Crc32cStatus::Valid);
    let got: Vec<Tlv<'_>> = h.tlvs().map(|t| t.decode()).collect();
    assert_eq!(got[0], Tlv::Alpn(b"http/1.1"));
    assert_eq!(got[1], Tlv::Authority(b"example.com"));
    assert_eq!(got[2], Tlv::Noop(&[0, 0, 0]));
    assert_eq!(got[3], Tlv::UniqueId(&[9; 128]));
    let Tlv::Ssl(s) = got[4] else {
        panic!("{:?}", got[4])
    };
    assert!(s.client_ssl() && s.client_cert_conn() && !s.client_cert_sess() && s.verified());
    let subs: Vec<Tlv<'_>> = s.tlvs().map(|t| t.decode()).collect();
    assert_eq!(
        subs,
        [
            Tlv::SslVersion(b"TLSv1.3"),
            Tlv::SslCn(b"client"),
            Tlv::SslCipher(b"TLS_AES_128_GCM_SHA256"),
            Tlv::SslSigAlg(b"RSA-SHA256"),
            Tlv::SslKeyAlg(b"RSA2048"),
            Tlv::SslGroup(b"x25519"),
            Tlv::SslSigScheme(b"rsa_pss_rsae_sha256"),
            Tlv::SslClientCert(&[0x30, 0x82]),
            Tlv::Other {
                kind: 0x29,
                value: b"future"
            },
        ]
    );
    assert_eq!(got[5], Tlv::Netns(b"blue"));
    assert_eq!(got[6], Tlv::AwsVpceId(b"vpce-08d2bf15fac5001c9"));
    assert_eq!(got[7], Tlv::AzureLinkId(0x0102_0304));
    assert_eq!(got[8], Tlv::GcpPscConnectionId(0x1122_3344_5566_7788));
    assert_eq!(
        got[9],
        Tlv::Other {
            kind: 0xF1,
            value: b"experimental"
        }
    );
    assert!(matches!(got[10], Tlv::Crc32c(_)));
    // A sub-TLV type at the top level is not an SSL field.
    let odd = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .tlv(tlv::SSL_CN, b"x")
        .tlv(tlv::AZURE, &[2, 0, 0, 0, 0])
        .to_vec()
        .unwrap();
    let (h, _) = ok(&odd);
    assert!(h.tlvs().all(|t| matches!(t.decode(), Tlv::Other { .. })));
}

#[test]
fn crc32c_anywhere_and_wrong() {
    for place in 0..3 {
        let mut b = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"));
        for i in 0..3 {
            if i == place {
                b = b.crc32c();
            }
            b = b.authority("x.example");
        }
        let mut bytes = b.to_vec().unwrap();
        assert_eq!(ok(&bytes).0.crc32c(), Crc32cStatus::Valid);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(err(&bytes), Error::Crc32cMismatch { .. }));
        let lenient = Parser::new().verify_crc32c(false).parse(&bytes).unwrap();
        assert_eq!(
            lenient.complete().unwrap().0.crc32c(),
            Crc32cStatus::Invalid
        );
    }
    // Two CRC TLVs.
    let mut bytes = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .crc32c()
        .tlv(tlv::CRC32C, &[0; 4])
        .to_vec()
        .unwrap();
    assert!(matches!(err(&bytes), Error::DuplicateCrc32c { offset: 35 }));
    // A wrong length is refused before any checksum.
    bytes[30] = 3;
    assert!(matches!(err(&bytes), Error::TlvLength { kind: 3, .. }));
}

#[test]
fn tlv_framing_errors() {
    let base = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .to_vec()
        .unwrap();
    let with = |tail: &[u8]| {
        let mut b = base.clone();
        b.extend_from_slice(tail);
        let len = u16::try_from(b.len() - 16).unwrap();
        b[14..16].copy_from_slice(&len.to_be_bytes());
        b
    };
    assert!(matches!(
        err(&with(&[1, 0])),
        Error::TlvTruncated { offset: 28, .. }
    ));
    assert!(matches!(
        err(&with(&[1, 0, 2, 9])),
        Error::TlvTruncated { .. }
    ));
    assert!(matches!(
        err(&with(&[3, 0, 5, 0, 0, 0, 0, 0])),
        Error::TlvLength { kind: 3, .. }
    ));
    assert!(matches!(
        err(&with(&[0x20, 0, 4, 0, 0, 0, 0])),
        Error::TlvLength { kind: 0x20, .. }
    ));
    // SSL sub-TLVs are framed lazily: a cut one ends the iteration.
    let cut = with(&[0x20, 0, 11, 1, 0, 0, 0, 0, 0x21, 0, 1, b'x', 0x22, 0]);
    let (h, _) = ok(&cut);
    let Some(Tlv::Ssl(ssl)) = h.tlvs().next().map(|t| t.decode()) else {
        panic!("ssl")
    };
    assert!(!ssl.is_well_formed());
    assert_eq!(ssl.tlvs().count(), 1);
    let mut uid = vec![5, 0, 129];
    uid.resize(3 + 129, b'u');
    assert!(matches!(
        err(&with(&uid)),
        Error::TlvLength {
            kind: 5,
            length: 129,
            ..
        }
    ));
    // Zero-length TLVs are fine.
    assert_eq!(ok(&with(&[4, 0, 0, 0xE5, 0, 0])).0.tlvs().count(), 2);
}

#[test]
fn builder_rules() {
    let e = |b: Builder| b.to_vec().unwrap_err();
    assert!(matches!(
        e(Builder::v1(sa("1.2.3.4:1"), sa("5.6.7.8:2")).authority("x")),
        Error::Build { .. }
    ));
    assert!(matches!(
        e(Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2")).unique_id(&[0; 129])),
        Error::Build { value: 129, .. }
    ));
    assert!(matches!(
        e(Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
            .crc32c()
            .crc32c()),
        Error::Build { .. }
    ));
    assert!(matches!(
        e(Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2")).tlv(0xE1, &vec![0; 65536])),
        Error::Build { value: 65536, .. }
    ));
    assert!(matches!(
        e(Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2")).noop(65535)),
        Error::Build { .. }
    ));
    assert!(matches!(
        e(Builder::v2_local().transport(Transport::Stream)),
        Error::Build { .. }
    ));
    let b = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2")).noop(65535 - 12 - 3);
    assert_eq!(b.encoded_len(), 16 + 65535);
    assert_eq!(b.to_vec().unwrap().len(), 16 + 65535);
    assert_eq!(
        Builder::v1_unknown().to_vec().unwrap(),
        b"PROXY UNKNOWN\r\n"
    );
    assert_eq!(
        Builder::v2_local().to_vec().unwrap(),
        b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"
    );
    let v1 = Builder::v1(sa("[::1]:80"), sa("[2001:db8::1]:443"));
    assert_eq!(
        v1.to_vec().unwrap(),
        b"PROXY TCP6 ::1 2001:db8::1 80 443\r\n"
    );
    assert_eq!(v1.encoded_len(), 35);
    // Into any BufMut.
    let mut bm = bytes::BytesMut::new();
    v1.encode(&mut bm).unwrap();
    assert_eq!(&bm[..], b"PROXY TCP6 ::1 2001:db8::1 80 443\r\n");
}

#[test]
fn owned_and_reencoded() {
    let bytes = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .crc32c()
        .authority("a")
        .to_vec()
        .unwrap();
    let owned = {
        let copy = bytes.clone();
        let (h, _) = ok(&copy);
        h.into_owned()
    };
    assert_eq!(owned.as_bytes(), &bytes[..]);
    assert_eq!(owned.tlvs().count(), 2);
    let mut out = Vec::new();
    owned.encode(&mut out);
    assert_eq!(out, bytes);
    assert_eq!(owned.encoded_len(), bytes.len());
}

#[test]
fn errors_read_well() {
    let e = err(b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n");
    assert_eq!(
        e.to_string(),
        "invalid v1 source port at offset 27: leading zero"
    );
    let e = err(b"HTTP/1.1");
    assert_eq!(
        e.to_string(),
        "not a proxy protocol header: unexpected byte 0x48 at offset 0"
    );
}

#[test]
fn parser_options() {
    let v1 = b"PROXY UNKNOWN\r\n";
    let v2 = Builder::v2_local().to_vec().unwrap();
    let only_v2 = Parser::new().accept_v1(false);
    assert!(matches!(
        only_v2.parse(v1),
        Err(Error::NotProxy {
            offset: 0,
            byte: b'P'
        })
    ));
    assert!(only_v2.parse(&v2).unwrap().complete().is_some());
    let only_v1 = Parser::new().accept_v2(false);
    assert!(matches!(
        only_v1.parse(&v2),
        Err(Error::NotProxy {
            offset: 0,
            byte: b'\r'
        })
    ));
    assert!(only_v1.parse(v1).unwrap().complete().is_some());
    // The limit counts the whole header and is checked on the first 16 bytes.
    let b = Builder::v2(sa("1.2.3.4:1"), sa("5.6.7.8:2"))
        .to_vec()
        .unwrap();
    assert!(Parser::new().max_header_size(28).parse(&b).is_ok());
    assert!(matches!(
        Parser::new().max_header_size(27).parse(&b[..16]),
        Err(Error::V2TooLarge {
            length: 28,
            max: 27
        })
    ));
}
