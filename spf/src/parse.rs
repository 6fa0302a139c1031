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
    // The six bytes as one word, the letters folded to lower case by setting their
    // 0x20 bit (which maps no other byte onto a lowercase letter).
    const FOLD: u64 = u64::from_le_bytes([0x20, 0, 0x20, 0x20, 0x20, 0, 0, 0]);
    const WANT: u64 = u64::from_le_bytes(*b"v=spf1\0\0");
    let Some(head) = txt.first_chunk::<6>() else {
        return false;
    };
    let mut word = [0u8; 8];
    word[..6].copy_from_slice(head);
    u64::from_le_bytes(word) | FOLD == WANT && txt.get(6).is_none_or(|&c| c == b' ')
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

/// What fills a slot of the term vector until the parser writes a term into it.
const VACANT: Term = Term::Directive(Directive {
    qualifier: Qualifier::Pass,
    mechanism: Mechanism::All,
});

/// Put `term` in a slot holding [`VACANT`], which owns nothing and needs no drop.
#[inline(always)]
fn fill(slot: &mut Term, term: Term) {
    core::mem::forget(core::mem::replace(slot, term));
}

/// Write the domain-spec `s[from..to]` in place into the [`MacroString::EMPTY`] that
/// the directive in `slot` holds as its domain-spec.
#[inline(always)]
fn set_domain(slot: &mut Term, s: &str, from: usize, to: usize) {
    if let Term::Directive(Directive {
        mechanism:
            Mechanism::Include(d)
            | Mechanism::Exists(d)
            | Mechanism::A {
                domain: Some(d), ..
            }
            | Mechanism::Mx {
                domain: Some(d), ..
            }
            | Mechanism::Ptr(Some(d)),
        ..
    }) = slot
    {
        d.set_validated_range(s, from, to);
    }
}

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
    // Section 3.1: printable US-ASCII only; and the spaces, which bound the number of
    // terms. One branch-free pass the compiler vectorizes; the slow path below finds
    // the offending byte.
    let mut bad = 0u8;
    let mut spaces = 0usize;
    for chunk in b.chunks(32) {
        let (x, sp) = chunk.iter().fold((0u8, 0u8), |(x, sp), &c| {
            (
                x | u8::from((c != b' ') & (c.wrapping_sub(0x21) >= 0x5e)),
                sp + u8::from(c == b' '),
            )
        });
        bad |= x;
        spaces += usize::from(sp);
    }
    if bad != 0 {
        return Err(non_ascii(s));
    }
    // One slot per space (each term follows at least one), each written in place by
    // the parser; the unused ones are cut off at the end.
    let mut terms = Vec::with_capacity(spaces);
    terms.resize_with(spaces, || VACANT);
    let mut count = 0;
    let mut pos = 6;
    // The `redirect=` and `exp=` seen so far.
    let mut modifiers = 0u8;
    while pos < n {
        if b[pos] == b' ' {
            pos += 1;
            continue;
        }
        let start = pos;
        let slot = &mut terms[count];
        count += 1;
        if let Some(end) = fast_term(slot, b, start) {
            pos = end;
            continue;
        }
        let pct;
        (pos, pct) = find_end(b, pos);
        match parse_term(slot, s, start, pos, pct) {
            Ok(0) => {}
            Ok(seen) => {
                if modifiers & seen != 0 {
                    return Err(term_error(
                        s,
                        start,
                        pos,
                        ErrorKind::DuplicateModifier,
                        start,
                    ));
                }
                modifiers |= seen;
            }
            Err((k, o)) => return Err(term_error(s, start, pos, k, o)),
        }
    }
    terms.truncate(count);
    Ok(Record { terms })
}

/// The error for the first byte outside printable ASCII, built off the hot path.
#[cold]
#[inline(never)]
fn non_ascii(s: &str) -> Error {
    let b = s.as_bytes();
    let i = b
        .iter()
        .position(|&c| c != b' ' && c.wrapping_sub(0x21) >= 0x5e)
        .unwrap_or(0);
    let start = b[..i].iter().rposition(|&c| c == b' ').map_or(0, |p| p + 1);
    let end = b[i..]
        .iter()
        .position(|&c| c == b' ')
        .map_or(b.len(), |p| i + p);
    err(ErrorKind::NonAscii, &s[start..end], i)
}

