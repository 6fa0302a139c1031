//! The SPF record model (RFC 7208 sections 4.6.1, 5, 6 and 12) and its canonical text.
//!
//! ```text
//! record           = version terms *SP
//! version          = "v=spf1"
//! terms            = *( 1*SP ( directive / modifier ) )
//! directive        = [ qualifier ] mechanism
//! qualifier        = "+" / "-" / "?" / "~"
//! mechanism        = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
//! modifier         = redirect / explanation / unknown-modifier
//! unknown-modifier = name "=" macro-string
//! name             = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
//! dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::macro_string::MacroString;

/// A directive's qualifier (section 4.6.2); the result when its mechanism matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Qualifier {
    /// `+` (the default): pass.
    #[default]
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

impl Qualifier {
    /// The qualifier character.
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'+' => Some(Self::Pass),
            b'-' => Some(Self::Fail),
            b'~' => Some(Self::SoftFail),
            b'?' => Some(Self::Neutral),
            _ => None,
        }
    }
}

/// The CIDR lengths of `a` and `mx` (section 5.6): `[/ip4] [//ip6]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DualCidr {
    /// IPv4 prefix length (0 to 32), `None` for 32.
    pub v4: Option<u8>,
    /// IPv6 prefix length (0 to 128), `None` for 128.
    pub v6: Option<u8>,
}

/// A mechanism (section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Mechanism {
    /// `all` (5.1): always matches.
    All,
    /// `include:domain` (5.2).
    Include(
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::domain_spec")
        )]
        MacroString,
    ),
    /// `a[:domain][/v4][//v6]` (5.3).
    A {
        /// Target, the current domain when `None`.
        #[cfg_attr(
            feature = "serde",
            serde(default, deserialize_with = "crate::macro_string::de::opt_domain_spec")
        )]
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `mx[:domain][/v4][//v6]` (5.4).
    Mx {
        /// Target, the current domain when `None`.
        #[cfg_attr(
            feature = "serde",
            serde(default, deserialize_with = "crate::macro_string::de::opt_domain_spec")
        )]
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `ptr[:domain]` (5.5), deprecated.
    Ptr(
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::opt_domain_spec")
        )]
        Option<MacroString>,
    ),
    /// `ip4:network[/len]` (5.6).
    Ip4 {
        /// The address as written.
        addr: Ipv4Addr,
        /// Prefix length, `None` for 32.
        prefix: Option<u8>,
    },
    /// `ip6:network[/len]` (5.6).
    Ip6 {
        /// The address as written.
        addr: Ipv6Addr,
        /// Prefix length, `None` for 128.
        prefix: Option<u8>,
    },
    /// `exists:domain` (5.7).
    Exists(
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::domain_spec")
        )]
        MacroString,
    ),
}

impl Mechanism {
    /// The mechanism's name, lowercase.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Include(_) => "include",
            Self::A { .. } => "a",
            Self::Mx { .. } => "mx",
            Self::Ptr(_) => "ptr",
            Self::Ip4 { .. } => "ip4",
            Self::Ip6 { .. } => "ip6",
            Self::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it costs a DNS query, and so counts against the limit of 10
    /// (section 4.6.4).
    #[must_use]
    pub const fn queries_dns(&self) -> bool {
        matches!(
            self,
            Self::Include(_) | Self::A { .. } | Self::Mx { .. } | Self::Ptr(_) | Self::Exists(_)
        )
    }
}

/// A qualifier and a mechanism.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Directive {
    /// The qualifier (`+` when none was written).
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
}

/// A modifier (section 6 and the unknown ones of section 6, kept as written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Modifier {
    /// `redirect=domain` (6.1).
    Redirect(
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::domain_spec")
        )]
        MacroString,
    ),
    /// `exp=domain` (6.2).
    Exp(
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::domain_spec")
        )]
        MacroString,
    ),
    /// Any other well-formed `name=value`; evaluation ignores it.
    Unknown {
        /// The name as written.
        name: String,
        /// The value, a macro string.
        #[cfg_attr(
            feature = "serde",
            serde(deserialize_with = "crate::macro_string::de::modifier_value")
        )]
        value: MacroString,
    },
}

