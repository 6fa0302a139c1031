//! Properties of the resumable evaluator on random zones: the outcome does not
//! depend on the order answers arrive in, nor on whether every listed question is
//! answered at once; the stepped machine equals the one-shot `run`; the limits of
//! RFC 7208 section 4.6.4 hold on every path; wrong answers are refused.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hostkit_spf::{
    Answer, ErrorKind, Evaluator, Limits, Outcome, Problem, Query, QueryType, SpfResult, Step,
};
use proptest::prelude::*;

/// The names a generated zone uses.
const NAMES: [&str; 6] = [
    "example.com",
    "d1.example.com",
    "d2.example.com",
    "d3.example.com",
    "d4.example.com",
    "d5.example.com",
];

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES.to_vec())
}

fn term() -> impl Strategy<Value = String> {
    prop_oneof![
        name().prop_map(|n| format!("include:{n}")),
        name().prop_map(|n| format!("a:{n}")),
        name().prop_map(|n| format!("a:{n}/24")),
        name().prop_map(|n| format!("mx:{n}")),
        name().prop_map(|n| format!("-exists:{n}")),
        name().prop_map(|n| format!("~ptr:{n}")),
        Just("a".to_string()),
        Just("mx//64".to_string()),
        Just("ptr".to_string()),
        Just("exists:%{ir}.%{v}.d1.example.com".to_string()),
        Just("a:%{p}".to_string()),
        (0u8..8).prop_map(|b| format!("ip4:192.0.2.{b}/30")),
        Just("?ip6:2001:db8::/64".to_string()),
    ]
}

fn record() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(term(), 0..7),
        prop::option::of(prop::sample::select(vec!["-all", "~all", "?all", "+all"])),
        prop::option::of(name()),
        any::<bool>(),
    )
        .prop_map(|(terms, all, redirect, exp)| {
            let mut r = String::from("v=spf1");
            for t in terms {
                r.push(' ');
                r.push_str(&t);
            }
            if let Some(a) = all {
                r.push(' ');
                r.push_str(a);
            }
            if let Some(n) = redirect {
                r.push_str(" redirect=");
                r.push_str(n);
            }
            if exp {
                r.push_str(" exp=why.%{d}");
            }
            r
        })
}

/// What one name holds for one type.
fn answer_for(qtype: QueryType) -> BoxedStrategy<Answer> {
    let nx = prop_oneof![
        Just(Answer::NxDomain),
        Just(Answer::NoData),
        Just(Answer::TempError)
    ];
    match qtype {
        QueryType::Txt => unreachable!("TXT answers are built from records"),
        QueryType::A => prop_oneof![
            3 => prop::collection::vec(0u8..8, 1..3).prop_map(|v| Answer::A(v.into_iter().map(|b| Ipv4Addr::new(192, 0, 2, b)).collect())),
            1 => nx,
        ]
        .boxed(),
        QueryType::Aaaa => prop_oneof![
            2 => prop::collection::vec(0u16..4, 1..3).prop_map(|v| Answer::Aaaa(v.into_iter().map(|b| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, b)).collect())),
            1 => nx,
        ]
        .boxed(),
        QueryType::Mx => prop_oneof![
            3 => (0usize..13, 0u16..3).prop_map(|(n, pr)| Answer::Mx((0..n).map(|i| (pr + (i as u16 % 3), format!("m{}.example.com", i % 7))).collect())),
            1 => nx,
        ]
        .boxed(),
        QueryType::Ptr => prop_oneof![
            3 => prop::collection::vec(name(), 1..4).prop_map(|v| Answer::Ptr(v.into_iter().map(str::to_owned).collect())),
            1 => nx,
        ]
        .boxed(),
    }
}

#[derive(Debug, Clone)]
struct Zone {
    answers: HashMap<Query, Answer>,
}

impl Zone {
    fn answer(&self, q: &Query) -> Answer {
        self.answers.get(q).cloned().unwrap_or(Answer::NxDomain)
    }
}

fn q(name: &str, qtype: QueryType) -> Query {
    Query {
        name: name.to_owned(),
        qtype,
    }
}

