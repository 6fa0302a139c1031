//! The accept policy as a whole: any split of the same bytes into pushes, at any
//! times before the deadline, gives the same decision; the bytes after the header
//! never change it; a late push that still needs bytes is a timeout.

use std::net::SocketAddr;
use std::time::Duration;

use hostkit_proxy_protocol::{
    Acceptor, Builder, Cidr, Decision, Refusal, SslBuilder, Transport, Trusted, Untrusted,
};
use proptest::prelude::*;

const TIMEOUT: Duration = Duration::from_millis(1000);

fn header() -> impl Strategy<Value = Vec<u8>> {
    let ep = prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(o, p)| SocketAddr::from((o, p))),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(o, p)| SocketAddr::from((o, p))),
    ];
    (
        ep.clone(),
        ep,
        0u8..6,
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(s, d, kind, v)| {
            let b = match kind {
                0 => Builder::v1(s, d),
                1 => Builder::v1_unknown(),
                2 => Builder::v2_local(),
                3 => Builder::v2(s, d).crc32c().tlv(0xE5, &v),
                4 => Builder::v2(s, d)
                    .transport(Transport::Datagram)
                    .ssl(&SslBuilder::new(v.first().copied().unwrap_or(1), 0).cn("x")),
                _ => Builder::v2(s, d).noop(v.len()),
            };
            b.to_vec().unwrap()
        })
}

/// A header, a mangled header, a cut header or arbitrary bytes, then payload.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let body = prop_oneof![
        header(),
        (header(), any::<usize>(), any::<u8>()).prop_map(|(mut h, at, b)| {
            let at = at % h.len();
            h[at] = b;
            h
        }),
        (header(), any::<usize>()).prop_map(|(h, cut)| h[..cut % (h.len() + 1)].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(b"PROXY ".to_vec()),
        Just(b"PROX".to_vec()),
    ];
    (body, proptest::collection::vec(any::<u8>(), 0..16)).prop_map(|(mut b, p)| {
        b.extend_from_slice(&p);
        b
    })
}

fn acceptor(list: &[Cidr], rules: u8) -> Acceptor<'_> {
    Acceptor::new(list)
        .trusted(if rules & 1 == 0 {
            Trusted::Require
        } else {
            Trusted::Use
        })
        .untrusted(if rules & 2 == 0 {
            Untrusted::Reject
        } else {
            Untrusted::Ignore
        })
        .max_header_size(200)
        .timeout(TIMEOUT)
}

fn peers() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        Just("127.0.0.2:4000".parse().unwrap()),
        Just("[::ffff:127.0.0.2]:4000".parse().unwrap()),
        Just("127.0.0.3:4000".parse().unwrap()),
        Just("[2001:db8::1]:4000".parse().unwrap()),
    ]
}

