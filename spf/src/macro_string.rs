//! Macro strings and their expansion (RFC 7208 section 7).
//!
//! ```text
//! macro-string   = *( macro-expand / macro-literal )
//! macro-expand   = ( "%{" macro-letter transformers *delimiter "}" )
//!                  / "%%" / "%_" / "%-"
//! macro-literal  = %x21-24 / %x26-7E
//! macro-letter   = "s" / "l" / "o" / "d" / "i" / "p" / "h" /
//!                  "c" / "r" / "t" / "v"
//! transformers   = *DIGIT [ "r" ]
//! delimiter      = "." / "-" / "+" / "," / "/" / "_" / "="
//! explain-string = *( macro-string / SP )
//! ```

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt::{self, Write as _};
use core::net::IpAddr;

use crate::error::ErrorKind;

/// Where a macro string appears: this decides which characters and letters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// A domain-spec of a mechanism or of `redirect=`/`exp=`: no `c`, `r`, `t`, no space.
    Domain,
    /// The value of an unknown modifier: any letter, no space.
    Modifier,
    /// Explanation text fetched by `exp=`: any letter, spaces allowed.
    Explanation,
}

/// A macro letter (RFC 7208 section 7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MacroLetter {
    /// `s`: the sender, `local-part@domain`.
    Sender,
    /// `l`: the local-part of the sender.
    Local,
    /// `o`: the domain of the sender.
    Origin,
    /// `d`: the domain being checked (changes with `include` and `redirect`).
    Domain,
    /// `i`: the client IP, dotted (IPv6 as nibbles).
    Ip,
    /// `p`: the validated reverse-DNS name of the client, or `unknown`.
    Ptr,
    /// `v`: `in-addr` for IPv4, `ip6` for IPv6.
    Version,
    /// `h`: the HELO/EHLO domain.
    Helo,
    /// `c`: the client IP in its usual text form (explanation text only).
    ClientIp,
    /// `r`: the name of the receiving host (explanation text only).
    Receiver,
    /// `t`: the current time in seconds since the epoch (explanation text only).
    Timestamp,
}

impl MacroLetter {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b.to_ascii_lowercase() {
            b's' => Self::Sender,
            b'l' => Self::Local,
            b'o' => Self::Origin,
            b'd' => Self::Domain,
            b'i' => Self::Ip,
            b'p' => Self::Ptr,
            b'v' => Self::Version,
            b'h' => Self::Helo,
            b'c' => Self::ClientIp,
            b'r' => Self::Receiver,
            b't' => Self::Timestamp,
            _ => return None,
        })
    }

    /// The lowercase letter.
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            Self::Sender => 's',
            Self::Local => 'l',
            Self::Origin => 'o',
            Self::Domain => 'd',
            Self::Ip => 'i',
            Self::Ptr => 'p',
            Self::Version => 'v',
            Self::Helo => 'h',
            Self::ClientIp => 'c',
            Self::Receiver => 'r',
            Self::Timestamp => 't',
        }
    }

    /// Whether the letter may appear only in explanation text (`c`, `r`, `t`).
    #[must_use]
    pub const fn explanation_only(self) -> bool {
        matches!(self, Self::ClientIp | Self::Receiver | Self::Timestamp)
    }
}

/// One `%{...}` macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Macro {
    /// The letter.
    pub letter: MacroLetter,
    /// Written in upper case: the expansion is URL-escaped (section 7.3).
    pub url_escape: bool,
    /// Keep only this many right-most parts (0 means all).
    pub keep: u32,
    /// Reverse the parts before keeping the right-most ones.
    pub reverse: bool,
    /// The delimiters to split on, as a bit set over `.-+,/_=` (0 means `.`).
    pub delimiters: u8,
}

const DELIMS: &[u8; 7] = b".-+,/_=";

fn delimiter_bit(b: u8) -> Option<u8> {
    DELIMS.iter().position(|&d| d == b).map(|i| 1u8 << i)
}

/// One piece of a macro string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroItem<'a> {
    /// Literal text.
    Literal(&'a str),
    /// `%%`, `%_` or `%-`: expands to `%`, a space, or `%20`.
    Escape(char),
    /// A `%{...}` macro.
    Macro(Macro),
}

