//! The embedded preload list against its source: the generator's output is the committed
//! file byte for byte, every entry of the TSV is found with its flag, and lookups agree
//! with a plain `HashMap` suffix walk over the same TSV.

use std::collections::{HashMap, HashSet};

use hostkit_hsts::preload_list::{self, BYTES, ENTRIES, LIST_DATE, lookup};

#[path = "../examples/preload_gen/build.rs"]
#[allow(dead_code)] // constants the generator's main prints or checks
mod build;

const TSV: &str = include_str!("../data/chromium-2026-06-01.tsv");
const BIN: &[u8] = include_bytes!("../src/preload_list/chromium.bin");

fn source() -> Vec<(String, bool)> {
    build::parse_tsv(TSV).expect("the committed TSV parses")
}

/// The reference: the host, then each superdomain, in a `HashMap`.
fn walk<'a>(list: &'a HashMap<String, bool>, host: &str) -> Option<(&'a str, bool, bool)> {
    if host.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return None;
    }
    let mut candidate = host;
    let mut exact = true;
    loop {
        if let Some((name, &isd)) = list.get_key_value(candidate)
            && (exact || isd)
        {
            return Some((name.as_str(), isd, exact));
        }
        candidate = &candidate[candidate.find('.')? + 1..];
        exact = false;
    }
}

fn is_ip(name: &str) -> bool {
    name.rsplit('.')
        .next()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn generator_output_is_the_committed_file() {
    let rebuilt = build::build(&source(), "2026-06-01").expect("builds");
    assert_eq!(rebuilt.len(), BIN.len());
    assert!(
        rebuilt == BIN,
        "rerun examples/preload_gen: the committed file differs"
    );
    assert_eq!(BYTES, BIN.len());
    assert_eq!(LIST_DATE, "2026-06-01");
}

// The size budget: at most 600 KiB (Chromium's own trie of this list is 736 KiB).
const _: () = assert!(BYTES <= 600 * 1024);

#[test]
fn entry_count() {
    assert_eq!(ENTRIES, 94_600);
    assert_eq!(ENTRIES, source().len());
}

#[test]
fn every_entry_is_found_with_its_flag() {
    let mut ip_entries = Vec::new();
    for (name, isd) in source() {
        if is_ip(&name) {
            assert_eq!(lookup(&name), None, "{name}");
            ip_entries.push(name);
            continue;
        }
        let m = lookup(&name).unwrap_or_else(|| panic!("{name} not found"));
        assert!(m.exact, "{name}");
        assert_eq!(m.entry, name.as_str());
        assert_eq!(m.include_subdomains, isd, "{name}");
        let upper = format!("{}.", name.to_ascii_uppercase());
        assert_eq!(lookup(&upper), Some(m), "{upper}");
    }
    assert_eq!(ip_entries, ["1.0.0.1"]);
}

#[test]
fn iteration_gives_back_the_list() {
    let want: HashSet<(String, bool)> = source().into_iter().collect();
    let got: Vec<(String, bool)> = preload_list::entries()
        .map(|(n, isd)| (n.to_string(), isd))
        .collect();
    assert_eq!(got.len(), ENTRIES);
    assert_eq!(got.into_iter().collect::<HashSet<_>>(), want);
}

#[test]
fn agrees_with_a_hashmap_walk() {
    let list: HashMap<String, bool> = source().into_iter().collect();
    let mut checked = 0;
    for name in list.keys().filter(|n| !is_ip(n)) {
        let first = name.split('.').next().unwrap_or_default();
        let rest = name.find('.').map_or("", |i| &name[i..]);
        // Subdomains, and near misses that sort just before and after the entry.
        let hosts = [
            format!("www.{name}"),
            format!("a.b.{name}"),
            format!("{first}-{rest}"),
            format!("{first}a{rest}"),
            format!("{}{rest}", &first[..first.len() - 1]),
            format!("{first}0.{name}"),
        ];
        for host in &hosts {
            let want = walk(&list, host);
            let got = lookup(host);
            assert_eq!(
                got.map(|m| (m.entry.to_string(), m.include_subdomains, m.exact)),
                want.map(|(n, isd, exact)| (n.to_string(), isd, exact)),
                "{host}"
            );
            checked += 1;
        }
    }
    assert!(checked > 500_000);
}

#[test]
fn hand_checked_vectors() {
    let text = include_str!("vectors/preload_list.tsv");
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let got = lookup(cols[0]);
        match cols[1] {
            "-" => assert_eq!(got, None, "{line}"),
            entry => {
                let m = got.unwrap_or_else(|| panic!("{line}: not found"));
                assert_eq!(m.entry, entry, "{line}");
                assert_eq!(m.include_subdomains, cols[2] == "1", "{line}");
                assert_eq!(m.exact, cols[3] == "1", "{line}");
            }
        }
        n += 1;
    }
    assert_eq!(n, 22);
}

#[cfg(feature = "idna")]
#[test]
fn u_labels_are_compared_as_a_labels() {
    let list: HashMap<String, bool> = source().into_iter().collect();
    let name = list
        .keys()
        .find(|n| n.starts_with("xn--") && n.matches('.').count() == 1)
        .expect("an IDN entry");
    let (ascii_label, tld) = name.split_once('.').unwrap_or_default();
    let unicode = idna::domain_to_unicode(ascii_label).0;
    assert_ne!(unicode, ascii_label);
    let host = format!("WWW.{unicode}.{}", tld.to_ascii_uppercase());
    let m = lookup(&host).unwrap_or_else(|| panic!("{host}"));
    assert_eq!(m.entry, name.as_str());
}
