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

/// An error kind and its offset in the record, made into an [`Error`] by the caller
/// that knows the term.
type Fail = (ErrorKind, usize);

fn err(kind: ErrorKind, term: &str, offset: usize) -> Error {
    Error::new(kind, term, offset)
}

pub(crate) fn parse_record(s: &str) -> Result<Record, Error> {
    let b = s.as_bytes();
    if !is_spf_record(b) {
        let end = b.iter().position(|&c| c == b' ').unwrap_or(b.len());
        return Err(err(ErrorKind::NotSpf, s.get(..end).unwrap_or(""), 0));
    }
    let n = b.len();
    // Section 3.1: printable US-ASCII only. A branch-free fold the compiler vectorizes;
    // the slow path below finds the offending byte.
    let printable = b.iter().fold(true, |ok, &c| {
        ok & (c == b' ' || c.wrapping_sub(0x21) < 0x5e)
    });
    if !printable {
        let i = b
            .iter()
            .position(|&c| c != b' ' && c.wrapping_sub(0x21) >= 0x5e)
            .unwrap_or(0);
        let start = b[..i].iter().rposition(|&c| c == b' ').map_or(0, |p| p + 1);
        let end = b[i..].iter().position(|&c| c == b' ').map_or(n, |p| i + p);
        return Err(err(ErrorKind::NonAscii, &s[start..end], i));
    }
    let mut terms = Vec::with_capacity(n / 8 + 1);
    let mut pos = 6;
    let mut redirect = false;
    let mut exp = false;
    while pos < n {
        if b[pos] == b' ' {
            pos += 1;
            continue;
        }
        let start = pos;
        pos = find_space(b, pos);
        let text = &s[start..pos];
        let term = parse_term(text, start).map_err(|(k, o)| err(k, text, o))?;
        if let Term::Modifier(m) = &term {
            let seen = match m {
                Modifier::Redirect(_) => &mut redirect,
                Modifier::Exp(_) => &mut exp,
                Modifier::Unknown { .. } => {
                    terms.push(term);
                    continue;
                }
            };
            if *seen {
                return Err(err(ErrorKind::DuplicateModifier, text, start));
            }
            *seen = true;
        }
        terms.push(term);
    }
    Ok(Record { terms })
}

