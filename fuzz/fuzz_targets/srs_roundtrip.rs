#![no_main]
//! Forward arbitrary senders, then reverse: an SRS0 gives the sender back, an SRS1 the
//! SRS0 address it wraps; every address made displays as it parses.

use hostkit_srs::{Forwarded, Rewriter, SrsAddress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(sender) = std::str::from_utf8(rest) else {
        return;
    };
    let r = Rewriter::builder()
        .secret([first, 1, 2, 3])
        .domain("fwd.example")
        .hash_length(usize::from(first % 27) + 1)
        .build()
        .expect("valid configuration");
    let now = u64::from(first) * 86_400 * 5;
    let mut out = String::new();
    let Ok(done) = r.forward_into(sender, now, &mut out) else {
        return;
    };
    match done {
        Forwarded::Unchanged => assert_eq!(out, sender),
        Forwarded::Srs0 => {
            assert_eq!(r.reverse(&out, now).expect("own SRS0 reverses"), sender);
            let a: SrsAddress = out.parse().expect("own SRS0 parses");
            assert_eq!(a.to_string(), out);
        }
        Forwarded::Srs1 => {
            let back = r.reverse(&out, now).expect("own SRS1 reverses");
            assert!(back.starts_with("SRS0"), "{back}");
            let a: SrsAddress = out.parse().expect("own SRS1 parses");
            assert_eq!(a.to_string(), out);
        }
        _ => {}
    }
});
