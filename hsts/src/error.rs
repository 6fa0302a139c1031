//! The one error type of the crate.

use alloc::string::String;
use core::fmt;

/// Everything that can go wrong: a header value that breaks RFC 6797 section 6.1, a
/// host name the store cannot hold, or a malformed line of a curl HSTS cache file.
///
/// Offsets are byte offsets into the header value that was parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The value has no `max-age` directive (RFC 6797 section 6.1.1 makes it required).
    #[error("max-age directive is missing")]
    MissingMaxAge,
    /// A directive appears more than once (RFC 6797 section 6.1, rule 2).
    #[error("directive {name:?} at byte {offset} appears more than once")]
    DuplicateDirective {
        /// The directive name as written.
        name: String,
        /// Where the repeated directive starts.
        offset: usize,
    },
    /// `max-age` without `=` and a value.
    #[error("max-age at byte {offset} has no value")]
    MaxAgeWithoutValue {
        /// Where the directive starts.
        offset: usize,
    },
    /// The `max-age` value is not `1*DIGIT` (quoted or not).
    #[error("max-age value {value:?} at byte {offset} is not a number of seconds")]
    InvalidMaxAge {
        /// The value as written (quotes included).
        value: String,
        /// Where the value starts.
        offset: usize,
    },
    /// `includeSubDomains` or `preload` written with a value.
    #[error("directive {name:?} at byte {offset} takes no value")]
    UnexpectedValue {
        /// The directive name as written.
        name: String,
        /// Where the directive starts.
        offset: usize,
    },
    /// A directive name is missing or is not a token.
    #[error("expected a directive name at byte {offset}, found {}", Shown(*found))]
    ExpectedName {
        /// The byte found instead.
        found: u8,
        /// Where it is.
        offset: usize,
    },
    /// `name=` followed by neither a token nor a quoted string.
    #[error("directive {name:?} at byte {offset} has an empty value")]
    EmptyValue {
        /// The directive name as written.
        name: String,
        /// Where the value should start.
        offset: usize,
    },
    /// A quoted string runs to the end of the value.
    #[error("quoted string at byte {offset} is not terminated")]
    UnterminatedQuote {
        /// Where the opening quote is.
        offset: usize,
    },
    /// A byte that the grammar does not allow where it stands.
    #[error("unexpected {} at byte {offset}", Shown(*found))]
    UnexpectedByte {
        /// The byte.
        found: u8,
        /// Where it is.
        offset: usize,
    },
    /// A list of header fields held no Strict-Transport-Security field at all.
    #[error("no Strict-Transport-Security field")]
    NoField,
    /// A policy that asks for `preload` without meeting the preload list's requirements,
    /// given to `HstsLayer::new` (feature `tower`).
    #[error("policy {policy:?} asks for preload but is not preloadable ({code})")]
    NotPreloadable {
        /// The policy, in its canonical form.
        policy: String,
        /// The first preload-check error code.
        code: &'static str,
    },
    /// A trusted-proxy network that is not `IP` or `IP/PREFIX`.
    #[error("invalid network {text:?}: {reason}")]
    InvalidNetwork {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A host name the store cannot hold.
    #[error("invalid host name {host:?}: {reason}")]
    InvalidHost {
        /// The host as given.
        host: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A line of a curl HSTS cache file that does not follow `[.]host "YYYYMMDD HH:MM:SS"`.
    #[error("curl HSTS cache line {line} {text:?}: {reason}")]
    CacheLine {
        /// The line number, from 1.
        line: usize,
        /// The line as read.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// What kind of [`Error`] happened: a `Copy` value with a stable code for scripts.
///
/// The codes ([`ErrorKind::as_str`]) are part of the crate's API: they never change
/// meaning, and new kinds may be added. The header parse codes follow the names the
/// hstspreload.org checker uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::MissingMaxAge`].
    MissingMaxAge,
    /// [`Error::DuplicateDirective`].
    DuplicateDirective,
    /// [`Error::MaxAgeWithoutValue`].
    MaxAgeWithoutValue,
    /// [`Error::InvalidMaxAge`].
    InvalidMaxAge,
    /// [`Error::UnexpectedValue`].
    UnexpectedValue,
    /// [`Error::ExpectedName`].
    ExpectedName,
    /// [`Error::EmptyValue`].
    EmptyValue,
    /// [`Error::UnterminatedQuote`].
    UnterminatedQuote,
    /// [`Error::UnexpectedByte`].
    UnexpectedByte,
    /// [`Error::NoField`].
    NoField,
    /// [`Error::NotPreloadable`].
    NotPreloadable,
    /// [`Error::InvalidNetwork`].
    InvalidNetwork,
    /// [`Error::InvalidHost`].
    InvalidHost,
    /// [`Error::CacheLine`].
    CacheLine,
}

impl ErrorKind {
    /// The stable lower-case code of this kind (`[a-z0-9_.]+`), for example
    /// `header.parse.max_age.missing`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MissingMaxAge => "header.parse.max_age.missing",
            Self::DuplicateDirective => "header.parse.repeated",
            Self::MaxAgeWithoutValue => "header.parse.max_age.no_value",
            Self::InvalidMaxAge => "header.parse.max_age.non_digit_characters",
            Self::UnexpectedValue => "header.parse.unexpected_value",
            Self::ExpectedName => "header.parse.invalid_name",
            Self::EmptyValue => "header.parse.empty_value",
            Self::UnterminatedQuote => "header.parse.unterminated_quote",
            Self::UnexpectedByte => "header.parse.unexpected_character",
            Self::NoField => "response.no_header",
            Self::NotPreloadable => "layer.policy_not_preloadable",
            Self::InvalidNetwork => "layer.invalid_network",
            Self::InvalidHost => "store.invalid_host",
            Self::CacheLine => "store.curl.invalid_line",
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
            Self::MissingMaxAge => ErrorKind::MissingMaxAge,
            Self::DuplicateDirective { .. } => ErrorKind::DuplicateDirective,
            Self::MaxAgeWithoutValue { .. } => ErrorKind::MaxAgeWithoutValue,
            Self::InvalidMaxAge { .. } => ErrorKind::InvalidMaxAge,
            Self::UnexpectedValue { .. } => ErrorKind::UnexpectedValue,
            Self::ExpectedName { .. } => ErrorKind::ExpectedName,
            Self::EmptyValue { .. } => ErrorKind::EmptyValue,
            Self::UnterminatedQuote { .. } => ErrorKind::UnterminatedQuote,
            Self::UnexpectedByte { .. } => ErrorKind::UnexpectedByte,
            Self::NoField => ErrorKind::NoField,
            Self::NotPreloadable { .. } => ErrorKind::NotPreloadable,
            Self::InvalidNetwork { .. } => ErrorKind::InvalidNetwork,
            Self::InvalidHost { .. } => ErrorKind::InvalidHost,
            Self::CacheLine { .. } => ErrorKind::CacheLine,
        }
    }

    /// The stable code of the error's kind, for example `header.parse.max_age.missing`;
    /// the same as `self.kind().as_str()`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The byte offset into the header value of the text to blame, for the header
    /// parse errors that point at a place; `None` for a missing `max-age` (there is no
    /// place to point at) and for the errors that are not about a header value.
    #[must_use]
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            Self::DuplicateDirective { offset, .. }
            | Self::MaxAgeWithoutValue { offset }
            | Self::InvalidMaxAge { offset, .. }
            | Self::UnexpectedValue { offset, .. }
            | Self::ExpectedName { offset, .. }
            | Self::EmptyValue { offset, .. }
            | Self::UnterminatedQuote { offset }
            | Self::UnexpectedByte { offset, .. } => Some(offset),
            Self::MissingMaxAge
            | Self::NoField
            | Self::NotPreloadable { .. }
            | Self::InvalidNetwork { .. }
            | Self::InvalidHost { .. }
            | Self::CacheLine { .. } => None,
        }
    }
}

