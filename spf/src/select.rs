//! Choosing the SPF record among the TXT records of a name (RFC 7208 sections 3.3, 4.5).

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind};
use crate::parse::is_spf_record;
use crate::record::Record;

/// What a TXT answer set holds for SPF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// No record starts with `v=spf1`: the result is `none`.
    None,
    /// Exactly one SPF record, parsed.
    Record(Record),
    /// More than one SPF record (this many): the result is `permerror`.
    Multiple(usize),
    /// One SPF record that does not parse: the result is `permerror`.
    Invalid(Error),
}

/// Pick the SPF record from a TXT answer set. Each item is one TXT resource record,
/// given as its character-strings, which are joined with nothing between them
/// (section 3.3). Records that do not start with `v=spf1` are ignored, whatever bytes
/// they hold.
///
/// ```
/// use hostkit_spf::{select_record, Selected};
/// let answer = [vec!["v=spf1 ip4:192.0.2.0/24", " -all"], vec!["google-site-verification=x"]];
/// let Selected::Record(r) = select_record(answer) else { panic!() };
/// assert_eq!(r.to_string(), "v=spf1 ip4:192.0.2.0/24 -all");
/// ```
pub fn select_record<R, C>(rrs: impl IntoIterator<Item = R>) -> Selected
where
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    let mut found: Option<Vec<u8>> = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    for rr in rrs {
        buf.clear();
        for chunk in rr {
            buf.extend_from_slice(chunk.as_ref());
        }
        if is_spf_record(&buf) {
            count += 1;
            if found.is_none() {
                found = Some(core::mem::take(&mut buf));
            }
        }
    }
    match (count, found) {
        (0, _) | (_, None) => Selected::None,
        (1, Some(text)) => match String::from_utf8(text) {
            Ok(s) => match s.parse() {
                Ok(r) => Selected::Record(r),
                Err(e) => Selected::Invalid(e),
            },
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                Selected::Invalid(Error::new(ErrorKind::NonAscii, "", at))
            }
        },
        (n, Some(_)) => Selected::Multiple(n),
    }
}
