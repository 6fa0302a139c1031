//! The service on sockets: TCP and unix listeners, one task per connection, bounded
//! requests, connections and idle time, SIGHUP to re-read the secrets, SIGTERM and
//! SIGINT to stop gracefully.

use std::fmt;
use std::future::Future;
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{Semaphore, mpsc, watch};

use super::{Protocol, Service, respond};

/// A listening address: `HOST:PORT` (port 0 picks a free port) or `unix:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// A TCP address, resolved when bound.
    Tcp(String),
    /// A unix-domain socket path.
    Unix(PathBuf),
}

impl std::str::FromStr for Addr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs a path".into());
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        match s.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(Self::Tcp(s.to_string()))
            }
            _ => Err(format!("{s:?} is neither HOST:PORT nor unix:PATH")),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(a) => f.write_str(a),
            Self::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// A bound listener.
#[derive(Debug)]
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A unix-domain socket, removed when the service stops.
    Unix(UnixListener, PathBuf),
}

impl Listener {
    /// Bind `addr`. A unix socket left behind by a stopped server is replaced; one that
    /// still answers is not. The socket file is made connectable by every local user
    /// (Postfix's daemons run unprivileged): restrict access with its directory.
    ///
    /// # Errors
    ///
    /// The error of resolving or binding, or a unix path held by a live server.
    pub async fn bind(addr: &Addr) -> io::Result<Self> {
        match addr {
            Addr::Tcp(a) => Ok(Self::Tcp(TcpListener::bind(a.as_str()).await?)),
            Addr::Unix(path) => {
                if let Ok(meta) = std::fs::symlink_metadata(path)
                    && meta.file_type().is_socket()
                {
                    if tokio::net::UnixStream::connect(path).await.is_ok() {
                        return Err(io::Error::new(
                            io::ErrorKind::AddrInUse,
                            format!("{} is in use by a running server", path.display()),
                        ));
                    }
                    std::fs::remove_file(path)?;
                }
                let l = UnixListener::bind(path)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
                Ok(Self::Unix(l, path.clone()))
            }
        }
    }

    /// The address really bound (the port chosen for port 0), as `HOST:PORT` or `unix:PATH`.
    ///
    /// # Errors
    ///
    /// The error of asking the socket.
    pub fn local_addr(&self) -> io::Result<String> {
        match self {
            Self::Tcp(l) => Ok(l.local_addr()?.to_string()),
            Self::Unix(_, path) => Ok(format!("unix:{}", path.display())),
        }
    }
}

/// Serve `listeners` until `shutdown` resolves; then stop accepting, let the open
/// connections finish what they have received (for at most the grace time), and remove
/// unix socket files.
pub async fn serve(
    service: Arc<Service>,
    listeners: Vec<(Protocol, Listener)>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection holds a sender; when all are gone, `done_rx` yields None.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let slots = Arc::new(Semaphore::new(service.limits().max_connections));
    let mut paths = Vec::new();
    let mut accepting = Vec::new();
    for (protocol, listener) in listeners {
        if let Listener::Unix(_, path) = &listener {
            paths.push(path.clone());
        }
        accepting.push(tokio::spawn(accept_loop(
            Arc::clone(&service),
            protocol,
            listener,
            Arc::clone(&slots),
            stop_rx.clone(),
            done_tx.clone(),
        )));
    }
    drop(done_tx);
    shutdown.await;
    tracing::info!("stopping: no new connections; open ones finish their requests");
    let _ = stop_tx.send(true);
    for a in accepting {
        let _ = a.await;
    }
    let grace = service.limits().grace;
    if tokio::time::timeout(grace, done_rx.recv()).await.is_err() {
        tracing::warn!("connections still open after {grace:?}: closing them");
    }
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

async fn accept_loop(
    service: Arc<Service>,
    protocol: Protocol,
    listener: Listener,
    slots: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
    done: mpsc::Sender<()>,
) {
    loop {
        let accepted = tokio::select! {
            a = accept(&listener) => a,
            _ = stop.changed() => return,
        };
        let stream = match accepted {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors and the like: wait a little, do not spin.
                tracing::error!("{}: accept failed: {e}", protocol.name());
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(
                "{}: {} connections open, the limit: closing a new one",
                protocol.name(),
                service.limits().max_connections
            );
            continue;
        };
        let service = Arc::clone(&service);
        let stop = stop.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let result = match stream {
                Stream::Tcp(s) => {
                    let _ = s.set_nodelay(true);
                    connection(s, protocol, &service, stop).await
                }
                Stream::Unix(s) => connection(s, protocol, &service, stop).await,
            };
            if let Err(e) = result {
                tracing::debug!("{}: connection ended: {e}", protocol.name());
            }
            drop(permit);
            drop(done);
        });
    }
}

