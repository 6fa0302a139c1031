//! `hostkit srs serve`: an SRS lookup service for Postfix, over `socketmap_table(5)`
//! (postsrsd 2.x style, one listener, maps `forward` and `reverse`) and over
//! `tcp_table(5)` (postsrsd 1.x style, one listener per map).
//!
//! The pieces, from the inside out:
//! - [`lookup`]: what a key maps to, as plain functions of a [`Rewriter`];
//! - [`socketmap`] and [`tcp_table`]: the two wire formats, sans-IO;
//! - [`respond`]: every whole request of a buffer answered in order;
//! - [`Service`]: the settings and the current secrets (re-read on SIGHUP);
//! - [`server`]: tokio listeners, connections, limits and signals.

pub mod lookup;
pub mod secrets;
pub mod server;
pub mod socketmap;
pub mod tcp_table;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hostkit_srs::{LengthPolicy, Rewriter, Separator};

pub use lookup::{Answer, Map};
pub use secrets::SecretsError;

/// Which protocol a listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Netstrings, both maps on one listener.
    Socketmap,
    /// Lines, one map per listener.
    TcpTable(Map),
}

impl Protocol {
    /// The name used in the `listening NAME ADDR` line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Socketmap => "socketmap",
            Self::TcpTable(Map::Forward) => "tcp-forward",
            Self::TcpTable(Map::Reverse) => "tcp-reverse",
        }
    }
}

/// Where the service takes the time from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time in unix seconds, for tests and reproducible runs.
    Fixed(u64),
}

impl Clock {
    /// The current time in unix seconds.
    pub fn now(self) -> u64 {
        match self {
            Self::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Self::Fixed(t) => t,
        }
    }
}

/// Bounds on what one client may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest request (netstring data, or tcp_table line) in bytes.
    pub max_request: usize,
    /// Connections served at once; more are closed at once, with a warning.
    pub max_connections: usize,
    /// A connection that sends nothing, or reads nothing of its replies, this long is closed.
    pub idle_timeout: Duration,
    /// How long connections may take to finish after SIGTERM.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request: 8 * 1024,
            max_connections: 1024,
            idle_timeout: Duration::from_secs(300),
            grace: Duration::from_secs(5),
        }
    }
}

/// How addresses are rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewriting {
    /// Our SRS domain: written after the `@`, and never rewritten.
    pub domain: String,
    /// Domains whose senders go out unchanged; a leading `.` means the subdomains.
    pub exclude_domains: Vec<String>,
    /// The separator after the SRS tag.
    pub separator: Separator,
    /// Hash length in base64 characters.
    pub hash_length: usize,
    /// Days an SRS0 address stays valid.
    pub max_age_days: u16,
}

impl Rewriting {
    /// Defaults for `domain`: no exclusion, `=`, 4 characters of hash, 21 days.
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            exclude_domains: Vec::new(),
            separator: Separator::default(),
            hash_length: hostkit_srs::DEFAULT_HASH_LENGTH,
            max_age_days: hostkit_srs::DEFAULT_MAX_AGE_DAYS,
        }
    }

    /// A rewriter with these settings and `secrets` (the first signs).
    ///
    /// # Errors
    ///
    /// The rewriter's configuration error.
    pub fn build(&self, secrets: &[Vec<u8>]) -> Result<Rewriter, hostkit_srs::Error> {
        let mut b = Rewriter::builder()
            .domain(&self.domain)
            .separator(self.separator)
            .hash_length(self.hash_length)
            .max_age_days(self.max_age_days)
            .length_policy(LengthPolicy::Limit(lookup::MAX_LOCAL_PART));
        for d in &self.exclude_domains {
            b = b.local_domain(d);
        }
        for s in secrets {
            b = b.secret(s);
        }
        b.build()
    }
}

/// Where the secrets come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secrets {
    /// A secrets file, re-read by [`Service::reload`].
    File(PathBuf),
    /// Secrets given at start (the first signs).
    Fixed(Vec<Vec<u8>>),
}

/// The running service's state: settings, clock, limits and the current rewriter.
#[derive(Debug)]
pub struct Service {
    rewriting: Rewriting,
    secrets: Secrets,
    clock: Clock,
    limits: Limits,
    rewriter: RwLock<Arc<Rewriter>>,
}