/// The index of the first space at or after `from`, or `b.len()`: eight bytes at a
/// time (a zero-byte test on the word XOR-ed with spaces), then byte by byte.
fn find_space(b: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ SPACES;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b' ' {
        i += 1;
    }
    i
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

fn mechanism_kind(name: &[u8]) -> Option<Kind> {
    let eq = |w: &[u8]| name.eq_ignore_ascii_case(w);
    match name.len() {
        1 if eq(b"a") => Some(Kind::A),
        2 if eq(b"mx") => Some(Kind::Mx),
        3 if eq(b"all") => Some(Kind::All),
        3 if eq(b"ip4") => Some(Kind::Ip4),
        3 if eq(b"ip6") => Some(Kind::Ip6),
        3 if eq(b"ptr") => Some(Kind::Ptr),
        6 if eq(b"exists") => Some(Kind::Exists),
        7 if eq(b"include") => Some(Kind::Include),
        _ => None,
    }
}

/// Parse one term (already checked to be printable ASCII, no space); `at` is its
/// offset in the record.
pub(crate) fn parse_term(t: &str, at: usize) -> Result<Term, Fail> {
    let b = t.as_bytes();
    let (qualifier, explicit) = match b.first().and_then(|&c| Qualifier::from_byte(c)) {
        Some(q) => (q, true),
        None => (Qualifier::Pass, false),
    };
    let body_at = usize::from(explicit);
    let body = &b[body_at..];
    let name_len = body
        .iter()
        .position(|&c| c == b':' || c == b'/' || c == b'=')
        .unwrap_or(body.len());
    if !explicit && body.get(name_len) == Some(&b'=') {
        return parse_modifier(t, name_len, at).map(Term::Modifier);
    }
    let Some(kind) = mechanism_kind(&body[..name_len]) else {
        return Err((ErrorKind::UnknownTerm, at));
    };
    let rest = &body[name_len..];
    let rest_at = at + body_at + name_len;
    let rest_str = &t[body_at + name_len..];
    let mechanism = match kind {
        Kind::All => {
            if !rest.is_empty() {
                return Err((ErrorKind::UnexpectedArgument, rest_at));
            }
            Mechanism::All
        }
        Kind::Include => Mechanism::Include(required_domain(rest_str, rest_at)?),
        Kind::Exists => Mechanism::Exists(required_domain(rest_str, rest_at)?),
        Kind::A | Kind::Mx => {
            let (spec, cidr) = split_dual_cidr(rest_str, rest_at)?;
            let domain = optional_domain(spec, rest_at)?;
            if kind == Kind::A {
                Mechanism::A { domain, cidr }
            } else {
                Mechanism::Mx { domain, cidr }
            }
        }
        Kind::Ptr => {
            if rest.first() == Some(&b'/') {
                return Err((ErrorKind::UnexpectedArgument, rest_at));
            }
            Mechanism::Ptr(optional_domain(rest_str, rest_at)?)
        }
        Kind::Ip4 | Kind::Ip6 => {
            let v4 = kind == Kind::Ip4;
            let bad = if v4 {
                ErrorKind::InvalidIp4
            } else {
                ErrorKind::InvalidIp6
            };
            let Some(value) = rest_str.strip_prefix(':') else {
                return Err((bad, rest_at));
            };
            let value_at = rest_at + 1;
            let (net, len) = match value.as_bytes().iter().position(|&c| c == b'/') {
                Some(i) => (&value[..i], Some((&value[i + 1..], value_at + i + 1))),
                None => (value, None),
            };
            if v4 {
                let addr = parse_ip4(net.as_bytes()).ok_or((bad, value_at))?;
                let prefix = len.map(|(l, o)| cidr_len(l, 32, o)).transpose()?;
                Mechanism::Ip4 { addr, prefix }
            } else {
                let addr = parse_ip6(net.as_bytes()).ok_or((bad, value_at))?;
                let prefix = len.map(|(l, o)| cidr_len(l, 128, o)).transpose()?;
                Mechanism::Ip6 { addr, prefix }
            }
        }
    };
    Ok(Term::Directive(Directive {
        qualifier,
        mechanism,
    }))
}

fn hex_digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'f' => Some(u32::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(c - b'A' + 10)),
        _ => None,
    }
}

/// An IPv6 address in the text forms of RFC 4291 section 2.2: eight groups, `::`
/// compression, and an optional dotted IPv4 tail.
fn parse_ip6(b: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut hn, mut tn) = (0usize, 0usize);
    let mut compressed = false;
    let mut i = 0;
    if b.starts_with(b"::") {
        compressed = true;
        i = 2;
        if i == b.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        let start = i;
        let mut v: u32 = 0;
        while i < b.len() && i - start < 4 {
            match hex_digit(b[i]) {
                Some(d) => {
                    v = v * 16 + d;
                    i += 1;
                }
                None => break,
            }
        }
        if i == start {
            return None;
        }
        let mut groups = [0u16; 2];
        let count = if b.get(i) == Some(&b'.') {
            let o = parse_ip4(&b[start..])?.octets();
            groups = [
                u16::from_be_bytes([o[0], o[1]]),
                u16::from_be_bytes([o[2], o[3]]),
            ];
            i = b.len();
            2
        } else {
            groups[0] = v as u16;
            1
        };
        for g in &groups[..count] {
            if hn + tn >= 8 {
                return None;
            }
            if compressed {
                tail[tn] = *g;
                tn += 1;
            } else {
                head[hn] = *g;
                hn += 1;
            }
        }
        if i == b.len() {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if b.get(i) == Some(&b':') {
            if compressed {
                return None;
            }
            compressed = true;
            i += 1;
            if i == b.len() {
                break;
            }
        } else if i == b.len() {
            return None;
        }
    }
    if compressed && hn + tn > 7 || !compressed && hn != 8 {
        return None;
    }
    let mut groups = [0u16; 8];
    groups[..hn].copy_from_slice(&head[..hn]);
    groups[8 - tn..].copy_from_slice(&tail[..tn]);
    Some(Ipv6Addr::from(groups))
}

