//! Parsing a Strict-Transport-Security header value (RFC 6797 section 6.1).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::{Error, Policy};

/// Chromium's cap on `max-age`: one year, in seconds.
pub const CHROMIUM_MAX_AGE_CAP: u64 = crate::policy::ONE_YEAR;

/// Choices a caller can make about parsing. The defaults follow RFC 6797 exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ParseOptions {
    /// When set, a larger `max-age` is lowered to this value and a
    /// [`Warning::MaxAgeCapped`] says so. Chromium caps at one year
    /// ([`CHROMIUM_MAX_AGE_CAP`]); Firefox and curl do not cap.
    pub max_age_cap: Option<u64>,
}

impl ParseOptions {
    /// The defaults: no cap.
    #[must_use]
    pub const fn new() -> Self {
        Self { max_age_cap: None }
    }

    /// Cap `max-age` at `seconds`.
    #[must_use]
    pub const fn max_age_cap(mut self, seconds: u64) -> Self {
        self.max_age_cap = Some(seconds);
        self
    }
}

/// A header value that parsed: its policy and the oddities met on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parsed {
    /// What the value says.
    pub policy: Policy,
    /// Things that do not make the value invalid but that a sender may want to know.
    pub warnings: Vec<Warning>,
}

/// Something legal but worth a note, met while parsing a header value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Warning {
    /// Nothing between two semicolons, or a semicolon at the start or the end.
    EmptyDirective {
        /// Where the empty directive is.
        offset: usize,
    },
    /// A directive this crate does not know; RFC 6797 section 6.1 says to ignore it.
    UnknownDirective {
        /// Its name as written.
        name: String,
        /// Where it starts.
        offset: usize,
    },
    /// `max-age` with a leading zero, such as `max-age=01`.
    MaxAgeLeadingZero {
        /// Where the value starts.
        offset: usize,
    },
    /// `max-age` written as a quoted string. RFC 6797 allows it, some checkers do not.
    MaxAgeQuoted {
        /// Where the value starts.
        offset: usize,
    },
    /// `max-age` is beyond `u64::MAX` seconds and was taken as `u64::MAX`.
    MaxAgeSaturated {
        /// Where the value starts.
        offset: usize,
    },
    /// `max-age` was lowered to the cap set in [`ParseOptions`].
    MaxAgeCapped {
        /// The value as sent (saturated).
        sent: u64,
        /// The cap it was lowered to.
        cap: u64,
    },
    /// More warnings than [`MAX_WARNINGS`] were met; the rest are counted, not listed.
    MoreWarnings {
        /// How many were left out.
        omitted: usize,
    },
}

/// The most warnings one parse lists; a hostile value full of empty or unknown
/// directives gets a [`Warning::MoreWarnings`] in place of the rest.
pub const MAX_WARNINGS: usize = 32;

/// Where the parser puts warnings: a list, or nowhere when the caller only wants the
/// policy (then no warning is even built).
pub(crate) trait Sink {
    fn warn(&mut self, make: impl FnOnce() -> Warning);
}

/// Drops warnings unbuilt.
pub(crate) struct Discard;

impl Sink for Discard {
    #[inline]
    fn warn(&mut self, _make: impl FnOnce() -> Warning) {}
}

/// The warnings of one parse, bounded by [`MAX_WARNINGS`].
struct Warnings {
    list: Vec<Warning>,
    omitted: usize,
}

impl Sink for Warnings {
    fn warn(&mut self, make: impl FnOnce() -> Warning) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(make());
        } else {
            self.omitted += 1;
        }
    }
}

impl Warnings {
    fn finish(mut self) -> Vec<Warning> {
        if self.omitted > 0 {
            self.list.push(Warning::MoreWarnings {
                omitted: self.omitted,
            });
        }
        self.list
    }
}

