//! The HSTS part of the tour: parse headers as a browser would, check one for the
//! preload list, let a store learn from responses and upgrade later requests, run
//! hstspreload.org's eligibility check live on loopback, and show the tower layer.

use std::net::IpAddr;

use hostkit_examples::hsts_check::{CheckOptions, check};
use hostkit_examples::hsts_server::{
    FirstRedirect, Probe, Running, ServerConfig, get_http, get_https, start,
};
use hostkit_hsts::{
    CHROMIUM_MAX_AGE_CAP, ParseOptions, Policy, Store, parse, parse_with, preload_check,
    preload_list,
};

use super::Report;

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("hsts: Strict-Transport-Security (RFC 6797)");

    let sent = r#"Max-Age="63072000"; includesubdomains; preload; report-to="a;b""#;
    let parsed = parse(sent)?;
    report.line(format_args!("header    {sent}"));
    report.line(format_args!("canonical {}", parsed.policy));
    report.check(
        "quoted max-age, any-case names and a ';' inside quotes parse",
        parsed.policy == Policy::preload_ready(63_072_000) && parsed.warnings.len() == 2,
    );
    report.check(
        "a repeated directive makes the header invalid",
        parse("max-age=1; includeSubDomains; includeSubDomains").is_err(),
    );
    report.check(
        "includeSubDomains=true is refused (curl would accept it)",
        parse("max-age=1; includeSubDomains=true").is_err(),
    );
    let capped = parse_with(
        "max-age=99999999999999999999",
        &ParseOptions::new().max_age_cap(CHROMIUM_MAX_AGE_CAP),
    )?;
    report.check(
        "a huge max-age saturates, and Chromium's one-year cap is an option",
        capped.policy.max_age == CHROMIUM_MAX_AGE_CAP,
    );

    let short = preload_check("max-age=86400; includeSubDomains");
    for e in &short.errors {
        report.line(format_args!("preload   {}: {e}", e.code()));
    }
    report.check(
        "preload check: one day without preload is refused with stable codes",
        !short.is_preloadable() && short.errors.len() == 2,
    );
    report.check(
        "preload check: two years with includeSubDomains and preload passes",
        preload_check(&parsed.policy.to_string()).is_preloadable(),
    );

    let now = 1_800_000_000;
    let mut store = Store::new();
    store.record("Shop.Example.", &parsed.policy, now)?;
    store.record("static.example.net", &Policy::this_host_only(3_600), now)?;
    store.record("127.0.0.1", &Policy::including_subdomains(3_600), now)?;
    store.add_preload("bank.example", true)?;
    let asks = [
        ("www.shop.example", now + 60, true),
        ("static.example.net", now + 60, true),
        ("img.static.example.net", now + 60, false),
        ("static.example.net", now + 3_600, false),
        ("127.0.0.1", now, false),
        ("login.bank.example", now, true),
    ];
    let mut all = true;
    for (host, at, want) in asks {
        let got = store.must_upgrade(host, at);
        all &= got == want;
        report.line(format_args!(
            "store     {host} at now+{}: {}",
            at - now,
            if got {
                "upgrade to https"
            } else {
                "leave alone"
            }
        ));
    }
    report.check("the store upgrades exactly the covered hosts", all);
    store.record("shop.example", &Policy::removal(), now + 10)?;
    report.check(
        "max-age=0 removes the host",
        !store.must_upgrade("shop.example", now + 11),
    );

    // Chromium's preload list, embedded and searched in place.
    let listed = preload_list::lookup("Mail.Accounts.Google.com.");
    report.line(format_args!(
        "preload   {} names of {} in {} bytes; mail.accounts.google.com -> {}",
        preload_list::ENTRIES,
        preload_list::LIST_DATE,
        preload_list::BYTES,
        listed.as_ref().map_or("-", |m| m.entry.as_str())
    ));
    report.check(
        "the embedded preload list covers subdomains of includeSubDomains entries only",
        listed.is_some_and(|m| m.include_subdomains && !m.exact)
            && preload_list::lookup("shop.paypal.com").is_none()
            && preload_list::lookup("paypal.com").is_some_and(|m| m.exact),
    );

    let file = store.to_curl_cache(now);
    let mut copy = Store::new();
    let loaded = copy.load_curl_cache(&file, now)?;
    report.line(format_args!(
        "curl file {}",
        file.lines().last().unwrap_or_default()
    ));
    report.check(
        "curl's cache file format round-trips",
        loaded == 1 && copy.must_upgrade("static.example.net", now),
    );

    // The same over loopback sockets: the hsts_server example, a 301 over plain HTTP
    // and the header over HTTPS with a test CA.
    let running = start(ServerConfig::loopback(&Policy::including_subdomains(
        31_536_000,
    )))
    .await?;
    let plain = get_http(running.http_addr, "localhost", "/").await?;
    report.line(format_args!(
        "http      {} -> {} {}",
        running.http_addr,
        plain.status,
        plain.location.as_deref().unwrap_or("-")
    ));
    report.check(
        "plain HTTP redirects to HTTPS and sends no header",
        plain.status == 308 && plain.sts.is_empty(),
    );
    let https_addr = running.https_addr;
    let secure = get_https(https_addr, "localhost", "/", &running.pki).await?;
    running.stop();
    let header = secure.sts.first().map(String::as_str).unwrap_or_default();
    report.line(format_args!(
        "https     {} -> {} Strict-Transport-Security: {header}",
        https_addr, secure.status
    ));
    let mut browser = Store::new();
    browser.record_header("localhost", header, now)?;
    report.check(
        "the header from the TLS listener makes sub.localhost an HSTS host",
        browser.must_upgrade("sub.localhost", now + 1),
    );
    live_check(report).await?;
    layer(report).await
}

