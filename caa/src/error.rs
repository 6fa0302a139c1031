//! The one error type of the crate.

use alloc::string::String;

/// Why a CAA record, its zone text or a name could not be read or built.
///
/// Malformed `issue`, `issuewild` and `issuemail` values are *not* errors: RFC 8659
/// section 4.2 makes them deny issuance, so they are reported by
/// [`IssueValue`](crate::IssueValue) instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The RDATA is shorter than the two bytes of flags and tag length.
    #[error("rdata of {len} bytes is too short: flags and tag length need 2")]
    Truncated {
        /// Length of the RDATA.
        len: usize,
    },
    /// The tag length byte is zero (RFC 8659 section 4.1 requires at least one octet).
    #[error("empty tag at byte {offset}")]
    EmptyTag {
        /// Offset of the tag length byte (wire) or of the tag (text).
        offset: usize,
    },
    /// The tag length byte says more than the RDATA holds.
    #[error("tag length {tag_len} exceeds the {available} bytes left at byte 2")]
    TagOverrun {
        /// The tag length byte.
        tag_len: usize,
        /// Bytes left after flags and tag length.
        available: usize,
    },
    /// A tag byte is not an ASCII letter or digit (RFC 8659 section 4.1).
    #[error("tag byte {byte:#04x} at byte {offset} is not a letter or digit")]
    TagChar {
        /// The offending byte.
        byte: u8,
        /// Its offset in the RDATA or the text.
        offset: usize,
    },
    /// A tag is longer than the 255 octets its length byte can say.
    #[error("tag of {len} bytes is longer than 255")]
    TagTooLong {
        /// Length of the tag.
        len: usize,
    },
    /// The record would not fit in the 65,535 bytes of an RDATA.
    #[error("rdata of {len} bytes is longer than 65535")]
    TooLong {
        /// The length the RDATA would have.
        len: usize,
    },
    /// Zone text that does not follow RFC 8659 section 4.1.1 (or RFC 3597 generic form).
    #[error("{reason} at byte {offset} in {input:?}")]
    Syntax {
        /// What is wrong.
        reason: &'static str,
        /// Byte offset in the input.
        offset: usize,
        /// The input text.
        input: String,
    },
    /// A domain name that cannot be looked up (empty label, label over 63 bytes,
    /// name over 253 bytes, non-ASCII).
    #[error("invalid domain name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A value handed to the builder does not follow the property's grammar.
    #[error("invalid {what} {value:?} at byte {offset}")]
    InvalidValue {
        /// Which part (issuer domain, parameter, iodef URL).
        what: &'static str,
        /// The offending value.
        value: String,
        /// Byte offset of the first bad byte.
        offset: usize,
    },
}

/// What kind of [`Error`] happened: a `Copy` value with a stable code for scripts.
///
/// The codes ([`ErrorKind::as_str`]) are part of the crate's API: they never change
/// meaning, and new kinds may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Truncated`].
    Truncated,
    /// [`Error::EmptyTag`].
    EmptyTag,
    /// [`Error::TagOverrun`].
    TagOverrun,
    /// [`Error::TagChar`].
    TagChar,
    /// [`Error::TagTooLong`].
    TagTooLong,
    /// [`Error::TooLong`].
    TooLong,
    /// [`Error::Syntax`].
    Syntax,
    /// [`Error::InvalidName`].
    InvalidName,
    /// [`Error::InvalidValue`].
    InvalidValue,
}

impl ErrorKind {
    /// The stable lower-case code of this kind, for example `caa.wire.truncated`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Truncated => "caa.wire.truncated",
            Self::EmptyTag => "caa.tag.empty",
            Self::TagOverrun => "caa.wire.tag_overrun",
            Self::TagChar => "caa.tag.invalid_character",
            Self::TagTooLong => "caa.tag.too_long",
            Self::TooLong => "caa.wire.too_long",
            Self::Syntax => "caa.text.syntax",
            Self::InvalidName => "caa.name.invalid",
            Self::InvalidValue => "caa.value.invalid",
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
            Self::Truncated { .. } => ErrorKind::Truncated,
            Self::EmptyTag { .. } => ErrorKind::EmptyTag,
            Self::TagOverrun { .. } => ErrorKind::TagOverrun,
            Self::TagChar { .. } => ErrorKind::TagChar,
            Self::TagTooLong { .. } => ErrorKind::TagTooLong,
            Self::TooLong { .. } => ErrorKind::TooLong,
            Self::Syntax { .. } => ErrorKind::Syntax,
            Self::InvalidName { .. } => ErrorKind::InvalidName,
            Self::InvalidValue { .. } => ErrorKind::InvalidValue,
        }
    }

    /// The byte offset of the problem in the input (the RDATA, the zone text or the
    /// value handed to the builder), where one byte is to blame.
    ///
    /// `None` for errors about a whole input's length or a whole name.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match self {
            Self::EmptyTag { offset }
            | Self::TagChar { offset, .. }
            | Self::Syntax { offset, .. }
            | Self::InvalidValue { offset, .. } => Some(*offset),
            // the tag length byte sits after the flags byte
            Self::TagOverrun { .. } => Some(1),
            Self::Truncated { .. }
            | Self::TagTooLong { .. }
            | Self::TooLong { .. }
            | Self::InvalidName { .. } => None,
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
            ErrorKind::Truncated,
            ErrorKind::EmptyTag,
            ErrorKind::TagOverrun,
            ErrorKind::TagChar,
            ErrorKind::TagTooLong,
            ErrorKind::TooLong,
            ErrorKind::Syntax,
            ErrorKind::InvalidName,
            ErrorKind::InvalidValue,
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
        let e = Error::TagChar {
            byte: b'-',
            offset: 5,
        };
        assert_eq!(e.kind(), ErrorKind::TagChar);
        assert_eq!(e.offset(), Some(5));
        let e = Error::Truncated { len: 1 };
        assert_eq!(e.kind().as_str(), "caa.wire.truncated");
        assert_eq!(e.offset(), None);
        let e = Error::TagOverrun {
            tag_len: 9,
            available: 2,
        };
        assert_eq!(e.offset(), Some(1));
    }
}
