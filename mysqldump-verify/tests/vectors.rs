//! Real dumps (and one written after MySQL's layout) with their expected verdicts,
//! listed in `tests/vectors/MANIFEST`; plus cut versions of each complete one.

use std::path::Path;

use hostkit_mysqldump_verify::{Report, Verdict, Verifier};

fn verify_chunked(bytes: &[u8], chunk: usize) -> Report {
    let mut v = Verifier::new();
    for c in bytes.chunks(chunk.max(1)) {
        v.feed(c);
    }
    v.finish()
}

fn manifest() -> Vec<(String, Verdict, u64, u64, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let text = std::fs::read_to_string(dir.join("MANIFEST")).expect("MANIFEST");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "bad MANIFEST line {l:?}");
            let verdict = match f[1] {
                "complete" => Verdict::Complete,
                "incomplete" => Verdict::Incomplete,
                "undecidable" => Verdict::Undecidable,
                "not_a_dump" => Verdict::NotADump,
                v => panic!("unknown verdict {v}"),
            };
            (
                f[0].to_string(),
                verdict,
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].to_string(),
            )
        })
        .collect()
}

fn read(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_vector_gets_its_verdict() {
    let m = manifest();
    assert!(m.len() >= 20);
    let mut bad = Vec::new();
    for (name, verdict, tables, rows, reason) in m {
        let bytes = read(&name);
        let r = verify_chunked(&bytes, 1 << 20);
        let why = r
            .reason
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let got = (r.verdict, r.content.table_count, r.content.rows);
        if got != (verdict, tables, rows) || (reason != "-" && !why.contains(&reason)) {
            bad.push(format!(
                "{name}: got {got:?} {why:?}, want {verdict:?} {tables} {rows} {reason:?}"
            ));
        }
        for chunk in [1, 7, 4096] {
            assert_eq!(verify_chunked(&bytes, chunk), r, "{name}: chunk {chunk}");
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A cut before the first marker is whole (the header line, or the first `SET @OLD_`
/// statement of the preamble) cannot be told from a `--compact` dump or from no dump
/// at all.
fn header_cut(bytes: &[u8], cut: usize) -> bool {
    let find = |pat: &[u8]| bytes.windows(pat.len()).position(|w| w == pat);
    let line_end = |from: usize| from + bytes[from..].iter().position(|&b| b == b'\n').unwrap();
    let header = find(b" dump 10.").map(line_end);
    let preamble = find(b"@OLD_").map(|p| p + bytes[p..].iter().position(|&b| b == b';').unwrap());
    let first = match (header, preamble) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(bytes.len()),
    };
    cut <= first
}

#[test]
fn every_cut_of_a_complete_dump_is_incomplete() {
    for (name, verdict, ..) in manifest() {
        if verdict != Verdict::Complete || name.ends_with(".gz") {
            continue;
        }
        let bytes = read(&name);
        // Cut everywhere up to the last newline (a dump ends with one): every prefix
        // misses at least the end of the trailer line or of the postamble.
        let mut last = bytes.iter().rposition(|&b| b == b'\n').unwrap();
        if name.ends_with(".xml") {
            // Whitespace after `</mysqldump>` is not part of the document.
            last -= "</mysqldump>".len();
        }
        let step = (bytes.len() / 300).max(1);
        let mut cut = 1;
        while cut <= last {
            let r = verify_chunked(&bytes[..cut], 4096);
            assert!(
                r.verdict == Verdict::Incomplete || header_cut(&bytes, cut),
                "{name} cut at {cut}: {:?} {:?}",
                r.verdict,
                r.reason
            );
            cut += step;
        }
    }
}

#[test]
fn a_cut_at_a_page_multiple_says_the_writer_was_probably_killed() {
    let bytes = read("mariadb_normal.sql");
    let r = verify_chunked(&bytes[..8192], 4096);
    assert_eq!(r.verdict, Verdict::Incomplete);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.offset == 8192 && w.text.contains("killed"))
    );
    let r = verify_chunked(&bytes[..8191], 4096);
    assert!(r.warnings.iter().all(|w| !w.text.contains("killed")));
}
