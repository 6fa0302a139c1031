//! Writing headers: v1 lines and v2 headers with any TLVs and an optional CRC32C.

use alloc::vec::Vec;
use core::net::SocketAddr;

use bytes::BufMut;

use crate::crc;
use crate::error::Error;
use crate::header::{AddrRepr, Addresses, Command, Family, Transport, Version};
use crate::tlv;
use crate::{v1, v2};

/// Address block storage for the builder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Ends {
    Repr(AddrRepr),
    Unix(alloc::boxed::Box<[u8; 216]>),
}

/// Builds a v1 line or a v2 header.
///
/// TLVs are written in the order they are added; [`Builder::crc32c`] adds the CRC32C
/// TLV at its place in that order (HAProxy puts it first) and the checksum is computed
/// over the whole header when it is written. Mistakes (a TLV over 65 535 bytes, TLVs
/// on a v1 line, ...) are reported by [`Builder::encode`].
///
/// ```
/// use hostkit_proxy_protocol::{parse, Builder, Crc32cStatus, Status};
///
/// let src = "192.0.2.1:56324".parse()?;
/// let dst = "198.51.100.7:443".parse()?;
/// let builder = Builder::v2(src, dst).crc32c().authority("example.com").alpn(b"h2");
/// let mut wire = Vec::new();
/// builder.encode(&mut wire)?;
/// assert_eq!(wire.len(), builder.encoded_len());
///
/// let Status::Complete((header, _)) = parse(&wire)? else { unreachable!() };
/// assert_eq!(header.source(), Some(src));
/// assert_eq!(header.crc32c(), Crc32cStatus::Valid);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Builder {
    version: Version,
    command: Command,
    transport: Transport,
    ends: Ends,
    tlvs: Vec<u8>,
    crc_at: Option<usize>,
    error: Option<Error>,
}

impl Builder {
    fn new(version: Version, command: Command, ends: Ends, transport: Transport) -> Self {
        Self {
            version,
            command,
            transport,
            ends,
            tlvs: Vec::new(),
            crc_at: None,
            error: None,
        }
    }

    /// A v1 `TCP4` or `TCP6` line (mixed families map IPv4 to `::ffff:a.b.c.d`).
    pub fn v1(source: SocketAddr, destination: SocketAddr) -> Self {
        Self::with_addresses(
            Version::V1,
            Command::Proxy,
            Addresses::from_socket_addrs(source, destination),
        )
    }

    /// The v1 line `PROXY UNKNOWN\r\n` (always the short form: HAProxy refuses the
    /// long one).
    pub fn v1_unknown() -> Self {
        Self::with_addresses(Version::V1, Command::Proxy, Addresses::Unspecified)
    }

    /// A v2 PROXY header over TCP (mixed families map IPv4 to `::ffff:a.b.c.d`).
    pub fn v2(source: SocketAddr, destination: SocketAddr) -> Self {
        Self::with_addresses(
            Version::V2,
            Command::Proxy,
            Addresses::from_socket_addrs(source, destination),
        )
    }

    /// A v2 LOCAL header with family UNSPEC and no address block, as a health check
    /// sends it.
    pub fn v2_local() -> Self {
        Self::with_addresses(Version::V2, Command::Local, Addresses::Unspecified)
    }

