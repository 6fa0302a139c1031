//! A small HSTS-enabled web server on hyper and [`HstsLayer`]: plain HTTP answers with a
//! 308 to the same host and target over HTTPS and never carries Strict-Transport-Security
//! (RFC 6797 section 7.2); HTTPS answers carry the header (section 7.1). A peer inside a
//! trusted-proxy network may forward `X-Forwarded-Proto: https` or `Forwarded:
//! proto=https` to the plain listener and then gets the HTTPS answer.
//!
//! The TLS certificate is made at start: a throwaway CA and a leaf for `localhost`,
//! `sub.localhost`, `www.localhost`, `127.0.0.1` and any extra names, signed by it.
//! Clients trust the CA's PEM.
//!
//! Paths on the HTTPS side:
//! - `/forget` answers with `max-age=0`, how a site asks to be forgotten;
//! - with [`ServerConfig::echo_query`], `/?sts=VALUE` (form-encoded) answers with that
//!   header value verbatim, so a client's reaction to odd headers can be tested;
//! - `/hop/N` redirects to `/hop/N+1` until [`FirstRedirect::Hops`]'s count;
//! - anything else answers with the configured header.
//!
//! [`ServerConfig`] can also set the server up wrong in each way the preload-eligibility
//! check knows, to prove the check on loopback.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hostkit_hsts::Policy;
use hostkit_hsts::tower::{Connection, HstsLayer, TrustedProxy};
use http::header::{HOST, LOCATION, STRICT_TRANSPORT_SECURITY};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig as TlsConfig};
use tower::{Layer, ServiceExt};

/// The body type of every answer.
type Body = Full<Bytes>;

/// How plain HTTP's first answer looks: right, or wrong in one of the ways the
/// preload-eligibility check knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstRedirect {
    /// 308 to `https://host/target` (the layer's redirect): right.
    #[default]
    Https,
    /// No redirect: plain HTTP serves the page (without the header).
    None,
    /// 301 to `https://www.host/` first.
    Www,
    /// 301 to `http://host/next`, which then redirects to HTTPS: an insecure first hop.
    Insecure,
    /// 301 to `https://host/no-sts`, which answers without the header.
    NoHeader,
    /// 301 to `https://host/hop/1`, then `/hop/2` and on: this many redirects in all.
    Hops(u8),
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where plain HTTP listens (port 0: any free port).
    pub http_addr: SocketAddr,
    /// Where HTTPS listens (port 0: any free port).
    pub https_addr: SocketAddr,
    /// The Strict-Transport-Security value sent over HTTPS.
    pub header: String,
    /// Send `header` as it is, without parsing it or checking a preload policy.
    pub unchecked: bool,
    /// Send a `preload` policy the preload list would refuse.
    pub allow_unpreloadable: bool,
    /// Let `/?sts=VALUE` choose the header (for testing clients only).
    pub echo_query: bool,
    /// Peers trusted to forward the client's scheme.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Plain HTTP's first answer.
    pub first_redirect: FirstRedirect,
    /// Send the header twice on HTTPS answers.
    pub duplicate_header: bool,
    /// Serve a self-signed certificate that the CA did not sign.
    pub self_signed: bool,
    /// More DNS names for the certificate.
    pub names: Vec<String>,
}

impl ServerConfig {
    /// Loopback on any free ports, sending `policy`, set up right.
    #[must_use]
    pub fn loopback(policy: &Policy) -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            https_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            header: policy.to_string(),
            unchecked: false,
            allow_unpreloadable: false,
            echo_query: false,
            trusted_proxies: Vec::new(),
            first_redirect: FirstRedirect::Https,
            duplicate_header: false,
            self_signed: false,
            names: Vec::new(),
        }
    }

    /// The layer this configuration asks for, checked as it says.
    ///
    /// # Errors
    ///
    /// When the header does not parse (unless `unchecked`), or is a `preload` policy
    /// that is not preloadable (unless `allow_unpreloadable`).
    pub fn layer(&self, https_port: u16) -> anyhow::Result<HstsLayer> {
        let mut layer = if self.unchecked {
            HstsLayer::with_value(
                HeaderValue::from_str(&self.header).context("header is not a field value")?,
            )
        } else {
            let policy: Policy = self
                .header
                .parse()
                .map_err(|e| anyhow::anyhow!("--header {:?}: {e}", self.header))?;
            if self.allow_unpreloadable {
                HstsLayer::allowing_unpreloadable(policy)
            } else {
                HstsLayer::new(policy).map_err(|e| {
                    anyhow::anyhow!(
                        "--header {:?}: {e}; --allow-unpreloadable sends it anyway",
                        self.header
                    )
                })?
            }
        };
        for net in &self.trusted_proxies {
            layer = layer.trust_proxy(*net);
        }
        if self.first_redirect != FirstRedirect::None {
            layer = layer.redirect_plain_http(Some(https_port));
        }
        Ok(layer)
    }
}

