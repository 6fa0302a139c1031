//! The promises every verb of `hostkit` keeps alike: the flags of the command-line
//! contract are named in `--help`; a bad input is reported in JSON as `error`,
//! `error_code` and `offset`; in a batch a line that is not UTF-8 fails alone; and a
//! reader that stops early ends the batch quietly with exit 0.

mod common;
use common::{assert_error_shape, closed_after_one_line, hostkit, hostkit_with, json_lines};

/// Each verb of the contract and the flags it lists, as the contract spells them.
const FLAGS: &[(&str, &str, &[&str])] = &[
    (
        "srs",
        "forward",
        &[
            "--secret",
            "--domain",
            "--now",
            "--separator",
            "--hash-length",
            "--hash-min",
            "--local-domain",
            "--refuse-long",
        ],
    ),
    (
        "srs",
        "reverse",
        &[
            "--secret",
            "--now",
            "--max-age",
            "--hash-length",
            "--hash-min",
            "--case",
        ],
    ),
    (
        "srs",
        "serve",
        &[
            "--domain",
            "--secret-file",
            "--socketmap",
            "--tcp-forward",
            "--tcp-reverse",
            "--exclude-domain",
            "--separator",
            "--hash-length",
            "--max-age",
        ],
    ),
    ("proxy", "decode", &["--json", "--stdin"]),
    (
        "proxy",
        "encode",
        &[
            "--version",
            "--src",
            "--dst",
            "--local",
            "--authority",
            "--alpn",
            "--unique-id",
            "--tlv",
            "--crc32c",
        ],
    ),
    ("spf", "parse", &["--json"]),
    (
        "spf",
        "check",
        &[
            "--zone",
            "--ip",
            "--sender",
            "--helo",
            "--receiver",
            "--default-explanation",
            "--trace",
            "--json",
            "--dns",
            "--server",
        ],
    ),
    (
        "spf",
        "lint",
        &["--json", "--zone", "--domain", "--dns", "--server"],
    ),
    (
        "spf",
        "flatten",
        &[
            "--json",
            "--zone",
            "--domain",
            "--max-length",
            "--dns",
            "--server",
        ],
    ),
    ("caa", "parse", &["--json", "--wire"]),
    (
        "caa",
        "check",
        &[
            "--zone",
            "--domain",
            "--issuer",
            "--wildcard",
            "--account-uri",
            "--method",
            "--email",
            "--json",
        ],
    ),
    ("hsts", "parse", &["--json", "--max-age-cap"]),
    ("hsts", "preload-check", &["--json", "--url", "--ca-file"]),
    ("hsts", "cache-check", &["--json", "--now"]),
    ("hsts", "cache-write", &["--now"]),
    ("hsts", "preloaded", &["--json", "--stats"]),
    ("dump", "verify", &["--json"]),
    ("dump", "run", &["--output"]),
];

#[test]
fn every_contract_flag_is_named_in_its_verbs_help() {
    for (area, verb, flags) in FLAGS {
        let o = hostkit(&[area, verb, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{area} {verb} --help");
        let help = String::from_utf8_lossy(&o.stdout);
        for flag in *flags {
            // A flag is named as a word of its own: `--now` must not pass on `--nowhere`.
            let named = help.match_indices(flag).any(|(i, _)| {
                let next = help[i + flag.len()..].chars().next();
                !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == '-')
            });
            assert!(named, "{area} {verb} --help does not name {flag}:\n{help}");
        }
    }
}

const SRS_FORWARD: &[&str] = &[
    "srs",
    "forward",
    "--secret",
    "s3cret",
    "--domain",
    "fwd.example",
    "--now",
    "1577836860",
];
const SRS_REVERSE: &[&str] = &[
    "srs",
    "reverse",
    "--secret",
    "s3cret",
    "--now",
    "1577836860",
];

/// A batch verb: its arguments (reading standard input), a good input line, and the
/// `error_code` it gives a line that is not UTF-8.
struct Batch {
    args: &'static [&'static str],
    good: String,
    not_utf8: &'static str,
}

/// `address` rewritten by `srs forward`, for `srs reverse` to take back.
fn forwarded(address: &str) -> String {
    let o = hostkit(&[SRS_FORWARD, &[address]].concat());
    assert_eq!(o.status.code(), Some(0));
    common::stdout(&o).trim().to_owned()
}

