//! A sans-IO HSTS store for user agents (RFC 6797 section 8): the caller tells it what
//! hosts sent over secure connections and asks it whether to upgrade a request. Time
//! is always a parameter, in seconds since the Unix epoch; the store has no clock.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};

use crate::host::{Host, normalize};
use crate::{Error, Policy};

/// A host's dynamic HSTS state, learnt from a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entry {
    /// The policy covers subdomains too.
    pub include_subdomains: bool,
    /// When the entry expires, in seconds since the Unix epoch; it applies while
    /// `now < expires`. `u64::MAX` never expires.
    pub expires: u64,
}

/// Where a match came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Source {
    /// Learnt from a Strict-Transport-Security header (or loaded from a cache file).
    Dynamic,
    /// A static preload entry.
    Preloaded,
}

/// The entry that makes a host a Known HSTS Host (RFC 6797 section 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match<'a> {
    /// The stored name that matched: the host itself or one of its superdomains.
    pub name: &'a str,
    /// The match is on the host itself (a congruent match) rather than a superdomain.
    pub congruent: bool,
    /// Dynamic or preloaded.
    pub source: Source,
    /// The matched entry covers subdomains.
    pub include_subdomains: bool,
    /// When the matched entry expires; `None` for preload entries.
    pub expires: Option<u64>,
}

/// What [`Store::record`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recorded {
    /// The host's entry was created or updated.
    Stored {
        /// The entry dropped to make room, if the store was full.
        evicted: Option<String>,
    },
    /// `max-age=0` removed the host's dynamic entry.
    Removed,
    /// `max-age=0` for a host that had no dynamic entry.
    NothingToRemove,
    /// The host is an IP literal, which never gets HSTS state (RFC 6797 section 8.1).
    IgnoredIpLiteral,
}

/// An HSTS store: dynamic entries learnt from headers, bounded in number, and static
/// preload entries.
///
/// Rules (RFC 6797 section 8):
/// - Only headers received over a secure connection without certificate errors may be
///   recorded (section 8.1): the caller vouches for that by calling
///   [`record`](Store::record).
/// - Host names are normalised: ASCII lowercase, one trailing dot dropped, U-labels
///   converted to A-labels with the `idna` feature (refused without it). IP literals are
///   never stored and never match.
/// - A lookup tries the host itself first (congruent match), then each superdomain from
///   the longest, where only entries with `includeSubDomains` count (section 8.2). At each
///   name the dynamic entry is tried before the preload entry.
/// - `max-age=0` removes the host's own dynamic entry and nothing else: not the entries
///   of its subdomains, and not a preload entry (as in Chromium).
/// - Expired entries never match; [`purge_expired`](Store::purge_expired) drops them.
/// - **Eviction**: the store holds at most [`capacity`](Store::capacity) dynamic
///   entries (10,000 by default, as curl). Recording a new host into a full store
///   first drops the entry that expires soonest (ties: the smallest name), so expired
///   entries go first. Updating a stored host never evicts. Preload entries are not
///   counted and never evicted.
#[derive(Debug, Clone, Default)]
pub struct Store {
    entries: BTreeMap<String, Entry>,
    by_expiry: BTreeSet<(u64, String)>,
    preloaded: BTreeMap<String, bool>,
    capacity: Option<usize>,
}

