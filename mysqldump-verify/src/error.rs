//! The crate's one error type: what went wrong in a compressed container.

use alloc::string::String;

/// A fault in the compressed container around a dump.
///
/// The SQL itself never produces an error: whatever it holds ends up in the
/// [`Report`](crate::Report). Only the container (gzip, zstd) can be broken in a way that
/// stops decoding; the verifier then records one of these, stops decoding, and the
/// verdict becomes [`Verdict::Incomplete`](crate::Verdict::Incomplete).
///
/// Offsets count bytes of the compressed input, from 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Error {
    /// The gzip stream ends before its last member is complete (header, deflate data or
    /// the 8-byte trailer is missing).
    #[error("gzip stream truncated inside member {member} at byte {offset}")]
    GzipTruncated {
        /// Member number, from 1.
        member: u32,
        /// Compressed bytes read in all.
        offset: u64,
    },
    /// A gzip member header is malformed (bad magic, unknown method).
    #[error("bad gzip header in member {member} at byte {offset}: {detail}")]
    GzipHeader {
        /// Member number, from 1.
        member: u32,
        /// Byte offset of the offending byte.
        offset: u64,
        /// What was wrong.
        detail: String,
    },
    /// The deflate data of a member cannot be decoded.
    #[error("corrupt deflate data in gzip member {member} starting at byte {offset}")]
    GzipData {
        /// Member number, from 1.
        member: u32,
        /// Byte offset of the member's first byte.
        offset: u64,
    },
    /// A member's CRC-32 or length (ISIZE) does not match what was decoded.
    #[error(
        "gzip member {member} fails its check at byte {offset}: crc32 {found:08x} (trailer: {expected:08x}), size {found_size} (trailer: {expected_size})"
    )]
    GzipCheck {
        /// Member number, from 1.
        member: u32,
        /// Byte offset of the member trailer.
        offset: u64,
        /// CRC-32 stored in the trailer.
        expected: u32,
        /// CRC-32 of the decoded data.
        found: u32,
        /// ISIZE stored in the trailer (length modulo 2^32).
        expected_size: u32,
        /// Decoded length modulo 2^32.
        found_size: u32,
    },
    /// Bytes after a complete gzip member that are not another member.
    #[error("trailing garbage after gzip member {member} at byte {offset}")]
    GzipTrailingGarbage {
        /// The last complete member.
        member: u32,
        /// Byte offset of the first byte that is not a gzip header.
        offset: u64,
    },
    /// The zstd stream ends inside a frame.
    #[error("zstd stream truncated inside frame {frame} at byte {offset}")]
    ZstdTruncated {
        /// Frame number, from 1.
        frame: u32,
        /// Compressed bytes read in all.
        offset: u64,
    },
    /// The zstd decoder rejected the data.
    #[error("corrupt zstd data in frame {frame} starting at byte {offset}")]
    ZstdData {
        /// Frame number, from 1.
        frame: u32,
        /// Byte offset of the frame's first byte.
        offset: u64,
    },
    /// The input is compressed in a format this build cannot decode (its cargo feature is
    /// off).
    #[error("{format} input, but this build has no {format} decoder (cargo feature `{format}`)")]
    Unsupported {
        /// `gzip` or `zstd`.
        format: String,
    },
}

/// What kind of [`Error`] happened: a `Copy` value with a stable code for scripts.
///
/// The codes ([`ErrorKind::as_str`]) are part of the crate's API: they never change
/// meaning, and new kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::GzipTruncated`].
    GzipTruncated,
    /// [`Error::GzipHeader`].
    GzipHeader,
    /// [`Error::GzipData`].
    GzipData,
    /// [`Error::GzipCheck`].
    GzipCheck,
    /// [`Error::GzipTrailingGarbage`].
    GzipTrailingGarbage,
    /// [`Error::ZstdTruncated`].
    ZstdTruncated,
    /// [`Error::ZstdData`].
    ZstdData,
    /// [`Error::Unsupported`].
    Unsupported,
}

impl ErrorKind {
    /// The stable lower-case code of this kind, for example `gzip.truncated`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GzipTruncated => "gzip.truncated",
            Self::GzipHeader => "gzip.header",
            Self::GzipData => "gzip.data",
            Self::GzipCheck => "gzip.check",
            Self::GzipTrailingGarbage => "gzip.trailing_garbage",
            Self::ZstdTruncated => "zstd.truncated",
            Self::ZstdData => "zstd.data",
            Self::Unsupported => "container.unsupported",
        }
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// What kind of error this is; [`ErrorKind::as_str`] gives its stable code.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::GzipTruncated { .. } => ErrorKind::GzipTruncated,
            Self::GzipHeader { .. } => ErrorKind::GzipHeader,
            Self::GzipData { .. } => ErrorKind::GzipData,
            Self::GzipCheck { .. } => ErrorKind::GzipCheck,
            Self::GzipTrailingGarbage { .. } => ErrorKind::GzipTrailingGarbage,
            Self::ZstdTruncated { .. } => ErrorKind::ZstdTruncated,
            Self::ZstdData { .. } => ErrorKind::ZstdData,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
        }
    }

    /// The byte offset into the compressed input that the error names, or `None` when no
    /// byte is to blame (a format this build cannot decode).
    ///
    /// A `u64`, not a `usize`: a dump stream passes 4 GiB on 32-bit targets too.
    #[must_use]
    pub const fn offset(&self) -> Option<u64> {
        match self {
            Self::GzipTruncated { offset, .. }
            | Self::GzipHeader { offset, .. }
            | Self::GzipData { offset, .. }
            | Self::GzipCheck { offset, .. }
            | Self::GzipTrailingGarbage { offset, .. }
            | Self::ZstdTruncated { offset, .. }
            | Self::ZstdData { offset, .. } => Some(*offset),
            Self::Unsupported { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn codes_are_stable_and_distinct() {
        let all = [
            ErrorKind::GzipTruncated,
            ErrorKind::GzipHeader,
            ErrorKind::GzipData,
            ErrorKind::GzipCheck,
            ErrorKind::GzipTrailingGarbage,
            ErrorKind::ZstdTruncated,
            ErrorKind::ZstdData,
            ErrorKind::Unsupported,
        ];
        for (i, a) in all.iter().enumerate() {
            let code = a.as_str();
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'.'),
                "{code}"
            );
            assert_eq!(a.to_string(), code);
            for b in &all[i + 1..] {
                assert_ne!(code, b.as_str());
            }
        }
    }

    #[test]
    fn kind_and_offset_follow_the_variant() {
        let e = Error::GzipData {
            member: 2,
            offset: 77,
        };
        assert_eq!(e.kind(), ErrorKind::GzipData);
        assert_eq!(e.offset(), Some(77));
        let e = Error::Unsupported {
            format: "zstd".to_string(),
        };
        assert_eq!(e.kind().as_str(), "container.unsupported");
        assert_eq!(e.offset(), None);
    }
}
