//! SRS0 and SRS1 addresses: parsing and display.
//!
//! ```text
//! srs0-address = "SRS0" sep hash "=" timestamp "=" orig-domain "=" orig-local "@" host
//! srs1-address = "SRS1" sep hash "=" first-hop "=" sep0 opaque "@" host
//! sep, sep0    = "=" / "+" / "-"          ; "SRS0"/"SRS1" match in any case
//! hash         = 1*27(ALPHA / DIGIT / "+" / "/" / "-" / "_")
//! timestamp    = 2(ALPHA / "2"-"7")
//! ```
//!
//! Every separator but the one right after the tag is `=`. The original local part is
//! the rest of the local part after the fourth `=`, so it may itself hold `=`. The
//! address is split at its last `@`.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Part};
use crate::hash::{MAX_HASH_LENGTH, is_hash_char};
use crate::timestamp;

/// The separator right after the `SRS0` or `SRS1` tag.
///
/// A forwarder picks `+` or `-` when its mail server routes `srs0`/`srs1` users with
/// that recipient delimiter; every other separator in the address is `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Separator {
    /// `=`, the default.
    #[default]
    Equals,
    /// `+`.
    Plus,
    /// `-`.
    Minus,
}

impl Separator {
    /// The separator as a byte.
    #[must_use]
    pub const fn as_byte(self) -> u8 {
        match self {
            Self::Equals => b'=',
            Self::Plus => b'+',
            Self::Minus => b'-',
        }
    }

    /// The separator as a string slice.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "=",
            Self::Plus => "+",
            Self::Minus => "-",
        }
    }

    /// The separator for a byte, if it is one.
    #[must_use]
    pub const fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'=' => Some(Self::Equals),
            b'+' => Some(Self::Plus),
            b'-' => Some(Self::Minus),
            _ => None,
        }
    }
}

