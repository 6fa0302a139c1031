//! `hostkit hsts preloaded`, run as a user would.

mod common;
use common::{hostkit_with, json_lines};

#[test]
fn listed_hosts_exit_0() {
    let out = hostkit_with(
        &[
            "hsts",
            "preloaded",
            "--json",
            "Mail.Accounts.Google.COM.",
            "paypal.com",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["host"], "Mail.Accounts.Google.COM.");
    assert_eq!(v[0]["preloaded"], true);
    assert_eq!(v[0]["entry"], "accounts.google.com");
    assert_eq!(v[0]["include_subdomains"], true);
    assert_eq!(v[0]["exact"], false);
    assert_eq!(v[0]["list_date"], "2026-06-01");
    assert_eq!(v[1]["entry"], "paypal.com");
    assert_eq!(v[1]["include_subdomains"], false);
    assert_eq!(v[1]["exact"], true);
}

#[test]
fn one_unlisted_host_makes_exit_1() {
    let out = hostkit_with(
        &["hsts", "preloaded", "--json", "a.dev", "shop.paypal.com"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    assert_eq!(v[0]["preloaded"], true);
    assert_eq!(v[0]["entry"], "dev");
    assert_eq!(v[1]["preloaded"], false);
    assert!(v[1]["entry"].is_null());
    assert!(v[1]["include_subdomains"].is_null());
}

#[test]
fn text_output() {
    let out = hostkit_with(
        &["hsts", "preloaded", "x.app", "example.com", "127.0.0.1"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "x.app: preloaded (entry app, includeSubDomains)\n\
         example.com: not preloaded\n\
         127.0.0.1: not preloaded\n"
    );
}

#[test]
fn stdin_lines_and_a_bad_line_failing_alone() {
    let out = hostkit_with(
        &["hsts", "preloaded", "--json"],
        Some(b"www.paypal.com\r\nbad\xff.app\n\nfoo.dev\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    assert_eq!(v.len(), 4);
    assert_eq!(v[0]["entry"], "www.paypal.com");
    assert_eq!(v[1]["error_code"], "preload_list.not_utf8");
    assert_eq!(v[1]["offset"], 3);
    assert_eq!(v[1]["preloaded"], false);
    assert_eq!(v[2]["error_code"], "preload_list.empty_host");
    assert_eq!(v[3]["entry"], "dev");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not UTF-8"));

    let all = hostkit_with(&["hsts", "preloaded"], Some(b"a.app\nb.dev\n"));
    assert_eq!(all.status.code(), Some(0));
}

#[test]
fn stats() {
    let out = hostkit_with(&["hsts", "preloaded", "--stats", "--json"], None);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["entries"], 94_600);
    assert_eq!(v["list_date"], "2026-06-01");
    let bytes = v["bytes"].as_u64().unwrap();
    assert!(bytes > 100_000 && bytes <= 600 * 1024, "{bytes}");
    let text = hostkit_with(&["hsts", "preloaded", "--stats"], None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("entries   94600\n"));
}

#[test]
fn usage_errors_exit_2() {
    let out = hostkit_with(&["hsts", "preloaded", "--stats", "a.app"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = hostkit_with(&["hsts", "preloaded", "--no-such-flag"], None);
    assert_eq!(out.status.code(), Some(2));
}
