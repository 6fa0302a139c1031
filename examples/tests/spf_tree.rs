//! `hostkit spf lint` and `hostkit spf flatten`, run as a user would, and the
//! flattened records checked with `hostkit spf check`.

mod common;
use common::{hostkit, json, stderr, stdout};

use std::path::{Path, PathBuf};
use std::process::Output;

/// A customer with four providers, 12 lookups in the worst case.
const ZONE: &str = r#"
example.com:
  - TXT: "v=spf1 mx include:_spf.mail.example.net include:spf.crm.example.org include:_spf.news.example.com ~include:relay.example.info -all"
  - MX: [10, mx1.example.com]
  - MX: [20, mx2.example.com]
mx1.example.com:
  - A: 192.0.2.25
mx2.example.com:
  - A: 192.0.2.26
  - AAAA: 2001:db8:25::26
_spf.mail.example.net:
  - TXT: "v=spf1 include:_netblocks.mail.example.net include:_netblocks2.mail.example.net ~all"
_netblocks.mail.example.net:
  - TXT: "v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.128/25 -ip4:203.0.113.7 ip4:203.0.113.0/24 ~all"
_netblocks2.mail.example.net:
  - TXT: "v=spf1 ip6:2001:db8:100::/48 ~all"
spf.crm.example.org:
  - TXT: "v=spf1 a:out1.crm.example.org a:out2.crm.example.org/30 -all"
out1.crm.example.org:
  - A: 198.18.0.10
out2.crm.example.org:
  - A: 198.18.1.4
_spf.news.example.com:
  - TXT: "v=spf1 include:a.news.example.com include:b.news.example.com include:c.news.example.com ?all"
a.news.example.com:
  - TXT: "v=spf1 ip4:100.64.1.0/24 -all"
b.news.example.com:
  - TXT: "v=spf1 ip4:100.64.2.0/24 -all"
c.news.example.com:
  - TXT: "v=spf1 ip4:100.64.3.0/24 -all"
relay.example.info:
  - TXT: "v=spf1 ip4:192.0.2.128/26 -all"
loop.example.com:
  - TXT: "v=spf1 include:loop2.example.com -all"
loop2.example.com:
  - TXT: "v=spf1 include:loop.example.com -all"
"#;

/// `hostkit spf VERB --zone ZONE --domain DOMAIN EXTRA...`
fn tree(verb: &str, zone: &Path, domain: &str, extra: &[&str]) -> Output {
    let zone = zone.to_str().unwrap();
    hostkit(&[&["spf", verb, "--zone", zone, "--domain", domain], extra].concat())
}

fn zone_file(tag: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("hostkit-spf-tree-{}-{tag}.yml", std::process::id()));
    std::fs::write(&p, text).expect("write zone");
    p
}

#[test]
fn lint_json_counts_the_worst_case_and_exits_1_on_a_possible_permerror() {
    let z = zone_file("lint", ZONE);
    let o = tree("lint", &z, "example.com", &["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["domain"], "example.com");
    assert_eq!(v["lookups_worst"], 12);
    assert_eq!(v["permerror_possible"], true);
    // IPv6 clients: mx1, out1 and out2 have no AAAA records.
    assert_eq!(v["void_lookups_worst"], 3);
    assert_eq!(v["tree"]["terms"][0]["term"], "mx");
    assert_eq!(v["tree"]["terms"][0]["mx_hosts"], 2);
    assert_eq!(v["tree"]["terms"][1]["lookups"], 3);
    let codes: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"lookups.over_limit"), "{codes:?}");
    assert!(v["warnings"][0]["message"].is_string());
}

