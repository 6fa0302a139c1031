//! The one error type of the crate.

use alloc::string::String;
use core::fmt;

/// The part of an address that a [`Error::Malformed`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Part {
    /// The whole address: no `@`, or an `@` where none may be.
    Address,
    /// The local part of a plain sender (before the last `@`).
    LocalPart,
    /// The domain of a plain sender, or the host after the `@` of an SRS address.
    Domain,
    /// The `SRS0`/`SRS1` tag and the separator that follows it.
    Tag,
    /// The hash field.
    Hash,
    /// The two-character timestamp field of an SRS0 address.
    Timestamp,
    /// The original domain field of an SRS0 address, or the first-hop domain of an SRS1 address.
    OriginalDomain,
    /// The original local part field of an SRS0 address.
    OriginalLocalPart,
    /// The wrapped SRS0 part of an SRS1 address (its separator and the opaque rest).
    Wrapped,
}

impl Part {
    /// A short lowercase name for messages.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Address => "address",
            Self::LocalPart => "local part",
            Self::Domain => "domain",
            Self::Tag => "tag",
            Self::Hash => "hash",
            Self::Timestamp => "timestamp",
            Self::OriginalDomain => "original domain",
            Self::OriginalLocalPart => "original local part",
            Self::Wrapped => "wrapped srs0 part",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong when parsing, forwarding or reversing an address, or
/// when configuring a [`Rewriter`](crate::Rewriter).
///
/// Values are the offending text and, where it applies, its byte offset in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address does not start with an `SRS0` or `SRS1` tag followed by `=`, `+` or `-`
    /// (any case), so there is nothing to reverse.
    #[error("not an srs address: {local_part:?}")]
    NotSrs {
        /// The local part that carries no tag.
        local_part: String,
    },
    /// A part of the address is missing or holds characters it may not hold.
    #[error("malformed {part} {value:?} at byte {offset}: {reason}")]
    Malformed {
        /// Which part.
        part: Part,
        /// The offending text (may be empty when the part is missing).
        value: String,
        /// Byte offset of that text in the input.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The hash does not match any configured secret (or is shorter than the minimum).
    #[error("bad hash {hash:?} at byte {offset}")]
    BadHash {
        /// The hash as it appeared.
        hash: String,
        /// Byte offset of the hash in the input.
        offset: usize,
    },
    /// The timestamp is older than the maximum age.
    #[error(
        "expired timestamp {timestamp:?} at byte {offset}: {age_days} days old, at most {max_age_days} allowed"
    )]
    Expired {
        /// The timestamp as it appeared.
        timestamp: String,
        /// Byte offset of the timestamp in the input.
        offset: usize,
        /// Its age in days (modulo the 1024-day cycle).
        age_days: u16,
        /// The configured maximum age in days.
        max_age_days: u16,
    },
    /// The timestamp lies in the future (in the nearer half of the 1024-day cycle).
    #[error("timestamp {timestamp:?} at byte {offset} is {days_ahead} days in the future")]
    Future {
        /// The timestamp as it appeared.
        timestamp: String,
        /// Byte offset of the timestamp in the input.
        offset: usize,
        /// How many days ahead of today it is.
        days_ahead: u16,
    },
    /// The rewritten local part would be longer than the limit that the
    /// [`LengthPolicy`](crate::LengthPolicy) sets.
    #[error("rewritten local part of {length} octets exceeds the limit of {limit}")]
    TooLong {
        /// Length in octets of the local part that would have been produced.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The rewriter was configured inconsistently, or lacks what an operation needs.
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: &'static str,
    },
}

/// What kind of [`Error`] happened: a `Copy` value with a stable code for scripts.
///
/// The codes ([`ErrorKind::as_str`]) are part of the crate's API: they never change
/// meaning, and new kinds may be added. A [`Error::Malformed`] error's code names the
/// part (`srs.malformed.hash`, `srs.malformed.domain`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotSrs`].
    NotSrs,
    /// [`Error::Malformed`], with the part it names.
    Malformed(Part),
    /// [`Error::BadHash`].
    BadHash,
    /// [`Error::Expired`].
    Expired,
    /// [`Error::Future`].
    Future,
    /// [`Error::TooLong`].
    TooLong,
    /// [`Error::Config`].
    Config,
}

