//! A TCP forwarder that prepends a PROXY header upstream, as HAProxy's `send-proxy`
//! and `send-proxy-v2` do: the upstream server learns the real client address. With
//! UDP it relays datagrams, each prefixed with a v2 DGRAM header.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hostkit_proxy_protocol::{Builder, Transport};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// Which header to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderVersion {
    /// The v1 text line.
    V1,
    /// The v2 binary header.
    V2,
}

/// The header announcing a connection from `client` to `local`.
pub fn header_for(version: HeaderVersion, client: SocketAddr, local: SocketAddr) -> Vec<u8> {
    let builder = match version {
        HeaderVersion::V1 => Builder::v1(client, local),
        HeaderVersion::V2 => Builder::v2(client, local),
    };
    // Two IP endpoints and no TLVs always make a valid header.
    builder.to_vec().unwrap_or_default()
}

/// Relay one client connection to `upstream`, header first.
///
/// # Errors
///
/// Connecting upstream or relaying failed.
pub async fn forward(
    mut client: TcpStream,
    upstream: SocketAddr,
    version: HeaderVersion,
) -> io::Result<(u64, u64)> {
    let header = header_for(version, client.peer_addr()?, client.local_addr()?);
    let mut up = TcpStream::connect(upstream).await?;
    up.set_nodelay(true)?;
    // The spec asks senders to write the header in one go.
    up.write_all(&header).await?;
    tokio::io::copy_bidirectional(&mut client, &mut up).await
}

/// Accept connections forever and relay each one to `upstream`.
pub async fn serve(
    listener: TcpListener,
    upstream: SocketAddr,
    version: HeaderVersion,
) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = forward(stream, upstream, version).await {
                eprintln!("proxy_forward: {peer}: {e}");
            }
        });
    }
}

/// The v2 header for a datagram from `client` to `local` (transport DGRAM).
pub fn datagram_header(client: SocketAddr, local: SocketAddr) -> Vec<u8> {
    // Two IP endpoints and no TLVs always make a valid header.
    Builder::v2(client, local)
        .transport(Transport::Datagram)
        .to_vec()
        .unwrap_or_default()
}

/// Clients whose replies are being relayed at once, at most.
pub const MAX_UDP_CLIENTS: usize = 1024;

/// How long a client's upstream socket lives without traffic.
pub const UDP_IDLE: Duration = Duration::from_secs(30);

/// Relay datagrams forever: each one from a client goes to `upstream` prefixed with a
/// v2 DGRAM header naming the client, from a socket of that client's own, and what
/// comes back on that socket goes to the client as it is.
pub async fn serve_udp(socket: UdpSocket, upstream: SocketAddr) -> io::Result<()> {
    let socket = Arc::new(socket);
    let local = socket.local_addr()?;
    let clients: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, client) = socket.recv_from(&mut buf).await?;
        let known = clients
            .lock()
            .map(|m| m.get(&client).cloned())
            .ok()
            .flatten();
        let up = match known {
            Some(up) => up,
            None => {
                if clients.lock().map_or(true, |m| m.len() >= MAX_UDP_CLIENTS) {
                    eprintln!("proxy_forward: udp {client}: too many clients, dropped");
                    continue;
                }
                let bind: SocketAddr = if upstream.is_ipv4() {
                    (Ipv4Addr::UNSPECIFIED, 0).into()
                } else {
                    (Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let up = Arc::new(UdpSocket::bind(bind).await?);
                up.connect(upstream).await?;
                if let Ok(mut m) = clients.lock() {
                    m.insert(client, Arc::clone(&up));
                }
                tokio::spawn(replies(
                    Arc::clone(&up),
                    Arc::clone(&socket),
                    client,
                    Arc::clone(&clients),
                ));
                up
            }
        };
        let mut dgram = datagram_header(client, local);
        dgram.extend_from_slice(&buf[..n]);
        if let Err(e) = up.send(&dgram).await {
            eprintln!("proxy_forward: udp {client}: {e}");
        }
    }
}

async fn replies(
    up: Arc<UdpSocket>,
    down: Arc<UdpSocket>,
    client: SocketAddr,
    clients: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>>,
) {
    let mut buf = vec![0u8; 65536];
    while let Ok(Ok(n)) = tokio::time::timeout(UDP_IDLE, up.recv(&mut buf)).await {
        if let Err(e) = down.send_to(&buf[..n], client).await {
            eprintln!("proxy_forward: udp {client}: {e}");
        }
    }
    if let Ok(mut m) = clients.lock() {
        m.remove(&client);
    }
}