impl Service {
    /// Read the secrets and build the rewriter.
    ///
    /// # Errors
    ///
    /// A bad secrets file, or settings the rewriter refuses.
    pub fn new(
        rewriting: Rewriting,
        secrets: Secrets,
        clock: Clock,
        limits: Limits,
    ) -> anyhow::Result<Self> {
        let rewriter = Self::make(&rewriting, &secrets)?;
        Ok(Self {
            rewriting,
            secrets,
            clock,
            limits,
            rewriter: RwLock::new(Arc::new(rewriter)),
        })
    }

    fn make(rewriting: &Rewriting, secrets: &Secrets) -> anyhow::Result<Rewriter> {
        let loaded;
        let list = match secrets {
            Secrets::File(path) => {
                loaded = secrets::load(path)?;
                &loaded
            }
            Secrets::Fixed(list) => list,
        };
        Ok(rewriting.build(list)?)
    }

    /// Read the secrets again and use them from the next request on; on failure keep the
    /// current ones. Returns how many secrets are now in use.
    ///
    /// # Errors
    ///
    /// As [`Service::new`]; the service goes on with its old secrets.
    pub fn reload(&self) -> anyhow::Result<usize> {
        let n = match &self.secrets {
            Secrets::File(path) => secrets::load(path)?.len(),
            Secrets::Fixed(list) => list.len(),
        };
        let rewriter = Self::make(&self.rewriting, &self.secrets)?;
        *self
            .rewriter
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(rewriter);
        Ok(n)
    }

