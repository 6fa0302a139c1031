//! CAA: the record readers, the text and wire round trips, and the discovery climb.

use hostkit_caa::{
    Answer, Caa, CaaRef, Discovery, MAX_ALIASES, Outcome, Request, Step, Target, Verdict,
};

/// No input makes the CAA readers panic: wire RDATA, zone text, typed values, decision.
pub fn parse(data: &[u8]) {
    if let Ok(v) = CaaRef::decode(data) {
        let _ = v.property();
        let _ = v.to_string();
        let _ = Request::new(&["ca.example"], Target::Wildcard)
            .method("dns-01")
            .decide([v]);
    }
    if let Ok(r) = Caa::parse_bytes(data) {
        let _ = r.property();
        let _ = r.to_wire();
    }
}

/// Wire -> record -> wire is the identity, and text -> record -> text -> record is
/// stable.
pub fn roundtrip(data: &[u8]) {
    if let Ok(v) = CaaRef::decode(data) {
        assert_eq!(v.to_wire(), data);
        let text = v.to_string();
        let back: Caa = text.parse().expect("printed text reads back");
        assert_eq!(back.to_wire(), data);
        assert_eq!(back.to_string(), text);
    }
    if let Ok(r) = Caa::parse_bytes(data) {
        let text = r.to_string();
        let back: Caa = text.parse().expect("printed text reads back");
        assert_eq!(back, r);
        assert_eq!(Caa::from_wire(&r.to_wire()).as_ref(), Ok(&r));
    }
}

/// Records the climb can be given, from permissive to forbidding.
const SETS: [&str; 6] = [
    "0 issue \"ca.example\"",
    "0 issue \";\"",
    "0 issuewild \"ca.example; validationmethods=dns-01\"",
    "128 tbs \"unknown critical\"",
    "0 issuemail \"ca.example\"",
    "0 iodef \"mailto:caa@example.net\"",
];

/// The climb machine fed arbitrary answers: it asks at most `MAX_ALIASES + 1` questions
/// per name on the climb, then ends; a found set sits at a name of the climb; a climb
/// that ends empty saw no records; the same answers give the same outcome; and a CA
/// request decides from the outcome (a failed climb never permits).
///
/// Input: a name up to the first NUL, then per answer an opcode byte and, for aliases,
/// a length byte and that many bytes of target.
pub fn discovery(data: &[u8]) {
    let (name, mut rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(name) = std::str::from_utf8(name) else {
        return;
    };
    let Ok(mut d) = Discovery::new(name) else {
        return;
    };
    let climb: Vec<String> = d.names().iter().map(|n| n.to_ascii_lowercase()).collect();
    assert!(!climb.is_empty());
    let bound = climb.len() * (MAX_ALIASES + 1) + 1;
    let mut answers = Vec::new();
    loop {
        let asked = match d.step() {
            Step::Done(_) => break,
            Step::Query(q) => q.to_owned(),
        };
        assert!(
            answers.len() < bound,
            "{} questions for {name:?}",
            answers.len()
        );
        let (&op, tail) = rest.split_first().unwrap_or((&1, &[]));
        rest = tail;
        let target = |rest: &mut &[u8]| {
            let (&n, tail) = rest.split_first().unwrap_or((&0, &[]));
            let n = usize::from(n).min(tail.len());
            let (t, tail) = tail.split_at(n);
            *rest = tail;
            String::from_utf8_lossy(t).into_owned()
        };
        let answer = match op % 8 {
            0 => Answer::NoData,
            1 => Answer::NxDomain,
            2 => Answer::ServFail,
            3 => Answer::Cname(target(&mut rest)),
            4 => {
                // a DNAME owned by a parent of the asked name, or by anything
                let owner = match asked.split_once('.') {
                    Some((_, parent)) if op & 0x80 == 0 => parent.to_owned(),
                    _ => target(&mut rest),
                };
                Answer::Dname {
                    owner,
                    target: target(&mut rest),
                }
            }
            5 => Answer::Records(Vec::new()),
            _ => {
                let n = usize::from(op >> 3) % SETS.len() + 1;
                let set = SETS
                    .iter()
                    .cycle()
                    .skip(usize::from(op >> 5))
                    .take(n)
                    .map(|t| t.parse().expect("a valid record"))
                    .collect();
                Answer::Records(set)
            }
        };
        answers.push(answer.clone());
        d.answer(answer);
    }
    let Step::Done(outcome) = d.step() else {
        unreachable!("the loop ends on Done")
    };
    let outcome = outcome.clone();
    // an answer after the end changes nothing
    d.answer(Answer::ServFail);
    assert_eq!(d.outcome(), Some(&outcome));
    match &outcome {
        Outcome::Found {
            relevant_name,
            records,
        } => {
            assert!(!records.is_empty());
            assert!(
                climb.contains(&relevant_name.to_ascii_lowercase()),
                "{relevant_name}"
            );
        }
        Outcome::Empty => assert!(answers.iter().all(|a| !has_records(a))),
        _ => {}
    }
    // replay
    let mut again = Discovery::new(name).expect("it parsed before");
    for a in answers {
        again.answer(a);
    }
    assert_eq!(again.outcome(), Some(&outcome));
    for target in [Target::Name, Target::Wildcard, Target::Email] {
        let decision = Request::new(&["ca.example"], target)
            .method("dns-01")
            .decide_outcome(&outcome);
        if let Outcome::Failed { .. } = outcome {
            assert_eq!(decision.verdict, Verdict::Deny);
        }
        if let Outcome::Empty = outcome {
            assert_eq!(decision.verdict, Verdict::Permit);
        }
    }
}

fn has_records(a: &Answer) -> bool {
    matches!(a, Answer::Records(r) if !r.is_empty())
}