impl Warning {
    /// A stable, machine-readable code, for example `header.parse.unknown_directive`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyDirective { .. } => "header.parse.empty_directive",
            Self::UnknownDirective { .. } => "header.parse.unknown_directive",
            Self::MaxAgeLeadingZero { .. } => "header.parse.max_age.leading_zero",
            Self::MaxAgeQuoted { .. } => "header.parse.max_age.quoted",
            Self::MaxAgeSaturated { .. } => "header.parse.max_age.saturated",
            Self::MaxAgeCapped { .. } => "header.parse.max_age.capped",
            Self::MoreWarnings { .. } => "header.parse.more_warnings",
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyDirective { offset } => write!(f, "empty directive at byte {offset}"),
            Self::UnknownDirective { name, offset } => {
                write!(f, "unknown directive {name:?} at byte {offset} is ignored")
            }
            Self::MaxAgeLeadingZero { offset } => {
                write!(f, "max-age value at byte {offset} has a leading zero")
            }
            Self::MaxAgeQuoted { offset } => write!(
                f,
                "max-age value at byte {offset} is quoted, which some checkers reject"
            ),
            Self::MaxAgeSaturated { offset } => write!(
                f,
                "max-age value at byte {offset} is too large and was taken as {}",
                u64::MAX
            ),
            Self::MaxAgeCapped { sent, cap } => {
                write!(f, "max-age {sent} was lowered to the cap of {cap}")
            }
            Self::MoreWarnings { omitted } => write!(f, "{omitted} more warnings left out"),
        }
    }
}

/// Parses a header value with the default options (RFC 6797 section 6.1, no cap).
///
/// # Errors
///
/// When the value breaks the grammar, repeats a directive, lacks `max-age`, gives
/// `max-age` something other than digits, or gives `includeSubDomains` or `preload` a
/// value.
pub fn parse(value: &str) -> Result<Parsed, Error> {
    parse_bytes(value.as_bytes(), &ParseOptions::new())
}

/// Parses a header value with the given options.
///
/// # Errors
///
/// As for [`parse()`].
pub fn parse_with(value: &str, options: &ParseOptions) -> Result<Parsed, Error> {
    parse_bytes(value.as_bytes(), options)
}

/// Parses the header fields of one response, of which only the first counts
/// (RFC 6797 section 8.1: a user agent processes only the first
/// Strict-Transport-Security field).
///
/// # Errors
///
/// [`Error::NoField`] when `fields` is empty, else as for [`parse()`] on the first field.
pub fn parse_first<'a, I>(fields: I, options: &ParseOptions) -> Result<Parsed, Error>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    match fields.into_iter().next() {
        Some(first) => parse_bytes(first, options),
        None => Err(Error::NoField),
    }
}

/// Parses a header value given as raw bytes, as HTTP field values are (bytes 0x80 and
/// above are allowed inside quoted strings, RFC 9110 `obs-text`).
///
/// # Errors
///
/// As for [`parse()`].
pub fn parse_bytes(input: &[u8], options: &ParseOptions) -> Result<Parsed, Error> {
    let mut warnings = Warnings {
        list: Vec::new(),
        omitted: 0,
    };
    let policy = parse_into(input, options, &mut warnings)?;
    Ok(Parsed {
        policy,
        warnings: warnings.finish(),
    })
}

/// The parser proper, putting its warnings into `warnings`.
pub(crate) fn parse_into<S: Sink>(
    input: &[u8],
    options: &ParseOptions,
    warnings: &mut S,
) -> Result<Policy, Error> {
    let (mut max_age, include_subdomains, preload) = match canonical(input) {
        Some(policy) => (policy.max_age, policy.include_subdomains, policy.preload),
        None => general(input, warnings)?,
    };
    if let Some(cap) = options.max_age_cap
        && max_age > cap
    {
        warnings.warn(|| Warning::MaxAgeCapped { sent: max_age, cap });
        max_age = cap;
    }
    Ok(Policy {
        max_age,
        include_subdomains,
        preload,
    })
}

