#![no_main]
//! Arbitrary bytes through the SRS parser, forward and reverse: no panic, and whatever
//! parses displays back to an address that parses to the same value.

use hostkit_srs::{Rewriter, Separator, SrsAddress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = s.parse::<SrsAddress>() {
        let again: SrsAddress = a.to_string().parse().expect("display parses");
        assert_eq!(again, a);
    }
    let r = Rewriter::builder()
        .secret("fuzz")
        .domain("fwd.example")
        .separator(Separator::Plus)
        .build()
        .expect("valid configuration");
    let now = data.len() as u64 * 86_400 * 37;
    let _ = r.forward(s, now);
    let _ = r.reverse(s, now);
});
