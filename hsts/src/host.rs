//! Host name normalisation for the store: ASCII lowercase, one trailing dot dropped,
//! U-labels converted to A-labels (with the `idna` feature), IP literals recognised.

use alloc::borrow::Cow;
#[cfg(feature = "idna")]
use alloc::string::String;
use alloc::string::ToString;
use core::net::Ipv4Addr;

use crate::Error;

/// The longest host name the store accepts (RFC 1035 section 2.3.4, without the dot).
pub(crate) const MAX_HOST_LEN: usize = 253;

/// A normalised host.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Host<'a> {
    /// A DNS name in canonical form: lowercase A-labels, no trailing dot.
    Name(Cow<'a, str>),
    /// An IPv4 or IPv6 literal, which never gets HSTS state (RFC 6797 section 8.1).
    IpLiteral,
}

fn invalid(host: &str, reason: &'static str) -> Error {
    Error::InvalidHost {
        host: host.to_string(),
        reason,
    }
}

/// Normalises `host` (RFC 6797 section 8.3 compares names case-insensitively after
/// IDNA conversion).
///
/// # Errors
///
/// An empty name, an empty label, a label over 63 bytes, a name over 253 bytes, a byte
/// other than letters, digits, `-`, `_` and `.`, or (without the `idna` feature) a
/// non-ASCII name.
pub(crate) fn normalize(host: &str) -> Result<Host<'_>, Error> {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    if trimmed.starts_with('[') || trimmed.contains(':') {
        return Ok(Host::IpLiteral);
    }
    let name: Cow<'_, str> = if trimmed.is_ascii() {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(to_ascii(host, trimmed)?)
    };
    if name.parse::<Ipv4Addr>().is_ok() {
        return Ok(Host::IpLiteral);
    }
    check_ascii(host, &name)?;
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok(Host::Name(Cow::Owned(name.to_ascii_lowercase())))
    } else {
        Ok(Host::Name(name))
    }
}

#[cfg(feature = "idna")]
fn to_ascii(host: &str, name: &str) -> Result<String, Error> {
    idna::domain_to_ascii(name).map_err(|_| invalid(host, "not a valid internationalised name"))
}

#[cfg(not(feature = "idna"))]
fn to_ascii(host: &str, _name: &str) -> Result<alloc::string::String, Error> {
    Err(invalid(
        host,
        "non-ASCII name (pass A-labels or enable the idna feature)",
    ))
}

fn check_ascii(host: &str, name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(invalid(host, "empty name"));
    }
    if name.len() > MAX_HOST_LEN {
        return Err(invalid(host, "longer than 253 bytes"));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(invalid(host, "empty label"));
        }
        if label.len() > 63 {
            return Err(invalid(host, "label longer than 63 bytes"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid(
                host,
                "a byte other than letters, digits, '-' and '_'",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn name(h: &str) -> Option<String> {
        match normalize(h) {
            Ok(Host::Name(n)) => Some(n.into_owned()),
            _ => None,
        }
    }

    #[test]
    fn case_and_trailing_dot() {
        assert_eq!(name("WWW.Example.COM.").as_deref(), Some("www.example.com"));
        assert!(matches!(
            normalize("example.com").unwrap(),
            Host::Name(Cow::Borrowed(_))
        ));
    }

    #[test]
    fn ip_literals() {
        for h in ["127.0.0.1", "[::1]", "::1", "2001:db8::1", "192.0.2.1."] {
            assert_eq!(normalize(h).unwrap(), Host::IpLiteral, "{h}");
        }
        // Not four decimal parts: a name as far as this crate is concerned.
        assert!(name("1.2.3").is_some());
    }

    #[test]
    fn refused_names() {
        for h in ["", ".", "a..b", ".a", "a b", "a/b", "ex%41mple.com"] {
            assert!(normalize(h).is_err(), "{h:?}");
        }
        let long = "a".repeat(64);
        assert!(normalize(&long).is_err());
        let total = ["abcdefghij"; 24].join(".");
        assert!(normalize(&total).is_err());
    }

    #[cfg(feature = "idna")]
    #[test]
    fn idna_converts_u_labels() {
        assert_eq!(
            name("Bücher.Example.").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(normalize("１２７.０.０.１").unwrap(), Host::IpLiteral);
    }

    #[cfg(not(feature = "idna"))]
    #[test]
    fn without_idna_u_labels_are_refused() {
        assert!(normalize("bücher.example").is_err());
    }
}
