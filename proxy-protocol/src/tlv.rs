//! TLVs (spec section 2.2.1 onwards): lazy iteration, typed views, known types.
//!
//! ```text
//! struct pp2_tlv {
//!     uint8_t type;
//!     uint8_t length_hi;
//!     uint8_t length_lo;
//!     uint8_t value[0];
//! };
//! ```

/// `PP2_TYPE_ALPN`: the negotiated application protocol.
pub const ALPN: u8 = 0x01;
/// `PP2_TYPE_AUTHORITY`: the host name the client asked for (TLS SNI).
pub const AUTHORITY: u8 = 0x02;
/// `PP2_TYPE_CRC32C`: checksum of the whole header.
pub const CRC32C: u8 = 0x03;
/// `PP2_TYPE_NOOP`: padding, ignored.
pub const NOOP: u8 = 0x04;
/// `PP2_TYPE_UNIQUE_ID`: an opaque connection id of at most 128 bytes.
pub const UNIQUE_ID: u8 = 0x05;
/// `PP2_TYPE_SSL`: TLS facts, with sub-TLVs.
pub const SSL: u8 = 0x20;
/// `PP2_SUBTYPE_SSL_VERSION`.
pub const SSL_VERSION: u8 = 0x21;
/// `PP2_SUBTYPE_SSL_CN`.
pub const SSL_CN: u8 = 0x22;
/// `PP2_SUBTYPE_SSL_CIPHER`.
pub const SSL_CIPHER: u8 = 0x23;
/// `PP2_SUBTYPE_SSL_SIG_ALG`.
pub const SSL_SIG_ALG: u8 = 0x24;
/// `PP2_SUBTYPE_SSL_KEY_ALG`.
pub const SSL_KEY_ALG: u8 = 0x25;
/// `PP2_SUBTYPE_SSL_GROUP`.
pub const SSL_GROUP: u8 = 0x26;
/// `PP2_SUBTYPE_SSL_SIG_SCHEME`.
pub const SSL_SIG_SCHEME: u8 = 0x27;
/// `PP2_SUBTYPE_SSL_CLIENT_CERT`.
pub const SSL_CLIENT_CERT: u8 = 0x28;
/// `PP2_TYPE_NETNS`: the network namespace name.
pub const NETNS: u8 = 0x30;
/// GCP Private Service Connect connection id (custom range).
pub const GCP: u8 = 0xE0;
/// AWS VPC endpoint TLV (custom range).
pub const AWS: u8 = 0xEA;
/// Azure private endpoint TLV (custom range).
pub const AZURE: u8 = 0xEE;

/// Largest UNIQUE_ID value the spec allows.
pub const UNIQUE_ID_MAX: usize = 128;

/// `PP2_CLIENT_SSL`: the client connected over TLS.
pub const CLIENT_SSL: u8 = 0x01;
/// `PP2_CLIENT_CERT_CONN`: the client sent a certificate on this connection.
pub const CLIENT_CERT_CONN: u8 = 0x02;
/// `PP2_CLIENT_CERT_SESS`: the client sent a certificate on this TLS session.
pub const CLIENT_CERT_SESS: u8 = 0x04;

/// One TLV as framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawTlv<'a> {
    kind: u8,
    value: &'a [u8],
    offset: usize,
    nested: bool,
}

