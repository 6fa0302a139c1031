//! Whether a site may be submitted to the HSTS preload list: hstspreload.org's checks,
//! with its codes, judged on what the caller observed.
//!
//! The checks, in the order they are reported:
//!
//! 1. the domain name: its form, then that it is its own registrable domain (public
//!    suffix list);
//! 2. TLS on `https://domain` (the caller reports the outcome);
//! 3. the Strict-Transport-Security field of that response, read the checker's way;
//! 4. the redirects from `https://domain`: every hop stays on HTTPS;
//! 5. the redirects from `http://domain`: the first hop goes to `https://domain` and sends
//!    a header; every later hop is HTTPS;
//! 6. `www.domain`: when it accepts TCP on 443 it must complete a TLS handshake.
//!
//! The checker reads a header more leniently than [`parse`](crate::parse()) (RFC 6797):
//! a repeated directive is a warning, not an error, and its codes differ, so this module
//! has its own reading, [`check_header`].

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::policy::ONE_YEAR;
use crate::preload::TEN_YEARS;
use crate::redirects::{Chain, ChainEnd, Response, split_url};

/// One finding: hstspreload.org's code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Issue {
    /// hstspreload.org's code, such as `redirects.http.www_first`.
    pub code: &'static str,
    /// What is wrong, naming the values involved.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// The verdict: errors block a submission, warnings do not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Eligibility {
    /// Findings that block a submission, in the order of the checks.
    pub errors: Vec<Issue>,
    /// Findings that do not.
    pub warnings: Vec<Issue>,
}

impl Eligibility {
    /// No errors.
    #[must_use]
    pub fn is_preloadable(&self) -> bool {
        self.errors.is_empty()
    }

    /// The error codes, in order.
    #[must_use]
    pub fn error_codes(&self) -> Vec<&'static str> {
        self.errors.iter().map(|i| i.code).collect()
    }

    /// The warning codes, in order.
    #[must_use]
    pub fn warning_codes(&self) -> Vec<&'static str> {
        self.warnings.iter().map(|i| i.code).collect()
    }

    fn error(&mut self, code: &'static str, message: String) {
        self.errors.push(Issue { code, message });
    }

    fn warning(&mut self, code: &'static str, message: String) {
        self.warnings.push(Issue { code, message });
    }

    /// A warning the checker reports once per header, however often it occurs.
    fn warning_once(&mut self, code: &'static str, message: String) {
        if !self.warnings.iter().any(|w| w.code == code) {
            self.warning(code, message);
        }
    }

    fn append(&mut self, other: Self) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }
}

/// How the TLS connection to `https://domain` went, as the caller saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TlsOutcome {
    /// A handshake with a verified certificate chain, and a response.
    Verified,
    /// No connection, handshake or response even without verifying the certificate.
    CannotConnect {
        /// The client's error.
        reason: String,
    },
    /// It works only when the certificate is not verified.
    InvalidCertChain {
        /// The verifier's error.
        reason: String,
    },
    /// The chain holds a certificate signed with SHA-1.
    Sha1,
}

/// Whether `www.domain` speaks TLS on port 443.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum WwwOutcome {
    /// Nothing accepts TCP there (no name, or no listener): nothing to check.
    Absent,
    /// A TLS handshake with a verified certificate succeeded.
    Tls,
    /// TCP is accepted but the TLS handshake failed.
    NoTls {
        /// The client's error.
        reason: String,
    },
}

/// Everything the caller observed about a site, for [`check_site`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Site {
    /// The domain as submitted.
    pub domain: String,
    /// The TLS outcome of fetching `https://domain/`.
    pub tls: TlsOutcome,
    /// The chain from `https://domain/` (its first response is the one whose header is
    /// checked); only read when `tls` is [`TlsOutcome::Verified`].
    pub https: Chain,
    /// The chain from `http://domain/`.
    pub http: Chain,
    /// Whether `www.domain` speaks TLS.
    pub www: WwwOutcome,
}

