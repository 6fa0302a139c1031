//! Round trips, byte preservation and no panics on arbitrary input.

use hostkit_caa::{Answer, Caa, CaaRef, Discovery, IssueValue, Request, Step, Target};
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]{1,40}"
}

fn record() -> impl Strategy<Value = Caa> {
    (
        any::<u8>(),
        tag(),
        prop::collection::vec(any::<u8>(), 0..600),
    )
        .prop_map(|(f, t, v)| Caa::new(f, &t, v).expect("valid parts"))
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?"
}

fn wsp() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

prop_compose! {
    fn issue_value()(
        issuer in prop::option::of(prop::collection::vec(label(), 1..4)),
        params in prop::collection::vec((label(), "[!-:<-~]{0,12}"), 0..4),
        w in prop::collection::vec(wsp(), 8),
        semi in any::<bool>(),
    ) -> (String, Option<String>, Vec<(String, String)>) {
        let issuer = issuer.map(|l| l.join("."));
        let mut s = w[0].clone();
        if let Some(i) = &issuer {
            s.push_str(i);
            s.push_str(&w[1]);
        }
        if semi || !params.is_empty() {
            s.push(';');
            s.push_str(&w[2]);
            for (n, (t, v)) in params.iter().enumerate() {
                if n > 0 {
                    s.push_str(&w[3]);
                    s.push(';');
                    s.push_str(&w[4]);
                }
                s.push_str(t);
                s.push_str(&w[5]);
                s.push('=');
                s.push_str(&w[6]);
                s.push_str(v);
            }
            s.push_str(&w[7]);
        }
        (s, issuer, params)
    }
}

proptest! {
    #[test]
    fn wire_round_trip(r in record()) {
        let wire = r.to_wire();
        prop_assert_eq!(wire.len(), r.encoded_len());
        let v = CaaRef::decode(&wire).unwrap();
        prop_assert_eq!(v.to_wire(), wire.clone());
        prop_assert_eq!(v.into_owned(), r);
    }

    #[test]
    fn text_round_trip(r in record()) {
        let text = r.to_string();
        let back: Caa = text.parse().unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn decode_never_panics_and_preserves(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(v) = CaaRef::decode(&bytes) {
            prop_assert_eq!(v.to_wire(), bytes.clone());
            let again: Caa = v.to_string().parse().unwrap();
            prop_assert_eq!(again.to_wire(), bytes.clone());
            let _ = v.property();
            let _ = Request::new(&["ca.example"], Target::Wildcard).decide([v]);
        }
    }

    #[test]
    fn text_parse_never_panics(s in "\\PC{0,80}", raw in prop::collection::vec(any::<u8>(), 0..80)) {
        for input in [s.as_bytes(), &raw] {
            if let Ok(r) = Caa::parse_bytes(input) {
                let again: Caa = r.to_string().parse().unwrap();
                prop_assert_eq!(again, r);
            }
        }
    }

    #[test]
    fn generated_issue_values_parse((text, issuer, params) in issue_value()) {
        let v = IssueValue::parse(text.as_bytes());
        prop_assert!(v.is_well_formed(), "{:?}: {:?}", text, v.malformed());
        prop_assert_eq!(v.issuer(), issuer.as_deref());
        let got: Vec<(String, String)> =
            v.parameters().map(|p| (p.tag.to_owned(), p.value.to_owned())).collect();
        prop_assert_eq!(got, params);
    }

    #[test]
    fn issue_value_never_panics(raw in prop::collection::vec(any::<u8>(), 0..80)) {
        let v = IssueValue::parse(&raw);
        prop_assert_eq!(v.is_well_formed(), v.malformed().is_none());
        let _ = v.parameters().count();
    }

    #[test]
    fn discovery_always_ends(
        name in "[a-z]{1,5}(\\.[a-z]{1,5}){0,5}",
        answers in prop::collection::vec(0u8..6, 1..40),
    ) {
        let mut d = Discovery::new(&name).unwrap();
        let mut steps = 0;
        let mut it = answers.iter().cycle();
        while let Step::Query(q) = d.step() {
            let q = q.to_owned();
            let a = match it.next().copied().unwrap_or(0) {
                0 => Answer::NxDomain,
                1 => Answer::NoData,
                2 => Answer::Cname(format!("x.{q}")),
                3 => Answer::Dname { owner: q.clone(), target: "t.example".into() },
                4 => Answer::Cname("target.example".into()),
                _ => Answer::Records(vec!["0 issue \";\"".parse().unwrap()]),
            };
            d.answer(a);
            steps += 1;
            prop_assert!(steps < 7 * (hostkit_caa::MAX_ALIASES + 2));
        }
    }
}
