//! Finding the relevant record set (RFC 8659 section 3), without doing any I/O.
//!
//! ```text
//! RelevantCAASet(domain):
//!   for domain is not ".":
//!     if CAA(domain) is not Empty:
//!       return CAA(domain)
//!     domain = Parent(domain)
//!   return Empty
//! ```
//!
//! `CAA(domain)` is an ordinary lookup (RFC 1034 section 4.3.2) that follows aliases.
//! The climb goes on from the parent of the *original* name, never from the parents
//! of an alias target. A DNAME redirects names below its owner, not the owner itself.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::{Caa, Error};

/// How many aliases one lookup may follow before it counts as failed.
pub const MAX_ALIASES: usize = 16;

/// What the resolver said for the CAA query the machine asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The CAA records of the queried name (an empty list is the same as
    /// [`NoData`](Answer::NoData)). A resolver that follows aliases itself answers
    /// with the records at the end of the chain.
    Records(Vec<Caa>),
    /// The name exists but has no CAA records.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// The queried name is an alias (CNAME) for this target; the machine asks for the
    /// target next.
    Cname(String),
    /// A DNAME at `owner` maps the subtree below it to `target`.
    Dname {
        /// The DNAME owner.
        owner: String,
        /// The DNAME target.
        target: String,
    },
    /// The lookup failed (SERVFAIL, timeout, refusal, DNSSEC bogus).
    ServFail,
}

/// Why discovery ended without a usable answer. A CA must not read it as "no CAA".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// The resolver answered [`Answer::ServFail`].
    Lookup,
    /// More than [`MAX_ALIASES`] aliases in one lookup, or a loop.
    AliasChain,
    /// An alias target that is not a valid name, or a DNAME that does not cover the
    /// queried name.
    BadAlias,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Failure::Lookup => "lookup failed",
            Failure::AliasChain => "alias chain too long or looping",
            Failure::BadAlias => "invalid alias target",
        })
    }
}

/// Where discovery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The relevant record set, found at `relevant_name` (the name on the climb, not
    /// an alias target).
    Found {
        /// The name whose lookup gave the records.
        relevant_name: String,
        /// The records.
        records: Vec<Caa>,
    },
    /// No name up to the top-level domain has CAA records: no restriction.
    Empty,
    /// A lookup failed at `name`.
    Failed {
        /// The name being looked up.
        name: String,
        /// Why.
        failure: Failure,
    },
}

/// What the machine wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Look up the CAA records of this name and call [`Discovery::answer`].
    Query(&'a str),
    /// Finished.
    Done(&'a Outcome),
}

/// The sans-IO tree climb of RFC 8659 section 3.
///
/// ```
/// use hostkit_caa::{Answer, Discovery, Outcome, Step};
///
/// let mut d = Discovery::new("*.www.example.com").unwrap();
/// assert!(d.is_wildcard());
/// let mut asked = Vec::new();
/// while let Step::Query(name) = d.step() {
///     asked.push(name.to_owned());
///     let answer = match name {
///         "example.com" => Answer::Records(vec!["0 issue \"ca.example\"".parse().unwrap()]),
///         _ => Answer::NxDomain,
///     };
///     d.answer(answer);
/// }
/// assert_eq!(asked, ["www.example.com", "example.com"]);
/// let Step::Done(Outcome::Found { relevant_name, .. }) = d.step() else { panic!() };
/// assert_eq!(relevant_name, "example.com");
/// ```
#[derive(Debug, Clone)]
pub struct Discovery {
    name: String,
    wildcard: bool,
    climb: usize,
    chase: Option<String>,
    aliases: usize,
    done: Option<Outcome>,
}

fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty name");
    }
    if name.len() > 253 {
        return Err("longer than 253 bytes");
    }
    if !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("not ASCII letters, digits and punctuation (use A-labels)");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("empty label");
        }
        if label.len() > 63 {
            return Err("label longer than 63 bytes");
        }
    }
    Ok(())
}

fn normalize(name: &str) -> Result<&str, Error> {
    let n = name.strip_suffix('.').unwrap_or(name);
    check_name(n).map_err(|reason| Error::InvalidName {
        name: String::from(name),
        reason,
    })?;
    Ok(n)
}

impl Discovery {
    /// Start the climb for a certificate name; `*.example.com` starts at
    /// `example.com` and is remembered as a wildcard request. A trailing dot is
    /// dropped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`] for an empty name, an empty label, a label over 63
    /// bytes, a name over 253 bytes, or non-ASCII (convert U-labels first).
    pub fn new(name: &str) -> Result<Self, Error> {
        let (wildcard, rest) = match name.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        let n = normalize(rest)?;
        Ok(Discovery {
            name: String::from(n),
            wildcard,
            climb: 0,
            chase: None,
            aliases: 0,
            done: None,
        })
    }

