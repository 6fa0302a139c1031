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
