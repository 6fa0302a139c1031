//! Result headers: `Received-SPF` (RFC 7208 section 9.1) and the `spf=` clause of
//! `Authentication-Results` (RFC 8601 section 2.7.2, RFC 7208 section 9.2).
//!
//! ```text
//! header-field = "Received-SPF:" [CFWS] result FWS [comment FWS] [ key-value-list ] CRLF
//! key-value-pair = key [CFWS] "=" ( dot-atom / quoted-string )
//! key          = "client-ip" / "envelope-from" / "helo" / "problem" / "receiver" /
//!                "identity" / "mechanism" / name
//! ```

use alloc::string::String;
use core::fmt::Write as _;

use crate::eval::{Identity, Outcome, SpfResult};

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(is_atext))
}

/// `s` as a dot-atom when it is one, otherwise as a quoted-string.
fn value(s: &str, out: &mut String) {
    if is_dot_atom(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        }
    }
    out.push('"');
}

fn comment_text(s: &str, out: &mut String) {
    for c in s.chars() {
        if c == '(' || c == ')' || c == '\\' {
            out.push('\\');
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        }
    }
}

/// The `Received-SPF` field (name included, no line ending) for an outcome, as added
/// by `receiver`.
///
/// ```
/// # use hostkit_spf::{Answer, Evaluator, received_spf};
/// let o = Evaluator::check_host("192.0.2.1".parse().unwrap(), "example.com", "a@example.com")
///     .run(|_| Answer::Txt(vec![vec![b"v=spf1 +all".to_vec()]]));
/// let h = received_spf(&o, "mx.example.org");
/// assert!(h.starts_with("Received-SPF: pass (mx.example.org: domain of a@example.com designates 192.0.2.1 as permitted sender)"));
/// assert!(h.contains(" client-ip=192.0.2.1;"));
/// ```
#[must_use]
pub fn received_spf(outcome: &Outcome, receiver: &str) -> String {
    let mut h = String::from("Received-SPF: ");
    h.push_str(outcome.result.as_str());
    h.push_str(" (");
    let who = match outcome.identity {
        Identity::MailFrom => alloc::format!("domain of {}", outcome.sender),
        Identity::Helo => alloc::format!("helo {}", outcome.domain),
    };
    let says = match outcome.result {
        SpfResult::Pass => alloc::format!("{who} designates {} as permitted sender", outcome.ip),
        SpfResult::Fail => {
            alloc::format!(
                "{who} does not designate {} as permitted sender",
                outcome.ip
            )
        }
        SpfResult::SoftFail => alloc::format!(
            "transitioning {who} does not designate {} as permitted sender",
            outcome.ip
        ),
        SpfResult::Neutral => {
            alloc::format!("{} is neither permitted nor denied by {who}", outcome.ip)
        }
        SpfResult::None => alloc::format!("{who} does not publish spf"),
        SpfResult::TempError => alloc::format!("error in processing during lookup of {who}"),
        SpfResult::PermError => alloc::format!("permanent error in processing {who}"),
    };
    comment_text(receiver, &mut h);
    h.push_str(": ");
    comment_text(&says, &mut h);
    h.push_str(") receiver=");
    value(receiver, &mut h);
    let _ = write!(h, "; client-ip={}; envelope-from=", outcome.ip);
    value(&outcome.sender, &mut h);
    h.push(';');
    if let Some(helo) = &outcome.helo {
        h.push_str(" helo=");
        value(helo, &mut h);
        h.push(';');
    }
    if let Some(p) = &outcome.problem {
        h.push_str(" problem=");
        value(&alloc::string::ToString::to_string(p), &mut h);
        h.push(';');
    }
    if let Some(m) = &outcome.mechanism {
        h.push_str(" mechanism=");
        value(m, &mut h);
        h.push(';');
    }
    h.push_str(" identity=");
    h.push_str(match outcome.identity {
        Identity::MailFrom => "mailfrom",
        Identity::Helo => "helo",
    });
    h
}

/// The `spf=` method clause of `Authentication-Results`, such as
/// `spf=pass smtp.mailfrom=example.com`.
#[must_use]
pub fn authentication_results_clause(outcome: &Outcome) -> String {
    let mut h = alloc::format!("spf={}", outcome.result.as_str());
    if let Some(p) = &outcome.problem {
        h.push_str(" reason=");
        value(&alloc::string::ToString::to_string(p), &mut h);
    }
    h.push_str(match outcome.identity {
        Identity::MailFrom => " smtp.mailfrom=",
        Identity::Helo => " smtp.helo=",
    });
    value(&outcome.domain, &mut h);
    h
}
