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

impl Error {
    /// A stable, machine-readable code for the error, for example
    /// `header.parse.max_age.missing`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingMaxAge => "header.parse.max_age.missing",
            Self::DuplicateDirective { .. } => "header.parse.repeated",
            Self::MaxAgeWithoutValue { .. } => "header.parse.max_age.no_value",
            Self::InvalidMaxAge { .. } => "header.parse.max_age.non_digit_characters",
            Self::UnexpectedValue { .. } => "header.parse.unexpected_value",
            Self::ExpectedName { .. } => "header.parse.invalid_name",
            Self::EmptyValue { .. } => "header.parse.empty_value",
            Self::UnterminatedQuote { .. } => "header.parse.unterminated_quote",
            Self::UnexpectedByte { .. } => "header.parse.unexpected_character",
            Self::NoField => "response.no_header",
            Self::NotPreloadable { .. } => "layer.policy_not_preloadable",
            Self::InvalidNetwork { .. } => "layer.invalid_network",
            Self::InvalidHost { .. } => "store.invalid_host",
            Self::CacheLine { .. } => "store.curl.invalid_line",
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
}
