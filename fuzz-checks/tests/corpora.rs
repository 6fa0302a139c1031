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
