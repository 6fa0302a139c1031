//! The v1 text line (spec section 2.1).
//!
//! ```text
//! line     = "PROXY" SP ( tcp4 / tcp6 / unknown ) CRLF      ; at most 107 bytes
//! tcp4     = "TCP4" SP ipv4 SP ipv4 SP port SP port
//! tcp6     = "TCP6" SP ipv6 SP ipv6 SP port SP port
//! unknown  = "UNKNOWN" [ SP *( any byte but CR and LF ) ]
//! ipv4     = octet "." octet "." octet "." octet          ; 0-255, no leading zero
//! ipv6     = 1*45( HEXDIG / ":" / "." )                    ; RFC 4291 text form
//! port     = "0" / %x31-39 *4DIGIT                         ; 0-65535, no leading zero
//! ```
//!
//! The line is checked byte by byte as it arrives: a byte that no valid line could
//! have at that place is an error at once, and a line that could no longer end within
//! 107 bytes is rejected before the 107th byte comes.

use alloc::borrow::Cow;
use core::fmt::{self, Write as _};
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use crate::error::Error;
use crate::header::{AddrRepr, Command, Crc32cStatus, Family, Header, Status, Transport, Version};

/// Longest v1 line, CRLF included (spec section 2.1).
pub(crate) const MAX_LEN: usize = 107;

/// Why a field stopped: a definite error, or the end of the input with at least
/// this many bytes still to come.
enum Stop {
    Bad(Error),
    Short(usize),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Bad(e)
    }
}

type Field<T> = Result<T, Stop>;

/// Add the minimum length of what follows the current field to a shortfall.
trait Then<T> {
    fn then_min(self, more: usize) -> Field<T>;
}

impl<T> Then<T> for Field<T> {
    #[inline(always)]
    fn then_min(self, more: usize) -> Field<T> {
        match self {
            Err(Stop::Short(n)) => Err(Stop::Short(n + more)),
            other => other,
        }
    }
}

const fn syntax(offset: usize, byte: u8, expected: &'static str) -> Stop {
    Stop::Bad(Error::V1Syntax {
        offset,
        byte,
        expected,
    })
}

const fn value(offset: usize, field: &'static str, reason: &'static str) -> Stop {
    Stop::Bad(Error::V1Value {
        offset,
        field,
        reason,
    })
}

/// Parse a v1 line at the start of `buf`.
#[inline(never)]
pub(crate) fn parse(buf: &[u8]) -> Result<Status<(Header<'_>, usize)>, Error> {
    let b = if buf.len() > MAX_LEN {
        &buf[..MAX_LEN]
    } else {
        buf
    };
    match line(b) {
        Ok((addr, family, end)) => Ok(Status::Complete((
            Header {
                bytes: Cow::Borrowed(&buf[..end]),
                version: Version::V1,
                command: Command::Proxy,
                family,
                transport: if family == Family::Unspecified {
                    Transport::Unspecified
                } else {
                    Transport::Stream
                },
                addr,
                // end <= 107
                tlv_start: end as u16,
                crc: Crc32cStatus::Absent,
            },
            end,
        ))),
        Err(Stop::Short(needed)) if b.len() + needed <= MAX_LEN => {
            Ok(Status::Incomplete { needed })
        }
        Err(Stop::Short(needed)) => Err(first_failure(
            b,
            Error::V1TooLong {
                length: b.len() + needed,
            },
        )),
        Err(Stop::Bad(e)) => Err(first_failure(b, e)),
    }
}

/// How a prefix of the line stands.
fn verdict(prefix: &[u8]) -> Option<Error> {
    match line(prefix) {
        Ok(_) => None,
        Err(Stop::Short(needed)) if prefix.len() + needed <= MAX_LEN => None,
        Err(Stop::Short(needed)) => Some(Error::V1TooLong {
            length: prefix.len() + needed,
        }),
        Err(Stop::Bad(e)) => Some(e),
    }
}