/// The error for the term `s[start..end]`, built off the hot path.
#[cold]
#[inline(never)]
fn term_error(s: &str, start: usize, end: usize, kind: ErrorKind, offset: usize) -> Error {
    err(kind, &s[start..end], offset)
}

/// The index of the first space at or after `from` (or `b.len()`), and whether a `%`
/// may occur before it: eight bytes at a time (a zero-byte test on the word XOR-ed
/// with spaces, and with percent signs), then byte by byte. The `%` answer may be a
/// false "yes", never a false "no".
fn find_end(b: &[u8], from: usize) -> (usize, bool) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    const PERCENTS: u64 = 0x2525_2525_2525_2525;
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut pct = 0u64;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let found = zero(w ^ SPACES);
        let p = zero(w ^ PERCENTS);
        if found != 0 {
            // Only the percent signs below the first space count.
            let below = (found & found.wrapping_neg()) - 1;
            return (
                i + (found.trailing_zeros() / 8) as usize,
                pct | (p & below) != 0,
            );
        }
        pct |= p;
        i += 8;
    }
    if i < b.len()
        && let Some(last) = b.len().checked_sub(8)
    {
        // The last eight bytes, shifted so that the word starts at `i`; the zero
        // bytes shifted in are neither spaces nor percent signs.
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[last..]);
        let w = u64::from_le_bytes(word) >> (8 * (i - last));
        let found = zero(w ^ SPACES);
        let mut p = zero(w ^ PERCENTS);
        if found != 0 {
            p &= (found & found.wrapping_neg()) - 1;
        }
        let len = if found != 0 {
            (found.trailing_zeros() / 8) as usize
        } else {
            b.len() - i
        };
        return (i + len, pct | p != 0);
    }
    let mut pct = pct != 0;
    while i < b.len() && b[i] != b' ' {
        pct |= b[i] == b'%';
        i += 1;
    }
    (i, pct)
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

/// The mechanism a name spells, in any case: a dispatch on the length and the first
/// byte, then the remaining bytes. `c | 0x20` folds an ASCII letter to lower case and
/// maps no other printable byte onto a lowercase letter.
fn mechanism_kind(name: &[u8]) -> Option<Kind> {
    let first = *name.first()? | 0x20;
    let l = |i: usize| name[i] | 0x20;
    match (name.len(), first) {
        (1, b'a') => Some(Kind::A),
        (2, b'm') if l(1) == b'x' => Some(Kind::Mx),
        (3, b'a') if l(1) == b'l' && l(2) == b'l' => Some(Kind::All),
        (3, b'i') if l(1) == b'p' && name[2] == b'4' => Some(Kind::Ip4),
        (3, b'i') if l(1) == b'p' && name[2] == b'6' => Some(Kind::Ip6),
        (3, b'p') if l(1) == b't' && l(2) == b'r' => Some(Kind::Ptr),
        (6, b'e') if name.eq_ignore_ascii_case(b"exists") => Some(Kind::Exists),
        (7, b'i') if name.eq_ignore_ascii_case(b"include") => Some(Kind::Include),
        _ => None,
    }
}

/// The mechanism name at `b[at..end]` when it is a whole name (followed by the end,
/// `:`, `/` or `=`), and the index after it: a dispatch on the first byte, then the
/// remaining bytes, case-insensitively. `c | 0x20` folds an ASCII letter to lower
/// case and maps no other printable byte onto a lowercase letter.
fn keyword(b: &[u8], at: usize, end: usize) -> Option<(Kind, usize)> {
    let t = b.get(at..end)?;
    let l = |i: usize| t.get(i).map_or(0, |&c| c | 0x20);
    let (kind, n) = match l(0) {
        b'a' if l(1) == b'l' && l(2) == b'l' => (Kind::All, 3),
        b'a' => (Kind::A, 1),
        b'm' if l(1) == b'x' => (Kind::Mx, 2),
        b'i' if l(1) == b'p' && t.get(2) == Some(&b'4') => (Kind::Ip4, 3),
        b'i' if l(1) == b'p' && t.get(2) == Some(&b'6') => (Kind::Ip6, 3),
        b'i' if t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"include") => (Kind::Include, 7),
        b'p' if l(1) == b't' && l(2) == b'r' => (Kind::Ptr, 3),
        b'e' if t.len() >= 6 && t[..6].eq_ignore_ascii_case(b"exists") => (Kind::Exists, 6),
        _ => return None,
    };
    match t.get(n) {
        None | Some(b':' | b'/' | b'=') => Some((kind, at + n)),
        _ => None,
    }
}

