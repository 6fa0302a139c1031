//! SPF: the record parser, the evaluator, the tree walk and flattening.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{
    Answer, Evaluator, FlattenOptions, Limits, Outcome, Query, QueryType, Record, SpfResult, Step,
    TreeWalker, flatten, lint, select_record,
};

/// Any text: parsing never panics, and a record that parses prints to text that parses
/// back to the same record, whose printing is stable.
pub fn parse(data: &[u8]) {
    let _ = select_record([data.split(|&b| b == 0)]);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for candidate in [text.to_string(), format!("v=spf1 {text}")] {
        if let Ok(r) = candidate.parse::<Record>() {
            let printed = r.to_string();
            let back: Record = printed
                .parse()
                .unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
            assert_eq!(back, r, "{printed:?}");
            assert_eq!(back.to_string(), printed);
            let _ = lint(&r);
        }
    }
}

/// Names whose TXT records come from the input, in order.
const NAMES: [&str; 10] = [
    "example.com",
    "a.example.com",
    "b.example.com",
    "mx.example.com",
    "example.com.example.com",
    "why.example.com",
    "mail.example.com",
    "h0.example.com",
    "2.0.192.in-addr.arpa.example.com",
    "nx.example.com",
];

struct Zone<'a> {
    head: &'a [u8],
    texts: Vec<&'a [u8]>,
}

impl Zone<'_> {
    /// A deterministic answer for every question, derived from the input.
    fn answer(&self, q: &Query) -> Answer {
        let idx = NAMES.iter().position(|n| *n == q.name);
        let h = q
            .name
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let salt = self.head[(h as usize % 7) + 1] ^ (h as u8);
        match q.qtype {
            QueryType::Txt => match idx.and_then(|i| self.texts.get(i)) {
                Some(t) => Answer::Txt(vec![vec![t.to_vec()]]),
                None if salt & 3 == 0 => Answer::TempError,
                None => Answer::NxDomain,
            },
            QueryType::A => match salt % 4 {
                0 => Answer::NxDomain,
                1 => Answer::NoData,
                _ => Answer::A(vec![Ipv4Addr::new(192, 0, 2, salt & 7)]),
            },
            QueryType::Aaaa => match salt % 3 {
                0 => Answer::NoData,
                _ => Answer::Aaaa(vec![Ipv6Addr::from(u128::from(salt))]),
            },
            QueryType::Mx => Answer::Mx(
                (0..(salt % 13))
                    .map(|i| (u16::from(i % 3), format!("h{}.example.com", i % 5)))
                    .collect(),
            ),
            QueryType::Ptr => Answer::Ptr(
                (0..(salt % 12))
                    .map(|i| match i % 3 {
                        0 => "mail.example.com".to_string(),
                        1 => format!("h{i}.example.com"),
                        _ => format!("h{i}.other.example"),
                    })
                    .collect(),
            ),
        }
    }
}

fn evaluator(ip: IpAddr) -> Evaluator {
    Evaluator::check_host(ip, "example.com", "user@example.com").helo("mail.example.org")
}

/// Answer every listed question, in an order picked by `order`.
fn stepped(zone: &Zone<'_>, ip: IpAddr, order: &[u8]) -> Outcome {
    let mut ev = evaluator(ip);
    let mut k = 0usize;
    loop {
        k += 1;
        assert!(k < 2000, "the evaluator keeps asking");
        let mut qs = match ev.step() {
            Step::Done(o) => return o.clone(),
            Step::Queries(qs) => qs.to_vec(),
        };
        assert!(!qs.is_empty() && qs.len() <= 10, "{} questions", qs.len());
        let pick = order.get(k % order.len().max(1)).copied().unwrap_or(0) as usize;
        let n = qs.len();
        qs.rotate_left(pick % n);
        if pick & 0x80 != 0 {
            qs.truncate(1);
        }
        for q in qs {
            let a = zone.answer(&q);
            ev.answer(&q, a).expect("a listed question");
        }
    }
}