/// Step 1, offline: the form of the domain name and whether it is its own registrable
/// domain (public suffix list, through the `psl` crate).
///
/// Errors from the form (`domain.format.*`) mean the network checks are pointless;
/// `domain.is_subdomain` does not stop them.
///
/// ```
/// use hostkit_hsts::check_domain;
///
/// assert!(check_domain("example.com").is_preloadable());
/// assert_eq!(check_domain("www.example.com").error_codes(), ["domain.is_subdomain"]);
/// assert_eq!(check_domain("co.uk").error_codes(), ["domain.format.public_suffix"]);
/// ```
#[must_use]
pub fn check_domain(domain: &str) -> Eligibility {
    let mut out = Eligibility::default();
    if domain.starts_with('.') {
        out.error(
            "domain.format.begins_with_dot",
            format!("{domain:?} begins with '.'"),
        );
    }
    if domain.ends_with('.') {
        out.error(
            "domain.format.ends_with_dot",
            format!("{domain:?} ends with '.'"),
        );
    }
    if domain.contains("..") {
        out.error(
            "domain.format.contains_double_dot",
            format!("{domain:?} contains '..'"),
        );
    }
    if !out.errors.is_empty() {
        return out;
    }
    let lower = domain.to_ascii_lowercase();
    let registrable = psl::domain_str(&lower);
    if registrable.is_none() {
        out.error(
            "domain.format.public_suffix",
            format!("{domain:?} is a public suffix: no one domain owner can submit it"),
        );
    }
    if let Some(bad) = lower
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
    {
        out.error(
            "domain.format.invalid_characters",
            format!("{domain:?} contains {bad:?}; only a-z, 0-9, '.' and '-' are allowed"),
        );
    }
    if lower.parse::<core::net::IpAddr>().is_ok() {
        out.error(
            "domain.format.is_ip_address",
            format!("{domain:?} is an IP address, not a domain name"),
        );
    }
    if !out.errors.is_empty() {
        return out;
    }
    if let Some(reg) = registrable
        && reg != lower
    {
        out.error(
            "domain.is_subdomain",
            format!("{domain:?} is a subdomain; submit its registrable domain {reg:?}"),
        );
    }
    out
}

/// What [`check_header`] read from a header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Read {
    max_age: Option<u64>,
    include_subdomains: bool,
    preload: bool,
}

/// Step 3 for one header value: reads it the way hstspreload.org does (directives split
/// at `;`, names compared without case, a repeated directive a warning) and checks the
/// policy: `includeSubDomains`, `preload`, and `max-age` of at least 31536000 seconds.
///
/// ```
/// use hostkit_hsts::check_header;
///
/// let v = check_header(b"max-age=31536000; includeSubDomains");
/// assert_eq!(v.error_codes(), ["header.preloadable.preload.missing"]);
/// let v = check_header(b"max-age=\"31536000\"; includeSubDomains; preload");
/// assert_eq!(
///     v.error_codes(),
///     ["header.parse.max_age.non_digit_characters", "header.preloadable.max_age.missing"]
/// );
/// ```
#[must_use]
pub fn check_header(value: &[u8]) -> Eligibility {
    let (read, mut out) = read_header(value);
    out.append(policy_issues(read));
    out
}