/// `redirect=`, as reported by [`parse_term`].
const REDIRECT: u8 = 1;
/// `exp=`, as reported by [`parse_term`].
const EXP: u8 = 2;

/// Parse the term `s[start..end]` (already checked to be printable ASCII, no space)
/// into `slot`, which holds [`VACANT`]; report [`REDIRECT`], [`EXP`] or 0 for any other
/// term. Each kind of term is written where it is built, straight into the slot: a term
/// built aside and then copied costs a store-forwarding stall per copy. Offsets in
/// errors are offsets in `s`.
fn parse_term(slot: &mut Term, s: &str, start: usize, end: usize, pct: bool) -> Result<u8, Fail> {
    macro_rules! push {
        ($q:ident, $m:expr) => {{
            let mechanism = $m;
            fill(
                slot,
                Term::Directive(Directive {
                    qualifier: $q,
                    mechanism,
                }),
            );
            Ok(0)
        }};
    }
    // A directive holding an empty domain-spec, then the domain-spec written into it
    // in place, so that no macro string is built aside and copied.
    macro_rules! push_domain {
        ($q:ident, $m:expr, $from:expr, $to:expr) => {{
            fill(
                slot,
                Term::Directive(Directive {
                    qualifier: $q,
                    mechanism: $m,
                }),
            );
            set_domain(slot, s, $from, $to);
        }};
    }
    let b = s.as_bytes();
    let (qualifier, body) = match Qualifier::from_byte(b[start]) {
        Some(q) => (q, start + 1),
        None => (Qualifier::Pass, start),
    };
    let (kind, rest) = match keyword(b, body, end) {
        Some((kind, rest)) if !(body == start && rest < end && b[rest] == b'=') => (kind, rest),
        _ => {
            let mut rest = body;
            while rest < end && !matches!(b[rest], b':' | b'/' | b'=') {
                rest += 1;
            }
            if body == start && rest < end && b[rest] == b'=' {
                let m = parse_modifier(s, start, rest, end, pct)?;
                let seen = match m {
                    Modifier::Redirect(_) => REDIRECT,
                    Modifier::Exp(_) => EXP,
                    Modifier::Unknown { .. } => 0,
                };
                fill(slot, Term::Modifier(m));
                return Ok(seen);
            }
            let Some(kind) = mechanism_kind(&b[body..rest]) else {
                return Err((ErrorKind::UnknownTerm, start));
            };
            (kind, rest)
        }
    };
    match kind {
        Kind::All => {
            if rest != end {
                return Err((ErrorKind::UnexpectedArgument, rest));
            }
            push!(qualifier, Mechanism::All)
        }
        Kind::Include | Kind::Exists => {
            let (from, to) = required_domain(s, rest, end, pct)?;
            if kind == Kind::Include {
                push_domain!(qualifier, Mechanism::Include(MacroString::EMPTY), from, to);
            } else {
                push_domain!(qualifier, Mechanism::Exists(MacroString::EMPTY), from, to);
            }
            Ok(0)
        }
        Kind::A | Kind::Mx => {
            let (spec_end, cidr) = split_dual_cidr(b, rest, end)?;
            match (optional_domain(s, rest, spec_end, pct)?, kind == Kind::A) {
                (None, true) => push!(qualifier, Mechanism::A { domain: None, cidr }),
                (None, false) => push!(qualifier, Mechanism::Mx { domain: None, cidr }),
                (Some((from, to)), true) => {
                    push_domain!(
                        qualifier,
                        Mechanism::A {
                            domain: Some(MacroString::EMPTY),
                            cidr
                        },
                        from,
                        to
                    );
                    Ok(0)
                }
                (Some((from, to)), false) => {
                    push_domain!(
                        qualifier,
                        Mechanism::Mx {
                            domain: Some(MacroString::EMPTY),
                            cidr
                        },
                        from,
                        to
                    );
                    Ok(0)
                }
            }
        }
        Kind::Ptr => {
            if rest < end && b[rest] == b'/' {
                return Err((ErrorKind::UnexpectedArgument, rest));
            }
            match optional_domain(s, rest, end, pct)? {
                None => push!(qualifier, Mechanism::Ptr(None)),
                Some((from, to)) => {
                    push_domain!(
                        qualifier,
                        Mechanism::Ptr(Some(MacroString::EMPTY)),
                        from,
                        to
                    );
                    Ok(0)
                }
            }
        }
        Kind::Ip4 | Kind::Ip6 => {
            let v4 = kind == Kind::Ip4;
            let bad = if v4 {
                ErrorKind::InvalidIp4
            } else {
                ErrorKind::InvalidIp6
            };
            if rest == end || b[rest] != b':' {
                return Err((bad, rest));
            }
            let value = rest + 1;
            let net = &b[value..end];
            if v4 {
                let (addr, n) = parse_ip4(net).ok_or((bad, value))?;
                let prefix = prefix_len(b, value + n, end, 32)?;
                push!(qualifier, Mechanism::Ip4 { addr, prefix })
            } else {
                let (addr, n) = parse_ip6(net).ok_or((bad, value))?;
                let prefix = prefix_len(b, value + n, end, 128)?;
                push!(qualifier, Mechanism::Ip6 { addr, prefix })
            }
        }
    }
}