impl fmt::Display for Separator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Separator {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::Config`] unless `s` is exactly `=`, `+` or `-`.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.as_bytes() {
            [b] => Self::from_byte(*b),
            _ => None,
        }
        .ok_or(Error::Config {
            reason: "the separator must be =, + or -",
        })
    }
}

/// Which tag a local part starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Srs0,
    Srs1,
}

/// The tag and separator at the start of `local`, in any case.
pub(crate) fn tag(local: &str) -> Option<(Tag, Separator)> {
    let b = local.as_bytes();
    if b.len() < 5 || !b[..3].eq_ignore_ascii_case(b"SRS") {
        return None;
    }
    let tag = match b[3] {
        b'0' => Tag::Srs0,
        b'1' => Tag::Srs1,
        _ => return None,
    };
    Some((tag, Separator::from_byte(b[4])?))
}

pub(crate) fn malformed(part: Part, value: &str, offset: usize, reason: &'static str) -> Error {
    Error::Malformed {
        part,
        value: value.to_string(),
        offset,
        reason,
    }
}

/// An address split at its last `@`, with what one pass over it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub(crate) local: &'a str,
    pub(crate) host: &'a str,
    /// Offset of the first `@` when the local part holds one.
    pub(crate) at_in_local: Option<usize>,
    /// Offset of the first `=` in the host.
    pub(crate) eq_in_host: Option<usize>,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `v` that is zero (exact for the lowest such byte, and
/// exact as a whole: zero if and only if no byte is zero).
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Non-zero if and only if some byte of `v` is below 0x20 or is 0x7f.
fn control_bytes(v: u64) -> u64 {
    (v.wrapping_sub(0x20 * ONES) & !v & HIGHS) | zero_bytes(v ^ (0x7f * ONES))
}

/// Split an address at its last `@` into local part and host, refusing control
/// characters anywhere and an empty host. Eight bytes at a time.
pub(crate) fn split_address(address: &str) -> Result<Split<'_>, Error> {
    let bytes = address.as_bytes();
    let mut control = 0u64;
    let mut first_at = None;
    let mut last_at = None;
    let mut chunks = bytes.chunks_exact(8);
    for (n, chunk) in chunks.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        control |= control_bytes(v);
        if zero_bytes(v ^ (u64::from(b'@') * ONES)) != 0 {
            for (k, &b) in chunk.iter().enumerate() {
                if b == b'@' {
                    first_at = first_at.or(Some(8 * n + k));
                    last_at = Some(8 * n + k);
                }
            }
        }
    }
    let tail_at = bytes.len() - chunks.remainder().len();
    for (k, &b) in chunks.remainder().iter().enumerate() {
        control |= u64::from(b.is_ascii_control());
        if b == b'@' {
            first_at = first_at.or(Some(tail_at + k));
            last_at = Some(tail_at + k);
        }
    }
    if control != 0 {
        let i = bytes
            .iter()
            .position(u8::is_ascii_control)
            .unwrap_or_default();
        return Err(malformed(
            Part::Address,
            address,
            i,
            "control character in address",
        ));
    }
    let Some(at) = last_at else {
        return Err(malformed(Part::Address, address, 0, "no @"));
    };
    let (local, host) = (&address[..at], &address[at + 1..]);
    if host.is_empty() {
        return Err(malformed(Part::Domain, host, at + 1, "empty"));
    }
    Ok(Split {
        local,
        host,
        at_in_local: first_at.filter(|&f| f < at),
        eq_in_host: if has_byte(host.as_bytes(), b'=') {
            position(host.as_bytes(), b'=').map(|i| at + 1 + i)
        } else {
            None
        },
    })
}

/// Whether `needle` occurs in `haystack`, eight bytes at a time.
fn has_byte(haystack: &[u8], needle: u8) -> bool {
    let pattern = u64::from(needle) * ONES;
    let mut chunks = haystack.chunks_exact(8);
    let mut found = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        found |= zero_bytes(u64::from_le_bytes(word) ^ pattern);
    }
    found != 0 || chunks.remainder().contains(&needle)
}

/// The first position of `needle`: a plain loop, quicker than `memchr` on the short
/// fields of an address.
fn position(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Per byte of `h` (high bits clear): the high bit is clear exactly where the byte
/// equals `pattern` (below 0x80). The sums stay within their byte.
fn differs(h: u64, pattern: u8) -> u64 {
    (h ^ (u64::from(pattern) * ONES)) + 0x7f * ONES
}

/// High bit set in exactly the bytes of `v` that are control characters (below 0x20,
/// or 0x7f) or `@`, and also `=` when `with_eq`.
#[inline]
fn special(v: u64, with_eq: bool) -> u64 {
    let h = v & !HIGHS;
    // High bit clear exactly where a low-seven-bit value is below 0x20.
    let printable = h + (0x80 - 0x20) * ONES;
    let mut ok = printable & differs(h, b'@') & differs(h, 0x7f);
    if with_eq {
        ok &= differs(h, b'=');
    }
    // Bytes at or above 0x80 are never special.
    !ok & !v & HIGHS
}

/// Control characters and `@`: what ends a local part.
fn controls_or_at(v: u64) -> u64 {
    special(v, false)
}

/// Control characters, `@` and `=`: what ends a domain field.
fn controls_at_or_eq(v: u64) -> u64 {
    special(v, true)
}

/// The first position in `b` whose byte `mask` marks, eight bytes at a time. The last
/// word is the last eight bytes, overlapping bytes already found clean, so no byte is
/// copied or masked; inputs under eight bytes are assembled into one word.
#[inline]
fn find(b: &[u8], mask: impl Fn(u64) -> u64) -> Option<usize> {
    let n = b.len();
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(w)
    };
    if n < 8 {
        let v = if n >= 4 {
            // Two overlapping halves: the shared bytes are the same in both.
            let half = |i: usize| {
                let mut w = [0u8; 4];
                w.copy_from_slice(&b[i..i + 4]);
                u64::from(u32::from_le_bytes(w))
            };
            half(0) | half(n - 4) << (8 * (n - 4))
        } else {
            b.iter()
                .enumerate()
                .fold(0, |v, (k, &c)| v | u64::from(c) << (8 * k))
        };
        // Only the bytes that are there count (zero padding reads as a control).
        let valid = !(u64::MAX << (8 * n));
        let m = mask(v) & valid;
        return (m != 0).then(|| m.trailing_zeros() as usize / 8);
    }
    let mut i = 0;
    while i + 8 < n {
        let m = mask(word(i));
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    let m = mask(word(n - 8));
    (m != 0).then(|| n - 8 + m.trailing_zeros() as usize / 8)
}

/// The usual sender, in one pass: exactly one `@`, no control character, and a host
/// that is not empty and holds no `=`. `None` for anything else, which
/// [`split_address`] then judges.
pub(crate) fn split_plain(address: &str) -> Option<(&str, &str)> {
    let b = address.as_bytes();
    let at = find(b, controls_or_at)?;
    let host = &b[at + 1..];
    if b[at] != b'@' || host.is_empty() || find(host, controls_at_or_eq).is_some() {
        return None;
    }
    Some((address.get(..at)?, address.get(at + 1..)?))
}

/// A well-formed SRS address, in one pass over its bytes: the tag, then each field up
/// to its `=`, the rest up to the only `@`, the host. `None` for anything else, which
/// [`parse_raw`] then judges; where this gives an address, it is the one `parse_raw`
/// gives.
#[inline]
pub(crate) fn parse_fast(address: &str) -> Option<Raw<'_>> {
    let b = address.as_bytes();
    let (tag, separator) = tag(address)?;
    // The hash: 1 to 27 base64 characters, then `=`.
    let limit = b.len().min(5 + MAX_HASH_LENGTH + 1);
    let i = 5 + b[5..limit].iter().position(|&c| !is_hash_char(c))?;
    if i == 5 || b[i] != b'=' {
        return None;
    }
    let hash = Field {
        text: address.get(5..i)?,
        at: 5,
    };
    let mut at = i + 1;
    let timestamp = if tag == Tag::Srs0 {
        // Two base32 characters, then `=`.
        let stamp = b.get(at..at + 3)?;
        if stamp[2] != b'=' {
            return None;
        }
        let day = timestamp::decode(&stamp[..2])?;
        at += 3;
        Some((
            Field {
                text: address.get(at - 3..at - 1)?,
                at: at - 3,
            },
            day,
        ))
    } else {
        None
    };
    // The original domain (SRS0) or first hop (SRS1): not empty, up to `=`.
    let n = find(&b[at..], controls_at_or_eq)?;
    if n == 0 || b[at + n] != b'=' {
        return None;
    }
    let domain = Field {
        text: address.get(at..at + n)?,
        at,
    };
    at += n + 1;
    // The rest of the local part, up to the only `@`.
    let n = find(&b[at..], controls_or_at)?;
    let host_at = at + n + 1;
    if b[at + n] != b'@' || host_at == b.len() || find(&b[host_at..], controls_or_at).is_some() {
        return None;
    }
    let rest = Field {
        text: address.get(at..at + n)?,
        at,
    };
    let host = address.get(host_at..)?;
    Some(match timestamp {
        Some((timestamp, day)) => Raw::Srs0(RawSrs0 {
            separator,
            hash,
            timestamp,
            day,
            domain,
            local: rest,
            host,
        }),
        None => {
            Separator::from_byte(*rest.text.as_bytes().first()?)?;
            Raw::Srs1(RawSrs1 {
                separator,
                hash,
                first_hop: domain,
                wrapped: rest,
                host,
            })
        }
    })
}

/// A field of a borrowed parse, with its offset in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub(crate) text: &'a str,
    pub(crate) at: usize,
}

/// A borrowed SRS0 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawSrs0<'a> {
    pub(crate) separator: Separator,
    pub(crate) hash: Field<'a>,
    pub(crate) timestamp: Field<'a>,
    /// The day in the 1024-day cycle that the timestamp names.
    pub(crate) day: u16,
    pub(crate) domain: Field<'a>,
    pub(crate) local: Field<'a>,
    pub(crate) host: &'a str,
}

/// A borrowed SRS1 address. `wrapped` includes its leading separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawSrs1<'a> {
    pub(crate) separator: Separator,
    pub(crate) hash: Field<'a>,
    pub(crate) first_hop: Field<'a>,
    pub(crate) wrapped: Field<'a>,
    pub(crate) host: &'a str,
}

/// A borrowed SRS address of either kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raw<'a> {
    Srs0(RawSrs0<'a>),
    Srs1(RawSrs1<'a>),
}

/// Cut `s` (which starts at `at` in the input) at its first `=`.
fn next_field<'a>(s: &'a str, at: usize, part: Part) -> Result<(Field<'a>, &'a str, usize), Error> {
    match position(s.as_bytes(), b'=') {
        Some(i) => Ok((Field { text: &s[..i], at }, &s[i + 1..], at + i + 1)),
        None => Err(malformed(part, "", at + s.len(), "missing")),
    }
}

fn check_hash(hash: Field<'_>) -> Result<(), Error> {
    if hash.text.is_empty() {
        return Err(malformed(Part::Hash, hash.text, hash.at, "empty"));
    }
    if hash.text.len() > MAX_HASH_LENGTH {
        return Err(malformed(
            Part::Hash,
            hash.text,
            hash.at,
            "longer than 27 characters",
        ));
    }
    if !hash.text.bytes().all(is_hash_char) {
        return Err(malformed(Part::Hash, hash.text, hash.at, "not base64"));
    }
    Ok(())
}

fn check_domain(field: Field<'_>, part: Part, may_hold_at: bool) -> Result<(), Error> {
    if field.text.is_empty() {
        return Err(malformed(part, field.text, field.at, "empty"));
    }
    if may_hold_at && field.text.contains('@') {
        return Err(malformed(part, field.text, field.at, "contains @"));
    }
    Ok(())
}

/// Parse an SRS0 or SRS1 address without copying.
pub(crate) fn parse_raw(address: &str) -> Result<Raw<'_>, Error> {
    let Split {
        local,
        host,
        at_in_local,
        ..
    } = split_address(address)?;
    let may_hold_at = at_in_local.is_some();
    let Some((tag, separator)) = tag(local) else {
        return Err(Error::NotSrs {
            local_part: local.to_string(),
        });
    };
    let body = &local[5..];
    let (hash, rest, at) = next_field(body, 5, Part::Hash)?;
    check_hash(hash)?;
    match tag {
        Tag::Srs0 => {
            let (timestamp, rest, at) = next_field(rest, at, Part::Timestamp)?;
            let Some(day) = timestamp::decode(timestamp.text.as_bytes()) else {
                return Err(malformed(
                    Part::Timestamp,
                    timestamp.text,
                    timestamp.at,
                    "not two base32 characters",
                ));
            };
            let (domain, rest, at) = next_field(rest, at, Part::OriginalDomain)?;
            check_domain(domain, Part::OriginalDomain, may_hold_at)?;
            if may_hold_at && rest.contains('@') {
                return Err(malformed(Part::OriginalLocalPart, rest, at, "contains @"));
            }
            Ok(Raw::Srs0(RawSrs0 {
                separator,
                hash,
                timestamp,
                day,
                domain,
                local: Field { text: rest, at },
                host,
            }))
        }
        Tag::Srs1 => {
            let (first_hop, rest, at) = next_field(rest, at, Part::OriginalDomain)?;
            check_domain(first_hop, Part::OriginalDomain, may_hold_at)?;
            check_wrapped(rest, at)?;
            Ok(Raw::Srs1(RawSrs1 {
                separator,
                hash,
                first_hop,
                wrapped: Field { text: rest, at },
                host,
            }))
        }
    }
}

/// The wrapped part of an SRS1 address starts with the separator of the SRS0 it came from.
pub(crate) fn check_wrapped(wrapped: &str, at: usize) -> Result<Separator, Error> {
    match wrapped.bytes().next().and_then(Separator::from_byte) {
        Some(sep) => Ok(sep),
        None => Err(malformed(
            Part::Wrapped,
            wrapped,
            at,
            "does not start with =, + or -",
        )),
    }
}

/// An SRS0 address: the first hop's rewrite of a plain sender.
///
/// ```text
/// "SRS0" sep hash "=" timestamp "=" orig-domain "=" orig-local "@" host
/// ```
///
/// Parsing is structural: it checks the shape of every field but not the hash or the
/// age, which need the secrets and the clock of a [`Rewriter`](crate::Rewriter).
/// Display writes the tag as `SRS0` and every other field as it was parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Srs0Address {
    separator: Separator,
    hash: String,
    timestamp: String,
    original_domain: String,
    original_local_part: String,
    host: String,
}