    /// Any version, command and addresses. The transport is stream for the address
    /// families and unspecified for [`Addresses::Unspecified`]; see
    /// [`Builder::transport`]. UNIX paths longer than 108 bytes are an error.
    pub fn with_addresses(version: Version, command: Command, addresses: Addresses<'_>) -> Self {
        let transport = match addresses {
            Addresses::Unspecified => Transport::Unspecified,
            _ => Transport::Stream,
        };
        let mut error = None;
        let ends = match addresses {
            Addresses::Unspecified => Ends::Repr(AddrRepr::Unspecified),
            Addresses::Inet {
                source,
                destination,
            } => Ends::Repr(AddrRepr::Inet(source, destination)),
            Addresses::Inet6 {
                source,
                destination,
            } => Ends::Repr(AddrRepr::Inet6(source, destination)),
            Addresses::Unix {
                source,
                destination,
            } => {
                let mut b = alloc::boxed::Box::new([0u8; 216]);
                for (part, at) in [(source, 0), (destination, 108)] {
                    if part.len() > 108 {
                        error = Some(Error::Build {
                            reason: "a unix path has at most 108 bytes",
                            value: part.len(),
                        });
                    } else {
                        b[at..at + part.len()].copy_from_slice(part);
                    }
                }
                Ends::Unix(b)
            }
        };
        let mut b = Self::new(version, command, ends, transport);
        b.error = error;
        b
    }

