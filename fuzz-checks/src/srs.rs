//! SRS: the address parser, the forward/reverse round trip and the map service's
//! request handling.

use hostkit_srs::{Forwarded, Rewriter, Separator, SrsAddress};
use srs_service::lookup::Map;
use srs_service::{socketmap, tcp_table};

/// Arbitrary bytes through the SRS parser, forward and reverse: no panic, and whatever
/// parses displays back to an address that parses to the same value.
pub fn parse(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(a) = s.parse::<SrsAddress>() {
        let again: SrsAddress = a.to_string().parse().expect("display parses");
        assert_eq!(again, a);
    }
    let r = Rewriter::builder()
        .secret("fuzz")
        .domain("fwd.example")
        .separator(Separator::Plus)
        .build()
        .expect("valid configuration");
    let now = data.len() as u64 * 86_400 * 37;
    let _ = r.forward(s, now);
    let _ = r.reverse(s, now);
}

/// Forward arbitrary senders, then reverse: an SRS0 gives the sender back, an SRS1 the
/// SRS0 address it wraps; every address made displays as it parses.
pub fn roundtrip(data: &[u8]) {
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
}

/// The service's protocol modules, compiled here without the sockets around them.
#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/src/srs_service"]
mod srs_service {
    pub mod lookup;
    pub mod socketmap;
    pub mod tcp_table;
}

const MAX: usize = 512;
const T: u64 = 1_577_836_860;

#[derive(Clone, Copy)]
enum Proto {
    Socketmap,
    TcpTable(Map),
}

/// Answer every whole request of `buf`, as a connection does; the bytes used and whether
/// a framing error ends the connection.
fn respond(p: Proto, r: &Rewriter, buf: &[u8], out: &mut Vec<u8>) -> (usize, bool) {
    let mut at = 0;
    loop {
        let rest = &buf[at..];
        match p {
            Proto::Socketmap => match socketmap::decode(rest, MAX) {
                socketmap::Frame::Request(req, used) => {
                    let (_, a) = socketmap::lookup(r, req, T);
                    socketmap::encode(&a, out);
                    at += used;
                }
                socketmap::Frame::Incomplete => return (at, false),
                socketmap::Frame::Malformed(_) => return (at, true),
            },
            Proto::TcpTable(map) => match tcp_table::decode(rest, MAX) {
                tcp_table::Frame::Request(line, used) => {
                    let a = tcp_table::lookup(r, map, line, T);
                    tcp_table::encode(&a, out);
                    at += used;
                }
                tcp_table::Frame::Incomplete => return (at, false),
                tcp_table::Frame::Malformed(_) => return (at, true),
            },
        }
    }
}

/// Feed `input` in reads ending at `cuts`; the replies.
fn feed(p: Proto, r: &Rewriter, input: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    for &end in cuts.iter().chain(std::iter::once(&input.len())) {
        let end = end.clamp(at, input.len());
        buf.extend_from_slice(&input[at..end]);
        at = end;
        let (used, malformed) = respond(p, r, &buf, &mut out);
        assert!(used <= buf.len());
        buf.drain(..used);
        if malformed {
            break;
        }
        assert!(buf.len() <= MAX + 5, "{} bytes held", buf.len());
    }
    out
}

/// `hostkit srs serve`'s request handling on arbitrary bytes: the socketmap and tcp_table
/// framing, the lookups and the replies never panic, what waits for the rest of a
/// request stays under the limit, and the replies do not depend on where the input is
/// cut into reads.
pub fn serve_request(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let r = Rewriter::builder()
        .secret("tops3cr3t")
        .domain("fwd1.example.net")
        .local_domain(".corp.example")
        .build()
        .expect("a valid configuration");
    let p = match data[0] % 3 {
        0 => Proto::Socketmap,
        1 => Proto::TcpTable(Map::Forward),
        _ => Proto::TcpTable(Map::Reverse),
    };
    let input = &data[2..];
    let cut = usize::from(data[1]) * input.len() / 255;
    let whole = feed(p, &r, input, &[]);
    let split = feed(p, &r, input, &[cut, cut + 1]);
    assert_eq!(whole, split);
}
