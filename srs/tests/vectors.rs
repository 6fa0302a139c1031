//! Table tests: the vectors of Mail::SRS 0.31 and postsrsd, kept as data files in
//! `tests/vectors/`.

use hostkit_srs::{CaseMatch, Error, Rewriter, Separator};

fn rewriter(config: &str) -> Rewriter {
    let mut b = Rewriter::builder();
    let mut secrets = 0;
    for kv in config.split(',').filter(|kv| *kv != "-") {
        let (k, v) = kv
            .split_once('=')
            .unwrap_or_else(|| panic!("bad option {kv}"));
        b = match k {
            "secret" => {
                secrets += 1;
                b.secret(v)
            }
            "domain" => b.domain(v),
            "sep" => b.separator(v.parse::<Separator>().expect("separator")),
            "hashlen" => b.hash_length(v.parse().expect("number")),
            "hashmin" => b.hash_min(v.parse().expect("number")),
            "maxage" => b.max_age_days(v.parse().expect("number")),
            "case" => b.case_match(match v {
                "insensitive" => CaseMatch::Insensitive,
                "exact-first" => CaseMatch::ExactFirst,
                "exact" => CaseMatch::Exact,
                _ => panic!("bad case mode {v}"),
            }),
            _ => panic!("unknown option {k}"),
        };
    }
    if secrets == 0 {
        b = b.secret("tops3cr3t");
    }
    b.build().expect("valid configuration")
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::NotSrs { .. } => "not-srs",
        Error::Malformed { .. } => "malformed",
        Error::BadHash { .. } => "bad-hash",
        Error::Expired { .. } => "expired",
        Error::Future { .. } => "future",
        Error::TooLong { .. } => "too-long",
        _ => "other",
    }
}

fn run(file: &str) -> usize {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [op, now, config, input, expected] = cols[..] else {
            panic!("{file}:{}: expected 5 columns", i + 1);
        };
        let now: u64 = now.parse().expect("unix time");
        let r = rewriter(config);
        let got = match op {
            "forward" => r.forward(input, now),
            "reverse" => r.reverse(input, now),
            _ => panic!("{file}:{}: unknown operation {op}", i + 1),
        };
        let got = match &got {
            Ok(s) => s.clone(),
            Err(e) => format!("error:{}", kind(e)),
        };
        assert_eq!(got, expected, "{file}:{}: {op} {input} ({got:?})", i + 1);
        n += 1;
    }
    n
}

#[test]
fn mail_srs_vectors() {
    assert_eq!(run("mail_srs.tsv"), 56);
}

#[test]
fn postsrsd_vectors() {
    assert_eq!(run("postsrsd.tsv"), 16);
}
