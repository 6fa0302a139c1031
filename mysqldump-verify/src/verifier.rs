//! The push verifier: feed bytes as they arrive, ask for the report at the end.

use crate::container::Container;
use crate::report::{Report, Stream};
use crate::scan::Scanner;

/// A streaming dump verifier.
///
/// Feed it the bytes of a dump (plain SQL, or gzip / zstd when those features are on)
/// in chunks of any size, then call [`finish`](Self::finish). Memory stays constant
/// whatever the size of the dump (a 128 KiB output buffer and the window of the gzip or
/// zstd decoder, plus at most 10 000 table names), and the report does not depend on
/// how the input was chunked.
///
/// ```
/// use hostkit_mysqldump_verify::{Verdict, Verifier};
///
/// let mut v = Verifier::new();
/// v.feed(b"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n");
/// v.feed(b"LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1,'a;b'),(2,'c");
/// let report = v.finish();
/// assert_eq!(report.verdict, Verdict::Incomplete);
/// assert_eq!(
///     report.reason.unwrap().to_string(),
///     "cut while dumping table `t` at byte 117"
/// );
/// ```
#[derive(Debug, Default)]
pub struct Verifier {
    container: Container,
    scanner: Scanner,
    input_bytes: u64,
}

impl Verifier {
    /// A verifier that tells plain, gzip and zstd input apart by the first bytes.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A verifier for plain SQL only: no detection of compressed input.
    #[must_use]
    pub fn plain() -> Self {
        Self {
            container: Container::plain(),
            ..Self::default()
        }
    }

    /// Push the next bytes of the dump.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.input_bytes += bytes.len() as u64;
        self.container.feed(bytes, &mut self.scanner);
    }

    /// Bytes fed so far.
    #[must_use]
    pub fn input_bytes(&self) -> u64 {
        self.input_bytes
    }

    /// Bytes of SQL seen so far (after decompression).
    #[must_use]
    pub fn sql_bytes(&self) -> u64 {
        self.scanner.offset()
    }

    /// The end of the input: the report.
    #[must_use]
    pub fn finish(mut self) -> Report {
        let (compression, container_error) = self.container.finish(&mut self.scanner);
        let sql_bytes = self.scanner.offset();
        let (end_state, pending, xml) = self.scanner.end();
        let pending = pending.map(<[u8]>::to_vec);
        let dump = core::mem::take(&mut self.scanner.dump);
        let stream = Stream {
            input_bytes: self.input_bytes,
            sql_bytes,
            compression,
            container_error,
            end_state,
        };
        dump.finish(stream, pending.as_deref(), xml)
    }
}

/// Verify a whole dump held in memory: `Verifier::new()`, one `feed`, `finish`.
#[must_use]
pub fn verify(bytes: &[u8]) -> Report {
    let mut v = Verifier::new();
    v.feed(bytes);
    v.finish()
}