/// Longest text kept inline, without a heap allocation.
const INLINE: usize = 22;

/// The inline bytes.
#[derive(Clone, Copy)]
struct Buf([u8; INLINE]);

/// The storage of a [`MacroString`]: short text (most domain names in records) inline,
/// longer text on the heap.
#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: Buf },
    Heap(Box<str>),
}

/// A validated macro string, kept as written.
#[derive(Clone)]
pub struct MacroString {
    raw: Repr,
}

impl PartialEq for MacroString {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for MacroString {}

impl PartialOrd for MacroString {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MacroString {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for MacroString {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacroString")
            .field("raw", &self.as_str())
            .finish()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MacroString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for MacroString {
    /// Reads and checks a macro string in the widest grammar it can hold, explanation
    /// text ([`MacroString::explanation`]). Inside a [`Record`](crate::Record) each
    /// position checks its own, narrower grammar: a domain-spec where the record holds
    /// one, a modifier value (no space) in an unknown modifier.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::explanation(&s).map_err(serde::de::Error::custom)
    }
}

/// `deserialize_with` functions for the positions of a record, each checking the
/// grammar of its position.
#[cfg(feature = "serde")]
pub(crate) mod de {
    use alloc::string::String;
    use serde::Deserialize as _;

    use super::{Context, MacroString};

    /// A grammar check: the kind and offset of the first fault.
    type Check = fn(&[u8]) -> Result<(), (crate::ErrorKind, usize)>;

    fn checked<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
        check: Check,
    ) -> Result<MacroString, D::Error> {
        let s = String::deserialize(deserializer)?;
        check(s.as_bytes())
            .map_err(|(kind, off)| serde::de::Error::custom(crate::Error::new(kind, &s, off)))?;
        Ok(MacroString::from_validated(&s))
    }

    /// A domain-spec (section 7.1).
    pub(crate) fn domain_spec<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<MacroString, D::Error> {
        checked(deserializer, super::check_domain_spec)
    }

    /// An optional domain-spec.
    pub(crate) fn opt_domain_spec<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<MacroString>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Spec(#[serde(deserialize_with = "domain_spec")] MacroString);
        Option::<Spec>::deserialize(deserializer).map(|o| o.map(|s| s.0))
    }

    /// The value of an unknown modifier: any macro letter, no space.
    pub(crate) fn modifier_value<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<MacroString, D::Error> {
        checked(deserializer, |b| super::check(b, Context::Modifier))
    }
}

impl MacroString {
    pub(crate) fn from_validated(raw: &str) -> Self {
        let b = raw.as_bytes();
        if b.len() <= INLINE {
            let mut buf = Buf([0u8; INLINE]);
            buf.0[..b.len()].copy_from_slice(b);
            Self {
                raw: Repr::Inline {
                    len: b.len() as u8,
                    buf,
                },
            }
        } else {
            Self {
                raw: Repr::Heap(Box::from(raw)),
            }
        }
    }

    /// The empty string, a placeholder to be overwritten in place.
    pub(crate) const EMPTY: Self = Self {
        raw: Repr::Inline {
            len: 0,
            buf: Buf([0u8; INLINE]),
        },
    };

    /// Overwrite `self` (holding no heap text) with the validated text `s[from..to]`,
    /// in place: a short text is copied straight into the inline buffer, so that no
    /// temporary is built and copied.
    #[inline(always)]
    pub(crate) fn set_validated_range(&mut self, s: &str, from: usize, to: usize) {
        let b = s.as_bytes();
        let n = to - from;
        match &mut self.raw {
            Repr::Inline { len, buf } if n <= INLINE => {
                // One fixed-size copy when `s` goes on far enough (the bytes past `n`
                // are never read), else a copy of exactly `n` bytes.
                match b.get(from..from + INLINE) {
                    Some(window) => buf.0.copy_from_slice(window),
                    None => buf.0[..n].copy_from_slice(&b[from..to]),
                }
                *len = n as u8;
            }
            _ => *self = Self::from_validated(&s[from..to]),
        }
    }