#[test]
fn lint_text_shows_the_tree_with_costs_then_warnings() {
    let z = zone_file("text", ZONE);
    let o = tree("lint", &z, "loop.example.com", &[]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("loop.example.com: "), "{out}");
    assert!(
        out.contains("include:loop2.example.com  [2 lookups]"),
        "{out}"
    );
    assert!(out.contains("loop.example.com: (loop)"), "{out}");
    let warnings = out.split("warnings:\n").nth(1).expect("warnings section");
    assert!(warnings.contains("tree.loop: "), "{out}");

    let o = tree("lint", &z, "spf.crm.example.org", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn usage_errors_exit_2_and_name_the_input() {
    for (args, named) in [
        (
            &[
                "lint",
                "--zone",
                "/nonexistent/zone.yml",
                "--domain",
                "example.com",
            ][..],
            "/nonexistent/zone.yml",
        ),
        (
            &[
                "flatten",
                "--zone",
                "/nonexistent/zone.yml",
                "--domain",
                "example.com",
            ],
            "/nonexistent/zone.yml",
        ),
        (&["lint", "--domain", "example.com"], "--zone"),
        (&["flatten", "--domain", "example.com"], "--zone"),
        (&["lint", "--zone", "-"], "--domain"),
        (
            &[
                "flatten",
                "--zone",
                "-",
                "--domain",
                "x.example",
                "--max-length",
                "10",
            ],
            "--max-length",
        ),
    ] {
        let o = hostkit(&[&["spf"], args].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(named), "{args:?}: {}", stderr(&o));
    }
}

fn check(zone: &Path, ip: &str) -> String {
    let o = hostkit(&[
        "spf",
        "check",
        "--zone",
        zone.to_str().unwrap(),
        "--ip",
        ip,
        "--sender",
        "alice@example.com",
    ]);
    stdout(&o).lines().next().unwrap_or("").to_string()
}

#[test]
fn flatten_writes_records_that_give_the_same_results_within_10_lookups() {
    let z = zone_file("flatten", ZONE);
    let o = tree("flatten", &z, "example.com", &["--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    let records = v["records"].as_array().unwrap();
    assert_eq!(records[0]["name"], "example.com");
    assert!(v["lookups"].as_u64().unwrap() <= 10);
    assert_eq!(v["kept"].as_array().unwrap().len(), 0);
    assert!(
        v["frozen"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "out2.crm.example.org")
    );
    let root = records[0]["value"].as_str().unwrap();
    assert!(root.contains("~ip4:192.0.2.128/26"), "{root}");
    assert!(!root.contains("203.0.113.7 "), "{root}");

    // The flattened zone: the same zone with the new records in place.
    let mut flat = String::new();
    for line in ZONE.lines() {
        if line.starts_with("example.com:") {
            break;
        }
        flat.push_str(line);
        flat.push('\n');
    }
    let mut rest = ZONE.split_once("\nexample.com:\n").unwrap().1.lines();
    rest.next(); // the old TXT line
    flat.push_str("example.com:\n");
    for r in records {
        if r["name"] == "example.com" {
            flat.push_str(&format!("  - TXT: {:?}\n", r["value"].as_str().unwrap()));
        }
    }
    for line in rest {
        flat.push_str(line);
        flat.push('\n');
    }
    for r in records.iter().skip(1) {
        flat.push_str(&format!(
            "{}:\n  - TXT: {:?}\n",
            r["name"].as_str().unwrap(),
            r["value"].as_str().unwrap()
        ));
    }
    let fz = zone_file("flattened", &flat);
    for ip in [
        "192.0.2.25",
        "192.0.2.26",
        "2001:db8:25::26",
        "198.51.100.1",
        "198.51.100.255",
        "203.0.113.7",
        "203.0.113.8",
        "2001:db8:100::1",
        "198.18.0.10",
        "198.18.1.7",
        "198.18.1.8",
        "100.64.2.9",
        "192.0.2.130",
        "192.0.2.200",
        "10.1.1.1",
    ] {
        let before = check(&z, ip);
        let after = check(&fz, ip);
        // The original exceeds 10 lookups for clients reached late; where it does not,
        // the flattened record agrees exactly.
        if before != "permerror" {
            assert_eq!(after, before, "client {ip}");
        } else {
            assert_ne!(after, "permerror", "client {ip}");
        }
    }
    assert_eq!(check(&fz, "203.0.113.7"), "fail");
    assert_eq!(check(&fz, "192.0.2.130"), "softfail");
}

#[test]
fn flatten_text_prints_zone_lines_and_refuses_a_loop() {
    let z = zone_file("flat-text", ZONE);
    let o = tree("flatten", &z, "example.com", &["--max-length", "120"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("snapshot"), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with(';')).collect();
    assert!(
        lines[0].starts_with("example.com. IN TXT \"v=spf1 "),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("_spf1.example.com. IN TXT ")),
        "{out}"
    );
    for l in &lines {
        let value = l.split_once(" IN TXT \"").unwrap().1.trim_end_matches('"');
        assert!(value.len() <= 120, "{l}");
    }

    let o = tree("flatten", &z, "loop.example.com", &["--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["error_code"], "flatten.permerror");
    assert!(v["error"].as_str().unwrap().contains("loop"), "{v}");
}