impl Srs0Address {
    /// Build an address from its parts, checking each as parsing does.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] naming the first part that does not fit.
    pub fn new(
        separator: Separator,
        hash: &str,
        timestamp: &str,
        original_domain: &str,
        original_local_part: &str,
        host: &str,
    ) -> Result<Self, Error> {
        let text = alloc::format!(
            "SRS0{separator}{hash}={timestamp}={original_domain}={original_local_part}@{host}"
        );
        let parsed: Self = text.parse()?;
        // A field holding a separator would have shifted the others.
        if parsed.hash != hash
            || parsed.timestamp != timestamp
            || parsed.original_domain != original_domain
            || parsed.host != host
        {
            return Err(malformed(Part::Address, &text, 0, "a field holds = or @"));
        }
        Ok(parsed)
    }

    /// The separator after the tag.
    #[must_use]
    pub fn separator(&self) -> Separator {
        self.separator
    }
    /// The hash, as written.
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.hash
    }
    /// The two-character timestamp, as written.
    #[must_use]
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }
    /// The day in the 1024-day cycle that the timestamp names.
    #[must_use]
    pub fn timestamp_day(&self) -> u16 {
        // Parsing guarantees a valid stamp.
        timestamp::decode(self.timestamp.as_bytes()).unwrap_or(0)
    }
    /// The domain of the original sender.
    #[must_use]
    pub fn original_domain(&self) -> &str {
        &self.original_domain
    }
    /// The local part of the original sender.
    #[must_use]
    pub fn original_local_part(&self) -> &str {
        &self.original_local_part
    }
    /// The host after the `@`: the forwarder that wrote this address.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The original sender, `original-local@original-domain`.
    #[must_use]
    pub fn original_sender(&self) -> String {
        alloc::format!("{}@{}", self.original_local_part, self.original_domain)
    }
}

