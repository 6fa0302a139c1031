//! A small HSTS-enabled web server: plain HTTP answers every request with a 301 to the
//! same host over HTTPS (RFC 6797 section 7.2: no Strict-Transport-Security header over
//! plain HTTP), and HTTPS answers with the header (section 7.1).
//!
//! The TLS certificate is made at start: a throwaway CA and a leaf for `localhost`,
//! `sub.localhost`, `www.localhost` and `127.0.0.1`, signed by it. Clients trust the CA's PEM.
//!
//! Paths on the HTTPS side:
//! - `/forget` answers with `max-age=0`, how a site asks to be forgotten;
//! - with [`ServerConfig::echo_query`], `/?sts=VALUE` (percent-encoded) answers with
//!   that header value verbatim, so a client's reaction to odd headers can be tested;
//! - anything else answers with the configured header.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use hostkit_hsts::Policy;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig as TlsConfig};

/// The longest request head the server reads.
const MAX_HEAD: usize = 16 * 1024;

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where plain HTTP listens (port 0: any free port).
    pub http_addr: SocketAddr,
    /// Where HTTPS listens (port 0: any free port).
    pub https_addr: SocketAddr,
    /// The Strict-Transport-Security value sent over HTTPS.
    pub header: String,
    /// Let `/?sts=VALUE` choose the header (for testing clients only).
    pub echo_query: bool,
}

impl ServerConfig {
    /// Loopback on any free ports, sending `policy`.
    #[must_use]
    pub fn loopback(policy: &Policy) -> Self {
        Self {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            https_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            header: policy.to_string(),
            echo_query: false,
        }
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
}

/// Makes a CA and a server certificate for `localhost`, `sub.localhost`, `www.localhost` and
/// `127.0.0.1`.
///
/// # Errors
///
/// When key generation or signing fails.
pub fn test_pki() -> anyhow::Result<TestPki> {
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
    let mut params = rcgen::CertificateParams::new(vec![
        "localhost".to_string(),
        "sub.localhost".to_string(),
        "www.localhost".to_string(),
        "127.0.0.1".to_string(),
    ])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer)?;
    Ok(TestPki {
        ca_pem: ca_cert.pem(),
        ca_der: ca_cert.der().clone(),
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_der: key.serialize_der(),
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

/// Binds both listeners and serves until the returned [`Running`] is stopped or the
/// runtime ends.
///
/// # Errors
///
/// When a listener cannot be bound or the certificates cannot be made.
pub async fn start(config: ServerConfig) -> anyhow::Result<Running> {
    let pki = test_pki()?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key_der.clone()));
    let tls = TlsConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![pki.cert_der.clone(), pki.ca_der.clone()], key)?;
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let http = TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("bind {}", config.http_addr))?;
    let https = TcpListener::bind(config.https_addr)
        .await
        .with_context(|| format!("bind {}", config.https_addr))?;
    let http_addr = http.local_addr()?;
    let https_addr = https.local_addr()?;
    let https_port = https_addr.port();
    let config = Arc::new(config);

    let plain = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = http.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let _ = redirect(stream, https_port).await;
            });
        }
    });
    let secure = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = https.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let config = Arc::clone(&config);
            tokio::spawn(async move {
                let _ = serve_tls(stream, acceptor, &config).await;
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

/// The parts of a request head the server needs.
struct Request {
    target: String,
    host: Option<String>,
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> anyhow::Result<Request> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .context("request timed out")??;
        if n == 0 {
            anyhow::bail!("connection closed before the request head ended");
        }
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            break from + i;
        }
        if buf.len() > MAX_HEAD {
            anyhow::bail!("request head too long");
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let target = request_line
        .split(' ')
        .nth(1)
        .filter(|t| t.starts_with('/'))
        .unwrap_or("/")
        .to_string();
    let host = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("host")
            .then(|| value.trim().to_string())
    });
    Ok(Request { target, host })
}

/// `Host` without its port (IPv6 literals keep their brackets).
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

async fn redirect(mut stream: TcpStream, https_port: u16) -> anyhow::Result<()> {
    let req = read_head(&mut stream).await?;
    let host = req.host.as_deref().map_or("localhost", host_name);
    let location = format!("https://{host}:{https_port}{}", req.target);
    let response = format!(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}

async fn serve_tls(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    config: &ServerConfig,
) -> anyhow::Result<()> {
    let mut tls = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
        .await
        .context("handshake timed out")??;
    let req = read_head(&mut tls).await?;
    let header = header_for(&req.target, config);
    respond(&mut tls, &header).await
}

/// The Strict-Transport-Security value for a request target.
fn header_for(target: &str, config: &ServerConfig) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/forget" {
        return Policy::removal().to_string();
    }
    if config.echo_query {
        for pair in query.split('&') {
            if let Some(v) = pair.strip_prefix("sts=")
                && let Some(value) = percent_decode(v)
            {
                return value;
            }
        }
    }
    config.header.clone()
}

/// Decodes `%XX` escapes (and `+` as a space); refuses what cannot be a field value.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    if out.iter().any(|&c| c < 0x20 && c != b'\t' || c == 0x7f) {
        return None;
    }
    String::from_utf8(out).ok()
}

async fn respond<S: AsyncWrite + Unpin>(stream: &mut S, header: &str) -> anyhow::Result<()> {
    let body = "hello over https\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nStrict-Transport-Security: {header}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
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

fn seen(head: &str) -> anyhow::Result<Seen> {
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .context("no status line")?;
    let mut location = None;
    let mut sts = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("location") {
            location = Some(value.trim().to_string());
        } else if name.eq_ignore_ascii_case("strict-transport-security") {
            sts.push(value.trim().to_string());
        }
    }
    Ok(Seen {
        status,
        location,
        sts,
    })
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    host: &str,
    target: &str,
) -> anyhow::Result<Seen> {
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.take(64 * 1024).read_to_end(&mut response),
    )
    .await
    .context("response timed out")??;
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    seen(head)
}

/// A plain HTTP GET of `target` from `addr`, as `host`.
///
/// # Errors
///
/// On a connection failure or a response without a status line.
pub async fn get_http(addr: SocketAddr, host: &str, target: &str) -> anyhow::Result<Seen> {
    let mut stream = TcpStream::connect(addr).await?;
    exchange(&mut stream, host, target).await
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
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(pki)?));
    let name = rustls::pki_types::ServerName::try_from(host.to_string())?;
    let tcp = TcpStream::connect(addr).await?;
    let mut tls = connector.connect(name, tcp).await?;
    exchange(&mut tls, host, target).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_and_host_names() {
        assert_eq!(
            percent_decode("max-age%3D1%3B+preload").as_deref(),
            Some("max-age=1; preload")
        );
        assert_eq!(percent_decode("a%0d%0aX: y"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
    }
}