/// The fast path for the most common terms, `a`, `mx` and `all` alone, and `ip4:` and
/// `ip6:` networks with an optional length, each with an optional qualifier, read
/// straight from the record up to the space or end that closes them. It fills `slot` and returns where the term ends only for a
/// term the general path would accept as it is; for anything else it returns `None`
/// and leaves the term (and any error) to the general path.
#[inline(always)]
fn fast_term(slot: &mut Term, b: &[u8], start: usize) -> Option<usize> {
    const IP4: u32 = u32::from_le_bytes(*b"ip4:");
    const IP6: u32 = u32::from_le_bytes(*b"ip6:");
    let (qualifier, body) = match Qualifier::from_byte(b[start]) {
        Some(q) => (q, start + 1),
        None => (Qualifier::Pass, start),
    };
    // `a`, `mx` and `all` alone, closed by a space or the end.
    let closes = |i: usize| matches!(b.get(i), None | Some(b' '));
    let lower = |i: usize| b.get(i).map_or(0, |&c| c | 0x20);
    let short = match lower(body) {
        b'a' if closes(body + 1) => Some((
            Mechanism::A {
                domain: None,
                cidr: DualCidr::default(),
            },
            body + 1,
        )),
        b'a' if lower(body + 1) == b'l' && lower(body + 2) == b'l' && closes(body + 3) => {
            Some((Mechanism::All, body + 3))
        }
        b'm' if lower(body + 1) == b'x' && closes(body + 2) => Some((
            Mechanism::Mx {
                domain: None,
                cidr: DualCidr::default(),
            },
            body + 2,
        )),
        _ => None,
    };
    if let Some((mechanism, end)) = short {
        fill(
            slot,
            Term::Directive(Directive {
                qualifier,
                mechanism,
            }),
        );
        return Some(end);
    }
    let &[i, p, v, colon] = b.get(body..)?.first_chunk::<4>()?;
    // `| 0x20` folds the two letters to lower case and maps no other byte onto them.
    let tag = u32::from_le_bytes([i | 0x20, p | 0x20, v, colon]);
    let value = body + 4;
    if tag == IP4 {
        let (addr, n) = parse_ip4(&b[value..])?;
        let (prefix, end) = term_prefix(b, value + n, 32)?;
        fill(
            slot,
            Term::Directive(Directive {
                qualifier,
                mechanism: Mechanism::Ip4 { addr, prefix },
            }),
        );
        Some(end)
    } else if tag == IP6 {
        let (addr, n) = parse_ip6(&b[value..])?;
        let (prefix, end) = term_prefix(b, value + n, 128)?;
        fill(
            slot,
            Term::Directive(Directive {
                qualifier,
                mechanism: Mechanism::Ip6 { addr, prefix },
            }),
        );
        Some(end)
    } else {
        None
    }
}

/// After a network that ends at `i` in the record `b`: nothing, or `/` and a valid
/// length, then the end of the term (a space or the end of the record). The length
/// and where the term ends; `None` for anything else.
#[inline(always)]
fn term_prefix(b: &[u8], i: usize, max: u8) -> Option<(Option<u8>, usize)> {
    match b.get(i) {
        None | Some(b' ') => Some((None, i)),
        Some(b'/') => {
            let from = i + 1;
            let digits = b[from..]
                .iter()
                .take(4)
                .take_while(|c| c.is_ascii_digit())
                .count();
            let end = from + digits;
            if !matches!(b.get(end), None | Some(b' ')) {
                return None;
            }
            cidr_len(&b[from..end], max, from)
                .ok()
                .map(|p| (Some(p), end))
        }
        Some(_) => None,
    }
}

