//! Version detection (spec section 2.2) and the configurable parser.

use crate::error::Error;
use crate::header::{Header, Status};
use crate::{v1, v2};

/// Parse a PROXY header (v1 or v2) at the start of `input` with the default
/// [`Parser`]: both versions, v2 headers up to 65 551 bytes, CRC32C verified.
///
/// The version is told from the first byte (`P` for v1, `\r` for v2); bytes after the
/// header are never looked at. On success the header and the number of bytes it spans
/// are returned: the payload starts at that offset.
///
/// # Errors
///
/// Any [`Error`] the input earns as soon as the bytes so far prove it cannot be a
/// valid header; running out of input is [`Status::Incomplete`], not an error.
///
/// ```
/// use hostkit_proxy_protocol::{parse, Status};
///
/// let input = b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.1\r\n";
/// let Status::Complete((header, used)) = parse(input)? else { unreachable!() };
/// assert_eq!(header.source().unwrap().to_string(), "192.0.2.1:56324");
/// assert_eq!(&input[used..], b"GET / HTTP/1.1\r\n");
///
/// assert_eq!(parse(&input[..20])?, Status::Incomplete { needed: 14 });
/// # Ok::<(), hostkit_proxy_protocol::Error>(())
/// ```
#[inline]
pub fn parse(input: &[u8]) -> Result<Status<(Header<'_>, usize)>, Error> {
    Parser::new().parse(input)
}

/// A parser with options: which versions to accept, the largest v2 header, and
/// whether a wrong CRC32C is an error.
///
/// The spec (section 2) wants receivers configured for what they expect, so a
/// server that only ever sits behind a v2 sender can refuse v1 outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parser {
    v1: bool,
    v2: bool,
    max_v2: usize,
    verify_crc: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// Both versions, any v2 size the length field allows, CRC32C verified.
    pub const fn new() -> Self {
        Self {
            v1: true,
            v2: true,
            max_v2: v2::MAX_LEN,
            verify_crc: true,
        }
    }

    /// Accept v1 lines (default `true`).
    pub const fn accept_v1(mut self, yes: bool) -> Self {
        self.v1 = yes;
        self
    }

    /// Accept v2 headers (default `true`).
    pub const fn accept_v2(mut self, yes: bool) -> Self {
        self.v2 = yes;
        self
    }

    /// The largest v2 header accepted, all 16 fixed bytes included (default 65 551,
    /// i.e. no limit beyond the length field). A header announcing more is rejected as
    /// soon as its first 16 bytes are in. Values below 16 act as 16.
    pub const fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_v2 = if bytes < 16 { 16 } else { bytes };
        self
    }

    /// Whether a CRC32C TLV that does not match is an error (default `true`, as
    /// spec section 2.2.3 requires). When `false` the header is returned with
    /// [`Crc32cStatus::Invalid`](crate::Crc32cStatus::Invalid).
    pub const fn verify_crc32c(mut self, yes: bool) -> Self {
        self.verify_crc = yes;
        self
    }

    /// Parse a header at the start of `input`; see [`parse`].
    ///
    /// # Errors
    ///
    /// As [`parse`]; a version that is turned off is [`Error::NotProxy`].
    #[inline]
    pub fn parse<'a>(&self, input: &'a [u8]) -> Result<Status<(Header<'a>, usize)>, Error> {
        match input.first() {
            Some(b'\r') if self.v2 => v2::parse(input, self.max_v2, self.verify_crc),
            Some(b'P') if self.v1 => v1::parse(input),
            Some(&byte) => Err(Error::NotProxy { offset: 0, byte }),
            None => Ok(Status::Incomplete {
                needed: if self.v1 { 15 } else { 16 },
            }),
        }
    }
}
