//! Properties of the service's request handling, without sockets: hostile bytes never
//! panic and are never buffered past the limit, and replies do not depend on how the
//! input is cut into reads.

use hostkit_examples::srs_service::{Map, Protocol, Rewriting, respond, socketmap};
use hostkit_srs::Rewriter;
use proptest::prelude::*;

const T: u64 = 1_577_836_860;
const MAX: usize = 256;

fn rewriter() -> Rewriter {
    Rewriting::new("fwd1.example.net")
        .build(&[b"tops3cr3t".to_vec()])
        .unwrap()
}

const PROTOCOLS: [Protocol; 3] = [
    Protocol::Socketmap,
    Protocol::TcpTable(Map::Forward),
    Protocol::TcpTable(Map::Reverse),
];

/// Feed `input` cut at `cuts` the way a connection does: append a read, answer what is
/// whole, drop it, stop at a framing error. The replies, and the most bytes left held
/// between reads.
fn feed(protocol: Protocol, r: &Rewriter, input: &[u8], cuts: &[usize]) -> (Vec<u8>, usize) {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut most = 0;
    let mut at = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    ends.push(input.len());
    ends.sort_unstable();
    for end in ends {
        if end < at {
            continue;
        }
        buf.extend_from_slice(&input[at..end]);
        at = end;
        let done = respond(protocol, r, T, MAX, &buf, &mut out);
        buf.drain(..done.consumed);
        if done.malformed.is_some() {
            break;
        }
        most = most.max(buf.len());
    }
    (out, most)
}

fn request() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9.+=_-]{0,20}@[a-z0-9.-]{0,20}",
        Just("SRS0=Xu1M=2W=example.com=alice@fwd1.example.net".to_string()),
        Just("srs0=xu1m=2w=example.com=alice@fwd1.example.net".to_string()),
        Just("\"\"".to_string()),
        "SRS[01][=+-][A-Za-z0-9+/=.@]{0,40}",
    ]
}

proptest! {
    #[test]
    fn hostile_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..1024), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let r = rewriter();
        for p in PROTOCOLS {
            let (_, most) = feed(p, &r, &input, &cuts);
            // What waits for the rest of a request is never more than one request's
            // limit and its framing (a length of at most three digits, a colon, a comma).
            prop_assert!(most <= MAX + 5, "{} bytes held", most);
            let mut out = Vec::new();
            let done = respond(p, &r, T, MAX, &input, &mut out);
            prop_assert!(done.consumed <= input.len());
        }
    }

    #[test]
    fn replies_do_not_depend_on_reads(keys in proptest::collection::vec(request(), 1..20), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let r = rewriter();
        let mut sm = Vec::new();
        let mut tt = Vec::new();
        for k in &keys {
            socketmap::encode_request(format!("forward {k}").as_bytes(), &mut sm);
            tt.extend_from_slice(format!("get {k}\n").as_bytes());
        }
        let (whole, _) = feed(Protocol::Socketmap, &r, &sm, &[]);
        let (cut, _) = feed(Protocol::Socketmap, &r, &sm, &cuts);
        prop_assert_eq!(whole, cut);
        for p in [Protocol::TcpTable(Map::Forward), Protocol::TcpTable(Map::Reverse)] {
            let (whole, _) = feed(p, &r, &tt, &[]);
            let (cut, _) = feed(p, &r, &tt, &cuts);
            prop_assert_eq!(&whole, &cut);
            prop_assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), keys.len());
        }
    }

    #[test]
    fn a_stream_without_framing_is_cut_at_the_limit(fill in any::<u8>(), n in (MAX + 8)..4096usize) {
        // Digits without a colon, or a line without its newline: refused once past the limit.
        let r = rewriter();
        let digits = vec![b'1'; n];
        let (out, most) = feed(Protocol::Socketmap, &r, &digits, &[5, 50, 500]);
        prop_assert_eq!(out, b"21:PERM request too long,".to_vec());
        prop_assert!(most <= 3, "{} digits held", most);
        let line = vec![if fill == b'\n' { b'x' } else { fill }; n];
        let (out, _) = feed(Protocol::TcpTable(Map::Forward), &r, &line, &[MAX / 2, MAX + 1]);
        prop_assert_eq!(out, b"400 request too long\n".to_vec());
    }
}