/// Whether `i` ends a network in `b`: the end of the value, the `/` of a length, or
/// the space after the term (when [`fast_term`] reads the record itself).
fn net_end(b: &[u8], i: usize) -> bool {
    i == b.len() || matches!(b[i], b'/' | b' ')
}

/// The value of each hex digit, 0xff for other bytes.
static HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// An IPv6 address in the text forms of RFC 4291 section 2.2 (eight groups, `::`
/// compression, an optional dotted IPv4 tail) at the start of `b`, ending at the end
/// of `b` or at a `/`; the address and its length.
#[inline(always)]
fn parse_ip6(b: &[u8]) -> Option<(Ipv6Addr, usize)> {
    // The groups read so far, shifted in from the right.
    let mut acc = 0u128;
    let mut n = 0u32;
    // Where `::` stands, as a group index.
    let mut gap = None;
    let mut i = 0;
    if b.starts_with(b"::") {
        gap = Some(0);
        i = 2;
        if net_end(b, i) {
            return Some((Ipv6Addr::UNSPECIFIED, i));
        }
    }
    loop {
        let start = i;
        let mut v = 0u16;
        while i < b.len() && i - start < 4 {
            let d = HEX[usize::from(b[i])];
            if d > 15 {
                break;
            }
            v = v << 4 | u16::from(d);
            i += 1;
        }
        if i == start {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            let (v4, len) = parse_ip4(&b[start..])?;
            if n + 2 > 8 {
                return None;
            }
            acc = acc << 32 | u128::from(u32::from(v4));
            n += 2;
            i = start + len;
            break;
        }
        if n >= 8 {
            return None;
        }
        acc = acc << 16 | u128::from(v);
        n += 1;
        if net_end(b, i) {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if b.get(i) == Some(&b':') {
            if gap.is_some() {
                return None;
            }
            gap = Some(n);
            i += 1;
            if net_end(b, i) {
                break;
            }
        } else if net_end(b, i) {
            return None;
        }
    }
    let addr = match gap {
        None if n != 8 => return None,
        None => acc,
        Some(_) if n > 7 => return None,
        Some(g) => {
            // The groups after the gap stay at the right; those before move left.
            let tail_bits = 16 * (n - g);
            let tail = acc & ((1u128 << tail_bits) - 1);
            let head = (acc >> tail_bits).checked_shl(16 * (8 - g)).unwrap_or(0);
            head | tail
        }
    };
    Some((Ipv6Addr::from(addr), i))
}

/// `qnum "." qnum "." qnum "." qnum`, no leading zeros (section 5.6), at the start of
/// `b`, ending at the end of `b` or at a `/`; the address and its length.
#[inline(always)]
fn parse_ip4(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let digit = |j: usize| b.get(j).map_or(10, |&c| c.wrapping_sub(b'0'));
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let first = digit(i);
        if first > 9 {
            return None;
        }
        i += 1;
        let mut v = u16::from(first);
        // A leading zero stands alone: "0" is an octet, "01" is not.
        if first != 0 {
            for _ in 0..2 {
                let d = digit(i);
                if d > 9 {
                    break;
                }
                v = v * 10 + u16::from(d);
                i += 1;
            }
        }
        *octet = u8::try_from(v).ok()?;
    }
    net_end(b, i).then(|| (Ipv4Addr::from(octets), i))
}

fn parse_modifier(
    s: &str,
    start: usize,
    name_end: usize,
    end: usize,
    pct: bool,
) -> Result<Modifier, Fail> {
    let b = s.as_bytes();
    let name = &b[start..name_end];
    if !name.first().is_some_and(u8::is_ascii_alphabetic) || !name.iter().all(|&c| is_name_byte(c))
    {
        return Err((ErrorKind::InvalidModifierName, start));
    }
    let value = name_end + 1;
    if name.eq_ignore_ascii_case(b"redirect") {
        return domain_spec(s, value, end, pct).map(Modifier::Redirect);
    }
    if name.eq_ignore_ascii_case(b"exp") {
        return domain_spec(s, value, end, pct).map(Modifier::Exp);
    }
    macro_string::check(&b[value..end], Context::Modifier).map_err(|(k, o)| (k, value + o))?;
    Ok(Modifier::Unknown {
        name: String::from(&s[start..name_end]),
        value: MacroString::from_validated(&s[value..end]),
    })
}

