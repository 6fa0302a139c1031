//! The decision around the parser: whose header to believe, how long to wait for it,
//! and which addresses the connection stands for.
//!
//! A header is a claim about who the client is, and only a trusted balancer may make
//! it (spec section 5: accept the header only from known sources, rely on
//! configuration rather than detection). An [`Acceptor`] holds that configuration;
//! [`Acceptor::start`] gives a [`Handshake`] per connection, which is fed the bytes
//! read so far and the current time and answers with a [`Decision`]. Nothing here
//! reads a socket or a clock, and nothing allocates.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::str::FromStr;
use core::time::Duration;

use crate::error::Error;
use crate::header::{Header, Status, Version};
use crate::parse::Parser;
use crate::tlv::{TlsVerdict, Tlvs};
use crate::v2;

/// A block of IP addresses, `192.0.2.0/24` or `2001:db8::/32`.
///
/// IPv4-mapped IPv6 peers (`::ffff:192.0.2.7`, as a dual-stack socket reports an IPv4
/// client) are matched against IPv4 blocks.
///
/// ```
/// use hostkit_proxy_protocol::Cidr;
///
/// let lb: Cidr = "10.1.0.0/16".parse()?;
/// assert!(lb.contains("10.1.200.3".parse()?));
/// assert!(lb.contains("::ffff:10.1.0.9".parse()?));
/// assert!(!lb.contains("10.2.0.1".parse()?));
/// assert_eq!(lb.to_string(), "10.1.0.0/16");
/// // A bare address is a block of one.
/// assert_eq!("2001:db8::1".parse::<Cidr>()?.prefix(), 128);
/// // Host bits must be zero.
/// assert!("10.1.2.3/16".parse::<Cidr>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Every IPv4 and every IPv6 address: `0.0.0.0/0` and `::/0`.
    pub const ANY: [Cidr; 2] = [
        Cidr {
            addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            prefix: 0,
        },
        Cidr {
            addr: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            prefix: 0,
        },
    ];

    /// The block of `prefix` leading bits of `addr`.
    ///
    /// # Errors
    ///
    /// [`Error::Cidr`] when the prefix is longer than the address (32 or 128 bits)
    /// or `addr` has bits set past the prefix.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, Error> {
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max {
            return Err(Error::Cidr {
                reason: "prefix longer than the address",
            });
        }
        let c = Cidr { addr, prefix };
        if bits(addr) & !c.mask() != 0 {
            return Err(Error::Cidr {
                reason: "address has bits set past the prefix",
            });
        }
        Ok(c)
    }

    /// The first address of the block.
    #[inline]
    pub const fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    #[inline]
    pub const fn prefix(&self) -> u8 {
        self.prefix
    }

    #[inline]
    fn mask(&self) -> u128 {
        let width: u32 = match self.addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        all & !all.checked_shr(u32::from(self.prefix)).unwrap_or(0)
    }

    /// Whether `ip` is in the block.
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        let same_family = matches!(
            (ip, self.addr),
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_))
        );
        same_family && bits(ip) & self.mask() == bits(self.addr)
    }
}

#[inline]
fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

impl FromStr for Cidr {
    type Err = Error;

    /// `ADDR/PREFIX`, or a bare `ADDR` for a block of one address.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| Error::Cidr {
            reason: "not an IP address",
        })?;
        let prefix = match p {
            None => match addr {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            },
            Some(p) => {
                let ok = !p.is_empty()
                    && p.len() <= 3
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p == "0" || !p.starts_with('0'));
                if !ok {
                    return Err(Error::Cidr {
                        reason: "prefix is not a decimal number",
                    });
                }
                p.parse::<u8>().map_err(|_| Error::Cidr {
                    reason: "prefix longer than the address",
                })?
            }
        };
        Cidr::new(addr, prefix)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// What a trusted peer (a balancer) is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Trusted {
    /// A header must come; anything else is refused (spec section 2: the receiver is
    /// configured to expect the header).
    Require,
    /// The header is used when the first bytes are one; otherwise the bytes are
    /// payload and the peer is served as itself.
    Use,
}

