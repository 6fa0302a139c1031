//! The rewriter: forward a sender into SRS, reverse an SRS address back.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::address::{self, Raw, Separator, Tag, malformed};
use crate::error::{Error, Part};
use crate::hash::{self, Key, MAX_HASH_LENGTH};
use crate::timestamp::{self, Age};

/// Default hash length in base64 characters (Mail::SRS and postsrsd).
pub const DEFAULT_HASH_LENGTH: usize = 4;
/// Default maximum age of an SRS0 address in days (Mail::SRS and postsrsd).
pub const DEFAULT_MAX_AGE_DAYS: u16 = 21;
/// The longest maximum age: half the 1024-day timestamp cycle, less a day.
pub const MAX_MAX_AGE_DAYS: u16 = 511;

/// How a presented hash is compared with the expected one.
///
/// The hash is base64, which a relaying mail server may smash to one case; every mode
/// treats the URL-safe `-` and `_` as the standard `+` and `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum CaseMatch {
    /// Ignore ASCII case, one secret after the other (postsrsd). The default.
    #[default]
    Insensitive,
    /// Try an exact match against every secret first, then a case-insensitive one
    /// (Mail::SRS). Accepts the same addresses as `Insensitive`; the
    /// [`Reversal`] tells which secret matched and how.
    ExactFirst,
    /// Accept exact matches only.
    Exact,
}

/// What to do when the rewritten local part is longer than a limit.
///
/// RFC 5321 section 4.5.3.1.1 limits a local part to 64 octets, and an SRS0 address adds
/// at least 13 octets to the sender's. Mail::SRS and postsrsd write longer local parts
/// anyway, and most servers accept them, so the default does too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LengthPolicy {
    /// Write local parts of any length (Mail::SRS and postsrsd). The default.
    #[default]
    Unlimited,
    /// Refuse to write a local part longer than this many octets, with [`Error::TooLong`].
    Limit(usize),
}

impl LengthPolicy {
    /// The RFC 5321 limit of 64 octets.
    pub const RFC5321: Self = Self::Limit(64);
}

/// What [`Rewriter::forward_into`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Forwarded {
    /// The sender's domain is local: it was written unchanged.
    Unchanged,
    /// A plain sender became an SRS0 address.
    Srs0,
    /// An SRS0 or SRS1 sender became an SRS1 address.
    Srs1,
}

/// What [`Rewriter::reverse_into`] verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Reversal {
    /// Which kind of address was reversed.
    pub kind: Kind,
    /// Index of the secret that matched, in the order they were given.
    pub secret: usize,
    /// Whether the hash matched character for character. `false` means it matched
    /// only with case ignored: a relay smashed the case of the local part.
    pub exact_case: bool,
    /// Age of an SRS0 timestamp in days (0 for SRS1, which has none).
    pub age_days: u16,
}

/// The kind of an SRS address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// An SRS0 address, reversed to the original sender.
    Srs0,
    /// An SRS1 address, reversed to the first hop's SRS0 address.
    Srs1,
}

/// Configures a [`Rewriter`].
#[derive(Clone, Default)]
pub struct RewriterBuilder {
    secrets: Vec<Vec<u8>>,
    domain: Option<String>,
    local_domains: Vec<String>,
    hash_length: Option<usize>,
    hash_min: Option<usize>,
    max_age_days: Option<u16>,
    separator: Separator,
    case_match: CaseMatch,
    length_policy: LengthPolicy,
}

impl fmt::Debug for RewriterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RewriterBuilder")
            .field("secrets", &self.secrets.len())
            .field("domain", &self.domain)
            .field("local_domains", &self.local_domains)
            .field("hash_length", &self.hash_length)
            .field("hash_min", &self.hash_min)
            .field("max_age_days", &self.max_age_days)
            .field("separator", &self.separator)
            .field("case_match", &self.case_match)
            .field("length_policy", &self.length_policy)
            .finish()
    }
}

