//! A server behind a PROXY-protocol sender: it requires a header within a timeout,
//! then answers with the real client address and echoes what follows.
//!
//! The header is read without ever reading past it: each read asks for exactly the
//! number of bytes the parser still needs, so the payload stays in the socket for
//! whoever handles the connection next.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use hostkit_proxy_protocol::{Header, Parser, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest v2 header the server accepts (the spec designs headers to fit 536 bytes).
pub const MAX_HEADER: usize = 4096;

/// Why no header could be read.
#[derive(Debug)]
pub enum HeaderError {
    /// Nothing valid arrived within the timeout.
    Timeout,
    /// The peer closed the connection with `needed` more bytes expected.
    Closed {
        /// Bytes still missing.
        needed: usize,
    },
    /// The bytes are not a valid header.
    Invalid(hostkit_proxy_protocol::Error),
    /// The socket failed.
    Io(io::Error),
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => f.write_str("no proxy header within the timeout"),
            Self::Closed { needed } => {
                write!(f, "connection closed with {needed} header bytes missing")
            }
            Self::Invalid(e) => write!(f, "invalid proxy header: {e}"),
            Self::Io(e) => write!(f, "reading the proxy header: {e}"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// Read one PROXY header from `stream`, never consuming a byte past it.
///
/// # Errors
///
/// [`HeaderError`] when the header is invalid, the peer closes early, or the whole
/// header does not arrive within `timeout`.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Header<'static>, HeaderError> {
    let parser = Parser::new().max_header_size(MAX_HEADER);
    let work = async {
        let mut buf = Vec::with_capacity(128);
        loop {
            let needed = match parser.parse(&buf).map_err(HeaderError::Invalid)? {
                Status::Complete((h, _)) => return Ok(h.into_owned()),
                Status::Incomplete { needed } => needed,
            };
            let start = buf.len();
            buf.resize(start + needed, 0);
            let n = stream
                .read(&mut buf[start..])
                .await
                .map_err(HeaderError::Io)?;
            buf.truncate(start + n);
            if n == 0 {
                return Err(HeaderError::Closed { needed });
            }
        }
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| HeaderError::Timeout)?
}

/// The client address a header stands for: its source, or the socket peer for
/// LOCAL, `UNKNOWN` and non-IP headers.
pub fn client_address(header: &Header<'_>, peer: SocketAddr) -> SocketAddr {
    header.source().unwrap_or(peer)
}

/// Serve one connection: the header, then `client=<addr>\n`, then an echo of the rest.
///
/// # Errors
///
/// The header error, or an I/O error while answering.
pub async fn handle(mut stream: TcpStream, timeout: Duration) -> Result<SocketAddr, HeaderError> {
    let peer = stream.peer_addr().map_err(HeaderError::Io)?;
    let header = read_header(&mut stream, timeout).await?;
    let client = client_address(&header, peer);
    let line = format!("client={client}\n");
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(HeaderError::Io)?;
    let (mut r, mut w) = stream.split();
    tokio::io::copy(&mut r, &mut w)
        .await
        .map_err(HeaderError::Io)?;
    w.shutdown().await.map_err(HeaderError::Io)?;
    Ok(client)
}

/// Accept connections forever, one task each. Invalid or late headers close the
/// connection without an answer; a line on stderr says why.
pub async fn serve(listener: TcpListener, timeout: Duration) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = handle(stream, timeout).await {
                eprintln!("proxy_echo: {peer}: {e}");
            }
        });
    }
}
