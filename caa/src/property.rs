//! The typed meaning of a record: `issue`, `issuewild`, `issuemail`, `iodef`, or a tag
//! this crate does not know.

use core::fmt;

/// What a record says, chosen by its tag (compared case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Property<'a> {
    /// `issue` (RFC 8659 section 4.2): who may issue certificates for the name.
    Issue(IssueValue<'a>),
    /// `issuewild` (RFC 8659 section 4.3): who may issue wildcard certificates.
    IssueWild(IssueValue<'a>),
    /// `issuemail` (RFC 9495): who may issue S/MIME certificates for addresses there.
    IssueMail(IssueValue<'a>),
    /// `iodef` (RFC 8659 section 4.4): where to report refused requests.
    Iodef(Iodef<'a>),
    /// Any other tag, kept as it is. A CA must refuse to issue when such a record has
    /// the critical flag (RFC 8659 section 4.1).
    Unknown {
        /// The tag as written.
        tag: &'a str,
        /// The value bytes.
        value: &'a [u8],
    },
}

impl<'a> Property<'a> {
    /// The property for a tag and value.
    #[must_use]
    pub fn new(tag: &'a str, value: &'a [u8]) -> Self {
        if tag.eq_ignore_ascii_case("issue") {
            Property::Issue(IssueValue::parse(value))
        } else if tag.eq_ignore_ascii_case("issuewild") {
            Property::IssueWild(IssueValue::parse(value))
        } else if tag.eq_ignore_ascii_case("issuemail") {
            Property::IssueMail(IssueValue::parse(value))
        } else if tag.eq_ignore_ascii_case("iodef") {
            Property::Iodef(Iodef::parse(value))
        } else {
            Property::Unknown { tag, value }
        }
    }

    /// The registered lower-case name of the property, or the tag as written for an
    /// unknown one.
    #[must_use]
    pub fn name(&self) -> &'a str {
        match self {
            Property::Issue(_) => "issue",
            Property::IssueWild(_) => "issuewild",
            Property::IssueMail(_) => "issuemail",
            Property::Iodef(_) => "iodef",
            Property::Unknown { tag, .. } => tag,
        }
    }
}

/// Where an `issue`, `issuewild` or `issuemail` value breaks the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Malformed {
    /// Byte offset in the value.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

/// The value of `issue`, `issuewild` and `issuemail` (RFC 8659 section 4.2, RFC 9495):
///
/// ```text
/// issue-value = *WSP [issuer-domain-name *WSP]
///    [";" *WSP [parameters *WSP]]
/// issuer-domain-name = label *("." label)
/// label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
/// parameters = (parameter *WSP ";" *WSP parameters) / parameter
/// parameter = tag *WSP "=" *WSP value
/// tag = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
/// value = *(%x21-3A / %x3C-7E)
/// ```
///
/// A value outside the grammar is not an error: it forbids issuance like an empty
/// issuer does (RFC 8659 section 4.2), and [`malformed`](Self::malformed) says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IssueValue<'a> {
    raw: &'a [u8],
    parsed: Result<(Option<&'a str>, &'a str), Malformed>,
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_wsp(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_wsp(b[i]) {
        i += 1;
    }
    i
}

/// `label` (and parameter `tag`): letters, digits and inner hyphens.
fn label(b: &[u8], i: usize) -> Result<usize, Malformed> {
    if i >= b.len() || !b[i].is_ascii_alphanumeric() {
        return Err(Malformed {
            offset: i,
            reason: "expected a letter or digit",
        });
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
        j += 1;
    }
    if b[j - 1] == b'-' {
        return Err(Malformed {
            offset: j - 1,
            reason: "hyphen at the end of a label",
        });
    }
    Ok(j)
}

fn domain(b: &[u8], i: usize) -> Result<usize, Malformed> {
    let mut j = label(b, i)?;
    while j < b.len() && b[j] == b'.' {
        j = label(b, j + 1)?;
    }
    Ok(j)
}

fn bad(offset: usize, reason: &'static str) -> Malformed {
    Malformed { offset, reason }
}

fn parse_issue(b: &[u8]) -> Result<(usize, usize, usize, usize), Malformed> {
    let n = b.len();
    let mut i = skip_wsp(b, 0);
    let mut issuer = (0, 0);
    if i < n && b[i].is_ascii_alphanumeric() {
        let end = domain(b, i)?;
        issuer = (i, end);
        i = skip_wsp(b, end);
    }
    if i == n {
        return Ok((issuer.0, issuer.1, n, n));
    }
    if b[i] != b';' {
        let reason = if issuer.1 > 0 {
            "expected ';' after the issuer domain name"
        } else {
            "expected an issuer domain name or ';'"
        };
        return Err(bad(i, reason));
    }
    i = skip_wsp(b, i + 1);
    let params_start = i;
    if i == n {
        return Ok((issuer.0, issuer.1, n, n));
    }
    loop {
        let tag_end = label(b, i)?;
        i = skip_wsp(b, tag_end);
        if i == n || b[i] != b'=' {
            return Err(bad(i, "expected '=' after the parameter tag"));
        }
        i = skip_wsp(b, i + 1);
        while i < n && matches!(b[i], 0x21..=0x3a | 0x3c..=0x7e) {
            i += 1;
        }
        let value_end = i;
        i = skip_wsp(b, i);
        if i == n {
            return Ok((issuer.0, issuer.1, params_start, value_end));
        }
        if b[i] != b';' {
            return Err(bad(i, "unexpected byte in a parameter value"));
        }
        i = skip_wsp(b, i + 1);
        if i == n {
            return Err(bad(i, "';' after the last parameter"));
        }
    }
}

impl<'a> IssueValue<'a> {
    /// Read a value against the grammar; never fails.
    #[must_use]
    pub fn parse(raw: &'a [u8]) -> Self {
        let parsed = parse_issue(raw).and_then(|(is, ie, ps, pe)| {
            // Every byte the grammar accepted is ASCII.
            let text = |s: usize, e: usize| {
                core::str::from_utf8(&raw[s..e]).map_err(|_| bad(s, "not ASCII"))
            };
            let issuer = if ie > is { Some(text(is, ie)?) } else { None };
            Ok((issuer, text(ps, pe)?))
        });
        IssueValue { raw, parsed }
    }

    /// The value bytes as written.
    #[must_use]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the value follows the grammar.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        self.parsed.is_ok()
    }

    /// Where and why the value breaks the grammar, if it does.
    #[must_use]
    pub fn malformed(&self) -> Option<Malformed> {
        self.parsed.err()
    }

    /// The issuer domain name; `None` when it is empty (`";"`, `""`: no CA may issue)
    /// or when the value is malformed.
    #[must_use]
    pub fn issuer(&self) -> Option<&'a str> {
        self.parsed.ok().and_then(|(i, _)| i)
    }

    /// The parameters in order (none when the value is malformed).
    #[must_use]
    pub fn parameters(&self) -> Parameters<'a> {
        Parameters {
            rest: self.parsed.map(|(_, p)| p).unwrap_or_default(),
        }
    }

    /// The value of the first parameter whose tag matches `tag` case-insensitively.
    #[must_use]
    pub fn parameter(&self, tag: &str) -> Option<&'a str> {
        self.parameters()
            .find(|p| p.tag.eq_ignore_ascii_case(tag))
            .map(|p| p.value)
    }
}

