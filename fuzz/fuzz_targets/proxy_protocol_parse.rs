//! Any bytes: the parser never panics, a complete header spans exactly the bytes it
//! reports, and a prefix of it asks for more without overshooting.
#![no_main]

use hostkit_proxy_protocol::{Parser, Status, Tlv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for parser in [
        Parser::new(),
        Parser::new().verify_crc32c(false).max_header_size(300),
    ] {
        match parser.parse(data) {
            Ok(Status::Complete((h, used))) => {
                assert!(used <= data.len());
                assert_eq!(h.as_bytes(), &data[..used]);
                for t in h.tlvs() {
                    if let Tlv::Ssl(ssl) = t.decode() {
                        for s in ssl.tlvs() {
                            let _ = s.decode();
                        }
                    }
                }
                let _ = (h.source(), h.destination(), h.addresses());
                if used > 0 {
                    match parser.parse(&data[..used - 1]) {
                        Ok(Status::Incomplete { needed }) => assert!(needed >= 1 && used - 1 + needed <= used),
                        other => panic!("prefix of a complete header: {other:?}"),
                    }
                }
            }
            Ok(Status::Incomplete { needed }) => assert!(needed >= 1),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
