//! Following a chain of HTTP redirects without doing any I/O: the caller fetches each
//! URL that [`RedirectWalk`] asks for and pushes back what it saw.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The most redirects the preload checker follows; one more is `redirects.too_many`.
pub const MAX_REDIRECTS: usize = 3;

/// What a caller saw in one HTTP response: all the check needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Location` field as sent, if any.
    pub location: Option<String>,
    /// Every Strict-Transport-Security field value, in order, as raw bytes.
    pub sts: Vec<Vec<u8>>,
}

impl Response {
    /// A response with `status`, no `Location` and no Strict-Transport-Security field.
    #[must_use]
    pub fn new(status: u16) -> Self {
        Self {
            status,
            location: None,
            sts: Vec::new(),
        }
    }

    /// The same with a `Location` field.
    #[must_use]
    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The same with one more Strict-Transport-Security field.
    #[must_use]
    pub fn with_sts(mut self, value: impl Into<Vec<u8>>) -> Self {
        self.sts.push(value.into());
        self
    }

    /// Whether a client follows this response: 301, 302, 303, 307 or 308 with a
    /// `Location` (other 3xx answers, and a 3xx without `Location`, end the chain).
    #[must_use]
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.location.is_some()
    }
}

/// One redirect that was followed: where it led and what came back from there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Hop {
    /// The absolute URL the previous response redirected to.
    pub url: String,
    /// What fetching it returned.
    pub response: Response,
}

/// How a chain of redirects ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ChainEnd {
    /// A response that is not a redirect.
    Done,
    /// A redirect beyond [`MAX_REDIRECTS`], not followed.
    TooMany,
    /// A URL could not be fetched, or a `Location` could not be followed.
    Failed {
        /// Why, in the caller's words or the walk's.
        reason: String,
    },
}

/// A whole chain: where it started, the first response, each redirect followed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Chain {
    /// The URL fetched first.
    pub start: String,
    /// Its response; `None` when it could not be fetched at all.
    pub first: Option<Response>,
    /// The redirects followed, in order.
    pub hops: Vec<Hop>,
    /// How it ended.
    pub end: ChainEnd,
}

impl Chain {
    /// A chain whose first fetch failed (nothing listening, for example).
    #[must_use]
    pub fn unreachable(start: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            start: start.into(),
            first: None,
            hops: Vec::new(),
            end: ChainEnd::Failed {
                reason: reason.into(),
            },
        }
    }

    /// The last response seen, if any.
    #[must_use]
    pub fn last(&self) -> Option<&Response> {
        self.hops
            .last()
            .map(|h| &h.response)
            .or(self.first.as_ref())
    }
}

/// A sans-IO walk along redirects, at most [`MAX_REDIRECTS`] of them, the way the preload
/// checker follows them: the walk names the next URL, the caller fetches it (without
/// letting its HTTP client follow redirects) and pushes the response or the failure.
///
/// ```
/// use hostkit_hsts::{ChainEnd, RedirectWalk, Response};
///
/// let mut walk = RedirectWalk::new("http://example.com/");
/// assert_eq!(walk.next_url(), Some("http://example.com/"));
/// walk.push(Response::new(301).with_location("https://example.com/"));
/// assert_eq!(walk.next_url(), Some("https://example.com/"));
/// walk.push(Response::new(200).with_sts("max-age=63072000"));
/// assert_eq!(walk.next_url(), None);
/// let chain = walk.finish();
/// assert_eq!(chain.hops.len(), 1);
/// assert_eq!(chain.end, ChainEnd::Done);
/// ```
#[derive(Debug, Clone)]
pub struct RedirectWalk {
    chain: Chain,
    next: Option<String>,
}

impl RedirectWalk {
    /// Starts at `url`, an absolute `http://` or `https://` URL.
    #[must_use]
    pub fn new(url: &str) -> Self {
        Self {
            chain: Chain {
                start: url.to_string(),
                first: None,
                hops: Vec::new(),
                end: ChainEnd::Done,
            },
            next: Some(url.to_string()),
        }
    }

    /// The URL to fetch next, or `None` when the walk is over.
    #[must_use]
    pub fn next_url(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// What fetching [`next_url`](Self::next_url) returned. Ignored once the walk is over.
    pub fn push(&mut self, response: Response) {
        let Some(url) = self.next.take() else {
            return;
        };
        let follow = response.is_redirect();
        let location = response.location.clone();
        if self.chain.first.is_none() && self.chain.hops.is_empty() {
            self.chain.first = Some(response);
        } else {
            self.chain.hops.push(Hop { url, response });
        }
        if !follow {
            self.chain.end = ChainEnd::Done;
            return;
        }
        if self.chain.hops.len() >= MAX_REDIRECTS {
            self.chain.end = ChainEnd::TooMany;
            return;
        }
        let base = self.current_url();
        match location.as_deref().and_then(|l| resolve(&base, l)) {
            Some(next) => self.next = Some(next),
            None => {
                self.chain.end = ChainEnd::Failed {
                    reason: alloc::format!(
                        "cannot follow Location {:?} from {base}",
                        location.unwrap_or_default()
                    ),
                };
            }
        }
    }

    /// Fetching [`next_url`](Self::next_url) failed; the walk is over.
    pub fn fail(&mut self, reason: impl Into<String>) {
        if self.next.take().is_some() {
            self.chain.end = ChainEnd::Failed {
                reason: reason.into(),
            };
        }
    }

    /// The chain walked so far.
    #[must_use]
    pub fn finish(self) -> Chain {
        self.chain
    }

    fn current_url(&self) -> String {
        self.chain
            .hops
            .last()
            .map_or_else(|| self.chain.start.clone(), |h| h.url.clone())
    }
}

/// The parts of an absolute URL that the checks compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// The scheme, as written.
    pub(crate) scheme: &'a str,
    /// `host[:port]`, without user information.
    pub(crate) authority: &'a str,
    /// The host, without port (IPv6 literals keep their brackets).
    pub(crate) host: &'a str,
    /// Everything after the authority.
    pub(crate) rest: &'a str,
}