/// The error of the shortest failing prefix of `b`, which fails as a whole with `whole`.
///
/// A line read byte by byte fails at the first prefix that is malformed or can no
/// longer end within 107 bytes, and every longer prefix fails too. Reporting that
/// prefix's error makes the answer independent of how the bytes were cut into reads:
/// a caller that saw 106 bytes and one that saw 107 get the same error.
#[cold]
fn first_failure(b: &[u8], whole: Error) -> Error {
    // Invariant: b[..lo] does not fail, b[..hi] does.
    let (mut lo, mut hi) = (0, b.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if verdict(&b[..mid]).is_some() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    verdict(&b[..hi]).unwrap_or(whole)
}

/// Bytes of the shortest completion after "TCP4 " and after "TCP6 ".
const TCP4_MIN: usize = 21; // "0.0.0.0 0.0.0.0 0 0\r\n"
const TCP6_MIN: usize = 11; // ":: :: 0 0\r\n"
const UNKNOWN_MIN: usize = 9; // "UNKNOWN\r\n"

fn line(b: &[u8]) -> Field<(AddrRepr, Family, usize)> {
    const PREFIX: &[u8; 6] = b"PROXY ";
    if b.len() >= 6 && b[..6] == PREFIX[..] {
        // fast path
    } else {
        for (i, (&got, &want)) in b.iter().zip(PREFIX.iter()).enumerate() {
            if got != want {
                return Err(if i < 5 {
                    Stop::Bad(Error::NotProxy {
                        offset: i,
                        byte: got,
                    })
                } else {
                    syntax(i, got, "a space after PROXY")
                });
            }
        }
        return Err(Stop::Short(6 - b.len() + UNKNOWN_MIN));
    }
    match b.get(6) {
        None => Err(Stop::Short(UNKNOWN_MIN)),
        Some(b'T') => tcp(b),
        Some(b'U') => unknown(b),
        Some(&c) => Err(syntax(6, c, "TCP4, TCP6 or UNKNOWN")),
    }
}

/// Match `lit` at `at`; on a short input, the rest of `lit` plus `more` is needed.
#[inline(always)]
fn literal(b: &[u8], at: usize, lit: &[u8], expected: &'static str, more: usize) -> Field<()> {
    for (i, &want) in lit.iter().enumerate() {
        match b.get(at + i) {
            None => return Err(Stop::Short(lit.len() - i + more)),
            Some(&got) if got != want => return Err(syntax(at + i, got, expected)),
            Some(_) => {}
        }
    }
    Ok(())
}

fn unknown(b: &[u8]) -> Field<(AddrRepr, Family, usize)> {
    literal(b, 6, b"UNKNOWN", "UNKNOWN", 2)?;
    match b.get(13) {
        None => Err(Stop::Short(2)),
        Some(b'\r') => crlf(b, 13).map(|end| (AddrRepr::Unspecified, Family::Unspecified, end)),
        Some(b' ') => {
            // The rest of the line is to be ignored, up to CRLF.
            for (i, &c) in b.iter().enumerate().skip(14) {
                match c {
                    b'\r' => {
                        return crlf(b, i)
                            .map(|end| (AddrRepr::Unspecified, Family::Unspecified, end));
                    }
                    b'\n' => return Err(syntax(i, c, "CR before LF")),
                    _ => {}
                }
            }
            Err(Stop::Short(2))
        }
        Some(&c) => Err(syntax(13, c, "CRLF or a space after UNKNOWN")),
    }
}

#[inline(always)]
fn crlf(b: &[u8], at: usize) -> Field<usize> {
    match (b.get(at), b.get(at + 1)) {
        (None, _) => Err(Stop::Short(2)),
        (Some(b'\r'), None) => Err(Stop::Short(1)),
        (Some(b'\r'), Some(b'\n')) => Ok(at + 2),
        (Some(b'\r'), Some(&c)) => Err(syntax(at + 1, c, "LF after CR")),
        (Some(&c), _) => Err(syntax(at, c, "CRLF")),
    }
}

#[inline(always)]
fn space(b: &[u8], at: usize, expected: &'static str) -> Field<usize> {
    match b.get(at) {
        None => Err(Stop::Short(1)),
        Some(b' ') => Ok(at + 1),
        Some(&c) => Err(syntax(at, c, expected)),
    }
}

fn tcp(b: &[u8]) -> Field<(AddrRepr, Family, usize)> {
    literal(b, 6, b"TCP", "TCP4, TCP6 or UNKNOWN", 2 + TCP6_MIN)?;
    match b.get(9) {
        None => Err(Stop::Short(2 + TCP6_MIN)),
        Some(b'4') => {
            let p = space(b, 10, "a space after TCP4").then_min(TCP4_MIN)?;
            let (src, p) = ipv4(b, p, "source address").then_min(14)?;
            let p = space(b, p, "a space after the source address").then_min(13)?;
            let (dst, p) = ipv4(b, p, "destination address").then_min(6)?;
            let (sport, dport, end) = ports(b, p)?;
            Ok((
                AddrRepr::Inet(SocketAddrV4::new(src, sport), SocketAddrV4::new(dst, dport)),
                Family::Inet,
                end,
            ))
        }
        Some(b'6') => {
            let p = space(b, 10, "a space after TCP6").then_min(TCP6_MIN)?;
            let (src, p) = ipv6(b, p, "source address").then_min(9)?;
            let p = space(b, p, "a space after the source address").then_min(8)?;
            let (dst, p) = ipv6(b, p, "destination address").then_min(6)?;
            let (sport, dport, end) = ports(b, p)?;
            Ok((
                AddrRepr::Inet6(
                    SocketAddrV6::new(src, sport, 0, 0),
                    SocketAddrV6::new(dst, dport, 0, 0),
                ),
                Family::Inet6,
                end,
            ))
        }
        Some(&c) => Err(syntax(9, c, "4 or 6 after TCP")),
    }
}

/// `SP port SP port CRLF` after the destination address.
#[inline(always)]
fn ports(b: &[u8], p: usize) -> Field<(u16, u16, usize)> {
    let p = space(b, p, "a space after the destination address").then_min(5)?;
    let (sport, p) = port(b, p, "source port").then_min(4)?;
    let p = space(b, p, "a space after the source port").then_min(3)?;
    let (dport, p) = port(b, p, "destination port").then_min(2)?;
    let end = crlf(b, p)?;
    Ok((sport, dport, end))
}

#[inline(always)]
fn port(b: &[u8], at: usize, field: &'static str) -> Field<(u16, usize)> {
    let mut v: u32 = 0;
    let mut i = at;
    loop {
        match b.get(i) {
            None => return Err(Stop::Short(usize::from(i == at))),
            Some(&c @ b'0'..=b'9') => {
                if i > at && v == 0 {
                    return Err(value(at, field, "leading zero"));
                }
                v = v * 10 + u32::from(c - b'0');
                if v > 65535 {
                    return Err(value(at, field, "above 65535"));
                }
                i += 1;
            }
            Some(&c) => {
                if i == at {
                    return Err(syntax(i, c, "a decimal port"));
                }
                // v <= 65535 checked above
                return Ok((v as u16, i));
            }
        }
    }
}

#[inline(always)]
fn ipv4(b: &[u8], at: usize, field: &'static str) -> Field<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut i = at;
    for (k, octet) in octets.iter_mut().enumerate() {
        // Each later octet is "." and at least one digit: 2 bytes.
        let later = (3 - k) * 2;
        let Some(&c0) = b.get(i) else {
            return Err(Stop::Short(1 + later));
        };
        if !c0.is_ascii_digit() {
            return Err(syntax(i, c0, "an IPv4 address"));
        }
        let mut v = u32::from(c0 - b'0');
        i += 1;
        for _ in 0..2 {
            match b.get(i) {
                None => return Err(Stop::Short(later)),
                Some(&c) if c.is_ascii_digit() => {
                    if v == 0 {
                        return Err(value(at, field, "leading zero in an octet"));
                    }
                    v = v * 10 + u32::from(c - b'0');
                    i += 1;
                }
                Some(_) => break,
            }
        }
        if v > 255 {
            return Err(value(at, field, "octet above 255"));
        }
        // v <= 255 checked above
        *octet = v as u8;
        if k < 3 {
            match b.get(i) {
                None => return Err(Stop::Short(later)),
                Some(b'.') => i += 1,
                Some(&c) => return Err(syntax(i, c, "an IPv4 address")),
            }
        }
    }
    Ok((Ipv4Addr::from(octets), i))
}

/// Longest IPv6 text form: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`.
const IPV6_MAX: usize = 45;

fn ipv6(b: &[u8], at: usize, field: &'static str) -> Field<(Ipv6Addr, usize)> {
    let mut i = at;
    loop {
        match b.get(i) {
            Some(c) if c.is_ascii_hexdigit() || *c == b':' || *c == b'.' => {
                if i - at == IPV6_MAX {
                    return Err(value(at, field, "longer than any IPv6 address"));
                }
                i += 1;
            }
            None => {
                let min = match i - at {
                    0 => 2,
                    _ if parse_v6(&b[at..i]).is_some() => 0,
                    _ => 1,
                };
                return Err(Stop::Short(min));
            }
            Some(&c) => {
                if i == at {
                    return Err(syntax(i, c, "an IPv6 address"));
                }
                return match parse_v6(&b[at..i]) {
                    Some(a) => Ok((a, i)),
                    None => Err(value(at, field, "not an IPv6 address")),
                };
            }
        }
    }
}

fn parse_v6(s: &[u8]) -> Option<Ipv6Addr> {
    core::str::from_utf8(s).ok()?.parse().ok()
}

/// A stack buffer for one line.
pub(crate) struct Line {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > MAX_LEN {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Line {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Format the line for IP endpoints, or the short `UNKNOWN` form for anything else.
pub(crate) fn format(addr: &AddrRepr) -> Line {
    let mut l = Line {
        buf: [0; MAX_LEN],
        len: 0,
    };
    // The longest line (TCP6) is 104 bytes, so these writes cannot fail.
    let _ = match addr {
        AddrRepr::Inet(s, d) => write!(
            l,
            "PROXY TCP4 {} {} {} {}\r\n",
            s.ip(),
            d.ip(),
            s.port(),
            d.port()
        ),
        AddrRepr::Inet6(s, d) => write!(
            l,
            "PROXY TCP6 {} {} {} {}\r\n",
            s.ip(),
            d.ip(),
            s.port(),
            d.port()
        ),
        _ => l.write_str("PROXY UNKNOWN\r\n"),
    };
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needed(s: &[u8]) -> usize {
        match parse(s) {
            Ok(Status::Incomplete { needed }) => needed,
            other => panic!("{:?}: {other:?}", core::str::from_utf8(s)),
        }
    }

    #[test]
    fn shortest_completions() {
        assert_eq!(needed(b"P"), 14);
        assert_eq!(needed(b"PROXY "), 9);
        assert_eq!(needed(b"PROXY T"), 4 + TCP6_MIN);
        assert_eq!(needed(b"PROXY TCP4"), 1 + TCP4_MIN);
        assert_eq!(needed(b"PROXY TCP4 "), TCP4_MIN);
        assert_eq!(needed(b"PROXY TCP4 1"), 20);
        assert_eq!(needed(b"PROXY TCP4 1."), 19);
        assert_eq!(needed(b"PROXY TCP4 1.2.3.4"), 14);
        assert_eq!(needed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2"), 2);
        assert_eq!(needed(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"), 1);
        assert_eq!(needed(b"PROXY TCP6 ::1"), 9);
        assert_eq!(needed(b"PROXY TCP6 ::1 :"), 1 + 6);
        assert_eq!(needed(b"PROXY UNKNOWN"), 2);
        assert_eq!(needed(b"PROXY UNKNOWN 1 2 3"), 2);
    }

    /// The error a reader feeding one byte at a time meets first.
    fn first_error(line: &[u8]) -> Option<Error> {
        (1..=line.len()).find_map(|n| parse(&line[..n]).err())
    }

    #[test]
    fn the_error_does_not_depend_on_the_cut() {
        let mut unknown_lf = b"PROXY UNKNOWN ".to_vec();
        unknown_lf.resize(106, b'x');
        unknown_lf.extend_from_slice(b"\nrest");
        let mut unknown_long = b"PROXY UNKNOWN ".to_vec();
        unknown_long.resize(120, b'y');
        let mut bad_late = b"PROXY TCP6 ".to_vec();
        bad_late.resize(100, b':');
        bad_late.extend_from_slice(b"zz \r\n");
        let lines: [&[u8]; 6] = [
            &unknown_lf,
            &unknown_long,
            &bad_late,
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n",
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
            b"PROXX",
        ];
        for line in lines {
            let first = first_error(line).expect("every line here fails");
            for n in 1..=line.len() {
                if let Err(e) = parse(&line[..n]) {
                    assert_eq!(e, first, "{:?} cut at {n}", core::str::from_utf8(line));
                }
            }
        }
        assert_eq!(
            first_error(&unknown_lf),
            Some(Error::V1TooLong { length: 108 })
        );
    }

    #[test]
    fn formats() {
        let a = AddrRepr::Inet(
            "192.168.0.1:56324".parse().unwrap(),
            "192.168.0.11:443".parse().unwrap(),
        );
        assert_eq!(
            format(&a).as_bytes(),
            b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
        );
        assert_eq!(
            format(&AddrRepr::Unspecified).as_bytes(),
            b"PROXY UNKNOWN\r\n"
        );
    }
}
