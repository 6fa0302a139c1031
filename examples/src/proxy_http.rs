//! An HTTP/1.1 server (hyper) behind PROXY-protocol balancers, on the crate's accept
//! policy. Each request carries the connection's [`ClientInfo`] as a request
//! extension: the real client address from the header and, when the balancer
//! terminated TLS and sent the SSL TLV, the verdict on the client's TLS.
//!
//! The bundled handler answers `client=<addr> tls=<verdict>` and logs one line per
//! request: `request client=<addr> server=<addr> origin=<...> tls=<...> <METHOD> <path>`.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use hostkit_proxy_protocol::{Origin, TlsVerdict};

use crate::proxy_accept::{AcceptConfig, Accepted, Prefixed, accept};

/// What the PROXY header said about the connection a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// The real client.
    pub client: SocketAddr,
    /// The address the client connected to.
    pub server: SocketAddr,
    /// The socket peer (the balancer, or the client itself).
    pub peer: SocketAddr,
    /// Where `client` comes from.
    pub origin: Origin,
    /// The SSL TLV's verdict, when the header had one.
    pub tls: Option<TlsVerdict>,
}

impl ClientInfo {
    fn new(got: &Accepted, peer: SocketAddr) -> Self {
        Self {
            client: got.client,
            server: got.server,
            peer,
            origin: got.origin,
            tls: got.tls,
        }
    }

    /// The verdict's name, `none` without an SSL TLV.
    pub fn tls_name(&self) -> &'static str {
        self.tls.map_or("none", TlsVerdict::as_str)
    }
}

/// The bundled handler: the client, the TLS verdict, and a log line.
pub fn answer(req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let Some(info) = req.extensions().get::<ClientInfo>() else {
        return Response::new(Full::new(Bytes::from_static(b"no client info\n")));
    };
    println!(
        "request client={} server={} peer={} origin={} tls={} {} {}",
        info.client,
        info.server,
        info.peer,
        info.origin.as_str(),
        info.tls_name(),
        req.method(),
        req.uri().path()
    );
    let body = format!("client={} tls={}\n", info.client, info.tls_name());
    Response::new(Full::new(Bytes::from(body)))
}

/// Accept connections forever; each runs its handshake in its own task, then HTTP/1.1
/// with every request carrying the connection's [`ClientInfo`].
pub async fn serve(listener: TcpListener, config: AcceptConfig) -> io::Result<()> {
    let config = Arc::new(config);
    loop {
        let (mut stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("proxy_http: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let config = Arc::clone(&config);
        tokio::spawn(async move {
            let local = match stream.local_addr() {
                Ok(a) => a,
                Err(e) => return eprintln!("proxy_http: {peer}: {e}"),
            };
            let got = match accept(&mut stream, peer, local, &config).await {
                Ok(g) => g,
                Err(e) => return eprintln!("proxy_http: {peer}: {e}"),
            };
            let info = ClientInfo::new(&got, peer);
            let io = TokioIo::new(Prefixed::new(got.early, stream));
            let svc = service_fn(move |mut req: Request<Incoming>| async move {
                req.extensions_mut().insert(info);
                Ok::<_, Infallible>(answer(&req))
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await
            {
                eprintln!("proxy_http: {peer}: {e}");
            }
        });
    }
}
