//! Any bytes, any policy, any way of cutting them into pushes at any times: the
//! acceptor never panics, decides the same as when given everything at once (while
//! before the deadline), and a proceed never claims more bytes than it was given.
//! Datagrams: never a panic, and header plus payload is the whole datagram.
#![no_main]

use std::time::Duration;

use hostkit_proxy_protocol::{Acceptor, Cidr, Decision, Trusted, Untrusted, parse_datagram};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let Some((&cuts, bytes)) = rest.split_first() else {
        return;
    };
    let list = ["127.0.0.0/8".parse::<Cidr>().unwrap()];
    let a = Acceptor::new(&list)
        .trusted(if ctl & 1 == 0 { Trusted::Require } else { Trusted::Use })
        .untrusted(if ctl & 2 == 0 { Untrusted::Reject } else { Untrusted::Ignore })
        .max_header_size(usize::from(ctl >> 2) * 8)
        .timeout(Duration::from_secs(1));
    let peer = if ctl & 0x80 == 0 { "127.0.0.2:1" } else { "10.0.0.1:1" };
    let local = "127.0.0.1:80".parse().unwrap();
    let mut whole = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    let want = whole.push(bytes, Duration::ZERO);
    if let Decision::Proceed { consumed, .. } = want {
        assert!(consumed <= bytes.len());
    }
    let mut hs = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    let step = usize::from(cuts % 7) + 1;
    let mut end = 0;
    let got = loop {
        end = (end + step).min(bytes.len());
        let now = Duration::from_millis(u64::from(cuts) * end as u64 % 1000);
        let d = hs.push(&bytes[..end], now);
        if !matches!(d, Decision::NeedMore { .. }) || end == bytes.len() {
            break d;
        }
    };
    assert_eq!(got, want);
    let mut eof = a.start(peer.parse().unwrap(), local, Duration::ZERO);
    assert!(!matches!(eof.finish(bytes), Decision::NeedMore { .. }));
    if let Ok(d) = parse_datagram(bytes) {
        assert_eq!(d.header().len() + d.payload().len(), bytes.len());
    }
});