/// One `tag=value` parameter of an issue value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameter<'a> {
    /// The tag as written.
    pub tag: &'a str,
    /// The value (may be empty).
    pub value: &'a str,
}

/// The parameters of an [`IssueValue`], read lazily.
#[derive(Debug, Clone)]
pub struct Parameters<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Parameters<'a> {
    type Item = Parameter<'a>;

    fn next(&mut self) -> Option<Parameter<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        // The text was checked against the grammar: no ';' inside a parameter.
        let (one, rest) = self.rest.split_once(';').unwrap_or((self.rest, ""));
        self.rest = rest;
        let (tag, value) = one.split_once('=').unwrap_or((one, ""));
        let trim = |s: &'a str| s.trim_matches(|c| c == ' ' || c == '\t');
        Some(Parameter {
            tag: trim(tag),
            value: trim(value),
        })
    }
}

/// The `iodef` value (RFC 8659 section 4.4): where a CA may report refused requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Iodef<'a> {
    /// `mailto:` with the address after the scheme.
    Mailto(&'a str),
    /// An `http:` URL (RFC 6546 web service).
    Http(&'a str),
    /// An `https:` URL (RFC 6546 web service).
    Https(&'a str),
    /// Anything else: another scheme or not a URL.
    Unsupported(&'a [u8]),
}

impl<'a> Iodef<'a> {
    /// Read an iodef value; never fails.
    #[must_use]
    pub fn parse(raw: &'a [u8]) -> Self {
        let Ok(s) = core::str::from_utf8(raw) else {
            return Iodef::Unsupported(raw);
        };
        if s.is_empty() || !s.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Iodef::Unsupported(raw);
        }
        let Some((scheme, rest)) = s.split_once(':') else {
            return Iodef::Unsupported(raw);
        };
        if scheme.eq_ignore_ascii_case("mailto") {
            match rest.rsplit_once('@') {
                Some((local, host)) if !local.is_empty() && !host.is_empty() => Iodef::Mailto(rest),
                _ => Iodef::Unsupported(raw),
            }
        } else if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
            let host = rest
                .strip_prefix("//")
                .map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
            match host {
                Some(h) if !h.is_empty() => {
                    if scheme.len() == 4 {
                        Iodef::Http(s)
                    } else {
                        Iodef::Https(s)
                    }
                }
                _ => Iodef::Unsupported(raw),
            }
        } else {
            Iodef::Unsupported(raw)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);

    fn iv(s: &str) -> IssueValue<'_> {
        IssueValue::parse(s.as_bytes())
    }

    #[test]
    fn grammar_table() {
        // (value, well formed, issuer, parameters)
        let ok: &[Case<'_>] = &[
            (
                "ca.example; account=123",
                Some("ca.example"),
                &[("account", "123")],
            ),
            (";", None, &[]),
            ("", None, &[]),
            ("  ca.example  ", Some("ca.example"), &[]),
            ("ca.example ; ", Some("ca.example"), &[]),
            ("ca.example;", Some("ca.example"), &[]),
            ("ca.example; a = b", Some("ca.example"), &[("a", "b")]),
            (
                "ca.example;a=;b=1",
                Some("ca.example"),
                &[("a", ""), ("b", "1")],
            ),
            ("ca.example; a-b=c", Some("ca.example"), &[("a-b", "c")]),
            ("ca--x.example", Some("ca--x.example"), &[]),
            ("; a=b", None, &[("a", "b")]),
            ("ca.example; a==b", Some("ca.example"), &[("a", "=b")]),
        ];
        for (v, issuer, params) in ok {
            let p = iv(v);
            assert!(p.is_well_formed(), "{v:?}: {:?}", p.malformed());
            assert_eq!(p.issuer(), *issuer, "{v:?}");
            let got: Vec<_> = p.parameters().map(|p| (p.tag, p.value)).collect();
            assert_eq!(got, *params, "{v:?}");
        }
        for v in [
            "ca.example; a=b;",
            "ca.example.",
            "ca.example; a=b c",
            "ca.example; a_b=c",
            "ca.example; -a=b",
            "-ca.example",
            "%%%%%",
            "ca-.example",
            "ca.example; a",
            "ca example",
            "ca.example; a=\u{2615}",
            "<script>alert('Wheeeeee')</script>",
        ] {
            let p = iv(v);
            assert!(!p.is_well_formed(), "{v:?}");
            assert_eq!(p.issuer(), None);
            assert_eq!(p.parameters().count(), 0);
        }
    }

    #[test]
    fn parameter_lookup_is_case_insensitive() {
        let p = iv("ca.example; AccountURI=https://ca.example/1");
        assert_eq!(p.parameter("accounturi"), Some("https://ca.example/1"));
    }

    #[test]
    fn iodef() {
        assert_eq!(
            Iodef::parse(b"mailto:security@example.com"),
            Iodef::Mailto("security@example.com")
        );
        assert_eq!(
            Iodef::parse(b"https://iodef.example/x"),
            Iodef::Https("https://iodef.example/x")
        );
        assert_eq!(Iodef::parse(b"HTTP://a"), Iodef::Http("HTTP://a"));
        for bad in ["mailto:nobody", "ftp://x", "https://", "not a url", ""] {
            assert!(matches!(
                Iodef::parse(bad.as_bytes()),
                Iodef::Unsupported(_)
            ));
        }
    }

    #[test]
    fn tags_case_insensitive() {
        assert!(matches!(Property::new("IsSuE", b"x"), Property::Issue(_)));
        assert!(matches!(
            Property::new("ISSUEWILD", b"x"),
            Property::IssueWild(_)
        ));
        assert!(matches!(
            Property::new("issuemail", b"x"),
            Property::IssueMail(_)
        ));
        assert_eq!(Property::new("tbs", b"x").name(), "tbs");
    }
}
