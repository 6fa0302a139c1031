//! One module per area: its clap arguments and `run(args) -> ExitCode`. This file
//! holds the little that every area shares: exit codes, error lines, JSON lines and
//! reading inputs from arguments or standard input.

// One line per area: `pub(crate) mod srs;`
pub(crate) mod caa;
pub(crate) mod dump;
pub(crate) mod hsts;
pub(crate) mod hsts_live;
pub(crate) mod proxy;
pub(crate) mod spf;
pub(crate) mod srs;

use std::fmt::Display;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

/// Exit code 0: ok, valid, complete, permit.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code 1: a negative verdict (invalid, rejected, incomplete, deny, undecidable).
pub(crate) const EXIT_NEGATIVE: u8 = 1;
/// Exit code 2: a usage or I/O error.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Exit 0 when `ok`, 1 otherwise.
pub(crate) fn verdict(ok: bool) -> ExitCode {
    ExitCode::from(if ok { EXIT_OK } else { EXIT_NEGATIVE })
}

/// Print the one-line error for `input` on stderr and return exit code 2.
pub(crate) fn usage_error(input: &str, reason: impl Display) -> ExitCode {
    eprintln!("hostkit: {input}: {reason}");
    ExitCode::from(EXIT_USAGE)
}

/// Write one JSON object as one line.
pub(crate) fn write_json_line<W: Write>(out: &mut W, value: &serde_json::Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// The inputs of a verb: the positional arguments when there are any, otherwise one
/// per line of standard input (a trailing `\r` is dropped, empty lines are kept so
/// that output lines stay aligned with input lines).
pub(crate) fn for_each_input(
    args: &[String],
    mut f: impl FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    if !args.is_empty() {
        for a in args {
            f(a)?;
        }
        return Ok(());
    }
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    let mut line = String::new();
    loop {
        line.clear();
        if lock.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let l = line.strip_suffix('\n').unwrap_or(&line);
        let l = l.strip_suffix('\r').unwrap_or(l);
        f(l)?;
    }
}

/// Read a whole input named on the command line: a path, or `-` for standard input.
pub(crate) fn read_input(path: &str) -> io::Result<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

/// Decode a hex string (ASCII whitespace and `:` separators are ignored).
pub(crate) fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    hex::decode(&digits).map_err(|e| match e {
        hex::FromHexError::OddLength => format!("odd number of hex digits ({})", digits.len()),
        hex::FromHexError::InvalidHexCharacter { index, .. } => {
            format!("not a hex digit near digit {index}")
        }
        other => other.to_string(),
    })
}

/// Encode bytes as lowercase hex.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let bytes = [0x00, 0x0d, 0x0a, 0xff, 0x7f];
        assert_eq!(encode_hex(&bytes), "000d0aff7f");
        assert_eq!(decode_hex("00 0D:0a ff7F").unwrap(), bytes);
        assert!(decode_hex("abc").is_err());
        assert!(decode_hex("zz").is_err());
    }
}
