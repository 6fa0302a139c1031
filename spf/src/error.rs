//! The one error type of this crate.

use alloc::string::String;

/// What is wrong with a piece of SPF text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not start with `v=spf1` followed by a space or its end.
    NotSpf,
    /// A byte outside printable US-ASCII (RFC 7208 section 3.1, 4.6.1).
    NonAscii,
    /// A term that is neither a known mechanism nor a well-formed modifier.
    UnknownTerm,
    /// A mechanism that takes no argument was given one (`all:x`, `include:x/24`).
    UnexpectedArgument,
    /// A mechanism that needs a domain-spec has none (`include`, `exists`, `a:`).
    MissingDomain,
    /// A domain-spec that does not end in a top label or a macro (section 7.1).
    InvalidDomain,
    /// A malformed macro (`%x`, `%{z}`, `%{d0}`, a trailing `%`).
    InvalidMacro,
    /// A macro letter allowed only in `exp` text (`c`, `r`, `t`) used in a domain-spec.
    ExpOnlyMacro,
    /// A CIDR length with a leading zero, out of range, or in the wrong place.
    InvalidCidr,
    /// An `ip4:` value that is not a dotted quad.
    InvalidIp4,
    /// An `ip6:` value that is not an IPv6 address.
    InvalidIp6,
    /// A modifier name that breaks `ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`.
    InvalidModifierName,
    /// `redirect=` or `exp=` given twice (section 6).
    DuplicateModifier,
    /// Flattening refused: the tree gives some client a permerror (a syntax error, a
    /// loop, several records, an include of a name with no record), so no flattened
    /// record could give the same results.
    FlattenPermError,
    /// Flattening refused: a lookup of the tree failed or was never made, so its
    /// addresses are unknown.
    FlattenTempError,
    /// Flattening refused: the domain has no SPF record.
    FlattenNoRecord,
    /// Flattening refused: the terms kept as written still need more than 10 lookups.
    FlattenOverLimit,
    /// Flattening refused: a term does not fit in the maximum record length.
    FlattenTooLong,
    /// An answer given to the evaluator for a question it did not ask, or asked and
    /// already had answered (the term is the question).
    UnexpectedAnswer,
}

impl ErrorKind {
    /// A short lowercase description, as [`Display`](core::fmt::Display) writes it.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::NotSpf => "not an spf record (no v=spf1 version)",
            Self::NonAscii => "character outside printable ascii",
            Self::UnknownTerm => "unknown mechanism or malformed modifier",
            Self::UnexpectedArgument => "argument not allowed for this mechanism",
            Self::MissingDomain => "missing domain-spec",
            Self::InvalidDomain => "domain-spec must end in a top label or a macro",
            Self::InvalidMacro => "invalid macro",
            Self::ExpOnlyMacro => "macro letter allowed only in exp text",
            Self::InvalidCidr => "invalid cidr length",
            Self::InvalidIp4 => "invalid ipv4 network",
            Self::InvalidIp6 => "invalid ipv6 network",
            Self::InvalidModifierName => "invalid modifier name",
            Self::DuplicateModifier => "modifier given more than once",
            Self::FlattenPermError => "some client gets permerror, flattening would change that",
            Self::FlattenTempError => "a lookup of the tree failed or was not made",
            Self::FlattenNoRecord => "the domain has no spf record",
            Self::FlattenOverLimit => "more than 10 lookups remain after flattening",
            Self::FlattenTooLong => "a term does not fit in the maximum record length",
            Self::UnexpectedAnswer => "answer to a question that is not outstanding",
        }
    }

    /// The stable lower-case code of this kind (`[a-z0-9_.]+`), for example
    /// `parse.unknown_term`; the table is in the crate's README.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotSpf => "parse.not_spf",
            Self::NonAscii => "parse.non_ascii",
            Self::UnknownTerm => "parse.unknown_term",
            Self::UnexpectedArgument => "parse.unexpected_argument",
            Self::MissingDomain => "parse.missing_domain",
            Self::InvalidDomain => "parse.invalid_domain",
            Self::InvalidMacro => "parse.invalid_macro",
            Self::ExpOnlyMacro => "parse.exp_only_macro",
            Self::InvalidCidr => "parse.invalid_cidr",
            Self::InvalidIp4 => "parse.invalid_ip4",
            Self::InvalidIp6 => "parse.invalid_ip6",
            Self::InvalidModifierName => "parse.invalid_modifier_name",
            Self::DuplicateModifier => "parse.duplicate_modifier",
            Self::FlattenPermError => "flatten.permerror",
            Self::FlattenTempError => "flatten.temperror",
            Self::FlattenNoRecord => "flatten.no_record",
            Self::FlattenOverLimit => "flatten.over_limit",
            Self::FlattenTooLong => "flatten.too_long",
            Self::UnexpectedAnswer => "eval.unexpected_answer",
        }
    }
}

impl core::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.description())
    }
}

/// An SPF syntax error: what is wrong, in which term, and at which byte offset of the
/// record text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
#[error("{kind} in term {term:?} at byte {offset}")]
pub struct Error {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The offending term (or the text that should have been one), as written.
    pub term: String,
    /// Byte offset of the problem in the record text.
    pub offset: usize,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, term: &str, offset: usize) -> Self {
        Self {
            kind,
            term: String::from(term),
            offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const ALL: [ErrorKind; 19] = [
        ErrorKind::NotSpf,
        ErrorKind::NonAscii,
        ErrorKind::UnknownTerm,
        ErrorKind::UnexpectedArgument,
        ErrorKind::MissingDomain,
        ErrorKind::InvalidDomain,
        ErrorKind::InvalidMacro,
        ErrorKind::ExpOnlyMacro,
        ErrorKind::InvalidCidr,
        ErrorKind::InvalidIp4,
        ErrorKind::InvalidIp6,
        ErrorKind::InvalidModifierName,
        ErrorKind::DuplicateModifier,
        ErrorKind::FlattenPermError,
        ErrorKind::FlattenTempError,
        ErrorKind::FlattenNoRecord,
        ErrorKind::FlattenOverLimit,
        ErrorKind::FlattenTooLong,
        ErrorKind::UnexpectedAnswer,
    ];

    #[test]
    fn codes_are_stable_distinct_and_separate_from_the_description() {
        assert_eq!(ErrorKind::UnknownTerm.as_str(), "parse.unknown_term");
        assert_eq!(
            ErrorKind::UnknownTerm.to_string(),
            "unknown mechanism or malformed modifier"
        );
        for (i, k) in ALL.iter().enumerate() {
            let code = k.as_str();
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'.'),
                "{code}"
            );
            assert_ne!(code, k.description());
            assert_eq!(k.to_string(), k.description());
            for other in &ALL[i + 1..] {
                assert_ne!(code, other.as_str());
            }
        }
    }
}
