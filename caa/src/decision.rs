//! The issuance decision a CA makes over the relevant record set (RFC 8659 sections
//! 4.2 to 4.3, RFC 8657 section 3 to 4, RFC 9495 section 3).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::discovery::{Failure, Outcome};
use crate::property::{IssueValue, Malformed, Property};
use crate::record::{CaaRef, FLAG_CRITICAL};

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A certificate for a plain DNS name: `issue` decides.
    Name,
    /// A certificate for `*.name`: `issuewild` decides when the set has one, `issue`
    /// otherwise.
    Wildcard,
    /// An S/MIME certificate for an address at the name: `issuemail` decides, and a
    /// set without one does not restrict (RFC 9495 section 3).
    Email,
}

/// A CA's question: may it issue, given who it is and how it validated?
///
/// ```
/// use hostkit_caa::{Caa, Request, Verdict};
///
/// let set: Vec<Caa> = vec![
///     "0 issue \"ca.example; accounturi=https://ca.example/acct/1\"".parse().unwrap(),
/// ];
/// let ok = Request::name(&["ca.example"]).account_uri("https://ca.example/acct/1").decide(&set);
/// assert_eq!(ok.verdict, Verdict::Permit);
/// let other = Request::name(&["ca.example"]).account_uri("https://ca.example/acct/2").decide(&set);
/// assert_eq!(other.verdict, Verdict::Deny);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    issuers: &'a [&'a str],
    target: Target,
    account_uri: Option<&'a str>,
    method: Option<&'a str>,
    understood: &'a [&'a str],
    low_bit_critical: bool,
}

/// Permit or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Verdict {
    /// The CA may issue.
    Permit,
    /// The CA must not issue.
    Deny,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Permit => "permit",
            Verdict::Deny => "deny",
        })
    }
}

/// Why one property did not authorize the CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The issuer is empty (`";"`): no CA may issue.
    NoIssuer,
    /// The value breaks the grammar, which counts as an empty issuer.
    Malformed(Malformed),
    /// The property names another CA.
    OtherIssuer,
    /// More than one `accounturi`: the property cannot be satisfied (RFC 8657 section 3).
    AccountUriRepeated,
    /// The `accounturi` is not a URI.
    AccountUriInvalid,
    /// The `accounturi` names another account (or the request named none).
    AccountUriMismatch,
    /// More than one `validationmethods`: the property cannot be satisfied.
    MethodsRepeated,
    /// The `validationmethods` list breaks its grammar (RFC 8657 section 4).
    MethodsInvalid,
    /// The validation method used is not listed (or the request named none).
    MethodNotAllowed,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoIssuer => f.write_str("empty issuer: no CA may issue"),
            Refusal::Malformed(m) => write!(f, "malformed value ({m}): no CA may issue"),
            Refusal::OtherIssuer => f.write_str("names another issuer"),
            Refusal::AccountUriRepeated => f.write_str("accounturi repeated: unsatisfiable"),
            Refusal::AccountUriInvalid => f.write_str("accounturi is not a URI: unsatisfiable"),
            Refusal::AccountUriMismatch => f.write_str("accounturi names another account"),
            Refusal::MethodsRepeated => f.write_str("validationmethods repeated: unsatisfiable"),
            Refusal::MethodsInvalid => f.write_str("validationmethods malformed: unsatisfiable"),
            Refusal::MethodNotAllowed => f.write_str("validation method not in validationmethods"),
        }
    }
}

/// Why the verdict is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The relevant record set is empty: no restriction.
    NoRecords,
    /// No property of the set restricts this kind of certificate.
    NoRestriction,
    /// The record [`Decision::record`] authorizes the CA.
    Authorized,
    /// The record [`Decision::record`] is critical and its tag is not understood.
    CriticalUnknown {
        /// The tag.
        tag: String,
    },
    /// Properties restrict issuance and none authorizes the CA; each refusal is
    /// given with the record index.
    NotAuthorized {
        /// `(record index, why it refused)` for every property that applied.
        refusals: Vec<(usize, Refusal)>,
    },
    /// Discovery failed: a failed lookup is never read as "no CAA".
    LookupFailed {
        /// The name whose lookup failed.
        name: String,
        /// Why.
        failure: Failure,
    },
}