/// The evaluator on random zones: it never panics, always ends, keeps the limits of
/// RFC 7208 section 4.6.4 (at most one term past the 10-lookup limit is counted, the
/// one that trips it; likewise for void lookups), lists at most ten questions at a
/// time, and gives the same outcome whatever order its questions are answered in.
pub fn eval(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let v6 = head[0] & 1 == 1;
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::from(u128::from(u64::from_be_bytes(
            head.try_into().unwrap(),
        ))))
    } else {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, head[1] & 7))
    };
    // The body holds the TXT records of the names, separated by newlines, and
    // after a NUL byte the order in which to answer.
    let (texts, order) = match body.iter().position(|&b| b == 0) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[][..]),
    };
    let zone = Zone {
        head,
        texts: texts.split(|&b| b == b'\n').take(NAMES.len()).collect(),
    };
    let outcome = evaluator(ip).run(|q| zone.answer(q));
    assert!(outcome.lookups <= 11, "{} lookups", outcome.lookups);
    assert!(
        outcome.void_lookups <= 3,
        "{} void lookups",
        outcome.void_lookups
    );
    if outcome.lookups == 11 || outcome.void_lookups == 3 {
        assert_eq!(outcome.result, SpfResult::PermError);
    }
    assert_eq!(
        outcome.explanation.is_some(),
        outcome.result == SpfResult::Fail
    );
    let mut other = stepped(&zone, ip, order);
    other.queries = outcome.queries;
    assert_eq!(other, outcome);
}

const TREE_NAMES: [&str; 6] = [
    "example.com",
    "a.example.com",
    "b.example.com",
    "mx.example.com",
    "c.example.net",
    "nx.example.com",
];

/// The tree walker and flattening on random zones: they never panic, the walk asks
/// each question once and ends, and a flattening that succeeds needs at most 10
/// lookups and writes records that parse and fit the maximum length.
pub fn tree(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let texts: Vec<&[u8]> = body.split(|&b| b == b'\n').take(TREE_NAMES.len()).collect();
    let mut asked = HashSet::new();
    let tree = TreeWalker::new("example.com").run(|q| {
        assert!(asked.insert((q.name.clone(), q.qtype)), "asked twice: {q}");
        let salt = head[(asked.len() % 7) + 1];
        let idx = TREE_NAMES.iter().position(|n| *n == q.name);
        match q.qtype {
            QueryType::Txt => match idx.and_then(|i| texts.get(i)) {
                Some(t) => Answer::Txt(vec![vec![t.to_vec()]]),
                None if salt & 3 == 0 => Answer::TempError,
                None => Answer::NxDomain,
            },
            QueryType::A => match salt % 4 {
                0 => Answer::NxDomain,
                1 => Answer::NoData,
                _ => Answer::A(vec![Ipv4Addr::new(192, 0, salt, salt & 7)]),
            },
            QueryType::Aaaa => match salt % 3 {
                0 => Answer::NoData,
                _ => Answer::Aaaa(vec![Ipv6Addr::from(u128::from(salt) << 64)]),
            },
            QueryType::Mx => Answer::Mx(
                (0..(salt % 13))
                    .map(|i| (u16::from(i), format!("mx{i}.example.com")))
                    .collect(),
            ),
            QueryType::Ptr => Answer::NoData,
        }
    });
    let max_length = 64 + usize::from(head[0]) * 2;
    let options = FlattenOptions {
        max_length,
        ..FlattenOptions::default()
    };
    if let Ok(flat) = flatten(&tree, &options) {
        assert!(flat.lookups <= 10, "{} lookups", flat.lookups);
        for r in &flat.records {
            assert!(r.value.len() <= max_length, "{} over {max_length}", r.value);
            assert!(
                r.value.parse::<Record>().is_ok(),
                "{} does not parse",
                r.value
            );
        }
    }
}

/// The names of the flattening zone whose TXT records come from the input, in order.
const FLAT_NAMES: [&str; 7] = [
    "example.com",
    "a.example.com",
    "b.example.com",
    "mx.example.com",
    "c.example.net",
    "d.example.net",
    "nx.example.com",
];

/// A zone that is a pure function of the question, so that the original records and
/// the flattened ones see the same DNS.
struct FlatZone<'a> {
    head: &'a [u8],
    texts: Vec<&'a [u8]>,
}

impl FlatZone<'_> {
    fn salt(&self, name: &str) -> u8 {
        let h = name
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        self.head[(h as usize % 7) + 1] ^ (h >> 8) as u8
    }

    fn answer(&self, q: &Query, published: &[(String, String)]) -> Answer {
        if q.qtype == QueryType::Txt
            && let Some((_, v)) = published.iter().find(|(n, _)| *n == q.name)
        {
            return Answer::Txt(vec![vec![v.clone().into_bytes()]]);
        }
        let salt = self.salt(&q.name);
        let idx = FLAT_NAMES.iter().position(|n| *n == q.name);
        match q.qtype {
            QueryType::Txt => match idx.and_then(|i| self.texts.get(i)) {
                Some(t) => Answer::Txt(vec![vec![t.to_vec()]]),
                None => Answer::NxDomain,
            },
            QueryType::A => match salt % 4 {
                0 => Answer::NxDomain,
                1 => Answer::NoData,
                _ => Answer::A(
                    (0..=(salt >> 6))
                        .map(|i| Ipv4Addr::new(192, 0, 2, (salt & 0x3c) + i))
                        .collect(),
                ),
            },
            QueryType::Aaaa => match salt % 3 {
                0 => Answer::NoData,
                _ => Answer::Aaaa(vec![Ipv6Addr::from(
                    0x2001_0db8_u128 << 96 | u128::from(salt & 0x1f),
                )]),
            },
            QueryType::Mx => Answer::Mx(
                (0..(salt % 5))
                    .map(|i| (u16::from(i), format!("mx{i}.example.com")))
                    .collect(),
            ),
            QueryType::Ptr => Answer::NoData,
        }
    }
}

