//! `hostkit hsts preload-check --url`: the live eligibility check and its output.

use std::io::{self, Write};
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

use hostkit_examples::hsts_check::{CheckOptions, check};
use hostkit_hsts::{Eligibility, Issue};
use serde_json::{Value, json};

use super::{usage_error, verdict, write_json_line};

fn issue_json(i: &Issue) -> Value {
    json!({ "code": i.code, "message": i.message })
}

/// The domain and the HTTPS port of `https://HOST[:PORT][/...]`.
fn target(url: &str) -> Result<(String, u16), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if parsed.scheme() != "https" {
        return Err("the URL must start with https://".into());
    }
    let host = parsed.host_str().ok_or("the URL has no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_string(), parsed.port().unwrap_or(443)))
}

pub(crate) fn preload_live(
    json: bool,
    url: &str,
    resolve: &[String],
    ca_file: Option<&Path>,
    http_port: u16,
) -> ExitCode {
    let (domain, https_port) = match target(url) {
        Ok(t) => t,
        Err(e) => return usage_error(url, e),
    };
    let mut options = CheckOptions {
        https_port,
        http_port,
        ..CheckOptions::default()
    };
    for r in resolve {
        let Some((host, addr)) = r.rsplit_once(':').filter(|(h, _)| !h.is_empty()) else {
            return usage_error(r, "--resolve wants HOST:ADDR");
        };
        let addr = addr.trim_start_matches('[').trim_end_matches(']');
        match addr.parse::<IpAddr>() {
            Ok(ip) => {
                options.resolve.insert(host.to_ascii_lowercase(), ip);
            }
            Err(e) => return usage_error(r, e),
        }
    }
    if let Some(path) = ca_file {
        match std::fs::read(path) {
            Ok(pem) => options.ca_pem = Some(pem),
            Err(e) => return usage_error(&path.display().to_string(), e),
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error("hsts preload-check", e),
    };
    let verdict_of = match runtime.block_on(check(&domain, &options)) {
        Ok(v) => v,
        Err(e) => return usage_error(url, format!("{e:#}")),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = if json {
        write_json_line(&mut out, &live_json(&domain, &verdict_of))
    } else {
        write_live_text(&mut out, &domain, &verdict_of)
    };
    match written {
        Ok(()) => verdict(verdict_of.is_preloadable()),
        Err(e) => usage_error("hsts preload-check", e),
    }
}

fn live_json(domain: &str, v: &Eligibility) -> Value {
    json!({
        "domain": domain,
        "preloadable": v.is_preloadable(),
        "errors": v.errors.iter().map(issue_json).collect::<Vec<_>>(),
        "warnings": v.warnings.iter().map(issue_json).collect::<Vec<_>>(),
    })
}

fn write_live_text<W: Write>(out: &mut W, domain: &str, v: &Eligibility) -> io::Result<()> {
    if v.is_preloadable() {
        writeln!(out, "{domain}: preloadable")?;
    } else {
        writeln!(out, "{domain}: not preloadable")?;
    }
    for e in &v.errors {
        writeln!(out, "  error {}: {}", e.code, e.message)?;
    }
    for w in &v.warnings {
        writeln!(out, "  warning {}: {}", w.code, w.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            target("https://Example.COM:8443/x"),
            Ok(("example.com".to_string(), 8443))
        );
        assert_eq!(
            target("https://example.com"),
            Ok(("example.com".to_string(), 443))
        );
        assert!(target("http://example.com").is_err());
        assert!(target("example.com").is_err());
    }
}
