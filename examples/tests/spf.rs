//! The `hostkit spf` verbs, run as a user would.

mod common;
use common::{hostkit, stdout};

use std::path::PathBuf;

const ZONE: &str = r#"
example.com:
  - TXT: "v=spf1 a mx:mail.example.com -all exp=exp.example.com"
  - A: 192.0.2.1
mail.example.com:
  - MX: [10, mx1.example.com]
mx1.example.com:
  - A: 192.0.2.20
exp.example.com:
  - TXT: "%{i} is not allowed to send for %{d}"
helo.example.net:
  - TXT: "v=spf1 ip4:198.51.100.0/24 -all"
broken.example.org:
  - TXT: "v=spf1 ip4:192.0.2.0/33 -all"
"#;

fn zone_file(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("hostkit-spf-{}-{tag}.yml", std::process::id()));
    std::fs::write(&p, ZONE).expect("write zone");
    p
}

#[test]
fn parse_prints_the_canonical_record_and_warnings() {
    let o = hostkit(&["spf", "parse", "V=SPF1  +MX  PTR  ?ALL"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert_eq!(out.lines().next(), Some("v=spf1 mx ptr ?all"));
    assert!(out.contains("SPF002"), "{out}");
    assert!(out.contains("SPF003"), "{out}");
}

#[test]
fn parse_json_lists_terms() {
    let o = hostkit(&[
        "spf",
        "parse",
        "--json",
        "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net redirect=x.example.com",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["valid"], true);
    assert_eq!(v["terms"][0]["mechanism"], "ip4");
    assert_eq!(v["terms"][0]["target"], "192.0.2.0/24");
    assert_eq!(v["terms"][2]["name"], "redirect");
    assert_eq!(v["lookups"], 2);
}

#[test]
fn parse_error_exits_1_with_the_position() {
    let o = hostkit(&["spf", "parse", "v=spf1 mx ip4:192.0.2.0/33"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("at byte 24"), "{err}");
    let o = hostkit(&["spf", "parse", "--json", "v=spf1 a:foo.1"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["valid"], false);
    assert_eq!(v["offset"], 13);
    // A value starting with '-' is accepted after `--`.
    let o = hostkit(&["spf", "parse", "--", "-all"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn check_pass_and_fail_with_explanation() {
    let zone = zone_file("passfail");
    let z = zone.to_str().unwrap();
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        z,
        "--ip",
        "192.0.2.20",
        "--sender",
        "bob@example.com",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o).lines().next(), Some("pass"));
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        z,
        "--ip",
        "192.0.2.99",
        "--sender",
        "bob@example.com",
    ]);
    assert_eq!(o.status.code(), Some(1), "fail is a negative verdict");
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("fail"));
    assert_eq!(
        lines.next(),
        Some("192.0.2.99 is not allowed to send for example.com")
    );
    std::fs::remove_file(zone).ok();
}

#[test]
fn check_json_fields_and_helo_identity() {
    let zone = zone_file("json");
    let z = zone.to_str().unwrap();
    let o = hostkit(&[
        "spf",
        "check",
        "--json",
        "--zone",
        z,
        "--ip",
        "::ffff:192.0.2.20",
        "--sender",
        "bob@example.com",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["result"], "pass");
    assert_eq!(v["mechanism"], "mx:mail.example.com");
    assert_eq!(v["lookups"], 2);
    assert_eq!(v["void_lookups"], 0);
    assert!(v["explanation"].is_null());
    let o = hostkit(&[
        "spf",
        "check",
        "--json",
        "--zone",
        z,
        "--ip",
        "198.51.100.5",
        "--sender",
        "",
        "--helo",
        "helo.example.net",
    ]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["result"], "pass");
    assert_eq!(
        v["authentication_results"],
        "spf=pass smtp.helo=helo.example.net"
    );
    let o = hostkit(&[
        "spf",
        "check",
        "--json",
        "--zone",
        z,
        "--ip",
        "192.0.2.1",
        "--sender",
        "x@broken.example.org",
    ]);
    assert_eq!(o.status.code(), Some(1), "permerror is a negative verdict");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(v["result"], "permerror");
    std::fs::remove_file(zone).ok();
}

#[test]
fn check_usage_errors_exit_2() {
    let zone = zone_file("usage");
    let z = zone.to_str().unwrap();
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        z,
        "--ip",
        "not-an-ip",
        "--sender",
        "a@example.com",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        "/nonexistent/zone.yml",
        "--ip",
        "192.0.2.1",
        "--sender",
        "a@example.com",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        z,
        "--ip",
        "192.0.2.1",
        "--sender",
        "",
    ]);
    assert_eq!(o.status.code(), Some(2));
    std::fs::remove_file(zone).ok();
}