    /// Start the climb for an email address (RFC 9495): at its domain part.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`] when there is no `@`, the local part is empty, or the
    /// domain part is not a valid name.
    pub fn for_email(address: &str) -> Result<Self, Error> {
        match address.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() => Discovery::new(domain).and_then(|d| {
                if d.wildcard {
                    Err(Error::InvalidName {
                        name: String::from(address),
                        reason: "wildcard in an email domain",
                    })
                } else {
                    Ok(d)
                }
            }),
            _ => Err(Error::InvalidName {
                name: String::from(address),
                reason: "not an email address",
            }),
        }
    }

    /// Whether the request was for a wildcard name.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The name the climb started at (without `*.` and trailing dot).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name on the climb being looked up now.
    fn current(&self) -> &str {
        &self.name[self.climb..]
    }

    /// What to do next.
    #[must_use]
    pub fn step(&self) -> Step<'_> {
        match &self.done {
            Some(o) => Step::Done(o),
            None => Step::Query(self.chase.as_deref().unwrap_or_else(|| self.current())),
        }
    }

    /// The outcome once [`step`](Self::step) says [`Step::Done`].
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome> {
        self.done.as_ref()
    }

    fn fail(&mut self, failure: Failure) {
        let name = String::from(self.chase.as_deref().unwrap_or_else(|| self.current()));
        self.done = Some(Outcome::Failed { name, failure });
    }

    fn follow(&mut self, target: &str) {
        self.aliases += 1;
        if self.aliases > MAX_ALIASES {
            return self.fail(Failure::AliasChain);
        }
        match normalize(target) {
            Ok(t) => self.chase = Some(String::from(t)),
            Err(_) => self.fail(Failure::BadAlias),
        }
    }

    fn climb(&mut self) {
        self.chase = None;
        self.aliases = 0;
        match self.current().find('.') {
            Some(i) => self.climb += i + 1,
            None => self.done = Some(Outcome::Empty),
        }
    }

    /// Give the answer to the query of the last [`Step::Query`]. Answers after the
    /// machine is done are ignored.
    pub fn answer(&mut self, answer: Answer) {
        if self.done.is_some() {
            return;
        }
        match answer {
            Answer::Records(records) if !records.is_empty() => {
                self.done = Some(Outcome::Found {
                    relevant_name: String::from(self.current()),
                    records,
                });
            }
            Answer::Records(_) | Answer::NoData | Answer::NxDomain => self.climb(),
            Answer::Cname(target) => self.follow(&target),
            Answer::Dname { owner, target } => {
                let q = String::from(self.chase.as_deref().unwrap_or_else(|| self.current()));
                let owner = owner.strip_suffix('.').unwrap_or(&owner);
                let target = target.strip_suffix('.').unwrap_or(&target);
                if q.eq_ignore_ascii_case(owner) {
                    // A DNAME does not redirect its own owner name.
                    self.climb();
                } else if q.len() > owner.len() + 1
                    && q.is_char_boundary(q.len() - owner.len() - 1)
                    && q[q.len() - owner.len()..].eq_ignore_ascii_case(owner)
                    && q.as_bytes()[q.len() - owner.len() - 1] == b'.'
                {
                    let mut new = String::from(&q[..q.len() - owner.len()]);
                    new.push_str(target);
                    self.follow(&new);
                } else {
                    self.fail(Failure::BadAlias);
                }
            }
            Answer::ServFail => self.fail(Failure::Lookup),
        }
    }

    /// Every name the climb may ask for, in order: the name and each parent down to
    /// the top-level domain. Useful to send the queries in parallel and take the first
    /// non-empty answer, failing on an earlier error.
    #[must_use]
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let mut n = self.name.as_str();
        loop {
            out.push(n);
            match n.find('.') {
                Some(i) => n = &n[i + 1..],
                None => return out,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn rec(s: &str) -> Vec<Caa> {
        vec![s.parse().unwrap()]
    }

    fn run(name: &str, mut zone: impl FnMut(&str) -> Answer) -> (Vec<String>, Outcome) {
        let mut d = Discovery::new(name).unwrap();
        let mut asked = Vec::new();
        for _ in 0..100 {
            match d.step() {
                Step::Query(q) => {
                    asked.push(String::from(q));
                    let a = zone(q);
                    d.answer(a);
                }
                Step::Done(o) => return (asked, o.clone()),
            }
        }
        panic!("no end");
    }

    #[test]
    fn climbs_to_the_tld_and_stops() {
        let (asked, o) = run("a.b.example.com.", |_| Answer::NxDomain);
        assert_eq!(
            asked,
            ["a.b.example.com", "b.example.com", "example.com", "com"]
        );
        assert_eq!(o, Outcome::Empty);
    }

    #[test]
    fn cname_chase_then_climb_original() {
        let (asked, o) = run("alias.example.com", |q| match q {
            "alias.example.com" => Answer::Cname("x.other.net.".into()),
            "example.com" => Answer::Records(rec("0 issue \"ca.example\"")),
            _ => Answer::NxDomain,
        });
        assert_eq!(asked, ["alias.example.com", "x.other.net", "example.com"]);
        assert!(
            matches!(o, Outcome::Found { relevant_name, .. } if relevant_name == "example.com")
        );
    }

    #[test]
    fn dname_at_owner_does_not_redirect() {
        let (asked, _) = run("d.example.com", |q| match q {
            "d.example.com" => Answer::Dname {
                owner: "d.example.com".into(),
                target: "permit.example".into(),
            },
            _ => Answer::NxDomain,
        });
        assert_eq!(asked, ["d.example.com", "example.com", "com"]);
        let (asked, _) = run("x.d.example.com", |q| match q {
            "x.d.example.com" => Answer::Dname {
                owner: "d.example.com".into(),
                target: "permit.example".into(),
            },
            _ => Answer::NxDomain,
        });
        assert_eq!(asked[1], "x.permit.example");
    }

    #[test]
    fn failures() {
        let (_, o) = run("a.example", |_| Answer::ServFail);
        assert_eq!(
            o,
            Outcome::Failed {
                name: "a.example".into(),
                failure: Failure::Lookup
            }
        );
        let (_, o) = run("loop.example", |q| Answer::Cname(alloc::format!("x.{q}")));
        assert!(matches!(
            o,
            Outcome::Failed {
                failure: Failure::AliasChain,
                ..
            }
        ));
        assert!(Discovery::new("").is_err());
        assert!(Discovery::new("a..b").is_err());
        assert!(Discovery::new("bücher.example").is_err());
        assert!(Discovery::for_email("nobody").is_err());
        assert_eq!(
            Discovery::for_email("a@b.example").unwrap().name(),
            "b.example"
        );
    }
}
