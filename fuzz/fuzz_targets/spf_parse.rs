//! Any text: parsing never panics, and a record that parses prints to text that parses
//! back to the same record, whose printing is stable.
#![no_main]

use hostkit_spf::{Record, lint, select_record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = select_record([data.split(|&b| b == 0)]);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for candidate in [text.to_string(), format!("v=spf1 {text}")] {
        if let Ok(r) = candidate.parse::<Record>() {
            let printed = r.to_string();
            let back: Record = printed
                .parse()
                .unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
            assert_eq!(back, r, "{printed:?}");
            assert_eq!(back.to_string(), printed);
            let _ = lint(&r);
        }
    }
});
