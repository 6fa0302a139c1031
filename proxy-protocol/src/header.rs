//! The parsed header: a borrowed view over the bytes it was read from.

use alloc::borrow::Cow;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::tlv::{TlsVerdict, Tlvs};

/// The outcome of feeding bytes to a streaming parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status<T> {
    /// A whole header was read.
    Complete(T),
    /// The bytes so far are a valid beginning; at least `needed` more bytes are required.
    ///
    /// For v2 the count is exact: once 16 bytes are in, it is the rest of the header;
    /// before that it is what completes the fixed part. For v1 it is the length of the
    /// shortest completion the grammar still allows, so it is exact whenever the line
    /// could end that soon.
    Incomplete {
        /// How many more bytes are needed at least (never 0).
        needed: usize,
    },
}

impl<T> Status<T> {
    /// The complete value, if any.
    #[inline]
    pub fn complete(self) -> Option<T> {
        match self {
            Self::Complete(t) => Some(t),
            Self::Incomplete { .. } => None,
        }
    }

    /// Whether more bytes are needed.
    #[inline]
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }
}

/// The protocol version of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Version {
    /// The text line, spec section 2.1.
    V1,
    /// The binary form, spec section 2.2.
    V2,
}

impl Version {
    /// A stable lower-case name: `v1` or `v2`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V2 => "v2",
        }
    }

    /// The version number: 1 or 2.
    #[inline]
    pub const fn number(self) -> u8 {
        match self {
            Self::V1 => 1,
            Self::V2 => 2,
        }
    }
}

/// The v2 command (low nibble of byte 12); v1 lines are always [`Command::Proxy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Command {
    /// `0x0`: the proxy opened the connection itself (a health check); the receiver
    /// uses the real socket endpoints and ignores the address block.
    Local,
    /// `0x1`: the connection is relayed for the client named in the address block.
    Proxy,
}

impl Command {
    /// A stable lower-case name: `local` or `proxy`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Proxy => "proxy",
        }
    }
}

/// The address family (high nibble of v2 byte 13; `TCP4`/`TCP6`/`UNKNOWN` in v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Family {
    /// `0x0` or v1 `UNKNOWN`: no addresses.
    Unspecified,
    /// `0x1` or v1 `TCP4`: IPv4, 12-byte address block.
    Inet,
    /// `0x2` or v1 `TCP6`: IPv6, 36-byte address block.
    Inet6,
    /// `0x3`: UNIX socket paths, 216-byte address block.
    Unix,
}

impl Family {
    /// A stable lower-case name: `unspec`, `inet`, `inet6` or `unix`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspec",
            Self::Inet => "inet",
            Self::Inet6 => "inet6",
            Self::Unix => "unix",
        }
    }

    /// Size of the v2 address block of this family.
    #[inline]
    pub const fn address_block_len(self) -> usize {
        match self {
            Self::Unspecified => 0,
            Self::Inet => 12,
            Self::Inet6 => 36,
            Self::Unix => 216,
        }
    }

    pub(crate) const fn nibble(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::Inet => 1,
            Self::Inet6 => 2,
            Self::Unix => 3,
        }
    }
}

/// The transport protocol (low nibble of v2 byte 13; always stream in v1 `TCP4`/`TCP6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Transport {
    /// `0x0`: unspecified.
    Unspecified,
    /// `0x1`: a stream (TCP).
    Stream,
    /// `0x2`: datagrams (UDP).
    Datagram,
}

impl Transport {
    /// A stable lower-case name: `unspec`, `stream` or `dgram`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspec",
            Self::Stream => "stream",
            Self::Datagram => "dgram",
        }
    }

    pub(crate) const fn nibble(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::Stream => 1,
            Self::Datagram => 2,
        }
    }
}

/// Whether the header carried a CRC32C TLV and what checking it gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Crc32cStatus {
    /// No CRC32C TLV (always so for v1).
    Absent,
    /// The TLV matches the checksum computed over the whole header.
    Valid,
    /// The TLV does not match; only reported when verification was turned off with
    /// [`Parser::verify_crc32c`](crate::Parser::verify_crc32c), otherwise it is an error.
    Invalid,
}

impl Crc32cStatus {
    /// A stable lower-case name: `absent`, `valid` or `invalid`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
        }
    }
}

