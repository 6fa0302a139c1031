//! Zone text, the presentation form of RFC 8659 section 4.1.1:
//!
//! ```text
//! CAA <flags> <tag> <value>
//! ```
//!
//! `flags` is a decimal 0..=255, `tag` letters and digits, and `value` either a
//! contiguous run of characters or a quoted string, with the escapes of RFC 1035
//! section 5.1 (`\"`, `\\`, `\DDD`, `\X`) and no 255-byte limit. The generic form of
//! RFC 3597 section 5 (`\# <length> <hex>`) is read too.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use crate::Error;
use crate::record::{Caa, CaaRef, MAX_RDATA_LEN, check_tag};

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, reason: &'static str, offset: usize) -> Error {
        Error::Syntax {
            reason,
            offset,
            input: String::from_utf8_lossy(self.input).into_owned(),
        }
    }

    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.pos < self.input.len() && is_ws(self.input[self.pos]) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn token(&mut self) -> (usize, &'a [u8]) {
        let start = self.pos;
        while self.pos < self.input.len() && !is_ws(self.input[self.pos]) {
            self.pos += 1;
        }
        (start, &self.input[start..self.pos])
    }

    fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    fn number(&mut self, max: usize, what: &'static str) -> Result<usize, Error> {
        let (start, tok) = self.token();
        if tok.is_empty() || !tok.iter().all(u8::is_ascii_digit) {
            return Err(self.err(what, start));
        }
        let mut n: usize = 0;
        for &d in tok {
            n = n * 10 + usize::from(d - b'0');
            if n > max {
                return Err(self.err(what, start));
            }
        }
        Ok(n)
    }

    /// One escape after a backslash at `self.pos - 1`; pushes the byte it stands for.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let at = self.pos - 1;
        let Some(&c) = self.input.get(self.pos) else {
            return Err(self.err("backslash at the end of the value", at));
        };
        if c.is_ascii_digit() {
            let digits = self.input.get(self.pos..self.pos + 3);
            match digits {
                Some(d) if d.iter().all(u8::is_ascii_digit) => {
                    let v = u16::from(d[0] - b'0') * 100
                        + u16::from(d[1] - b'0') * 10
                        + u16::from(d[2] - b'0');
                    let Ok(v) = u8::try_from(v) else {
                        return Err(self.err("escape \\DDD above 255", at));
                    };
                    out.push(v);
                    self.pos += 3;
                    Ok(())
                }
                _ => Err(self.err("escape \\DDD needs three digits", at)),
            }
        } else {
            out.push(c);
            self.pos += 1;
            Ok(())
        }
    }

    fn quoted(&mut self) -> Result<Vec<u8>, Error> {
        let open = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.input.get(self.pos) else {
                return Err(self.err("unterminated quoted value", open));
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => self.escape(&mut out)?,
                _ => out.push(c),
            }
        }
    }

    fn unquoted(&mut self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        while let Some(&c) = self.input.get(self.pos) {
            if is_ws(c) {
                break;
            }
            self.pos += 1;
            match c {
                b'\\' => self.escape(&mut out)?,
                b'"' => return Err(self.err("quote inside an unquoted value", self.pos - 1)),
                b';' | b'(' | b')' => {
                    return Err(self.err(
                        "';', '(' or ')' in an unquoted value (quote or escape it)",
                        self.pos - 1,
                    ));
                }
                _ => out.push(c),
            }
        }
        Ok(out)
    }

    fn generic(&mut self) -> Result<Caa, Error> {
        // `\#` already read.
        if self.skip_ws() == 0 {
            return Err(self.err("expected whitespace after \\#", self.pos));
        }
        let len_at = self.pos;
        let len = self.number(MAX_RDATA_LEN, "expected the rdata length after \\#")?;
        let mut rdata = Vec::with_capacity(len.min(self.input.len()));
        loop {
            self.skip_ws();
            if self.at_end() {
                break;
            }
            let (start, tok) = self.token();
            if tok.len() % 2 != 0 {
                return Err(self.err("odd number of hex digits", start));
            }
            let at = rdata.len();
            rdata.resize(at + tok.len() / 2, 0);
            if let Err(e) = hex::decode_to_slice(tok, &mut rdata[at..]) {
                // Blame the pair holding the bad digit (the length is even: checked above).
                let digit = match e {
                    hex::FromHexError::InvalidHexCharacter { index, .. } => index,
                    _ => 0,
                };
                return Err(self.err("not a hex digit", start + digit - digit % 2));
            }
            if rdata.len() > len {
                return Err(self.err("more hex bytes than the length says", start));
            }
        }
        if rdata.len() != len {
            return Err(self.err("fewer hex bytes than the length says", len_at));
        }
        Caa::from_wire(&rdata)
    }
}