fn flat_check(
    zone: &FlatZone<'_>,
    published: &[(String, String)],
    ip: IpAddr,
    lifted: bool,
) -> Outcome {
    let mut ev = Evaluator::check_host(ip, "example.com", "alice@example.com");
    if lifted {
        ev = ev.limits(Limits {
            lookups: 10_000,
            mx_names: 10_000,
            ptr_names: 10,
            void_lookups: 10_000,
        });
    }
    ev.run(|q| zone.answer(q, published))
}

/// A flattened random zone evaluates like the original: for the input's client
/// addresses and the first and last addresses (and their neighbours) of every network
/// the flattened records name, check_host() on the flattened records gives the result
/// the original gives with its limits lifted, within 10 lookups.
///
/// Input: 8 bytes of zone salt, the TXT records of the names separated by newlines,
/// then after a NUL byte the client addresses, 4 bytes each (every fourth one an IPv6
/// address in 2001:db8::/32 built from the same bytes).
pub fn flattened(data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let (texts, clients) = match body.iter().position(|&b| b == 0) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[][..]),
    };
    let zone = FlatZone {
        head,
        texts: texts
            .split(|&b| b == b'\n')
            .take(FLAT_NAMES.len())
            .collect(),
    };
    let tree = TreeWalker::new("example.com").run(|q| zone.answer(q, &[]));
    let max_length = 64 + usize::from(head[0]) * 2;
    let options = FlattenOptions {
        max_length,
        ..FlattenOptions::default()
    };
    let Ok(flat) = flatten(&tree, &options) else {
        return;
    };
    assert!(flat.lookups <= 10, "{} lookups", flat.lookups);
    assert_eq!(flat.records[0].name, "example.com");
    let published: Vec<(String, String)> = flat
        .records
        .iter()
        .map(|r| (r.name.clone(), r.value.clone()))
        .collect();
    let mut probes = Vec::new();
    for r in &flat.records {
        assert!(r.value.len() <= max_length, "{} over {max_length}", r.value);
        let record: Record = r.value.parse().expect("a flattened record parses");
        for d in record.directives() {
            match d.mechanism {
                hostkit_spf::Mechanism::Ip4 { addr, prefix } => {
                    let host = u32::MAX
                        .checked_shr(u32::from(prefix.unwrap_or(32)))
                        .unwrap_or(0);
                    let lo = u32::from(addr) & !host;
                    let hi = lo | host;
                    for x in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        probes.push(IpAddr::V4(x.into()));
                    }
                }
                hostkit_spf::Mechanism::Ip6 { addr, prefix } => {
                    let host = u128::MAX
                        .checked_shr(u32::from(prefix.unwrap_or(128)))
                        .unwrap_or(0);
                    let lo = u128::from(addr) & !host;
                    let hi = lo | host;
                    for x in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        probes.push(IpAddr::V6(x.into()));
                    }
                }
                _ => {}
            }
        }
    }
    for (i, c) in clients.chunks_exact(4).enumerate() {
        let v4 = Ipv4Addr::new(c[0], c[1], c[2], c[3]);
        probes.push(if i % 4 == 3 {
            IpAddr::V6(Ipv6Addr::from(
                0x2001_0db8_u128 << 96 | u128::from(u32::from(v4)),
            ))
        } else {
            IpAddr::V4(v4)
        });
    }
    probes.push(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 200)));
    probes.sort();
    probes.dedup();
    for ip in probes.into_iter().take(96) {
        let want = flat_check(&zone, &[], ip, true);
        let got = flat_check(&zone, &published, ip, false);
        assert_eq!(
            got.result, want.result,
            "client {ip} with {published:?}: original {:?} at {:?}, flattened {:?} at {:?}",
            want.result, want.mechanism, got.result, got.mechanism
        );
        assert!(
            got.lookups <= 10,
            "{} lookups after flattening",
            got.lookups
        );
    }
}
