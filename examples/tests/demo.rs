//! The tour runs, passes every check it makes and stays quick.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn demo_passes_every_check() {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .arg("demo")
        .output()
        .expect("run hostkit demo");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed, 0 failed in "),
        "summary line: {summary}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    // A debug build on a loaded two-core machine: generous, but a hang still fails.
    assert!(elapsed < Duration::from_secs(60), "demo took {elapsed:?}");
}

#[test]
fn unknown_verb_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .arg("no-such-area")
        .output()
        .expect("run hostkit");
    assert_eq!(out.status.code(), Some(2));
}