impl RewriterBuilder {
    /// Add a secret. The first one signs; every one verifies, so list a new secret
    /// first and keep the old ones until their addresses have expired.
    #[must_use]
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secrets.push(secret.as_ref().to_vec());
        self
    }

    /// The domain this forwarder writes after the `@` of the addresses it makes. A
    /// sender in this domain is never rewritten. Needed by [`Rewriter::forward`].
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// A further domain whose senders are never rewritten (ASCII case ignored). A
    /// leading `.` matches the subdomains of the rest, not the domain itself.
    #[must_use]
    pub fn local_domain(mut self, domain: impl Into<String>) -> Self {
        self.local_domains.push(domain.into());
        self
    }

    /// Hash length in base64 characters, 1 to 27 (default 4).
    #[must_use]
    pub fn hash_length(mut self, n: usize) -> Self {
        self.hash_length = Some(n);
        self
    }

    /// The shortest hash accepted on reverse, 1 to the hash length (default: the hash
    /// length). Longer hashes are accepted up to 27 characters.
    #[must_use]
    pub fn hash_min(mut self, n: usize) -> Self {
        self.hash_min = Some(n);
        self
    }

    /// How many days an SRS0 address stays valid after the day it was made, at most
    /// [`MAX_MAX_AGE_DAYS`] (default 21).
    #[must_use]
    pub fn max_age_days(mut self, days: u16) -> Self {
        self.max_age_days = Some(days);
        self
    }

    /// The separator written after the tag (default `=`).
    #[must_use]
    pub fn separator(mut self, separator: Separator) -> Self {
        self.separator = separator;
        self
    }

    /// How hashes are compared on reverse (default [`CaseMatch::Insensitive`]).
    #[must_use]
    pub fn case_match(mut self, mode: CaseMatch) -> Self {
        self.case_match = mode;
        self
    }

    /// The limit on rewritten local parts (default [`LengthPolicy::Unlimited`]).
    #[must_use]
    pub fn length_policy(mut self, policy: LengthPolicy) -> Self {
        self.length_policy = policy;
        self
    }

    /// Key the HMAC state of every secret and check the settings.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a secret, with an empty secret, a hash length outside
    /// 1 to 27, a minimum outside 1 to the length, a maximum age over
    /// [`MAX_MAX_AGE_DAYS`], or a domain that is empty or holds `@`, `=` or a control
    /// character.
    pub fn build(self) -> Result<Rewriter, Error> {
        let config = |reason| Err(Error::Config { reason });
        if self.secrets.is_empty() {
            return config("no secret");
        }
        if self.secrets.iter().any(Vec::is_empty) {
            return config("empty secret");
        }
        let hash_length = self.hash_length.unwrap_or(DEFAULT_HASH_LENGTH);
        if !(1..=MAX_HASH_LENGTH).contains(&hash_length) {
            return config("the hash length must be 1 to 27");
        }
        let hash_min = self.hash_min.unwrap_or(hash_length);
        if !(1..=hash_length).contains(&hash_min) {
            return config("the minimum hash length must be 1 to the hash length");
        }
        let max_age_days = self.max_age_days.unwrap_or(DEFAULT_MAX_AGE_DAYS);
        if max_age_days > MAX_MAX_AGE_DAYS {
            return config("the maximum age must be at most 511 days");
        }
        for d in self.domain.iter().chain(&self.local_domains) {
            let bare = d.strip_prefix('.').unwrap_or(d);
            if bare.is_empty()
                || bare
                    .bytes()
                    .any(|b| b == b'@' || b == b'=' || b.is_ascii_control())
            {
                return config("a domain must be non-empty, without @, = or control characters");
            }
        }
        if self.domain.as_deref().is_some_and(|d| d.starts_with('.')) {
            return config("the rewriting domain must not start with a dot");
        }
        Ok(Rewriter {
            keys: self.secrets.iter().map(|s| Key::new(s)).collect(),
            domain: self.domain,
            local_domains: self.local_domains,
            hash_length,
            hash_min,
            max_age_days,
            separator: self.separator,
            case_match: self.case_match,
            length_policy: self.length_policy,
        })
    }
}

