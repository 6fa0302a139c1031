//! The evaluator on random zones: it never panics, always ends, keeps the limits of
//! RFC 7208 section 4.6.4 (at most one term past the 10-lookup limit is counted, the
//! one that trips it; likewise for void lookups), lists at most ten questions at a
//! time, and gives the same outcome whatever order its questions are answered in.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{Answer, Evaluator, Outcome, Query, QueryType, SpfResult, Step};
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
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
    assert!(outcome.void_lookups <= 3, "{} void lookups", outcome.void_lookups);
    if outcome.lookups == 11 || outcome.void_lookups == 3 {
        assert_eq!(outcome.result, SpfResult::PermError);
    }
    assert_eq!(outcome.explanation.is_some(), outcome.result == SpfResult::Fail);
    let mut other = stepped(&zone, ip, order);
    other.queries = outcome.queries;
    assert_eq!(other, outcome);
});
