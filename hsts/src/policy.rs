//! The policy a Strict-Transport-Security header field carries.

use core::fmt;
use core::time::Duration;

/// One year in seconds: the least `max-age` the preload list accepts, and the cap
/// Chromium puts on every `max-age`.
pub const ONE_YEAR: u64 = 31_536_000;

/// An HSTS policy: what one Strict-Transport-Security header field says
/// (RFC 6797 section 6.1).
///
/// ```text
/// Strict-Transport-Security = "Strict-Transport-Security" ":"
///                             [ directive ]  *( ";" [ directive ] )
/// directive                 = directive-name [ "=" directive-value ]
/// directive-name            = token
/// directive-value           = token / quoted-string
/// max-age                   = "max-age" "=" delta-seconds     ; 6.1.1, required
/// includeSubDomains         = "includeSubDomains"             ; 6.1.2, no value
/// ```
///
/// `preload` is not in RFC 6797; it is the opt-in the browsers' preload lists ask for,
/// and is treated like `includeSubDomains`: no value, at most once.
///
/// [`Display`](fmt::Display) writes the canonical form
/// `max-age=N[; includeSubDomains][; preload]`, which parses back to the same policy.
///
/// ```
/// use hostkit_hsts::Policy;
///
/// let p: Policy = "max-age=31536000; includeSubDomains".parse()?;
/// assert_eq!(p, Policy::including_subdomains(31_536_000));
/// assert_eq!(Policy::preload_ready(63_072_000).to_string(),
///            "max-age=63072000; includeSubDomains; preload");
/// # Ok::<(), hostkit_hsts::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Policy {
    /// Seconds the host is to be treated as an HSTS host after the header was received.
    /// Values too large for a `u64` saturate at `u64::MAX`; 0 tells the user agent to
    /// forget the host (RFC 6797 section 6.1.1).
    pub max_age: u64,
    /// The policy also covers every subdomain of the host (RFC 6797 section 6.1.2).
    pub include_subdomains: bool,
    /// The host asks to be put on the browsers' preload lists.
    pub preload: bool,
}

impl Policy {
    /// A policy for the host that sent it and no other name.
    #[must_use]
    pub const fn this_host_only(max_age: u64) -> Self {
        Self {
            max_age,
            include_subdomains: false,
            preload: false,
        }
    }

    /// A policy for the host and all its subdomains (`includeSubDomains`).
    #[must_use]
    pub const fn including_subdomains(max_age: u64) -> Self {
        Self {
            max_age,
            include_subdomains: true,
            preload: false,
        }
    }

    /// `includeSubDomains` and `preload`: the shape the preload list asks for. Whether
    /// `max_age` is long enough is for [`Policy::preload_check`] to say.
    #[must_use]
    pub const fn preload_ready(max_age: u64) -> Self {
        Self {
            max_age,
            include_subdomains: true,
            preload: true,
        }
    }

    /// `max-age=0`: tells user agents to forget the host (RFC 6797 section 6.1.1).
    #[must_use]
    pub const fn removal() -> Self {
        Self::this_host_only(0)
    }

    /// Whether this is a `max-age=0` policy, which removes the host from a store.
    #[must_use]
    pub const fn is_removal(&self) -> bool {
        self.max_age == 0
    }

    /// `max_age` as a [`Duration`].
    #[must_use]
    pub const fn max_age_duration(&self) -> Duration {
        Duration::from_secs(self.max_age)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "max-age={}", self.max_age)?;
        if self.include_subdomains {
            f.write_str("; includeSubDomains")?;
        }
        if self.preload {
            f.write_str("; preload")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_is_canonical() {
        assert_eq!(Policy::this_host_only(5).to_string(), "max-age=5");
        assert_eq!(
            Policy::including_subdomains(5).to_string(),
            "max-age=5; includeSubDomains"
        );
        assert_eq!(Policy::removal().to_string(), "max-age=0");
        assert!(Policy::removal().is_removal());
        assert_eq!(
            Policy::preload_ready(u64::MAX)
                .to_string()
                .parse::<Policy>(),
            Ok(Policy::preload_ready(u64::MAX))
        );
        assert_eq!(
            Policy::this_host_only(7).max_age_duration(),
            Duration::from_secs(7)
        );
    }
}
