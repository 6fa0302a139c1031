//! Arbitrary SQL-ish bytes and their gzip: both verify to the same SQL-level report,
//! whatever the chunking of the compressed side.
#![no_main]

use std::io::Write;

use hostkit_mysqldump_verify::{Compression, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
