//! Lint: non-fatal oddities of a record, as warnings with stable codes.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::record::{Mechanism, Modifier, Qualifier, Record, Term};

/// A warning's stable code. The `SPFnnn` text never changes meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum WarningCode {
    /// `SPF001`: more than 10 DNS-querying terms (section 4.6.4), counted in the record
    /// alone, or across the include/redirect tree once evaluated.
    TooManyLookups,
    /// `SPF002`: `ptr` is used; it SHOULD NOT be published (section 5.5).
    PtrUsed,
    /// `SPF003`: `+all` or `?all` lets anyone pass or stay neutral.
    PermissiveAll,
    /// `SPF004`: `redirect=` beside `all`: the redirect is never used (section 6.1).
    RedirectWithAll,
    /// `SPF005`: directives after `all` are never evaluated (section 4.6.2).
    TermsAfterAll,
    /// `SPF006`: neither `all` nor `redirect=`: the default result is neutral (4.7).
    NoAllNoRedirect,
    /// `SPF007`: the record is close to the 512-octet UDP answer limit (section 3.4).
    NearUdpLimit,
    /// `SPF008`: more than 2 void lookups were seen (section 4.6.4).
    VoidLookups,
    /// `SPF009`: a deprecated form (the `default=` modifier of early drafts).
    Deprecated,
}

impl WarningCode {
    /// The stable code, `SPF001` to `SPF009`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::TooManyLookups => "SPF001",
            Self::PtrUsed => "SPF002",
            Self::PermissiveAll => "SPF003",
            Self::RedirectWithAll => "SPF004",
            Self::TermsAfterAll => "SPF005",
            Self::NoAllNoRedirect => "SPF006",
            Self::NearUdpLimit => "SPF007",
            Self::VoidLookups => "SPF008",
            Self::Deprecated => "SPF009",
        }
    }
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Warning {
    /// The stable code.
    pub code: WarningCode,
    /// The term concerned, in canonical form, if one is.
    pub term: Option<String>,
    /// A lowercase explanation.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.code(), self.message)?;
        if let Some(t) = &self.term {
            write!(f, " ({t})")?;
        }
        Ok(())
    }
}

/// The octet count above which [`WarningCode::NearUdpLimit`] is raised.
pub const NEAR_UDP_LIMIT: usize = 450;

fn warn(code: WarningCode, term: Option<&Term>, message: &str) -> Warning {
    Warning {
        code,
        term: term.map(ToString::to_string),
        message: String::from(message),
    }
}

/// Lint one record on its own. The lookup count here is static: the terms of this
/// record, not those of its includes; [`lint_evaluation`] counts the whole tree.
#[must_use]
pub fn lint(record: &Record) -> Vec<Warning> {
    let mut out = Vec::new();
    let lookups = record.dns_term_count();
    if lookups > 10 {
        out.push(Warning {
            code: WarningCode::TooManyLookups,
            term: None,
            message: alloc::format!("{lookups} dns-querying terms, the limit is 10"),
        });
    }
    let mut all_at = None;
    for (i, t) in record.terms().iter().enumerate() {
        match t {
            Term::Directive(d) => {
                if all_at.is_some() {
                    out.push(warn(
                        WarningCode::TermsAfterAll,
                        Some(t),
                        "directive after all is never evaluated",
                    ));
                }
                match d.mechanism {
                    Mechanism::Ptr(_) => out.push(warn(
                        WarningCode::PtrUsed,
                        Some(t),
                        "ptr is slow and should not be published",
                    )),
                    Mechanism::All => {
                        if matches!(d.qualifier, Qualifier::Pass | Qualifier::Neutral) {
                            out.push(warn(
                                WarningCode::PermissiveAll,
                                Some(t),
                                "all with + or ? authorizes or tolerates every host",
                            ));
                        }
                        all_at.get_or_insert(i);
                    }
                    _ => {}
                }
            }
            Term::Modifier(Modifier::Unknown { name, .. })
                if name.eq_ignore_ascii_case("default") =>
            {
                out.push(warn(
                    WarningCode::Deprecated,
                    Some(t),
                    "default= is obsolete and ignored",
                ));
            }
            Term::Modifier(_) => {}
        }
    }
    if all_at.is_some() && record.redirect().is_some() {
        out.push(warn(
            WarningCode::RedirectWithAll,
            None,
            "redirect= is ignored when the record has all",
        ));
    }
    if all_at.is_none() && record.redirect().is_none() {
        out.push(warn(
            WarningCode::NoAllNoRedirect,
            None,
            "no all and no redirect: unmatched mail is neutral",
        ));
    }
    let len = record.to_string().len();
    if len > NEAR_UDP_LIMIT {
        out.push(Warning {
            code: WarningCode::NearUdpLimit,
            term: None,
            message: alloc::format!("{len} octets, near the 512-octet udp answer limit"),
        });
    }
    out
}

/// Lint what an evaluation saw: the exact lookup count across includes and redirects,
/// and the void lookups.
#[must_use]
pub fn lint_evaluation(outcome: &crate::eval::Outcome) -> Vec<Warning> {
    let mut out = Vec::new();
    if outcome.lookups > 10 {
        out.push(Warning {
            code: WarningCode::TooManyLookups,
            term: None,
            message: alloc::format!(
                "{} dns-querying terms across includes, the limit is 10",
                outcome.lookups
            ),
        });
    }
    if outcome.void_lookups > 2 {
        out.push(Warning {
            code: WarningCode::VoidLookups,
            term: None,
            message: alloc::format!("{} void lookups, the limit is 2", outcome.void_lookups),
        });
    }
    out
}