/// What any other peer is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Untrusted {
    /// A header is a reason to close: nobody but a balancer may name a client.
    Reject,
    /// Every byte is payload, a header included; the peer is served as itself.
    Ignore,
}

/// The rule one connection is held to, from its peer address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Policy {
    /// A trusted peer that must send a header.
    Require,
    /// A trusted peer that may send a header.
    Use,
    /// An untrusted peer: a header closes the connection.
    Reject,
    /// An untrusted peer: bytes pass through untouched.
    Ignore,
}

impl Policy {
    /// A stable lower-case name: `require`, `use`, `reject` or `ignore`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Require => "require",
            Self::Use => "use",
            Self::Reject => "reject",
            Self::Ignore => "ignore",
        }
    }
}

impl From<Trusted> for Policy {
    #[inline]
    fn from(t: Trusted) -> Self {
        match t {
            Trusted::Require => Self::Require,
            Trusted::Use => Self::Use,
        }
    }
}

impl From<Untrusted> for Policy {
    #[inline]
    fn from(u: Untrusted) -> Self {
        match u {
            Untrusted::Reject => Self::Reject,
            Untrusted::Ignore => Self::Ignore,
        }
    }
}

impl Trusted {
    /// A stable lower-case name: `require` or `use`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Require => "require",
            Self::Use => "use",
        }
    }
}

impl Untrusted {
    /// A stable lower-case name: `reject` or `ignore`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Ignore => "ignore",
        }
    }
}

/// Largest header an [`Acceptor`] waits for by default, all bytes included.
pub const DEFAULT_MAX_HEADER: usize = 4096;

/// How long an [`Acceptor`] waits for a header by default: the spec (section 2) asks
/// for at least 3 seconds, so that one lost segment can be sent again.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// The accept policy of a listener: which peers are trusted, what each side is held
/// to, the largest header and how long to wait for it.
///
/// Time is whatever the caller measures it from (a monotonic clock's start, say),
/// as a [`Duration`]; the acceptor never reads a clock.
///
/// ```
/// use core::time::Duration;
/// use hostkit_proxy_protocol::{Acceptor, Builder, Cidr, Decision, Origin, Policy, Refusal};
///
/// let balancers = ["10.0.0.0/8".parse::<Cidr>()?];
/// let acceptor = Acceptor::new(&balancers).timeout(Duration::from_secs(5));
/// let t0 = Duration::ZERO;
///
/// // The balancer's connection, with a header and then a request.
/// let lb = "10.0.0.2:40000".parse()?;
/// let me = "10.0.0.1:80".parse()?;
/// let mut hs = acceptor.start(lb, me, t0);
/// assert_eq!(hs.policy(), Policy::Require);
/// let mut wire = Builder::v2("203.0.113.7:5000".parse()?, me).to_vec()?;
/// assert!(matches!(hs.push(&wire[..10], t0), Decision::NeedMore { needed: 6 }));
/// wire.extend_from_slice(b"GET / HTTP/1.1\r\n");
/// let Decision::Proceed { client, consumed, origin, .. } = hs.push(&wire, t0) else {
///     unreachable!()
/// };
/// assert_eq!(client.to_string(), "203.0.113.7:5000");
/// assert_eq!(origin, Origin::Header);
/// assert_eq!(&wire[consumed..], b"GET / HTTP/1.1\r\n");
///
/// // Anyone else who sends a header is refused; without one they are themselves.
/// let stranger = "198.51.100.9:1234".parse()?;
/// let mut hs = acceptor.start(stranger, me, t0);
/// assert_eq!(hs.push(&wire, t0), Decision::Refuse { reason: Refusal::Untrusted });
/// let mut hs = acceptor.start(stranger, me, t0);
/// assert!(matches!(
///     hs.push(b"GET /", t0),
///     Decision::Proceed { client, consumed: 0, .. } if client == stranger
/// ));
///
/// // A balancer that stays silent is refused at its deadline.
/// let mut hs = acceptor.start(lb, me, t0);
/// assert_eq!(hs.poll_deadline(Duration::from_secs(4)), None);
/// assert_eq!(hs.poll_deadline(Duration::from_secs(5)), Some(Refusal::Timeout));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Acceptor<'a> {
    trusted: &'a [Cidr],
    on_trusted: Trusted,
    on_untrusted: Untrusted,
    max_header: usize,
    timeout: Duration,
}

