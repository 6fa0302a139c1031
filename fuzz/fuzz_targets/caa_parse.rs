//! No input makes the CAA readers panic: wire RDATA, zone text, typed values, decision.
#![no_main]

use hostkit_caa::{Caa, CaaRef, Request, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = CaaRef::decode(data) {
        let _ = v.property();
        let _ = v.to_string();
        let _ = Request::new(&["ca.example"], Target::Wildcard)
            .method("dns-01")
            .decide([v]);
    }
    if let Ok(r) = Caa::parse_bytes(data) {
        let _ = r.property();
        let _ = r.to_wire();
    }
});
