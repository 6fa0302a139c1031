#![no_main]
//! The embedded preload list answers exactly as a `HashMap` suffix walk over the same
//! names, for arbitrary hosts and for arbitrary bytes glued in front of listed names.

use std::collections::HashMap;
use std::sync::OnceLock;

use hostkit_hsts::preload_list;
use libfuzzer_sys::fuzz_target;

struct Reference {
    map: HashMap<String, bool>,
    names: Vec<String>,
}

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        let mut names: Vec<String> = preload_list::entries().map(|(n, _)| n.to_string()).collect();
        names.sort();
        let map = preload_list::entries().map(|(n, isd)| (n.to_string(), isd)).collect();
        Reference { map, names }
    })
}

/// The documented rules, written out plainly: lower-case, one trailing dot off, only
/// letters, digits, '-', '_' and '.', no empty or long label, not an IP literal.
fn walk(map: &HashMap<String, bool>, host: &str) -> Option<(String, bool, bool)> {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || host.len() > 253 {
        return None;
    }
    if !host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b)) {
        return None;
    }
    if host.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return None;
    }
    let last = host.rsplit('.').next().unwrap_or_default();
    let hex = last.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    if hex || last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut candidate = host.as_str();
    let mut exact = true;
    loop {
        if let Some(&isd) = map.get(candidate)
            && (exact || isd)
        {
            return Some((candidate.to_string(), isd, exact));
        }
        candidate = &candidate[candidate.find('.')? + 1..];
        exact = false;
    }
}

fn check(r: &Reference, host: &str) {
    let got = preload_list::lookup(host).map(|m| (m.entry.to_string(), m.include_subdomains, m.exact));
    assert_eq!(got, walk(&r.map, host), "{host:?}");
}

fuzz_target!(|data: &[u8]| {
    let r = reference();
    if let Ok(text) = std::str::from_utf8(data) {
        check(r, text);
    }
    if let [a, b, rest @ ..] = data {
        let name = &r.names[usize::from(u16::from_le_bytes([*a, *b])) * r.names.len() / 65_536];
        let glued = format!("{}{name}", String::from_utf8_lossy(rest));
        check(r, &glued);
        // The same name with the glued bytes as its first label.
        let dotted = format!("{}.{name}", String::from_utf8_lossy(rest));
        check(r, &dotted);
    }
});