    /// Set the transport (v2 only; `Datagram` for UDP).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    fn family(&self) -> Family {
        match &self.ends {
            Ends::Repr(AddrRepr::Unspecified) => Family::Unspecified,
            Ends::Repr(AddrRepr::Inet(..)) => Family::Inet,
            Ends::Repr(AddrRepr::Inet6(..)) => Family::Inet6,
            Ends::Repr(AddrRepr::Unix) | Ends::Unix(_) => Family::Unix,
        }
    }

    fn fail(&mut self, reason: &'static str, value: usize) {
        if self.error.is_none() {
            self.error = Some(Error::Build { reason, value });
        }
    }

    /// Add a TLV of any type with its value as given.
    pub fn tlv(mut self, kind: u8, value: &[u8]) -> Self {
        self.push(kind, &[value]);
        self
    }

    fn push(&mut self, kind: u8, parts: &[&[u8]]) {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        let Ok(n16) = u16::try_from(n) else {
            self.fail("a tlv value has at most 65535 bytes", n);
            return;
        };
        self.tlvs.push(kind);
        self.tlvs.extend_from_slice(&n16.to_be_bytes());
        for p in parts {
            self.tlvs.extend_from_slice(p);
        }
    }

    /// Add an ALPN TLV (`0x01`).
    pub fn alpn(self, protocol: &[u8]) -> Self {
        self.tlv(tlv::ALPN, protocol)
    }

    /// Add an AUTHORITY TLV (`0x02`), the host name.
    pub fn authority(self, host: &str) -> Self {
        self.tlv(tlv::AUTHORITY, host.as_bytes())
    }

    /// Add the CRC32C TLV (`0x03`) here; its value is computed when the header is
    /// written. A second call is an error.
    pub fn crc32c(mut self) -> Self {
        if self.crc_at.is_some() {
            self.fail("only one crc32c tlv", 2);
            return self;
        }
        self.crc_at = Some(self.tlvs.len() + 3);
        self.tlv(tlv::CRC32C, &[0; 4])
    }

    /// Add a NOOP TLV (`0x04`) of `len` zero bytes.
    pub fn noop(mut self, len: usize) -> Self {
        if len > usize::from(u16::MAX) {
            self.fail("a tlv value has at most 65535 bytes", len);
            return self;
        }
        let start = self.tlvs.len();
        self.tlvs.resize(start + 3 + len, 0);
        self.tlvs[start] = tlv::NOOP;
        // len <= u16::MAX checked above
        self.tlvs[start + 1..start + 3].copy_from_slice(&(len as u16).to_be_bytes());
        self
    }

    /// Add a UNIQUE_ID TLV (`0x05`); more than 128 bytes is an error.
    pub fn unique_id(mut self, id: &[u8]) -> Self {
        if id.len() > tlv::UNIQUE_ID_MAX {
            self.fail("a unique id has at most 128 bytes", id.len());
            return self;
        }
        self.tlv(tlv::UNIQUE_ID, id)
    }

    /// Add an SSL TLV (`0x20`) with its sub-TLVs.
    pub fn ssl(mut self, ssl: &SslBuilder) -> Self {
        let mut head = [0u8; 5];
        head[0] = ssl.client;
        head[1..].copy_from_slice(&ssl.verify.to_be_bytes());
        self.push(tlv::SSL, &[&head, &ssl.sub]);
        self
    }

    /// Add a NETNS TLV (`0x30`).
    pub fn netns(self, name: &str) -> Self {
        self.tlv(tlv::NETNS, name.as_bytes())
    }

    /// Add an AWS VPC endpoint id TLV (`0xEA`, subtype `0x01`).
    pub fn aws_vpce_id(mut self, id: &str) -> Self {
        self.push(tlv::AWS, &[&[0x01], id.as_bytes()]);
        self
    }

    /// Add an Azure private endpoint link id TLV (`0xEE`, subtype `0x01`, little-endian).
    pub fn azure_link_id(mut self, id: u32) -> Self {
        self.push(tlv::AZURE, &[&[0x01], &id.to_le_bytes()]);
        self
    }

    /// Add a GCP Private Service Connect id TLV (`0xE0`, big-endian).
    pub fn gcp_psc_connection_id(self, id: u64) -> Self {
        self.tlv(tlv::GCP, &id.to_be_bytes())
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let family = self.family();
        match self.version {
            Version::V1 => {
                if !self.tlvs.is_empty() {
                    return Err(Error::Build {
                        reason: "a v1 line carries no tlvs",
                        value: self.tlvs.len(),
                    });
                }
                if family == Family::Unix {
                    return Err(Error::Build {
                        reason: "a v1 line cannot carry unix addresses",
                        value: 216,
                    });
                }
                if self.command == Command::Local {
                    return Err(Error::Build {
                        reason: "a v1 line has no local command",
                        value: 0,
                    });
                }
            }
            Version::V2 => {
                let unspec = family == Family::Unspecified;
                if unspec != (self.transport == Transport::Unspecified) {
                    return Err(Error::Build {
                        reason: "the transport is unspecified exactly when the family is",
                        value: usize::from(self.transport.nibble()),
                    });
                }
                let len = family.address_block_len() + self.tlvs.len();
                if len > usize::from(u16::MAX) {
                    return Err(Error::Build {
                        reason: "a v2 header has at most 65535 bytes after the first 16",
                        value: len,
                    });
                }
            }
        }
        Ok(())
    }

    /// The number of bytes [`Builder::encode`] writes (0 when it would fail).
    pub fn encoded_len(&self) -> usize {
        if self.check().is_err() {
            return 0;
        }
        match (self.version, &self.ends) {
            (Version::V1, Ends::Repr(a)) => v1::format(a).as_bytes().len(),
            (Version::V1, Ends::Unix(_)) => 0,
            (Version::V2, _) => 16 + self.family().address_block_len() + self.tlvs.len(),
        }
    }

    /// Write the header into `buf`.
    ///
    /// # Errors
    ///
    /// [`Error::Build`] for anything the header cannot carry: a TLV value over
    /// 65 535 bytes, a UNIQUE_ID over 128 bytes, a second CRC32C, TLVs or UNIX
    /// addresses on a v1 line, a v2 header over 65 551 bytes, a transport that does
    /// not fit the family. Nothing is written then.
    pub fn encode<B: BufMut>(&self, buf: &mut B) -> Result<(), Error> {
        self.check()?;
        if self.version == Version::V1 {
            if let Ends::Repr(a) = &self.ends {
                buf.put_slice(v1::format(a).as_bytes());
            }
            return Ok(());
        }
        let family = self.family();
        let block = family.address_block_len();
        let mut head = [0u8; 16 + 216];
        head[..12].copy_from_slice(&v2::SIGNATURE);
        head[12] = 0x20
            | match self.command {
                Command::Local => 0,
                Command::Proxy => 1,
            };
        head[13] = family.nibble() << 4 | self.transport.nibble();
        // checked above: fits in u16
        let len = (block + self.tlvs.len()) as u16;
        head[14..16].copy_from_slice(&len.to_be_bytes());
        match &self.ends {
            Ends::Repr(AddrRepr::Inet(s, d)) => {
                head[16..20].copy_from_slice(&s.ip().octets());
                head[20..24].copy_from_slice(&d.ip().octets());
                head[24..26].copy_from_slice(&s.port().to_be_bytes());
                head[26..28].copy_from_slice(&d.port().to_be_bytes());
            }
            Ends::Repr(AddrRepr::Inet6(s, d)) => {
                head[16..32].copy_from_slice(&s.ip().octets());
                head[32..48].copy_from_slice(&d.ip().octets());
                head[48..50].copy_from_slice(&s.port().to_be_bytes());
                head[50..52].copy_from_slice(&d.port().to_be_bytes());
            }
            Ends::Unix(paths) => head[16..232].copy_from_slice(&paths[..]),
            Ends::Repr(AddrRepr::Unspecified | AddrRepr::Unix) => {}
        }
        let head = &head[..16 + block];
        buf.put_slice(head);
        match self.crc_at {
            None => buf.put_slice(&self.tlvs),
            Some(at) => {
                let sum = crc::append(crc::append(0, head), &self.tlvs);
                buf.put_slice(&self.tlvs[..at]);
                buf.put_slice(&sum.to_be_bytes());
                buf.put_slice(&self.tlvs[at + 4..]);
            }
        }
        Ok(())
    }

    /// The header as a new vector.
    ///
    /// # Errors
    ///
    /// As [`Builder::encode`].
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v)?;
        Ok(v)
    }
}

