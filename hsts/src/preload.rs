//! The header requirements of the HSTS preload list (hstspreload.org): `max-age` of at
//! least one year, `includeSubDomains`, `preload`, and exactly one header field.

use alloc::vec::Vec;
use core::fmt;

use crate::parse::{ParseOptions, Warning, parse_bytes};
use crate::policy::ONE_YEAR;
use crate::{Error, Policy};

/// Ten years in seconds: above this the preload list warns that the value is unusual.
pub const TEN_YEARS: u64 = 315_360_000;

/// How much a [`PreloadIssue`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Severity {
    /// The header cannot be preloaded as it is.
    Error,
    /// The header can be preloaded but something is worth fixing.
    Warning,
}

/// One finding of the preload check, with a stable code (see [`PreloadIssue::code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreloadIssue {
    /// The header value does not parse at all.
    Invalid(Error),
    /// The response carried no Strict-Transport-Security field.
    NoField,
    /// The response carried more than one Strict-Transport-Security field.
    MultipleFields {
        /// How many.
        count: usize,
    },
    /// `includeSubDomains` is missing.
    IncludeSubDomainsMissing,
    /// `preload` is missing.
    PreloadMissing,
    /// `max-age=0`: the header asks to be forgotten, which is how a site leaves the list.
    MaxAgeZero,
    /// `max-age` is below one year.
    MaxAgeBelowOneYear {
        /// The value sent.
        max_age: u64,
    },
    /// `max-age` is above ten years (a warning).
    MaxAgeOverTenYears {
        /// The value sent.
        max_age: u64,
    },
    /// A parse warning, passed on (a warning).
    Parse(Warning),
}

impl PreloadIssue {
    /// The stable code, for example `header.preloadable.preload.missing`. Parse errors
    /// and warnings keep their own codes ([`Error::code`], [`Warning::code`]).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.code(),
            Self::NoField => "response.no_header",
            Self::MultipleFields { .. } => "response.multiple_headers",
            Self::IncludeSubDomainsMissing => "header.preloadable.include_sub_domains.missing",
            Self::PreloadMissing => "header.preloadable.preload.missing",
            Self::MaxAgeZero => "header.preloadable.max_age.zero",
            Self::MaxAgeBelowOneYear { .. } => "header.preloadable.max_age.below_1_year",
            Self::MaxAgeOverTenYears { .. } => "header.preloadable.max_age.over_10_years",
            Self::Parse(w) => w.code(),
        }
    }

    /// Whether the issue blocks preloading.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Self::MaxAgeOverTenYears { .. } | Self::Parse(_) => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for PreloadIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(e) => write!(f, "the header is invalid: {e}"),
            Self::NoField => f.write_str("the response has no Strict-Transport-Security field"),
            Self::MultipleFields { count } => write!(
                f,
                "the response has {count} Strict-Transport-Security fields; send exactly one"
            ),
            Self::IncludeSubDomainsMissing => {
                f.write_str("the includeSubDomains directive is required for preloading")
            }
            Self::PreloadMissing => {
                f.write_str("the preload directive is required for preloading")
            }
            Self::MaxAgeZero => f.write_str(
                "max-age is 0, which removes the policy; preloading needs at least 31536000 (one year)",
            ),
            Self::MaxAgeBelowOneYear { max_age } => write!(
                f,
                "max-age {max_age} is below the required 31536000 seconds (one year)"
            ),
            Self::MaxAgeOverTenYears { max_age } => write!(
                f,
                "max-age {max_age} is over ten years (315360000 seconds), which is unusually long"
            ),
            Self::Parse(w) => fmt::Display::fmt(w, f),
        }
    }
}

/// What the preload check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreloadReport {
    /// The policy, when the header parsed.
    pub policy: Option<Policy>,
    /// Findings that block preloading, in a stable order.
    pub errors: Vec<PreloadIssue>,
    /// Findings that do not block preloading.
    pub warnings: Vec<PreloadIssue>,
}

impl PreloadReport {
    /// No errors: the header meets the preload list's requirements.
    #[must_use]
    pub fn is_preloadable(&self) -> bool {
        self.errors.is_empty()
    }