/// Check the domain-spec `s[from..to]`, printable ASCII; `pct` is false when it holds
/// no `%`.
#[inline(always)]
fn check_domain(s: &str, from: usize, to: usize, pct: bool) -> Result<(), Fail> {
    let spec = &s.as_bytes()[from..to];
    let checked = if pct {
        macro_string::check_domain_spec(spec)
    } else {
        macro_string::check_plain_domain_spec(spec)
    };
    checked.map_err(|(k, o)| (k, from + o))
}

/// The domain-spec `s[from..to]`, checked and kept.
fn domain_spec(s: &str, from: usize, to: usize, pct: bool) -> Result<MacroString, Fail> {
    check_domain(s, from, to, pct)?;
    Ok(MacroString::from_validated_range(s, from, to))
}

/// `":" domain-spec`, required, in `s[rest..end]`: where the checked domain-spec is.
#[inline(always)]
fn required_domain(s: &str, rest: usize, end: usize, pct: bool) -> Result<(usize, usize), Fail> {
    if rest == end {
        Err((ErrorKind::MissingDomain, rest))
    } else if s.as_bytes()[rest] == b':' {
        check_domain(s, rest + 1, end, pct)?;
        Ok((rest + 1, end))
    } else {
        Err((ErrorKind::UnexpectedArgument, rest))
    }
}

/// `[ ":" domain-spec ]` in `s[rest..end]`: where the checked domain-spec is, if any.
#[inline(always)]
fn optional_domain(
    s: &str,
    rest: usize,
    end: usize,
    pct: bool,
) -> Result<Option<(usize, usize)>, Fail> {
    if rest == end {
        return Ok(None);
    }
    required_domain(s, rest, end, pct).map(Some)
}

/// Split `[":" domain-spec] [ "/" v4 ] [ "//" v6 ]` in `b[rest..end]` from the end;
/// returns where the domain part (with its colon) ends, and the lengths.
#[inline(always)]
fn split_dual_cidr(b: &[u8], rest: usize, end: usize) -> Result<(usize, DualCidr), Fail> {
    let mut e = end;
    let mut cidr = DualCidr::default();
    if let Some(slash) = cidr_slash(b, rest, e) {
        if slash > rest && b[slash - 1] == b'/' {
            cidr.v6 = Some(cidr_len(&b[slash + 1..e], 128, slash + 1)?);
            e = slash - 1;
            if let Some(slash) = cidr_slash(b, rest, e) {
                cidr.v4 = Some(cidr_len(&b[slash + 1..e], 32, slash + 1)?);
                e = slash;
            }
        } else {
            cidr.v4 = Some(cidr_len(&b[slash + 1..e], 32, slash + 1)?);
            e = slash;
        }
    }
    if e != rest && b[rest] != b':' {
        return Err((ErrorKind::InvalidCidr, rest));
    }
    Ok((e, cidr))
}

/// `.../digits` at the end of `b[from..to]`: the index of the slash (the digits may
/// be none).
#[inline(always)]
fn cidr_slash(b: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut i = to;
    while i > from && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    (i > from && b[i - 1] == b'/').then(|| i - 1)
}

/// After an `ip4:`/`ip6:` network ending at `i`: nothing, or `/` and a length.
#[inline(always)]
fn prefix_len(b: &[u8], i: usize, end: usize, max: u8) -> Result<Option<u8>, Fail> {
    if i == end {
        Ok(None)
    } else {
        cidr_len(&b[i + 1..end], max, i + 1).map(Some)
    }
}