fn read_header(value: &[u8]) -> (Read, Eligibility) {
    let mut read = Read::default();
    let mut out = Eligibility::default();
    if value.trim_ascii().is_empty() {
        out.warning("header.parse.empty", "the header is empty".into());
        return (read, out);
    }
    for directive in value.split(|&b| b == b';').map(<[u8]>::trim_ascii) {
        let shown = String::from_utf8_lossy(directive);
        if directive.eq_ignore_ascii_case(b"preload") {
            if read.preload {
                out.warning_once(
                    "header.parse.repeated.preload",
                    "the preload directive appears more than once".into(),
                );
            }
            read.preload = true;
        } else if has_prefix(directive, b"preload") {
            out.warning_once(
                "header.parse.invalid.preload",
                format!("{shown:?} is not the preload directive, which takes no value"),
            );
        } else if directive.eq_ignore_ascii_case(b"includeSubDomains") {
            if read.include_subdomains {
                out.warning_once(
                    "header.parse.repeated.include_sub_domains",
                    "the includeSubDomains directive appears more than once".into(),
                );
            }
            read.include_subdomains = true;
        } else if has_prefix(directive, b"includeSubDomains") {
            out.warning_once(
                "header.parse.invalid.include_sub_domains",
                format!("{shown:?} is not the includeSubDomains directive, which takes no value"),
            );
        } else if has_prefix(directive, b"max-age=") {
            let Some(seconds) = read_max_age(&directive[8..], &mut out) else {
                continue;
            };
            if read.max_age.is_some() {
                out.warning_once(
                    "header.parse.repeated.max_age",
                    "the max-age directive appears more than once; the first counts".into(),
                );
            } else {
                read.max_age = Some(seconds);
            }
        } else if has_prefix(directive, b"max-age") {
            out.error(
                "header.parse.invalid.max_age.no_value",
                format!("{shown:?} has no value; write max-age=SECONDS"),
            );
        } else if directive.is_empty() {
            out.warning_once(
                "header.parse.empty_directive",
                "the header has an empty directive (two ';' in a row, or one at an end)".into(),
            );
        } else {
            out.warning_once(
                "header.parse.unknown_directive",
                format!("{shown:?} is not a directive the preload list knows"),
            );
        }
    }
    (read, out)
}

fn has_prefix(directive: &[u8], prefix: &[u8]) -> bool {
    directive.len() >= prefix.len() && directive[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn read_max_age(digits: &[u8], out: &mut Eligibility) -> Option<u64> {
    let shown = String::from_utf8_lossy(digits);
    if digits.len() > 1 && digits[0] == b'0' {
        out.warning(
            "header.parse.max_age.leading_zero",
            format!("max-age {shown:?} has a leading zero"),
        );
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        out.error(
            "header.parse.max_age.non_digit_characters",
            format!("max-age {shown:?} is not only digits (quotes are not accepted)"),
        );
        return None;
    }
    let mut seconds: u64 = 0;
    for &d in digits {
        match seconds
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(d - b'0')))
        {
            Some(s) => seconds = s,
            None => {
                out.error(
                    "header.parse.max_age.parse_int_error",
                    format!("max-age {shown:?} is too large a number"),
                );
                return None;
            }
        }
    }
    if digits.is_empty() {
        out.error(
            "header.parse.max_age.parse_int_error",
            "max-age= has no digits".into(),
        );
        return None;
    }
    Some(seconds)
}

fn policy_issues(read: Read) -> Eligibility {
    let mut out = Eligibility::default();
    if !read.include_subdomains {
        out.error(
            "header.preloadable.include_sub_domains.missing",
            "the header has no includeSubDomains directive".into(),
        );
    }
    if !read.preload {
        out.error(
            "header.preloadable.preload.missing",
            "the header has no preload directive".into(),
        );
    }
    match read.max_age {
        None => out.error(
            "header.preloadable.max_age.missing",
            "the header has no valid max-age directive".into(),
        ),
        Some(0) => out.error(
            "header.preloadable.max_age.zero",
            "max-age is 0, which asks browsers to forget the policy".into(),
        ),
        Some(s) if s < ONE_YEAR => out.error(
            "header.preloadable.max_age.below_1_year",
            format!("max-age {s} is below 31536000 seconds (one year)"),
        ),
        Some(s) if s > TEN_YEARS => out.warning(
            "header.preloadable.max_age.over_10_years",
            format!("max-age {s} is over ten years (315360000 seconds)"),
        ),
        Some(_) => {}
    }
    out
}

