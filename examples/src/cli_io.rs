//! The chores every command of this package does the same way: exit codes, the clock,
//! reading inputs (a file or standard input, or a batch of one input per argument or
//! per line), and writing result lines so that a reader that stops early (`| head`)
//! ends the run quietly.
//!
//! Exit codes: 0 ok / valid / complete / permit / pass; 1 a negative verdict (in a
//! batch: any input negative or bad); 2 a usage or I/O error.

use std::ffi::OsString;
use std::fmt::Display;
use std::io::{self, BufRead, BufWriter, StdoutLock, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// Exit code 0: ok, valid, complete, permit, pass.
pub const EXIT_OK: u8 = 0;
/// Exit code 1: a negative verdict (invalid, rejected, incomplete, deny, undecidable).
pub const EXIT_NEGATIVE: u8 = 1;
/// Exit code 2: a usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// The stable `error_code` of a batch input that is not UTF-8.
pub const NOT_UTF8: &str = "input.not_utf8";

/// Exit 0 when `ok`, 1 otherwise.
#[must_use]
pub fn verdict(ok: bool) -> ExitCode {
    ExitCode::from(if ok { EXIT_OK } else { EXIT_NEGATIVE })
}

/// Print `program: input: reason` on standard error and return exit code 2.
pub fn usage_error(program: &str, input: &str, reason: impl Display) -> ExitCode {
    eprintln!("{program}: {input}: {reason}");
    ExitCode::from(EXIT_USAGE)
}

/// Whether an output error only means the reader went away (`| head`).
#[must_use]
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// The exit code of a run that wrote its results: `Ok(all_ok)` gives 0 or 1; a reader
/// that stopped early ends the run quietly with 0; any other I/O error is reported on
/// standard error as `program: what: reason` and gives 2.
pub fn finish(result: io::Result<bool>, program: &str, what: &str) -> ExitCode {
    match result {
        Ok(ok) => verdict(ok),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => usage_error(program, what, e),
    }
}

/// The time to act at, in unix seconds: `flag` (a `--now` option) when given,
/// otherwise the system clock (0 for a clock set before 1970).
#[must_use]
pub fn now(flag: Option<u64>) -> u64 {
    flag.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// Read a whole input named on the command line: a path, or `-` for standard input.
///
/// # Errors
///
/// The error of opening or reading it.
pub fn read_input(path: &str) -> io::Result<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

/// A batch input that is not UTF-8: its bytes and the length of its valid prefix (the
/// byte offset of the first bad byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8<'a> {
    /// The input as given.
    pub bytes: &'a [u8],
    /// Byte offset of the first byte that is not part of valid UTF-8.
    pub valid_up_to: usize,
}

impl NotUtf8<'_> {
    /// The input with each bad sequence shown as U+FFFD, for messages.
    #[must_use]
    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(self.bytes).into_owned()
    }

    /// The message for this input: `not UTF-8 at byte N`.
    #[must_use]
    pub fn message(&self) -> String {
        format!("not UTF-8 at byte {}", self.valid_up_to)
    }
}

/// One batch input: text, or the bytes of an input that is not UTF-8.
pub type Input<'a> = Result<&'a str, NotUtf8<'a>>;

fn input(bytes: &[u8]) -> Input<'_> {
    std::str::from_utf8(bytes).map_err(|e| NotUtf8 {
        bytes,
        valid_up_to: e.valid_up_to(),
    })
}

/// Call `f` on every input of a batch, in order: the positional arguments when there
/// are any, otherwise one per line of standard input (a trailing `\r` is dropped; empty
/// lines are kept so that output lines stay aligned with input lines). An input that
/// is not UTF-8 comes as `Err` and the batch goes on.
///
/// # Errors
///
/// The first error of reading standard input or of `f` (which stops the batch).
pub fn for_each_input(
    args: &[OsString],
    mut f: impl FnMut(Input<'_>) -> io::Result<()>,
) -> io::Result<()> {
    if !args.is_empty() {
        for a in args {
            f(input(a.as_encoded_bytes()))?;
        }
        return Ok(());
    }
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lock.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let l = line.strip_suffix(b"\n").unwrap_or(&line);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        f(input(l))?;
    }
}

/// Standard output, locked and buffered, for result lines. Dropping it flushes what is
/// left and ignores the error; call [`Output::flush`] to see it.
#[derive(Debug)]
pub struct Output {
    w: BufWriter<StdoutLock<'static>>,
}

impl Default for Output {
    fn default() -> Self {
        Self::new()
    }
}

impl Output {
    /// Lock standard output.
    #[must_use]
    pub fn new() -> Self {
        Self {
            w: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
        }
    }

    /// Write one JSON object as one line.
    ///
    /// # Errors
    ///
    /// The write error (a closed pipe included: see [`finish`]).
    pub fn json_line(&mut self, value: &serde_json::Value) -> io::Result<()> {
        write_json_line(&mut self.w, value)
    }

    /// Write one line of text (the newline is added).
    ///
    /// # Errors
    ///
    /// The write error.
    pub fn text_line(&mut self, line: &str) -> io::Result<()> {
        self.w.write_all(line.as_bytes())?;
        self.w.write_all(b"\n")
    }

    /// Flush what is buffered.
    ///
    /// # Errors
    ///
    /// The write error.
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Write one JSON object as one line to any writer.
///
/// # Errors
///
/// The write error.
pub fn write_json_line<W: Write>(out: &mut W, value: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// The JSON fields every verb gives a bad input: `error` (the message), `error_code`
/// (stable, lower-case) and `offset` (a byte offset into the input, or null), added to
/// `value`.
pub fn set_error(
    value: &mut serde_json::Value,
    message: impl Display,
    code: &str,
    offset: Option<usize>,
) {
    value["error"] = serde_json::Value::String(message.to_string());
    value["error_code"] = serde_json::Value::String(code.to_owned());
    value["offset"] = offset.map_or(serde_json::Value::Null, Into::into);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_keep_text_and_point_at_the_first_bad_byte() {
        assert_eq!(input(b"a@b"), Ok("a@b"));
        let bad = input(b"ab\xffc").unwrap_err();
        assert_eq!(bad.valid_up_to, 2);
        assert_eq!(bad.lossy(), "ab\u{fffd}c");
        assert_eq!(bad.message(), "not UTF-8 at byte 2");
    }

    #[test]
    fn arguments_come_in_order() {
        let args = [OsString::from("x"), OsString::from("y")];
        let mut seen = Vec::new();
        for_each_input(&args, |i| {
            seen.push(i.unwrap().to_owned());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["x", "y"]);
    }

    #[test]
    fn error_fields() {
        let mut v = serde_json::json!({"input": "x"});
        set_error(&mut v, "bad", "a.b", Some(3));
        assert_eq!(v["error"], "bad");
        assert_eq!(v["error_code"], "a.b");
        assert_eq!(v["offset"], 3);
        set_error(&mut v, "bad", "a.b", None);
        assert!(v["offset"].is_null());
    }

    #[test]
    fn exit_codes() {
        assert_eq!(finish(Ok(true), "t", "x"), ExitCode::from(EXIT_OK));
        assert_eq!(finish(Ok(false), "t", "x"), ExitCode::from(EXIT_NEGATIVE));
        let pipe = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(finish(Err(pipe), "t", "x"), ExitCode::from(EXIT_OK));
        let other = io::Error::other("disk full");
        assert_eq!(finish(Err(other), "t", "x"), ExitCode::from(EXIT_USAGE));
        assert_eq!(now(Some(7)), 7);
    }
}