fn zone() -> impl Strategy<Value = Zone> {
    let hosts: Vec<String> = NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .chain((0..7).map(|i| format!("m{i}.example.com")))
        .collect();
    let n = hosts.len();
    (
        prop::collection::vec(prop::option::of(record()), NAMES.len()),
        prop::collection::vec(answer_for(QueryType::A), n),
        prop::collection::vec(answer_for(QueryType::Aaaa), n),
        prop::collection::vec(answer_for(QueryType::Mx), NAMES.len()),
        answer_for(QueryType::Ptr),
        answer_for(QueryType::Ptr),
        any::<bool>(),
    )
        .prop_map(move |(txt, a, aaaa, mx, ptr4, ptr6, two)| {
            let mut answers = HashMap::new();
            for (name, t) in NAMES.iter().zip(txt) {
                let a = match t {
                    Some(r) if two && *name == "d5.example.com" => Answer::Txt(vec![
                        vec![r.clone().into_bytes()],
                        vec![b"v=spf1 -all".to_vec()],
                    ]),
                    Some(r) => Answer::Txt(vec![vec![r.into_bytes()]]),
                    None => Answer::NxDomain,
                };
                answers.insert(q(name, QueryType::Txt), a);
                answers.insert(
                    q(&format!("why.{name}"), QueryType::Txt),
                    Answer::Txt(vec![vec![b"%{i} may not send for %{d}".to_vec()]]),
                );
            }
            for (h, (a, aaaa)) in hosts.iter().zip(a.into_iter().zip(aaaa)) {
                answers.insert(q(h, QueryType::A), a);
                answers.insert(q(h, QueryType::Aaaa), aaaa);
            }
            for (name, m) in NAMES.iter().zip(mx) {
                answers.insert(q(name, QueryType::Mx), m);
            }
            for b in 0u8..8 {
                answers.insert(
                    q(&format!("{b}.2.0.192.in-addr.arpa"), QueryType::Ptr),
                    ptr4.clone(),
                );
            }
            answers.insert(
                q(
                    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                    QueryType::Ptr,
                ),
                ptr6,
            );
            Zone { answers }
        })
}

fn client() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u8..8).prop_map(|b| IpAddr::V4(Ipv4Addr::new(192, 0, 2, b))),
        Just(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))),
    ]
}

fn evaluator(ip: IpAddr) -> Evaluator {
    Evaluator::check_host(ip, "example.com", "alice@example.com").helo("mail.example.org")
}

/// Drive the machine answering the listed questions in an order picked by `seed`:
/// either one question at a time among those listed, or every listed question at
/// once, shuffled. Returns the outcome and the largest number of questions listed
/// at one time.
fn stepped(mut ev: Evaluator, zone: &Zone, mut seed: u64, all_at_once: bool) -> (Outcome, usize) {
    let mut widest = 0;
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 1000, "the machine keeps asking");
        let mut qs = match ev.step() {
            Step::Done(o) => return (o.clone(), widest),
            Step::Queries(qs) => qs.to_vec(),
        };
        assert!(!qs.is_empty(), "a running machine lists its questions");
        widest = widest.max(qs.len());
        // A Fisher-Yates shuffle driven by a small linear congruential generator.
        for i in (1..qs.len()).rev() {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            qs.swap(i, (seed >> 33) as usize % (i + 1));
        }
        let take = if all_at_once { qs.len() } else { 1 };
        for q in qs.into_iter().take(take) {
            let a = zone.answer(&q);
            ev.answer(&q, a)
                .expect("every listed question is answerable, even once moot");
        }
    }
}

/// The outcome with the count of answers taken, which legitimately depends on the
/// driver, blanked.
fn comparable(mut o: Outcome) -> Outcome {
    o.queries = 0;
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn any_answer_order_gives_the_same_outcome(zone in zone(), ip in client(), seed in any::<u64>()) {
        let one_shot = evaluator(ip).run(|q| zone.answer(q));
        let (one_by_one, _) = stepped(evaluator(ip), &zone, seed, false);
        let (all_at_once, widest) = stepped(evaluator(ip), &zone, seed, true);
        prop_assert_eq!(comparable(one_by_one), comparable(one_shot.clone()));
        prop_assert_eq!(comparable(all_at_once), comparable(one_shot.clone()));
        // Questions listed together are one mx's exchanges or the PTR names.
        prop_assert!(widest <= 10, "{} questions at once", widest);
    }

    #[test]
    fn limits_hold_on_every_path(zone in zone(), ip in client(), seed in any::<u64>(), lookups in 1usize..12, voids in 0usize..4) {
        let limits = Limits { lookups, void_lookups: voids, ..Limits::default() };
        let (o, _) = stepped(evaluator(ip).limits(limits), &zone, seed, seed & 1 == 0);
        prop_assert!(o.lookups <= lookups + 1, "{} lookups, limit {}", o.lookups, lookups);
        prop_assert!(o.void_lookups <= voids + 1, "{} voids, limit {}", o.void_lookups, voids);
        if o.lookups > lookups {
            let too_many = matches!(o.problem, Some(Problem::TooManyLookups { .. }));
            prop_assert!(too_many, "{:?}", o.problem);
        }
        if o.void_lookups > voids {
            let too_many = matches!(o.problem, Some(Problem::TooManyVoidLookups { .. }));
            prop_assert!(too_many, "{:?}", o.problem);
        }
        if let Some(p) = &o.problem {
            prop_assert_eq!(p.result(), o.result);
        }
        prop_assert_eq!(o.explanation.is_some(), o.result == SpfResult::Fail);
        prop_assert_eq!(o.mechanism.clone(), o.directive.as_ref().map(ToString::to_string));
        // Each DNS term asks at most 1 + 10 questions, the PTR validation 1 + 10,
        // the explanation 1, and the checked domain's record 1.
        prop_assert!(o.queries <= 1 + (lookups + 1) * 11 + 11 + 1, "{} queries", o.queries);
    }

    #[test]
    fn wrong_answers_are_refused(zone in zone(), ip in client(), which in 0usize..NAMES.len()) {
        let mut ev = evaluator(ip);
        let Step::Queries(qs) = ev.step() else { unreachable!("example.com is a valid domain") };
        prop_assert_eq!(qs.to_vec(), vec![q("example.com", QueryType::Txt)]);
        let stranger = q(NAMES[which], QueryType::Mx);
        let err = ev.answer(&stranger, Answer::NoData).expect_err("never asked");
        prop_assert_eq!(err.kind, ErrorKind::UnexpectedAnswer);
        let first = q("example.com", QueryType::Txt);
        ev.answer(&first, zone.answer(&first)).expect("asked");
        let err = ev.answer(&first, zone.answer(&first)).expect_err("answered already");
        prop_assert_eq!(err.kind, ErrorKind::UnexpectedAnswer);
        // The refused answers changed nothing.
        let (o, _) = stepped(ev, &zone, 7, false);
        prop_assert_eq!(comparable(o), comparable(evaluator(ip).run(|q| zone.answer(q))));
    }
}

