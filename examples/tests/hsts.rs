//! `hostkit hsts` verbs, run as a user would.

mod common;
use common::{hostkit, json_lines};

use std::process::Command;

#[test]
fn parse_valid_json() {
    let out = hostkit(&[
        "hsts",
        "parse",
        "--json",
        "max-age=31536000; includeSubDomains; preload",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["max_age"], 31_536_000);
    assert_eq!(v["include_subdomains"], true);
    assert_eq!(v["preload"], true);
    assert!(v["error"].is_null());
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0);
}

#[test]
fn parse_invalid_exits_1_with_the_reason() {
    let out = hostkit(&[
        "hsts",
        "parse",
        "--json",
        "max-age=1; includeSubDomains=true",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0];
    assert_eq!(v["valid"], false);
    assert!(v["max_age"].is_null());
    assert_eq!(v["error_code"], "header.parse.unexpected_value");
    assert!(v["error"].as_str().unwrap().contains("takes no value"));
}

#[test]
fn parse_warnings_and_cap() {
    let out = hostkit(&[
        "hsts",
        "parse",
        "--json",
        "--max-age-cap",
        "31536000",
        "max-age=99999999999; foo=\"a;b\"",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["max_age"], 31_536_000);
    let codes: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "header.parse.unknown_directive",
            "header.parse.max_age.capped"
        ]
    );
}