/// A throwaway CA and the server certificate it signed.
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate, PEM: what clients trust.
    pub ca_pem: String,
    /// The CA certificate, DER.
    pub ca_der: CertificateDer<'static>,
    /// The server certificate, PEM.
    pub cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
    self_signed: bool,
}

/// Makes a CA and a server certificate for `localhost`, `sub.localhost`, `www.localhost` and
/// `127.0.0.1`.
///
/// # Errors
///
/// When key generation or signing fails.
pub fn test_pki() -> anyhow::Result<TestPki> {
    test_pki_for(&[], false)
}

/// The same with more DNS names; with `self_signed` the server certificate signs itself
/// and the CA (still made, still handed to clients) does not vouch for it.
///
/// # Errors
///
/// When key generation or signing fails.
pub fn test_pki_for(names: &[String], self_signed: bool) -> anyhow::Result<TestPki> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "hostkit hsts_server test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let key = rcgen::KeyPair::generate()?;
    let mut sans = vec![
        "localhost".to_string(),
        "sub.localhost".to_string(),
        "www.localhost".to_string(),
        "127.0.0.1".to_string(),
    ];
    sans.extend(names.iter().cloned());
    let mut params = rcgen::CertificateParams::new(sans)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = if self_signed {
        params.self_signed(&key)?
    } else {
        params.signed_by(&key, &issuer)?
    };
    Ok(TestPki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
        self_signed,
    })
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// Where plain HTTP listens.
    pub http_addr: SocketAddr,
    /// Where HTTPS listens.
    pub https_addr: SocketAddr,
    /// The certificates it uses.
    pub pki: TestPki,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops both listeners.
    pub fn stop(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// The rustls client configuration trusting `pki`'s CA (for the tour and the tests).
///
/// # Errors
///
/// When the CA certificate is refused.
pub fn client_config(pki: &TestPki) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone())?;
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// What every connection shares.
struct State {
    layer: HstsLayer,
    config: ServerConfig,
    http_port: u16,
    https_port: u16,
}

/// Binds both listeners and serves until the returned [`Running`] is stopped or the
/// runtime ends.
///
/// # Errors
///
/// When a listener cannot be bound, the certificates cannot be made or the header is
/// refused (see [`ServerConfig::layer`]).
pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    let pki = test_pki_for(&config.names, config.self_signed)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone()));
    let chain = if pki.self_signed {
        vec![pki.cert_der.clone()]
    } else {
        vec![pki.cert_der.clone(), pki.ca_der.clone()]
    };
    let tls = TlsConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let http = TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("bind {}", config.http_addr))?;
    let https = TcpListener::bind(config.https_addr)
        .await
        .with_context(|| format!("bind {}", config.https_addr))?;
    let http_addr = http.local_addr()?;
    let https_addr = https.local_addr()?;
    let state = Arc::new(State {
        layer: config.layer(https_addr.port())?,
        config,
        http_port: http_addr.port(),
        https_port: https_addr.port(),
    });

    let plain_state = Arc::clone(&state);
    let plain = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = http.accept().await else {
                continue;
            };
            let state = Arc::clone(&plain_state);
            tokio::spawn(serve(stream, Connection::plain(Some(peer.ip())), state));
        }
    });
    let secure = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = https.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let handshake =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
                if let Ok(Ok(tls)) = handshake {
                    serve(tls, Connection::tls(Some(peer.ip())), state).await;
                }
            });
        }
    });
    Ok(Running {
        http_addr,
        https_addr,
        pki,
        tasks: vec![plain, secure],
    })
}

/// Serves HTTP/1.1 on one connection.
async fn serve<S>(stream: S, conn: Connection, state: Arc<State>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| handle(req, conn, Arc::clone(&state)));
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The request's host, from its `Host` field, without the port.
fn host_of<B>(req: &Request<B>) -> Option<String> {
    let host = req.headers().get(HOST)?;
    let authority = http::uri::Authority::try_from(host.as_bytes()).ok()?;
    Some(authority.host().to_string())
}