impl Caa {
    /// Read a record from zone text given as bytes, which need not be UTF-8.
    ///
    /// The text is the RDATA part of a zone file line: `0 issue "ca.example"`, an
    /// unquoted value (`0 issue ca.example`), or the generic `\# 15 00056973...`.
    /// Unquoted values may not hold `"`, `;`, `(` or `)` unescaped, which a zone file
    /// reads as quotes, comments and line grouping.
    ///
    /// # Errors
    ///
    /// [`Error::Syntax`] for text outside the grammar, the tag errors of [`Caa::new`],
    /// and the wire errors of [`CaaRef::decode`] for the generic form.
    pub fn parse_bytes(input: &[u8]) -> Result<Caa, Error> {
        let mut r = Reader { input, pos: 0 };
        r.skip_ws();
        if input[r.pos..].starts_with(b"\\#") {
            r.pos += 2;
            return r.generic();
        }
        let flags = r.number(255, "expected flags, a number from 0 to 255")?;
        if r.skip_ws() == 0 {
            return Err(r.err("expected whitespace after the flags", r.pos));
        }
        let (tag_at, tag) = r.token();
        check_tag(tag, tag_at)?;
        if r.skip_ws() == 0 || r.at_end() {
            return Err(r.err("expected the value after the tag", r.pos));
        }
        let value = if input[r.pos] == b'"' {
            r.quoted()?
        } else {
            r.unquoted()?
        };
        r.skip_ws();
        if !r.at_end() {
            return Err(r.err("unexpected text after the value", r.pos));
        }
        let tag = core::str::from_utf8(tag).map_err(|_| r.err("tag is not ASCII", tag_at))?;
        Caa::new(u8::try_from(flags).unwrap_or(u8::MAX), tag, value)
    }
}

impl FromStr for Caa {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Caa::parse_bytes(s.as_bytes())
    }
}

/// Write `value` as a quoted zone-text string: printable ASCII as is, `"` and `\`
/// escaped with a backslash, every other byte as `\DDD`.
///
/// # Errors
///
/// Only those of the formatter.
pub fn write_quoted(f: &mut impl fmt::Write, value: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let plain = (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
        if plain {
            continue;
        }
        // Printable ASCII, so the slice is UTF-8.
        f.write_str(core::str::from_utf8(&value[start..i]).unwrap_or_default())?;
        if b == b'"' || b == b'\\' {
            f.write_char('\\')?;
            f.write_char(char::from(b))?;
        } else {
            write!(f, "\\{b:03}")?;
        }
        start = i + 1;
    }
    f.write_str(core::str::from_utf8(&value[start..]).unwrap_or_default())?;
    f.write_char('"')
}

impl fmt::Display for CaaRef<'_> {
    /// Zone text: `flags tag "value"`, the value always quoted and escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.flags(), self.tag())?;
        write_quoted(f, self.value())
    }
}

impl fmt::Display for Caa {
    /// Zone text: `flags tag "value"`, the value always quoted and escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn p(s: &str) -> Caa {
        s.parse().unwrap()
    }

    #[test]
    fn quoted_and_unquoted() {
        assert_eq!(p("0 issue \"ca.example\""), p("0 issue ca.example"));
        assert_eq!(p("  128   tbs   \"Unknown\"  ").flags(), 128);
        let c = p(r#"0 issue "a\"b\\c\255\000 d""#);
        assert_eq!(c.value(), b"a\"b\\c\xff\x00 d");
        assert_eq!(c.to_string(), r#"0 issue "a\"b\\c\255\000 d""#);
        assert_eq!(p("0 issue \"\"").value(), b"");
        assert_eq!(p(r"0 issue a\;b").value(), b"a;b");
        assert_eq!(p(r"0 issue \065").value(), b"A");
    }

    #[test]
    fn non_utf8_and_long() {
        let c = Caa::parse_bytes(b"0 issue \"\xff\xfe\"").unwrap();
        assert_eq!(c.value(), b"\xff\xfe");
        assert_eq!(c.to_string(), r#"0 issue "\255\254""#);
        let long = alloc::format!("0 issue \"{}\"", "x".repeat(1000));
        assert_eq!(p(&long).value().len(), 1000);
        assert_eq!(p(&p(&long).to_string()), p(&long));
    }

    #[test]
    fn generic_form() {
        let c = p(r"\# 12 80 03 746273 556e6b6e6f776e");
        assert_eq!(c.to_string(), "128 tbs \"Unknown\"");
        assert_eq!(p(r"\# 7 00056973737565").value(), b"");
        assert!("\\# 3 000569".parse::<Caa>().is_err());
        assert!("\\# 8 00056973737565".parse::<Caa>().is_err());
        assert!("\\# 6 00056973737565".parse::<Caa>().is_err());
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            "256 issue \"x\"",
            "-1 issue \"x\"",
            "0 issue",
            "0 issue ",
            "0 a-b \"x\"",
            "0 issue \"unterminated",
            "0 issue \"a\" \"b\"",
            "0 issue a\"b",
            "0 issue a;b",
            "0 issue \"\\256\"",
            "0 issue \"\\12\"",
            "0 issue \"x\\",
            "0issue \"x\"",
        ] {
            assert!(bad.parse::<Caa>().is_err(), "{bad:?} parsed");
        }
        let e = "0 issue \"x".parse::<Caa>().unwrap_err();
        assert!(matches!(e, Error::Syntax { offset: 8, .. }), "{e:?}");
    }
}
