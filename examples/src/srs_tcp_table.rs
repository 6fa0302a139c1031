//! An SRS lookup server speaking Postfix's `tcp_table(5)` protocol, as postsrsd 1.x
//! does: one listener forwards senders (for `sender_canonical_maps`), another reverses
//! SRS recipients (for `recipient_canonical_maps`).
//!
//! ```text
//! request = "get " url-encoded-key LF
//! reply   = "200 " url-encoded-value LF    ; found
//!         / "500 " reason LF               ; not found: not rewritten, not valid
//!         / "400 " reason LF               ; a request this server cannot read
//! ```
//!
//! Keys and values are `%XX`-encoded where a byte is whitespace, a control byte, `%` or
//! not ASCII. Replies to pipelined requests come back in order. A request line longer
//! than [`MAX_REQUEST`] is answered with `400` and skipped.

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hostkit_srs::{Forwarded, Rewriter};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

/// The longest request line read; a longer one gets a `400` and the connection closes.
pub const MAX_REQUEST: usize = 8 * 1024;

/// A connection idle this long is closed (postsrsd's default).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(1800);

/// Which lookup table a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Map {
    /// Sender to SRS address.
    Forward,
    /// SRS address to the address it stands for.
    Reverse,
}

/// Where the server takes the time from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time in unix seconds, for tests and reproducible runs.
    Fixed(u64),
}

impl Clock {
    fn now(self) -> u64 {
        match self {
            Self::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            Self::Fixed(t) => t,
        }
    }
}

/// One lookup table: a rewriter, the map it serves and its clock.
#[derive(Debug, Clone)]
pub struct Table {
    rewriter: Arc<Rewriter>,
    map: Map,
    clock: Clock,
}

impl Table {
    /// A table serving `map` with `rewriter`.
    pub fn new(rewriter: Arc<Rewriter>, map: Map, clock: Clock) -> Self {
        Self {
            rewriter,
            map,
            clock,
        }
    }

    /// The reply line (with its newline) to one request line (with or without it).
    pub fn answer(&self, request: &[u8]) -> String {
        let request = request.strip_suffix(b"\n").unwrap_or(request);
        let request = request.strip_suffix(b"\r").unwrap_or(request);
        let Some(key) = request.strip_prefix(b"get ") else {
            return "400 unsupported request\n".to_string();
        };
        let Some(key) = url_decode(key) else {
            return "400 bad %-encoding in key\n".to_string();
        };
        let Ok(key) = String::from_utf8(key) else {
            return "500 key is not utf-8\n".to_string();
        };
        let now = self.clock.now();
        let mut value = String::with_capacity(key.len() + 48);
        let result = match self.map {
            Map::Forward => {
                // Like postsrsd, leave alone an address this forwarder can already reverse.
                if self.rewriter.reverse_into(&key, now, &mut value).is_ok() {
                    return "500 already rewritten\n".to_string();
                }
                value.clear();
                self.rewriter
                    .forward_into(&key, now, &mut value)
                    .map(|_: Forwarded| ())
            }
            Map::Reverse => self
                .rewriter
                .reverse_into(&key, now, &mut value)
                .map(|_| ()),
        };
        match result {
            Ok(()) => format!("200 {}\n", url_encode(&value)),
            Err(e) => format!("500 {e}\n"),
        }
    }
}

/// Accept connections on `listener` and answer from `table` until an accept fails.
///
/// # Errors
///
/// The error of `accept`.
pub async fn serve(listener: TcpListener, table: Table) -> io::Result<()> {
    let table = Arc::new(table);
    loop {
        let (socket, _) = listener.accept().await?;
        let table = Arc::clone(&table);
        tokio::spawn(async move {
            // A client that goes away is not the server's error.
            let _ = handle(socket, &table).await;
        });
    }
}

async fn handle(socket: TcpStream, table: &Table) -> io::Result<()> {
    socket.set_nodelay(true)?;
    let (r, w) = socket.into_split();
    let mut r = BufReader::new(r);
    let mut w = BufWriter::new(w);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let limit = (MAX_REQUEST + 1) as u64;
        let mut limited = (&mut r).take(limit);
        let read = limited.read_until(b'\n', &mut line);
        let n = match tokio::time::timeout(IDLE_TIMEOUT, read).await {
            Ok(n) => n?,
            Err(_) => return Ok(()),
        };
        drop(limited);
        if n == 0 {
            return w.flush().await;
        }
        if line.len() > MAX_REQUEST {
            w.write_all(b"400 request too long\n").await?;
            w.flush().await?;
            match tokio::time::timeout(IDLE_TIMEOUT, skip_line(&mut r)).await {
                Ok(res) => res?,
                Err(_) => return Ok(()),
            }
            continue;
        }
        w.write_all(table.answer(&line).as_bytes()).await?;
        // Flush once the pipelined requests already received are answered.
        if r.buffer().is_empty() {
            w.flush().await?;
        }
    }
}

/// Discard input up to and including the next newline (or to the end).
async fn skip_line<R: AsyncBufRead + Unpin>(r: &mut R) -> io::Result<()> {
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            r.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        r.consume(n);
    }
}

/// `%XX`-encode whitespace, control bytes, `%` and bytes beyond ASCII.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b <= b' ' || b >= 0x7f || b == b'%' {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// Decode `%XX` escapes; `None` for a `%` not followed by two hex digits.
pub fn url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(map: Map) -> Table {
        let r = Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        Table::new(Arc::new(r), map, Clock::Fixed(1_577_836_860))
    }

    #[test]
    fn answers() {
        let f = table(Map::Forward);
        assert_eq!(
            f.answer(b"get alice@example.com\n"),
            "200 SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n"
        );
        assert_eq!(
            f.answer(b"get SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\r\n"),
            "500 already rewritten\n"
        );
        assert_eq!(
            f.answer(b"get bob@FWD1.example.net"),
            "200 bob@FWD1.example.net\n"
        );
        assert!(
            f.answer(b"get nobody\n")
                .starts_with("500 malformed address")
        );
        assert_eq!(f.answer(b"put x\n"), "400 unsupported request\n");
        assert_eq!(f.answer(b"get a%4\n"), "400 bad %-encoding in key\n");
        assert_eq!(f.answer(b"get %FF@x\n"), "500 key is not utf-8\n");
        let r = table(Map::Reverse);
        assert_eq!(
            r.answer(b"get SRS0%3DXu1M=2W=example.com=alice@fwd1.example.net\n"),
            "200 alice@example.com\n"
        );
        assert!(
            r.answer(b"get alice@example.com\n")
                .starts_with("500 not an srs address")
        );
    }

    #[test]
    fn encoding() {
        assert_eq!(url_encode("a b%c\u{e9}@x"), "a%20b%25c%C3%A9@x");
        assert_eq!(
            url_decode(b"a%20b%25c%C3%A9@x").unwrap(),
            "a b%c\u{e9}@x".as_bytes()
        );
        assert_eq!(url_decode(b"%zz"), None);
        assert_eq!(url_decode(b"%2"), None);
    }
}