impl<'a> RawTlv<'a> {
    /// The type byte.
    #[inline]
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// The value bytes.
    #[inline]
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// Offset of the type byte from the start of the header.
    #[inline]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The registered name of the type (`"ALPN"`, `"SSL_CN"`, ...), or `None`.
    #[inline]
    pub fn name(&self) -> Option<&'static str> {
        Some(match (self.nested, self.kind) {
            (false, ALPN) => "ALPN",
            (false, AUTHORITY) => "AUTHORITY",
            (false, CRC32C) => "CRC32C",
            (false, NOOP) => "NOOP",
            (false, UNIQUE_ID) => "UNIQUE_ID",
            (false, SSL) => "SSL",
            (false, NETNS) => "NETNS",
            (false, GCP) => "GCP",
            (false, AWS) => "AWS",
            (false, AZURE) => "AZURE",
            (true, SSL_VERSION) => "SSL_VERSION",
            (true, SSL_CN) => "SSL_CN",
            (true, SSL_CIPHER) => "SSL_CIPHER",
            (true, SSL_SIG_ALG) => "SSL_SIG_ALG",
            (true, SSL_KEY_ALG) => "SSL_KEY_ALG",
            (true, SSL_GROUP) => "SSL_GROUP",
            (true, SSL_SIG_SCHEME) => "SSL_SIG_SCHEME",
            (true, SSL_CLIENT_CERT) => "SSL_CLIENT_CERT",
            _ => return None,
        })
    }

    /// The typed meaning of this TLV. Types this crate does not model, and vendor
    /// types whose value does not have the documented shape, come back as
    /// [`Tlv::Other`] with their bytes untouched.
    #[inline]
    pub fn decode(&self) -> Tlv<'a> {
        let v = self.value;
        if self.nested {
            return match self.kind {
                SSL_VERSION => Tlv::SslVersion(v),
                SSL_CN => Tlv::SslCn(v),
                SSL_CIPHER => Tlv::SslCipher(v),
                SSL_SIG_ALG => Tlv::SslSigAlg(v),
                SSL_KEY_ALG => Tlv::SslKeyAlg(v),
                SSL_GROUP => Tlv::SslGroup(v),
                SSL_SIG_SCHEME => Tlv::SslSigScheme(v),
                SSL_CLIENT_CERT => Tlv::SslClientCert(v),
                kind => Tlv::Other { kind, value: v },
            };
        }
        match self.kind {
            ALPN => Tlv::Alpn(v),
            AUTHORITY => Tlv::Authority(v),
            CRC32C if v.len() == 4 => Tlv::Crc32c(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            NOOP => Tlv::Noop(v),
            UNIQUE_ID => Tlv::UniqueId(v),
            SSL if v.len() >= 5 => Tlv::Ssl(Ssl {
                client: v[0],
                verify: u32::from_be_bytes([v[1], v[2], v[3], v[4]]),
                sub: &v[5..],
                sub_offset: self.offset + 3 + 5,
            }),
            NETNS => Tlv::Netns(v),
            AWS if v.first() == Some(&0x01) => Tlv::AwsVpceId(&v[1..]),
            AZURE if v.len() == 5 && v[0] == 0x01 => {
                Tlv::AzureLinkId(u32::from_le_bytes([v[1], v[2], v[3], v[4]]))
            }
            GCP if v.len() == 8 => Tlv::GcpPscConnectionId(u64::from_be_bytes([
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
            ])),
            kind => Tlv::Other { kind, value: v },
        }
    }
}