/// Step 3 for one response: exactly one Strict-Transport-Security field, which passes
/// [`check_header`].
#[must_use]
pub fn check_response(response: &Response) -> Eligibility {
    let mut out = Eligibility::default();
    match response.sts.as_slice() {
        [] => out.error(
            "response.no_header",
            "the response has no Strict-Transport-Security field".into(),
        ),
        [one] => out.append(check_header(one)),
        many => out.error(
            "response.multiple_headers",
            format!(
                "the response has {} Strict-Transport-Security fields; send exactly one",
                many.len()
            ),
        ),
    }
    out
}

fn same_host(url_host: &str, domain: &str) -> bool {
    url_host.eq_ignore_ascii_case(domain)
}

fn is_https(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("https")
}

/// The end of a chain: `redirects.too_many` or `redirects.follow_error`.
fn chain_end(chain: &Chain, out: &mut Eligibility) -> bool {
    match &chain.end {
        ChainEnd::Done => false,
        ChainEnd::TooMany => {
            out.error(
                "redirects.too_many",
                format!(
                    "{} redirects more than {} times",
                    chain.start,
                    crate::redirects::MAX_REDIRECTS
                ),
            );
            true
        }
        ChainEnd::Failed { reason } => {
            out.error(
                "redirects.follow_error",
                format!(
                    "following the redirects from {} failed: {reason}",
                    chain.start
                ),
            );
            true
        }
    }
}

/// Step 4: the redirects from `https://domain` stay on HTTPS.
#[must_use]
pub fn check_https_redirects(chain: &Chain) -> Eligibility {
    let mut out = Eligibility::default();
    insecure_hops(chain, 0, &mut out);
    chain_end(chain, &mut out);
    out
}

fn insecure_hops(chain: &Chain, from: usize, out: &mut Eligibility) {
    for (i, hop) in chain.hops.iter().enumerate().skip(from) {
        if split_url(&hop.url).is_some_and(|u| is_https(u.scheme)) {
            continue;
        }
        if i == 0 {
            out.error(
                "redirects.insecure.initial",
                format!(
                    "{} redirects to {}, which is not HTTPS",
                    chain.start, hop.url
                ),
            );
        } else {
            out.error(
                "redirects.insecure.subsequent",
                format!(
                    "redirect {} of {} goes to {}, which is not HTTPS",
                    i + 1,
                    chain.start,
                    hop.url
                ),
            );
        }
    }
}

/// Step 5: `http://domain` redirects first to `https://domain`, whose answer carries a
/// Strict-Transport-Security field, and later hops stay on HTTPS.
#[must_use]
pub fn check_http_redirects(domain: &str, chain: &Chain) -> Eligibility {
    let mut out = Eligibility::default();
    let Some(first) = &chain.first else {
        out.warning(
            "redirects.http.does_not_exist",
            format!("{} cannot be reached; nothing to check", chain.start),
        );
        return out;
    };
    if !first.sts.is_empty() {
        out.warning(
            "redirects.http.useless_header",
            format!(
                "{} sends Strict-Transport-Security over plain HTTP, where browsers ignore it",
                chain.start
            ),
        );
    }
    if chain.hops.is_empty() {
        if !chain_end(chain, &mut out) {
            out.error(
                "redirects.http.no_redirect",
                format!("{} does not redirect to https://{domain}", chain.start),
            );
        }
        return out;
    }
    let hop = &chain.hops[0];
    let parts = split_url(&hop.url);
    let www = format!("www.{domain}");
    match parts {
        Some(u) if same_host(u.host, &www) => out.error(
            "redirects.http.www_first",
            format!(
                "{} redirects to {} first; redirect to https://{domain} before adding www",
                chain.start, hop.url
            ),
        ),
        Some(u) if is_https(u.scheme) && same_host(u.host, domain) => {
            if hop.response.sts.is_empty() {
                out.error(
                    "redirects.http.first_redirect.no_hsts",
                    format!(
                        "{} redirects to {}, which sends no Strict-Transport-Security field",
                        chain.start, hop.url
                    ),
                );
            } else if !read_header(&hop.response.sts[0]).1.is_preloadable() {
                out.error(
                    "redirects.http.first_redirect.invalid",
                    format!(
                        "{} redirects to {}, whose Strict-Transport-Security field is invalid",
                        chain.start, hop.url
                    ),
                );
            }
        }
        _ => out.error(
            "redirects.http.first_redirect.insecure",
            format!(
                "{} redirects to {} first; redirect to https://{domain} first",
                chain.start, hop.url
            ),
        ),
    }
    insecure_hops(chain, 1, &mut out);
    chain_end(chain, &mut out);
    out
}