enum Stream {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

async fn accept(listener: &Listener) -> io::Result<Stream> {
    match listener {
        Listener::Tcp(l) => Ok(Stream::Tcp(l.accept().await?.0)),
        Listener::Unix(l, _) => Ok(Stream::Unix(l.accept().await?.0)),
    }
}

/// Serve one connection: read what has arrived, answer every whole request in order,
/// write the replies, and again. The buffer never holds more than one request's limit
/// plus one read; replies are written before more is read, so a client that does not
/// read its replies stops being read from, and is closed after the idle timeout.
async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    protocol: Protocol,
    service: &Service,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let limits = *service.limits();
    let mut input: Vec<u8> = Vec::with_capacity(4096);
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    loop {
        if !input.is_empty() {
            let rewriter = service.rewriter();
            let done = respond(
                protocol,
                &rewriter,
                service.now(),
                limits.max_request,
                &input,
                &mut out,
            );
            input.drain(..done.consumed);
            if !out.is_empty() {
                match tokio::time::timeout(limits.idle_timeout, stream.write_all(&out)).await {
                    Ok(r) => r?,
                    Err(_) => {
                        tracing::warn!(
                            "{}: a client read none of its replies for {:?}: closing it",
                            protocol.name(),
                            limits.idle_timeout
                        );
                        return Ok(());
                    }
                }
                out.clear();
            }
            if let Some(why) = done.malformed {
                tracing::warn!("{}: malformed request ({why}): closing", protocol.name());
                let _ = stream.shutdown().await;
                return Ok(());
            }
        }
        if *stop.borrow() {
            return Ok(());
        }
        input.reserve(8 * 1024);
        let n = tokio::select! {
            r = tokio::time::timeout(limits.idle_timeout, stream.read_buf(&mut input)) => match r {
                Ok(n) => n?,
                Err(_) => {
                    tracing::debug!("{}: idle connection closed", protocol.name());
                    return Ok(());
                }
            },
            _ = stop.changed() => return Ok(()),
        };
        if n == 0 {
            if !input.is_empty() {
                tracing::debug!(
                    "{}: client left in the middle of a request ({} bytes)",
                    protocol.name(),
                    input.len()
                );
            }
            return Ok(());
        }
    }
}

/// Bind every address, print `listening NAME ADDR` for each on standard output, and
/// serve until SIGTERM or SIGINT; SIGHUP re-reads the secrets.
///
/// # Errors
///
/// Binding or signal set-up failed; nothing is served then.
pub async fn run(service: Arc<Service>, addrs: &[(Protocol, Addr)]) -> anyhow::Result<()> {
    use std::io::Write as _;
    use tokio::signal::unix::{SignalKind, signal};

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut listeners = Vec::new();
    for (protocol, addr) in addrs {
        let l = Listener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("{} {addr}: {e}", protocol.name()))?;
        listeners.push((*protocol, l));
    }
    {
        let stdout = io::stdout();
        let mut w = stdout.lock();
        for (protocol, l) in &listeners {
            writeln!(w, "listening {} {}", protocol.name(), l.local_addr()?)?;
        }
        w.flush()?;
    }
    let reloader = {
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match service.reload() {
                    Ok(n) => tracing::info!("SIGHUP: secrets re-read, {n} in use"),
                    Err(e) => tracing::error!("SIGHUP: {e:#}; keeping the secrets in use"),
                }
            }
        })
    };
    tracing::info!("serving");
    serve(service, listeners, async {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM"),
            _ = int.recv() => tracing::info!("SIGINT"),
        }
    })
    .await;
    reloader.abort();
    Ok(())
}
