//! Properties: forwarding then reversing gives the sender back over any number of hops,
//! a changed hash or timestamp character is refused, arbitrary input never panics, and
//! parsed addresses display as they were parsed.

use hostkit_srs::{Error, Rewriter, Separator, SrsAddress};
use proptest::prelude::*;

const DAY: u64 = 86_400;

fn local_part() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{0,40}".prop_filter("not an SRS tag", |l| {
        !l.to_ascii_uppercase().starts_with("SRS")
    })
}

fn domain() -> impl Strategy<Value = String> {
    "[A-Za-z0-9-]{1,15}(\\.[A-Za-z0-9-]{1,15}){0,3}"
}

fn separator() -> impl Strategy<Value = Separator> {
    prop_oneof![
        Just(Separator::Equals),
        Just(Separator::Plus),
        Just(Separator::Minus)
    ]
}

fn hop(i: usize, sep: Separator, secret: &str) -> Rewriter {
    Rewriter::builder()
        .secret(secret)
        .domain(format!("fwd{i}.hops.invalid"))
        .separator(sep)
        .build()
        .expect("valid configuration")
}

/// The characters a changed hash character may not be: itself in either case and its
/// base64url twin.
fn same_hash_char(a: u8, b: u8) -> bool {
    let norm = |c: u8| match c {
        b'-' => b'+',
        b'_' => b'/',
        c => c.to_ascii_lowercase(),
    };
    norm(a) == norm(b)
}

proptest! {
    #[test]
    fn reverse_undoes_forward_over_any_hops(
        local in local_part(),
        dom in domain(),
        hops in prop::collection::vec((separator(), "[ -~]{1,20}"), 1..6),
        now in 0u64..(1u64 << 40),
        wait in 0u64..=21,
    ) {
        let sender = format!("{local}@{dom}");
        let rewriters: Vec<Rewriter> = hops
            .iter()
            .enumerate()
            .map(|(i, (sep, secret))| hop(i, *sep, secret))
            .collect();
        let mut addrs = Vec::new();
        let mut current = sender.clone();
        for r in &rewriters {
            current = r.forward(&current, now).unwrap();
            addrs.push(current.clone());
        }
        let later = now + wait * DAY;
        // Every later hop reverses its address to the first hop's SRS0 ...
        for (r, a) in rewriters.iter().zip(&addrs).skip(1) {
            prop_assert_eq!(r.reverse(a, later).unwrap(), addrs[0].clone());
        }
        // ... and the first hop reverses that to the sender.
        prop_assert_eq!(rewriters[0].reverse(&addrs[0], later).unwrap(), sender);
        // The typed view round-trips every address made on the way.
        for a in &addrs {
            let parsed: SrsAddress = a.parse().unwrap();
            prop_assert_eq!(parsed.to_string(), a.clone());
        }
    }

    #[test]
    fn a_changed_hash_or_timestamp_character_is_refused(
        local in local_part(),
        dom in domain(),
        secret in "[ -~]{1,20}",
        now in 0u64..(1u64 << 40),
        index in 0usize..6,
        replacement in prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_".to_vec()
        ),
        srs1 in any::<bool>(),
    ) {
        let first = hop(0, Separator::Equals, &secret);
        let second = hop(1, Separator::Equals, &secret);
        let srs0 = first.forward(&format!("{local}@{dom}"), now).unwrap();
        let (r, addr) = if srs1 {
            (&second, second.forward(&srs0, now).unwrap())
        } else {
            (&first, srs0)
        };
        // Positions 5..9 are the hash; 10..12 the SRS0 timestamp.
        let (pos, is_hash) = match index {
            0..=3 => (5 + index, true),
            _ if srs1 => (5 + index % 4, true),
            _ => (10 + index - 4, false),
        };
        let old = addr.as_bytes()[pos];
        prop_assume!(if is_hash {
            !same_hash_char(old, replacement)
        } else {
            !old.eq_ignore_ascii_case(&replacement)
        });
        let mut bytes = addr.clone().into_bytes();
        bytes[pos] = replacement;
        let changed = String::from_utf8(bytes).unwrap();
        let res = r.reverse(&changed, now);
        prop_assert!(
            matches!(res, Err(Error::BadHash { .. } | Error::Malformed { .. })),
            "{} -> {:?}", changed, res
        );
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}", now in any::<u64>()) {
        let r = hop(0, Separator::Equals, "k");
        let _ = r.forward(&s, now);
        let _ = r.reverse(&s, now);
        if let Ok(a) = s.parse::<SrsAddress>() {
            prop_assert_eq!(a.to_string().parse::<SrsAddress>().unwrap(), a);
        }
    }

    #[test]
    fn srs_shaped_text_never_panics(
        s in "(?i:srs)[01][=+-][A-Za-z0-9+/=_.@-]{0,40}(@[a-z.]{0,10})?",
        now in any::<u64>(),
    ) {
        let r = hop(0, Separator::Minus, "k");
        let _ = r.forward(&s, now);
        let _ = r.reverse(&s, now);
        if let Ok(a) = s.parse::<SrsAddress>() {
            let again: SrsAddress = a.to_string().parse().unwrap();
            prop_assert_eq!(again, a);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..120)) {
        let s = String::from_utf8_lossy(&b);
        let r = hop(0, Separator::Plus, "k");
        let _ = r.forward(&s, 0);
        let _ = r.reverse(&s, u64::MAX);
        let _ = s.parse::<SrsAddress>();
    }
}