impl<'a> Acceptor<'a> {
    /// Peers in `trusted` must send a header ([`Trusted::Require`]); a header from
    /// anyone else closes the connection ([`Untrusted::Reject`]). Headers up to
    /// [`DEFAULT_MAX_HEADER`] bytes, within [`DEFAULT_TIMEOUT`].
    ///
    /// Pass [`Cidr::ANY`] to trust every peer.
    pub const fn new(trusted: &'a [Cidr]) -> Self {
        Self {
            trusted,
            on_trusted: Trusted::Require,
            on_untrusted: Untrusted::Reject,
            max_header: DEFAULT_MAX_HEADER,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// What trusted peers are held to.
    pub const fn trusted(mut self, rule: Trusted) -> Self {
        self.on_trusted = rule;
        self
    }

    /// What every other peer is held to.
    pub const fn untrusted(mut self, rule: Untrusted) -> Self {
        self.on_untrusted = rule;
        self
    }

    /// The largest v2 header accepted, all bytes included (at least 16; a v1 line
    /// is never longer than 107 bytes). A header announcing more is refused as soon
    /// as its first 16 bytes are in.
    pub const fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header = if bytes < 16 { 16 } else { bytes };
        self
    }

    /// How long after [`Acceptor::start`] the header must be complete.
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The configured timeout.
    pub const fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The rule for a connection from `peer`.
    #[inline]
    pub fn policy_for(&self, peer: IpAddr) -> Policy {
        if self.trusted.iter().any(|c| c.contains(peer)) {
            self.on_trusted.into()
        } else {
            self.on_untrusted.into()
        }
    }

    /// Begin the handshake of a connection accepted at `now` from `peer` on the
    /// local address `local`.
    #[inline]
    pub fn start(&self, peer: SocketAddr, local: SocketAddr, now: Duration) -> Handshake {
        Handshake {
            policy: self.policy_for(peer.ip()),
            peer,
            local,
            deadline: now.saturating_add(self.timeout),
            parser: Parser::new().max_header_size(self.max_header),
            state: State::Pending,
        }
    }
}

/// Where the addresses of a [`Decision::Proceed`] come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Origin {
    /// The header's address block (PROXY command, an IP family).
    Header,
    /// A header that names no IP endpoints (LOCAL, `UNKNOWN`, UNSPEC, UNIX): the
    /// socket's own addresses apply, as the spec says.
    Local,
    /// No header: the socket's own addresses.
    Socket,
}

impl Origin {
    /// A stable lower-case name: `header`, `local` or `socket`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Local => "local",
            Self::Socket => "socket",
        }
    }
}

/// Why a connection is to be closed without an answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The header was not complete at the deadline.
    Timeout,
    /// An untrusted peer sent a header.
    Untrusted,
    /// A trusted peer under [`Trusted::Require`] sent something that is not a header.
    Missing,
    /// The peer closed its side in the middle of a header.
    Truncated {
        /// Bytes the header still lacked, at least.
        needed: usize,
    },
    /// A trusted peer sent a header that is not valid (too large included).
    Invalid(Error),
}

impl Refusal {
    /// A stable lower-case name: `timeout`, `untrusted_header`, `missing_header`,
    /// `truncated_header` or `invalid_header`.
    #[inline]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Untrusted => "untrusted_header",
            Self::Missing => "missing_header",
            Self::Truncated { .. } => "truncated_header",
            Self::Invalid(_) => "invalid_header",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("no complete proxy header before the deadline"),
            Self::Untrusted => f.write_str("proxy header from an untrusted peer"),
            Self::Missing => f.write_str("proxy header required but not sent"),
            Self::Truncated { needed } => {
                write!(f, "closed with {needed} proxy header bytes missing")
            }
            Self::Invalid(e) => write!(f, "invalid proxy header: {e}"),
        }
    }
}