impl From<RawSrs0<'_>> for Srs0Address {
    fn from(r: RawSrs0<'_>) -> Self {
        Self {
            separator: r.separator,
            hash: r.hash.text.to_string(),
            timestamp: r.timestamp.text.to_string(),
            original_domain: r.domain.text.to_string(),
            original_local_part: r.local.text.to_string(),
            host: r.host.to_string(),
        }
    }
}

impl FromStr for Srs0Address {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::NotSrs`] when the local part has no SRS0 tag (an SRS1 address is
    /// reported as malformed), [`Error::Malformed`] naming the first bad part.
    fn from_str(s: &str) -> Result<Self, Error> {
        match parse_raw(s)? {
            Raw::Srs0(r) => Ok(r.into()),
            Raw::Srs1(_) => Err(malformed(Part::Tag, &s[..4], 0, "an srs1 address")),
        }
    }
}

impl fmt::Display for Srs0Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SRS0{}{}={}={}={}@{}",
            self.separator,
            self.hash,
            self.timestamp,
            self.original_domain,
            self.original_local_part,
            self.host
        )
    }
}

/// An SRS1 address: a later hop's rewrite of an SRS0 address.
///
/// ```text
/// "SRS1" sep hash "=" first-hop "=" sep0 opaque "@" host
/// ```
///
/// `first-hop` is the host of the SRS0 address and `sep0 opaque` its local part after
/// the `SRS0` tag, kept unchanged and unchecked (it was signed by the first hop, with a
/// secret only that hop knows). Display writes the tag as `SRS1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Srs1Address {
    separator: Separator,
    hash: String,
    first_hop: String,
    wrapped_separator: Separator,
    wrapped: String,
    host: String,
}