/// The answer: the verdict, why, and which record (index into the set) decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Permit or deny.
    pub verdict: Verdict,
    /// Why.
    pub reason: Reason,
    /// The record that permitted or denied, by index into the set given.
    pub record: Option<usize>,
}

impl fmt::Display for Decision {
    /// One line; record numbers count from 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.record.map_or(0, |i| i + 1);
        match &self.reason {
            Reason::NoRecords => f.write_str("no CAA records: no restriction"),
            Reason::NoRestriction => f.write_str("no property restricts this kind of certificate"),
            Reason::Authorized => write!(f, "record {n} authorizes the issuer"),
            Reason::CriticalUnknown { tag } => {
                write!(f, "record {n} has critical unknown property {tag:?}")
            }
            Reason::NotAuthorized { refusals } => {
                f.write_str("no record authorizes the issuer")?;
                for (i, (idx, why)) in refusals.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { "; " })?;
                    write!(f, "record {}: {why}", idx + 1)?;
                }
                Ok(())
            }
            Reason::LookupFailed { name, failure } => {
                write!(f, "CAA lookup for {name} failed: {failure}")
            }
        }
    }
}

/// `validationmethods` value: `[*(label ",") label]`, `label = 1*(ALPHA / DIGIT / "-")`.
fn methods_ok(v: &str) -> bool {
    v.is_empty()
        || v.split(',')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// A URI as RFC 3986 section 3 starts: `scheme ":" hier-part`, with a non-empty rest
/// of visible ASCII.
fn uri_ok(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let mut s = scheme.bytes();
    s.next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
}

impl<'a> Request<'a> {
    fn with(issuers: &'a [&'a str], target: Target) -> Self {
        Request {
            issuers,
            target,
            account_uri: None,
            method: None,
            understood: &[],
            low_bit_critical: false,
        }
    }

    /// A plain-name request by a CA known by these issuer domain names.
    #[must_use]
    pub fn name(issuers: &'a [&'a str]) -> Self {
        Request::with(issuers, Target::Name)
    }

    /// A wildcard-name request.
    #[must_use]
    pub fn wildcard(issuers: &'a [&'a str]) -> Self {
        Request::with(issuers, Target::Wildcard)
    }

    /// An S/MIME request (RFC 9495).
    #[must_use]
    pub fn email(issuers: &'a [&'a str]) -> Self {
        Request::with(issuers, Target::Email)
    }

    /// A request of the given kind.
    #[must_use]
    pub fn new(issuers: &'a [&'a str], target: Target) -> Self {
        Request::with(issuers, target)
    }

    /// The ACME account URI making the request (RFC 8657 section 3).
    #[must_use]
    pub fn account_uri(mut self, uri: &'a str) -> Self {
        self.account_uri = Some(uri);
        self
    }

    /// The validation method used, e.g. `dns-01` (RFC 8657 section 4).
    #[must_use]
    pub fn method(mut self, method: &'a str) -> Self {
        self.method = Some(method);
        self
    }

    /// More tags the CA understands, so that a critical one does not block issuance.
    /// `issue`, `issuewild`, `issuemail` and `iodef` are always understood.
    #[must_use]
    pub fn understand(mut self, tags: &'a [&'a str]) -> Self {
        self.understood = tags;
        self
    }

    /// Also read flag bit value 1 as critical for unknown tags, as some CAs do because
    /// zone operators set it by mistake.
    #[must_use]
    pub fn low_bit_critical(mut self, on: bool) -> Self {
        self.low_bit_critical = on;
        self
    }

    /// What is being asked for.
    #[must_use]
    pub fn target(&self) -> Target {
        self.target
    }

    fn refusal(&self, v: &IssueValue<'_>) -> Option<Refusal> {
        if let Some(m) = v.malformed() {
            return Some(Refusal::Malformed(m));
        }
        let Some(issuer) = v.issuer() else {
            return Some(Refusal::NoIssuer);
        };
        if !self.issuers.iter().any(|i| {
            let i = i.strip_suffix('.').unwrap_or(i);
            i.eq_ignore_ascii_case(issuer)
        }) {
            return Some(Refusal::OtherIssuer);
        }
        let mut accounts = v
            .parameters()
            .filter(|p| p.tag.eq_ignore_ascii_case("accounturi"));
        if let Some(acct) = accounts.next() {
            if accounts.next().is_some() {
                return Some(Refusal::AccountUriRepeated);
            }
            if !uri_ok(acct.value) {
                return Some(Refusal::AccountUriInvalid);
            }
            if self.account_uri != Some(acct.value) {
                return Some(Refusal::AccountUriMismatch);
            }
        }
        let mut methods = v
            .parameters()
            .filter(|p| p.tag.eq_ignore_ascii_case("validationmethods"));
        if let Some(list) = methods.next() {
            if methods.next().is_some() {
                return Some(Refusal::MethodsRepeated);
            }
            if !methods_ok(list.value) {
                return Some(Refusal::MethodsInvalid);
            }
            let used = self.method.unwrap_or_default();
            if list.value.is_empty() || !list.value.split(',').any(|m| m == used) {
                return Some(Refusal::MethodNotAllowed);
            }
        }
        None
    }

    fn understands(&self, tag: &str) -> bool {
        ["issue", "issuewild", "issuemail", "iodef"]
            .iter()
            .chain(self.understood)
            .any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Decide over the relevant record set.
    pub fn decide<'r, I, R>(&self, records: I) -> Decision
    where
        I: IntoIterator<Item = R>,
        R: Into<CaaRef<'r>>,
    {
        let set: Vec<CaaRef<'r>> = records.into_iter().map(Into::into).collect();
        if set.is_empty() {
            return Decision {
                verdict: Verdict::Permit,
                reason: Reason::NoRecords,
                record: None,
            };
        }
        let critical_mask = FLAG_CRITICAL | u8::from(self.low_bit_critical);
        for (i, r) in set.iter().enumerate() {
            if r.flags() & critical_mask != 0 && !self.understands(r.tag()) {
                return Decision {
                    verdict: Verdict::Deny,
                    reason: Reason::CriticalUnknown {
                        tag: String::from(r.tag()),
                    },
                    record: Some(i),
                };
            }
        }
        let props: Vec<(usize, Property<'r>)> =
            set.iter().map(|r| r.property()).enumerate().collect();
        let has_wild = props
            .iter()
            .any(|(_, p)| matches!(p, Property::IssueWild(_)));
        let applies = |p: &Property<'r>| -> Option<IssueValue<'r>> {
            match (self.target, p) {
                (Target::Name, Property::Issue(v)) => Some(*v),
                (Target::Wildcard, Property::IssueWild(v)) => Some(*v),
                (Target::Wildcard, Property::Issue(v)) if !has_wild => Some(*v),
                (Target::Email, Property::IssueMail(v)) => Some(*v),
                _ => None,
            }
        };
        let mut refusals = Vec::new();
        for (i, p) in &props {
            let Some(v) = applies(p) else { continue };
            match self.refusal(&v) {
                None => {
                    return Decision {
                        verdict: Verdict::Permit,
                        reason: Reason::Authorized,
                        record: Some(*i),
                    };
                }
                Some(why) => refusals.push((*i, why)),
            }
        }
        if refusals.is_empty() {
            return Decision {
                verdict: Verdict::Permit,
                reason: Reason::NoRestriction,
                record: None,
            };
        }
        Decision {
            verdict: Verdict::Deny,
            record: refusals.first().map(|(i, _)| *i),
            reason: Reason::NotAuthorized { refusals },
        }
    }

    /// Decide from where discovery ended: a failed lookup denies, an empty climb
    /// permits, a found set is decided by [`decide`](Self::decide).
    #[must_use]
    pub fn decide_outcome(&self, outcome: &Outcome) -> Decision {
        match outcome {
            Outcome::Found { records, .. } => self.decide(records),
            Outcome::Empty => self.decide(core::iter::empty::<CaaRef<'_>>()),
            Outcome::Failed { name, failure } => Decision {
                verdict: Verdict::Deny,
                reason: Reason::LookupFailed {
                    name: name.clone(),
                    failure: *failure,
                },
                record: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caa;
    use alloc::string::ToString;

    fn set(lines: &[&str]) -> Vec<Caa> {
        lines.iter().map(|l| l.parse().unwrap()).collect()
    }

    const CA: &[&str] = &["ca.example"];

    #[test]
    fn rfc_examples() {
        let s = set(&["0 issue \"ca1.example.net\"", "128 tbs \"Unknown\""]);
        let d = Request::name(&["ca1.example.net"]).decide(&s);
        assert_eq!(d.verdict, Verdict::Deny);
        assert_eq!(d.record, Some(1));
        assert!(d.to_string().contains("critical unknown property"));
        let s = set(&["0 issue \"%%%%%\""]);
        assert_eq!(Request::name(CA).decide(&s).verdict, Verdict::Deny);
        let s = set(&["0 issue \";\"", "0 issue \"ca.example\""]);
        let d = Request::name(CA).decide(&s);
        assert_eq!((d.verdict, d.record), (Verdict::Permit, Some(1)));
    }

    #[test]
    fn wildcard_rules() {
        let s = set(&["0 issue \"ca.example\"", "0 issuewild \";\""]);
        assert_eq!(Request::name(CA).decide(&s).verdict, Verdict::Permit);
        assert_eq!(Request::wildcard(CA).decide(&s).verdict, Verdict::Deny);
        let s = set(&["0 issue \"ca.example\""]);
        assert_eq!(Request::wildcard(CA).decide(&s).verdict, Verdict::Permit);
        let s = set(&["0 issuewild \"other.example\""]);
        let d = Request::name(CA).decide(&s);
        assert_eq!(
            (d.verdict, d.reason),
            (Verdict::Permit, Reason::NoRestriction)
        );
    }

    #[test]
    fn rfc8657_parameters() {
        let s = set(&[
            "0 issue \"ca.example; accounturi=https://ca.example/a/1; validationmethods=dns-01,http-01\"",
        ]);
        let ok = Request::name(CA)
            .account_uri("https://ca.example/a/1")
            .method("http-01");
        assert_eq!(ok.decide(&s).verdict, Verdict::Permit);
        let d = ok.method("tls-alpn-01").decide(&s);
        assert_eq!(
            d.reason,
            Reason::NotAuthorized {
                refusals: alloc::vec![(0, Refusal::MethodNotAllowed)]
            }
        );
        let d = Request::name(CA).method("dns-01").decide(&s);
        assert_eq!(d.verdict, Verdict::Deny);
        for (v, why) in [
            (
                "ca.example; accounturi=a:1; accounturi=a:1",
                Refusal::AccountUriRepeated,
            ),
            ("ca.example; accounturi=nope", Refusal::AccountUriInvalid),
            (
                "ca.example; validationmethods=dns-01; validationmethods=dns-01",
                Refusal::MethodsRepeated,
            ),
            (
                "ca.example; validationmethods=dns-01,",
                Refusal::MethodsInvalid,
            ),
            ("ca.example; validationmethods=", Refusal::MethodNotAllowed),
            ("ca.example; AccountURI=a:2", Refusal::AccountUriMismatch),
        ] {
            let s = alloc::vec![Caa::new(0, "issue", v.as_bytes()).unwrap()];
            let d = Request::name(CA)
                .account_uri("a:1")
                .method("dns-01")
                .decide(&s);
            assert_eq!(
                d.reason,
                Reason::NotAuthorized {
                    refusals: alloc::vec![(0, why)]
                },
                "{v}"
            );
        }
    }

    #[test]
    fn issuemail_and_critical() {
        let s = set(&["0 issue \";\"", "128 iodef \"mailto:a@b.example\""]);
        let d = Request::email(CA).decide(&s);
        assert_eq!(
            (d.verdict, d.reason),
            (Verdict::Permit, Reason::NoRestriction)
        );
        let s = set(&["0 issuemail \"ca.example\""]);
        assert_eq!(Request::email(CA).decide(&s).verdict, Verdict::Permit);
        assert_eq!(
            Request::email(&["x.example"]).decide(&s).verdict,
            Verdict::Deny
        );
        let s = set(&["1 tbs \"x\"", "0 issue \"ca.example\""]);
        assert_eq!(Request::name(CA).decide(&s).verdict, Verdict::Permit);
        assert_eq!(
            Request::name(CA).low_bit_critical(true).decide(&s).verdict,
            Verdict::Deny
        );
        let s = set(&["128 contactemail \"a@b.example\"", "0 issue \"ca.example\""]);
        assert_eq!(Request::name(CA).decide(&s).verdict, Verdict::Deny);
        assert_eq!(
            Request::name(CA)
                .understand(&["contactemail"])
                .decide(&s)
                .verdict,
            Verdict::Permit
        );
    }
}