/// Ten `mx` hosts are listed together, and the match is the one of the host first in
/// preference order even when a later host's answer comes first.
#[test]
fn mx_hosts_are_asked_together_and_matched_in_order() {
    let mut zone = Zone {
        answers: HashMap::new(),
    };
    zone.answers.insert(
        q("example.com", QueryType::Txt),
        Answer::Txt(vec![vec![b"v=spf1 mx/30 -all".to_vec()]]),
    );
    zone.answers.insert(
        q("example.com", QueryType::Mx),
        Answer::Mx(
            (0..10)
                .map(|i| (10 - i, format!("m{i}.example.com")))
                .collect(),
        ),
    );
    for i in 0..10u8 {
        zone.answers.insert(
            q(&format!("m{i}.example.com"), QueryType::A),
            Answer::A(vec![Ipv4Addr::new(192, 0, 2, i)]),
        );
    }
    let mut ev =
        Evaluator::check_host("192.0.2.5".parse().unwrap(), "example.com", "a@example.com");
    for _ in 0..2 {
        let Step::Queries(qs) = ev.step() else {
            panic!("done too early")
        };
        let q = qs[0].clone();
        let a = zone.answer(&q);
        ev.answer(&q, a).unwrap();
    }
    let Step::Queries(qs) = ev.step() else {
        panic!("done too early")
    };
    let mut qs = qs.to_vec();
    assert_eq!(qs.len(), 10);
    assert_eq!(qs[0], q("m9.example.com", QueryType::A), "preference order");
    // Answer the last-preferred first: nothing is decided until every exchange
    // before the matching one has answered.
    qs.reverse();
    for q in qs {
        let a = zone.answer(&q);
        ev.answer(&q, a).unwrap();
    }
    let o = ev.outcome().expect("done");
    // m9 (192.0.2.8/30) and m8 do not hold .5; m7 (192.0.2.4/30) does, and decides
    // although m6 to m0, which hold it too or not, answered before it.
    assert_eq!(o.result, SpfResult::Pass);
    assert_eq!(o.mechanism.as_deref(), Some("mx/30"));
    assert_eq!(o.queries, 12);
}

/// The lookups made to find an explanation (here the `p` macro's PTR validation)
/// are not the record's: they count neither as DNS terms nor as void lookups.
#[test]
fn explanation_lookups_count_against_no_limit() {
    let mut zone = Zone {
        answers: HashMap::new(),
    };
    zone.answers.insert(
        q("example.com", QueryType::Txt),
        Answer::Txt(vec![vec![b"v=spf1 -all exp=%{p}.example.com".to_vec()]]),
    );
    let strict = Limits {
        void_lookups: 0,
        ..Limits::default()
    };
    let o = evaluator("192.0.2.10".parse().unwrap())
        .limits(strict)
        .run(|q| zone.answer(q));
    assert_eq!(o.result, SpfResult::Fail, "{o:?}");
    assert_eq!((o.lookups, o.void_lookups), (0, 0), "{o:?}");
    assert!(o.problem.is_none(), "{o:?}");
    // The PTR question was asked: the validation did run.
    assert!(o.queries >= 2, "{o:?}");
    assert!(o.explanation.is_some());
}