impl Store {
    /// The default bound on dynamic entries.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// An empty store holding at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY)
    /// dynamic entries.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store holding at most `capacity` dynamic entries (at least one).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: Some(capacity.max(1)),
            ..Self::default()
        }
    }

    /// The bound on dynamic entries.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity.unwrap_or(Self::DEFAULT_CAPACITY)
    }

    /// How many dynamic entries are stored (expired ones included until purged).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No dynamic entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many preload entries there are.
    #[must_use]
    pub fn preloaded_len(&self) -> usize {
        self.preloaded.len()
    }

    /// Adds a static preload entry, which never expires.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHost`] for a name that does not normalise or is an IP literal.
    pub fn add_preload(&mut self, host: &str, include_subdomains: bool) -> Result<(), Error> {
        match normalize(host)? {
            Host::Name(name) => {
                self.preloaded.insert(name.into_owned(), include_subdomains);
                Ok(())
            }
            Host::IpLiteral => Err(Error::InvalidHost {
                host: host.to_string(),
                reason: "an IP literal cannot be preloaded",
            }),
        }
    }

    /// Records the policy `host` sent at time `now` (RFC 6797 section 8.1). Call it only
    /// for the first Strict-Transport-Security field of a response received over a
    /// secure connection without certificate errors.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHost`] for a host name that does not normalise.
    pub fn record(&mut self, host: &str, policy: &Policy, now: u64) -> Result<Recorded, Error> {
        let name = match normalize(host)? {
            Host::IpLiteral => return Ok(Recorded::IgnoredIpLiteral),
            Host::Name(name) => name,
        };
        if policy.is_removal() {
            return Ok(if self.remove(&name) {
                Recorded::Removed
            } else {
                Recorded::NothingToRemove
            });
        }
        let entry = Entry {
            include_subdomains: policy.include_subdomains,
            expires: now.saturating_add(policy.max_age),
        };
        let evicted = self.insert_normalized(name.into_owned(), entry);
        Ok(Recorded::Stored { evicted })
    }

    /// Parses `value` (a header value, strictly) and records it for `host` at `now`.
    ///
    /// # Errors
    ///
    /// A header that does not parse (the store is left alone, RFC 6797 section 8.1:
    /// an invalid header is ignored), or an invalid host name.
    pub fn record_header(&mut self, host: &str, value: &str, now: u64) -> Result<Recorded, Error> {
        let policy: Policy = value.parse()?;
        self.record(host, &policy, now)
    }

    /// Puts an entry in directly, as when loading a saved store.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHost`] for a name that does not normalise or is an IP literal.
    pub fn insert(&mut self, host: &str, entry: Entry) -> Result<Option<String>, Error> {
        match normalize(host)? {
            Host::Name(name) => Ok(self.insert_normalized(name.into_owned(), entry)),
            Host::IpLiteral => Err(Error::InvalidHost {
                host: host.to_string(),
                reason: "an IP literal never gets HSTS state",
            }),
        }
    }

    fn insert_normalized(&mut self, name: String, entry: Entry) -> Option<String> {
        if let Some(old) = self.entries.get_mut(&name) {
            let old_expires = old.expires;
            *old = entry;
            if old_expires != entry.expires {
                let key = (old_expires, name);
                self.by_expiry.remove(&key);
                self.by_expiry.insert((entry.expires, key.1));
            }
            return None;
        }
        let mut evicted = None;
        if self.entries.len() >= self.capacity()
            && let Some((_, victim)) = self.by_expiry.pop_first()
        {
            self.entries.remove(&victim);
            evicted = Some(victim);
        }
        self.by_expiry.insert((entry.expires, name.clone()));
        self.entries.insert(name, entry);
        evicted
    }

    /// Removes the dynamic entry of exactly `name` (already normalised).
    fn remove(&mut self, name: &str) -> bool {
        match self.entries.remove_entry(name) {
            Some((name, entry)) => {
                self.by_expiry.remove(&(entry.expires, name));
                true
            }
            None => false,
        }
    }

    /// Forgets the dynamic entry of `host`, if any. Returns whether there was one.
    pub fn forget(&mut self, host: &str) -> bool {
        match normalize(host) {
            Ok(Host::Name(name)) => self.remove(&name),
            _ => false,
        }
    }

    /// Drops every dynamic entry expired at `now`; returns how many.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        let mut purged = 0;
        while let Some((expires, _)) = self.by_expiry.first() {
            if *expires > now {
                break;
            }
            if let Some((_, name)) = self.by_expiry.pop_first() {
                self.entries.remove(&name);
                purged += 1;
            }
        }
        purged
    }

    /// The dynamic entry stored for exactly `host` (expired or not).
    #[must_use]
    pub fn get(&self, host: &str) -> Option<&Entry> {
        match normalize(host) {
            Ok(Host::Name(name)) => self.entries.get(name.as_ref()),
            _ => None,
        }
    }

    /// The entry that makes `host` a Known HSTS Host at `now`, if one does
    /// (RFC 6797 section 8.2): the host itself first, then its superdomains from the
    /// longest, counting only those with `includeSubDomains`. Invalid names and IP
    /// literals never match.
    #[must_use]
    pub fn lookup(&self, host: &str, now: u64) -> Option<Match<'_>> {
        let Ok(Host::Name(name)) = normalize(host) else {
            return None;
        };
        let mut candidate: &str = &name;
        let mut congruent = true;
        loop {
            if let Some((stored, entry)) = self.entries.get_key_value(candidate)
                && entry.expires > now
                && (congruent || entry.include_subdomains)
            {
                return Some(Match {
                    name: stored,
                    congruent,
                    source: Source::Dynamic,
                    include_subdomains: entry.include_subdomains,
                    expires: Some(entry.expires),
                });
            }
            if let Some((stored, &isd)) = self.preloaded.get_key_value(candidate)
                && (congruent || isd)
            {
                return Some(Match {
                    name: stored,
                    congruent,
                    source: Source::Preloaded,
                    include_subdomains: isd,
                    expires: None,
                });
            }
            let dot = candidate.find('.')?;
            candidate = &candidate[dot + 1..];
            congruent = false;
        }
    }

    /// Whether a request to `host` at `now` must go over HTTPS (RFC 6797 section 8.3).
    #[must_use]
    pub fn must_upgrade(&self, host: &str, now: u64) -> bool {
        self.lookup(host, now).is_some()
    }

    /// The dynamic entries in name order (expired ones included until purged).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The preload entries in name order, with their `includeSubDomains` flag.
    pub fn preloaded(&self) -> impl Iterator<Item = (&str, bool)> {
        self.preloaded.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_drops_the_soonest_expiry() {
        let mut s = Store::with_capacity(2);
        s.record("a.example", &Policy::this_host_only(100), 0)
            .unwrap();
        s.record("b.example", &Policy::this_host_only(50), 0)
            .unwrap();
        // Updating never evicts.
        assert_eq!(
            s.record("a.example", &Policy::this_host_only(10), 0)
                .unwrap(),
            Recorded::Stored { evicted: None }
        );
        assert_eq!(
            s.record("c.example", &Policy::this_host_only(70), 0)
                .unwrap(),
            Recorded::Stored {
                evicted: Some("a.example".into())
            }
        );
        assert_eq!(s.len(), 2);
        assert!(s.must_upgrade("b.example", 1));
        assert!(!s.must_upgrade("a.example", 1));
        assert_eq!(s.purge_expired(50), 1);
        assert_eq!(s.len(), 1);
        assert_eq!(s.by_expiry.len(), 1);
    }

    #[test]
    fn index_stays_consistent() {
        let mut s = Store::new();
        for i in 0..50u64 {
            let host = alloc::format!("h{}.example", i % 7);
            s.record(&host, &Policy::including_subdomains(i * 3 % 11), i)
                .unwrap();
            assert_eq!(s.entries.len(), s.by_expiry.len());
            for (name, e) in s.iter() {
                assert!(s.by_expiry.contains(&(e.expires, name.to_string())));
            }
        }
    }
}