#[test]
fn parse_text_and_several_values() {
    let out = hostkit(&["hsts", "parse", "max-age=5", "max-age"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("valid: max-age=5\n"), "{text}");
    assert!(text.contains("invalid: \"max-age\": max-age at byte 0 has no value"));
}

#[test]
fn values_starting_with_a_dash_after_double_dash() {
    let out = hostkit(&["hsts", "parse", "--json", "--", "-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["input"], "-1");
}

#[test]
fn parse_reads_stdin_lines() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .args(["hsts", "parse", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"max-age=1\r\nmax-age=2; preload\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["preload"], true);
}

#[test]
fn preload_check_verdicts() {
    let ok = hostkit(&[
        "hsts",
        "preload-check",
        "--json",
        "max-age=63072000; includeSubDomains; preload",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(json_lines(&ok)[0]["preloadable"], true);

    let bad = hostkit(&["hsts", "preload-check", "--json", "max-age=300; preload"]);
    assert_eq!(bad.status.code(), Some(1));
    let v = &json_lines(&bad)[0];
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "header.preloadable.max_age.below_1_year",
            "header.preloadable.include_sub_domains.missing"
        ]
    );

    let text = hostkit(&["hsts", "preload-check", "max-age=0"]);
    assert_eq!(text.status.code(), Some(1));
    let t = String::from_utf8_lossy(&text.stdout);
    assert!(t.starts_with("not preloadable\n"));
    assert!(t.contains("header.preloadable.max_age.zero"));
}

#[test]
fn preload_check_several_fields() {
    let out = hostkit(&[
        "hsts",
        "preload-check",
        "--json",
        "max-age=63072000; includeSubDomains; preload",
        "max-age=1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_lines(&out)[0]["errors"][0]["code"],
        "response.multiple_headers"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(hostkit(&["hsts", "parse", "--nope"]).status.code(), Some(2));
    assert_eq!(hostkit(&["hsts", "preload-check"]).status.code(), Some(2));
    let missing = hostkit(&["hsts", "cache-check", "/nonexistent/hsts.txt", "a.example"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!missing.stderr.is_empty());
}

#[test]
fn cache_write_then_check() {
    let dir = std::env::temp_dir().join(format!("hostkit-hsts-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hsts.txt");
    let file = file.to_str().unwrap();
    let now = "1800000000";
    let w = hostkit(&[
        "hsts",
        "cache-write",
        "--now",
        now,
        file,
        "Example.COM",
        "max-age=600; includeSubDomains",
        "exact.example",
        "max-age=60",
        "gone.example",
        "max-age=0",
    ]);
    assert_eq!(
        w.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&w.stderr)
    );
    let text = std::fs::read_to_string(file).unwrap();
    assert!(
        text.contains(".example.com \"20270115 08:10:00\"\n"),
        "{text}"
    );
    assert!(
        text.contains("\nexact.example \"20270115 08:01:00\"\n"),
        "{text}"
    );
    assert!(!text.contains("gone"));

    let c = hostkit(&[
        "hsts",
        "cache-check",
        "--json",
        "--now",
        now,
        file,
        "www.example.com",
        "exact.example",
    ]);
    assert_eq!(c.status.code(), Some(0));
    let lines = json_lines(&c);
    assert_eq!(lines[0]["matched"], "example.com");
    assert_eq!(lines[0]["expires"], 1_800_000_600u64);
    assert_eq!(lines[1]["congruent"], true);

    let later = hostkit(&[
        "hsts",
        "cache-check",
        "--now",
        "1800000100",
        file,
        "exact.example",
    ]);
    assert_eq!(later.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&later.stdout),
        "exact.example: no HSTS entry\n"
    );

    let bad = hostkit(&["hsts", "cache-write", file, "a.example", "max-age=x"]);
    assert_eq!(bad.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

mod server {
    use std::io::{BufRead, BufReader};
    use std::net::SocketAddr;
    use std::process::{Command, Stdio};

    use hostkit_examples::hsts_server::{ServerConfig, get_http, get_https, start};
    use hostkit_hsts::{Policy, Store};

    #[tokio::test]
    async fn redirects_then_sends_the_header_over_https_only() {
        let mut config = ServerConfig::loopback(&Policy::including_subdomains(600));
        config.echo_query = true;
        let running = start(config).await.unwrap();
        let port = running.https_addr.port();

        let plain = get_http(running.http_addr, "localhost", "/a?b")
            .await
            .unwrap();
        assert_eq!(plain.status, 308);
        assert_eq!(
            plain.location.as_deref(),
            Some(format!("https://localhost:{port}/a?b").as_str())
        );
        assert!(plain.sts.is_empty(), "no STS over plain HTTP");

        let secure = get_https(running.https_addr, "localhost", "/", &running.pki)
            .await
            .unwrap();
        assert_eq!(secure.status, 200);
        assert_eq!(secure.sts, ["max-age=600; includeSubDomains"]);
        let mut store = Store::new();
        store
            .record_header("localhost", &secure.sts[0], 1_000)
            .unwrap();
        assert!(store.must_upgrade("sub.localhost", 1_500));

        let forget = get_https(running.https_addr, "localhost", "/forget", &running.pki)
            .await
            .unwrap();
        assert_eq!(forget.sts, ["max-age=0"]);
        let echoed = get_https(
            running.https_addr,
            "sub.localhost",
            "/?sts=max-age%3D5%3B+x%3D%22a%3Bb%22",
            &running.pki,
        )
        .await
        .unwrap();
        assert_eq!(echoed.sts, ["max-age=5; x=\"a;b\""]);
        running.stop();
    }

    #[test]
    fn binary_prints_its_ports_and_ca() {
        let dir = std::env::temp_dir().join(format!("hsts-server-test-{}", std::process::id()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_hsts_server"))
            .args(["--out-dir", dir.to_str().unwrap()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut fields = std::collections::HashMap::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line == "ready" {
                break;
            }
            let (k, v) = line.split_once(' ').unwrap();
            fields.insert(k.to_string(), v.to_string());
        }
        let https: SocketAddr = fields["https"].parse().unwrap();
        let http: SocketAddr = fields["http"].parse().unwrap();
        assert_ne!(https.port(), 0);
        assert_ne!(http.port(), 0);
        let ca = std::fs::read_to_string(&fields["ca"]).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(
            std::fs::read_to_string(&fields["cert"])
                .unwrap()
                .contains("CERTIFICATE")
        );
        child.kill().unwrap();
        child.wait().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn binary_refuses_an_invalid_header() {
        let out = Command::new(env!("CARGO_BIN_EXE_hsts_server"))
            .args(["--header", "max-age=1; max-age=2"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("more than once"));
    }
}
