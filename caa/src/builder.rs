//! Building the CAA records a hosting panel publishes.

use alloc::string::String;
use alloc::vec::Vec;

use crate::property::{Iodef, IssueValue};
use crate::record::FLAG_CRITICAL;
use crate::{Caa, Error};

/// Records for a name, one call per property, checked as they are added.
///
/// ```
/// use hostkit_caa::Builder;
///
/// let records = Builder::new()
///     .issue("letsencrypt.org")
///     .issue_with("ca.example", &[("accounturi", "https://ca.example/acct/7")])
///     .deny_wildcard()
///     .iodef("mailto:security@example.com")
///     .build()
///     .unwrap();
/// let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
/// assert_eq!(text, [
///     "0 issue \"letsencrypt.org\"",
///     "0 issue \"ca.example; accounturi=https://ca.example/acct/7\"",
///     "0 issuewild \";\"",
///     "0 iodef \"mailto:security@example.com\"",
/// ]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    records: Vec<Caa>,
    error: Option<Error>,
}

impl Builder {
    /// No records yet.
    #[must_use]
    pub fn new() -> Self {
        Builder::default()
    }

    fn push(mut self, r: Result<Caa, Error>) -> Self {
        match r {
            Ok(c) => self.records.push(c),
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(e);
                }
            }
        }
        self
    }

    fn issue_value(ca: &str, params: &[(&str, &str)]) -> Result<String, Error> {
        let mut v = String::from(ca);
        for (tag, value) in params {
            v.push_str("; ");
            v.push_str(tag);
            v.push('=');
            v.push_str(value);
        }
        let parsed = IssueValue::parse(v.as_bytes());
        if let Some(m) = parsed.malformed() {
            return Err(Error::InvalidValue {
                what: "issue value",
                value: v,
                offset: m.offset,
            });
        }
        if parsed.issuer().is_none() {
            return Err(Error::InvalidValue {
                what: "issuer domain name",
                value: v,
                offset: 0,
            });
        }
        Ok(v)
    }

    fn tagged(self, tag: &str, ca: &str, params: &[(&str, &str)]) -> Self {
        let r = Builder::issue_value(ca, params).and_then(|v| Caa::new(0, tag, v));
        self.push(r)
    }

    /// `issue` for one CA.
    #[must_use]
    pub fn issue(self, ca: &str) -> Self {
        self.tagged("issue", ca, &[])
    }

    /// `issue` for one CA with parameters such as `accounturi` and
    /// `validationmethods` (RFC 8657).
    #[must_use]
    pub fn issue_with(self, ca: &str, params: &[(&str, &str)]) -> Self {
        self.tagged("issue", ca, params)
    }

    /// `issuewild` for one CA.
    #[must_use]
    pub fn issuewild(self, ca: &str) -> Self {
        self.tagged("issuewild", ca, &[])
    }

    /// `issuewild` for one CA with parameters.
    #[must_use]
    pub fn issuewild_with(self, ca: &str, params: &[(&str, &str)]) -> Self {
        self.tagged("issuewild", ca, params)
    }

    /// `issuemail` for one CA (RFC 9495).
    #[must_use]
    pub fn issuemail(self, ca: &str) -> Self {
        self.tagged("issuemail", ca, &[])
    }

    /// `issue ";"`: no CA may issue (unless another `issue` record names one).
    #[must_use]
    pub fn deny_issue(self) -> Self {
        self.push(Caa::new(0, "issue", ";"))
    }

    /// `issuewild ";"`: no CA may issue wildcard certificates.
    #[must_use]
    pub fn deny_wildcard(self) -> Self {
        self.push(Caa::new(0, "issuewild", ";"))
    }

    /// `iodef` with a `mailto:`, `http:` or `https:` URL.
    #[must_use]
    pub fn iodef(self, url: &str) -> Self {
        let r = match Iodef::parse(url.as_bytes()) {
            Iodef::Unsupported(_) => Err(Error::InvalidValue {
                what: "iodef URL",
                value: String::from(url),
                offset: 0,
            }),
            _ => Caa::new(0, "iodef", url),
        };
        self.push(r)
    }

    /// Set the critical flag on the last record added.
    #[must_use]
    pub fn critical(mut self) -> Self {
        if let Some(last) = self.records.pop() {
            let r = Caa::new(
                last.flags() | FLAG_CRITICAL,
                last.tag(),
                last.value().to_vec(),
            );
            return self.push(r);
        }
        self
    }

    /// The records, in the order added.
    ///
    /// # Errors
    ///
    /// The first [`Error::InvalidValue`] met: an issuer that is not a domain name, a
    /// parameter outside the grammar, an iodef URL that is not `mailto:`, `http:` or
    /// `https:`.
    pub fn build(self) -> Result<Vec<Caa>, Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.records),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn rejects_bad_input() {
        assert!(Builder::new().issue("ca.example.").build().is_err());
        assert!(Builder::new().issue("").build().is_err());
        assert!(
            Builder::new()
                .issue_with("ca.example", &[("a b", "c")])
                .build()
                .is_err()
        );
        assert!(
            Builder::new()
                .issue_with("ca.example", &[("a", "b;c")])
                .build()
                .is_err()
        );
        assert!(Builder::new().iodef("ftp://x").build().is_err());
        let r = Builder::new()
            .issue("ca.example")
            .critical()
            .build()
            .unwrap();
        assert_eq!(r[0].to_string(), "128 issue \"ca.example\"");
    }
}