/// Rewrites senders into SRS addresses and back, byte-compatible with Mail::SRS 0.31
/// (its default, guarded scheme) and postsrsd 1.10.
///
/// The HMAC state of each secret is keyed once, when the rewriter is built. Time is
/// always a parameter, in unix seconds: the rewriter has no clock.
///
/// - forward: a plain sender becomes `SRS0`; an `SRS0` sender becomes `SRS1` (wrapping
///   the first hop's address); an `SRS1` sender is signed again for this hop; a sender
///   in a local domain is kept as it is.
/// - reverse: `SRS0` gives the original sender back, `SRS1` the first hop's `SRS0`.
#[derive(Clone)]
pub struct Rewriter {
    keys: Vec<Key>,
    domain: Option<String>,
    local_domains: Vec<String>,
    hash_length: usize,
    hash_min: usize,
    max_age_days: u16,
    separator: Separator,
    case_match: CaseMatch,
    length_policy: LengthPolicy,
}

impl fmt::Debug for Rewriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rewriter")
            .field("secrets", &self.keys.len())
            .field("domain", &self.domain)
            .field("local_domains", &self.local_domains)
            .field("hash_length", &self.hash_length)
            .field("hash_min", &self.hash_min)
            .field("max_age_days", &self.max_age_days)
            .field("separator", &self.separator)
            .field("case_match", &self.case_match)
            .field("length_policy", &self.length_policy)
            .finish_non_exhaustive()
    }
}

impl Rewriter {
    /// Start configuring a rewriter.
    #[must_use]
    pub fn builder() -> RewriterBuilder {
        RewriterBuilder::default()
    }

