#![no_main]
//! Any bytes: the header parser, the preload check, the store and the curl cache
//! reader must not panic.

use hostkit_hsts::{ParseOptions, Store, parse_bytes, preload_check_fields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
