//! HSTS: the header parser, the store and curl's cache, the eligibility checks and the
//! embedded preload list.

use std::collections::HashMap;
use std::sync::OnceLock;

use hostkit_hsts::{
    MAX_REDIRECTS, ParseOptions, RedirectWalk, Response, Site, Store, TlsOutcome, WwwOutcome,
    check_domain, check_header, check_site, parse_bytes, preload_check_fields, preload_list,
};

/// Any bytes: the header parser, the preload check, the store and the curl cache
/// reader must not panic.
pub fn parse(data: &[u8]) {
    let _ = parse_bytes(data, &ParseOptions::new());
    let _ = parse_bytes(data, &ParseOptions::new().max_age_cap(31_536_000));
    let (a, b) = data.split_at(data.len() / 2);
    let report = preload_check_fields([a, b]);
    let _ = report.is_preloadable();
    if let Ok(text) = std::str::from_utf8(data) {
        let mut store = Store::with_capacity(8);
        let _ = store.load_curl_cache(text, 0);
        for (i, line) in text.lines().enumerate() {
            let (host, value) = line.split_once(' ').unwrap_or((line, "max-age=10"));
            let _ = store.record_header(host, value, i as u64);
            let _ = store.lookup(host, i as u64);
        }
        let _ = store.to_curl_cache(0);
    }
}

/// A value that parses prints in canonical form, which parses to the same policy with no
/// warnings; a store written as a curl cache file reads back the same.
pub fn roundtrip(data: &[u8]) {
    if let Ok(parsed) = parse_bytes(data, &ParseOptions::new()) {
        let text = parsed.policy.to_string();
        let again = hostkit_hsts::parse(&text).expect("the canonical form parses");
        assert_eq!(again.policy, parsed.policy);
        assert!(again.warnings.is_empty());

        // Record it for a host named after the input, then round-trip curl's file.
        let host = format!("h{}.example", data.len());
        let mut store = Store::new();
        store
            .record(&host, &parsed.policy, 1_700_000_000)
            .expect("valid host");
        let file = store.to_curl_cache(1_700_000_000);
        let mut back = Store::new();
        back.load_curl_cache(&file, 1_700_000_000)
            .expect("own file");
        assert_eq!(back.to_curl_cache(1_700_000_000), file);
        assert_eq!(
            back.must_upgrade(&host, 1_700_000_000),
            store.must_upgrade(&host, 1_700_000_000)
        );
    }
}

/// Any bytes: the eligibility checks and the redirect walk must not panic, must follow at
/// most three redirects, and must agree with themselves.
///
/// The first line is the domain; each further line is one response, `STATUS LOCATION
/// STS...` (fields separated by tabs), fed to the walk of `http://domain/`.
pub fn eligibility(data: &[u8]) {
    let header = check_header(data);
    assert_eq!(header.is_preloadable(), header.errors.is_empty());
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.lines();
    let domain = lines.next().unwrap_or_default();
    let _ = check_domain(domain);
    let mut walk = RedirectWalk::new(&format!("http://{domain}/"));
    let mut fetched = 0;
    for line in lines {
        if walk.next_url().is_none() {
            break;
        }
        let mut fields = line.split('\t');
        let status = fields.next().and_then(|s| s.parse().ok()).unwrap_or(200);
        let mut response = Response::new(status);
        if let Some(l) = fields.next().filter(|l| !l.is_empty()) {
            response = response.with_location(l);
        }
        for sts in fields {
            response = response.with_sts(sts.as_bytes());
        }
        walk.push(response);
        fetched += 1;
    }
    assert!(fetched <= MAX_REDIRECTS + 1);
    let http = walk.finish();
    assert!(http.hops.len() <= MAX_REDIRECTS);
    let mut https = RedirectWalk::new(&format!("https://{domain}/"));
    https.push(Response::new(200).with_sts(data));
    let site = Site::new(
        domain,
        TlsOutcome::Verified,
        https.finish(),
        http,
        WwwOutcome::Absent,
    );
    let verdict = check_site(&site);
    assert_eq!(verdict, check_site(&site));
}

struct Reference {
    map: HashMap<String, bool>,
    names: Vec<String>,
}

fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| {
        let mut names: Vec<String> = preload_list::entries()
            .map(|(n, _)| n.to_string())
            .collect();
        names.sort();
        let map = preload_list::entries()
            .map(|(n, isd)| (n.to_string(), isd))
            .collect();
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
    if !host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
    {
        return None;
    }
    if host.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return None;
    }
    let last = host.rsplit('.').next().unwrap_or_default();
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
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
    let got =
        preload_list::lookup(host).map(|m| (m.entry.to_string(), m.include_subdomains, m.exact));
    assert_eq!(got, walk(&r.map, host), "{host:?}");
}

/// The embedded preload list answers exactly as a `HashMap` suffix walk over the same
/// names, for arbitrary hosts and for arbitrary bytes glued in front of listed names.
pub fn preloaded(data: &[u8]) {
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
}