const DOMAIN: &str = "example.test";

fn site_config() -> ServerConfig {
    let mut config = ServerConfig::loopback(&Policy::preload_ready(63_072_000));
    config.names = vec![DOMAIN.to_string(), format!("www.{DOMAIN}")];
    config
}

fn options_for(running: &Running) -> CheckOptions {
    let loopback = IpAddr::from([127, 0, 0, 1]);
    CheckOptions {
        resolve: [
            (DOMAIN.to_string(), loopback),
            (format!("www.{DOMAIN}"), loopback),
        ]
        .into_iter()
        .collect(),
        ca_pem: Some(running.pki.ca_pem.clone().into_bytes()),
        https_port: running.https_addr.port(),
        http_port: running.http_addr.port(),
    }
}

/// hstspreload.org's eligibility check, live against the example server on loopback,
/// once set up right and once redirecting to www first.
async fn live_check(report: &mut Report) -> anyhow::Result<()> {
    let right = start(site_config()).await?;
    let verdict = check(DOMAIN, &options_for(&right)).await;
    right.stop();
    let verdict = verdict?;
    report.line(format_args!(
        "eligible  https://{DOMAIN}/ (hsts_server set up right): {}",
        if verdict.is_preloadable() {
            "preloadable"
        } else {
            "not preloadable"
        }
    ));
    report.check(
        "live preload check: set up right, preloadable with no finding",
        verdict.is_preloadable() && verdict.warnings.is_empty(),
    );
    let mut config = site_config();
    config.first_redirect = FirstRedirect::Www;
    let wrong = start(config).await?;
    let verdict = check(DOMAIN, &options_for(&wrong)).await;
    wrong.stop();
    let verdict = verdict?;
    for e in &verdict.errors {
        report.line(format_args!("eligible  {e}"));
    }
    report.check(
        "live preload check: http://example.test redirecting to www first is refused",
        verdict.error_codes() == ["redirects.http.www_first"],
    );
    Ok(())
}

/// The tower layer: the header over HTTPS, and over plain HTTP only through a trusted
/// proxy's X-Forwarded-Proto.
async fn layer(report: &mut Report) -> anyhow::Result<()> {
    let mut config = site_config();
    config.trusted_proxies = vec!["127.0.0.2/32".parse()?];
    let running = start(config).await?;
    let from = |source: [u8; 4]| Probe {
        pki: None,
        source: Some(IpAddr::from(source)),
        headers: vec![("x-forwarded-proto", "https")],
    };
    let trusted = from([127, 0, 0, 2])
        .get("http", running.http_addr, DOMAIN, "/")
        .await;
    let other = from([127, 0, 0, 3])
        .get("http", running.http_addr, DOMAIN, "/")
        .await;
    running.stop();
    let (trusted, other) = (trusted?, other?);
    report.line(format_args!(
        "layer     X-Forwarded-Proto: https from 127.0.0.2 (trusted): {} with {} STS field(s)",
        trusted.status,
        trusted.sts.len()
    ));
    report.line(format_args!(
        "layer     X-Forwarded-Proto: https from 127.0.0.3: {} with {} STS field(s)",
        other.status,
        other.sts.len()
    ));
    report.check(
        "the layer trusts a forwarded scheme only from a configured proxy",
        trusted.status == 200
            && trusted.sts.len() == 1
            && other.status == 308
            && other.sts.is_empty(),
    );
    Ok(())
}
