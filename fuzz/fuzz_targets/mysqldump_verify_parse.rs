//! Arbitrary bytes, in any chunking: the verifier never panics, and every chunking
//! gives the report the whole input gives.
#![no_main]

use hostkit_mysqldump_verify::Verifier;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let mut whole = Verifier::new();
    whole.feed(input);
    let whole = whole.finish();

    // Chunk sizes cycle through a small set picked by the first byte.
    let sizes = [1 + usize::from(seed & 7), 1 + usize::from(seed >> 3), 3, 1];
    let mut v = Verifier::new();
    let mut rest = input;
    let mut k = 0;
    while !rest.is_empty() {
        let n = sizes[k % sizes.len()].min(rest.len());
        v.feed(&rest[..n]);
        rest = &rest[n..];
        k += 1;
    }
    assert_eq!(v.finish(), whole);
});