/// Shows a byte for a message: printable ASCII quoted, anything else in hex.
pub(crate) struct Shown(pub(crate) u8);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b if b.is_ascii_graphic() || b == b' ' => write!(f, "'{}'", char::from(b)),
            b => write!(f, "byte 0x{b:02x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_are_lowercase_without_period() {
        let errors = [
            Error::MissingMaxAge,
            Error::ExpectedName {
                found: b'=',
                offset: 3,
            },
            Error::UnexpectedByte {
                found: 0x7f,
                offset: 9,
            },
        ];
        for e in &errors {
            let m = e.to_string();
            assert!(!m.ends_with('.'), "{m}");
            assert!(m.chars().next().unwrap().is_lowercase(), "{m}");
        }
        assert_eq!(
            errors[1].to_string(),
            "expected a directive name at byte 3, found '='"
        );
        assert_eq!(errors[2].to_string(), "unexpected byte 0x7f at byte 9");
    }

    #[test]
    fn codes_are_stable_distinct_and_match_the_kind() {
        let errors = [
            Error::MissingMaxAge,
            Error::DuplicateDirective {
                name: "preload".to_string(),
                offset: 20,
            },
            Error::MaxAgeWithoutValue { offset: 0 },
            Error::InvalidMaxAge {
                value: "x".to_string(),
                offset: 8,
            },
            Error::UnexpectedValue {
                name: "preload".to_string(),
                offset: 4,
            },
            Error::ExpectedName {
                found: b'=',
                offset: 3,
            },
            Error::EmptyValue {
                name: "max-age".to_string(),
                offset: 8,
            },
            Error::UnterminatedQuote { offset: 8 },
            Error::UnexpectedByte {
                found: 0x7f,
                offset: 9,
            },
            Error::NoField,
            Error::NotPreloadable {
                policy: "max-age=1; preload".to_string(),
                code: "header.preloadable.max_age.below_1_year",
            },
            Error::InvalidNetwork {
                text: "x".to_string(),
                reason: "not an address",
            },
            Error::InvalidHost {
                host: "a..b".to_string(),
                reason: "empty label",
            },
            Error::CacheLine {
                line: 2,
                text: "x".to_string(),
                reason: "no expiry",
            },
        ];
        let offsets: alloc::vec::Vec<Option<usize>> = errors.iter().map(Error::offset).collect();
        assert_eq!(
            offsets,
            [
                None,
                Some(20),
                Some(0),
                Some(8),
                Some(4),
                Some(3),
                Some(8),
                Some(8),
                Some(9),
                None,
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(errors[0].kind().as_str(), "header.parse.max_age.missing");
        for (i, e) in errors.iter().enumerate() {
            let code = e.kind().as_str();
            assert_eq!(e.code(), code);
            assert_eq!(e.kind().to_string(), code);
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'_'
                    || b == b'.'),
                "{code}"
            );
            for other in &errors[i + 1..] {
                assert_ne!(code, other.code());
            }
        }
    }
}
