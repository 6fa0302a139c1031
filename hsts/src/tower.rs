//! A tower layer that sends Strict-Transport-Security only on responses to requests that
//! came over HTTPS (RFC 6797 sections 7.1 and 7.2), and optionally answers plain HTTP
//! with a 308 redirect to HTTPS (feature `tower`).
//!
//! The layer does no I/O: the server marks each request with a [`Connection`] extension
//! saying whether its connection is TLS and who the peer is. A request without one is
//! taken as plain HTTP. A peer inside a trusted-proxy network may say that the client
//! used HTTPS with `Forwarded: proto=https` (RFC 7239) or `X-Forwarded-Proto: https`;
//! from anyone else those fields are ignored.
//!
//! ```
//! use hostkit_hsts::Policy;
//! use hostkit_hsts::tower::{Connection, HstsLayer, TrustedProxy};
//! use http::{Request, Response, header::STRICT_TRANSPORT_SECURITY};
//!
//! let layer = HstsLayer::new(Policy::preload_ready(63_072_000))?
//!     .trust_proxy("10.0.0.0/8".parse::<TrustedProxy>()?);
//! let over_tls = Request::builder()
//!     .extension(Connection::tls(None))
//!     .body(())
//!     .unwrap();
//! assert!(layer.is_https(&over_tls));
//! let forwarded = Request::builder()
//!     .header("x-forwarded-proto", "https")
//!     .extension(Connection::plain(Some("10.1.2.3".parse().unwrap())))
//!     .body(())
//!     .unwrap();
//! assert!(layer.is_https(&forwarded));
//! let spoofed = Request::builder()
//!     .header("x-forwarded-proto", "https")
//!     .extension(Connection::plain(Some("192.0.2.7".parse().unwrap())))
//!     .body(())
//!     .unwrap();
//! assert!(!layer.is_https(&spoofed));
//! # Ok::<(), hostkit_hsts::Error>(())
//! ```

use alloc::format;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::net::IpAddr;
use core::pin::Pin;
use core::str::FromStr;
use core::task::{Context, Poll};

use ::http::header::{HOST, LOCATION, STRICT_TRANSPORT_SECURITY};
use ::http::uri::Authority;
use ::http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::{Error, Policy};

/// What the server knows about the connection a request came on; put it in the
/// request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The connection is TLS (the server terminated it).
    pub tls: bool,
    /// The peer's address, when known: needed to trust a proxy's forwarded scheme.
    pub peer: Option<IpAddr>,
}

impl Connection {
    /// A TLS connection from `peer`.
    #[must_use]
    pub const fn tls(peer: Option<IpAddr>) -> Self {
        Self { tls: true, peer }
    }

    /// A plain TCP connection from `peer`.
    #[must_use]
    pub const fn plain(peer: Option<IpAddr>) -> Self {
        Self { tls: false, peer }
    }
}

/// A network whose hosts are trusted to say which scheme the client used: `IP` or
/// `IP/PREFIX`, IPv4 or IPv6.
///
/// ```
/// use hostkit_hsts::tower::TrustedProxy;
///
/// let net: TrustedProxy = "192.0.2.0/24".parse()?;
/// assert!(net.contains("192.0.2.200".parse().unwrap()));
/// assert!(net.contains("::ffff:192.0.2.1".parse().unwrap()));
/// assert!(!net.contains("192.0.3.1".parse().unwrap()));
/// assert_eq!(net.to_string(), "192.0.2.0/24");
/// # Ok::<(), hostkit_hsts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    /// The network `addr/prefix`; host bits of `addr` are cleared.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidNetwork`] when `prefix` is longer than the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, Error> {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > bits {
            return Err(Error::InvalidNetwork {
                text: format!("{addr}/{prefix}"),
                reason: "prefix longer than the address",
            });
        }
        Ok(Self {
            network: mask(addr, prefix),
            prefix,
        })
    }

    /// Whether `addr` is in the network. IPv4-mapped IPv6 addresses count as IPv4.
    #[must_use]
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        addr.is_ipv4() == self.network.is_ipv4() && mask(addr, self.prefix) == self.network
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & m).into())
        }
        IpAddr::V6(a) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & m).into())
        }
    }
}

