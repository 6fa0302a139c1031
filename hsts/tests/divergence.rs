//! Inputs on which Chromium, Firefox and curl disagree, with what each does and what
//! this crate does. The README's table is this table; a test keeps them in step.

use hostkit_hsts::{CHROMIUM_MAX_AGE_CAP, ParseOptions, Policy, Store, parse, parse_with};

/// What a header value comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Invalid,
    /// max-age, includeSubDomains.
    Valid(u64, bool),
}
use Outcome::{Invalid, Valid};

struct Case {
    input: &'static str,
    /// As documented from their sources and tests; shown when our answer changes.
    chromium: &'static str,
    firefox: &'static str,
    curl: &'static str,
    ours: Outcome,
}

const CASES: &[Case] = &[
    Case {
        input: "max-age=\"123\"",
        chromium: "123",
        firefox: "123",
        curl: "123",
        ours: Valid(123, false),
    },
    Case {
        input: "max-age = 123",
        chromium: "valid",
        firefox: "valid",
        curl: "invalid (space before '=')",
        ours: Valid(123, false),
    },
    Case {
        input: "max-age=+1",
        chromium: "invalid",
        firefox: "invalid",
        curl: "-",
        ours: Invalid,
    },
    Case {
        input: "max-age=99999999999999999999",
        chromium: "clamped to 31536000",
        firefox: "invalid",
        curl: "unlimited",
        ours: Valid(u64::MAX, false),
    },
    Case {
        input: "max-age=31536\"",
        chromium: "invalid",
        firefox: "invalid",
        curl: "valid",
        ours: Invalid,
    },
    Case {
        input: "max-age=\"123",
        chromium: "invalid",
        firefox: "invalid",
        curl: "invalid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; includeSubDomains=true",
        chromium: "invalid",
        firefox: "invalid",
        curl: "includeSubDomains set",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; includeSubDomainsX",
        chromium: "not set",
        firefox: "not set",
        curl: "set",
        ours: Valid(1, false),
    },
    Case {
        input: "max-age=1; in\"cludeSubDomains",
        chromium: "invalid",
        firefox: "-",
        curl: "valid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; unknown=",
        chromium: "invalid",
        firefox: "-",
        curl: "valid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; =2",
        chromium: "invalid",
        firefox: "-",
        curl: "valid",
        ours: Invalid,
    },
    Case {
        input: "max-age=100; foo=\"a;max-age=5\"",
        chromium: "valid, 100",
        firefox: "valid, 100",
        curl: "invalid",
        ours: Valid(100, false),
    },
    Case {
        input: "max-age=1; max-age=1",
        chromium: "invalid",
        firefox: "invalid",
        curl: "invalid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; includeSubDomains; includeSubDomains",
        chromium: "invalid",
        firefox: "invalid",
        curl: "invalid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; preload; preload",
        chromium: "valid",
        firefox: "valid",
        curl: "valid",
        ours: Invalid,
    },
    Case {
        input: "max-age=1; a=1; a=1",
        chromium: "valid",
        firefox: "valid",
        curl: "valid",
        ours: Valid(1, false),
    },
    Case {
        input: "max-age=1;",
        chromium: "valid",
        firefox: "valid",
        curl: "valid",
        ours: Valid(1, false),
    },
    Case {
        input: "max-age=1;\r\n includeSubDomains",
        chromium: "-",
        firefox: "accepted",
        curl: "-",
        ours: Invalid,
    },
];

fn ours(input: &str) -> Outcome {
    match parse(input) {
        Ok(p) => Valid(p.policy.max_age, p.policy.include_subdomains),
        Err(_) => Invalid,
    }
}

#[test]
fn this_crate_does_what_the_table_says() {
    for case in CASES {
        assert_eq!(
            ours(case.input),
            case.ours,
            "{:?} (chromium: {}, firefox: {}, curl: {})",
            case.input,
            case.chromium,
            case.firefox,
            case.curl
        );
    }
}

#[test]
fn the_readme_table_lists_every_case() {
    let readme = include_str!("../README.md");
    for case in CASES {
        if case.input.contains('\r') {
            assert!(readme.contains("folded line"));
            continue;
        }
        let shown = case.input.replace('|', "\\|");
        assert!(
            readme.contains(&format!("`{shown}`")) || readme.contains(&shown),
            "README lacks {:?}",
            case.input
        );
    }
}

#[test]
fn chromium_cap_is_an_option() {
    let capped = parse_with(
        "max-age=99999999999999999999",
        &ParseOptions::new().max_age_cap(CHROMIUM_MAX_AGE_CAP),
    )
    .unwrap();
    assert_eq!(capped.policy.max_age, 31_536_000);
}

#[test]
fn removal_does_not_undo_a_preload_entry() {
    let mut store = Store::new();
    store.add_preload("example.com", true).unwrap();
    store
        .record("example.com", &Policy::including_subdomains(100), 0)
        .unwrap();
    store.record("example.com", &Policy::removal(), 1).unwrap();
    assert!(store.must_upgrade("example.com", 2));
    assert!(store.must_upgrade("a.example.com", 2));
}

#[test]
fn eviction_when_full_drops_the_soonest_expiry() {
    let mut store = Store::with_capacity(3);
    for (host, age) in [("a.test", 30), ("b.test", 10), ("c.test", 20)] {
        store.record(host, &Policy::this_host_only(age), 0).unwrap();
    }
    store
        .record("d.test", &Policy::this_host_only(5), 0)
        .unwrap();
    assert!(!store.must_upgrade("b.test", 1));
    for host in ["a.test", "c.test", "d.test"] {
        assert!(store.must_upgrade(host, 1), "{host}");
    }
}
