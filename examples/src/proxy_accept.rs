//! The crate's sans-IO [`Acceptor`] driven by tokio: read what the handshake asks
//! for, never more, until it decides, within its deadline.
//!
//! Each connection runs this in its own task, so a slow client never delays accept
//! or anyone else; the deadline closes it.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hostkit_proxy_protocol::{
    Acceptor, Cidr, Decision, Origin, Policy, Refusal, TlsVerdict, Trusted, Untrusted, Version,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// Who is trusted, what they are held to, and how long a header may take.
#[derive(Debug, Clone)]
pub struct AcceptConfig {
    /// Peers allowed to send a header; an empty list trusts every peer.
    pub trusted: Arc<[Cidr]>,
    /// What trusted peers are held to.
    pub policy: Trusted,
    /// What everyone else is held to.
    pub untrusted: Untrusted,
    /// How long the header may take.
    pub timeout: Duration,
    /// The largest header accepted.
    pub max_header: usize,
    /// The instant the acceptor's times are measured from.
    pub epoch: Instant,
}

impl AcceptConfig {
    /// Trust `trusted` (every peer when empty) under `policy`; reject headers from
    /// anyone else.
    pub fn new(trusted: Vec<Cidr>, policy: Trusted, timeout: Duration) -> Self {
        let trusted: Arc<[Cidr]> = if trusted.is_empty() {
            Arc::from(&Cidr::ANY[..])
        } else {
            trusted.into()
        };
        Self {
            trusted,
            policy,
            untrusted: Untrusted::Reject,
            timeout,
            max_header: 4096,
            epoch: Instant::now(),
        }
    }

    /// The sans-IO acceptor for this configuration.
    pub fn acceptor(&self) -> Acceptor<'_> {
        Acceptor::new(&self.trusted)
            .trusted(self.policy)
            .untrusted(self.untrusted)
            .timeout(self.timeout)
            .max_header_size(self.max_header)
    }

    /// The acceptor's notion of now.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// The rule for a peer.
    pub fn policy_for(&self, peer: SocketAddr) -> Policy {
        self.acceptor().policy_for(peer.ip())
    }
}

/// What the handshake settled for one connection, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The client the connection stands for.
    pub client: SocketAddr,
    /// The address the client connected to.
    pub server: SocketAddr,
    /// Where those come from.
    pub origin: Origin,
    /// The header's version, if one came.
    pub version: Option<Version>,
    /// The SSL TLV's verdict, if the header had one.
    pub tls: Option<TlsVerdict>,
    /// The rule the peer was held to.
    pub policy: Policy,
    /// Application bytes read while deciding (only when a header was optional).
    pub early: Vec<u8>,
}

/// Why a connection is closed without an answer.
#[derive(Debug)]
pub enum AcceptError {
    /// The handshake refused it.
    Refused(Refusal),
    /// The socket failed.
    Io(io::Error),
}

impl std::fmt::Display for AcceptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(r) => write!(f, "refused ({}): {r}", r.as_str()),
            Self::Io(e) => write!(f, "reading the proxy header: {e}"),
        }
    }
}

impl std::error::Error for AcceptError {}

/// Run the handshake of a connection accepted from `peer` on `local`.
///
/// Reads at most what the handshake still needs, so nothing past the header is
/// consumed unless the header was optional and the first bytes were payload (those
/// come back in [`Accepted::early`]).
///
/// # Errors
///
/// [`AcceptError::Refused`] with the handshake's reason (the deadline included);
/// [`AcceptError::Io`] when reading fails.
pub async fn accept<S: AsyncRead + Unpin>(
    stream: &mut S,
    peer: SocketAddr,
    local: SocketAddr,
    config: &AcceptConfig,
) -> Result<Accepted, AcceptError> {
    let mut hs = config.acceptor().start(peer, local, config.now());
    let deadline = config.epoch + hs.deadline();
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let mut eof = false;
    loop {
        let d = if eof {
            hs.finish(&buf)
        } else {
            hs.push(&buf, config.now())
        };
        let needed = match d {
            Decision::NeedMore { needed } => needed,
            Decision::Proceed {
                client,
                server,
                tlvs,
                consumed,
                origin,
                version,
            } => {
                return Ok(Accepted {
                    client,
                    server,
                    origin,
                    version,
                    tls: tlvs.tls_verdict(),
                    policy: hs.policy(),
                    early: buf[consumed..].to_vec(),
                });
            }
            Decision::Refuse { reason } => return Err(AcceptError::Refused(reason)),
        };
        let start = buf.len();
        buf.resize(start + needed, 0);
        let read = tokio::time::timeout_at(deadline.into(), stream.read(&mut buf[start..])).await;
        match read {
            Err(_) => {
                let reason = hs.poll_deadline(config.now()).unwrap_or(Refusal::Timeout);
                return Err(AcceptError::Refused(reason));
            }
            Ok(Err(e)) => return Err(AcceptError::Io(e)),
            Ok(Ok(n)) => {
                buf.truncate(start + n);
                eof = n == 0;
            }
        }
    }
}

/// A stream that first yields bytes already read from it.
#[derive(Debug)]
pub struct Prefixed<S> {
    early: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    /// `early`, then the rest of `inner`.
    pub fn new(early: Vec<u8>, inner: S) -> Self {
        Self {
            early,
            at: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.at < self.early.len() {
            let n = buf.remaining().min(self.early.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.early[at..at + n]);
            self.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Parse `require` or `use`.
///
/// # Errors
///
/// Any other word.
pub fn parse_policy(s: &str) -> Result<Trusted, String> {
    match s {
        "require" => Ok(Trusted::Require),
        "use" => Ok(Trusted::Use),
        _ => Err(format!("{s:?}: expected require or use")),
    }
}
