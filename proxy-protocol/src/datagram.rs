//! PROXY v2 over UDP: the header and its payload in one datagram (spec section 2.2,
//! as clarified on 2026/04/27: never split across datagrams, parsed anew for each).

use core::net::SocketAddr;

use crate::error::Error;
use crate::header::{Command, Family, Header, Status, Transport};
use crate::parse::Parser;

/// One datagram: its v2 header and the payload after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Datagram<'a> {
    header: Header<'a>,
    payload: &'a [u8],
}

impl<'a> Datagram<'a> {
    /// The header.
    #[inline]
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// The bytes after the header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// The client the header names, or `None` when the socket's own peer applies
    /// (LOCAL, UNSPEC, UNIX).
    #[inline]
    pub fn source(&self) -> Option<SocketAddr> {
        self.header.source()
    }

    /// The address the client sent to, under the same rules as [`Datagram::source`].
    #[inline]
    pub fn destination(&self) -> Option<SocketAddr> {
        self.header.destination()
    }

    /// The client: the header's source, or `peer` (who sent the datagram) when the
    /// header names none.
    #[inline]
    pub fn client(&self, peer: SocketAddr) -> SocketAddr {
        self.source().unwrap_or(peer)
    }
}

/// Parse a datagram that starts with a v2 header.
///
/// The rules, from the spec:
/// - only v2 (a v1 line is [`Error::NotProxy`]), and the header must be whole;
/// - LOCAL is accepted with any family: the datagram's real endpoints apply, the
///   address block is skipped;
/// - PROXY with UNSPEC (`0x00`) is accepted the same way, as is PROXY over a UNIX
///   datagram socket (`0x32`), whose paths are not IP endpoints;
/// - PROXY over a stream (`0x11`, `0x21`, `0x31`) is refused: it announces TCP;
/// - the CRC32C, when present, must match.
///
/// ```
/// use hostkit_proxy_protocol::{parse_datagram, Builder, Transport};
///
/// let client = "198.51.100.4:5353".parse()?;
/// let server = "192.0.2.53:53".parse()?;
/// let mut dgram = Builder::v2(client, server).transport(Transport::Datagram).to_vec()?;
/// dgram.extend_from_slice(b"query");
/// let d = parse_datagram(&dgram)?;
/// assert_eq!(d.source(), Some(client));
/// assert_eq!(d.payload(), b"query");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Every [`Error`] of the v2 parser; [`Error::DatagramTruncated`] when the datagram
/// ends inside the header; [`Error::DatagramTransport`] for a PROXY header that
/// announces a stream.
pub fn parse_datagram(datagram: &[u8]) -> Result<Datagram<'_>, Error> {
    let parsed = Parser::new().accept_v1(false).parse(datagram)?;
    let (header, used) = match parsed {
        Status::Complete(x) => x,
        Status::Incomplete { needed } => {
            return Err(Error::DatagramTruncated {
                length: datagram.len(),
                needed,
            });
        }
    };
    if header.command() == Command::Proxy
        && header.family() != Family::Unspecified
        && header.transport() != Transport::Datagram
    {
        return Err(Error::DatagramTransport { byte: datagram[13] });
    }
    Ok(Datagram {
        header,
        payload: &datagram[used..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use crate::header::{Addresses, Version};
    use alloc::vec::Vec;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn dgram(src: &str, dst: &str, t: Transport, payload: &[u8]) -> Vec<u8> {
        let mut v = Builder::v2(addr(src), addr(dst))
            .transport(t)
            .crc32c()
            .to_vec()
            .unwrap();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn udp4_and_udp6() {
        let v = dgram("1.2.3.4:53", "5.6.7.8:53", Transport::Datagram, b"abc");
        let d = parse_datagram(&v).unwrap();
        assert_eq!(d.source(), Some(addr("1.2.3.4:53")));
        assert_eq!(d.destination(), Some(addr("5.6.7.8:53")));
        assert_eq!(d.payload(), b"abc");
        assert_eq!(d.header().version(), Version::V2);
        assert_eq!(v[13], 0x12);
        let v = dgram(
            "[2001:db8::1]:9",
            "[2001:db8::2]:9",
            Transport::Datagram,
            b"",
        );
        let d = parse_datagram(&v).unwrap();
        assert_eq!(v[13], 0x22);
        assert_eq!(d.client(addr("9.9.9.9:9")), addr("[2001:db8::1]:9"));
        assert_eq!(d.payload(), b"");
    }

    #[test]
    fn local_and_unspec_use_the_real_peer() {
        let mut v = Builder::v2_local().to_vec().unwrap();
        v.extend_from_slice(b"ping");
        let d = parse_datagram(&v).unwrap();
        assert_eq!(d.source(), None);
        assert_eq!(d.client(addr("7.7.7.7:7")), addr("7.7.7.7:7"));
        assert_eq!(d.payload(), b"ping");
        // LOCAL with a TCP address block: still LOCAL, block skipped.
        let mut v = dgram("1.2.3.4:1", "5.6.7.8:2", Transport::Stream, b"x");
        v[12] = 0x20;
        // Recompute nothing: the CRC covers byte 12, so drop it by building anew.
        let mut l = Builder::with_addresses(
            Version::V2,
            Command::Local,
            Addresses::from_socket_addrs(addr("1.2.3.4:1"), addr("5.6.7.8:2")),
        )
        .to_vec()
        .unwrap();
        l.push(b'x');
        let d = parse_datagram(&l).unwrap();
        assert_eq!(d.source(), None);
        assert_eq!(d.payload(), b"x");
        assert!(parse_datagram(&v).is_err());
        // PROXY + UNSPEC, length 0.
        let mut u = crate::V2_SIGNATURE.to_vec();
        u.extend_from_slice(&[0x21, 0x00, 0x00, 0x00]);
        u.extend_from_slice(b"pay");
        let d = parse_datagram(&u).unwrap();
        assert_eq!(d.source(), None);
        assert_eq!(d.payload(), b"pay");
    }

    #[test]
    fn refusals() {
        let v = dgram("1.2.3.4:1", "5.6.7.8:2", Transport::Stream, b"x");
        assert_eq!(
            parse_datagram(&v),
            Err(Error::DatagramTransport { byte: 0x11 })
        );
        let v = dgram("1.2.3.4:1", "5.6.7.8:2", Transport::Datagram, b"");
        assert_eq!(
            parse_datagram(&v[..20]),
            Err(Error::DatagramTruncated {
                length: 20,
                needed: v.len() - 20
            })
        );
        assert_eq!(
            parse_datagram(b""),
            Err(Error::DatagramTruncated {
                length: 0,
                needed: 16
            })
        );
        assert!(matches!(
            parse_datagram(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
            Err(Error::NotProxy { offset: 0, .. })
        ));
        let mut v = dgram("1.2.3.4:1", "5.6.7.8:2", Transport::Datagram, b"");
        let n = v.len();
        v[n - 1] ^= 1;
        assert!(matches!(
            parse_datagram(&v),
            Err(Error::Crc32cMismatch { .. })
        ));
    }
}