    /// The validated text `s[from..to]`, written as [`Self::set_validated_range`]
    /// writes it.
    pub(crate) fn from_validated_range(s: &str, from: usize, to: usize) -> Self {
        let mut m = Self::EMPTY;
        m.set_validated_range(s, from, to);
        m
    }

    /// Parse and check a domain-spec (RFC 7208 section 7.1): a macro string ending in
    /// `"." toplabel ["."]` or in a macro, with no explanation-only letter.
    ///
    /// # Errors
    ///
    /// [`crate::Error`] with kind `InvalidMacro`, `ExpOnlyMacro` or `InvalidDomain`
    /// when `s` is not a valid domain-spec; the offset is within `s`.
    pub fn domain_spec(s: &str) -> Result<Self, crate::Error> {
        check_domain_spec(s.as_bytes()).map_err(|(kind, off)| crate::Error::new(kind, s, off))?;
        Ok(Self::from_validated(s))
    }

    /// Parse and check explanation text (`explain-string`, section 6.2), which may
    /// hold spaces and every macro letter.
    ///
    /// # Errors
    ///
    /// [`crate::Error`] with kind `InvalidMacro` or `NonAscii`.
    pub fn explanation(s: &str) -> Result<Self, crate::Error> {
        check(s.as_bytes(), Context::Explanation)
            .map_err(|(kind, off)| crate::Error::new(kind, s, off))?;
        Ok(Self::from_validated(s))
    }

