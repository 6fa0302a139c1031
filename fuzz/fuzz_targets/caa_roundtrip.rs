//! Wire -> record -> wire is the identity, and text -> record -> text -> record is stable.
#![no_main]

use hostkit_caa::{Caa, CaaRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = CaaRef::decode(data) {
        assert_eq!(v.to_wire(), data);
        let text = v.to_string();
        let back: Caa = text.parse().expect("printed text reads back");
        assert_eq!(back.to_wire(), data);
        assert_eq!(back.to_string(), text);
    }
    if let Ok(r) = Caa::parse_bytes(data) {
        let text = r.to_string();
        let back: Caa = text.parse().expect("printed text reads back");
        assert_eq!(back, r);
        assert_eq!(Caa::from_wire(&r.to_wire()).as_ref(), Ok(&r));
    }
});
