//! `hostkit hsts preload-check --url` against `hsts_server` on loopback, set up right and
//! wrong in each way the check knows; and the layer's scheme rules seen from clients.

use std::net::IpAddr;

mod common;
use common::hostkit;

use hostkit_examples::hsts_server::{
    FirstRedirect, Probe, Running, ServerConfig, get_http, get_https, start,
};
use hostkit_hsts::Policy;

const DOMAIN: &str = "example.test";
const GOOD: &str = "max-age=63072000; includeSubDomains; preload";

fn config() -> ServerConfig {
    let mut c = ServerConfig::loopback(&Policy::preload_ready(63_072_000));
    c.names = vec![DOMAIN.to_string(), format!("www.{DOMAIN}")];
    c
}

/// Runs the check against `running` and returns its exit code and JSON.
async fn check(running: &Running) -> (i32, serde_json::Value) {
    let dir = std::env::temp_dir().join(format!(
        "hsts-live-{}-{}",
        std::process::id(),
        running.https_addr.port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &running.pki.ca_pem).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .args([
            "hsts",
            "preload-check",
            "--json",
            "--url",
            &format!("https://{DOMAIN}:{}/", running.https_addr.port()),
            "--resolve",
            &format!("{DOMAIN}:127.0.0.1"),
            "--resolve",
            &format!("www.{DOMAIN}:127.0.0.1"),
            "--ca-file",
            ca.to_str().unwrap(),
            "--http-port",
            &running.http_addr.port().to_string(),
        ])
        .output()
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

fn codes(v: &serde_json::Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert!(!i["message"].as_str().unwrap().is_empty());
            i["code"].as_str().unwrap().to_string()
        })
        .collect()
}

async fn errors_of(config: ServerConfig) -> Vec<String> {
    let running = start(config).await.unwrap();
    let (code, v) = check(&running).await;
    running.stop();
    assert_eq!(v["domain"], DOMAIN);
    assert_eq!(v["preloadable"], code == 0);
    let errors = codes(&v, "errors");
    assert_eq!(code == 0, errors.is_empty(), "{v}");
    assert!(codes(&v, "warnings").is_empty(), "{v}");
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_up_right_gives_no_finding() {
    assert_eq!(errors_of(config()).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mistake_gives_exactly_its_code() {
    let with = |f: &dyn Fn(&mut ServerConfig)| {
        let mut c = config();
        f(&mut c);
        c
    };
    let cases: Vec<(&str, ServerConfig)> = vec![
        (
            "redirects.http.no_redirect",
            with(&|c| c.first_redirect = FirstRedirect::None),
        ),
        (
            "redirects.http.www_first",
            with(&|c| c.first_redirect = FirstRedirect::Www),
        ),
        (
            "redirects.http.first_redirect.insecure",
            with(&|c| c.first_redirect = FirstRedirect::Insecure),
        ),
        (
            "redirects.http.first_redirect.no_hsts",
            with(&|c| c.first_redirect = FirstRedirect::NoHeader),
        ),
        (
            "redirects.too_many",
            with(&|c| c.first_redirect = FirstRedirect::Hops(4)),
        ),
        (
            "header.preloadable.max_age.below_1_year",
            with(&|c| {
                c.header = "max-age=86400; includeSubDomains; preload".into();
                c.allow_unpreloadable = true;
            }),
        ),
        (
            "header.preloadable.preload.missing",
            with(&|c| c.header = "max-age=63072000; includeSubDomains".into()),
        ),
        (
            "response.multiple_headers",
            with(&|c| c.duplicate_header = true),
        ),
        (
            "domain.tls.invalid_cert_chain",
            with(&|c| c.self_signed = true),
        ),
    ];
    for (want, config) in cases {
        let got = errors_of(config).await;
        assert_eq!(got, [want], "{want}");
    }
    // Three redirects are still fine.
    let three = with(&|c| c.first_redirect = FirstRedirect::Hops(3));
    assert_eq!(errors_of(three).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preload_policy_that_is_not_preloadable_is_refused_at_start() {
    let mut c = config();
    c.header = "max-age=86400; includeSubDomains; preload".into();
    let e = start(c).await.unwrap_err().to_string();
    assert!(e.contains("header.preloadable.max_age.below_1_year"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_only_over_https_or_from_a_trusted_proxy() {
    let mut c = config();
    c.header = GOOD.into();
    c.trusted_proxies = vec!["127.0.0.2/32".parse().unwrap()];
    let running = start(c).await.unwrap();
    let (http, https) = (running.http_addr, running.https_addr);

    let plain = get_http(http, DOMAIN, "/x?y=1").await.unwrap();
    assert_eq!(plain.status, 308);
    assert_eq!(
        plain.location.as_deref(),
        Some(format!("https://{DOMAIN}:{}/x?y=1", https.port()).as_str())
    );
    assert!(plain.sts.is_empty());

    let secure = get_https(https, DOMAIN, "/", &running.pki).await.unwrap();
    assert_eq!(
        (secure.status, secure.sts.as_slice()),
        (200, &[GOOD.to_string()][..])
    );

    let forwarded = |source: &str, name: &'static str, value: &'static str| Probe {
        pki: None,
        source: Some(source.parse::<IpAddr>().unwrap()),
        headers: vec![(name, value)],
    };
    // (peer, header, value) -> (status, how many Strict-Transport-Security fields)
    for (source, name, value, want) in [
        ("127.0.0.2", "x-forwarded-proto", "https", (200, 1)),
        (
            "127.0.0.2",
            "forwarded",
            "for=192.0.2.1;proto=https",
            (200, 1),
        ),
        ("127.0.0.3", "x-forwarded-proto", "https", (308, 0)),
        ("127.0.0.2", "x-forwarded-proto", "http", (308, 0)),
    ] {
        let r = forwarded(source, name, value)
            .get("http", http, DOMAIN, "/")
            .await
            .unwrap();
        assert_eq!((r.status, r.sts.len()), want, "{source} {name}: {value}");
    }
    running.stop();
}

#[test]
fn offline_verdicts_and_usage_errors() {
    let run = |args: &[&str]| hostkit(&[&["hsts", "preload-check"], args].concat());
    // A public suffix is refused before any connection is tried.
    let out = run(&["--json", "--url", "https://co.uk/"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&v, "errors"), ["domain.format.public_suffix"]);
    assert_eq!(v["preloadable"], false);
    for bad in [
        &["--url", "http://example.test/"][..],
        &[
            "--url",
            "https://example.test/",
            "--resolve",
            "example.test",
        ],
        &[
            "--url",
            "https://example.test/",
            "--resolve",
            "example.test:nowhere",
        ],
        &[
            "--url",
            "https://example.test/",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
        &["--url", "https://example.test/", "max-age=1"],
        &[],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_on_https_cannot_connect() {
    let running = start(config()).await.unwrap();
    // A port that was just free: nothing listens there any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .args([
            "hsts",
            "preload-check",
            "--json",
            "--url",
            &format!("https://{DOMAIN}:{closed}/"),
            "--resolve",
            &format!("{DOMAIN}:127.0.0.1"),
            "--http-port",
            &running.http_addr.port().to_string(),
        ])
        .output()
        .await
        .unwrap();
    running.stop();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&v, "errors"), ["domain.tls.cannot_connect"]);
}
