//! Parsing never touches the heap: a counting global allocator proves it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use hostkit_proxy_protocol::{
    Acceptor, Builder, Cidr, Decision, SslBuilder, Status, Tlv, Trusted, Untrusted, parse,
    parse_datagram,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn walk(input: &[u8]) -> usize {
    let mut score = 0;
    match parse(input) {
        Ok(Status::Complete((h, used))) => {
            score += used;
            score += h.source().map_or(0, |s| usize::from(s.port()));
            for t in h.tlvs() {
                score += t.value().len();
                if let Tlv::Ssl(ssl) = t.decode() {
                    for s in ssl.tlvs() {
                        score += s.value().len();
                        let _ = s.decode();
                    }
                }
            }
        }
        Ok(Status::Incomplete { needed }) => score += needed,
        Err(e) => score += size_of_val(&e),
    }
    score
}

#[test]
fn parsing_allocates_nothing() {
    let src = "192.0.2.1:56324".parse().unwrap();
    let dst = "[2001:db8::2]:443".parse().unwrap();
    let inputs = vec![
        Builder::v1(src, src).to_vec().unwrap(),
        Builder::v1(dst, dst).to_vec().unwrap(),
        Builder::v1_unknown().to_vec().unwrap(),
        Builder::v2(src, dst).to_vec().unwrap(),
        Builder::v2_local().to_vec().unwrap(),
        Builder::v2(src, src)
            .crc32c()
            .alpn(b"h2")
            .authority("example.com")
            .unique_id(b"id")
            .ssl(&SslBuilder::new(7, 0).version("TLSv1.3").cn("c"))
            .aws_vpce_id("vpce-1")
            .to_vec()
            .unwrap(),
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 0443\r\n".to_vec(),
        b"GET / HTTP/1.1\r\n".to_vec(),
    ];
    // Prefixes too: incomplete and error paths must not allocate either.
    let mut cases: Vec<&[u8]> = Vec::new();
    for i in &inputs {
        for cut in 0..=i.len() {
            cases.push(&i[..cut]);
        }
    }
    let list = ["127.0.0.0/8".parse::<Cidr>().unwrap()];
    let acceptors = [
        Acceptor::new(&list),
        Acceptor::new(&list)
            .trusted(Trusted::Use)
            .untrusted(Untrusted::Ignore),
    ];
    let peers = [
        "127.0.0.2:1".parse().unwrap(),
        "192.0.2.1:1".parse().unwrap(),
    ];
    let local = "127.0.0.1:80".parse().unwrap();
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let mut score = 0;
    for c in &cases {
        score += walk(c);
        score += parse_datagram(c).map_or(1, |d| d.payload().len());
        for a in &acceptors {
            for &peer in &peers {
                let mut hs = a.start(peer, local, Duration::ZERO);
                score += match hs.push(c, Duration::from_millis(1)) {
                    Decision::NeedMore { needed } => needed,
                    Decision::Proceed { consumed, tlvs, .. } => consumed + tlvs.count(),
                    Decision::Refuse { reason } => reason.as_str().len(),
                };
                score += usize::from(hs.poll_deadline(Duration::from_secs(9)).is_some());
                score += usize::from(matches!(hs.finish(c), Decision::Proceed { .. }));
            }
        }
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(score > 0);
    assert_eq!(after - before, 0, "parsing allocated");
}