/// The addresses a header carries.
///
/// ```text
/// struct { uint32_t src_addr; uint32_t dst_addr; uint16_t src_port; uint16_t dst_port; } ipv4_addr;
/// struct { uint8_t src_addr[16]; uint8_t dst_addr[16]; uint16_t src_port; uint16_t dst_port; } ipv6_addr;
/// struct { uint8_t src_addr[108]; uint8_t dst_addr[108]; } unix_addr;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Addresses<'a> {
    /// No address block (v1 `UNKNOWN`, v2 family `UNSPEC`).
    Unspecified,
    /// IPv4 endpoints.
    Inet {
        /// The client side.
        source: SocketAddrV4,
        /// The side the client connected to.
        destination: SocketAddrV4,
    },
    /// IPv6 endpoints.
    Inet6 {
        /// The client side.
        source: SocketAddrV6,
        /// The side the client connected to.
        destination: SocketAddrV6,
    },
    /// UNIX socket paths, 108 bytes each, NUL padded as sent.
    Unix {
        /// The client side.
        source: &'a [u8],
        /// The side the client connected to.
        destination: &'a [u8],
    },
}

impl Addresses<'_> {
    /// The addresses of two socket endpoints. When one is IPv4 and the other IPv6, the
    /// IPv4 one is mapped to `::ffff:a.b.c.d`, as HAProxy does.
    #[inline]
    pub fn from_socket_addrs(source: SocketAddr, destination: SocketAddr) -> Addresses<'static> {
        match (source, destination) {
            (SocketAddr::V4(s), SocketAddr::V4(d)) => Addresses::Inet {
                source: s,
                destination: d,
            },
            (s, d) => Addresses::Inet6 {
                source: to_v6(s),
                destination: to_v6(d),
            },
        }
    }

    /// The family these addresses belong to.
    #[inline]
    pub fn family(&self) -> Family {
        match self {
            Self::Unspecified => Family::Unspecified,
            Self::Inet { .. } => Family::Inet,
            Self::Inet6 { .. } => Family::Inet6,
            Self::Unix { .. } => Family::Unix,
        }
    }

    /// The source as a socket address, for the IP families.
    #[inline]
    pub fn source(&self) -> Option<SocketAddr> {
        match *self {
            Self::Inet { source, .. } => Some(SocketAddr::V4(source)),
            Self::Inet6 { source, .. } => Some(SocketAddr::V6(source)),
            _ => None,
        }
    }

    /// The destination as a socket address, for the IP families.
    #[inline]
    pub fn destination(&self) -> Option<SocketAddr> {
        match *self {
            Self::Inet { destination, .. } => Some(SocketAddr::V4(destination)),
            Self::Inet6 { destination, .. } => Some(SocketAddr::V6(destination)),
            _ => None,
        }
    }
}

fn to_v6(a: SocketAddr) -> SocketAddrV6 {
    match a {
        SocketAddr::V4(v4) => SocketAddrV6::new(v4.ip().to_ipv6_mapped(), v4.port(), 0, 0),
        SocketAddr::V6(v6) => SocketAddrV6::new(*v6.ip(), v6.port(), 0, 0),
    }
}

/// Compact storage of the addresses; UNIX paths stay in the header bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AddrRepr {
    Unspecified,
    Inet(SocketAddrV4, SocketAddrV4),
    Inet6(SocketAddrV6, SocketAddrV6),
    Unix,
}

/// A parsed PROXY header, borrowing the bytes it was read from.
///
/// Obtained from [`parse`](crate::parse) or [`Parser::parse`](crate::Parser::parse);
/// [`Header::into_owned`] detaches it from the input. The bytes are kept exactly as
/// received, so [`Header::encode`] writes them back unchanged, unknown TLVs included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    pub(crate) bytes: Cow<'a, [u8]>,
    pub(crate) version: Version,
    pub(crate) command: Command,
    pub(crate) family: Family,
    pub(crate) transport: Transport,
    pub(crate) addr: AddrRepr,
    /// Offset of the TLV area (== bytes.len() when there are none).
    pub(crate) tlv_start: u16,
    pub(crate) crc: Crc32cStatus,
}

impl<'a> Header<'a> {
    /// v1 or v2.
    #[inline]
    pub fn version(&self) -> Version {
        self.version
    }