/// `"0" / %x31-39 0*2DIGIT`, at most `max`.
#[inline(always)]
fn cidr_len(d: &[u8], max: u8, at: usize) -> Result<u8, Fail> {
    let digit = |c: u8| c.wrapping_sub(b'0');
    let v = match *d {
        [a] if digit(a) < 10 => u16::from(digit(a)),
        [a, c] if digit(a).wrapping_sub(1) < 9 && digit(c) < 10 => {
            u16::from(digit(a)) * 10 + u16::from(digit(c))
        }
        [a, c, e] if digit(a).wrapping_sub(1) < 9 && digit(c) < 10 && digit(e) < 10 => {
            u16::from(digit(a)) * 100 + u16::from(digit(c)) * 10 + u16::from(digit(e))
        }
        _ => u16::MAX,
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
    use alloc::format;
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

    /// Whatever the fast path accepts, the general path accepts as the same term, ending
    /// at the same place.
    fn fast_agrees(term: &str) {
        let record = format!("v=spf1 {term} -all");
        let b = record.as_bytes();
        let mut fast = VACANT;
        let Some(end) = fast_term(&mut fast, b, 7) else {
            return;
        };
        let (general_end, pct) = find_end(b, 7);
        assert_eq!(end, general_end, "{term}");
        let mut general = VACANT;
        assert_eq!(
            parse_term(&mut general, &record, 7, end, pct),
            Ok(0),
            "{term}"
        );
        assert_eq!(fast, general, "{term}");
    }

    #[test]
    fn fast_path_matches_general_path() {
        for term in [
            "a",
            "-a",
            "A",
            "mx",
            "~MX",
            "all",
            "?ALL",
            "+all",
            "ip4:192.0.2.1",
            "ip4:192.0.2.0/24",
            "-IP4:10.0.0.0/8",
            "ip4:0.0.0.0/0",
            "ip6:2001:db8::/32",
            "ip6:::",
            "ip6:::1/128",
            "IP6:2001:DB8:0:0:0:0:0:1",
            "ip6:::ffff:192.0.2.1/96",
            "ip6:1::/0",
        ] {
            fast_agrees(term);
            let mut slot = VACANT;
            let record = format!("v=spf1 {term}");
            assert!(
                fast_term(&mut slot, record.as_bytes(), 7).is_some(),
                "{term}"
            );
        }
        // Left to the general path, which reports the error.
        for term in [
            "ip4:1.2.3.4/",
            "ip4:1.2.3.4/33",
            "ip4:1.2.3.4/024",
            "ip4:01.2.3.4",
            "ip4:1.2.3",
            "ip4:1.2.3.4x",
            "ip6:1::2::3",
            "ip6:12345::",
            "a/24",
            "a:x.example",
            "mx//64",
            "all:x",
            "alll",
            "ax",
            "ip4:1.2.3.4/24/",
            "ip6:::1/129",
            "a=b",
        ] {
            let mut slot = VACANT;
            let record = format!("v=spf1 {term}");
            assert!(
                fast_term(&mut slot, record.as_bytes(), 7).is_none(),
                "{term}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_on_generated_terms(
            term in "[-+~?]?(ip4:|ip6:|IP6:|a|mx|all)[0-9a-fA-F:./]{0,24}",
        ) {
            fast_agrees(&term);
        }
    }

    #[test]
    fn version_tag() {
        for yes in ["v=spf1", "V=SPF1", "v=Spf1 -all", "v=spf1 "] {
            assert!(is_spf_record(yes.as_bytes()), "{yes}");
        }
        for no in [
            "",
            "v=spf",
            "v=spf10",
            "v=spf1-all",
            "v=spf2 -all",
            "v:spf1",
            "w=spf1",
            "v=spf!",
        ] {
            assert!(!is_spf_record(no.as_bytes()), "{no}");
        }
    }

    /// Domain-specs short enough to be held inline, at the end of the record (where
    /// fewer bytes than the inline size follow them) and in its middle, and longer ones
    /// held on the heap, all read back as written.
    #[test]
    fn domain_specs_in_every_position() {
        let long = "a-rather-long-label.mail-servers.example.org";
        for text in [
            "v=spf1 include:a.example",
            "v=spf1 include:a.example -all",
            "v=spf1 a:mail.example.com/24 mx:mx.example.net//64 ptr:p.example exists:e.example",
            &format!("v=spf1 include:{long} a:{long}/28 mx:{long} ptr:{long} exists:{long}"),
            &format!("v=spf1 redirect={long}"),
            "v=spf1 exp=x.example redirect=r.example",
        ] {
            let r = ok(text);
            assert_eq!(r.to_string(), text);
            assert_eq!(ok(&r.to_string()), r);
        }
        let r = ok(&format!("v=spf1 include:{long}"));
        match &r.terms()[0] {
            Term::Directive(Directive {
                mechanism: Mechanism::Include(d),
                ..
            }) => assert_eq!(d.as_str(), long),
            t => panic!("{t:?}"),
        }
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
