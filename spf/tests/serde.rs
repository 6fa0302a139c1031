//! serde round trips, and deserializing refuses what parsing refuses.
#![cfg(feature = "serde")]

use hostkit_spf::{MacroString, Record};

#[test]
fn records_round_trip_through_json() {
    for text in [
        "v=spf1 include:_spf.example.com a:%{d}.mx.example/24 ptr -all",
        "v=spf1 mx//64 exists:%{i}.bl.example redirect=_spf.example.net",
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 exp=explain.%{d} foo=%{c}bar ~all",
    ] {
        let r: Record = text.parse().unwrap();
        let json = serde_json::to_string(&r).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r, "{json}");
        assert_eq!(back.to_string(), r.to_string());
    }
}

/// Swap the first occurrence of `from` in the JSON of `record` for `to` and read it back.
fn tampered(record: &str, from: &str, to: &str) -> Result<Record, serde_json::Error> {
    let r: Record = record.parse().unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains(from), "{json}");
    serde_json::from_str(&json.replacen(from, to, 1))
}

#[test]
fn each_position_checks_its_grammar() {
    // a domain-spec may not hold a space, end in a numeric label, or use `c`
    assert!(tampered("v=spf1 include:a.example -all", "a.example", "a example").is_err());
    assert!(tampered("v=spf1 include:a.example -all", "a.example", "a.123").is_err());
    assert!(tampered("v=spf1 exists:a.example -all", "a.example", "%{c}.example").is_err());
    assert!(tampered("v=spf1 a:a.example -all", "a.example", "%{z}.example").is_err());
    assert!(tampered("v=spf1 mx:a.example -all", "a.example", "a.example ").is_err());
    assert!(tampered("v=spf1 ptr:a.example -all", "a.example", "%").is_err());
    assert!(tampered("v=spf1 redirect=a.example", "a.example", "bad domain").is_err());
    // an unknown modifier's value may use any letter, but no space
    assert!(tampered("v=spf1 foo=x -all", "\"x\"", "\"%{c}\"").is_ok());
    assert!(tampered("v=spf1 foo=x -all", "\"x\"", "\"x y\"").is_err());
    // the same edit that stays in the grammar is accepted
    assert!(tampered("v=spf1 include:a.example -all", "a.example", "b.example").is_ok());
}

#[test]
fn a_record_keeps_its_modifiers_single() {
    let r: Record = "v=spf1 redirect=a.example".parse().unwrap();
    let json = serde_json::to_string(&r).unwrap();
    let start = json.find("[").unwrap() + 1;
    let end = json.rfind("]").unwrap();
    let term = &json[start..end];
    let doubled = format!("{}{term},{term}{}", &json[..start], &json[end..]);
    let err = serde_json::from_str::<Record>(&doubled).unwrap_err();
    assert!(err.to_string().contains("more than once"), "{err}");
}

#[test]
fn a_macro_string_alone_is_checked_as_explanation_text() {
    let m: MacroString = serde_json::from_str("\"%{i} is not allowed by %{d}\"").unwrap();
    assert_eq!(m.as_str(), "%{i} is not allowed by %{d}");
    assert!(serde_json::from_str::<MacroString>("\"%{x}\"").is_err());
    assert!(serde_json::from_str::<MacroString>("\"trailing %\"").is_err());
    assert!(serde_json::from_str::<MacroString>("\"caf\u{e9}\"").is_err());
}