/// The canonical form exactly as [`Policy`]'s `Display` writes it (with at most 19
/// digits and no leading zero), the shape nearly every server sends; `None` sends the
/// value through [`general`], which gives the same answer for these inputs, only slower.
#[inline]
fn canonical(input: &[u8]) -> Option<Policy> {
    let rest = input.strip_prefix(b"max-age=")?;
    let digits = rest
        .iter()
        .take(20)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 19 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let max_age = rest[..digits]
        .iter()
        .fold(0, |n, &b| n * 10 + u64::from(b - b'0'));
    let (include_subdomains, preload) = match &rest[digits..] {
        b"" => (false, false),
        b"; includeSubDomains" => (true, false),
        b"; preload" => (false, true),
        b"; includeSubDomains; preload" => (true, true),
        _ => return None,
    };
    Some(Policy {
        max_age,
        include_subdomains,
        preload,
    })
}

/// Any value, by the grammar: `(max_age, include_subdomains, preload)`.
fn general<S: Sink>(input: &[u8], warnings: &mut S) -> Result<(u64, bool, bool), Error> {
    let n = input.len();
    let mut p = 0;
    let mut max_age: Option<u64> = None;
    let mut include_subdomains = false;
    let mut preload = false;
    loop {
        p = skip_ows(input, p);
        if p == n || input[p] == b';' {
            warnings.warn(|| Warning::EmptyDirective { offset: p });
            if p == n {
                break;
            }
            p += 1;
            continue;
        }
        let name_start = p;
        let known = match known_name(&input[p..]) {
            Some((known, len)) => {
                p += len;
                known
            }
            None => {
                p = token_end(input, p);
                Known::Other
            }
        };
        if p == name_start {
            return Err(Error::ExpectedName {
                found: input[p],
                offset: p,
            });
        }
        let name = &input[name_start..p];
        p = skip_ows(input, p);
        let mut value = Value::None;
        if p < n && input[p] == b'=' {
            p = skip_ows(input, p + 1);
            if p < n && input[p] == b'"' {
                let open = p;
                p += 1;
                loop {
                    p = qdtext_end(input, p);
                    let Some(&b) = input.get(p) else {
                        return Err(Error::UnterminatedQuote { offset: open });
                    };
                    match b {
                        b'"' => break,
                        b'\\' => {
                            p += 1;
                            match input.get(p) {
                                None => return Err(Error::UnterminatedQuote { offset: open }),
                                Some(&e) if !is_quotable(e) => {
                                    return Err(Error::UnexpectedByte {
                                        found: e,
                                        offset: p,
                                    });
                                }
                                Some(_) => {}
                            }
                        }
                        b if !is_qdtext(b) => {
                            return Err(Error::UnexpectedByte {
                                found: b,
                                offset: p,
                            });
                        }
                        _ => {}
                    }
                    p += 1;
                }
                value = Value::Quoted { open, close: p };
                p += 1;
            } else {
                let start = p;
                p = token_end(input, p);
                if p == start {
                    return Err(Error::EmptyValue {
                        name: ascii_string(name),
                        offset: start,
                    });
                }
                value = Value::Token { start, end: p };
            }
            p = skip_ows(input, p);
        }
        if p < n && input[p] != b';' {
            return Err(Error::UnexpectedByte {
                found: input[p],
                offset: p,
            });
        }
        if known == Known::MaxAge {
            if max_age.is_some() {
                return Err(duplicate(name, name_start));
            }
            max_age = Some(max_age_value(input, name_start, value, warnings)?);
        } else if known == Known::IncludeSubDomains {
            flag(&mut include_subdomains, name, name_start, value)?;
        } else if known == Known::Preload {
            flag(&mut preload, name, name_start, value)?;
        } else {
            warnings.warn(|| Warning::UnknownDirective {
                name: ascii_string(name),
                offset: name_start,
            });
        }
        if p == n {
            break;
        }
        p += 1;
    }
    match max_age {
        Some(max_age) => Ok((max_age, include_subdomains, preload)),
        None => Err(Error::MissingMaxAge),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    MaxAge,
    IncludeSubDomains,
    Preload,
    Other,
}

/// Whether `rest` starts with one of the three known directive names, in any case,
/// as a whole token; and its length.
#[inline]
fn known_name(rest: &[u8]) -> Option<(Known, usize)> {
    let (known, len) = match rest.first()? | 0x20 {
        b'm' if name_is(rest, b"max-age") => (Known::MaxAge, 7),
        b'p' if name_is(rest, b"preload") => (Known::Preload, 7),
        b'i' if name_is(rest, b"includesubdomains") => (Known::IncludeSubDomains, 17),
        _ => return None,
    };
    match rest.get(len) {
        Some(&b) if is_tchar(b) => None,
        _ => Some((known, len)),
    }
}

/// `rest` starts with `lit` (lowercase letters and `-`), letters compared in any case.
/// Setting bit 0x20 maps an ASCII letter to its lowercase form and no other byte to a
/// lowercase letter; `-` is compared as is.
/// Compared eight bytes at a time, then byte by byte.
#[inline(always)]
fn name_is<const N: usize>(rest: &[u8], lit: &[u8; N]) -> bool {
    let fold = |c: u8| if c == b'-' { 0 } else { 0x20 };
    let Some(head) = rest.first_chunk::<N>() else {
        return false;
    };
    let mut diff = 0u64;
    let (head_words, head_tail) = head.as_chunks::<8>();
    let (lit_words, lit_tail) = lit.as_chunks::<8>();
    for (h, l) in head_words.iter().zip(lit_words) {
        diff |= (u64::from_le_bytes(*h) | u64::from_le_bytes(l.map(fold))) ^ u64::from_le_bytes(*l);
    }
    for (&h, &l) in head_tail.iter().zip(lit_tail) {
        diff |= u64::from((h | fold(l)) ^ l);
    }
    diff == 0
}

#[derive(Clone, Copy)]
enum Value {
    None,
    Token { start: usize, end: usize },
    Quoted { open: usize, close: usize },
}

#[inline]
fn flag(seen: &mut bool, name: &[u8], offset: usize, value: Value) -> Result<(), Error> {
    if *seen {
        return Err(duplicate(name, offset));
    }
    if !matches!(value, Value::None) {
        return Err(Error::UnexpectedValue {
            name: ascii_string(name),
            offset,
        });
    }
    *seen = true;
    Ok(())
}

#[cold]
fn duplicate(name: &[u8], offset: usize) -> Error {
    Error::DuplicateDirective {
        name: ascii_string(name),
        offset,
    }
}

/// `delta-seconds = 1*DIGIT`, unquoted or inside a quoted string (where a quoted-pair
/// stands for its second byte). Saturates at `u64::MAX`.
#[inline]
fn max_age_value<S: Sink>(
    input: &[u8],
    name_start: usize,
    value: Value,
    warnings: &mut S,
) -> Result<u64, Error> {
    // The common case: at most 19 digits (which cannot overflow), quoted or not.
    let plain = match value {
        Value::Token { start, end } => Some((start, &input[start..end], false)),
        Value::Quoted { open, close } => Some((open, &input[open + 1..close], true)),
        Value::None => None,
    };
    if let Some((start, digits, quoted)) = plain
        && !digits.is_empty()
        && digits.len() <= 19
        && digits.iter().all(u8::is_ascii_digit)
    {
        if quoted {
            warnings.warn(|| Warning::MaxAgeQuoted { offset: start });
        }
        if digits.len() > 1 && digits[0] == b'0' {
            warnings.warn(|| Warning::MaxAgeLeadingZero { offset: start });
        }
        return Ok(digits.iter().fold(0, |n, &b| n * 10 + u64::from(b - b'0')));
    }
    let (start, digits_start, end) = match value {
        Value::None => return Err(Error::MaxAgeWithoutValue { offset: name_start }),
        Value::Token { start, end } => (start, start, end),
        Value::Quoted { open, close } => {
            warnings.warn(|| Warning::MaxAgeQuoted { offset: open });
            (open, open + 1, close)
        }
    };
    let invalid = || Error::InvalidMaxAge {
        value: ascii_string(&input[start..end + usize::from(start != digits_start)]),
        offset: start,
    };
    let mut n: u64 = 0;
    let mut count = 0usize;
    let mut first = 0u8;
    let mut saturated = false;
    let mut i = digits_start;
    while i < end {
        let mut b = input[i];
        if b == b'\\' && start != digits_start {
            i += 1;
            b = input[i];
        }
        if !b.is_ascii_digit() {
            return Err(invalid());
        }
        if count == 0 {
            first = b;
        }
        count += 1;
        match n
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(b - b'0')))
        {
            Some(m) => n = m,
            None => {
                saturated = true;
                n = u64::MAX;
            }
        }
        i += 1;
    }
    if count == 0 {
        return Err(invalid());
    }
    if count > 1 && first == b'0' {
        warnings.warn(|| Warning::MaxAgeLeadingZero { offset: start });
    }
    if saturated {
        warnings.warn(|| Warning::MaxAgeSaturated { offset: start });
    }
    Ok(n)
}

