//! A server behind a PROXY-protocol sender, on the crate's accept policy: trusted
//! peers must (or may) send a header, anyone else who sends one is closed without an
//! answer, and anyone else without one is served as themselves. It answers
//! `client=<addr>\n` and echoes what follows.
//!
//! Every connection's handshake runs in its own task with its own deadline, so a
//! client that stalls half-way through a header delays nobody and is closed when its
//! time is up. With `--udp`, each datagram that starts with a v2 header gets back
//! `client=<addr>\n` followed by its payload.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use hostkit_proxy_protocol::{Policy, V2_SIGNATURE, parse_datagram};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};

use crate::proxy_accept::{AcceptConfig, AcceptError, Prefixed, accept};

/// Serve one connection: the handshake, then `client=<addr>\n`, then an echo of the
/// rest (bytes read while deciding included).
///
/// # Errors
///
/// The handshake's refusal, or an I/O error while answering.
pub async fn handle(
    mut stream: TcpStream,
    config: &AcceptConfig,
) -> Result<SocketAddr, AcceptError> {
    let peer = stream.peer_addr().map_err(AcceptError::Io)?;
    let local = stream.local_addr().map_err(AcceptError::Io)?;
    let got = accept(&mut stream, peer, local, config).await?;
    let line = format!("client={}\n", got.client);
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(AcceptError::Io)?;
    let (r, mut w) = stream.split();
    let mut r = Prefixed::new(got.early, r);
    tokio::io::copy(&mut r, &mut w)
        .await
        .map_err(AcceptError::Io)?;
    w.shutdown().await.map_err(AcceptError::Io)?;
    Ok(got.client)
}

/// Accept connections forever, one task each. Refused connections are closed
/// without an answer; a line on stderr says why.
pub async fn serve(listener: TcpListener, config: AcceptConfig) -> io::Result<()> {
    let config = Arc::new(config);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            // Out of descriptors or a connection reset before accept: keep serving.
            Err(e) => {
                eprintln!("proxy_echo: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let config = Arc::clone(&config);
        tokio::spawn(async move {
            if let Err(e) = handle(stream, &config).await {
                eprintln!("proxy_echo: {peer}: {e}");
            }
        });
    }
}

/// The answer to one datagram from `peer`, or why there is none.
///
/// # Errors
///
/// A reason to drop the datagram: an invalid header from a trusted peer, or a
/// header from an untrusted one.
pub fn datagram_reply(
    datagram: &[u8],
    peer: SocketAddr,
    config: &AcceptConfig,
) -> Result<Vec<u8>, String> {
    let has_sig = datagram.starts_with(&V2_SIGNATURE);
    let (client, payload) = match config.policy_for(peer) {
        Policy::Require | Policy::Use if has_sig => {
            let d = parse_datagram(datagram).map_err(|e| e.to_string())?;
            (d.client(peer), d.payload())
        }
        Policy::Require => return Err("proxy header required but not sent".into()),
        Policy::Reject if has_sig => return Err("proxy header from an untrusted peer".into()),
        Policy::Use | Policy::Reject | Policy::Ignore => (peer, datagram),
    };
    let mut out = format!("client={client}\n").into_bytes();
    out.extend_from_slice(payload);
    Ok(out)
}

/// Answer datagrams forever.
pub async fn serve_udp(socket: UdpSocket, config: AcceptConfig) -> io::Result<()> {
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, peer) = socket.recv_from(&mut buf).await?;
        match datagram_reply(&buf[..n], peer, &config) {
            Ok(reply) => {
                if let Err(e) = socket.send_to(&reply, peer).await {
                    eprintln!("proxy_echo: udp {peer}: {e}");
                }
            }
            Err(e) => eprintln!("proxy_echo: udp {peer}: dropped: {e}"),
        }
    }
}
