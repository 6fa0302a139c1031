//! The record parser (RFC 7208 sections 4.5, 4.6.1, 5, 6, 7.1 and 12).

use core::net::{Ipv4Addr, Ipv6Addr};
use core::str::FromStr;

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind};
use crate::macro_string::{self, Context, MacroString};
use crate::record::{Directive, DualCidr, Mechanism, Modifier, Qualifier, Record, Term};

/// Whether `txt` is an SPF version 1 record: `v=spf1` (any case) followed by a space
/// or the end (section 4.5).
#[must_use]
pub fn is_spf_record(txt: &[u8]) -> bool {
    txt.len() >= 6 && txt[..6].eq_ignore_ascii_case(b"v=spf1") && (txt.len() == 6 || txt[6] == b' ')
}

impl FromStr for Record {
    type Err = Error;

    /// Parse a record strictly: any syntax error anywhere makes the whole record
    /// invalid (section 4.6).
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_record(s)
    }
}

fn err(kind: ErrorKind, term: &str, offset: usize) -> Error {
    Error::new(kind, term, offset)
}

pub(crate) fn parse_record(s: &str) -> Result<Record, Error> {
    let b = s.as_bytes();
    if !is_spf_record(b) {
        let end = b.iter().position(|&c| c == b' ').unwrap_or(b.len());
        return Err(err(ErrorKind::NotSpf, &s[..end], 0));
    }
    if let Some(i) = b.iter().position(|&c| !(0x20..=0x7e).contains(&c)) {
        let start = b[..i].iter().rposition(|&c| c == b' ').map_or(0, |p| p + 1);
        let end = b[i..]
            .iter()
            .position(|&c| c == b' ')
            .map_or(b.len(), |p| i + p);
        // Slice on char boundaries: widen to the whole term (spaces are ASCII).
        return Err(err(ErrorKind::NonAscii, s.get(start..end).unwrap_or(""), i));
    }
    let mut terms = Vec::with_capacity(b.iter().filter(|&&c| c == b' ').count());
    let mut pos = 6;
    let mut redirect = false;
    let mut exp = false;
    while pos < b.len() {
        if b[pos] == b' ' {
            pos += 1;
            continue;
        }
        let end = b[pos..]
            .iter()
            .position(|&c| c == b' ')
            .map_or(b.len(), |p| pos + p);
        let term = parse_term(&s[pos..end], pos)?;
        if let Term::Modifier(m) = &term {
            let seen = match m {
                Modifier::Redirect(_) => Some(&mut redirect),
                Modifier::Exp(_) => Some(&mut exp),
                Modifier::Unknown { .. } => None,
            };
            if let Some(seen) = seen {
                if *seen {
                    return Err(err(ErrorKind::DuplicateModifier, &s[pos..end], pos));
                }
                *seen = true;
            }
        }
        terms.push(term);
        pos = end;
    }
    Ok(Record { terms })
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Parse one term; `at` is its offset in the record.
pub(crate) fn parse_term(t: &str, at: usize) -> Result<Term, Error> {
    let b = t.as_bytes();
    let (qualifier, explicit, body_at) = match Qualifier::from_byte(b[0]) {
        Some(q) => (q, true, 1),
        None => (Qualifier::Pass, false, 0),
    };
    let body = &b[body_at..];
    let name_len = body
        .iter()
        .position(|&c| !is_name_byte(c))
        .unwrap_or(body.len());
    let name = &body[..name_len];
    let rest = &body[name_len..];
    if !explicit && rest.first() == Some(&b'=') {
        return parse_modifier(t, name_len, at).map(Term::Modifier);
    }
    let mech_len = name
        .iter()
        .position(|&c| c == b'.' || c == b'-' || c == b'_')
        .unwrap_or(name.len());
    let (name, rest) = (&body[..mech_len], &body[mech_len..]);
    let rest_at = at + body_at + mech_len;
    let rest_str = &t[body_at + mech_len..];
    let lower = |n: &[u8], w: &[u8]| n.eq_ignore_ascii_case(w);
    let mechanism = if lower(name, b"all") {
        if !rest.is_empty() {
            return Err(err(ErrorKind::UnexpectedArgument, t, rest_at));
        }
        Mechanism::All
    } else if lower(name, b"include") {
        Mechanism::Include(required_domain(t, rest_str, rest_at)?)
    } else if lower(name, b"exists") {
        Mechanism::Exists(required_domain(t, rest_str, rest_at)?)
    } else if lower(name, b"a") || lower(name, b"mx") {
        let (spec, cidr) = split_dual_cidr(t, rest_str, rest_at)?;
        let domain = optional_domain(t, spec, rest_at)?;
        if lower(name, b"a") {
            Mechanism::A { domain, cidr }
        } else {
            Mechanism::Mx { domain, cidr }
        }
    } else if lower(name, b"ptr") {
        if rest.first() == Some(&b'/') {
            return Err(err(ErrorKind::UnexpectedArgument, t, rest_at));
        }
        Mechanism::Ptr(optional_domain(t, rest_str, rest_at)?)
    } else if lower(name, b"ip4") || lower(name, b"ip6") {
        let Some(value) = rest_str.strip_prefix(':') else {
            let kind = if lower(name, b"ip4") {
                ErrorKind::InvalidIp4
            } else {
                ErrorKind::InvalidIp6
            };
            return Err(err(kind, t, rest_at));
        };
        let value_at = rest_at + 1;
        let (net, len) = match value.find('/') {
            Some(i) => (&value[..i], Some((&value[i + 1..], value_at + i + 1))),
            None => (value, None),
        };
        if lower(name, b"ip4") {
            let addr = parse_ip4(net).ok_or_else(|| err(ErrorKind::InvalidIp4, t, value_at))?;
            let prefix = len.map(|(l, o)| cidr_len(l, 32, t, o)).transpose()?;
            Mechanism::Ip4 { addr, prefix }
        } else {
            let addr =
                Ipv6Addr::from_str(net).map_err(|_| err(ErrorKind::InvalidIp6, t, value_at))?;
            let prefix = len.map(|(l, o)| cidr_len(l, 128, t, o)).transpose()?;
            Mechanism::Ip6 { addr, prefix }
        }
    } else {
        return Err(err(ErrorKind::UnknownTerm, t, at));
    };
    Ok(Term::Directive(Directive {
        qualifier,
        mechanism,
    }))
}

/// Dotted quad with no leading zeros, exactly four parts (section 5.6).
fn parse_ip4(s: &str) -> Option<Ipv4Addr> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return None;
    }
    Ipv4Addr::from_str(s).ok()
}

