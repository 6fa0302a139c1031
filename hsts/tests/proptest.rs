//! Properties: the canonical form round-trips, parsing never panics, the first field
//! counts, the store never exceeds its bound and curl's file round-trips.

use hostkit_hsts::{
    Entry, ParseOptions, Policy, Store, format_curl_time, parse, parse_bytes, parse_curl_time,
    parse_first, preload_check,
};
use proptest::prelude::*;

fn policy() -> impl Strategy<Value = Policy> {
    (any::<u64>(), any::<bool>(), any::<bool>()).prop_map(|(age, isd, preload)| {
        let mut p = Policy::this_host_only(age);
        p.include_subdomains = isd;
        p.preload = preload;
        p
    })
}

/// Header-ish text: directives made of the characters that matter.
fn header_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("max-age".to_string()),
            Just("includeSubDomains".to_string()),
            Just("preload".to_string()),
            Just("=".to_string()),
            Just(";".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just(" ".to_string()),
            "[0-9]{1,25}",
            "[a-zA-Z-]{1,8}",
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn canonical_form_round_trips(p in policy()) {
        let text = p.to_string();
        let parsed = parse(&text).unwrap();
        prop_assert_eq!(parsed.policy, p);
        prop_assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn parsed_values_round_trip(text in header_text()) {
        // The warning-free path (FromStr) agrees with the full parse.
        prop_assert_eq!(text.parse::<Policy>(), parse(&text).map(|p| p.policy));
        if let Ok(parsed) = parse(&text) {
            let again = parse(&parsed.policy.to_string()).unwrap();
            prop_assert_eq!(again.policy, parsed.policy);
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_bytes(&bytes, &ParseOptions::new().max_age_cap(1));
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = preload_check(s);
            let mut store = Store::with_capacity(4);
            let _ = store.record_header(s, s, 0);
            let _ = store.must_upgrade(s, 0);
            let _ = store.load_curl_cache(s, 0);
        }
    }

    #[test]
    fn first_field_counts(a in header_text(), b in header_text()) {
        let first = parse_first([a.as_bytes(), b.as_bytes()], &ParseOptions::new());
        prop_assert_eq!(first, parse(&a));
    }

    #[test]
    fn cap_never_exceeded(text in header_text(), cap in any::<u64>()) {
        if let Ok(p) = hostkit_hsts::parse_with(&text, &ParseOptions::new().max_age_cap(cap)) {
            prop_assert!(p.policy.max_age <= cap);
        }
    }

    #[test]
    fn store_stays_bounded(ops in proptest::collection::vec((0u8..40, any::<u16>(), any::<bool>()), 0..200)) {
        let mut store = Store::with_capacity(16);
        for (host, age, isd) in ops {
            let mut p = Policy::this_host_only(u64::from(age));
            p.include_subdomains = isd;
            store.record(&format!("h{host}.example"), &p, 0).unwrap();
            prop_assert!(store.len() <= 16);
        }
    }

    #[test]
    fn curl_file_round_trips(entries in proptest::collection::vec(("[a-z]{1,10}(\\.[a-z0-9]{1,5}){0,2}", any::<bool>(), 1u64..300_000_000_000), 0..20)) {
        let mut store = Store::new();
        for (host, isd, expires) in &entries {
            store.insert(host, Entry { include_subdomains: *isd, expires: *expires }).unwrap();
        }
        let file = store.to_curl_cache(0);
        let mut back = Store::new();
        back.load_curl_cache(&file, 0).unwrap();
        prop_assert_eq!(back.to_curl_cache(0), file);
        for (name, entry) in store.iter() {
            let got = back.get(name).unwrap();
            prop_assert_eq!(got.include_subdomains, entry.include_subdomains);
            let want = if entry.expires > hostkit_hsts::CURL_TIME_MAX { u64::MAX } else { entry.expires };
            prop_assert_eq!(got.expires, want);
        }
    }

    #[test]
    fn curl_time_round_trips(t in 0u64..=hostkit_hsts::CURL_TIME_MAX) {
        prop_assert_eq!(parse_curl_time(&format_curl_time(t)), Some(t));
    }
}