    /// The text as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match &self.raw {
            // A copy of a whole `&str`, so always UTF-8.
            Repr::Inline { len, buf } => {
                core::str::from_utf8(&buf.0[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }

    /// Whether the string holds any `%` expansion.
    #[must_use]
    pub fn has_macros(&self) -> bool {
        self.as_str().as_bytes().contains(&b'%')
    }

    /// Whether the string uses the `p` letter (which needs reverse DNS to expand).
    #[must_use]
    pub fn uses_ptr(&self) -> bool {
        self.items()
            .any(|i| matches!(i, MacroItem::Macro(m) if m.letter == MacroLetter::Ptr))
    }

    /// The pieces of the string, in order.
    pub fn items(&self) -> impl Iterator<Item = MacroItem<'_>> + '_ {
        Items {
            s: self.as_str(),
            pos: 0,
        }
    }

    /// Expand as a domain name: macros replaced, a trailing dot dropped, and a result
    /// longer than 253 octets shortened from the left, label by label (section 7.3).
    #[must_use]
    pub fn expand_domain(&self, vars: &MacroVars<'_>) -> String {
        let mut out = String::new();
        self.expand_into(vars, &mut out);
        if out.ends_with('.') {
            out.pop();
        }
        while out.len() > 253 {
            match out.find('.') {
                Some(i) => {
                    out.drain(..=i);
                }
                None => break,
            }
        }
        out
    }

    /// Expand as explanation text: macros replaced, nothing else changed.
    #[must_use]
    pub fn expand_text(&self, vars: &MacroVars<'_>) -> String {
        let mut out = String::new();
        self.expand_into(vars, &mut out);
        out
    }

    fn expand_into(&self, vars: &MacroVars<'_>, out: &mut String) {
        for item in self.items() {
            match item {
                MacroItem::Literal(s) => out.push_str(s),
                MacroItem::Escape('-') => out.push_str("%20"),
                MacroItem::Escape(c) => out.push(c),
                MacroItem::Macro(m) => expand_macro(&m, vars, out),
            }
        }
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

struct Items<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = MacroItem<'a>;

    fn next(&mut self) -> Option<MacroItem<'a>> {
        let rest = self.s.get(self.pos..)?;
        let bytes = rest.as_bytes();
        if bytes.is_empty() {
            return None;
        }
        if bytes[0] != b'%' {
            let end = bytes.iter().position(|&b| b == b'%').unwrap_or(bytes.len());
            self.pos += end;
            return Some(MacroItem::Literal(&rest[..end]));
        }
        // Validated: a `%` is followed by `%`, `_`, `-` or a full `{...}`.
        match bytes.get(1) {
            Some(b'{') => {
                let close = bytes.iter().position(|&b| b == b'}').unwrap_or(bytes.len());
                self.pos += close + 1;
                parse_macro_body(&bytes[2..close])
                    .ok()
                    .map(MacroItem::Macro)
            }
            Some(&c) => {
                self.pos += 2;
                Some(MacroItem::Escape(match c {
                    b'_' => ' ',
                    b'-' => '-',
                    _ => '%',
                }))
            }
            None => None,
        }
    }
}

fn parse_macro_body(body: &[u8]) -> Result<Macro, usize> {
    let (&first, rest) = body.split_first().ok_or(0usize)?;
    let letter = MacroLetter::from_byte(first).ok_or(0usize)?;
    let mut i = 0;
    let mut keep: u32 = 0;
    let mut any_digit = false;
    while i < rest.len() && rest[i].is_ascii_digit() {
        keep = keep
            .saturating_mul(10)
            .saturating_add(u32::from(rest[i] - b'0'));
        any_digit = true;
        i += 1;
    }
    if any_digit && keep == 0 {
        return Err(1);
    }
    let mut reverse = false;
    if i < rest.len() && rest[i].eq_ignore_ascii_case(&b'r') {
        reverse = true;
        i += 1;
    }
    let mut delimiters = 0u8;
    while i < rest.len() {
        delimiters |= delimiter_bit(rest[i]).ok_or(i + 1)?;
        i += 1;
    }
    Ok(Macro {
        letter,
        url_escape: first.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters,
    })
}

/// Check a macro string; on error, the kind and the byte offset within `s`.
pub(crate) fn check(s: &[u8], ctx: Context) -> Result<(), (ErrorKind, usize)> {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b'%' => match s.get(i + 1) {
                Some(b'%' | b'_' | b'-') => i += 2,
                Some(b'{') => {
                    let body_start = i + 2;
                    let close = s[body_start..]
                        .iter()
                        .position(|&c| c == b'}')
                        .ok_or((ErrorKind::InvalidMacro, i))?;
                    let body = &s[body_start..body_start + close];
                    let m = parse_macro_body(body)
                        .map_err(|off| (ErrorKind::InvalidMacro, body_start + off))?;
                    if ctx == Context::Domain && m.letter.explanation_only() {
                        return Err((ErrorKind::ExpOnlyMacro, body_start));
                    }
                    i = body_start + close + 1;
                }
                _ => return Err((ErrorKind::InvalidMacro, i)),
            },
            b' ' if ctx == Context::Explanation => i += 1,
            0x21..=0x7e => i += 1,
            _ => return Err((ErrorKind::NonAscii, i)),
        }
    }
    Ok(())
}

/// Check a domain-spec: a valid macro string whose end is a macro or `"." toplabel ["."]`.
pub(crate) fn check_domain_spec(s: &[u8]) -> Result<(), (ErrorKind, usize)> {
    if s.iter().any(|&c| c == b'%' || c.wrapping_sub(0x21) >= 0x5e) {
        check_domain_spec_macros(s)
    } else {
        check_plain_domain_spec(s)
    }
}

/// [`check_domain_spec`] for printable ASCII known to hold no `%`: only its end needs
/// a look, from the right.
#[inline(always)]
pub(crate) fn check_plain_domain_spec(s: &[u8]) -> Result<(), (ErrorKind, usize)> {
    let Some(&last) = s.last() else {
        return Err((ErrorKind::MissingDomain, 0));
    };
    // Ends with a macro expansion (a lone `}` counts, as in the full check)?
    if last == b'}' {
        return Ok(());
    }
    let end = if last == b'.' { s.len() - 1 } else { s.len() };
    // One pass from the right over the top label, OR-ing the classes of its bytes.
    let mut seen = 0u8;
    let mut dot = end;
    while dot > 0 {
        let class = LABEL_CLASS[usize::from(s[dot - 1])];
        if class == DOT {
            break;
        }
        seen |= class;
        dot -= 1;
    }
    if dot == 0 {
        return Err((ErrorKind::InvalidDomain, 0));
    }
    let edge = |c: u8| LABEL_CLASS[usize::from(c)] & (ALPHA | DIGIT) != 0;
    let valid = dot < end
        && seen & OTHER == 0
        && if seen & DASH != 0 {
            edge(s[dot]) && edge(s[end - 1])
        } else {
            seen & ALPHA != 0
        };
    if valid {
        Ok(())
    } else {
        Err((ErrorKind::InvalidDomain, dot))
    }
}

const ALPHA: u8 = 1;
const DIGIT: u8 = 2;
const DASH: u8 = 4;
const DOT: u8 = 8;
const OTHER: u8 = 16;

/// The class of each byte within a label: one of the bits above.
static LABEL_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphabetic() {
            t[c] = ALPHA;
        } else if b.is_ascii_digit() {
            t[c] = DIGIT;
        }
        c += 1;
    }
    t[b'-' as usize] = DASH;
    t[b'.' as usize] = DOT;
    t
};

