//! The store against RFC 6797 section 8 and against curl's matching rules.

use hostkit_hsts::{Error, Policy, Recorded, Source, Store};

const NOW: u64 = 1_800_000_000;

#[test]
fn congruent_match_needs_no_include_subdomains() {
    let mut s = Store::new();
    s.record("example.com", &Policy::this_host_only(100), NOW)
        .unwrap();
    assert!(s.must_upgrade("example.com", NOW));
    assert!(s.must_upgrade("EXAMPLE.com.", NOW));
    assert!(!s.must_upgrade("www.example.com", NOW));
}

#[test]
fn superdomain_match_needs_include_subdomains() {
    let mut s = Store::new();
    s.record("example.com", &Policy::including_subdomains(100), NOW)
        .unwrap();
    let m = s.lookup("a.b.example.com", NOW).unwrap();
    assert_eq!(m.name, "example.com");
    assert!(!m.congruent);
    assert_eq!(m.source, Source::Dynamic);
    // Only on a label boundary.
    assert!(!s.must_upgrade("forexample.com", NOW));
    assert!(!s.must_upgrade("com", NOW));
}

#[test]
fn exact_match_comes_first() {
    let mut s = Store::new();
    s.record("example.com", &Policy::including_subdomains(100), NOW)
        .unwrap();
    s.record("www.example.com", &Policy::this_host_only(50), NOW)
        .unwrap();
    let m = s.lookup("www.example.com", NOW).unwrap();
    assert_eq!(m.name, "www.example.com");
    assert!(m.congruent);
    // Once the exact entry expired, the superdomain still covers it.
    let m = s.lookup("www.example.com", NOW + 60).unwrap();
    assert_eq!(m.name, "example.com");
}

#[test]
fn longest_superdomain_with_include_subdomains_wins() {
    let mut s = Store::new();
    s.record("example.com", &Policy::including_subdomains(100), NOW)
        .unwrap();
    s.record("b.example.com", &Policy::this_host_only(100), NOW)
        .unwrap();
    s.record("c.b.example.com", &Policy::including_subdomains(100), NOW)
        .unwrap();
    assert_eq!(
        s.lookup("x.c.b.example.com", NOW).unwrap().name,
        "c.b.example.com"
    );
    // b.example.com lacks includeSubDomains, so x.b.example.com falls to example.com.
    assert_eq!(
        s.lookup("x.b.example.com", NOW).unwrap().name,
        "example.com"
    );
}

#[test]
fn expiry_is_now_plus_max_age() {
    let mut s = Store::new();
    s.record("example.com", &Policy::this_host_only(10), NOW)
        .unwrap();
    assert!(s.must_upgrade("example.com", NOW + 9));
    assert!(!s.must_upgrade("example.com", NOW + 10));
    assert_eq!(s.get("example.com").unwrap().expires, NOW + 10);
    // An update moves it (RFC 6797 8.1.1).
    s.record("example.com", &Policy::this_host_only(100), NOW + 5)
        .unwrap();
    assert!(s.must_upgrade("example.com", NOW + 50));
    // Huge max-age saturates instead of wrapping.
    s.record("big.example", &Policy::this_host_only(u64::MAX), NOW)
        .unwrap();
    assert_eq!(s.get("big.example").unwrap().expires, u64::MAX);
}

#[test]
fn max_age_zero_removes_only_the_exact_host() {
    let mut s = Store::new();
    s.record("example.com", &Policy::including_subdomains(100), NOW)
        .unwrap();
    s.record("3.example.com", &Policy::this_host_only(100), NOW)
        .unwrap();
    assert_eq!(
        s.record("3.example.com", &Policy::removal(), NOW).unwrap(),
        Recorded::Removed
    );
    // The superdomain entry still covers the removed host and its siblings.
    assert!(s.must_upgrade("3.example.com", NOW));
    assert!(s.must_upgrade("foo.example.com", NOW));
    assert_eq!(
        s.record("nothing.example", &Policy::removal(), NOW)
            .unwrap(),
        Recorded::NothingToRemove
    );
    assert_eq!(s.len(), 1);
}

#[test]
fn ip_literals_are_never_stored() {
    let mut s = Store::new();
    for host in ["127.0.0.1", "[::1]", "2001:db8::1"] {
        assert_eq!(
            s.record(host, &Policy::including_subdomains(100), NOW)
                .unwrap(),
            Recorded::IgnoredIpLiteral
        );
        assert!(!s.must_upgrade(host, NOW));
    }
    assert!(s.is_empty());
    assert!(s.add_preload("192.0.2.1", false).is_err());
}

#[test]
fn invalid_hosts_are_refused_and_never_match() {
    let mut s = Store::new();
    assert!(matches!(
        s.record("a..b", &Policy::this_host_only(1), NOW),
        Err(Error::InvalidHost { .. })
    ));
    s.add_preload("example", true).unwrap();
    assert!(!s.must_upgrade("a..example", NOW));
    assert!(!s.must_upgrade("", NOW));
}

#[test]
fn preload_entries() {
    let mut s = Store::new();
    s.add_preload("Preloaded.Example", true).unwrap();
    s.add_preload("exact.example", false).unwrap();
    assert_eq!(s.preloaded_len(), 2);
    let m = s.lookup("www.preloaded.example", u64::MAX).unwrap();
    assert_eq!((m.source, m.expires), (Source::Preloaded, None));
    assert!(s.must_upgrade("exact.example", NOW));
    assert!(!s.must_upgrade("www.exact.example", NOW));
    assert!(s.is_empty());
}

#[test]
fn record_header_ignores_invalid_headers() {
    let mut s = Store::new();
    assert!(
        s.record_header("example.com", "max-age=1; max-age=2", NOW)
            .is_err()
    );
    assert!(s.is_empty());
    s.record_header("example.com", "max-age=60; includeSubDomains", NOW)
        .unwrap();
    assert!(s.must_upgrade("a.example.com", NOW));
}

#[test]
fn bounded_under_many_hosts() {
    let mut s = Store::with_capacity(100);
    for i in 0..1_000u64 {
        s.record(
            &format!("h{i}.example"),
            &Policy::this_host_only(i + 1),
            NOW,
        )
        .unwrap();
        assert!(s.len() <= 100);
    }
    // The 100 longest-lived remain.
    assert!(s.must_upgrade("h999.example", NOW));
    assert!(s.must_upgrade("h900.example", NOW));
    assert!(!s.must_upgrade("h899.example", NOW));
    assert_eq!(s.purge_expired(NOW + 950), 50);
    assert!(s.forget("h999.example"));
    assert!(!s.forget("h999.example"));
}