    /// The rewriter in use now.
    pub fn rewriter(&self) -> Arc<Rewriter> {
        Arc::clone(
            &self
                .rewriter
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// The time now, in unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// What [`respond`] did with a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Responded {
    /// Bytes of the input taken by whole requests.
    pub consumed: usize,
    /// Requests answered.
    pub requests: usize,
    /// A framing error: its reply was written, and the connection must close.
    pub malformed: Option<&'static str>,
}

/// Answer every whole request at the start of `input`, in order, appending the replies to
/// `out`. A framing error gets one error reply and stops the loop.
pub fn respond(
    protocol: Protocol,
    rewriter: &Rewriter,
    now: u64,
    max_request: usize,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Responded {
    let mut done = Responded {
        consumed: 0,
        requests: 0,
        malformed: None,
    };
    loop {
        let rest = &input[done.consumed..];
        let (answer, used) = match protocol {
            Protocol::Socketmap => match socketmap::decode(rest, max_request) {
                socketmap::Frame::Request(req, used) => {
                    let (map, answer) = socketmap::lookup(rewriter, req, now);
                    log_request(map, req, &answer);
                    (answer, used)
                }
                socketmap::Frame::Incomplete => return done,
                socketmap::Frame::Malformed(why) => {
                    socketmap::encode(&Answer::Perm(why.into()), out);
                    done.malformed = Some(why);
                    return done;
                }
            },
            Protocol::TcpTable(map) => match tcp_table::decode(rest, max_request) {
                tcp_table::Frame::Request(line, used) => {
                    let answer = tcp_table::lookup(rewriter, map, line, now);
                    log_request(Some(map), line, &answer);
                    (answer, used)
                }
                tcp_table::Frame::Incomplete => return done,
                tcp_table::Frame::Malformed(why) => {
                    tcp_table::encode(&Answer::Perm(why.into()), out);
                    done.malformed = Some(why);
                    return done;
                }
            },
        };
        match protocol {
            Protocol::Socketmap => socketmap::encode(&answer, out),
            Protocol::TcpTable(_) => tcp_table::encode(&answer, out),
        }
        done.consumed += used;
        done.requests += 1;
    }
}

fn log_request(map: Option<Map>, request: &[u8], answer: &Answer) {
    let map = map.map_or("-", Map::name);
    match answer {
        Answer::NotFound { warning: true, .. } => tracing::warn!(
            map,
            request = %String::from_utf8_lossy(request),
            "{}",
            answer.reason()
        ),
        Answer::Found(value) => tracing::debug!(
            map,
            request = %String::from_utf8_lossy(request),
            "OK {value}"
        ),
        Answer::NotFound { reason, .. } => tracing::debug!(
            map,
            request = %String::from_utf8_lossy(request),
            "NOTFOUND {reason}"
        ),
        Answer::Perm(reason) => tracing::debug!(
            map,
            request = %String::from_utf8_lossy(request),
            "PERM {reason}"
        ),
        Answer::Temp(reason) => tracing::debug!(
            map,
            request = %String::from_utf8_lossy(request),
            "TEMP {reason}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_577_836_860;

    fn rewriter() -> Rewriter {
        Rewriting::new("fwd1.example.net")
            .build(&[b"tops3cr3t".to_vec()])
            .unwrap()
    }

    #[test]
    fn pipelined_socketmap_in_order() {
        let r = rewriter();
        let mut input = Vec::new();
        for req in [
            "reverse alias@forward.test",
            "forward alice@example.com",
            "forward SRS0=Xu1M=2W=example.com=alice@fwd1.example.net",
            "nomap x",
        ] {
            socketmap::encode_request(req.as_bytes(), &mut input);
        }
        // And half of a fifth request.
        input.extend_from_slice(b"25:forward bob@");
        let mut out = Vec::new();
        let done = respond(Protocol::Socketmap, &r, T, 1024, &input, &mut out);
        assert_eq!(done.requests, 4);
        assert_eq!(done.malformed, None);
        assert_eq!(&input[done.consumed..], b"25:forward bob@");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "9:NOTFOUND ,50:OK SRS0=Xu1M=2W=example.com=alice@fwd1.example.net,\
             9:NOTFOUND ,21:PERM unknown map name,"
        );
    }

    #[test]
    fn framing_errors_stop() {
        let r = rewriter();
        let mut out = Vec::new();
        let done = respond(Protocol::Socketmap, &r, T, 1024, b"9:NOTFOUND ,x", &mut out);
        assert_eq!(done.requests, 1);
        assert_eq!(done.malformed, Some("bad netstring length"));
        assert!(out.ends_with(b"25:PERM bad netstring length,"));
        let mut out = Vec::new();
        let done = respond(Protocol::Socketmap, &r, T, 10, b"11:forward a,", &mut out);
        assert_eq!(
            (done.requests, done.malformed),
            (0, Some("request too long"))
        );
        let mut out = Vec::new();
        let long = format!("get {}\n", "a".repeat(20));
        let done = respond(
            Protocol::TcpTable(Map::Reverse),
            &r,
            T,
            10,
            long.as_bytes(),
            &mut out,
        );
        assert_eq!(done.malformed, Some("request too long"));
        assert_eq!(out, b"400 request too long\n");
    }

    #[test]
    fn pipelined_tcp_table() {
        let r = rewriter();
        let mut out = Vec::new();
        let done = respond(
            Protocol::TcpTable(Map::Forward),
            &r,
            T,
            1024,
            b"get alice@example.com\nget \"\"\r\nget bob@fwd1.example.net\nget x",
            &mut out,
        );
        assert_eq!(done.requests, 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "200 SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n\
             500 null sender\n500 local or excluded domain\n"
        );
    }

    #[test]
    fn reload_rotates_and_keeps_old_on_failure() {
        let svc = Service::new(
            Rewriting::new("fwd1.example.net"),
            Secrets::Fixed(vec![b"tops3cr3t".to_vec()]),
            Clock::Fixed(T),
            Limits::default(),
        )
        .unwrap();
        assert_eq!(svc.reload().unwrap(), 1);
        assert_eq!(
            svc.rewriter()
                .forward("alice@example.com", svc.now())
                .unwrap(),
            "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net"
        );
        let dir = std::env::temp_dir().join(format!("hostkit-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secrets");
        std::fs::write(&path, "tops3cr3t\n").unwrap();
        std::fs::set_permissions(
            &path,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
        )
        .unwrap();
        let svc = Service::new(
            Rewriting::new("fwd1.example.net"),
            Secrets::File(path.clone()),
            Clock::Fixed(T),
            Limits::default(),
        )
        .unwrap();
        let old = svc.rewriter().forward("alice@example.com", T).unwrap();
        std::fs::write(&path, "n3w\ntops3cr3t\n").unwrap();
        assert_eq!(svc.reload().unwrap(), 2);
        let r = svc.rewriter();
        assert_ne!(r.forward("alice@example.com", T).unwrap(), old);
        assert_eq!(r.reverse(&old, T).unwrap(), "alice@example.com");
        std::fs::write(&path, "\n").unwrap();
        assert!(svc.reload().is_err());
        // Still the rotated secrets.
        assert_eq!(
            svc.rewriter().forward("alice@example.com", T).unwrap(),
            r.forward("alice@example.com", T).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
        // A bad file refuses to start.
        assert!(
            Service::new(
                Rewriting::new("fwd1.example.net"),
                Secrets::File(dir.join("missing")),
                Clock::System,
                Limits::default(),
            )
            .is_err()
        );
    }
}
