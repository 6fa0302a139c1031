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
