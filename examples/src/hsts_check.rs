//! The live preload-eligibility check: fetches what hstspreload.org looks at with reqwest
//! (rustls, redirects never followed by the client, 10 s timeouts, user agent
//! `hstspreload-bot`), lets `hostkit_hsts::RedirectWalk` follow the redirects, at most
//! three, and `hostkit_hsts::check_site` judge.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use hostkit_hsts::{
    Chain, Eligibility, RedirectWalk, Response, Site, TlsOutcome, WwwOutcome, check_domain,
    check_site,
};
use http::header::{LOCATION, STRICT_TRANSPORT_SECURITY};

/// The timeout of every connection and request.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to look.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Names to connect to at a fixed address instead of resolving them.
    pub resolve: HashMap<String, IpAddr>,
    /// Trust only these CA certificates (PEM) instead of the built-in roots.
    pub ca_pem: Option<Vec<u8>>,
    /// The port of `https://domain` and `https://www.domain`.
    pub https_port: u16,
    /// The port of `http://domain`.
    pub http_port: u16,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            resolve: HashMap::new(),
            ca_pem: None,
            https_port: 443,
            http_port: 80,
        }
    }
}

impl CheckOptions {
    fn client(&self, verify: bool) -> anyhow::Result<reqwest::Client> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent("hstspreload-bot")
            .no_proxy();
        for (name, ip) in &self.resolve {
            // Port 0: the port of each URL is kept.
            b = b.resolve(name, SocketAddr::new(*ip, 0));
        }
        if let Some(pem) = &self.ca_pem {
            b = b.tls_built_in_root_certs(false);
            for cert in reqwest::Certificate::from_pem_bundle(pem).context("--ca-file")? {
                b = b.add_root_certificate(cert);
            }
        }
        if !verify {
            b = b.danger_accept_invalid_certs(true);
        }
        Ok(b.build()?)
    }

    fn url(&self, scheme: &str, host: &str) -> String {
        let (port, default) = if scheme == "https" {
            (self.https_port, 443)
        } else {
            (self.http_port, 80)
        };
        if port == default {
            format!("{scheme}://{host}/")
        } else {
            format!("{scheme}://{host}:{port}/")
        }
    }
}

/// An error with its causes, one line.
fn reason(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Response, reqwest::Error> {
    let r = client.get(url).send().await?;
    let headers = r.headers();
    let mut seen = Response::new(r.status().as_u16());
    if let Some(l) = headers.get(LOCATION) {
        seen = seen.with_location(String::from_utf8_lossy(l.as_bytes()).into_owned());
    }
    for v in headers.get_all(STRICT_TRANSPORT_SECURITY) {
        seen = seen.with_sts(v.as_bytes());
    }
    Ok(seen)
}

/// Follows the walk to its end, fetching each URL it asks for.
async fn walk(client: &reqwest::Client, mut walk: RedirectWalk) -> Chain {
    while let Some(url) = walk.next_url().map(str::to_string) {
        match fetch(client, &url).await {
            Ok(r) => walk.push(r),
            Err(e) => walk.fail(reason(&e)),
        }
    }
    walk.finish()
}

async fn www(client: &reqwest::Client, options: &CheckOptions, domain: &str) -> WwwOutcome {
    let name = format!("www.{domain}");
    let port = options.https_port;
    let addrs: Vec<SocketAddr> = match options.resolve.get(&name) {
        Some(ip) => vec![SocketAddr::new(*ip, port)],
        None => match tokio::net::lookup_host((name.as_str(), port)).await {
            Ok(a) => a.collect(),
            Err(_) => return WwwOutcome::Absent,
        },
    };
    let mut open = false;
    for addr in addrs {
        if let Ok(Ok(_)) = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(addr)).await
        {
            open = true;
            break;
        }
    }
    if !open {
        return WwwOutcome::Absent;
    }
    match client.get(options.url("https", &name)).send().await {
        Ok(_) => WwwOutcome::Tls,
        Err(e) if e.is_connect() || e.is_timeout() => WwwOutcome::NoTls { reason: reason(&e) },
        // The handshake worked; what came after it is not this check's business.
        Err(_) => WwwOutcome::Tls,
    }
}

/// Fetches everything the check needs about `domain`.
///
/// # Errors
///
/// When the clients cannot be built (a bad CA file, for example).
pub async fn observe(domain: &str, options: &CheckOptions) -> anyhow::Result<Site> {
    let verified = options.client(true)?;
    let https_start = options.url("https", domain);
    let mut https = RedirectWalk::new(&https_start);
    let tls = match fetch(&verified, &https_start).await {
        Ok(first) => {
            https.push(first);
            TlsOutcome::Verified
        }
        Err(e) => {
            let why = reason(&e);
            https.fail(why.clone());
            match fetch(&options.client(false)?, &https_start).await {
                Ok(_) => TlsOutcome::InvalidCertChain { reason: why },
                Err(e) => TlsOutcome::CannotConnect { reason: reason(&e) },
            }
        }
    };
    let (https, http, www) = tokio::join!(
        walk(&verified, https),
        walk(&verified, RedirectWalk::new(&options.url("http", domain))),
        www(&verified, options, domain),
    );
    Ok(Site::new(domain, tls, https, http, www))
}

/// The whole check: the domain's form first (no network when it is wrong), then the
/// network checks.
///
/// # Errors
///
/// As for [`observe`].
pub async fn check(domain: &str, options: &CheckOptions) -> anyhow::Result<Eligibility> {
    let offline = check_domain(domain);
    if offline
        .errors
        .iter()
        .any(|e| e.code.starts_with("domain.format."))
    {
        return Ok(offline);
    }
    Ok(check_site(&observe(domain, options).await?))
}