/// One term of a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Term {
    /// A directive.
    Directive(Directive),
    /// A modifier.
    Modifier(Modifier),
}

/// A parsed SPF record. Parse with [`str::parse`], build with [`crate::RecordBuilder`],
/// write the canonical text with `Display` (lowercase names, one space between terms,
/// `+` omitted).
///
/// With the `serde` feature, deserializing checks what parsing checks: each macro string
/// in the grammar of its position, and `redirect=` and `exp=` at most once each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Terms"))]
pub struct Record {
    pub(crate) terms: Vec<Term>,
}

/// What a serialized [`Record`] holds, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct Terms {
    terms: Vec<Term>,
}

#[cfg(feature = "serde")]
impl TryFrom<Terms> for Record {
    type Error = crate::Error;

    fn try_from(t: Terms) -> Result<Self, Self::Error> {
        Self::from_terms(t.terms)
    }
}

impl Record {
    /// A record from its terms.
    ///
    /// # Errors
    ///
    /// [`crate::Error`] of kind `DuplicateModifier` when `redirect=` or `exp=`
    /// appears twice.
    pub fn from_terms(terms: Vec<Term>) -> Result<Self, crate::Error> {
        let mut redirect = false;
        let mut exp = false;
        for t in &terms {
            let seen = match t {
                Term::Modifier(Modifier::Redirect(_)) => &mut redirect,
                Term::Modifier(Modifier::Exp(_)) => &mut exp,
                _ => continue,
            };
            if *seen {
                return Err(crate::Error::new(
                    crate::ErrorKind::DuplicateModifier,
                    "",
                    0,
                ));
            }
            *seen = true;
        }
        Ok(Self { terms })
    }

    /// Every term, in order.
    #[must_use]
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The directives, in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> + '_ {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }

    /// The `redirect=` target.
    #[must_use]
    pub fn redirect(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Redirect(d)) => Some(d),
            _ => None,
        })
    }

    /// The `exp=` domain.
    #[must_use]
    pub fn exp(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Exp(d)) => Some(d),
            _ => None,
        })
    }

    /// Whether an `all` mechanism appears anywhere (which makes `redirect=` inert).
    #[must_use]
    pub fn has_all(&self) -> bool {
        self.directives().any(|d| d.mechanism == Mechanism::All)
    }

    /// The terms that cost a DNS query (`include a mx ptr exists` and `redirect`),
    /// counted statically in this record alone.
    #[must_use]
    pub fn dns_term_count(&self) -> usize {
        self.directives()
            .filter(|d| d.mechanism.queries_dns())
            .count()
            + usize::from(self.redirect().is_some())
    }
}

fn write_dual(f: &mut fmt::Formatter<'_>, c: &DualCidr) -> fmt::Result {
    if let Some(v4) = c.v4 {
        write!(f, "/{v4}")?;
    }
    if let Some(v6) = c.v6 {
        write!(f, "//{v6}")?;
    }
    Ok(())
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::All => Ok(()),
            Self::Include(d) | Self::Exists(d) => write!(f, ":{d}"),
            Self::A { domain, cidr } | Self::Mx { domain, cidr } => {
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                write_dual(f, cidr)
            }
            Self::Ptr(d) => match d {
                Some(d) => write!(f, ":{d}"),
                None => Ok(()),
            },
            Self::Ip4 { addr, prefix } => {
                write!(f, ":{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Self::Ip6 { addr, prefix } => {
                write!(f, ":{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
        }
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.qualifier != Qualifier::Pass {
            write!(f, "{}", self.qualifier.as_char())?;
        }
        write!(f, "{}", self.mechanism)
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Redirect(d) => write!(f, "redirect={d}"),
            Self::Exp(d) => write!(f, "exp={d}"),
            Self::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directive(d) => d.fmt(f),
            Self::Modifier(m) => m.fmt(f),
        }
    }
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for t in &self.terms {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}
