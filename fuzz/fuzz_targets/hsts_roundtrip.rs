#![no_main]
//! A value that parses prints in canonical form, which parses to the same policy with no
//! warnings; a store written as a curl cache file reads back the same.

use hostkit_hsts::{ParseOptions, Store, parse, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = parse_bytes(data, &ParseOptions::new()) {
        let text = parsed.policy.to_string();
        let again = parse(&text).expect("the canonical form parses");
        assert_eq!(again.policy, parsed.policy);
        assert!(again.warnings.is_empty());

        // Record it for a host named after the input, then round-trip curl's file.
        let host = format!("h{}.example", data.len());
        let mut store = Store::new();
        store.record(&host, &parsed.policy, 1_700_000_000).expect("valid host");
        let file = store.to_curl_cache(1_700_000_000);
        let mut back = Store::new();
        back.load_curl_cache(&file, 1_700_000_000).expect("own file");
        assert_eq!(back.to_curl_cache(1_700_000_000), file);
        assert_eq!(
            back.must_upgrade(&host, 1_700_000_000),
            store.must_upgrade(&host, 1_700_000_000)
        );
    }
});