impl FromStr for TrustedProxy {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| Error::InvalidNetwork {
            text: s.to_string(),
            reason,
        };
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = ip.parse().map_err(|_| invalid("not an IP address"))?;
        let prefix = match prefix {
            None => {
                if addr.is_ipv4() {
                    32
                } else {
                    128
                }
            }
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| invalid("prefix out of range"))?
            }
            Some(_) => return Err(invalid("prefix is not a number")),
        };
        Self::new(addr, prefix).map_err(|_| invalid("prefix longer than the address"))
    }
}

impl core::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[derive(Debug, Clone)]
struct Config {
    value: HeaderValue,
    trusted: Vec<TrustedProxy>,
    redirect: Option<Option<u16>>,
}

/// The layer: wraps a service so that HTTPS responses carry the header and plain HTTP
/// responses never do (a Strict-Transport-Security field the inner service set on a
/// plain HTTP response is removed).
#[derive(Debug, Clone)]
pub struct HstsLayer {
    config: Arc<Config>,
}

impl HstsLayer {
    /// Sends `policy`. A policy with `preload` must meet the preload list's requirements
    /// ([`Policy::preload_check`]): sending `preload` on a policy the list refuses is a
    /// mistake caught here rather than at submission.
    ///
    /// # Errors
    ///
    /// [`Error::NotPreloadable`] for a `preload` policy that is not preloadable.
    pub fn new(policy: Policy) -> Result<Self, Error> {
        if policy.preload
            && let Some(first) = policy.preload_check().errors.first()
        {
            return Err(Error::NotPreloadable {
                policy: policy.to_string(),
                code: first.code(),
            });
        }
        Ok(Self::allowing_unpreloadable(policy))
    }

    /// Sends `policy` without the preload check.
    #[must_use]
    pub fn allowing_unpreloadable(policy: Policy) -> Self {
        Self::with_value(HeaderValue::from(policy))
    }

    /// Sends `value` exactly as given, unchecked (for testing clients with odd headers).
    #[must_use]
    pub fn with_value(value: HeaderValue) -> Self {
        Self {
            config: Arc::new(Config {
                value,
                trusted: Vec::new(),
                redirect: None,
            }),
        }
    }

    /// Trusts the forwarded scheme from peers in `network`.
    #[must_use]
    pub fn trust_proxy(mut self, network: TrustedProxy) -> Self {
        Arc::make_mut(&mut self.config).trusted.push(network);
        self
    }

    /// Answers plain HTTP requests with `308 Permanent Redirect` to the same host and
    /// target over HTTPS, on `https_port` when given (else the default port), instead
    /// of passing them to the inner service.
    #[must_use]
    pub fn redirect_plain_http(mut self, https_port: Option<u16>) -> Self {
        Arc::make_mut(&mut self.config).redirect = Some(https_port);
        self
    }

    /// The header value sent over HTTPS.
    #[must_use]
    pub fn value(&self) -> &HeaderValue {
        &self.config.value
    }

    /// Whether `request` came over HTTPS: its [`Connection`] is TLS, or its peer is a
    /// trusted proxy whose last `Forwarded` element says `proto=https` (or, without
    /// `Forwarded`, whose last `X-Forwarded-Proto` value is `https`).
    #[must_use]
    pub fn is_https<B>(&self, request: &Request<B>) -> bool {
        self.config.is_https(request)
    }
}

impl Config {
    fn is_https<B>(&self, request: &Request<B>) -> bool {
        let Some(conn) = request.extensions().get::<Connection>() else {
            return false;
        };
        if conn.tls {
            return true;
        }
        let Some(peer) = conn.peer else {
            return false;
        };
        if !self.trusted.iter().any(|n| n.contains(peer)) {
            return false;
        }
        forwarded_https(request.headers())
    }
}

/// The scheme a proxy forwarded: the last element of `Forwarded` when there is one,
/// else the last value of `X-Forwarded-Proto`.
fn forwarded_https(headers: &HeaderMap) -> bool {
    let forwarded: Vec<&[u8]> = headers
        .get_all("forwarded")
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    if let Some(last) = forwarded.iter().rev().find_map(|v| last_element(v)) {
        return proto_of(last).is_some_and(|p| p.eq_ignore_ascii_case(b"https"));
    }
    headers
        .get_all("x-forwarded-proto")
        .iter()
        .next_back()
        .and_then(|v| v.as_bytes().rsplit(|&b| b == b',').next())
        .is_some_and(|p| p.trim_ascii().eq_ignore_ascii_case(b"https"))
}

/// Splits at `sep` outside quoted strings.
fn split_unquoted(value: &[u8], sep: u8) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, &b) in value.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == sep && !quoted {
            parts.push(&value[start..i]);
            start = i + 1;
        }
    }
    parts.push(&value[start..]);
    parts
}