impl Srs1Address {
    /// The separator after the tag.
    #[must_use]
    pub fn separator(&self) -> Separator {
        self.separator
    }
    /// The hash, as written.
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.hash
    }
    /// The host of the wrapped SRS0 address: the first forwarder.
    #[must_use]
    pub fn first_hop(&self) -> &str {
        &self.first_hop
    }
    /// The separator that followed the tag of the wrapped SRS0 address.
    #[must_use]
    pub fn wrapped_separator(&self) -> Separator {
        self.wrapped_separator
    }
    /// The wrapped SRS0 local part after its tag and separator (opaque).
    #[must_use]
    pub fn wrapped(&self) -> &str {
        &self.wrapped
    }
    /// The host after the `@`: the forwarder that wrote this address.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The SRS0 address of the first hop that this one wraps.
    #[must_use]
    pub fn srs0_address(&self) -> String {
        alloc::format!(
            "SRS0{}{}@{}",
            self.wrapped_separator,
            self.wrapped,
            self.first_hop
        )
    }
}

impl From<RawSrs1<'_>> for Srs1Address {
    fn from(r: RawSrs1<'_>) -> Self {
        let wrapped_separator =
            Separator::from_byte(r.wrapped.text.as_bytes()[0]).unwrap_or_default();
        Self {
            separator: r.separator,
            hash: r.hash.text.to_string(),
            first_hop: r.first_hop.text.to_string(),
            wrapped_separator,
            wrapped: r.wrapped.text[1..].to_string(),
            host: r.host.to_string(),
        }
    }
}