/// Splits an absolute URL `scheme://authority/rest`; `None` when it is not one.
pub(crate) fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let mut chars = scheme.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    if host.is_empty() {
        return None;
    }
    Some(UrlParts {
        scheme,
        authority,
        host,
        rest,
    })
}

/// Resolves a `Location` value against the URL that sent it (RFC 9110 section 10.2.2
/// allows a relative reference). Dot segments are kept as they are.
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() {
        return None;
    }
    if let Some(parts) = split_url(location) {
        return is_web(parts.scheme).then(|| location.to_string());
    }
    if has_scheme(location) {
        // Another scheme (mailto:, ftp:), or http: without an authority.
        return None;
    }
    let b = split_url(base)?;
    let resolved = if let Some(net) = location.strip_prefix("//") {
        alloc::format!("{}://{net}", b.scheme)
    } else if location.starts_with('/') {
        alloc::format!("{}://{}{location}", b.scheme, b.authority)
    } else {
        let path = b.rest.split(['?', '#']).next().unwrap_or("");
        if location.starts_with('?') {
            alloc::format!("{}://{}{path}{location}", b.scheme, b.authority)
        } else if location.starts_with('#') {
            alloc::format!("{}://{}{}", b.scheme, b.authority, b.rest)
        } else {
            let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
            alloc::format!("{}://{}{dir}{location}", b.scheme, b.authority)
        }
    };
    split_url(&resolved).is_some().then_some(resolved)
}

/// Whether a reference starts with `scheme:` (RFC 3986 section 3.1).
fn has_scheme(reference: &str) -> bool {
    let end = reference.find([':', '/', '?', '#']).unwrap_or(0);
    let scheme = &reference[..end];
    reference[end..].starts_with(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn is_web(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split() {
        let p = split_url("https://user@Example.com:8443/a?b").unwrap();
        assert_eq!(
            (p.scheme, p.authority, p.host, p.rest),
            ("https", "Example.com:8443", "Example.com", "/a?b")
        );
        assert_eq!(split_url("http://[::1]:80").unwrap().host, "[::1]");
        assert_eq!(split_url("example.com/a"), None);
        assert_eq!(split_url("1http://x"), None);
        assert_eq!(split_url("http:///a"), None);
    }

    #[test]
    fn locations_resolve() {
        let base = "http://a.example:8080/x/y?q";
        assert_eq!(
            resolve(base, "https://b.example/").as_deref(),
            Some("https://b.example/")
        );
        assert_eq!(
            resolve(base, "//c.example/z").as_deref(),
            Some("http://c.example/z")
        );
        assert_eq!(
            resolve(base, "/z").as_deref(),
            Some("http://a.example:8080/z")
        );
        assert_eq!(
            resolve(base, "z").as_deref(),
            Some("http://a.example:8080/x/z")
        );
        assert_eq!(
            resolve(base, "?r").as_deref(),
            Some("http://a.example:8080/x/y?r")
        );
        assert_eq!(resolve(base, "ftp://a.example/"), None);
        assert_eq!(resolve(base, "  "), None);
    }

    #[test]
    fn walk_stops_after_three_redirects() {
        let mut walk = RedirectWalk::new("http://a.example/");
        let mut fetched = 0;
        while walk.next_url().is_some() {
            fetched += 1;
            walk.push(Response::new(302).with_location(alloc::format!("/{fetched}")));
        }
        let chain = walk.finish();
        assert_eq!(fetched, 4);
        assert_eq!(chain.hops.len(), 3);
        assert_eq!(chain.end, ChainEnd::TooMany);
        assert_eq!(chain.hops[2].url, "http://a.example/3");
    }

    #[test]
    fn walk_failures() {
        let mut walk = RedirectWalk::new("http://a.example/");
        walk.fail("connection refused");
        assert_eq!(walk.next_url(), None);
        let chain = walk.finish();
        assert!(chain.first.is_none());
        assert!(matches!(chain.end, ChainEnd::Failed { .. }));

        let mut walk = RedirectWalk::new("http://a.example/");
        walk.push(Response::new(301).with_location("mailto:x@y"));
        assert_eq!(walk.next_url(), None);
        assert!(matches!(walk.finish().end, ChainEnd::Failed { .. }));

        // 300 and a 301 without Location are final answers.
        let mut walk = RedirectWalk::new("http://a.example/");
        walk.push(Response::new(301));
        let chain = walk.finish();
        assert_eq!(chain.end, ChainEnd::Done);
        assert_eq!(chain.last(), Some(&Response::new(301)));
    }
}
