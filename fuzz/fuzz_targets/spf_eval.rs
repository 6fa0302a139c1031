//! The evaluator on random zones: it never panics, always ends, and keeps the limits
//! of RFC 7208 section 4.6.4 (at most one term past the 10-lookup limit is counted,
//! the one that trips it; likewise for void lookups).
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{Answer, Evaluator, QueryType, SpfResult};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "example.com",
    "a.example.com",
    "b.example.com",
    "mx.example.com",
    "%{d}.example.com",
    "nx.example.com",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let v6 = head[0] & 1 == 1;
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::from(u128::from(u64::from_be_bytes(head.try_into().unwrap()))))
    } else {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, head[1] & 7))
    };
    // The body holds the TXT records of up to six names, separated by newlines; the
    // other record types are derived from the bytes of the header.
    let texts: Vec<&[u8]> = body.split(|&b| b == b'\n').take(NAMES.len()).collect();
    let mut queries = 0usize;
    let outcome = Evaluator::check_host(ip, "example.com", "user@example.com")
        .helo("mail.example.org")
        .run(|q| {
            queries += 1;
            assert!(queries < 1000, "the evaluator keeps asking");
            let idx = NAMES.iter().position(|n| *n == q.name);
            let salt = head[(queries % 7) + 1];
            match q.qtype {
                QueryType::Txt => match idx.and_then(|i| texts.get(i)) {
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
                        .map(|i| (u16::from(i), format!("mx{i}.example.com")))
                        .collect(),
                ),
                QueryType::Ptr => Answer::Ptr(
                    (0..(salt % 12)).map(|i| format!("h{i}.example.com")).collect(),
                ),
            }
        });
    assert!(outcome.lookups <= 11, "{} lookups", outcome.lookups);
    assert!(outcome.void_lookups <= 3, "{} void lookups", outcome.void_lookups);
    if outcome.lookups == 11 || outcome.void_lookups == 3 {
        assert_eq!(outcome.result, SpfResult::PermError);
    }
    assert_eq!(outcome.explanation.is_some(), outcome.result == SpfResult::Fail);
});