/// `qnum "." qnum "." qnum "." qnum`, no leading zeros (section 5.6).
fn parse_ip4(b: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v: u32 = 0;
        while i < b.len() && i - start < 3 && b[i].is_ascii_digit() {
            v = v * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || v > 255 || (len > 1 && b[start] == b'0') {
            return None;
        }
        *octet = v as u8;
    }
    (i == b.len()).then(|| Ipv4Addr::from(octets))
}

fn parse_modifier(t: &str, name_len: usize, at: usize) -> Result<Modifier, Fail> {
    let name = &t[..name_len];
    let nb = name.as_bytes();
    if !nb.first().is_some_and(u8::is_ascii_alphabetic) || !nb.iter().all(|&c| is_name_byte(c)) {
        return Err((ErrorKind::InvalidModifierName, at));
    }
    let value = &t[name_len + 1..];
    let value_at = at + name_len + 1;
    if name.eq_ignore_ascii_case("redirect") || name.eq_ignore_ascii_case("exp") {
        let spec = domain_spec(value, value_at)?;
        return Ok(if name.eq_ignore_ascii_case("redirect") {
            Modifier::Redirect(spec)
        } else {
            Modifier::Exp(spec)
        });
    }
    macro_string::check(value.as_bytes(), Context::Modifier).map_err(|(k, o)| (k, value_at + o))?;
    Ok(Modifier::Unknown {
        name: String::from(name),
        value: MacroString::from_validated(value),
    })
}

fn domain_spec(spec: &str, at: usize) -> Result<MacroString, Fail> {
    macro_string::check_domain_spec(spec.as_bytes()).map_err(|(k, o)| (k, at + o))?;
    Ok(MacroString::from_validated(spec))
}

/// `":" domain-spec`, required.
fn required_domain(rest: &str, at: usize) -> Result<MacroString, Fail> {
    match rest.strip_prefix(':') {
        Some(spec) => domain_spec(spec, at + 1),
        None if rest.is_empty() => Err((ErrorKind::MissingDomain, at)),
        None => Err((ErrorKind::UnexpectedArgument, at)),
    }
}

/// `[ ":" domain-spec ]`.
fn optional_domain(rest: &str, at: usize) -> Result<Option<MacroString>, Fail> {
    if rest.is_empty() {
        return Ok(None);
    }
    required_domain(rest, at).map(Some)
}

/// Split `[":" domain-spec] [ "/" v4 ] [ "//" v6 ]` from the end; returns the domain
/// part (with its colon) and the lengths.
fn split_dual_cidr(rest: &str, at: usize) -> Result<(&str, DualCidr), Fail> {
    let mut s = rest;
    let mut cidr = DualCidr::default();
    if let Some((head, digits)) = cidr_suffix(s)
        && let Some(h) = head.strip_suffix('/')
    {
        cidr.v6 = Some(cidr_len(digits, 128, at + head.len() + 1)?);
        s = h;
    }
    if let Some((head, digits)) = cidr_suffix(s) {
        cidr.v4 = Some(cidr_len(digits, 32, at + head.len() + 1)?);
        s = head;
    }
    if !s.is_empty() && !s.starts_with(':') {
        return Err((ErrorKind::InvalidCidr, at));
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
fn cidr_len(d: &str, max: u8, at: usize) -> Result<u8, Fail> {
    let b = d.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 3
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1);
    let v = if ok {
        b.iter().fold(0u16, |v, &c| v * 10 + u16::from(c - b'0'))
    } else {
        u16::MAX
    };
    if v <= u16::from(max) {
        Ok(v as u8)
    } else {
        Err((ErrorKind::InvalidCidr, at))
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