/// What to do next with a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'b> {
    /// Read at least `needed` more bytes, then push everything read so far again.
    NeedMore {
        /// Bytes still needed at least (never 0).
        needed: usize,
    },
    /// Serve the connection: the application's bytes start at `consumed`.
    Proceed {
        /// The client the connection stands for.
        client: SocketAddr,
        /// The address the client connected to.
        server: SocketAddr,
        /// The header's TLVs (none without a header).
        tlvs: Tlvs<'b>,
        /// Length of the header; 0 without one.
        consumed: usize,
        /// Where `client` and `server` come from.
        origin: Origin,
        /// The header's version, if one was read.
        version: Option<Version>,
    },
    /// Close the connection without an answer.
    Refuse {
        /// Why.
        reason: Refusal,
    },
}

impl Decision<'_> {
    /// The SSL TLV's verdict, for a [`Decision::Proceed`] whose header carries one.
    #[inline]
    pub fn tls_verdict(&self) -> Option<TlsVerdict> {
        match self {
            Self::Proceed { tlvs, .. } => tlvs.tls_verdict(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum State {
    Pending,
    Proceeded,
    Refused(Refusal),
}

/// The state of one connection's header, from accept until a decision.
///
/// The caller keeps the bytes: each [`Handshake::push`] is given *everything* read
/// from the connection so far (a prefix of what the next push gets), and the decision
/// borrows from it. The handshake only remembers its rule, its deadline and whether
/// it has decided; the bytes after the header are never looked at.
///
/// For any way of splitting the same bytes into pushes, and any times before the
/// deadline, the decision is the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handshake {
    policy: Policy,
    peer: SocketAddr,
    local: SocketAddr,
    deadline: Duration,
    parser: Parser,
    state: State,
}

/// The two ways a header can start: `PROXY ` (v1) and the v2 signature.
const V1_SIG: &[u8] = b"PROXY ";

impl Handshake {
    /// The rule this connection is held to.
    #[inline]
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The time at which an undecided handshake is refused.
    #[inline]
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Whether no decision has been made yet.
    #[inline]
    pub fn is_pending(&self) -> bool {
        self.state == State::Pending
    }

    /// The peer the socket reports.
    #[inline]
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Decide on the bytes read so far, `buffered`, at time `now`.
    ///
    /// Bytes that decide are decided on even if `now` is past the deadline (the
    /// caller may have been slow to look); only when more bytes are still needed
    /// does a late `now` refuse with [`Refusal::Timeout`]. Once refused, every later
    /// push gives the same refusal. An empty `buffered` is fine: under
    /// [`Policy::Ignore`] it proceeds at once, so a server that speaks first (SMTP)
    /// need not wait for the client.
    pub fn push<'b>(&mut self, buffered: &'b [u8], now: Duration) -> Decision<'b> {
        if let State::Refused(r) = &self.state {
            return Decision::Refuse { reason: r.clone() };
        }
        let d = self.decide(buffered, false);
        match d {
            Decision::NeedMore { .. } if now >= self.deadline => {
                self.state = State::Refused(Refusal::Timeout);
                Decision::Refuse {
                    reason: Refusal::Timeout,
                }
            }
            Decision::NeedMore { .. } => d,
            Decision::Proceed { .. } => {
                self.state = State::Proceeded;
                d
            }
            Decision::Refuse { ref reason } => {
                self.state = State::Refused(reason.clone());
                d
            }
        }
    }

    /// Decide on `buffered` knowing the peer will send nothing more (it shut down
    /// its side). Never [`Decision::NeedMore`]: a header that can no longer be
    /// completed is [`Refusal::Truncated`], and a beginning that could only have been
    /// a header is payload where a header is optional.
    pub fn finish<'b>(&mut self, buffered: &'b [u8]) -> Decision<'b> {
        if let State::Refused(r) = &self.state {
            return Decision::Refuse { reason: r.clone() };
        }
        let d = self.decide(buffered, true);
        self.state = match &d {
            Decision::Refuse { reason } => State::Refused(reason.clone()),
            _ => State::Proceeded,
        };
        d
    }

    /// Refuse an undecided handshake whose deadline has come. Returns the refusal
    /// once the handshake is refused (now or before), `None` while it is pending
    /// before its deadline or after it proceeded.
    pub fn poll_deadline(&mut self, now: Duration) -> Option<Refusal> {
        match &self.state {
            State::Pending if now >= self.deadline => {
                self.state = State::Refused(Refusal::Timeout);
                Some(Refusal::Timeout)
            }
            State::Pending | State::Proceeded => None,
            State::Refused(r) => Some(r.clone()),
        }
    }

    fn as_itself<'b>(&self) -> Decision<'b> {
        Decision::Proceed {
            client: self.peer,
            server: self.local,
            tlvs: Tlvs::empty(),
            consumed: 0,
            origin: Origin::Socket,
            version: None,
        }
    }

    fn decide<'b>(&self, buffered: &'b [u8], eof: bool) -> Decision<'b> {
        match self.policy {
            Policy::Ignore => self.as_itself(),
            Policy::Require => self.parse(buffered, eof),
            Policy::Reject | Policy::Use => match signature(buffered) {
                Sig::No => self.as_itself(),
                Sig::Maybe(_) if eof => self.as_itself(),
                Sig::Maybe(needed) => Decision::NeedMore { needed },
                Sig::Yes if self.policy == Policy::Reject => Decision::Refuse {
                    reason: Refusal::Untrusted,
                },
                Sig::Yes => self.parse(buffered, eof),
            },
        }
    }

    fn parse<'b>(&self, buffered: &'b [u8], eof: bool) -> Decision<'b> {
        match self.parser.parse(buffered) {
            Ok(Status::Complete((h, consumed))) => self.proceed(&h, consumed),
            Ok(Status::Incomplete { needed }) if eof => {
                if buffered.is_empty() {
                    Decision::Refuse {
                        reason: Refusal::Missing,
                    }
                } else {
                    Decision::Refuse {
                        reason: Refusal::Truncated { needed },
                    }
                }
            }
            Ok(Status::Incomplete { needed }) => Decision::NeedMore { needed },
            Err(Error::NotProxy { .. }) => Decision::Refuse {
                reason: Refusal::Missing,
            },
            Err(e) => Decision::Refuse {
                reason: Refusal::Invalid(e),
            },
        }
    }

    fn proceed<'b>(&self, h: &Header<'b>, consumed: usize) -> Decision<'b> {
        let (client, server, origin) = match (h.source(), h.destination()) {
            (Some(s), Some(d)) => (s, d, Origin::Header),
            _ => (self.peer, self.local, Origin::Local),
        };
        Decision::Proceed {
            client,
            server,
            tlvs: h.borrowed_tlvs().unwrap_or(Tlvs::empty()),
            consumed,
            origin,
            version: Some(h.version()),
        }
    }
}

