//! mysqldump-verify: the verifier on arbitrary bytes, plain and gzip.

use std::io::Write;

use hostkit_mysqldump_verify::{Compression, Verifier};

/// Arbitrary bytes, in any chunking: the verifier never panics, and every chunking
/// gives the report the whole input gives.
pub fn parse(data: &[u8]) {
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
}

/// Arbitrary SQL-ish bytes and their gzip: both verify to the same SQL-level report,
/// whatever the chunking of the compressed side.
pub fn roundtrip(data: &[u8]) {
    let Some((&seed, input)) = data.split_first() else {
        return;
    };
    let mut plain = Verifier::plain();
    plain.feed(input);
    let mut plain = plain.finish();

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(input).unwrap();
    let gz = gz.finish().unwrap();
    let mut v = Verifier::new();
    for chunk in gz.chunks(1 + usize::from(seed)) {
        v.feed(chunk);
    }
    let mut zipped = v.finish();
    assert_eq!(zipped.stream.compression, Compression::Gzip { members: 1 });
    assert_eq!(zipped.stream.container_error, None);
    zipped.stream.compression = Compression::None;
    zipped.stream.input_bytes = 0;
    plain.stream.input_bytes = 0;
    assert_eq!(zipped, plain);
}