/// Past the optional whitespace at `p`: most often none, so the first byte decides.
#[inline(always)]
fn skip_ows(input: &[u8], p: usize) -> usize {
    match input.get(p) {
        Some(b' ' | b'\t') => skip_ows_run(input, p + 1),
        _ => p,
    }
}

/// The rest of a run of whitespace.
#[inline]
fn skip_ows_run(input: &[u8], mut p: usize) -> usize {
    while let Some(b' ' | b'\t') = input.get(p) {
        p += 1;
    }
    p
}

/// A directive name or value is ASCII (`tchar`), so this loses nothing; other bytes
/// (only possible in quoted strings) become U+FFFD.
fn ascii_string(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

/// `tchar` (RFC 9110 section 5.6.2).
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        i += 1;
    }
    t
};

#[inline]
fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// Where the run of `tchar` starting at `p` ends.
#[inline]
fn token_end(input: &[u8], p: usize) -> usize {
    let rest = &input[p..];
    p + rest
        .iter()
        .position(|&b| !is_tchar(b))
        .unwrap_or(rest.len())
}

/// `qdtext` other than `"` and `\`: what a quoted string holds without a second look.
const PLAIN_QDTEXT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = is_qdtext(b) && b != b'"' && b != b'\\';
        i += 1;
    }
    t
};