fn parse_modifier(t: &str, name_len: usize, at: usize) -> Result<Modifier, Error> {
    let name = &t[..name_len];
    if !name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(err(ErrorKind::InvalidModifierName, t, at));
    }
    let value = &t[name_len + 1..];
    let value_at = at + name_len + 1;
    if name.eq_ignore_ascii_case("redirect") || name.eq_ignore_ascii_case("exp") {
        let spec = domain_spec(t, value, value_at)?;
        return Ok(if name.eq_ignore_ascii_case("redirect") {
            Modifier::Redirect(spec)
        } else {
            Modifier::Exp(spec)
        });
    }
    macro_string::check(value.as_bytes(), Context::Modifier)
        .map_err(|(k, o)| err(k, t, value_at + o))?;
    Ok(Modifier::Unknown {
        name: String::from(name),
        value: MacroString::from_validated(value),
    })
}

fn domain_spec(t: &str, spec: &str, at: usize) -> Result<MacroString, Error> {
    macro_string::check_domain_spec(spec.as_bytes()).map_err(|(k, o)| err(k, t, at + o))?;
    Ok(MacroString::from_validated(spec))
}

/// `":" domain-spec`, required.
fn required_domain(t: &str, rest: &str, at: usize) -> Result<MacroString, Error> {
    match rest.strip_prefix(':') {
        Some(spec) => domain_spec(t, spec, at + 1),
        None if rest.is_empty() => Err(err(ErrorKind::MissingDomain, t, at)),
        None => Err(err(ErrorKind::UnexpectedArgument, t, at)),
    }
}

/// `[ ":" domain-spec ]`.
fn optional_domain(t: &str, rest: &str, at: usize) -> Result<Option<MacroString>, Error> {
    if rest.is_empty() {
        return Ok(None);
    }
    required_domain(t, rest, at).map(Some)
}

