//! What a CA asks before issuing, from command-line parts: where the climb starts and
//! the request it decides. Shared by `hostkit caa check` and the `caa_lookup` example.

use hostkit_caa::{Discovery, Request, Target};

/// The climb for a certificate name (`*.name`, or `wildcard` for a wildcard
/// certificate), or for the domain of an email address, and the target it decides for.
///
/// # Errors
///
/// When the name or address cannot be looked up.
pub fn start(
    name: &str,
    wildcard: bool,
    email: bool,
) -> Result<(Discovery, Target), hostkit_caa::Error> {
    if email {
        return Discovery::for_email(name).map(|d| (d, Target::Email));
    }
    let d = if wildcard && !name.starts_with("*.") {
        Discovery::new(&format!("*.{name}"))?
    } else {
        Discovery::new(name)?
    };
    let t = if d.is_wildcard() {
        Target::Wildcard
    } else {
        Target::Name
    };
    Ok((d, t))
}

/// The request of a CA known by `issuers`, with the RFC 8657 account URI and
/// validation method when given.
#[must_use]
pub fn request<'a>(
    issuers: &'a [&'a str],
    target: Target,
    account_uri: Option<&'a str>,
    method: Option<&'a str>,
) -> Request<'a> {
    let mut req = Request::new(issuers, target);
    if let Some(u) = account_uri {
        req = req.account_uri(u);
    }
    if let Some(m) = method {
        req = req.method(m);
    }
    req
}