/// Feed `bytes` in pieces cut at `cuts`, at `times`; the last decision.
fn fed<'b>(
    a: &Acceptor<'_>,
    peer: SocketAddr,
    bytes: &'b [u8],
    cuts: &[usize],
    times: &[u64],
    start: Duration,
) -> (Decision<'b>, Vec<(usize, usize)>) {
    let local = "127.0.0.1:80".parse().unwrap();
    let mut hs = a.start(peer, local, start);
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    ends.sort_unstable();
    ends.push(bytes.len());
    let mut asked = Vec::new();
    let mut d = Decision::NeedMore { needed: 1 };
    for (i, end) in ends.into_iter().enumerate() {
        let now = start + Duration::from_millis(times.get(i).copied().unwrap_or(0) % 1000);
        d = hs.push(&bytes[..end], now);
        match d {
            Decision::NeedMore { needed } => asked.push((end, needed)),
            _ => break,
        }
    }
    (d, asked)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn any_split_and_any_times_decide_alike(
        bytes in input(),
        peer in peers(),
        rules in 0u8..4,
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        times in proptest::collection::vec(any::<u64>(), 0..13),
        start in 0u64..1_000_000,
    ) {
        let list = ["127.0.0.2/32".parse::<Cidr>().unwrap()];
        let a = acceptor(&list, rules);
        let start = Duration::from_millis(start);
        let (whole, _) = fed(&a, peer, &bytes, &[], &[], Duration::ZERO);
        let (split, asked) = fed(&a, peer, &bytes, &cuts, &times, start);
        prop_assert_eq!(&split, &whole);
        if let Decision::Proceed { consumed, .. } = whole {
            prop_assert!(consumed <= bytes.len());
            // Every count asked for on the way stays within the header.
            for (have, needed) in asked {
                prop_assert!(needed > 0);
                if consumed > 0 {
                    prop_assert!(have + needed <= consumed, "{} + {} > {}", have, needed, consumed);
                }
            }
            // The bytes after the header do not matter.
            let mut other = bytes[..consumed].to_vec();
            other.extend(bytes[consumed..].iter().map(|b| b.wrapping_add(1)));
            if consumed > 0 {
                let (again, _) = fed(&a, peer, &other, &cuts, &times, start);
                prop_assert_eq!(again, whole);
            }
        }
    }

    #[test]
    fn a_late_push_that_needs_bytes_is_a_timeout(
        bytes in input(),
        peer in peers(),
        rules in 0u8..4,
        cut in any::<usize>(),
        late in 0u64..10_000,
    ) {
        let list = ["127.0.0.2/32".parse::<Cidr>().unwrap()];
        let a = acceptor(&list, rules);
        let local = "127.0.0.1:80".parse().unwrap();
        let part = &bytes[..cut % (bytes.len() + 1)];
        let mut on_time = a.start(peer, local, Duration::ZERO);
        let mut late_hs = a.start(peer, local, Duration::ZERO);
        let at = TIMEOUT + Duration::from_millis(late);
        match on_time.push(part, Duration::ZERO) {
            Decision::NeedMore { .. } => {
                let timeout = Decision::Refuse { reason: Refusal::Timeout };
                prop_assert_eq!(late_hs.push(part, at), timeout.clone());
                prop_assert_eq!(late_hs.push(&bytes, Duration::ZERO), timeout);
                prop_assert_eq!(on_time.poll_deadline(at), Some(Refusal::Timeout));
            }
            d => {
                prop_assert_eq!(late_hs.push(part, at), d);
                prop_assert!(!late_hs.is_pending());
                let refused = matches!(late_hs.poll_deadline(at), Some(r) if r != Refusal::Timeout);
                let refuse = matches!(late_hs.push(part, at), Decision::Refuse { .. });
                prop_assert_eq!(refused, refuse);
            }
        }
    }

    #[test]
    fn eof_always_decides(bytes in input(), peer in peers(), rules in 0u8..4, cut in any::<usize>()) {
        let list = ["127.0.0.2/32".parse::<Cidr>().unwrap()];
        let a = acceptor(&list, rules);
        let part = &bytes[..cut % (bytes.len() + 1)];
        let mut hs = a.start(peer, "127.0.0.1:80".parse().unwrap(), Duration::ZERO);
        let d = hs.finish(part);
        let decided = !matches!(d, Decision::NeedMore { .. });
        prop_assert!(decided);
        let mut hs = a.start(peer, "127.0.0.1:80".parse().unwrap(), Duration::ZERO);
        if let Decision::Proceed { consumed, .. } = hs.push(part, Duration::ZERO) {
            // What decides without the end of input decides the same with it.
            let mut again = a.start(peer, "127.0.0.1:80".parse().unwrap(), Duration::ZERO);
            let same = matches!(again.finish(part), Decision::Proceed { consumed: c, .. } if c == consumed);
            prop_assert!(same);
        }
    }

    #[test]
    fn datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), h in header(), flip in any::<(usize, u8)>()) {
        let _ = hostkit_proxy_protocol::parse_datagram(&bytes);
        let mut h = h;
        let at = flip.0 % h.len();
        h[at] ^= flip.1;
        if let Ok(d) = hostkit_proxy_protocol::parse_datagram(&h) {
            prop_assert_eq!(d.header().len() + d.payload().len(), h.len());
        }
    }
}