/// Split `[":" domain-spec] [ "/" v4 ] [ "//" v6 ]` from the end; returns the domain
/// part (with its colon) and the lengths.
fn split_dual_cidr<'a>(t: &str, rest: &'a str, at: usize) -> Result<(&'a str, DualCidr), Error> {
    let mut s = rest;
    let mut cidr = DualCidr::default();
    if let Some((head, digits)) = cidr_suffix(s)
        && let Some(h) = head.strip_suffix('/')
    {
        cidr.v6 = Some(cidr_len(digits, 128, t, at + head.len() + 1)?);
        s = h;
    }
    if let Some((head, digits)) = cidr_suffix(s) {
        cidr.v4 = Some(cidr_len(digits, 32, t, at + head.len() + 1)?);
        s = head;
    }
    if !s.is_empty() && !s.starts_with(':') {
        return Err(err(ErrorKind::InvalidCidr, t, at));
    }
    Ok((s, cidr))
}

/// `.../digits` at the end: the part before the slash and the digits (maybe empty).
fn cidr_suffix(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let n = b.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let slash = b.len().checked_sub(n + 1)?;
    (b[slash] == b'/').then(|| (&s[..slash], &s[slash + 1..]))
}

/// `"0" / %x31-39 0*2DIGIT`, at most `max`.
fn cidr_len(d: &str, max: u8, t: &str, at: usize) -> Result<u8, Error> {
    let b = d.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 3
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1);
    let v = if ok { d.parse::<u16>().ok() } else { None };
    match v {
        Some(v) if v <= u16::from(max) => Ok(v as u8),
        _ => Err(err(ErrorKind::InvalidCidr, t, at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn ok(s: &str) -> Record {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn bad(s: &str) -> ErrorKind {
        s.parse::<Record>().expect_err(s).kind
    }

    #[test]
    fn canonical() {
        let r = ok("V=SPF1  +MX   Include:_spf.Example.com -ALL ");
        assert_eq!(r.to_string(), "v=spf1 mx include:_spf.Example.com -all");
        let r = ok(
            "v=spf1 a/24//64 mx:a:b.example.com//0 ip4:192.0.2.0/24 ip6:2001:DB8::/32 ptr ~all exp=x.%{d} ra=foo",
        );
        assert_eq!(
            r.to_string(),
            "v=spf1 a/24//64 mx:a:b.example.com//0 ip4:192.0.2.0/24 ip6:2001:db8::/32 ptr ~all exp=x.%{d} ra=foo"
        );
        assert_eq!(ok("v=spf1").terms().len(), 0);
    }

    #[test]
    fn errors() {
        assert_eq!(bad("v=spf1x"), ErrorKind::NotSpf);
        assert_eq!(bad("v=spf1 ip4:1.2.3.4/032"), ErrorKind::InvalidCidr);
        assert_eq!(bad("v=spf1 ip4:1.2.3.4/33"), ErrorKind::InvalidCidr);
        assert_eq!(bad("v=spf1 ip6:::1/129"), ErrorKind::InvalidCidr);
        assert_eq!(bad("v=spf1 a/24/64"), ErrorKind::InvalidCidr);
        assert_eq!(bad("v=spf1 all:x"), ErrorKind::UnexpectedArgument);
        assert_eq!(bad("v=spf1 ptr/24"), ErrorKind::UnexpectedArgument);
        assert_eq!(bad("v=spf1 include"), ErrorKind::MissingDomain);
        assert_eq!(bad("v=spf1 a:"), ErrorKind::MissingDomain);
        assert_eq!(bad("v=spf1 a:foo.1"), ErrorKind::InvalidDomain);
        assert_eq!(bad("v=spf1 =bar"), ErrorKind::InvalidModifierName);
        assert_eq!(bad("v=spf1 1foo=bar"), ErrorKind::InvalidModifierName);
        assert_eq!(
            bad("v=spf1 redirect=a.com redirect=b.com"),
            ErrorKind::DuplicateModifier
        );
        assert_eq!(bad("v=spf1 1.2.3.4"), ErrorKind::UnknownTerm);
        assert_eq!(bad("v=spf1 ip4:1.2.3"), ErrorKind::InvalidIp4);
        assert_eq!(bad("v=spf1 exists:%{c}.x.com"), ErrorKind::ExpOnlyMacro);
        assert_eq!(bad("v=spf1 -all\u{e9}"), ErrorKind::NonAscii);
        let e = "v=spf1 mx ip4:1.2.3.4/33".parse::<Record>().unwrap_err();
        assert_eq!(e.offset, 22);
        assert_eq!(e.term, "ip4:1.2.3.4/33");
    }
}
