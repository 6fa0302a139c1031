//! Properties: generated records survive print-then-parse, hostile text never panics,
//! TXT chunking does not change the selected record, and the evaluator always ends
//! within the limits.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{
    Answer, Directive, DualCidr, Evaluator, MacroString, Mechanism, Modifier, Qualifier, QueryType,
    Record, Selected, Term, select_record,
};
use proptest::prelude::*;

fn domain_spec() -> impl Strategy<Value = MacroString> {
    let label = "[a-z0-9][a-z0-9-]{0,8}[a-z0-9]";
    let top = "[a-z][a-z0-9]{0,5}";
    let mac = prop::sample::select(vec![
        "%{d}", "%{i}", "%{ir}", "%{l1r-}", "%{o2}", "%{S}", "%{v}", "%{h}", "%{d2r+=}", "%%", "%_",
    ]);
    (
        prop::option::of(mac.clone()),
        prop::collection::vec(label, 0..3),
        top,
        any::<bool>(),
        prop::option::of(mac),
    )
        .prop_map(|(pre, labels, top, dot, tail)| {
            let mut s = String::new();
            if let Some(p) = pre {
                s.push_str(p);
                s.push('.');
            }
            for l in labels {
                s.push_str(&l);
                s.push('.');
            }
            match tail {
                Some(t) if !t.starts_with("%%") && !t.starts_with("%_") => {
                    s.push_str(t);
                }
                _ => {
                    s.push_str(&top);
                    s.push('.');
                    s.push_str(&top);
                    if dot {
                        s.push('.');
                    }
                }
            }
            MacroString::domain_spec(&s).unwrap_or_else(|e| panic!("generated {s:?}: {e}"))
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop::sample::select(vec![
        Qualifier::Pass,
        Qualifier::Fail,
        Qualifier::SoftFail,
        Qualifier::Neutral,
    ])
}

fn cidr() -> impl Strategy<Value = DualCidr> {
    (prop::option::of(0u8..=32), prop::option::of(0u8..=128))
        .prop_map(|(v4, v6)| DualCidr { v4, v6 })
}

fn mechanism() -> impl Strategy<Value = Mechanism> {
    prop_oneof![
        Just(Mechanism::All),
        domain_spec().prop_map(Mechanism::Include),
        domain_spec().prop_map(Mechanism::Exists),
        (prop::option::of(domain_spec()), cidr())
            .prop_map(|(domain, cidr)| Mechanism::A { domain, cidr }),
        (prop::option::of(domain_spec()), cidr())
            .prop_map(|(domain, cidr)| Mechanism::Mx { domain, cidr }),
        prop::option::of(domain_spec()).prop_map(Mechanism::Ptr),
        (any::<u32>(), prop::option::of(0u8..=32)).prop_map(|(a, prefix)| Mechanism::Ip4 {
            addr: Ipv4Addr::from(a),
            prefix
        }),
        (any::<u128>(), prop::option::of(0u8..=128)).prop_map(|(a, prefix)| Mechanism::Ip6 {
            addr: Ipv6Addr::from(a),
            prefix
        }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        prop::collection::vec((qualifier(), mechanism()), 0..12),
        prop::option::of(domain_spec()),
        prop::option::of(domain_spec()),
        prop::collection::vec(("[a-z][a-z0-9._-]{0,6}", "[!-$&-~]{0,10}"), 0..2),
    )
        .prop_map(|(dirs, redirect, exp, unknown)| {
            let mut terms: Vec<Term> = dirs
                .into_iter()
                .map(|(qualifier, mechanism)| {
                    Term::Directive(Directive {
                        qualifier,
                        mechanism,
                    })
                })
                .collect();
            if let Some(r) = redirect {
                terms.push(Term::Modifier(Modifier::Redirect(r)));
            }
            if let Some(e) = exp {
                terms.insert(0, Term::Modifier(Modifier::Exp(e)));
            }
            for (name, value) in unknown {
                if name.eq_ignore_ascii_case("redirect") || name.eq_ignore_ascii_case("exp") {
                    continue;
                }
                let text = format!("v=spf1 {name}={value}");
                if let Ok(r) = text.parse::<Record>() {
                    terms.extend(r.terms().iter().cloned());
                }
            }
            Record::from_terms(terms).expect("at most one redirect and one exp")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_records_parse_back(r in record()) {
        let text = r.to_string();
        let back: Record = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, r);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}", tail in "[ -~]{0,60}") {
        let _ = s.parse::<Record>();
        let _ = format!("v=spf1 {tail}").parse::<Record>();
        let _ = format!("v=spf1 {s}").parse::<Record>();
    }

    #[test]
    fn arbitrary_bytes_select_without_panic(rrs in prop::collection::vec(prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..3), 0..4)) {
        let _ = select_record(rrs);
    }

    #[test]
    fn chunking_does_not_change_the_selection(r in record(), cut in any::<prop::sample::Index>()) {
        let text = r.to_string().into_bytes();
        let at = cut.index(text.len() + 1);
        let whole = select_record([vec![text.clone()]]);
        let split = select_record([vec![text[..at].to_vec(), text[at..].to_vec()]]);
        prop_assert_eq!(&whole, &split);
        prop_assert_eq!(whole, Selected::Record(r));
    }

    #[test]
    fn evaluation_ends_within_the_limits(
        r in record(),
        ip in prop_oneof![any::<u32>().prop_map(|a| IpAddr::V4(a.into())), any::<u128>().prop_map(|a| IpAddr::V6(a.into()))],
        seed in any::<u64>(),
    ) {
        let text = r.to_string();
        let mut n = seed;
        let mut queries = 0usize;
        let outcome = Evaluator::check_host(ip, "example.com", "a@example.com").run(|q| {
            queries += 1;
            n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            match (q.qtype, n >> 61) {
                (QueryType::Txt, _) if q.name == "example.com" => Answer::Txt(vec![vec![text.clone().into_bytes()]]),
                (QueryType::Txt, 0..=2) => Answer::Txt(vec![vec![b"v=spf1 include:example.com mx a ?all".to_vec()]]),
                (_, 0) => Answer::NxDomain,
                (_, 1) => Answer::TempError,
                (QueryType::A, _) => Answer::A(vec![Ipv4Addr::from((n >> 16) as u32)]),
                (QueryType::Mx, _) => Answer::Mx((0..(n >> 58)).map(|i| (i as u16, format!("mx{i}.example.com"))).collect()),
                (QueryType::Ptr, _) => Answer::Ptr(vec!["mail.example.com".into()]),
                _ => Answer::NoData,
            }
        });
        prop_assert!(outcome.lookups <= 11, "lookups {}", outcome.lookups);
        prop_assert!(outcome.void_lookups <= 3);
        prop_assert!(queries < 200, "queries {}", queries);
    }
}

fn ip6_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u128>().prop_map(|a| Ipv6Addr::from(a).to_string()),
        any::<u32>().prop_map(|a| format!("::ffff:{}", Ipv4Addr::from(a))),
        "[0-9a-fA-F:.]{0,24}",
        "([0-9a-f]{1,5}:){0,8}[0-9a-f]{0,5}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The record parser reads `ip6:` networks exactly as the standard library reads
    /// IPv6 addresses.
    #[test]
    fn ip6_values_agree_with_std(text in ip6_text()) {
        let ours = format!("v=spf1 ip6:{text}").parse::<Record>().ok().and_then(|r| match r.terms().first() {
            Some(Term::Directive(Directive { mechanism: Mechanism::Ip6 { addr, .. }, .. })) => Some(*addr),
            _ => None,
        });
        prop_assert_eq!(ours, text.parse::<Ipv6Addr>().ok(), "{}", text);
    }
}
