//! The table of header values in `tests/vectors/parse.tsv`, checked against the parser.

use hostkit_hsts::{Policy, parse};

fn unescape(s: &str) -> String {
    s.replace("{TAB}", "\t")
        .replace("{CR}", "\r")
        .replace("{LF}", "\n")
        .replace("{DEL}", "\u{7f}")
}

#[test]
fn parse_vectors() {
    let text = include_str!("vectors/parse.tsv");
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let input = unescape(cols[0]);
        let got = parse(&input);
        match cols[1] {
            "ok" => {
                let parsed = got.unwrap_or_else(|e| panic!("line {}: {input:?}: {e}", n + 1));
                let mut want = Policy::this_host_only(cols[2].parse().expect("max_age"));
                want.include_subdomains = cols[3] == "1";
                want.preload = cols[4] == "1";
                assert_eq!(parsed.policy, want, "line {}: {input:?}", n + 1);
                let codes: Vec<&str> = parsed.warnings.iter().map(|w| w.code()).collect();
                let want_codes: Vec<&str> = cols
                    .get(5)
                    .filter(|c| !c.is_empty())
                    .map(|c| c.split(',').collect())
                    .unwrap_or_default();
                assert_eq!(codes, want_codes, "line {}: {input:?}", n + 1);
                // The canonical form parses back to the same policy, without warnings.
                let again = parse(&parsed.policy.to_string()).expect("canonical form");
                assert_eq!(again.policy, parsed.policy);
                assert!(again.warnings.is_empty());
            }
            "err" => {
                let e = got.expect_err(&format!("line {}: {input:?} should fail", n + 1));
                assert_eq!(e.code(), cols[2], "line {}: {input:?}: {e}", n + 1);
            }
            other => panic!("line {}: verdict {other:?}", n + 1),
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} vectors");
}