/// The value of an SSL TLV (`0x20`) for [`Builder::ssl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SslBuilder {
    client: u8,
    verify: u32,
    sub: Vec<u8>,
}

impl SslBuilder {
    /// `client` bit field ([`tlv::CLIENT_SSL`](crate::tlv::CLIENT_SSL), ...) and
    /// `verify` result (0 = a certificate was presented and verified).
    pub fn new(client: u8, verify: u32) -> Self {
        Self {
            client,
            verify,
            sub: Vec::new(),
        }
    }

    /// Add a sub-TLV of any type. Values over 65 535 bytes are cut to that length.
    pub fn sub_tlv(mut self, kind: u8, value: &[u8]) -> Self {
        let value = &value[..value.len().min(usize::from(u16::MAX))];
        self.sub.push(kind);
        // cut to u16::MAX above
        self.sub
            .extend_from_slice(&(value.len() as u16).to_be_bytes());
        self.sub.extend_from_slice(value);
        self
    }

    /// Add SSL_VERSION (`0x21`).
    pub fn version(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_VERSION, v.as_bytes())
    }

    /// Add SSL_CN (`0x22`).
    pub fn cn(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_CN, v.as_bytes())
    }

    /// Add SSL_CIPHER (`0x23`).
    pub fn cipher(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_CIPHER, v.as_bytes())
    }

    /// Add SSL_SIG_ALG (`0x24`).
    pub fn sig_alg(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_SIG_ALG, v.as_bytes())
    }

    /// Add SSL_KEY_ALG (`0x25`).
    pub fn key_alg(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_KEY_ALG, v.as_bytes())
    }

    /// Add SSL_GROUP (`0x26`).
    pub fn group(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_GROUP, v.as_bytes())
    }

    /// Add SSL_SIG_SCHEME (`0x27`).
    pub fn sig_scheme(self, v: &str) -> Self {
        self.sub_tlv(tlv::SSL_SIG_SCHEME, v.as_bytes())
    }

    /// Add SSL_CLIENT_CERT (`0x28`), DER bytes.
    pub fn client_cert(self, der: &[u8]) -> Self {
        self.sub_tlv(tlv::SSL_CLIENT_CERT, der)
    }
}
