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

/// What kind of [`Error`] happened: a `Copy` value with a stable code for scripts.
///
/// The codes ([`ErrorKind::as_str`]) are part of the crate's API: they never change
/// meaning, and new kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotProxy`].
    NotProxy,
    /// [`Error::V1Syntax`].
    V1Syntax,
    /// [`Error::V1Value`].
    V1Value,
    /// [`Error::V1TooLong`].
    V1TooLong,
    /// [`Error::V2Version`].
    V2Version,
    /// [`Error::V2Command`].
    V2Command,
    /// [`Error::V2Family`].
    V2Family,
    /// [`Error::V2TooLarge`].
    V2TooLarge,
    /// [`Error::V2AddressBlock`].
    V2AddressBlock,
    /// [`Error::TlvTruncated`].
    TlvTruncated,
    /// [`Error::TlvLength`].
    TlvLength,
    /// [`Error::DuplicateCrc32c`].
    DuplicateCrc32c,
    /// [`Error::Crc32cMismatch`].
    Crc32cMismatch,
    /// [`Error::Build`].
    Build,
    /// [`Error::DatagramTruncated`].
    DatagramTruncated,
    /// [`Error::DatagramTransport`].
    DatagramTransport,
    /// [`Error::Cidr`].
    Cidr,
}

impl ErrorKind {
    /// The stable lower-case code of this kind (`[a-z0-9_.]+`), for example `v1.syntax`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotProxy => "not_proxy",
            Self::V1Syntax => "v1.syntax",
            Self::V1Value => "v1.value",
            Self::V1TooLong => "v1.too_long",
            Self::V2Version => "v2.version",
            Self::V2Command => "v2.command",
            Self::V2Family => "v2.family",
            Self::V2TooLarge => "v2.too_large",
            Self::V2AddressBlock => "v2.address_block",
            Self::TlvTruncated => "tlv.truncated",
            Self::TlvLength => "tlv.length",
            Self::DuplicateCrc32c => "crc32c.duplicate",
            Self::Crc32cMismatch => "crc32c.mismatch",
            Self::Build => "build",
            Self::DatagramTruncated => "datagram.truncated",
            Self::DatagramTransport => "datagram.transport",
            Self::Cidr => "cidr",
        }
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A stable lower-case code for the kind of error (`[a-z0-9_.]+`): `not_proxy`,
    /// `v1.syntax`, `v1.value`, `v1.too_long`, `v2.version`, `v2.command`,
    /// `v2.family`, `v2.too_large`, `v2.address_block`, `tlv.truncated`,
    /// `tlv.length`, `crc32c.duplicate`, `crc32c.mismatch`, `build`,
    /// `datagram.truncated`, `datagram.transport` or `cidr`.
    pub const fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// What kind of error this is; [`ErrorKind::as_str`] gives its stable code.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::NotProxy { .. } => ErrorKind::NotProxy,
            Self::V1Syntax { .. } => ErrorKind::V1Syntax,
            Self::V1Value { .. } => ErrorKind::V1Value,
            Self::V1TooLong { .. } => ErrorKind::V1TooLong,
            Self::V2Version { .. } => ErrorKind::V2Version,
            Self::V2Command { .. } => ErrorKind::V2Command,
            Self::V2Family { .. } => ErrorKind::V2Family,
            Self::V2TooLarge { .. } => ErrorKind::V2TooLarge,
            Self::V2AddressBlock { .. } => ErrorKind::V2AddressBlock,
            Self::TlvTruncated { .. } => ErrorKind::TlvTruncated,
            Self::TlvLength { .. } => ErrorKind::TlvLength,
            Self::DuplicateCrc32c { .. } => ErrorKind::DuplicateCrc32c,
            Self::Crc32cMismatch { .. } => ErrorKind::Crc32cMismatch,
            Self::Build { .. } => ErrorKind::Build,
            Self::DatagramTruncated { .. } => ErrorKind::DatagramTruncated,
            Self::DatagramTransport { .. } => ErrorKind::DatagramTransport,
            Self::Cidr { .. } => ErrorKind::Cidr,
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn codes_are_stable_distinct_and_match_the_kind() {
        let errors = [
            Error::Crc32cMismatch {
                expected: 1,
                actual: 2,
            },
            Error::V2Version { version: 3 },
            Error::Build {
                reason: "too long",
                value: 70_000,
            },
        ];
        let codes: alloc::vec::Vec<&str> = errors.iter().map(Error::code).collect();
        assert_eq!(codes, ["crc32c.mismatch", "v2.version", "build"]);
        for e in &errors {
            assert_eq!(e.kind().as_str(), e.code());
            assert_eq!(e.kind().to_string(), e.code());
            assert!(
                e.code().bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'.')
            );
        }
        assert_eq!(errors[1].offset(), Some(12));
        assert_eq!(errors[0].offset(), None);
        assert_ne!(ErrorKind::V1Syntax, ErrorKind::V1Value);
    }
}