/// A typed TLV.
///
/// String-like values (AUTHORITY, SSL_VERSION, SSL_CN, ...) are handed over as bytes:
/// the spec says what they should hold, the wire does not enforce it; use
/// [`core::str::from_utf8`] where text is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tlv<'a> {
    /// `0x01` ALPN: the application protocol, as in the TLS ALPN extension (RFC 7301).
    Alpn(&'a [u8]),
    /// `0x02` AUTHORITY: the host name (UTF-8), typically the TLS SNI.
    Authority(&'a [u8]),
    /// `0x03` CRC32C: the checksum value, read big-endian as HAProxy writes it.
    Crc32c(u32),
    /// `0x04` NOOP: padding.
    Noop(&'a [u8]),
    /// `0x05` UNIQUE_ID: at most 128 opaque bytes.
    UniqueId(&'a [u8]),
    /// `0x20` SSL: client flags, verify result and sub-TLVs.
    Ssl(Ssl<'a>),
    /// `0x21` SSL_VERSION (inside SSL): e.g. `TLSv1.3`.
    SslVersion(&'a [u8]),
    /// `0x22` SSL_CN (inside SSL): the client certificate's common name.
    SslCn(&'a [u8]),
    /// `0x23` SSL_CIPHER (inside SSL): e.g. `ECDHE-RSA-AES128-GCM-SHA256`.
    SslCipher(&'a [u8]),
    /// `0x24` SSL_SIG_ALG (inside SSL): e.g. `RSA-SHA256`.
    SslSigAlg(&'a [u8]),
    /// `0x25` SSL_KEY_ALG (inside SSL): e.g. `RSA2048`.
    SslKeyAlg(&'a [u8]),
    /// `0x26` SSL_GROUP (inside SSL): the key exchange group, e.g. `secp256r1`.
    SslGroup(&'a [u8]),
    /// `0x27` SSL_SIG_SCHEME (inside SSL): e.g. `rsa_pss_rsae_sha256`.
    SslSigScheme(&'a [u8]),
    /// `0x28` SSL_CLIENT_CERT (inside SSL): the client certificate, DER.
    SslClientCert(&'a [u8]),
    /// `0x30` NETNS: the network namespace name (US-ASCII).
    Netns(&'a [u8]),
    /// `0xEA` with subtype `0x01`: the AWS VPC endpoint id (ASCII).
    AwsVpceId(&'a [u8]),
    /// `0xEE` with subtype `0x01`: the Azure private endpoint link id (little-endian u32).
    AzureLinkId(u32),
    /// `0xE0` with 8 bytes: the GCP Private Service Connect connection id (big-endian u64).
    GcpPscConnectionId(u64),
    /// Any other type or shape, kept raw.
    Other {
        /// The type byte.
        kind: u8,
        /// The value.
        value: &'a [u8],
    },
}

/// The value of the SSL TLV (`0x20`).
///
/// ```text
/// struct pp2_tlv_ssl {
///     uint8_t  client;
///     uint32_t verify;
///     struct pp2_tlv sub_tlv[0];
/// } __attribute__((packed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ssl<'a> {
    client: u8,
    verify: u32,
    sub: &'a [u8],
    sub_offset: usize,
}

impl<'a> Ssl<'a> {
    /// The `client` bit field ([`CLIENT_SSL`], [`CLIENT_CERT_CONN`], [`CLIENT_CERT_SESS`]).
    #[inline]
    pub fn client(&self) -> u8 {
        self.client
    }

    /// The `verify` field: 0 when a client certificate was presented and verified.
    #[inline]
    pub fn verify(&self) -> u32 {
        self.verify
    }

    /// Whether the client connected over TLS.
    #[inline]
    pub fn client_ssl(&self) -> bool {
        self.client & CLIENT_SSL != 0
    }

    /// Whether the client presented a certificate on this connection.
    #[inline]
    pub fn client_cert_conn(&self) -> bool {
        self.client & CLIENT_CERT_CONN != 0
    }

    /// Whether the client presented a certificate on this TLS session.
    #[inline]
    pub fn client_cert_sess(&self) -> bool {
        self.client & CLIENT_CERT_SESS != 0
    }

    /// Whether a client certificate was presented and verified.
    #[inline]
    pub fn verified(&self) -> bool {
        self.verify == 0 && (self.client_cert_conn() || self.client_cert_sess())
    }

    /// The verdict on the client's TLS: plain, TLS without a client certificate, or
    /// TLS with a certificate that was or was not verified.
    #[inline]
    pub fn verdict(&self) -> TlsVerdict {
        if !self.client_ssl() {
            TlsVerdict::Plain
        } else if !(self.client_cert_conn() || self.client_cert_sess()) {
            TlsVerdict::Tls
        } else if self.verify == 0 {
            TlsVerdict::CertVerified
        } else {
            TlsVerdict::CertUnverified
        }
    }

    /// Whether the sub-TLVs fill the value exactly. The parser checks only the
    /// framing of the top-level TLVs; [`Ssl::tlvs`] stops at the first sub-TLV that
    /// does not fit.
    #[inline]
    pub fn is_well_formed(&self) -> bool {
        let mut b = self.sub;
        while !b.is_empty() {
            if b.len() < 3 {
                return false;
            }
            let n = 3 + usize::from(u16::from_be_bytes([b[1], b[2]]));
            if n > b.len() {
                return false;
            }
            b = &b[n..];
        }
        true
    }

    /// The sub-TLVs, lazily, up to the first one that does not fit.
    #[inline]
    pub fn tlvs(&self) -> Tlvs<'a> {
        Tlvs::new(self.sub, self.sub_offset, true)
    }

    /// The first sub-TLV of `kind`.
    #[inline]
    pub fn get(&self, kind: u8) -> Option<&'a [u8]> {
        self.tlvs().find(|t| t.kind() == kind).map(|t| t.value())
    }
}

/// What the SSL TLV (`0x20`, spec section 2.2.6) says about the client's connection
/// to the proxy: whether it used TLS and whether it presented a certificate that the
/// proxy verified.
///
/// The `client` bits give TLS (`PP2_CLIENT_SSL`) and the certificate
/// (`PP2_CLIENT_CERT_CONN`, `PP2_CLIENT_CERT_SESS`); `verify` is 0 when the
/// certificate was verified.
///
/// ```
/// use hostkit_proxy_protocol::{parse, tlv, Builder, SslBuilder, Status, TlsVerdict};
///
/// let wire = Builder::v2("192.0.2.1:5000".parse()?, "192.0.2.2:443".parse()?)
///     .ssl(&SslBuilder::new(tlv::CLIENT_SSL, 0).version("TLSv1.3"))
///     .to_vec()?;
/// let Status::Complete((h, _)) = parse(&wire)? else { unreachable!() };
/// assert_eq!(h.tls_verdict(), Some(TlsVerdict::Tls));
/// assert!(h.tls_verdict().is_some_and(TlsVerdict::is_tls));
/// assert_eq!(TlsVerdict::Tls.as_str(), "tls");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TlsVerdict {
    /// The client did not use TLS to reach the proxy.
    Plain,
    /// TLS, without a client certificate.
    Tls,
    /// TLS, with a client certificate the proxy verified.
    CertVerified,
    /// TLS, with a client certificate that failed verification (`verify` non-zero).
    CertUnverified,
}

impl TlsVerdict {
    /// A stable lower-case name: `plain`, `tls`, `cert_verified` or `cert_unverified`.
    #[inline]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Tls => "tls",
            Self::CertVerified => "cert_verified",
            Self::CertUnverified => "cert_unverified",
        }
    }

    /// Whether the client used TLS.
    #[inline]
    pub const fn is_tls(self) -> bool {
        !matches!(self, Self::Plain)
    }

    /// Whether the client presented a certificate and the proxy verified it.
    #[inline]
    pub const fn cert_verified(self) -> bool {
        matches!(self, Self::CertVerified)
    }
}

/// A lazy iterator over well-framed TLVs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tlvs<'a> {
    rest: &'a [u8],
    offset: usize,
    nested: bool,
}

impl<'a> Tlvs<'a> {
    #[inline]
    pub(crate) fn new(rest: &'a [u8], offset: usize, nested: bool) -> Self {
        Self {
            rest,
            offset,
            nested,
        }
    }
}

impl<'a> Tlvs<'a> {
    /// The first SSL TLV (`0x20`) of a header's top-level TLVs.
    #[inline]
    pub fn ssl(&self) -> Option<Ssl<'a>> {
        if self.nested {
            return None;
        }
        self.clone().find_map(|t| match t.decode() {
            Tlv::Ssl(s) => Some(s),
            _ => None,
        })
    }

    /// The verdict of the first SSL TLV, or `None` when there is none.
    #[inline]
    pub fn tls_verdict(&self) -> Option<TlsVerdict> {
        self.ssl().map(|s| s.verdict())
    }

    /// No TLVs at all.
    #[inline]
    pub(crate) const fn empty() -> Self {
        Self {
            rest: &[],
            offset: 0,
            nested: false,
        }
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = RawTlv<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawTlv<'a>> {
        let b = self.rest;
        if b.len() < 3 {
            return None;
        }
        let n = usize::from(u16::from_be_bytes([b[1], b[2]]));
        let value = b.get(3..3 + n)?;
        let tlv = RawTlv {
            kind: b[0],
            value,
            offset: self.offset,
            nested: self.nested,
        };
        self.rest = &b[3 + n..];
        self.offset += 3 + n;
        Some(tlv)
    }
}

impl core::iter::FusedIterator for Tlvs<'_> {}