    /// The domain written after the `@` of forwarded addresses, if configured.
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// Whether senders in `domain` are kept as they are (ASCII case ignored).
    #[must_use]
    pub fn is_local(&self, domain: &str) -> bool {
        self.domain
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(domain))
            || self
                .local_domains
                .iter()
                .any(|l| match l.strip_prefix('.') {
                    Some(suffix) => {
                        domain.len() > l.len()
                            && domain.as_bytes()[domain.len() - l.len()..]
                                .eq_ignore_ascii_case(l.as_bytes())
                            && !suffix.is_empty()
                    }
                    None => l.eq_ignore_ascii_case(domain),
                })
    }

    /// Forward `sender` at `now` (unix seconds) and return the address to use instead.
    ///
    /// # Errors
    ///
    /// As [`forward_into`](Self::forward_into).
    pub fn forward(&self, sender: &str, now: u64) -> Result<String, Error> {
        let mut out = String::with_capacity(sender.len() + 40);
        self.forward_into(sender, now, &mut out)?;
        Ok(out)
    }

    /// Forward `sender` at `now` (unix seconds), appending the result to `out`. On
    /// error `out` is left as it was.
    ///
    /// The sender is split at its last `@`. A plain sender `local@domain` becomes
    /// `SRS0<sep>HASH=TT=domain=local@<our domain>`; a sender tagged `SRS0<sep0>` (any
    /// case, its rest unchecked) becomes `SRS1<sep>HASH=domain=<sep0>rest@<our domain>`;
    /// a sender `SRS1<x>old=first-hop=rest` becomes `SRS1<sep>HASH=first-hop=rest@<our
    /// domain>`. A sender whose domain is local is appended unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no domain was configured; [`Error::Malformed`] for an
    /// address without `@`, with an `@` or control character in the local part, or a
    /// domain that is empty or holds `=`, and for an SRS1 sender whose fields are
    /// missing; [`Error::TooLong`] past the [`LengthPolicy`] limit.
    pub fn forward_into(
        &self,
        sender: &str,
        now: u64,
        out: &mut String,
    ) -> Result<Forwarded, Error> {
        let Some(domain) = self.domain.as_deref() else {
            return Err(Error::Config {
                reason: "no rewriting domain configured",
            });
        };
        let (local, host) = match address::split_plain(sender) {
            Some(split) => split,
            None => {
                let split = address::split_address(sender)?;
                let (local, host) = (split.local, split.host);
                if let Some(i) = split.at_in_local {
                    return Err(malformed(Part::LocalPart, local, i, "contains @"));
                }
                if let Some(i) = split.eq_in_host {
                    return Err(malformed(Part::Domain, host, i, "contains ="));
                }
                (local, host)
            }
        };
        if self.is_local(host) {
            out.push_str(sender);
            return Ok(Forwarded::Unchanged);
        }
        let key = &self.keys[0];
        let sep = self.separator.as_str();
        match address::tag(local) {
            Some((Tag::Srs1, _)) => {
                // SRS1<x>oldhash=first-hop=<sep0>rest: keep first-hop and rest, sign again.
                let body = &local[5..];
                let Some(i) = body.find('=') else {
                    return Err(malformed(Part::OriginalDomain, "", local.len(), "missing"));
                };
                let rest = &body[i + 1..];
                let Some(j) = rest.find('=') else {
                    return Err(malformed(Part::Wrapped, "", local.len(), "missing"));
                };
                let first_hop = &rest[..j];
                let wrapped = &rest[j + 1..];
                let first_hop_at = 5 + i + 1;
                if first_hop.is_empty() {
                    return Err(malformed(Part::OriginalDomain, "", first_hop_at, "empty"));
                }
                address::check_wrapped(wrapped, first_hop_at + j + 1)?;
                self.write_srs1(key, sep, first_hop, wrapped, domain, out)?;
                Ok(Forwarded::Srs1)
            }
            Some((Tag::Srs0, _)) => {
                self.write_srs1(key, sep, host, &local[4..], domain, out)?;
                Ok(Forwarded::Srs1)
            }
            None => {
                let stamp = timestamp::encode(now);
                let h = key.hash(
                    &[&stamp, host.as_bytes(), local.as_bytes()],
                    self.hash_length,
                );
                let h = &h[..self.hash_length];
                // "SRS0" sep H "=" TT "=" host "=" local
                let len = 5 + h.len() + 1 + 2 + 1 + host.len() + 1 + local.len();
                self.check_length(len)?;
                out.reserve(len + 1 + domain.len());
                out.push_str("SRS0");
                out.push_str(sep);
                push_ascii(out, h);
                out.push('=');
                push_ascii(out, &stamp);
                out.push('=');
                out.push_str(host);
                out.push('=');
                out.push_str(local);
                out.push('@');
                out.push_str(domain);
                Ok(Forwarded::Srs0)
            }
        }
    }

    fn write_srs1(
        &self,
        key: &Key,
        sep: &str,
        first_hop: &str,
        wrapped: &str,
        domain: &str,
        out: &mut String,
    ) -> Result<(), Error> {
        let h = key.hash(
            &[first_hop.as_bytes(), wrapped.as_bytes()],
            self.hash_length,
        );
        let h = &h[..self.hash_length];
        // "SRS1" sep H "=" first-hop "=" wrapped
        let len = 5 + h.len() + 1 + first_hop.len() + 1 + wrapped.len();
        self.check_length(len)?;
        out.reserve(len + 1 + domain.len());
        out.push_str("SRS1");
        out.push_str(sep);
        push_ascii(out, h);
        out.push('=');
        out.push_str(first_hop);
        out.push('=');
        out.push_str(wrapped);
        out.push('@');
        out.push_str(domain);
        Ok(())
    }

    fn check_length(&self, length: usize) -> Result<(), Error> {
        match self.length_policy {
            LengthPolicy::Limit(limit) if length > limit => Err(Error::TooLong { length, limit }),
            _ => Ok(()),
        }
    }

    /// Reverse `address` at `now` (unix seconds): the original sender for SRS0, the
    /// first hop's SRS0 address for SRS1.
    ///
    /// # Errors
    ///
    /// As [`reverse_into`](Self::reverse_into).
    pub fn reverse(&self, address: &str, now: u64) -> Result<String, Error> {
        let mut out = String::with_capacity(address.len());
        self.reverse_into(address, now, &mut out)?;
        Ok(out)
    }

    /// Reverse `address` at `now` (unix seconds), appending the result to `out`. On
    /// error `out` is left as it was.
    ///
    /// The host after the `@` is not checked: any forwarder sharing a secret may have
    /// written the address. The hash is checked before the timestamp, as Mail::SRS does.
    ///
    /// # Errors
    ///
    /// [`Error::NotSrs`] without an SRS tag; [`Error::Malformed`] naming the first bad
    /// part; [`Error::BadHash`] when no secret matches or the hash is shorter than the
    /// minimum; [`Error::Expired`] or [`Error::Future`] for an SRS0 timestamp outside the
    /// window.
    pub fn reverse_into(
        &self,
        address: &str,
        now: u64,
        out: &mut String,
    ) -> Result<Reversal, Error> {
        let raw = match address::parse_fast(address) {
            Some(raw) => raw,
            None => address::parse_raw(address)?,
        };
        match raw {
            Raw::Srs0(a) => {
                let (secret, exact_case) = self.verify(
                    a.hash.text,
                    a.hash.at,
                    &[
                        a.timestamp.text.as_bytes(),
                        a.domain.text.as_bytes(),
                        a.local.text.as_bytes(),
                    ],
                )?;
                let age_days = match timestamp::age(a.day, now, self.max_age_days) {
                    Age::Valid(days) => days,
                    Age::Expired(age_days) => {
                        return Err(Error::Expired {
                            timestamp: a.timestamp.text.to_string(),
                            offset: a.timestamp.at,
                            age_days,
                            max_age_days: self.max_age_days,
                        });
                    }
                    Age::Future(days_ahead) => {
                        return Err(Error::Future {
                            timestamp: a.timestamp.text.to_string(),
                            offset: a.timestamp.at,
                            days_ahead,
                        });
                    }
                };
                out.reserve(a.local.text.len() + 1 + a.domain.text.len());
                out.push_str(a.local.text);
                out.push('@');
                out.push_str(a.domain.text);
                Ok(Reversal {
                    kind: Kind::Srs0,
                    secret,
                    exact_case,
                    age_days,
                })
            }
            Raw::Srs1(a) => {
                let (secret, exact_case) = self.verify(
                    a.hash.text,
                    a.hash.at,
                    &[a.first_hop.text.as_bytes(), a.wrapped.text.as_bytes()],
                )?;
                out.reserve(4 + a.wrapped.text.len() + 1 + a.first_hop.text.len());
                out.push_str("SRS0");
                out.push_str(a.wrapped.text);
                out.push('@');
                out.push_str(a.first_hop.text);
                Ok(Reversal {
                    kind: Kind::Srs1,
                    secret,
                    exact_case,
                    age_days: 0,
                })
            }
        }
    }

    /// Check `hash` over `fields` against every secret; the index of the secret that
    /// matched and whether the case matched exactly.
    fn verify<const N: usize>(
        &self,
        hash: &str,
        at: usize,
        fields: &[&[u8]; N],
    ) -> Result<(usize, bool), Error> {
        let bad = || Error::BadHash {
            hash: hash.to_string(),
            offset: at,
        };
        let presented = hash.as_bytes();
        if presented.len() < self.hash_min {
            return Err(bad());
        }
        match self.case_match {
            CaseMatch::Insensitive => {
                for (i, key) in self.keys.iter().enumerate() {
                    let m = hash::compare(presented, &key.hash(fields, presented.len()));
                    if m.folded {
                        return Ok((i, m.exact));
                    }
                }
            }
            CaseMatch::ExactFirst | CaseMatch::Exact => {
                let mut folded = None;
                for (i, key) in self.keys.iter().enumerate() {
                    let m = hash::compare(presented, &key.hash(fields, presented.len()));
                    if m.exact {
                        return Ok((i, true));
                    }
                    if m.folded && folded.is_none() {
                        folded = Some(i);
                    }
                }
                if self.case_match == CaseMatch::ExactFirst
                    && let Some(i) = folded
                {
                    return Ok((i, false));
                }
            }
        }
        Err(bad())
    }
}

