//! Table-driven checks against headers HAProxy 2.6 sent and headers crafted to probe it
//! as a receiver (`tests/vectors/`).

use hostkit_proxy_protocol::{
    Command, Crc32cStatus, Family, Header, Status, Tlv, Transport, Version, parse,
};

const PAYLOAD: &[u8] = b"GET / HTTP/1.0\r\nHost: x\r\n\r\n";

/// A hex column of a vector file.
fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(" | ").collect())
}

fn complete(bytes: &[u8]) -> (Header<'_>, usize) {
    match parse(bytes) {
        Ok(Status::Complete(x)) => x,
        other => panic!("{other:?} for {bytes:02x?}"),
    }
}

fn names(h: &Header<'_>) -> Vec<&'static str> {
    h.tlvs().map(|t| t.name().unwrap_or("?")).collect()
}

#[test]
fn every_header_haproxy_sent_parses() {
    let text = include_str!("vectors/haproxy_sent.txt");
    let mut seen = 0;
    for row in rows(text) {
        let port: u16 = row[0].parse().unwrap();
        let bytes = hex(row[1]);
        let (h, used) = complete(&bytes);
        seen += 1;
        assert!(
            bytes[used..].is_empty() || &bytes[used..] == PAYLOAD,
            "port {port}: payload after the header was touched"
        );
        assert_eq!(h.as_bytes(), &bytes[..used]);
        // Every prefix asks for more, never for more than the header has.
        for cut in 0..used {
            match parse(&bytes[..cut]) {
                Ok(Status::Incomplete { needed }) => {
                    assert!(needed >= 1 && cut + needed <= used, "port {port} cut {cut}");
                    if h.version() == Version::V2 && cut >= 16 {
                        assert_eq!(cut + needed, used);
                    }
                }
                other => panic!("port {port} cut {cut}: {other:?}"),
            }
        }
        match port {
            19001 | 19011 => {
                assert_eq!(h.version(), Version::V1);
                assert_eq!(h.family(), Family::Inet);
                let want = if port == 19001 { 18001 } else { 19011 };
                assert_eq!(h.destination().unwrap().port(), want);
            }
            19006 => {
                assert_eq!(h.family(), Family::Inet6);
                assert_eq!(h.source().unwrap().ip().to_string(), "::1");
                assert_eq!(h.destination().unwrap().port(), 18006);
            }
            19008 => {
                assert_eq!(h.family(), Family::Unspecified);
                assert_eq!(h.source(), None);
                assert_eq!(h.len(), 15);
            }
            19009 | 19010 => {
                assert_eq!(h.version(), Version::V2);
                assert_eq!(h.command(), Command::Local);
                assert_eq!(h.source(), None);
                assert_eq!(h.len(), 16);
            }
            19002 => {
                assert_eq!(h.transport(), Transport::Stream);
                assert_eq!(h.destination().unwrap().to_string(), "127.0.0.1:18002");
                assert_eq!(h.tlvs().count(), 0);
            }
            19007 => {
                assert_eq!(h.family(), Family::Inet6);
                assert_eq!(h.destination().unwrap().to_string(), "[::1]:18007");
            }
            19003 => {
                assert_eq!(names(&h), ["CRC32C", "UNIQUE_ID"]);
                assert_eq!(h.crc32c(), Crc32cStatus::Valid);
            }
            19005 => {
                let ssl = h.tlvs().find_map(|t| match t.decode() {
                    Tlv::Ssl(s) => Some(s),
                    _ => None,
                });
                let ssl = ssl.expect("ssl tlv");
                assert_eq!((ssl.client(), ssl.verify()), (0, 0));
                assert!(!ssl.client_ssl());
                assert_eq!(ssl.tlvs().count(), 0);
            }
            19004 => tls_header(&h),
            _ => panic!("unexpected port {port}"),
        }
    }
    assert_eq!(seen, 11);
}

fn tls_header(h: &Header<'_>) {
    assert_eq!(h.len(), 185);
    assert_eq!(h.crc32c(), Crc32cStatus::Valid);
    assert_eq!(
        names(h),
        ["CRC32C", "ALPN", "AUTHORITY", "UNIQUE_ID", "SSL"]
    );
    let mut ssl_subs = Vec::new();
    for t in h.tlvs() {
        match t.decode() {
            Tlv::Alpn(a) => assert_eq!(a, b"h2"),
            Tlv::Authority(a) => assert_eq!(a, b"proxy.test"),
            Tlv::UniqueId(u) => assert_eq!(u.len(), 46),
            Tlv::Crc32c(_) => {}
            Tlv::Ssl(s) => {
                assert_eq!(s.client(), 0x07);
                assert!(s.client_ssl() && s.client_cert_conn() && s.client_cert_sess());
                assert!(s.verified());
                for sub in s.tlvs() {
                    ssl_subs.push((sub.name().unwrap(), sub.decode()));
                }
                assert_eq!(s.get(0x22), Some(&b"client.example"[..]));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        ssl_subs,
        [
            ("SSL_VERSION", Tlv::SslVersion(b"TLSv1.3")),
            ("SSL_CN", Tlv::SslCn(b"client.example")),
            ("SSL_KEY_ALG", Tlv::SslKeyAlg(b"RSA2048")),
            ("SSL_SIG_ALG", Tlv::SslSigAlg(b"RSA-SHA256")),
            ("SSL_CIPHER", Tlv::SslCipher(b"TLS_AES_256_GCM_SHA384")),
        ]
    );
}

#[test]
fn haproxy_receiver_probes_get_the_spec_verdict() {
    let text = include_str!("vectors/haproxy_accept.txt");
    let mut n = 0;
    for row in rows(text) {
        let (name, bytes, ours) = (row[0], hex(row[1]), row[3]);
        n += 1;
        let got = parse(&bytes);
        match ours.split_once(' ') {
            None => {
                assert_eq!(ours, "complete", "{name}");
                let (h, used) = match got {
                    Ok(Status::Complete(x)) => x,
                    other => panic!("{name}: {other:?}"),
                };
                assert!(used <= bytes.len(), "{name}");
                assert_eq!(h.as_bytes(), &bytes[..used], "{name}");
            }
            Some(("invalid", variant)) => {
                let e = got.expect_err(name);
                let dbg = format!("{e:?}");
                assert!(dbg.starts_with(variant), "{name}: {dbg}");
                assert!(!e.to_string().ends_with('.'), "{name}");
            }
            other => panic!("bad row {other:?}"),
        }
    }
    assert!(n >= 30, "{n} rows");
}
