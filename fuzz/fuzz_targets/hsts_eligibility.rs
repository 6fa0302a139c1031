#![no_main]
//! Any bytes: the eligibility checks and the redirect walk must not panic, must follow at
//! most three redirects, and must agree with themselves.
//!
//! The first line is the domain; each further line is one response, `STATUS LOCATION
//! STS...` (fields separated by tabs), fed to the walk of `http://domain/`.

use hostkit_hsts::{
    MAX_REDIRECTS, RedirectWalk, Response, Site, TlsOutcome, WwwOutcome, check_domain,
    check_header, check_site,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let site = Site::new(domain, TlsOutcome::Verified, https.finish(), http, WwwOutcome::Absent);
    let verdict = check_site(&site);
    assert_eq!(verdict, check_site(&site));
});
