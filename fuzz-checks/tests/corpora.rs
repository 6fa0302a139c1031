//! Every input committed under `fuzz/corpus/<target>/` goes through the check its fuzz
//! target makes, on stable Rust: a fresh clone catches a regression without a fuzzer.
//! Each target keeps at least 20 inputs; crashes found by fuzzing stay as named
//! `regression-*` inputs beside the rest.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use hostkit_fuzz_checks::TARGETS;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_committed_corpus_and_every_input_passes() {
    let mut failures = Vec::new();
    for (target, check) in TARGETS {
        let dir = corpus_dir(target);
        let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        inputs.sort();
        assert!(inputs.len() >= 20, "{target}: {} inputs", inputs.len());
        for path in inputs {
            let data = fs::read(&path).expect("a readable input");
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "inputs that fail their check: {failures:#?}"
    );
}

#[test]
fn every_target_is_a_fuzz_binary() {
    let manifest =
        fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/Cargo.toml"))
            .expect("fuzz/Cargo.toml");
    for (target, _) in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} missing"
        );
    }
    assert_eq!(manifest.matches("[[bin]]").count(), TARGETS.len());
}

/// The dictionaries the fuzz runs use are in libFuzzer's format: comments, or
/// `name="value"` with only `\\`, `\"` and `\xNN` escapes, and no entry twice.
#[test]
fn every_dictionary_is_well_formed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/dict");
    for name in ["spf.dict", "caa.dict", "hsts.dict", "sql.dict"] {
        let text = fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut seen = std::collections::HashSet::new();
        for (n, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (_, quoted) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{name}:{}: no '='", n + 1));
            let body = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{name}:{}: value not quoted", n + 1));
            let mut value = Vec::new();
            let mut bytes = body.bytes();
            while let Some(b) = bytes.next() {
                match b {
                    b'\\' => match bytes.next() {
                        Some(c @ (b'\\' | b'"')) => value.push(c),
                        Some(b'x') => {
                            let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                            let hex = std::str::from_utf8(&hex).expect("ASCII");
                            value
                                .push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| {
                                    panic!("{name}:{}: bad \\x escape", n + 1)
                                }));
                        }
                        other => panic!("{name}:{}: bad escape {other:?}", n + 1),
                    },
                    b'"' => panic!("{name}:{}: unescaped quote", n + 1),
                    _ => value.push(b),
                }
            }
            assert!(!value.is_empty(), "{name}:{}: empty entry", n + 1);
            assert!(seen.insert(value), "{name}:{}: entry twice", n + 1);
        }
        assert!(seen.len() >= 20, "{name}: {} entries", seen.len());
    }
}
