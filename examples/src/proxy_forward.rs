//! A TCP forwarder that prepends a PROXY header upstream, as HAProxy's `send-proxy`
//! and `send-proxy-v2` do: the upstream server learns the real client address.

use std::io;
use std::net::SocketAddr;

use hostkit_proxy_protocol::Builder;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

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
