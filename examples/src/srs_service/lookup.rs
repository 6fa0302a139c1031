//! What the service answers, whatever the protocol: plain functions from a map name and a
//! key to an [`Answer`], with no socket in sight.
//!
//! The forward map answers for `sender_canonical_maps`, the reverse map for
//! `recipient_canonical_maps`. Postfix keeps an address unchanged on `NOTFOUND`, so every
//! sender that must go out as it is gets `NOTFOUND`, never an error: an error on the
//! forward map would make Postfix refuse the mail with a 4xx.

use std::borrow::Cow;

use hostkit_srs::{Error, Forwarded, Rewriter};

/// The two lookup tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Map {
    /// Sender to SRS address (`sender_canonical_maps`).
    Forward,
    /// SRS address to the address it stands for (`recipient_canonical_maps`).
    Reverse,
}

impl Map {
    /// The socketmap name of the table: `forward` or `reverse`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Reverse => "reverse",
        }
    }

    /// The table a socketmap name stands for.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"forward" => Some(Self::Forward),
            b"reverse" => Some(Self::Reverse),
            _ => None,
        }
    }
}

/// The answer to one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The key maps to this address.
    Found(String),
    /// No mapping: Postfix keeps the address as it is.
    NotFound {
        /// Why, for the log and the tcp_table reply.
        reason: Cow<'static, str>,
        /// Whether an operator should hear about it (logged as a warning).
        warning: bool,
    },
    /// A request this server cannot serve: an unknown map name, a request it cannot read.
    Perm(Cow<'static, str>),
    /// A failure that may go away: the client should retry later.
    Temp(Cow<'static, str>),
}

impl Answer {
    fn not_found(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::NotFound {
            reason: reason.into(),
            warning: false,
        }
    }

    /// The reason of a negative answer (empty for [`Answer::Found`]).
    pub fn reason(&self) -> &str {
        match self {
            Self::Found(_) => "",
            Self::NotFound { reason, .. } | Self::Perm(reason) | Self::Temp(reason) => reason,
        }
    }
}

/// The longest local part written: RFC 5321 section 4.5.3.1.1.
pub const MAX_LOCAL_PART: usize = 64;

/// Look `key` up in `map` at `now` (unix seconds).
pub fn lookup(rewriter: &Rewriter, map: Map, key: &[u8], now: u64) -> Answer {
    match map {
        Map::Forward => forward(rewriter, key, now),
        Map::Reverse => reverse(rewriter, key, now),
    }
}

/// The forward map. `NOTFOUND` for the null sender (Postfix asks for the two-byte key
/// `""`; the empty key and `<>` count too), an address without a domain, a sender in our
/// own SRS domain or an excluded domain (the rewriter's local domains), an address this
/// rewriter can already reverse, and a result whose local part would pass
/// [`MAX_LOCAL_PART`] octets (with a warning). Another forwarder's SRS0 or SRS1 address
/// becomes SRS1.
///
/// The rewriter should carry [`LengthPolicy::RFC5321`](hostkit_srs::LengthPolicy::RFC5321)
/// for the length rule to apply.
pub fn forward(rewriter: &Rewriter, key: &[u8], now: u64) -> Answer {
    if key.is_empty() || key == b"\"\"" || key == b"<>" {
        return Answer::not_found("null sender");
    }
    let Ok(key) = std::str::from_utf8(key) else {
        return Answer::not_found("not utf-8");
    };
    let Some(at) = key.rfind('@') else {
        return Answer::not_found("no domain");
    };
    if at + 1 == key.len() {
        return Answer::not_found("no domain");
    }
    let mut out = String::with_capacity(key.len() + 48);
    if looks_srs(key) && rewriter.reverse_into(key, now, &mut out).is_ok() {
        return Answer::not_found("already rewritten");
    }
    out.clear();
    match rewriter.forward_into(key, now, &mut out) {
        Ok(Forwarded::Unchanged) => Answer::not_found("local or excluded domain"),
        Ok(_) => Answer::Found(out),
        Err(e @ Error::TooLong { .. }) => Answer::NotFound {
            reason: format!("not rewritten: {e}").into(),
            warning: true,
        },
        Err(e) => Answer::not_found(e.to_string()),
    }
}

/// The reverse map: the original sender of an SRS0 address, the first hop's SRS0 address
/// of an SRS1 address. Case does not matter (smtpd lower-cases the key); every secret is
/// tried; `NOTFOUND` for anything that is not an SRS address, or whose hash or timestamp
/// does not verify.
pub fn reverse(rewriter: &Rewriter, key: &[u8], now: u64) -> Answer {
    let Ok(key) = std::str::from_utf8(key) else {
        return Answer::not_found("not utf-8");
    };
    if !looks_srs(key) {
        return Answer::not_found("not an srs address");
    }
    let mut out = String::with_capacity(key.len());
    match rewriter.reverse_into(key, now, &mut out) {
        Ok(_) => Answer::Found(out),
        Err(Error::NotSrs { .. }) => Answer::not_found("not an srs address"),
        Err(e) => Answer::not_found(e.to_string()),
    }
}

/// Whether `key` starts with an SRS tag (`SRS0` or `SRS1` and a separator, any case).
fn looks_srs(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() > 5
        && b[..3].eq_ignore_ascii_case(b"srs")
        && matches!(b[3], b'0' | b'1')
        && matches!(b[4], b'=' | b'+' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use hostkit_srs::LengthPolicy;

    const T: u64 = 1_577_836_860;

    fn rw() -> Rewriter {
        Rewriter::builder()
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .local_domain("excluded.example")
            .local_domain(".corp.example")
            .length_policy(LengthPolicy::RFC5321)
            .build()
            .unwrap()
    }

    fn found(a: Answer) -> String {
        match a {
            Answer::Found(v) => v,
            other => panic!("not found: {other:?}"),
        }
    }

    fn is_not_found(a: &Answer) -> bool {
        matches!(a, Answer::NotFound { warning: false, .. })
    }

    #[test]
    fn forward_rules() {
        let r = rw();
        let f = |k: &str| forward(&r, k.as_bytes(), T);
        assert_eq!(
            found(f("alice@example.com")),
            "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net"
        );
        for key in [
            "\"\"",
            "",
            "<>",
            "nobody",
            "user@",
            "bob@fwd1.example.net",
            "bob@FWD1.Example.NET",
            "x@excluded.example",
            "x@a.corp.example",
            "x@b.a.CORP.example",
            "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net",
            // Ours, seen under another host: still reversible, so left alone.
            "SRS0=Xu1M=2W=example.com=alice@elsewhere.example",
            "srs0=xu1m=2w=example.com=alice@elsewhere.example",
        ] {
            let a = f(key);
            assert!(is_not_found(&a), "{key:?}: {a:?}");
        }
        // The parent of a `.corp.example` exclusion and look-alikes are rewritten.
        assert!(found(f("x@corp.example")).starts_with("SRS0="));
        assert!(found(f("x@xexcluded.example")).starts_with("SRS0="));
        assert!(found(f("x@sub.excluded.example")).starts_with("SRS0="));
    }

    #[test]
    fn other_forwarders_become_srs1() {
        let hop2 = Rewriter::builder()
            .secret("another")
            .domain("fwd2.example.org")
            .build()
            .unwrap();
        let srs0 = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net";
        let srs1 = found(forward(&hop2, srs0.as_bytes(), T));
        assert!(srs1.starts_with("SRS1="), "{srs1}");
        assert!(srs1.ends_with("=fwd1.example.net==Xu1M=2W=example.com=alice@fwd2.example.org"));
        // A third forwarder keeps the first hop and signs again.
        let hop3 = Rewriter::builder()
            .secret("third")
            .domain("fwd3.example.com")
            .build()
            .unwrap();
        let again = found(forward(&hop3, srs1.as_bytes(), T));
        assert!(again.starts_with("SRS1="));
        assert!(again.ends_with("=fwd1.example.net==Xu1M=2W=example.com=alice@fwd3.example.com"));
        // And each reverses its own.
        assert_eq!(found(reverse(&hop2, srs1.as_bytes(), T)), srs0);
        assert_eq!(found(reverse(&hop3, again.as_bytes(), T)), srs0);
    }

    #[test]
    fn long_local_parts_are_left_alone_with_a_warning() {
        let r = rw();
        let ok = format!("{}@example.com", "x".repeat(39));
        assert!(found(forward(&r, ok.as_bytes(), T)).starts_with("SRS0="));
        let long = format!("{}@example.com", "x".repeat(40));
        match forward(&r, long.as_bytes(), T) {
            Answer::NotFound { warning, reason } => {
                assert!(warning);
                assert!(reason.contains("65 octets"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reverse_rules() {
        let r = rw();
        let rev = |k: &str, now| reverse(&r, k.as_bytes(), now);
        let s0 = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net";
        assert_eq!(found(rev(s0, T)), "alice@example.com");
        assert_eq!(found(rev(&s0.to_lowercase(), T)), "alice@example.com");
        assert_eq!(found(rev(&s0.to_uppercase(), T)), "ALICE@EXAMPLE.COM");
        let day = 86_400;
        assert_eq!(found(rev(s0, T + 21 * day)), "alice@example.com");
        for (key, now) in [
            (s0, T + 22 * day),
            (s0, T - day),
            ("SRS0=FAKE=2W=example.com=alice@fwd1.example.net", T),
            ("alias@forward.test", T),
            ("", T),
            ("SRS0=", T),
            ("SRS1=x=y@z", T),
        ] {
            let a = rev(key, now);
            assert!(is_not_found(&a), "{key:?}: {a:?}");
        }
        assert!(is_not_found(&reverse(&r, b"SRS0=\xff@x", T)));
        // Another secret's address is foreign.
        let other = Rewriter::builder()
            .secret("other")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        let foreign = found(forward(&other, b"alice@example.com", T));
        assert!(is_not_found(&rev(&foreign, T)));
        // Rotation: a rewriter with a new secret first still reverses the old address.
        let rotated = Rewriter::builder()
            .secret("n3w")
            .secret("tops3cr3t")
            .domain("fwd1.example.net")
            .build()
            .unwrap();
        assert_eq!(
            found(reverse(&rotated, s0.as_bytes(), T)),
            "alice@example.com"
        );
        assert_ne!(found(forward(&rotated, b"alice@example.com", T)), s0);
    }

    #[test]
    fn map_names() {
        assert_eq!(Map::from_name(b"forward"), Some(Map::Forward));
        assert_eq!(Map::from_name(b"reverse"), Some(Map::Reverse));
        assert_eq!(Map::from_name(b"Forward"), None);
        assert_eq!(Map::Reverse.name(), "reverse");
    }
}
