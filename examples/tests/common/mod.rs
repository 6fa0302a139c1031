//! What the integration tests share: running `hostkit` (with or without standard
//! input, or with a reader that stops after one line) and reading its output.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitStatus, Output, Stdio};

/// The `hostkit` binary under test.
pub(crate) const HOSTKIT: &str = env!("CARGO_BIN_EXE_hostkit");

/// Run `hostkit ARGS` with nothing on standard input.
pub(crate) fn hostkit(args: &[&str]) -> Output {
    hostkit_with(args, None)
}

/// Run `hostkit ARGS`, writing `stdin` (when given) from another thread so that a
/// large input cannot dead-lock against a full output pipe.
pub(crate) fn hostkit_with(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(HOSTKIT)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hostkit");
    let writer = stdin.map(|data| {
        let mut input = child.stdin.take().expect("stdin");
        let data = data.to_vec();
        std::thread::spawn(move || input.write_all(&data))
    });
    let out = child.wait_with_output().expect("wait for hostkit");
    if let Some(w) = writer {
        // The child may stop reading early (a usage error): a closed pipe is fine.
        let _ = w.join().expect("writer thread");
    }
    out
}

/// What a run whose reader stopped after the first line left behind.
#[derive(Debug)]
pub(crate) struct ClosedEarly {
    /// The first line read.
    pub(crate) first: String,
    /// How the process ended.
    pub(crate) status: ExitStatus,
    /// Everything it wrote on standard error.
    pub(crate) stderr: String,
}

/// Run `hostkit ARGS` on `stdin`, read one line of its output, then close the pipe
/// (as `| head -1` does) and wait for it to end.
pub(crate) fn closed_after_one_line(args: &[&str], stdin: &[u8]) -> ClosedEarly {
    let mut child = Command::new(HOSTKIT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hostkit");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let mut first = String::new();
    {
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        out.read_line(&mut first).expect("read a line");
    } // stdout closed here
    let out = child.wait_with_output().expect("wait for hostkit");
    let _ = writer.join().expect("writer thread");
    ClosedEarly {
        first,
        status: out.status,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Standard output as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every line of standard output, each one JSON object.
pub(crate) fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The first line of standard output as one JSON object.
pub(crate) fn json(o: &Output) -> serde_json::Value {
    let s = stdout(o);
    serde_json::from_str(s.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// Asserts the JSON error shape every verb gives a bad input: `error` a message,
/// `error_code` stable and lower-case (`[a-z0-9_.]+`) and equal to `code`, `offset` as
/// expected.
pub(crate) fn assert_error_shape(v: &serde_json::Value, code: &str, offset: Option<u64>) {
    let message = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {v}"));
    assert!(!message.is_empty(), "{v}");
    let got = v["error_code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error_code: {v}"));
    assert!(
        !got.is_empty()
            && got
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.'),
        "{got}"
    );
    assert_eq!(got, code, "{v}");
    assert_eq!(v["offset"].as_u64(), offset, "{v}");
    assert!(v.get("offset").is_some(), "offset missing: {v}");
}
