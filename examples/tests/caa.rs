//! `hostkit caa parse` and `hostkit caa check` as a user runs them.

mod common;
use common::{hostkit, json};

const ZONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/caa/zone.yml");

fn check(extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["caa", "check", "--zone", ZONE, "--json"];
    args.extend_from_slice(extra);
    let out = hostkit(&args);
    (out.status.code(), json(&out))
}

#[test]
fn parse_text_json_fields() {
    let out = hostkit(&[
        "caa",
        "parse",
        "--json",
        r#"0 issue "ca.example; account=123""#,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["flags"], 0);
    assert_eq!(v["critical"], false);
    assert_eq!(v["tag"], "issue");
    assert_eq!(v["text"], r#"0 issue "ca.example; account=123""#);
    assert_eq!(
        v["wire_hex"],
        "0005697373756563612e6578616d706c653b206163636f756e743d313233"
    );
    assert_eq!(
        v["value_hex"],
        "63612e6578616d706c653b206163636f756e743d313233"
    );
    assert_eq!(v["property"]["issuer"], "ca.example");
    assert_eq!(v["property"]["parameters"][0]["tag"], "account");
}

#[test]
fn parse_wire_keeps_bytes_and_escapes() {
    // flags 131, tag "IsSuE", value `a"b\` then 0xff
    let out = hostkit(&[
        "caa",
        "parse",
        "--json",
        "--wire",
        "83 05 4973537545 61 22 62 5c ff",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["critical"], true);
    assert_eq!(v["wire_hex"], "830549735375456122625cff");
    assert_eq!(v["text"], r#"131 IsSuE "a\"b\\\255""#);
    assert_eq!(v["property"]["well_formed"], false);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 2);
    // text of the output reads back to the same wire
    let out = hostkit(&["caa", "parse", "--json", r#"131 IsSuE "a\"b\\\255""#]);
    assert_eq!(json(&out)["wire_hex"], "830549735375456122625cff");
}

#[test]
fn parse_failures_and_usage() {
    let out = hostkit(&["caa", "parse", "0 a-b \"x\""]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a letter or digit"));
    let out = hostkit(&["caa", "parse", "--wire", "0000"]);
    assert_eq!(out.status.code(), Some(1));
    let out = hostkit(&["caa", "parse", "--wire", "xyz"]);
    assert_eq!(out.status.code(), Some(2));
    let out = hostkit(&["caa", "parse", "--", "-1 issue x"]);
    assert_eq!(out.status.code(), Some(1));
    let out = hostkit(&["caa", "parse", r"\# 12 8003746273556e6b6e6f776e"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("128 tbs \"Unknown\""));
}

#[test]
fn check_cname_climbs_the_original_name() {
    let (code, v) = check(&[
        "--domain",
        "www.example.com",
        "--issuer",
        "ca.example",
        "--method",
        "dns-01",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(v["decision"], "permit");
    assert_eq!(v["relevant_name"], "example.com");
    assert_eq!(v["queried"][1], "cdn.example.net");
    let (code, v) = check(&[
        "--domain",
        "www.example.com",
        "--issuer",
        "ca.example",
        "--method",
        "http-01",
    ]);
    assert_eq!(code, Some(1));
    assert!(v["reason"].as_str().unwrap().contains("validation method"));
}

#[test]
fn check_dname_servfail_critical() {
    let (code, v) = check(&["--domain", "d.example.com", "--issuer", "other.example"]);
    assert_eq!(
        (code, &v["relevant_name"]),
        (Some(1), &serde_json::json!("example.com"))
    );
    let (code, v) = check(&["--domain", "x.broken.example", "--issuer", "ca.example"]);
    assert_eq!(code, Some(1));
    assert!(v["reason"].as_str().unwrap().contains("lookup"));
    let (code, v) = check(&["--domain", "critical.example.org", "--issuer", "ca.example"]);
    assert_eq!(code, Some(1));
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("critical unknown property")
    );
    let (code, _) = check(&["--domain", "nowhere.test", "--issuer", "ca.example"]);
    assert_eq!(code, Some(0));
}

#[test]
fn check_wildcard_account_and_email() {
    let (code, _) = check(&["--domain", "wild.example.org", "--issuer", "ca.example"]);
    assert_eq!(code, Some(0));
    let (code, _) = check(&[
        "--domain",
        "wild.example.org",
        "--wildcard",
        "--issuer",
        "ca.example",
    ]);
    assert_eq!(code, Some(1));
    let (code, _) = check(&["--domain", "*.wild.example.org", "--issuer", "ca.example"]);
    assert_eq!(code, Some(1));
    let (code, v) = check(&[
        "--domain",
        "acct.example.org",
        "--issuer",
        "ca.example",
        "--account-uri",
        "https://ca.example/acct/1",
    ]);
    assert_eq!(code, Some(1));
    assert!(v["reason"].as_str().unwrap().contains("repeated"));
    let (code, _) = check(&[
        "--email",
        "me@mail.example.org",
        "--issuer",
        "smime.example",
        "--account-uri",
        "https://smime.example/acct/9",
    ]);
    assert_eq!(code, Some(0));
    let (code, _) = check(&["--email", "me@mail.example.org", "--issuer", "ca.example"]);
    assert_eq!(code, Some(1));
    // issue records do not restrict S/MIME
    let (code, _) = check(&["--email", "me@example.com", "--issuer", "anyone.example"]);
    assert_eq!(code, Some(0));
}

#[test]
fn check_usage_errors() {
    let out = hostkit(&[
        "caa",
        "check",
        "--zone",
        "/nonexistent.yml",
        "--domain",
        "a.example",
        "--issuer",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = hostkit(&[
        "caa",
        "check",
        "--zone",
        ZONE,
        "--domain",
        "a..example",
        "--issuer",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = hostkit(&["caa", "check", "--zone", ZONE, "--domain", "a.example"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn malformed_zone_files_are_usage_errors() {
    let dir = std::env::temp_dir().join(format!("hostkit-caa-zones-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (body, says)) in [
        ("- just a list\n", "not a zone"),
        ("a.example:\n  - TXT: 'hello'\n", "not a zone"),
        ("a.example:\n  - CAA: '0 issue'\n", "a.example"),
        ("a.example: 42\n", "not a zone"),
    ]
    .iter()
    .enumerate()
    {
        let path = dir.join(format!("bad{i}.yml"));
        std::fs::write(&path, body).unwrap();
        let out = hostkit(&[
            "caa",
            "check",
            "--zone",
            path.to_str().unwrap(),
            "--domain",
            "a.example",
            "--issuer",
            "ca.example",
        ]);
        assert_eq!(out.status.code(), Some(2), "{body}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{body}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
