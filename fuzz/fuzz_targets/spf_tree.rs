//! The tree walker and flattening on random zones: they never panic, the walk asks
//! each question once and ends, and a flattening that succeeds needs at most 10
//! lookups and writes records that parse and fit the maximum length.
#![no_main]

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use hostkit_spf::{Answer, FlattenOptions, QueryType, Record, TreeWalker, flatten};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "example.com",
    "a.example.com",
    "b.example.com",
    "mx.example.com",
    "c.example.net",
    "nx.example.com",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, body) = data.split_at(8);
    let texts: Vec<&[u8]> = body.split(|&b| b == b'\n').take(NAMES.len()).collect();
    let mut asked = HashSet::new();
    let tree = TreeWalker::new("example.com").run(|q| {
        assert!(asked.insert((q.name.clone(), q.qtype)), "asked twice: {q}");
        let salt = head[(asked.len() % 7) + 1];
        let idx = NAMES.iter().position(|n| *n == q.name);
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
            assert!(r.value.parse::<Record>().is_ok(), "{} does not parse", r.value);
        }
    }
});