fn last_element(value: &[u8]) -> Option<&[u8]> {
    split_unquoted(value, b',')
        .into_iter()
        .rev()
        .map(<[u8]>::trim_ascii)
        .find(|e| !e.is_empty())
}

/// The `proto` parameter of one `Forwarded` element (RFC 7239 section 4), unquoted.
fn proto_of(element: &[u8]) -> Option<&[u8]> {
    split_unquoted(element, b';').into_iter().find_map(|pair| {
        let pair = pair.trim_ascii();
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (name, value) = (pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii());
        if !name.eq_ignore_ascii_case(b"proto") {
            return None;
        }
        Some(
            value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value),
        )
    })
}

impl<S> Layer<S> for HstsLayer {
    type Service = Hsts<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Hsts {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`HstsLayer`] makes.
#[derive(Debug, Clone)]
pub struct Hsts<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S, B, R> Service<Request<B>> for Hsts<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = HstsFuture<S::Future, R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let https = self.config.is_https(&request);
        if !https && let Some(port) = self.config.redirect {
            return HstsFuture {
                state: State::Ready {
                    response: Some(redirect_to_https(&request, port)),
                },
            };
        }
        HstsFuture {
            state: State::Inner {
                future: self.inner.call(request),
                value: https.then(|| self.config.value.clone()),
            },
        }
    }
}

/// `308` to `https://host[:port]/target`, or `400` when the request names no host.
fn redirect_to_https<B, R: Default>(request: &Request<B>, port: Option<u16>) -> Response<R> {
    let authority = request.uri().authority().cloned().or_else(|| {
        request
            .headers()
            .get(HOST)
            .and_then(|h| Authority::try_from(h.as_bytes()).ok())
    });
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", ::http::uri::PathAndQuery::as_str);
    let location = authority.and_then(|a| {
        let host = a.host();
        let url = match port {
            Some(p) if p != 443 => format!("https://{host}:{p}{target}"),
            _ => format!("https://{host}{target}"),
        };
        HeaderValue::try_from(url).ok()
    });
    let mut response = Response::new(R::default());
    match location {
        Some(l) => {
            *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
            response.headers_mut().insert(LOCATION, l);
        }
        None => *response.status_mut() = StatusCode::BAD_REQUEST,
    }
    response
}

pin_project_lite::pin_project! {
    /// The response future of [`Hsts`].
    pub struct HstsFuture<F, R> {
        #[pin]
        state: State<F, R>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, R> {
        Inner {
            #[pin]
            future: F,
            value: Option<HeaderValue>,
        },
        Ready {
            response: Option<Response<R>>,
        },
    }
}

impl<F, R, E> Future for HstsFuture<F, R>
where
    F: Future<Output = Result<Response<R>, E>>,
{
    type Output = Result<Response<R>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future, value } => {
                let mut response = core::task::ready!(future.poll(cx))?;
                let headers = response.headers_mut();
                match value.take() {
                    Some(v) => {
                        headers.insert(STRICT_TRANSPORT_SECURITY, v);
                    }
                    None => {
                        headers.remove(STRICT_TRANSPORT_SECURITY);
                    }
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Ready { response } => match response.take() {
                Some(r) => Poll::Ready(Ok(r)),
                None => Poll::Pending,
            },
        }
    }
}