/// [`check_domain_spec`] for text holding a `%` or a byte outside printable ASCII.
#[cold]
fn check_domain_spec_macros(s: &[u8]) -> Result<(), (ErrorKind, usize)> {
    check(s, Context::Domain)?;
    // Ends with a macro expansion?
    if s.ends_with(b"}") {
        return Ok(());
    }
    // `%%`, `%_`, `%-` at the very end are macro-expands too, but an escaped `%` run
    // needs care: count the `%` before the last byte.
    if s.len() >= 2 && matches!(s[s.len() - 1], b'%' | b'_' | b'-') {
        let run = s[..s.len() - 1]
            .iter()
            .rev()
            .take_while(|&&c| c == b'%')
            .count();
        if run % 2 == 1 {
            return Ok(());
        }
    }
    let body = s.strip_suffix(b".").unwrap_or(s);
    let dot = body
        .iter()
        .rposition(|&c| c == b'.')
        .ok_or((ErrorKind::InvalidDomain, 0))?;
    let top = &body[dot + 1..];
    if is_toplabel(top) {
        Ok(())
    } else {
        Err((ErrorKind::InvalidDomain, dot + 1))
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
pub(crate) fn is_toplabel(l: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (l.first(), l.last()) else {
        return false;
    };
    let mut alpha = false;
    let mut dash = false;
    for &c in l {
        if c.is_ascii_alphabetic() {
            alpha = true;
        } else if c == b'-' {
            dash = true;
        } else if !c.is_ascii_digit() {
            return false;
        }
    }
    if dash {
        first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric()
    } else {
        alpha
    }
}

/// The values macros expand to (RFC 7208 section 7.2).
#[derive(Debug, Clone, Copy)]
pub struct MacroVars<'a> {
    /// The local-part of the sender (`postmaster` when it was empty).
    pub local: &'a str,
    /// The domain of the sender.
    pub sender_domain: &'a str,
    /// The domain being checked.
    pub domain: &'a str,
    /// The client address.
    pub ip: IpAddr,
    /// The validated PTR name, `None` for `unknown`.
    pub ptr: Option<&'a str>,
    /// The HELO/EHLO domain.
    pub helo: &'a str,
    /// The receiving host's name (`r`).
    pub receiver: &'a str,
    /// Seconds since the epoch (`t`).
    pub timestamp: u64,
}

fn expand_macro(m: &Macro, v: &MacroVars<'_>, out: &mut String) {
    let mut value = String::new();
    match m.letter {
        MacroLetter::Sender => {
            value.push_str(v.local);
            value.push('@');
            value.push_str(v.sender_domain);
        }
        MacroLetter::Local => value.push_str(v.local),
        MacroLetter::Origin => value.push_str(v.sender_domain),
        MacroLetter::Domain => value.push_str(v.domain),
        MacroLetter::Ip => push_dotted_ip(v.ip, &mut value),
        MacroLetter::Ptr => value.push_str(v.ptr.unwrap_or("unknown")),
        MacroLetter::Version => value.push_str(match v.ip {
            IpAddr::V4(_) => "in-addr",
            IpAddr::V6(_) => "ip6",
        }),
        MacroLetter::Helo => value.push_str(v.helo),
        MacroLetter::ClientIp => {
            let _ = write!(value, "{}", v.ip);
        }
        MacroLetter::Receiver => value.push_str(v.receiver),
        MacroLetter::Timestamp => {
            let _ = write!(value, "{}", v.timestamp);
        }
    }
    let transformed = if m.keep == 0 && !m.reverse && (m.delimiters == 0 || m.delimiters == 1) {
        value
    } else {
        transform(&value, m)
    };
    if m.url_escape {
        url_escape(&transformed, out);
    } else {
        out.push_str(&transformed);
    }
}

fn transform(value: &str, m: &Macro) -> String {
    let delims = if m.delimiters == 0 { 1 } else { m.delimiters };
    let is_delim = |c: char| {
        u8::try_from(c)
            .ok()
            .and_then(delimiter_bit)
            .is_some_and(|b| delims & b != 0)
    };
    let parts: alloc::vec::Vec<&str> = value.split(is_delim).collect();
    let n = parts.len();
    let keep = if m.keep == 0 {
        n
    } else {
        (m.keep as usize).min(n)
    };
    let mut out = String::with_capacity(value.len());
    let mut first = true;
    let mut push = |p: &str| {
        if !first {
            out.push('.');
        }
        first = false;
        out.push_str(p);
    };
    if m.reverse {
        for p in parts.iter().rev().skip(n - keep) {
            push(p);
        }
    } else {
        for p in parts.iter().skip(n - keep) {
            push(p);
        }
    }
    out
}

fn url_escape(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// The `i` form of an address: dotted quad, or 32 dot-separated nibbles for IPv6.
pub(crate) fn push_dotted_ip(ip: IpAddr, out: &mut String) {
    match ip {
        IpAddr::V4(a) => {
            let _ = write!(out, "{a}");
        }
        IpAddr::V6(a) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for (i, b) in a.octets().iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push('.');
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;

    fn vars() -> MacroVars<'static> {
        MacroVars {
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
            ptr: None,
            helo: "mx.example.org",
            receiver: "unknown",
            timestamp: 0,
        }
    }

    fn exp(s: &str) -> String {
        MacroString::explanation(s).unwrap().expand_text(&vars())
    }

    #[test]
    fn rfc_examples() {
        assert_eq!(exp("%{s}"), "strong-bad@email.example.com");
        assert_eq!(exp("%{o}"), "email.example.com");
        assert_eq!(exp("%{d4}"), "email.example.com");
        assert_eq!(exp("%{d2}"), "example.com");
        assert_eq!(exp("%{d1}"), "com");
        assert_eq!(exp("%{dr}"), "com.example.email");
        assert_eq!(exp("%{d2r}"), "example.email");
        assert_eq!(exp("%{l}"), "strong-bad");
        assert_eq!(exp("%{l-}"), "strong.bad");
        assert_eq!(exp("%{lr}"), "strong-bad");
        assert_eq!(exp("%{lr-}"), "bad.strong");
        assert_eq!(exp("%{l1r-}"), "strong");
        assert_eq!(
            exp("%{ir}.%{v}._spf.%{d2}"),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(exp("%%%_%-"), "% %20");
        assert_eq!(exp("%{S}"), "strong-bad%40email.example.com");
    }

    #[test]
    fn domain_spec_endings() {
        for ok in [
            "foo.example.com",
            "foo.example.com.",
            "%{d}",
            "a:b.example.com",
            "x.a-1",
        ] {
            assert!(MacroString::domain_spec(ok).is_ok(), "{ok}");
        }
        for bad in [
            "foo.1",
            "foo.example.com%",
            "example.-com",
            "",
            "museum",
            "museum.",
            "%{c}.x.com",
            "%{d0}",
            "%x",
        ] {
            assert!(MacroString::domain_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn truncation() {
        let long = "a".repeat(60);
        let s = alloc::format!("{long}.{long}.{long}.{long}.{long}.example.com");
        let e = MacroString::domain_spec(&s).unwrap().expand_domain(&vars());
        assert!(e.len() <= 253);
        assert!(e.ends_with(".example.com"));
        assert!(s.ends_with(&e));
    }
}
