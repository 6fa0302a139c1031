//! One module per area: its clap arguments and `run(args) -> ExitCode`. The chores
//! every area shares (exit codes, error lines, JSON lines, reading inputs from
//! arguments or standard input, the clock) live in `hostkit_examples::cli_io`, shared
//! with the example binaries; this file adds the `hostkit:` prefix and hex.

// One line per area: `pub(crate) mod srs;`
pub(crate) mod caa;
pub(crate) mod dump;
pub(crate) mod hsts;
pub(crate) mod hsts_live;
pub(crate) mod proxy;
pub(crate) mod spf;
pub(crate) mod srs;

use std::fmt::Display;
use std::process::ExitCode;

pub(crate) use hostkit_examples::cli_io::{
    EXIT_USAGE, Input, NOT_UTF8, Output, finish, for_each_input, now, read_input, set_error,
    verdict, write_json_line,
};

/// Print the one-line error for `input` on stderr and return exit code 2.
pub(crate) fn usage_error(input: &str, reason: impl Display) -> ExitCode {
    hostkit_examples::cli_io::usage_error("hostkit", input, reason)
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
