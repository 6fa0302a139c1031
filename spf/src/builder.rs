//! Assembling records in code: the "one-click SPF" of a hosting panel.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, ErrorKind};
use crate::macro_string::{self, Context, MacroString};
use crate::record::{Directive, DualCidr, Mechanism, Modifier, Qualifier, Record, Term};

/// Builds a [`Record`] term by term; the first invalid piece is reported by
/// [`RecordBuilder::build`].
///
/// ```
/// use hostkit_spf::{Qualifier, RecordBuilder};
/// let record = RecordBuilder::new()
///     .mx()
///     .ip4("192.0.2.0".parse().unwrap(), Some(24))
///     .include("_spf.example.net")
///     .all(Qualifier::SoftFail)
///     .build()
///     .unwrap();
/// assert_eq!(record.to_string(), "v=spf1 mx ip4:192.0.2.0/24 include:_spf.example.net ~all");
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct RecordBuilder {
    terms: Vec<Term>,
    error: Option<Error>,
}

impl RecordBuilder {
    /// An empty record (`v=spf1`).
    pub fn new() -> Self {
        Self::default()
    }

    fn domain(&mut self, spec: &str) -> Option<MacroString> {
        match MacroString::domain_spec(spec) {
            Ok(m) => Some(m),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }

    fn cidr(&mut self, v: Option<u8>, max: u8, what: &str) -> Option<u8> {
        if v.is_some_and(|l| l > max) {
            self.error
                .get_or_insert_with(|| Error::new(ErrorKind::InvalidCidr, what, 0));
        }
        v
    }

    /// Add a directive as is.
    pub fn directive(mut self, qualifier: Qualifier, mechanism: Mechanism) -> Self {
        self.terms.push(Term::Directive(Directive {
            qualifier,
            mechanism,
        }));
        self
    }

    /// `a` for the current domain.
    pub fn a(self) -> Self {
        self.directive(
            Qualifier::Pass,
            Mechanism::A {
                domain: None,
                cidr: DualCidr::default(),
            },
        )
    }

    /// `mx` for the current domain.
    pub fn mx(self) -> Self {
        self.directive(
            Qualifier::Pass,
            Mechanism::Mx {
                domain: None,
                cidr: DualCidr::default(),
            },
        )
    }

    /// `a:domain` with optional prefix lengths.
    pub fn a_domain(mut self, domain: &str, v4: Option<u8>, v6: Option<u8>) -> Self {
        let (v4, v6) = (self.cidr(v4, 32, domain), self.cidr(v6, 128, domain));
        match self.domain(domain) {
            Some(d) => self.directive(
                Qualifier::Pass,
                Mechanism::A {
                    domain: Some(d),
                    cidr: DualCidr { v4, v6 },
                },
            ),
            None => self,
        }
    }

    /// `mx:domain` with optional prefix lengths.
    pub fn mx_domain(mut self, domain: &str, v4: Option<u8>, v6: Option<u8>) -> Self {
        let (v4, v6) = (self.cidr(v4, 32, domain), self.cidr(v6, 128, domain));
        match self.domain(domain) {
            Some(d) => self.directive(
                Qualifier::Pass,
                Mechanism::Mx {
                    domain: Some(d),
                    cidr: DualCidr { v4, v6 },
                },
            ),
            None => self,
        }
    }

    /// `ip4:addr[/prefix]`.
    pub fn ip4(mut self, addr: Ipv4Addr, prefix: Option<u8>) -> Self {
        let prefix = self.cidr(prefix, 32, "ip4");
        self.directive(Qualifier::Pass, Mechanism::Ip4 { addr, prefix })
    }

    /// `ip6:addr[/prefix]`.
    pub fn ip6(mut self, addr: Ipv6Addr, prefix: Option<u8>) -> Self {
        let prefix = self.cidr(prefix, 128, "ip6");
        self.directive(Qualifier::Pass, Mechanism::Ip6 { addr, prefix })
    }

    /// `include:domain`.
    pub fn include(mut self, domain: &str) -> Self {
        match self.domain(domain) {
            Some(d) => self.directive(Qualifier::Pass, Mechanism::Include(d)),
            None => self,
        }
    }

    /// `exists:domain`.
    pub fn exists(mut self, domain: &str) -> Self {
        match self.domain(domain) {
            Some(d) => self.directive(Qualifier::Pass, Mechanism::Exists(d)),
            None => self,
        }
    }

    /// The closing `all` with its qualifier (`-all`, `~all`, ...).
    pub fn all(self, qualifier: Qualifier) -> Self {
        self.directive(qualifier, Mechanism::All)
    }

    /// `redirect=domain`.
    pub fn redirect(mut self, domain: &str) -> Self {
        if let Some(d) = self.domain(domain) {
            self.terms.push(Term::Modifier(Modifier::Redirect(d)));
        }
        self
    }

    /// `exp=domain`.
    pub fn exp(mut self, domain: &str) -> Self {
        if let Some(d) = self.domain(domain) {
            self.terms.push(Term::Modifier(Modifier::Exp(d)));
        }
        self
    }

    /// Any other modifier, `name=value`.
    pub fn modifier(mut self, name: &str, value: &str) -> Self {
        if name.eq_ignore_ascii_case("redirect") {
            return self.redirect(value);
        }
        if name.eq_ignore_ascii_case("exp") {
            return self.exp(value);
        }
        let name_ok = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
        if !name_ok {
            self.error
                .get_or_insert_with(|| Error::new(ErrorKind::InvalidModifierName, name, 0));
            return self;
        }
        if let Err((k, o)) = macro_string::check(value.as_bytes(), Context::Modifier) {
            self.error.get_or_insert_with(|| Error::new(k, value, o));
            return self;
        }
        self.terms.push(Term::Modifier(Modifier::Unknown {
            name: String::from(name),
            value: MacroString::from_validated(value),
        }));
        self
    }

    /// The record.
    ///
    /// # Errors
    ///
    /// The first invalid domain-spec, prefix length or modifier given, or
    /// `DuplicateModifier` for a second `redirect=`/`exp=`.
    pub fn build(self) -> Result<Record, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        Record::from_terms(self.terms)
    }
}