/// Append hash or stamp characters (always ASCII) to `out`.
fn push_ascii(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        // Masking the (already clear) high bit lets each push be a single byte.
        out.push(char::from(b & 0x7f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_577_836_860;

    fn rw() -> Rewriter {
        Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap()
    }

    #[test]
    fn forward_and_reverse_three_hops() {
        let r = rw();
        let s0 = r.forward("alice@example.com", T).unwrap();
        assert_eq!(s0, "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net");
        assert_eq!(r.reverse(&s0, T).unwrap(), "alice@example.com");
        let hop2 = Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd2.example.org")
            .build()
            .unwrap();
        let s1 = hop2.forward(&s0, T).unwrap();
        assert_eq!(
            s1,
            "SRS1=clAQ=fwd1.example.net==Xu1M=2W=example.com=alice@fwd2.example.org"
        );
        assert_eq!(hop2.reverse(&s1, T).unwrap(), s0);
        let hop3 = Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd3.example.com")
            .build()
            .unwrap();
        let s1b = hop3.forward(&s1, T).unwrap();
        assert_eq!(
            s1b,
            "SRS1=clAQ=fwd1.example.net==Xu1M=2W=example.com=alice@fwd3.example.com"
        );
        assert_eq!(hop3.reverse(&s1b, T).unwrap(), s0);
    }

    #[test]
    fn local_domains_are_kept() {
        let r = Rewriter::builder()
            .secret("s")
            .domain("fwd.example")
            .local_domain("mail.example")
            .local_domain(".corp.example")
            .build()
            .unwrap();
        let mut out = String::new();
        assert_eq!(
            r.forward_into("Bob@FWD.example", T, &mut out),
            Ok(Forwarded::Unchanged)
        );
        assert_eq!(out, "Bob@FWD.example");
        assert_eq!(r.forward("x@MAIL.example", T).unwrap(), "x@MAIL.example");
        assert_eq!(
            r.forward("x@a.corp.example", T).unwrap(),
            "x@a.corp.example"
        );
        assert!(r.forward("x@corp.example", T).unwrap().starts_with("SRS0="));
        assert!(
            r.forward("x@xcorp.example", T)
                .unwrap()
                .starts_with("SRS0=")
        );
    }

    #[test]
    fn errors() {
        let r = rw();
        assert!(matches!(
            r.forward("nobody", T),
            Err(Error::Malformed {
                part: Part::Address,
                ..
            })
        ));
        assert!(matches!(
            r.forward("a@b@c.org", T),
            Err(Error::Malformed {
                part: Part::LocalPart,
                offset: 1,
                ..
            })
        ));
        assert!(matches!(
            r.forward("a@b=c.org", T),
            Err(Error::Malformed {
                part: Part::Domain,
                offset: 3,
                ..
            })
        ));
        assert!(matches!(
            r.forward("a@", T),
            Err(Error::Malformed {
                part: Part::Domain,
                ..
            })
        ));
        assert!(matches!(
            r.forward("SRS1=x=y@c.org", T),
            Err(Error::Malformed {
                part: Part::Wrapped,
                ..
            })
        ));
        assert!(matches!(
            r.forward("SRS1=x@c.org", T),
            Err(Error::Malformed {
                part: Part::OriginalDomain,
                ..
            })
        ));
        assert!(matches!(
            r.reverse("alice@example.com", T),
            Err(Error::NotSrs { .. })
        ));
        let s0 = r.forward("alice@example.com", T).unwrap();
        let day = 86_400;
        assert!(r.reverse(&s0, T + 21 * day).is_ok());
        assert!(matches!(
            r.reverse(&s0, T + 22 * day),
            Err(Error::Expired {
                age_days: 22,
                max_age_days: 21,
                offset: 10,
                ..
            })
        ));
        assert!(matches!(
            r.reverse(&s0, T - day),
            Err(Error::Future { days_ahead: 1, .. })
        ));
        assert!(matches!(
            r.reverse("SRS0=FAKE=2W=example.com=alice@x", T),
            Err(Error::BadHash { offset: 5, .. })
        ));
        // A longer hash than configured verifies (Mail::SRS's HashLength 8 vector), up to 27.
        assert!(r.reverse("SRS0=Xu1MU6Rm=2W=example.com=alice@x", T).is_ok());
        assert!(
            r.reverse("SRS0=Xu1MU6Rn=2W=example.com=alice@x", T)
                .is_err()
        );
        // A valid hash cut below the minimum.
        assert!(matches!(
            r.reverse("SRS0=Xu1=2W=example.com=alice@x", T),
            Err(Error::BadHash { .. })
        ));
        let no_domain = Rewriter::builder().secret("s").build().unwrap();
        assert!(matches!(
            no_domain.forward("a@b.c", T),
            Err(Error::Config { .. })
        ));
    }

    #[test]
    fn case_modes() {
        let smashed = "SRS0=XU1M=2W=EXAMPLE.COM=ALICE@FWD1.EXAMPLE.NET";
        let r = rw();
        let mut out = String::new();
        let v = r.reverse_into(smashed, T, &mut out).unwrap();
        assert_eq!(out, "ALICE@EXAMPLE.COM");
        assert!(!v.exact_case);
        let exact = Rewriter::builder()
            .secret("tops3cr3t")
            .case_match(CaseMatch::Exact)
            .build()
            .unwrap();
        assert!(matches!(
            exact.reverse(smashed, T),
            Err(Error::BadHash { .. })
        ));
        assert!(exact.reverse("SRS0=Xu1M=2W=example.com=alice@x", T).is_ok());
        // Exact-first prefers an exact match by a later secret over a folded one by an earlier one.
        let two = Rewriter::builder()
            .secret("tops3cr3t")
            .secret("other")
            .case_match(CaseMatch::ExactFirst)
            .build()
            .unwrap();
        let v = two.reverse_into(smashed, T, &mut String::new()).unwrap();
        assert_eq!((v.secret, v.exact_case), (0, false));
    }

    #[test]
    fn rotation() {
        let old = rw();
        let s0 = old.forward("alice@example.com", T).unwrap();
        let new = Rewriter::builder()
            .secret("n3wsecret")
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        let v = new.reverse_into(&s0, T, &mut String::new()).unwrap();
        assert_eq!(v.secret, 1);
        assert!(
            new.forward("alice@example.com", T)
                .unwrap()
                .starts_with("SRS0=Su6n=")
        );
    }

    #[test]
    fn length_policy() {
        let r = Rewriter::builder()
            .secret("s")
            .domain("f.example")
            .length_policy(LengthPolicy::RFC5321)
            .build()
            .unwrap();
        // 25 octets of tag, hash, stamp, domain and separators, 39 of local part: 64.
        let ok = alloc::format!("{}@example.com", "x".repeat(39));
        let out = r.forward(&ok, T).unwrap();
        assert_eq!(out.find('@'), Some(64));
        let long = alloc::format!("{}@example.com", "x".repeat(40));
        assert_eq!(
            r.forward(&long, T),
            Err(Error::TooLong {
                length: 65,
                limit: 64
            })
        );
    }

    #[test]
    fn config_errors() {
        let b = || Rewriter::builder().secret("s");
        assert!(Rewriter::builder().build().is_err());
        assert!(Rewriter::builder().secret("").build().is_err());
        assert!(b().hash_length(0).build().is_err());
        assert!(b().hash_length(28).build().is_err());
        assert!(b().hash_length(8).hash_min(9).build().is_err());
        assert!(b().max_age_days(512).build().is_err());
        assert!(b().domain("a@b").build().is_err());
        assert!(b().domain(".a").build().is_err());
        assert!(b().local_domain("").build().is_err());
        assert!(
            b().hash_length(27)
                .hash_min(1)
                .max_age_days(511)
                .build()
                .is_ok()
        );
    }
}