enum Sig {
    /// The bytes start like no header.
    No,
    /// The bytes are a proper beginning of a signature; this many more tell.
    Maybe(usize),
    /// The bytes start with a whole signature.
    Yes,
}

/// Whether `b` starts with `PROXY ` or the v2 signature.
fn signature(b: &[u8]) -> Sig {
    let mut maybe = usize::MAX;
    for sig in [V1_SIG, &v2::SIGNATURE[..]] {
        let n = b.len().min(sig.len());
        if b[..n] == sig[..n] {
            if n == sig.len() {
                return Sig::Yes;
            }
            maybe = maybe.min(sig.len() - n);
        }
    }
    if maybe == usize::MAX {
        Sig::No
    } else {
        Sig::Maybe(maybe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    const T0: Duration = Duration::ZERO;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn lb_list() -> [Cidr; 2] {
        ["127.0.0.2/32".parse().unwrap(), "fd00::/8".parse().unwrap()]
    }

    fn v2(src: &str) -> Vec<u8> {
        Builder::v2(addr(src), addr("192.0.2.1:443"))
            .to_vec()
            .unwrap()
    }

    #[test]
    fn cidr_parse_and_match() {
        let c: Cidr = "192.0.2.0/24".parse().unwrap();
        assert!(c.contains("192.0.2.255".parse().unwrap()));
        assert!(!c.contains("192.0.3.0".parse().unwrap()));
        assert!(!c.contains("::".parse().unwrap()));
        let z: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(z.contains("255.255.255.255".parse().unwrap()));
        assert!(!z.contains("2001:db8::1".parse().unwrap()));
        let v6: Cidr = "2001:db8::/33".parse().unwrap();
        assert!(v6.contains("2001:db8:7fff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:8000::1".parse().unwrap()));
        assert!(
            "::/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        let one: Cidr = "2001:db8::1/128".parse().unwrap();
        assert!(one.contains("2001:db8::1".parse().unwrap()));
        assert!(!one.contains("2001:db8::2".parse().unwrap()));
        let one: Cidr = "192.0.2.1".parse().unwrap();
        assert!(one.contains("192.0.2.1".parse().unwrap()));
        assert!(!one.contains("192.0.2.0".parse().unwrap()));
        for bad in [
            "",
            "/8",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.0.0.1/8",
            "x/8",
            "10.0.0.0/1000",
            "fd00::1/8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert_eq!("fd00::/8".parse::<Cidr>().unwrap().to_string(), "fd00::/8");
    }

    #[test]
    fn trusted_require() {
        let list = lb_list();
        let a = Acceptor::new(&list);
        let me = addr("192.0.2.1:443");
        let mut hs = a.start(addr("127.0.0.2:9"), me, T0);
        assert_eq!(hs.policy(), Policy::Require);
        assert_eq!(hs.push(b"", T0), Decision::NeedMore { needed: 15 });
        assert_eq!(
            hs.push(b"GET", T0),
            Decision::Refuse {
                reason: Refusal::Missing
            }
        );
        // Sticky.
        assert!(matches!(
            hs.push(&v2("1.2.3.4:5"), T0),
            Decision::Refuse { .. }
        ));

        let mut hs = a.start(addr("[fd00::5]:9"), me, T0);
        let w = v2("1.2.3.4:5");
        let d = hs.push(&w, T0);
        assert!(matches!(
            d,
            Decision::Proceed { client, origin: Origin::Header, consumed: 28, version: Some(Version::V2), .. }
                if client == addr("1.2.3.4:5")
        ));
        assert_eq!(hs.poll_deadline(Duration::from_secs(100)), None);

        // LOCAL: the socket's own addresses.
        let mut hs = a.start(addr("127.0.0.2:9"), me, T0);
        let w = Builder::v2_local().to_vec().unwrap();
        assert!(matches!(
            hs.push(&w, T0),
            Decision::Proceed { client, server, origin: Origin::Local, consumed: 16, .. }
                if client == addr("127.0.0.2:9") && server == me
        ));

        // Invalid header.
        let mut hs = a.start(addr("127.0.0.2:9"), me, T0);
        assert!(matches!(
            hs.push(b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", T0),
            Decision::Refuse {
                reason: Refusal::Invalid(Error::V1Value { .. })
            }
        ));
    }

    #[test]
    fn header_size_bound() {
        let a = Acceptor::new(&Cidr::ANY).max_header_size(64);
        let big = Builder::v2(addr("1.2.3.4:5"), addr("5.6.7.8:9"))
            .noop(100)
            .to_vec()
            .unwrap();
        let mut hs = a.start(addr("10.0.0.1:1"), addr("10.0.0.2:2"), T0);
        assert!(matches!(
            hs.push(&big[..16], T0),
            Decision::Refuse {
                reason: Refusal::Invalid(Error::V2TooLarge { .. })
            }
        ));
    }

    #[test]
    fn untrusted_reject_and_ignore() {
        let list = lb_list();
        let me = addr("192.0.2.1:443");
        let peer = addr("127.0.0.9:1000");
        let a = Acceptor::new(&list);
        let mut hs = a.start(peer, me, T0);
        assert_eq!(hs.policy(), Policy::Reject);
        assert_eq!(hs.push(b"", T0), Decision::NeedMore { needed: 6 });
        assert_eq!(hs.push(b"PROX", T0), Decision::NeedMore { needed: 2 });
        assert_eq!(
            hs.push(b"PROXY ", T0),
            Decision::Refuse {
                reason: Refusal::Untrusted
            }
        );
        let mut hs = a.start(peer, me, T0);
        assert_eq!(hs.push(b"\r\n\r\n", T0), Decision::NeedMore { needed: 8 });
        assert_eq!(
            hs.push(&v2("1.1.1.1:1")[..12], T0),
            Decision::Refuse {
                reason: Refusal::Untrusted
            }
        );
        // Payload that only starts like a header.
        let mut hs = a.start(peer, me, T0);
        assert!(matches!(
            hs.push(b"PROXZ", T0),
            Decision::Proceed { client, consumed: 0, origin: Origin::Socket, .. } if client == peer
        ));
        let mut hs = a.start(peer, me, T0);
        assert!(matches!(
            hs.finish(b"PRO"),
            Decision::Proceed { consumed: 0, .. }
        ));

        let a = a.untrusted(Untrusted::Ignore);
        let mut hs = a.start(peer, me, T0);
        assert_eq!(hs.policy(), Policy::Ignore);
        let w = v2("1.1.1.1:1");
        assert!(matches!(
            hs.push(&w, T0),
            Decision::Proceed { client, consumed: 0, .. } if client == peer
        ));
        let mut hs = a.start(peer, me, T0);
        assert!(matches!(hs.push(b"", T0), Decision::Proceed { .. }));
    }

    #[test]
    fn trusted_use() {
        let a = Acceptor::new(&Cidr::ANY).trusted(Trusted::Use);
        let me = addr("192.0.2.1:443");
        let peer = addr("[::ffff:10.0.0.1]:5");
        let mut hs = a.start(peer, me, T0);
        assert_eq!(hs.policy(), Policy::Use);
        assert!(matches!(
            hs.push(b"HELO x\r\n", T0),
            Decision::Proceed { client, consumed: 0, origin: Origin::Socket, .. } if client == peer
        ));
        let mut hs = a.start(peer, me, T0);
        let mut w = v2("9.9.9.9:9");
        w.extend_from_slice(b"tail");
        assert!(matches!(
            hs.push(&w, T0),
            Decision::Proceed { client, consumed: 28, .. } if client == addr("9.9.9.9:9")
        ));
        // A header that is cut off by the peer's shutdown.
        let mut hs = a.start(peer, me, T0);
        assert_eq!(
            hs.finish(&w[..20]),
            Decision::Refuse {
                reason: Refusal::Truncated { needed: 8 }
            }
        );
    }

    #[test]
    fn deadline() {
        let a = Acceptor::new(&Cidr::ANY).timeout(Duration::from_millis(500));
        let t = Duration::from_secs(10);
        let mut hs = a.start(addr("10.0.0.1:1"), addr("10.0.0.2:2"), t);
        assert_eq!(hs.deadline(), t + Duration::from_millis(500));
        let w = v2("1.1.1.1:1");
        assert!(matches!(
            hs.push(&w[..3], t + Duration::from_millis(499)),
            Decision::NeedMore { .. }
        ));
        assert_eq!(hs.poll_deadline(t + Duration::from_millis(499)), None);
        assert!(hs.is_pending());
        assert_eq!(
            hs.push(&w[..5], t + Duration::from_millis(500)),
            Decision::Refuse {
                reason: Refusal::Timeout
            }
        );
        assert_eq!(
            hs.push(&w, t),
            Decision::Refuse {
                reason: Refusal::Timeout
            }
        );
        // Complete bytes decide, even when looked at late.
        let mut hs = a.start(addr("10.0.0.1:1"), addr("10.0.0.2:2"), t);
        assert!(matches!(
            hs.push(&w, t + Duration::from_secs(60)),
            Decision::Proceed { .. }
        ));
        // Saturating: no overflow at the end of time.
        let hs = a.start(addr("10.0.0.1:1"), addr("10.0.0.2:2"), Duration::MAX);
        assert_eq!(hs.deadline(), Duration::MAX);
    }

    #[test]
    fn names() {
        assert_eq!(Policy::Require.as_str(), "require");
        assert_eq!(
            Refusal::Truncated { needed: 1 }.as_str(),
            "truncated_header"
        );
        assert_eq!(Origin::Socket.as_str(), "socket");
        assert_eq!(Trusted::Use.as_str(), "use");
        assert_eq!(Untrusted::Ignore.as_str(), "ignore");
    }
}
