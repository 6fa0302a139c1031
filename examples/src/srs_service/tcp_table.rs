//! Postfix's `tcp_table(5)` protocol, sans-IO, as postsrsd 1.x speaks it: one listener
//! per map.
//!
//! ```text
//! request = "get" SP url-encoded-key LF
//! reply   = "200" SP url-encoded-value LF    ; found
//!         / "500" SP reason LF               ; not found: Postfix keeps the address
//!         / "400" SP reason LF               ; an error: Postfix retries later
//! ```
//!
//! Keys and values are `%XX`-encoded where a byte is whitespace, a control byte, `%` or
//! not ASCII. A line longer than the limit is a framing error: the caller answers `400`
//! and closes the connection.

use std::borrow::Cow;

use hostkit_srs::Rewriter;

use super::lookup::{self, Answer, Map};

/// One step of framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole request line without its line end, and how many bytes of the input it took.
    Request(&'a [u8], usize),
    /// More bytes are needed.
    Incomplete,
    /// The line is longer than the limit.
    Malformed(&'static str),
}

/// Frame the first line of `buf`, which may hold at most `max` bytes before its newline.
pub fn decode(buf: &[u8], max: usize) -> Frame<'_> {
    let window = &buf[..buf.len().min(max + 1)];
    match window.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = &buf[..i];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Frame::Request(line, i + 1)
        }
        None if buf.len() > max => Frame::Malformed("request too long"),
        None => Frame::Incomplete,
    }
}

/// Answer one request line of the table `map` at `now`.
pub fn lookup(rewriter: &Rewriter, map: Map, line: &[u8], now: u64) -> Answer {
    let Some(key) = line.strip_prefix(b"get ") else {
        return Answer::Perm(Cow::Borrowed("unsupported request"));
    };
    let Some(key) = url_decode(key) else {
        return Answer::Perm(Cow::Borrowed("bad %-encoding in key"));
    };
    lookup::lookup(rewriter, map, &key, now)
}

/// Append `answer` to `out` as one reply line.
pub fn encode(answer: &Answer, out: &mut Vec<u8>) {
    let (code, text): (&[u8], &str) = match answer {
        Answer::Found(v) => {
            out.extend_from_slice(b"200 ");
            url_encode_into(v.as_bytes(), out);
            out.push(b'\n');
            return;
        }
        Answer::NotFound { reason, .. } => (b"500 ", reason),
        Answer::Perm(r) | Answer::Temp(r) => (b"400 ", r),
    };
    out.extend_from_slice(code);
    // A reason is text for people: keep it on its line.
    out.extend(
        text.bytes()
            .map(|b| if b.is_ascii_control() { b'?' } else { b }),
    );
    out.push(b'\n');
}

/// `%XX`-encode whitespace, control bytes, `%` and bytes beyond ASCII, appending to `out`.
pub fn url_encode_into(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s {
        if b <= b' ' || b >= 0x7f || b == b'%' {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        } else {
            out.push(b);
        }
    }
}

/// Decode `%XX` escapes; `None` for a `%` not followed by two hex digits.
pub fn url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hi = hex(*s.get(i + 1)?)?;
            let lo = hex(*s.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_577_836_860;

    fn answer(map: Map, line: &[u8]) -> String {
        let r = Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        let mut out = Vec::new();
        encode(&lookup(&r, map, line, T), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn framing() {
        assert_eq!(decode(b"get a\nget b\n", 10), Frame::Request(b"get a", 6));
        assert_eq!(decode(b"get a\r\n", 10), Frame::Request(b"get a", 7));
        assert_eq!(decode(b"get a", 10), Frame::Incomplete);
        assert_eq!(
            decode(b"0123456789\n", 10),
            Frame::Request(b"0123456789", 11)
        );
        assert_eq!(
            decode(b"0123456789a", 10),
            Frame::Malformed("request too long")
        );
        assert_eq!(
            decode(b"0123456789a\n", 10),
            Frame::Malformed("request too long")
        );
    }

    #[test]
    fn answers() {
        let f = |l: &[u8]| answer(Map::Forward, l);
        assert_eq!(
            f(b"get alice@example.com"),
            "200 SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n"
        );
        assert_eq!(
            f(b"get SRS0=Xu1M=2W=example.com=alice@fwd1.example.net"),
            "500 already rewritten\n"
        );
        assert_eq!(
            f(b"get bob@FWD1.example.net"),
            "500 local or excluded domain\n"
        );
        assert_eq!(f(b"get nobody"), "500 no domain\n");
        assert_eq!(f(b"put x"), "400 unsupported request\n");
        assert_eq!(f(b"get a%4"), "400 bad %-encoding in key\n");
        assert_eq!(f(b"get %FF@x"), "500 not utf-8\n");
        assert_eq!(
            f(b"get Some=User%40Example.COM"),
            "200 SRS0=IDho=2W=Example.COM=Some=User@fwd1.example.net\n"
        );
        let r = |l: &[u8]| answer(Map::Reverse, l);
        assert_eq!(
            r(b"get SRS0%3DXu1M=2W=example.com=alice@fwd1.example.net"),
            "200 alice@example.com\n"
        );
        assert_eq!(r(b"get alice@example.com"), "500 not an srs address\n");
        assert!(r(b"get SRS0=FAKE=2W=a.b=c@d").starts_with("500 bad hash"));
        assert!(!r(b"get SRS0=FAKE=2W=a.b=c%0A@d").trim_end().contains('\n'));
    }

    #[test]
    fn encoding() {
        let mut out = Vec::new();
        url_encode_into("a b%c\u{e9}@x".as_bytes(), &mut out);
        assert_eq!(out, b"a%20b%25c%C3%A9@x");
        assert_eq!(url_decode(&out).unwrap(), "a b%c\u{e9}@x".as_bytes());
        assert_eq!(url_decode(b"%zz"), None);
        assert_eq!(url_decode(b"%2"), None);
        assert_eq!(url_decode(b"%"), None);
    }
}