fn redirect(location: &str) -> Response<Body> {
    let mut r = Response::new(Body::default());
    *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// A Strict-Transport-Security value that replaces the configured one on an HTTPS answer.
#[derive(Debug, Clone)]
struct Override(HeaderValue);

/// A marker: the answer must go without the header.
#[derive(Debug, Clone, Copy)]
struct NoHeader;

/// One request: the misconfigured first redirects, then the layer around the page.
async fn handle(
    mut req: Request<Incoming>,
    conn: Connection,
    state: Arc<State>,
) -> Result<Response<Body>, Infallible> {
    let config = &state.config;
    if !conn.tls
        && req.uri().path() == "/"
        && let Some(host) = host_of(&req)
    {
        let https = state.https_port;
        let to = match config.first_redirect {
            FirstRedirect::Www => Some(format!("https://www.{host}:{https}/")),
            FirstRedirect::Insecure => Some(format!("http://{host}:{}/next", state.http_port)),
            FirstRedirect::NoHeader => Some(format!("https://{host}:{https}/no-sts")),
            FirstRedirect::Hops(n) if n > 1 => Some(format!("https://{host}:{https}/hop/1")),
            _ => None,
        };
        if let Some(to) = to {
            return Ok(redirect(&to));
        }
    }
    req.extensions_mut().insert(conn);
    let app = tower::service_fn({
        let state = Arc::clone(&state);
        move |req: Request<Incoming>| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(page(&req, &state)) }
        }
    });
    let mut response = state.layer.layer(app).oneshot(req).await?;
    let headers = response.headers_mut();
    if headers.contains_key(STRICT_TRANSPORT_SECURITY) {
        // The layer judged the request HTTPS; the page may change what is sent.
        let replaced = response.extensions().get::<Override>().cloned();
        let skip = response.extensions().get::<NoHeader>().is_some();
        let headers = response.headers_mut();
        if let Some(Override(v)) = replaced {
            headers.insert(STRICT_TRANSPORT_SECURITY, v);
        }
        if skip {
            headers.remove(STRICT_TRANSPORT_SECURITY);
        } else if config.duplicate_header
            && let Some(v) = headers.get(STRICT_TRANSPORT_SECURITY).cloned()
        {
            headers.append(STRICT_TRANSPORT_SECURITY, v);
        }
    }
    Ok(response)
}

/// The page behind the layer.
fn page<B>(req: &Request<B>, state: &State) -> Response<Body> {
    let path = req.uri().path();
    if let Some(n) = path
        .strip_prefix("/hop/")
        .and_then(|n| n.parse::<u8>().ok())
        && let FirstRedirect::Hops(total) = state.config.first_redirect
        && n < total
    {
        return redirect(&format!("/hop/{}", n + 1));
    }
    let mut response = Response::new(Body::from("hello over https\n"));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    if path == "/forget" {
        response
            .extensions_mut()
            .insert(Override(HeaderValue::from(Policy::removal())));
    } else if path == "/no-sts" {
        response.extensions_mut().insert(NoHeader);
    } else if state.config.echo_query
        && let Some(value) = req.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "sts")
                .and_then(|(_, v)| HeaderValue::from_str(&v).ok())
        })
    {
        response.extensions_mut().insert(Override(value));
    }
    response
}

/// What a client saw in a response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The status code.
    pub status: u16,
    /// The `Location` field, if any.
    pub location: Option<String>,
    /// Every Strict-Transport-Security field value, in order.
    pub sts: Vec<String>,
}

/// How to send one test request.
#[derive(Debug, Clone, Default)]
pub struct Probe<'a> {
    /// Trust this CA (HTTPS only).
    pub pki: Option<&'a TestPki>,
    /// Send from this local address (any 127.x.y.z on loopback).
    pub source: Option<IpAddr>,
    /// Extra request fields.
    pub headers: Vec<(&'a str, &'a str)>,
}

impl Probe<'_> {
    /// GETs `scheme://host:PORT/target` from `addr`, following no redirect.
    ///
    /// # Errors
    ///
    /// On a connection, TLS or HTTP failure.
    pub async fn get(
        &self,
        scheme: &str,
        addr: SocketAddr,
        host: &str,
        target: &str,
    ) -> anyhow::Result<Seen> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .resolve(host, addr);
        if let Some(pki) = self.pki {
            builder = builder
                .tls_built_in_root_certs(false)
                .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes())?);
        }
        if let Some(source) = self.source {
            builder = builder.local_address(source);
        }
        let client = builder.build()?;
        let mut request = client.get(format!("{scheme}://{host}:{}{target}", addr.port()));
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await?;
        let headers = response.headers();
        Ok(Seen {
            status: response.status().as_u16(),
            location: headers
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            sts: headers
                .get_all(STRICT_TRANSPORT_SECURITY)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect(),
        })
    }
}

/// A plain HTTP GET of `target` from `addr`, as `host`.
///
/// # Errors
///
/// On a connection failure or a response without a status line.
pub async fn get_http(addr: SocketAddr, host: &str, target: &str) -> anyhow::Result<Seen> {
    Probe::default().get("http", addr, host, target).await
}

/// An HTTPS GET of `target` from `addr`, as `host` (also the TLS server name), trusting
/// `pki`'s CA.
///
/// # Errors
///
/// On a connection or TLS failure, or a response without a status line.
pub async fn get_https(
    addr: SocketAddr,
    host: &str,
    target: &str,
    pki: &TestPki,
) -> anyhow::Result<Seen> {
    Probe {
        pki: Some(pki),
        ..Probe::default()
    }
    .get("https", addr, host, target)
    .await
}
