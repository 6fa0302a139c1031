//! The check is `hostkit_fuzz_checks::dump::roundtrip`, shared with the stable corpus replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hostkit_fuzz_checks::dump::roundtrip(data));