impl FromStr for Srs1Address {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::NotSrs`] when the local part has no SRS1 tag (an SRS0 address is
    /// reported as malformed), [`Error::Malformed`] naming the first bad part.
    fn from_str(s: &str) -> Result<Self, Error> {
        match parse_raw(s)? {
            Raw::Srs1(r) => Ok(r.into()),
            Raw::Srs0(_) => Err(malformed(Part::Tag, &s[..4], 0, "an srs0 address")),
        }
    }
}

impl fmt::Display for Srs1Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SRS1{}{}={}={}{}@{}",
            self.separator,
            self.hash,
            self.first_hop,
            self.wrapped_separator,
            self.wrapped,
            self.host
        )
    }
}

/// An SRS address of either kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SrsAddress {
    /// `SRS0...`
    Srs0(Srs0Address),
    /// `SRS1...`
    Srs1(Srs1Address),
}

impl SrsAddress {
    /// The host after the `@`.
    #[must_use]
    pub fn host(&self) -> &str {
        match self {
            Self::Srs0(a) => a.host(),
            Self::Srs1(a) => a.host(),
        }
    }
}

impl FromStr for SrsAddress {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::NotSrs`] when the local part carries no SRS tag, [`Error::Malformed`]
    /// naming the first bad part.
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match parse_raw(s)? {
            Raw::Srs0(r) => Self::Srs0(r.into()),
            Raw::Srs1(r) => Self::Srs1(r.into()),
        })
    }
}

