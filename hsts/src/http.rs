//! Conversions from and to [`http::HeaderValue`] and reading an [`http::HeaderMap`]
//! (feature `http`).

use alloc::string::ToString;

use ::http::header::{HeaderMap, HeaderValue, STRICT_TRANSPORT_SECURITY};

use crate::parse::{Discard, ParseOptions, Parsed, parse_first, parse_into};
use crate::preload::{PreloadReport, preload_check_fields};
use crate::{Error, Policy};

impl TryFrom<&HeaderValue> for Policy {
    type Error = Error;

    /// Parses the value strictly with the default options.
    fn try_from(value: &HeaderValue) -> Result<Self, Self::Error> {
        parse_into(value.as_bytes(), &ParseOptions::new(), &mut Discard)
    }
}

impl From<Policy> for HeaderValue {
    /// The canonical form, as [`Display`](core::fmt::Display) writes it.
    fn from(policy: Policy) -> Self {
        let text = policy.to_string();
        // The canonical form is digits, letters, '-', '=', ';' and spaces only.
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("max-age=0"))
    }
}

impl From<&Policy> for HeaderValue {
    fn from(policy: &Policy) -> Self {
        Self::from(*policy)
    }
}

/// Parses the Strict-Transport-Security fields of a response: the first one counts
/// (RFC 6797 section 8.1).
///
/// # Errors
///
/// [`Error::NoField`] when there is none, else as for [`parse`](crate::parse()).
pub fn parse_header_map(headers: &HeaderMap, options: &ParseOptions) -> Result<Parsed, Error> {
    parse_first(
        headers
            .get_all(STRICT_TRANSPORT_SECURITY)
            .iter()
            .map(HeaderValue::as_bytes),
        options,
    )
}

/// Runs the preload check on the Strict-Transport-Security fields of a response
/// (exactly one is required).
#[must_use]
pub fn preload_check_header_map(headers: &HeaderMap) -> PreloadReport {
    preload_check_fields(
        headers
            .get_all(STRICT_TRANSPORT_SECURITY)
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_value_both_ways() {
        let hv = HeaderValue::from(Policy::preload_ready(63_072_000));
        assert_eq!(hv, "max-age=63072000; includeSubDomains; preload");
        assert_eq!(Policy::try_from(&hv), Ok(Policy::preload_ready(63_072_000)));
        let quoted = HeaderValue::from_bytes(b"max-age=5; x=\"\xe9\"").unwrap();
        assert_eq!(Policy::try_from(&quoted), Ok(Policy::this_host_only(5)));
    }

    #[test]
    fn header_map_first_field_counts() {
        let mut map = HeaderMap::new();
        assert_eq!(
            parse_header_map(&map, &ParseOptions::new()),
            Err(Error::NoField)
        );
        map.append(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=1"),
        );
        map.append(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=2; preload"),
        );
        let parsed = parse_header_map(&map, &ParseOptions::new()).unwrap();
        assert_eq!(parsed.policy, Policy::this_host_only(1));
        let report = preload_check_header_map(&map);
        assert_eq!(report.errors[0].code(), "response.multiple_headers");
    }
}