/// Where the run of plain `qdtext` starting at `p` ends.
#[inline]
fn qdtext_end(input: &[u8], p: usize) -> usize {
    let rest = &input[p..];
    p + rest
        .iter()
        .position(|&b| !PLAIN_QDTEXT[usize::from(b)])
        .unwrap_or(rest.len())
}

/// `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text`
const fn is_qdtext(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff)
}

/// The second byte of `quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )`.
fn is_quotable(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff)
}

// The parser's way in for `Policy`: here, beside the parser, so that the policy type
// does not depend on the parser.
impl FromStr for Policy {
    type Err = Error;

    /// Parses a header value strictly (RFC 6797 section 6.1) with the default options.
    /// The warnings (unknown directives and the like) are left out: use
    /// [`parse`](crate::parse()) to get them. Skipping them makes this the fastest way in.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_into(s.as_bytes(), &ParseOptions::new(), &mut Discard)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_letters_in_any_case_and_the_dash_exactly() {
        assert!(name_is(b"includeSubDomains", b"includesubdomains"));
        assert!(name_is(b"INCLUDESUBDOMAINS; preload", b"includesubdomains"));
        assert!(!name_is(b"includeSubDomainz", b"includesubdomains"));
        assert!(!name_is(b"xncludeSubDomains", b"includesubdomains"));
        assert!(!name_is(b"includeSubDomain", b"includesubdomains"));
        assert!(name_is(b"Max-Age=1", b"max-age"));
        assert!(!name_is(b"max_age=1", b"max-age"));
        assert!(!name_is(b"max\x0dage=1", b"max-age"));
        assert!(name_is(b"PRELOAD", b"preload"));
        assert!(!name_is(b"prel0ad", b"preload"));
    }

    #[test]
    fn quoted_max_age_with_a_quoted_pair() {
        let p = parse(r#"max-age="1\2""#).unwrap();
        assert_eq!(p.policy.max_age, 12);
        assert_eq!(p.warnings, [Warning::MaxAgeQuoted { offset: 8 }]);
    }

    #[test]
    fn offsets_point_at_the_problem() {
        assert_eq!(
            parse("max-age=1; a=\"x").unwrap_err(),
            Error::UnterminatedQuote { offset: 13 }
        );
        assert_eq!(
            parse("max-age=1x; ").unwrap_err(),
            Error::InvalidMaxAge {
                value: "1x".into(),
                offset: 8
            }
        );
        assert_eq!(
            parse("max-age=\"1x\"").unwrap_err(),
            Error::InvalidMaxAge {
                value: "\"1x\"".into(),
                offset: 8
            }
        );
        assert_eq!(
            parse("max-age=1 2").unwrap_err(),
            Error::UnexpectedByte {
                found: b'2',
                offset: 10
            }
        );
    }

    #[test]
    fn cap_lowers_and_warns() {
        let p = parse_with(
            "max-age=99999999999999999999999",
            &ParseOptions::new().max_age_cap(CHROMIUM_MAX_AGE_CAP),
        )
        .unwrap();
        assert_eq!(p.policy.max_age, CHROMIUM_MAX_AGE_CAP);
        assert_eq!(
            p.warnings,
            [
                Warning::MaxAgeSaturated { offset: 8 },
                Warning::MaxAgeCapped {
                    sent: u64::MAX,
                    cap: CHROMIUM_MAX_AGE_CAP
                }
            ]
        );
    }

    #[test]
    fn canonical_shortcut_agrees_with_the_grammar() {
        let ages = [
            0,
            1,
            9,
            10,
            31_536_000,
            1_000_000_000_000_000_000,
            9_999_999_999_999_999_999,
            u64::MAX,
        ];
        for age in ages {
            for (isd, preload) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut p = Policy::this_host_only(age);
                p.include_subdomains = isd;
                p.preload = preload;
                let text = alloc::string::ToString::to_string(&p);
                let general = general(text.as_bytes(), &mut Discard).unwrap();
                assert_eq!(general, (age, isd, preload), "{text}");
                // The shortcut takes what it can and leaves the rest (20 digits).
                match canonical(text.as_bytes()) {
                    Some(c) => assert_eq!(c, p),
                    None => assert_eq!(age, u64::MAX),
                }
            }
        }
        for text in [
            "max-age=01",
            "max-age=1;preload",
            "Max-age=1",
            "max-age=1; preload; includeSubDomains",
            "max-age=",
            "max-age=1 ",
        ] {
            assert_eq!(canonical(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn warnings_are_bounded() {
        let value = alloc::format!("max-age=1{}", "; a".repeat(1000));
        let p = parse(&value).unwrap();
        assert_eq!(p.warnings.len(), MAX_WARNINGS + 1);
        assert_eq!(
            p.warnings.last(),
            Some(&Warning::MoreWarnings {
                omitted: 1000 - MAX_WARNINGS
            })
        );
    }

    #[test]
    fn first_field_counts() {
        let fields: [&[u8]; 2] = [b"max-age=5", b"max-age=6; max-age=7"];
        assert_eq!(
            parse_first(fields, &ParseOptions::new())
                .unwrap()
                .policy
                .max_age,
            5
        );
        assert_eq!(
            parse_first([], &ParseOptions::new()).unwrap_err(),
            Error::NoField
        );
    }
}