    fn push(&mut self, issue: PreloadIssue) {
        match issue.severity() {
            Severity::Error => self.errors.push(issue),
            Severity::Warning => self.warnings.push(issue),
        }
    }
}

impl Policy {
    /// Checks this policy against the preload list's header requirements: `max-age`
    /// at least 31536000, `includeSubDomains` and `preload`; warns above ten years.
    #[must_use]
    pub fn preload_check(&self) -> PreloadReport {
        let mut report = PreloadReport {
            policy: Some(*self),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        check_policy(self, &mut report);
        report
    }
}

fn check_policy(policy: &Policy, report: &mut PreloadReport) {
    if policy.max_age == 0 {
        report.push(PreloadIssue::MaxAgeZero);
    } else if policy.max_age < ONE_YEAR {
        report.push(PreloadIssue::MaxAgeBelowOneYear {
            max_age: policy.max_age,
        });
    } else if policy.max_age > TEN_YEARS {
        report.push(PreloadIssue::MaxAgeOverTenYears {
            max_age: policy.max_age,
        });
    }
    if !policy.include_subdomains {
        report.push(PreloadIssue::IncludeSubDomainsMissing);
    }
    if !policy.preload {
        report.push(PreloadIssue::PreloadMissing);
    }
}

/// Checks one header value against the preload list's requirements.
///
/// ```
/// let report = hostkit_hsts::preload_check("max-age=300; includeSubDomains");
/// let codes: Vec<_> = report.errors.iter().map(|e| e.code()).collect();
/// assert_eq!(codes, ["header.preloadable.max_age.below_1_year",
///                    "header.preloadable.preload.missing"]);
/// ```
#[must_use]
pub fn preload_check(value: &str) -> PreloadReport {
    preload_check_fields([value.as_bytes()])
}

/// Checks all the Strict-Transport-Security fields of one response: the preload list
/// wants exactly one, and checks the first.
#[must_use]
pub fn preload_check_fields<'a, I>(fields: I) -> PreloadReport
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut report = PreloadReport {
        policy: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut fields = fields.into_iter();
    let Some(first) = fields.next() else {
        report.push(PreloadIssue::NoField);
        return report;
    };
    let extra = fields.count();
    if extra > 0 {
        report.push(PreloadIssue::MultipleFields { count: extra + 1 });
    }
    match parse_bytes(first, &ParseOptions::new()) {
        Ok(parsed) => {
            report.policy = Some(parsed.policy);
            for w in parsed.warnings {
                report.push(PreloadIssue::Parse(w));
            }
            check_policy(&parsed.policy, &mut report);
        }
        Err(e) => report.push(PreloadIssue::Invalid(e)),
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn codes(issues: &[PreloadIssue]) -> Vec<&'static str> {
        issues.iter().map(PreloadIssue::code).collect()
    }

    #[test]
    fn preloadable_header() {
        let r = preload_check("max-age=63072000; includeSubDomains; preload");
        assert!(r.is_preloadable());
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn every_error_at_once() {
        let r = preload_check("max-age=0");
        assert_eq!(
            codes(&r.errors),
            [
                "header.preloadable.max_age.zero",
                "header.preloadable.include_sub_domains.missing",
                "header.preloadable.preload.missing"
            ]
        );
        assert!(!r.is_preloadable());
    }

    #[test]
    fn over_ten_years_warns() {
        let r = preload_check("max-age=315360001; preload; includeSubDomains");
        assert!(r.is_preloadable());
        assert_eq!(
            codes(&r.warnings),
            ["header.preloadable.max_age.over_10_years"]
        );
    }

    #[test]
    fn invalid_and_multiple() {
        let r = preload_check_fields([b"max-age".as_slice(), b"max-age=1"]);
        assert_eq!(
            codes(&r.errors),
            ["response.multiple_headers", "header.parse.max_age.no_value"]
        );
        assert_eq!(r.policy, None);
        let none = preload_check_fields(core::iter::empty());
        assert_eq!(codes(&none.errors), ["response.no_header"]);
        assert_eq!(
            PreloadIssue::MaxAgeBelowOneYear { max_age: 100 }.to_string(),
            "max-age 100 is below the required 31536000 seconds (one year)"
        );
    }
}