fn batches() -> Vec<Batch> {
    let with_json = |args: &'static [&'static str]| -> &'static [&'static str] {
        Box::leak([args, &["--json"]].concat().into_boxed_slice())
    };
    vec![
        Batch {
            args: with_json(SRS_FORWARD),
            good: "alice@example.com".to_owned(),
            not_utf8: "input.not_utf8",
        },
        Batch {
            args: with_json(SRS_REVERSE),
            good: forwarded("alice@example.com"),
            not_utf8: "input.not_utf8",
        },
        Batch {
            args: &["hsts", "parse", "--json"],
            good: "max-age=31536000; includeSubDomains".to_owned(),
            not_utf8: "input.not_utf8",
        },
        Batch {
            args: &["hsts", "preloaded", "--json"],
            good: "google.com".to_owned(),
            not_utf8: "preload_list.not_utf8",
        },
        Batch {
            args: &["caa", "parse", "--json"],
            good: "0 issue \"ca.example\"".to_owned(),
            not_utf8: "input.not_utf8",
        },
    ]
}

#[test]
fn a_line_that_is_not_utf8_fails_alone() {
    for b in batches() {
        // Byte 3 of the second line is not UTF-8.
        let bytes = [b.good.as_bytes(), b"\nbad\xffx\n", b.good.as_bytes(), b"\n"].concat();
        let o = hostkit_with(b.args, Some(&bytes));
        assert_eq!(o.status.code(), Some(1), "{:?}", b.args);
        let lines = json_lines(&o);
        assert_eq!(lines.len(), 3, "{:?}: {lines:?}", b.args);
        assert_error_shape(&lines[1], b.not_utf8, Some(3));
        for good in [&lines[0], &lines[2]] {
            assert!(good["error"].is_null(), "{:?}: {good}", b.args);
        }
        assert_eq!(lines[0], lines[2], "{:?}", b.args);
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_batch_quietly() {
    for b in batches() {
        // Far more output than a pipe holds, so the writer must meet the closed end.
        let input = format!("{}\n", b.good).repeat(20_000);
        for json in [true, false] {
            let args: Vec<&str> = b
                .args
                .iter()
                .copied()
                .filter(|a| json || *a != "--json")
                .collect();
            let run = closed_after_one_line(&args, input.as_bytes());
            assert!(!run.first.is_empty(), "{args:?}");
            assert_eq!(run.status.code(), Some(0), "{args:?}: {}", run.stderr);
            assert_eq!(run.stderr, "", "{args:?}");
        }
    }
}

#[test]
fn dump_verify_stops_quietly_too() {
    let dir = std::env::temp_dir().join(format!("hostkit-contract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junk.sql");
    std::fs::write(&file, b"not a dump\n").unwrap();
    let name = file.to_str().unwrap();
    let mut args = vec!["dump", "verify"];
    args.extend(std::iter::repeat_n(name, 5_000));
    let run = closed_after_one_line(&args, b"");
    // Not a dump is a negative verdict; the early stop turns the run into exit 0.
    assert!(run.first.contains("not_a_dump") || run.first.contains("not a dump"));
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A bad input for each verb that reports one in JSON, the code and offset it gets.
const BAD_INPUTS: &[(&[&str], &str, Option<u64>)] = &[
    (
        &[
            "srs",
            "reverse",
            "--secret",
            "s3cret",
            "--now",
            "1577836860",
            "--json",
            "alice@example.com",
        ],
        "srs.not_srs",
        Some(0),
    ),
    (
        &["hsts", "parse", "--json", "max-age=1x"],
        "header.parse.max_age.non_digit_characters",
        Some(8),
    ),
    (
        &["hsts", "parse", "--json", "includeSubDomains"],
        "header.parse.max_age.missing",
        None,
    ),
    (
        &["hsts", "preloaded", "--json", ""],
        "preload_list.empty_host",
        None,
    ),
    (
        &["spf", "parse", "--json", "v=spf1 mx bogus -all"],
        "parse.unknown_term",
        Some(10),
    ),
    (
        &["caa", "parse", "--json", "0 issue"],
        "caa.text.syntax",
        Some(7),
    ),
    (
        // `PROXY TCP4 x\r\n`
        &["proxy", "decode", "--json", "50524f5859205443503420780d0a"],
        "v1.syntax",
        Some(11),
    ),
    (
        &["dump", "verify", "--json", "/nonexistent/dump.sql"],
        "io.not_found",
        None,
    ),
];

#[test]
fn every_verb_reports_a_bad_input_with_error_code_and_offset() {
    for (args, code, offset) in BAD_INPUTS {
        let o = hostkit(args);
        assert!(matches!(o.status.code(), Some(1 | 2)), "{args:?}");
        let lines = json_lines(&o);
        assert_eq!(lines.len(), 1, "{args:?}");
        assert_error_shape(&lines[0], code, *offset);
        assert!(!o.stderr.is_empty(), "{args:?}: no line on stderr");
    }
}
