//! Postfix's `socketmap_table(5)` protocol, sans-IO: netstrings both ways.
//!
//! ```text
//! netstring = length ":" data ","          ; length in decimal, no sign
//! request   = name SP key                   ; name is "forward" or "reverse"
//! reply     = "OK" SP value / "NOTFOUND" SP / "TEMP" SP reason / "PERM" SP reason
//! ```
//!
//! A request is framed by [`decode`] from whatever bytes have arrived, answered by
//! [`lookup()`] and its reply appended to the output by [`encode`]. Framing errors (a
//! length that is not a number, a request longer than the limit, a missing comma) leave
//! no way to find the next request: the caller answers `PERM` and closes the connection.

use std::borrow::Cow;
use std::io::Write as _;

use hostkit_srs::Rewriter;

use super::lookup::{self, Answer, Map};

/// One step of framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A whole request: its data, and how many bytes of the input it took.
    Request(&'a [u8], usize),
    /// More bytes are needed.
    Incomplete,
    /// The input cannot be a netstring of at most the allowed length.
    Malformed(&'static str),
}

/// Frame the first netstring of `buf`, whose data may be at most `max` bytes.
pub fn decode(buf: &[u8], max: usize) -> Frame<'_> {
    let mut len: usize = 0;
    let mut i = 0;
    loop {
        let Some(&b) = buf.get(i) else {
            return Frame::Incomplete;
        };
        match b {
            b'0'..=b'9' => {
                len = match len
                    .checked_mul(10)
                    .and_then(|l| l.checked_add(usize::from(b - b'0')))
                {
                    Some(l) if l <= max => l,
                    _ => return Frame::Malformed("request too long"),
                };
                i += 1;
            }
            b':' if i > 0 => break,
            _ => return Frame::Malformed("bad netstring length"),
        }
    }
    let start = i + 1;
    let end = start + len;
    match buf.get(end) {
        None => Frame::Incomplete,
        Some(b',') => Frame::Request(&buf[start..end], end + 1),
        Some(_) => Frame::Malformed("netstring without its comma"),
    }
}

/// Answer one request (`NAME KEY`) at `now`.
pub fn lookup(rewriter: &Rewriter, request: &[u8], now: u64) -> (Option<Map>, Answer) {
    let Some(space) = request.iter().position(|&b| b == b' ') else {
        return (
            None,
            Answer::Perm(Cow::Borrowed("bad request: no map name")),
        );
    };
    let Some(map) = Map::from_name(&request[..space]) else {
        return (None, Answer::Perm(Cow::Borrowed("unknown map name")));
    };
    let key = &request[space + 1..];
    (Some(map), lookup::lookup(rewriter, map, key, now))
}

/// Append `answer` to `out` as a netstring.
pub fn encode(answer: &Answer, out: &mut Vec<u8>) {
    let (status, text): (&str, &str) = match answer {
        Answer::Found(v) => ("OK ", v),
        // The reason stays in the log: Postfix ignores it.
        Answer::NotFound { .. } => ("NOTFOUND ", ""),
        Answer::Perm(r) => ("PERM ", r),
        Answer::Temp(r) => ("TEMP ", r),
    };
    push_len(status.len() + text.len(), out);
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(text.as_bytes());
    out.push(b',');
}

/// Append `len:` in decimal.
fn push_len(len: usize, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{len}:");
}

/// Append `payload` as one netstring (for clients and tests).
pub fn encode_request(payload: &[u8], out: &mut Vec<u8>) {
    push_len(payload.len(), out);
    out.extend_from_slice(payload);
    out.push(b',');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        assert_eq!(decode(b"", 100), Frame::Incomplete);
        assert_eq!(decode(b"12", 100), Frame::Incomplete);
        assert_eq!(decode(b"3:ab", 100), Frame::Incomplete);
        assert_eq!(decode(b"3:abc", 100), Frame::Incomplete);
        assert_eq!(decode(b"3:abc,4:", 100), Frame::Request(b"abc", 6));
        assert_eq!(decode(b"0:,", 100), Frame::Request(b"", 3));
        assert_eq!(
            decode(b"3:abcd", 100),
            Frame::Malformed("netstring without its comma")
        );
        assert_eq!(
            decode(b":abc,", 100),
            Frame::Malformed("bad netstring length")
        );
        assert_eq!(decode(b"x", 100), Frame::Malformed("bad netstring length"));
        assert_eq!(
            decode(b"-1:", 100),
            Frame::Malformed("bad netstring length")
        );
        assert_eq!(decode(b"101:", 100), Frame::Malformed("request too long"));
        assert_eq!(decode(b"100", 100), Frame::Incomplete);
        assert_eq!(
            decode(b"99999999999999999999999999:", usize::MAX),
            Frame::Malformed("request too long")
        );
    }

    #[test]
    fn replies() {
        let mut out = Vec::new();
        encode(&Answer::Found("a@b".into()), &mut out);
        encode(
            &Answer::NotFound {
                reason: "x".into(),
                warning: false,
            },
            &mut out,
        );
        encode(&Answer::Perm("unknown map name".into()), &mut out);
        encode(&Answer::Temp("later".into()), &mut out);
        assert_eq!(
            out,
            b"6:OK a@b,9:NOTFOUND ,21:PERM unknown map name,10:TEMP later,".as_slice()
        );
        let mut req = Vec::new();
        encode_request(b"forward a@b", &mut req);
        assert_eq!(req, b"11:forward a@b,");
    }

    #[test]
    fn requests() {
        let r = Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        let t = 1_577_836_860;
        let (map, a) = lookup(&r, b"forward alice@example.com", t);
        assert_eq!(map, Some(Map::Forward));
        assert_eq!(
            a,
            Answer::Found("SRS0=Xu1M=2W=example.com=alice@fwd1.example.net".into())
        );
        let (_, a) = lookup(
            &r,
            b"reverse srs0=xu1m=2w=example.com=alice@fwd1.example.net",
            t,
        );
        assert_eq!(a, Answer::Found("alice@example.com".into()));
        assert!(matches!(
            lookup(&r, b"forward \"\"", t).1,
            Answer::NotFound { .. }
        ));
        assert!(matches!(lookup(&r, b"virtual a@b", t).1, Answer::Perm(_)));
        assert!(matches!(lookup(&r, b"forward", t).1, Answer::Perm(_)));
    }
}