/// Step 6: `www.domain` speaks TLS when it accepts connections.
#[must_use]
pub fn check_www(domain: &str, www: &WwwOutcome) -> Eligibility {
    let mut out = Eligibility::default();
    if let WwwOutcome::NoTls { reason } = www {
        out.error(
            "domain.www.no_tls",
            format!("www.{domain} accepts connections on 443 but TLS fails: {reason}"),
        );
    }
    out
}

/// Step 2: the TLS outcome. Returns whether the checks that need a response can go on.
fn check_tls(domain: &str, tls: &TlsOutcome, out: &mut Eligibility) -> bool {
    match tls {
        TlsOutcome::Verified => true,
        TlsOutcome::CannotConnect { reason } => {
            out.error(
                "domain.tls.cannot_connect",
                format!("cannot connect to https://{domain}: {reason}"),
            );
            false
        }
        TlsOutcome::InvalidCertChain { reason } => {
            out.error(
                "domain.tls.invalid_cert_chain",
                format!("the certificate chain of {domain} does not verify: {reason}"),
            );
            false
        }
        TlsOutcome::Sha1 => {
            out.error(
                "domain.tls.sha1",
                format!("the certificate chain of {domain} uses a SHA-1 signature"),
            );
            true
        }
    }
}

/// The whole check on what the caller observed, in hstspreload.org's order. Errors in
/// the form of the domain stop it there; a TLS failure stops it after step 2.
///
/// ```
/// use hostkit_hsts::{Chain, RedirectWalk, Response, Site, TlsOutcome, WwwOutcome, check_site};
///
/// let sts = "max-age=63072000; includeSubDomains; preload";
/// let mut https = RedirectWalk::new("https://example.com/");
/// https.push(Response::new(200).with_sts(sts));
/// let mut http = RedirectWalk::new("http://example.com/");
/// http.push(Response::new(301).with_location("https://www.example.com/"));
/// http.push(Response::new(200).with_sts(sts));
/// let site = Site::new("example.com", TlsOutcome::Verified, https.finish(), http.finish(),
///                      WwwOutcome::Tls);
/// assert_eq!(check_site(&site).error_codes(), ["redirects.http.www_first"]);
/// ```
#[must_use]
pub fn check_site(site: &Site) -> Eligibility {
    let mut out = check_domain(&site.domain);
    if out
        .errors
        .iter()
        .any(|e| e.code.starts_with("domain.format."))
    {
        return out;
    }
    let domain = site.domain.to_ascii_lowercase();
    if !check_tls(&domain, &site.tls, &mut out) {
        return out;
    }
    match &site.https.first {
        Some(first) => out.append(check_response(first)),
        None => out.error(
            "domain.tls.cannot_connect",
            format!("no response from https://{domain}"),
        ),
    }
    out.append(check_https_redirects(&site.https));
    out.append(check_http_redirects(&domain, &site.http));
    out.append(check_www(&domain, &site.www));
    out
}