impl ErrorKind {
    /// The stable lower-case code of this kind, for example `srs.bad_hash`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotSrs => "srs.not_srs",
            Self::Malformed(part) => match part {
                Part::Address => "srs.malformed.address",
                Part::LocalPart => "srs.malformed.local_part",
                Part::Domain => "srs.malformed.domain",
                Part::Tag => "srs.malformed.tag",
                Part::Hash => "srs.malformed.hash",
                Part::Timestamp => "srs.malformed.timestamp",
                Part::OriginalDomain => "srs.malformed.original_domain",
                Part::OriginalLocalPart => "srs.malformed.original_local_part",
                Part::Wrapped => "srs.malformed.wrapped",
            },
            Self::BadHash => "srs.bad_hash",
            Self::Expired => "srs.expired",
            Self::Future => "srs.future_timestamp",
            Self::TooLong => "srs.too_long",
            Self::Config => "srs.config",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// What kind of error this is; [`ErrorKind::as_str`] gives its stable code.
    #[must_use]
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::NotSrs { .. } => ErrorKind::NotSrs,
            Self::Malformed { part, .. } => ErrorKind::Malformed(*part),
            Self::BadHash { .. } => ErrorKind::BadHash,
            Self::Expired { .. } => ErrorKind::Expired,
            Self::Future { .. } => ErrorKind::Future,
            Self::TooLong { .. } => ErrorKind::TooLong,
            Self::Config { .. } => ErrorKind::Config,
        }
    }

    /// The byte offset in the input address of the text to blame: the malformed part,
    /// the hash or the timestamp. An address that carries no SRS tag is blamed at its
    /// start (offset 0); a result too long and a configuration error have no offset.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match self {
            Self::NotSrs { .. } => Some(0),
            Self::Malformed { offset, .. }
            | Self::BadHash { offset, .. }
            | Self::Expired { offset, .. }
            | Self::Future { offset, .. } => Some(*offset),
            Self::TooLong { .. } | Self::Config { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const PARTS: [Part; 9] = [
        Part::Address,
        Part::LocalPart,
        Part::Domain,
        Part::Tag,
        Part::Hash,
        Part::Timestamp,
        Part::OriginalDomain,
        Part::OriginalLocalPart,
        Part::Wrapped,
    ];

    #[test]
    fn codes_are_stable_and_distinct() {
        let mut all = alloc::vec![
            ErrorKind::NotSrs,
            ErrorKind::BadHash,
            ErrorKind::Expired,
            ErrorKind::Future,
            ErrorKind::TooLong,
            ErrorKind::Config,
        ];
        all.extend(PARTS.iter().map(|p| ErrorKind::Malformed(*p)));
        for (i, a) in all.iter().enumerate() {
            let code = a.as_str();
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'),
                "{code}"
            );
            assert!(code.starts_with("srs."), "{code}");
            assert_eq!(a.to_string(), code);
            for b in &all[i + 1..] {
                assert_ne!(code, b.as_str());
            }
        }
    }

    #[test]
    fn kind_and_offset_follow_the_variant() {
        let e = Error::BadHash {
            hash: "zzzz".to_string(),
            offset: 5,
        };
        assert_eq!(e.kind(), ErrorKind::BadHash);
        assert_eq!(e.offset(), Some(5));
        let e = Error::Malformed {
            part: Part::Timestamp,
            value: "!!".to_string(),
            offset: 10,
            reason: "not base32",
        };
        assert_eq!(e.kind().as_str(), "srs.malformed.timestamp");
        assert_eq!(e.offset(), Some(10));
        assert_eq!(
            Error::TooLong {
                length: 70,
                limit: 64
            }
            .offset(),
            None
        );
        assert_eq!(
            Error::NotSrs {
                local_part: "bob".to_string()
            }
            .offset(),
            Some(0)
        );
    }
}