    /// LOCAL or PROXY ([`Command::Proxy`] for every v1 line).
    #[inline]
    pub fn command(&self) -> Command {
        self.command
    }

    /// The address family as sent (for LOCAL too, although its addresses are to be ignored).
    #[inline]
    pub fn family(&self) -> Family {
        self.family
    }

    /// The transport as sent.
    #[inline]
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The address block as sent (for LOCAL too; see [`Header::source`] for the
    /// addresses a receiver should use).
    #[inline]
    pub fn addresses(&self) -> Addresses<'_> {
        match self.addr {
            AddrRepr::Unspecified => Addresses::Unspecified,
            AddrRepr::Inet(s, d) => Addresses::Inet {
                source: s,
                destination: d,
            },
            AddrRepr::Inet6(s, d) => Addresses::Inet6 {
                source: s,
                destination: d,
            },
            AddrRepr::Unix => Addresses::Unix {
                source: &self.bytes[16..124],
                destination: &self.bytes[124..232],
            },
        }
    }

    /// The client address to use instead of the socket's peer: `None` for LOCAL,
    /// `UNKNOWN`, `UNSPEC` and UNIX headers, where the real endpoints apply.
    #[inline]
    pub fn source(&self) -> Option<SocketAddr> {
        match (self.command, self.addr) {
            (Command::Proxy, AddrRepr::Inet(s, _)) => Some(SocketAddr::V4(s)),
            (Command::Proxy, AddrRepr::Inet6(s, _)) => Some(SocketAddr::V6(s)),
            _ => None,
        }
    }

    /// The address the client connected to, under the same rules as [`Header::source`].
    #[inline]
    pub fn destination(&self) -> Option<SocketAddr> {
        match (self.command, self.addr) {
            (Command::Proxy, AddrRepr::Inet(_, d)) => Some(SocketAddr::V4(d)),
            (Command::Proxy, AddrRepr::Inet6(_, d)) => Some(SocketAddr::V6(d)),
            _ => None,
        }
    }

    /// The TLVs after the address block, lazily, in wire order (none for v1). Their
    /// framing was checked by the parser.
    #[inline]
    pub fn tlvs(&self) -> Tlvs<'_> {
        Tlvs::new(self.tlv_bytes(), usize::from(self.tlv_start), false)
    }

    /// The raw TLV area.
    #[inline]
    pub fn tlv_bytes(&self) -> &[u8] {
        &self.bytes[usize::from(self.tlv_start)..]
    }

    /// The TLV iterator with the lifetime of the input, when the header still
    /// borrows it (always so for what the parser returns).
    #[inline]
    pub(crate) fn borrowed_tlvs(&self) -> Option<Tlvs<'a>> {
        match self.bytes {
            Cow::Borrowed(b) => {
                let at = usize::from(self.tlv_start);
                Some(Tlvs::new(&b[at..], at, false))
            }
            Cow::Owned(_) => None,
        }
    }

    /// What the SSL TLV says about the client's TLS, or `None` when the header has
    /// no SSL TLV (then the header says nothing about TLS).
    #[inline]
    pub fn tls_verdict(&self) -> Option<TlsVerdict> {
        self.tlvs().tls_verdict()
    }

    /// What the CRC32C check gave.
    #[inline]
    pub fn crc32c(&self) -> Crc32cStatus {
        self.crc
    }

    /// The header exactly as received.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Length of the whole header in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always `false`: a header has at least 15 bytes. Present for API symmetry.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The same header, owning its bytes.
    #[inline]
    pub fn into_owned(self) -> Header<'static> {
        Header {
            bytes: Cow::Owned(self.bytes.into_owned()),
            version: self.version,
            command: self.command,
            family: self.family,
            transport: self.transport,
            addr: self.addr,
            tlv_start: self.tlv_start,
            crc: self.crc,
        }
    }

    /// Write the header, byte for byte as it was received.
    #[inline]
    pub fn encode<B: bytes::BufMut>(&self, buf: &mut B) {
        buf.put_slice(&self.bytes);
    }

    /// What [`Header::encode`] writes.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.bytes.len()
    }
}

#[inline(always)]
pub(crate) fn v4(b: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
}

#[inline(always)]
pub(crate) fn v6(b: &[u8], at: usize) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(&b[at..at + 16]);
    Ipv6Addr::from(o)
}