impl<F, R> core::fmt::Debug for HstsFuture<F, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HstsFuture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use core::convert::Infallible;
    use core::future::{Ready, ready};

    #[derive(Clone)]
    struct Echo {
        sets_sts: bool,
    }

    impl Service<Request<()>> for Echo {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = Ready<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, req: Request<()>) -> Self::Future {
            let mut r = Response::new(req.uri().to_string());
            if self.sets_sts {
                r.headers_mut().insert(
                    STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static("max-age=1"),
                );
            }
            ready(Ok(r))
        }
    }

    fn run<S>(svc: &mut S, req: Request<()>) -> Response<String>
    where
        S: Service<Request<()>, Response = Response<String>, Error = Infallible>,
    {
        let waker = core::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut fut = core::pin::pin!(svc.call(req));
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(r)) => r,
            Poll::Ready(Err(e)) => match e {},
            Poll::Pending => panic!("the test service is always ready"),
        }
    }

    fn req(conn: Option<Connection>, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder()
            .uri("/a/b?c=d")
            .header("host", "example.com:8080");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        if let Some(c) = conn {
            b = b.extension(c);
        }
        b.body(()).unwrap()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn preload_policies_are_checked() {
        assert!(HstsLayer::new(Policy::preload_ready(63_072_000)).is_ok());
        assert!(HstsLayer::new(Policy::including_subdomains(60)).is_ok());
        let e = HstsLayer::new(Policy::preload_ready(60)).unwrap_err();
        assert_eq!(e.code(), "layer.policy_not_preloadable");
        assert_eq!(
            e,
            Error::NotPreloadable {
                policy: "max-age=60; includeSubDomains; preload".into(),
                code: "header.preloadable.max_age.below_1_year",
            }
        );
        let l = HstsLayer::allowing_unpreloadable(Policy::preload_ready(60));
        assert_eq!(l.value(), "max-age=60; includeSubDomains; preload");
    }

    #[test]
    fn header_only_over_https() {
        let layer = HstsLayer::new(Policy::including_subdomains(600))
            .unwrap()
            .trust_proxy("127.0.0.2".parse().unwrap());
        let mut svc = layer.layer(Echo { sets_sts: true });
        let tls = run(&mut svc, req(Some(Connection::tls(None)), &[]));
        assert_eq!(
            tls.headers()
                .get_all(STRICT_TRANSPORT_SECURITY)
                .iter()
                .count(),
            1
        );
        assert_eq!(
            tls.headers()[STRICT_TRANSPORT_SECURITY],
            "max-age=600; includeSubDomains"
        );
        for (conn, headers) in [
            (None, &[][..]),
            (Some(Connection::plain(ip("127.0.0.1"))), &[][..]),
            (
                Some(Connection::plain(ip("127.0.0.3"))),
                &[("x-forwarded-proto", "https")][..],
            ),
            (
                Some(Connection::plain(ip("127.0.0.2"))),
                &[("x-forwarded-proto", "https, http")][..],
            ),
            (
                Some(Connection::plain(ip("127.0.0.2"))),
                &[("forwarded", "proto=http"), ("x-forwarded-proto", "https")][..],
            ),
            (
                Some(Connection::plain(None)),
                &[("forwarded", "proto=https")][..],
            ),
        ] {
            let r = run(&mut svc, req(conn, headers));
            assert!(
                r.headers().get(STRICT_TRANSPORT_SECURITY).is_none(),
                "{conn:?} {headers:?}"
            );
        }
        for headers in [
            &[("x-forwarded-proto", "HTTPS")][..],
            &[(
                "forwarded",
                "for=1.2.3.4;proto=http, for=\"[::1]\";Proto=\"https\"",
            )][..],
            &[("forwarded", "proto=http"), ("forwarded", "proto=https")][..],
        ] {
            let r = run(
                &mut svc,
                req(Some(Connection::plain(ip("::ffff:127.0.0.2"))), headers),
            );
            assert!(
                r.headers().get(STRICT_TRANSPORT_SECURITY).is_some(),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn plain_http_is_redirected() {
        let layer = HstsLayer::new(Policy::including_subdomains(600))
            .unwrap()
            .redirect_plain_http(Some(8443));
        let mut svc = layer.layer(Echo { sets_sts: false });
        let r = run(&mut svc, req(Some(Connection::plain(ip("127.0.0.1"))), &[]));
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(r.headers()[LOCATION], "https://example.com:8443/a/b?c=d");
        assert!(r.headers().get(STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(r.body(), "");
        let r = run(&mut svc, req(Some(Connection::tls(None)), &[]));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.body(), "/a/b?c=d");

        let mut default_port = HstsLayer::new(Policy::including_subdomains(1))
            .unwrap()
            .redirect_plain_http(None)
            .layer(Echo { sets_sts: false });
        let r = run(&mut default_port, req(None, &[]));
        assert_eq!(r.headers()[LOCATION], "https://example.com/a/b?c=d");
        let no_host = Request::builder().uri("/").body(()).unwrap();
        assert_eq!(
            run(&mut default_port, no_host).status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn networks() {
        let n: TrustedProxy = "10.1.2.3/8".parse().unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains("10.255.0.1".parse().unwrap()));
        assert!(!n.contains("::1".parse().unwrap()));
        let v6: TrustedProxy = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        let all: TrustedProxy = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "x/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "/8",
        ] {
            assert_eq!(
                bad.parse::<TrustedProxy>().unwrap_err().code(),
                "layer.invalid_network",
                "{bad}"
            );
        }
    }
}
