//! The check is `hostkit_fuzz_checks::dump::parse`, shared with the stable corpus replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hostkit_fuzz_checks::dump::parse(data));