impl Site {
    /// Gathers the observations.
    #[must_use]
    pub fn new(
        domain: impl Into<String>,
        tls: TlsOutcome,
        https: Chain,
        http: Chain,
        www: WwwOutcome,
    ) -> Self {
        Self {
            domain: domain.into(),
            tls,
            https,
            http,
            www,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redirects::RedirectWalk;

    const GOOD: &str = "max-age=63072000; includeSubDomains; preload";

    fn chain(start: &str, responses: &[Response]) -> Chain {
        let mut walk = RedirectWalk::new(start);
        for r in responses {
            walk.push(r.clone());
        }
        walk.finish()
    }

    fn ok() -> Response {
        Response::new(200).with_sts(GOOD)
    }

    fn to(url: &str) -> Response {
        Response::new(301).with_location(url)
    }

    fn site(http: &[Response]) -> Site {
        Site::new(
            "example.com",
            TlsOutcome::Verified,
            chain("https://example.com/", &[ok()]),
            chain("http://example.com/", http),
            WwwOutcome::Tls,
        )
    }

    fn codes(s: &Site) -> Vec<&'static str> {
        check_site(s).error_codes()
    }

    #[test]
    fn domain_forms() {
        assert_eq!(
            check_domain(".a..b.").error_codes(),
            [
                "domain.format.begins_with_dot",
                "domain.format.ends_with_dot",
                "domain.format.contains_double_dot"
            ]
        );
        assert_eq!(
            check_domain("ex_ample.com").error_codes(),
            ["domain.format.invalid_characters"]
        );
        assert_eq!(
            check_domain("com").error_codes(),
            ["domain.format.public_suffix"]
        );
        assert!(
            check_domain("10.0.0.1")
                .error_codes()
                .contains(&"domain.format.is_ip_address")
        );
        assert!(check_domain("Example.CO.UK").is_preloadable());
        assert_eq!(
            check_domain("a.b.example.co.uk").error_codes(),
            ["domain.is_subdomain"]
        );
        // A name under a suffix the list does not know has the last label as its suffix.
        assert!(check_domain("example.test").is_preloadable());
    }

    #[test]
    fn header_reading() {
        let v = check_header(b"max-age=31536000; includesubdomains; PRELOAD; preload; x");
        assert!(v.is_preloadable());
        assert_eq!(
            v.warning_codes(),
            [
                "header.parse.repeated.preload",
                "header.parse.unknown_directive"
            ]
        );
        let v = check_header(b"  ");
        assert_eq!(v.warning_codes(), ["header.parse.empty"]);
        assert_eq!(
            v.error_codes(),
            [
                "header.preloadable.include_sub_domains.missing",
                "header.preloadable.preload.missing",
                "header.preloadable.max_age.missing"
            ]
        );
        let v = check_header(b"max-age; includeSubDomains; preload");
        assert_eq!(
            v.error_codes(),
            [
                "header.parse.invalid.max_age.no_value",
                "header.preloadable.max_age.missing"
            ]
        );
        let v = check_header(b"max-age=0999999999999999999999; includeSubDomains; preload;;");
        assert_eq!(
            v.warning_codes(),
            [
                "header.parse.max_age.leading_zero",
                "header.parse.empty_directive"
            ]
        );
        assert_eq!(v.error_codes()[0], "header.parse.max_age.parse_int_error");
        let v = check_header(b"max-age=300; max-age=400; preload=1; includeSubDomains=x");
        assert_eq!(
            v.warning_codes(),
            [
                "header.parse.repeated.max_age",
                "header.parse.invalid.preload",
                "header.parse.invalid.include_sub_domains"
            ]
        );
        assert_eq!(
            v.error_codes(),
            [
                "header.preloadable.include_sub_domains.missing",
                "header.preloadable.preload.missing",
                "header.preloadable.max_age.below_1_year"
            ]
        );
        assert_eq!(
            check_header(b"max-age=0; includeSubDomains; preload").error_codes(),
            ["header.preloadable.max_age.zero"]
        );
        assert_eq!(
            check_header(b"max-age=315360001; includeSubDomains; preload").warning_codes(),
            ["header.preloadable.max_age.over_10_years"]
        );
        assert_eq!(
            check_header(b"max-age=\xff; includeSubDomains; preload").error_codes()[0],
            "header.parse.max_age.non_digit_characters"
        );
    }

    #[test]
    fn a_good_site_has_no_findings() {
        let v = check_site(&site(&[to("https://example.com/"), ok()]));
        assert_eq!(v, Eligibility::default());
    }

    #[test]
    fn each_http_mistake_has_its_code() {
        assert_eq!(
            codes(&site(&[Response::new(200)])),
            ["redirects.http.no_redirect"]
        );
        assert_eq!(
            codes(&site(&[to("https://www.example.com/"), ok()])),
            ["redirects.http.www_first"]
        );
        assert_eq!(
            codes(&site(&[
                to("http://example.com/next"),
                to("https://example.com/"),
                ok()
            ])),
            ["redirects.http.first_redirect.insecure"]
        );
        assert_eq!(
            codes(&site(&[to("https://example.com/"), Response::new(200)])),
            ["redirects.http.first_redirect.no_hsts"]
        );
        assert_eq!(
            codes(&site(&[
                to("https://example.com/"),
                Response::new(200).with_sts("max-age=x")
            ])),
            ["redirects.http.first_redirect.invalid"]
        );
        assert_eq!(
            codes(&site(&[
                to("https://example.com/"),
                to("http://example.com/x").with_sts(GOOD),
                Response::new(200)
            ])),
            ["redirects.insecure.subsequent"]
        );
        assert_eq!(
            codes(&site(&[
                to("https://example.com/1"),
                to("/2").with_sts(GOOD),
                to("/3"),
                to("/4")
            ])),
            ["redirects.too_many"]
        );
        let mut s = site(&[]);
        s.http = Chain::unreachable("http://example.com/", "connection refused");
        let v = check_site(&s);
        assert!(v.is_preloadable());
        assert_eq!(v.warning_codes(), ["redirects.http.does_not_exist"]);
        let s = site(&[
            Response::new(301)
                .with_location("https://example.com/")
                .with_sts(GOOD),
            ok(),
        ]);
        assert_eq!(
            check_site(&s).warning_codes(),
            ["redirects.http.useless_header"]
        );
        let mut walk = RedirectWalk::new("http://example.com/");
        walk.push(to("https://example.com/"));
        walk.fail("timed out");
        let mut s = site(&[]);
        s.http = walk.finish();
        assert_eq!(codes(&s), ["redirects.follow_error"]);
    }

    #[test]
    fn tls_https_and_www() {
        let mut s = site(&[to("https://example.com/"), ok()]);
        s.tls = TlsOutcome::InvalidCertChain {
            reason: "unknown issuer".into(),
        };
        assert_eq!(codes(&s), ["domain.tls.invalid_cert_chain"]);
        s.tls = TlsOutcome::CannotConnect {
            reason: "refused".into(),
        };
        assert_eq!(codes(&s), ["domain.tls.cannot_connect"]);
        s.tls = TlsOutcome::Verified;
        s.www = WwwOutcome::NoTls {
            reason: "handshake".into(),
        };
        assert_eq!(codes(&s), ["domain.www.no_tls"]);
        s.www = WwwOutcome::Absent;
        s.https = chain(
            "https://example.com/",
            &[
                Response::new(302)
                    .with_location("http://example.com/")
                    .with_sts(GOOD),
                Response::new(200),
            ],
        );
        assert_eq!(codes(&s), ["redirects.insecure.initial"]);
        s.https = chain(
            "https://example.com/",
            &[ok().with_sts("max-age=1"), Response::new(200)],
        );
        assert_eq!(codes(&s), ["response.multiple_headers"]);
        s.domain = "www.example.com".into();
        assert_eq!(
            codes(&s),
            [
                "domain.is_subdomain",
                "response.multiple_headers",
                "redirects.http.first_redirect.insecure"
            ]
        );
        s.domain = "exa mple.com".into();
        assert_eq!(codes(&s), ["domain.format.invalid_characters"]);
    }
}
