//! The one error type of the crate.

/// Why a header is not valid, or why a builder cannot write one.
///
/// Running out of input is never an error: it is
/// [`Status::Incomplete`](crate::Status::Incomplete). Offsets count bytes from the first
/// byte of the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The first bytes are neither `PROXY ` (v1) nor the v2 signature.
    #[error("not a proxy protocol header: unexpected byte {byte:#04x} at offset {offset}")]
    NotProxy {
        /// Offset of the first byte that does not match.
        offset: usize,
        /// The byte found there.
        byte: u8,
    },
    /// A v1 line breaks the grammar of spec section 2.1.
    #[error("invalid v1 line: byte {byte:#04x} at offset {offset}, expected {expected}")]
    V1Syntax {
        /// Offset of the offending byte.
        offset: usize,
        /// The offending byte.
        byte: u8,
        /// What the grammar allows there.
        expected: &'static str,
    },
    /// A v1 number or address is out of range or has a leading zero.
    #[error("invalid v1 {field} at offset {offset}: {reason}")]
    V1Value {
        /// Offset of the first byte of the field.
        offset: usize,
        /// The field: `source address`, `destination port`, ...
        field: &'static str,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A v1 line cannot end with CRLF within 107 bytes.
    #[error("v1 line cannot fit in 107 bytes: at least {length} bytes needed")]
    V1TooLong {
        /// The smallest length the line could still reach.
        length: usize,
    },
    /// The high nibble of byte 12 of a v2 header is not 2.
    #[error("unsupported v2 version {version} at offset 12")]
    V2Version {
        /// The version nibble.
        version: u8,
    },
    /// The low nibble of byte 12 of a v2 header is neither LOCAL (0) nor PROXY (1).
    #[error("unsupported v2 command {command:#x} at offset 12")]
    V2Command {
        /// The command nibble.
        command: u8,
    },
    /// Byte 13 of a v2 header is not one of `00 11 12 21 22 31 32`.
    #[error("unsupported v2 family and transport {byte:#04x} at offset 13")]
    V2Family {
        /// The family and transport byte.
        byte: u8,
    },
    /// The v2 header is larger than the configured maximum.
    #[error("v2 header of {length} bytes exceeds the maximum of {max}")]
    V2TooLarge {
        /// The length the header announces (16 + length field).
        length: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The v2 length field is smaller than the address block of the family.
    #[error(
        "v2 length {length} is shorter than the {needed}-byte address block of family {family:#04x}"
    )]
    V2AddressBlock {
        /// The family and transport byte.
        family: u8,
        /// The length field.
        length: usize,
        /// The size of the address block.
        needed: usize,
    },
    /// A TLV does not fit in what is left of the header.
    #[error("tlv {kind:#04x} at offset {offset} overruns the header")]
    TlvTruncated {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// The TLV type (0 when even the type byte is cut).
        kind: u8,
    },
    /// A TLV's length breaks the rule of its type.
    #[error("tlv {kind:#04x} at offset {offset} has length {length}: {reason}")]
    TlvLength {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// The TLV type.
        kind: u8,
        /// Its value length.
        length: usize,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// More than one CRC32C TLV.
    #[error("second crc32c tlv at offset {offset}")]
    DuplicateCrc32c {
        /// Offset of the second CRC32C TLV's type byte.
        offset: usize,
    },
    /// The CRC32C TLV does not match the header.
    #[error("crc32c mismatch: header says {expected:#010x}, computed {actual:#010x}")]
    Crc32cMismatch {
        /// The value carried by the TLV.
        expected: u32,
        /// The value computed over the header.
        actual: u32,
    },
    /// A datagram ends inside its v2 header (spec: header and payload travel in one
    /// datagram, never split).
    #[error("datagram of {length} bytes ends inside its proxy header: {needed} more bytes needed")]
    DatagramTruncated {
        /// The datagram's length.
        length: usize,
        /// Bytes the header still lacks.
        needed: usize,
    },
    /// A datagram's PROXY header announces a stream transport.
    #[error("datagram carries a stream header: family and transport {byte:#04x} at offset 13")]
    DatagramTransport {
        /// The family and transport byte.
        byte: u8,
    },
    /// An address block (`ADDR/PREFIX`) is not valid.
    #[error("invalid address block: {reason}")]
    Cidr {
        /// What is wrong.
        reason: &'static str,
    },
    /// A builder was given something a header cannot carry.
    #[error("cannot build header: {reason} ({value})")]
    Build {
        /// What is wrong.
        reason: &'static str,
        /// The offending size or value.
        value: usize,
    },
}

impl Error {
    /// A stable lower-case code for the kind of error (`[a-z0-9_.]+`): `not_proxy`,
    /// `v1.syntax`, `v1.value`, `v1.too_long`, `v2.version`, `v2.command`,
    /// `v2.family`, `v2.too_large`, `v2.address_block`, `tlv.truncated`,
    /// `tlv.length`, `crc32c.duplicate`, `crc32c.mismatch`, `build`,
    /// `datagram.truncated`, `datagram.transport` or `cidr`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotProxy { .. } => "not_proxy",
            Self::V1Syntax { .. } => "v1.syntax",
            Self::V1Value { .. } => "v1.value",
            Self::V1TooLong { .. } => "v1.too_long",
            Self::V2Version { .. } => "v2.version",
            Self::V2Command { .. } => "v2.command",
            Self::V2Family { .. } => "v2.family",
            Self::V2TooLarge { .. } => "v2.too_large",
            Self::V2AddressBlock { .. } => "v2.address_block",
            Self::TlvTruncated { .. } => "tlv.truncated",
            Self::TlvLength { .. } => "tlv.length",
            Self::DuplicateCrc32c { .. } => "crc32c.duplicate",
            Self::Crc32cMismatch { .. } => "crc32c.mismatch",
            Self::Build { .. } => "build",
            Self::DatagramTruncated { .. } => "datagram.truncated",
            Self::DatagramTransport { .. } => "datagram.transport",
            Self::Cidr { .. } => "cidr",
        }
    }

    /// The byte offset into the header the error points at, when it points at one.
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            Self::NotProxy { offset, .. }
            | Self::V1Syntax { offset, .. }
            | Self::V1Value { offset, .. }
            | Self::TlvTruncated { offset, .. }
            | Self::TlvLength { offset, .. }
            | Self::DuplicateCrc32c { offset } => Some(offset),
            Self::V2Version { .. } | Self::V2Command { .. } => Some(12),
            Self::V2Family { .. } | Self::DatagramTransport { .. } => Some(13),
            Self::V2TooLarge { .. } | Self::V2AddressBlock { .. } => Some(14),
            _ => None,
        }
    }
}