impl fmt::Display for SrsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Srs0(a) => a.fmt(f),
            Self::Srs1(a) => a.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srs0_round_trip() {
        let s = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net";
        let a: Srs0Address = s.parse().unwrap();
        assert_eq!(a.hash(), "Xu1M");
        assert_eq!(a.timestamp(), "2W");
        assert_eq!(a.timestamp_day(), 854);
        assert_eq!(a.original_domain(), "example.com");
        assert_eq!(a.original_local_part(), "alice");
        assert_eq!(a.host(), "fwd1.example.net");
        assert_eq!(a.original_sender(), "alice@example.com");
        assert_eq!(a.to_string(), s);
    }

    #[test]
    fn srs0_local_part_keeps_equals() {
        let a: Srs0Address = "srs0+IDho=2w=Example.COM=Some=User@fwd1.example.net"
            .parse()
            .unwrap();
        assert_eq!(a.separator(), Separator::Plus);
        assert_eq!(a.original_local_part(), "Some=User");
        assert_eq!(
            a.to_string(),
            "SRS0+IDho=2w=Example.COM=Some=User@fwd1.example.net"
        );
    }

    #[test]
    fn srs1_round_trip() {
        let s = "SRS1-VdNr=fwd1.example.net=-Xu1M=2W=example.com=alice@fwd2.example.org";
        let a: Srs1Address = s.parse().unwrap();
        assert_eq!(a.separator(), Separator::Minus);
        assert_eq!(a.first_hop(), "fwd1.example.net");
        assert_eq!(a.wrapped_separator(), Separator::Minus);
        assert_eq!(a.wrapped(), "Xu1M=2W=example.com=alice");
        assert_eq!(
            a.srs0_address(),
            "SRS0-Xu1M=2W=example.com=alice@fwd1.example.net"
        );
        assert_eq!(a.to_string(), s);
        let any: SrsAddress = s.parse().unwrap();
        assert_eq!(any, SrsAddress::Srs1(a));
    }

    #[test]
    fn errors_name_the_part() {
        let part = |s: &str| match s.parse::<SrsAddress>() {
            Err(Error::Malformed { part, .. }) => Some(part),
            _ => None,
        };
        assert_eq!(part("SRS0=Xu1M=2W=example.com=alice"), Some(Part::Address));
        assert_eq!(part("SRS0=Xu1M=2W=example.com=alice@"), Some(Part::Domain));
        assert_eq!(part("SRS0==2W=example.com=alice@x"), Some(Part::Hash));
        assert_eq!(part("SRS0=X.M=2W=example.com=alice@x"), Some(Part::Hash));
        assert_eq!(
            part("SRS0=Xu1M=2=example.com=alice@x"),
            Some(Part::Timestamp)
        );
        assert_eq!(
            part("SRS0=Xu1M=2W1=example.com=alice@x"),
            Some(Part::Timestamp)
        );
        assert_eq!(part("SRS0=Xu1M=2W==alice@x"), Some(Part::OriginalDomain));
        assert_eq!(
            part("SRS0=Xu1M=2W=example.com@x"),
            Some(Part::OriginalDomain)
        );
        assert_eq!(
            part("SRS0=Xu1M=2W=a.com=b@c@x"),
            Some(Part::OriginalLocalPart)
        );
        assert_eq!(part("SRS1=abcd=host=xyz@x"), Some(Part::Wrapped));
        assert_eq!(part("SRS1=abcd=host@x"), Some(Part::OriginalDomain));
        assert_eq!(part("SRS0=a\nb@x"), Some(Part::Address));
        assert!(matches!(
            "alice@example.com".parse::<SrsAddress>(),
            Err(Error::NotSrs { .. })
        ));
        assert!(matches!(
            "SRS2=a=b@x".parse::<SrsAddress>(),
            Err(Error::NotSrs { .. })
        ));
    }

    #[test]
    fn offsets_point_into_the_input() {
        let s = "SRS0=Xu1M=2W9=example.com=alice@x";
        match s.parse::<Srs0Address>() {
            Err(Error::Malformed { offset, value, .. }) => {
                assert_eq!(&s[offset..offset + value.len()], value);
                assert_eq!(offset, 10);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn new_checks_parts() {
        let a = Srs0Address::new(Separator::Equals, "abcd", "AA", "d.org", "l=x", "h.net").unwrap();
        assert_eq!(a.to_string(), "SRS0=abcd=AA=d.org=l=x@h.net");
        assert!(Srs0Address::new(Separator::Equals, "ab=cd", "AA", "d.org", "l", "h").is_err());
        assert!(Srs0Address::new(Separator::Equals, "abcd", "AA", "d=org", "l", "h").is_err());
        assert!(Srs0Address::new(Separator::Equals, "abcd", "AA", "d.org", "l", "h@i").is_err());
    }

    #[test]
    fn word_tests_are_exact() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'x'; 8];
                w[pos] = b;
                let v = u64::from_le_bytes(w);
                assert_eq!(control_bytes(v) != 0, b.is_ascii_control(), "{b:#x}");
                assert_eq!(zero_bytes(v ^ (u64::from(b'@') * ONES)) != 0, b == b'@');
            }
        }
        // Every position of '@' and of a control byte, around the 8-byte chunks.
        for len in 1..40 {
            for pos in 0..len {
                let mut s = alloc::vec![b'a'; len];
                s[pos] = b'@';
                let text = core::str::from_utf8(&s).unwrap();
                let r = split_address(text);
                if pos + 1 == len {
                    assert!(r.is_err());
                } else {
                    assert_eq!(r.unwrap().local.len(), pos);
                }
                s[pos] = b'\n';
                let text = core::str::from_utf8(&s).unwrap();
                assert!(
                    matches!(split_address(text), Err(Error::Malformed { offset, .. }) if offset == pos)
                );
            }
        }
    }

    #[test]
    fn word_scans_match_bytewise() {
        let is = |c: u8, eq: bool| c.is_ascii_control() || c == b'@' || (eq && c == b'=');
        for len in 0..20 {
            for pos in 0..len {
                for c in 0..=255u8 {
                    let mut v = alloc::vec![b'x'; len];
                    v[pos] = c;
                    for eq in [false, true] {
                        let want = v.iter().position(|&b| is(b, eq));
                        assert_eq!(find(&v, |w| special(w, eq)), want, "{c:#x} at {pos}");
                    }
                }
            }
        }
        assert_eq!(find(b"", controls_or_at), None);
    }

    /// Where the one-pass parse gives an address, the field-by-field parse gives the
    /// same one; where the one-pass split gives a sender, the full split agrees.
    #[test]
    fn fast_parse_agrees() {
        // Slots of an address, each with good and bad choices.
        let slots: [&[&str]; 10] = [
            &["SRS0", "srs1", "SRS1", "SRS2", "SR", "a@b", ""],
            &["=", "+", "-", "@", "", "\n"],
            &[
                "Xu1M",
                "x",
                "",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZa",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZab",
                "X.",
                "a@",
            ],
            &["=", "", "@", "=="],
            &["2W", "2w", "1W", "2", "2WW", "=", "\u{7f}"],
            &["=", "", "@", "+"],
            &[
                "example.com",
                "",
                "a@b",
                "ex\tample",
                "\u{e9}t\u{e9}.fr",
                "x=y",
            ],
            &["=", "", "@", "==", "=+", "=-"],
            &["alice", "", "a=b", "a@b", "\u{e9}", "a\u{7f}"],
            &[
                "@fwd.example.net",
                "@",
                "@x=y",
                "",
                "@a@b",
                "@h\r",
                "@\u{e9}",
            ],
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let (mut fast, mut plain) = (0, 0);
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut k = state;
            let mut s = String::new();
            for slot in slots {
                // Mostly the first, good choice.
                let pick = if k.is_multiple_of(4) {
                    (k / 4) as usize % slot.len()
                } else {
                    0
                };
                s.push_str(slot[pick]);
                k /= 29;
            }
            if let Some(r) = parse_fast(&s) {
                assert_eq!(Ok(r), parse_raw(&s), "{s:?}");
                fast += 1;
            }
            if let Some((local, host)) = split_plain(&s) {
                let split = split_address(&s).unwrap();
                assert_eq!((split.local, split.host), (local, host), "{s:?}");
                assert_eq!((split.at_in_local, split.eq_in_host), (None, None), "{s:?}");
                plain += 1;
            }
        }
        assert!(fast > 100 && plain > 1000, "{fast} {plain}");
        for good in [
            "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net",
            "srs0+IDho=2w=Example.COM=Some=User@fwd1.example.net",
            "SRS1=clAQ=fwd1.example.net==Xu1M=2W=example.com=alice@fwd2.example.org",
        ] {
            assert_eq!(parse_fast(good).map(Ok), Some(parse_raw(good)));
        }
    }

    #[test]
    fn separators() {
        for (s, b) in [("=", b'='), ("+", b'+'), ("-", b'-')] {
            let sep: Separator = s.parse().unwrap();
            assert_eq!(sep.as_byte(), b);
            assert_eq!(sep.to_string(), s);
        }
        assert!("/".parse::<Separator>().is_err());
        assert!("==".parse::<Separator>().is_err());
    }
}
