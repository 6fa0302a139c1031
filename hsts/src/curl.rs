//! curl's HSTS cache file (`curl --hsts FILE`, `CURLOPT_HSTS`): one host per line,
//!
//! ```text
//! line    = [ "." ] host SP DQUOTE ( date SP time / "unlimited" ) DQUOTE
//! date    = 4DIGIT 2DIGIT 2DIGIT       ; YYYYMMDD, UTC
//! time    = 2DIGIT ":" 2DIGIT ":" 2DIGIT
//! ```
//!
//! A leading `.` means `includeSubDomains`; the time is when the entry expires. Lines
//! starting with `#` and blank lines are comments.

use alloc::string::{String, ToString};
use core::fmt::Write;

use crate::store::{Entry, Store};
use crate::{Error, host};

/// The last second curl's `YYYYMMDD` form can hold: 9999-12-31 23:59:59 UTC. Later
/// expiries are written as `unlimited`.
pub const CURL_TIME_MAX: u64 = 253_402_300_799;

/// Formats an expiry the way curl writes it: `YYYYMMDD HH:MM:SS` (UTC), or `unlimited`
/// beyond [`CURL_TIME_MAX`].
#[must_use]
pub fn format_curl_time(secs: u64) -> String {
    if secs > CURL_TIME_MAX {
        return "unlimited".to_string();
    }
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(17);
    // Writing to a String cannot fail.
    let _ = write!(
        s,
        "{y:04}{m:02}{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    s
}

/// Reads a time as curl writes it (`YYYYMMDD HH:MM:SS`, UTC, or `unlimited` for
/// `u64::MAX`). Returns `None` for anything else, including impossible dates.
#[must_use]
pub fn parse_curl_time(s: &str) -> Option<u64> {
    if s == "unlimited" {
        return Some(u64::MAX);
    }
    let b = s.as_bytes();
    if b.len() != 17 || b[8] != b' ' || b[11] != b':' || b[14] != b':' {
        return None;
    }
    let num = |r: core::ops::Range<usize>| -> Option<u64> {
        b[r].iter().try_fold(0u64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(12..14)?, num(15..17)?);
    if y < 1970 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn is_leap(y: u64) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (year >= 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    // Count from 1 March so that the leap day ends the year.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y % 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = era * 400 + yoe + u64::from(m <= 2);
    (y, m, d)
}

fn bad_line(line: usize, text: &str, reason: &'static str) -> Error {
    let mut text = text.to_string();
    if text.len() > 300 {
        let mut cut = 300;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Error::CacheLine { line, text, reason }
}

impl Store {
    /// Loads the entries of a curl HSTS cache file, skipping those already expired at
    /// `now`, and returns how many were loaded. Entries replace stored ones of the same
    /// host; the store's bound and eviction rule apply.
    ///
    /// # Errors
    ///
    /// [`Error::CacheLine`] for the first line that does not follow the format (nothing
    /// after it is loaded; the lines before it are).
    pub fn load_curl_cache(&mut self, text: &str, now: u64) -> Result<usize, Error> {
        let mut loaded = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((host, rest)) = line.split_once([' ', '\t']) else {
                return Err(bad_line(i + 1, raw, "no expiry after the host name"));
            };
            let Some(time) = rest
                .trim_start_matches([' ', '\t'])
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
            else {
                return Err(bad_line(i + 1, raw, "the expiry is not in double quotes"));
            };
            let Some(expires) = parse_curl_time(time) else {
                return Err(bad_line(i + 1, raw, "the expiry is not YYYYMMDD HH:MM:SS"));
            };
            let (include_subdomains, host) = match host.strip_prefix('.') {
                Some(h) => (true, h),
                None => (false, host),
            };
            let name = match host::normalize(host) {
                Ok(host::Host::Name(name)) => name,
                _ => return Err(bad_line(i + 1, raw, "not a valid host name")),
            };
            if expires <= now {
                continue;
            }
            self.insert(
                &name,
                Entry {
                    include_subdomains,
                    expires,
                },
            )?;
            loaded += 1;
        }
        Ok(loaded)
    }

    /// Writes the dynamic entries still valid at `now` as a curl HSTS cache file, in
    /// name order. Preload entries are not written: they belong to the program, not to
    /// the cache.
    #[must_use]
    pub fn to_curl_cache(&self, now: u64) -> String {
        let mut out = String::from(
            "# HSTS cache in curl's format: [.]host \"YYYYMMDD HH:MM:SS\" (UTC expiry)\n\
             # A leading dot means includeSubDomains.\n",
        );
        for (name, entry) in self.iter() {
            if entry.expires <= now {
                continue;
            }
            if entry.include_subdomains {
                out.push('.');
            }
            out.push_str(name);
            out.push_str(" \"");
            out.push_str(&format_curl_time(entry.expires));
            out.push_str("\"\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_times() {
        assert_eq!(format_curl_time(0), "19700101 00:00:00");
        // 2027-11-27 02:41:49 UTC, the line curl 7.88.1 wrote in a trial run.
        assert_eq!(format_curl_time(1_827_283_309), "20271127 02:41:49");
        assert_eq!(parse_curl_time("20271127 02:41:49"), Some(1_827_283_309));
        assert_eq!(format_curl_time(951_782_400), "20000229 00:00:00");
        assert_eq!(format_curl_time(CURL_TIME_MAX), "99991231 23:59:59");
        assert_eq!(format_curl_time(CURL_TIME_MAX + 1), "unlimited");
        assert_eq!(parse_curl_time("unlimited"), Some(u64::MAX));
    }

    #[test]
    fn time_round_trip() {
        let mut t = 0u64;
        while t < CURL_TIME_MAX {
            assert_eq!(parse_curl_time(&format_curl_time(t)), Some(t), "{t}");
            t = t * 3 + 86_399 + t / 7;
        }
    }

    #[test]
    fn bad_times() {
        for s in [
            "20230229 00:00:00",
            "19000229 00:00:00",
            "20231301 00:00:00",
            "20231200 00:00:00",
            "20231201 24:00:00",
            "20231201 00:60:00",
            "2023120100:00:00",
            "20231201 00:00:0x",
            "",
            "Unlimited",
        ] {
            assert_eq!(parse_curl_time(s), None, "{s:?}");
        }
    }

    #[test]
    fn load_and_write() {
        let text = "# comment\n\n.localhost \"20271127 02:41:49\"\nExample.COM \"unlimited\"\nold.example \"20000101 00:00:00\"\n";
        let mut s = Store::new();
        assert_eq!(s.load_curl_cache(text, 1_700_000_000), Ok(2));
        assert!(s.must_upgrade("a.localhost", 1_700_000_000));
        assert!(s.must_upgrade("example.com", u64::MAX - 1));
        assert!(!s.must_upgrade("www.example.com", 1_700_000_000));
        let out = s.to_curl_cache(1_700_000_000);
        assert!(out.ends_with("example.com \"unlimited\"\n.localhost \"20271127 02:41:49\"\n"));
        let mut again = Store::new();
        assert_eq!(again.load_curl_cache(&out, 1_700_000_000), Ok(2));
        assert_eq!(again.to_curl_cache(1_700_000_000), out);
    }

    #[test]
    fn bad_lines() {
        let mut s = Store::new();
        for (text, reason) in [
            ("example.com", "no expiry after the host name"),
            ("example.com 20271127", "the expiry is not in double quotes"),
            (
                "example.com \"2027\"",
                "the expiry is not YYYYMMDD HH:MM:SS",
            ),
            ("a..b \"unlimited\"", "not a valid host name"),
            ("127.0.0.1 \"unlimited\"", "not a valid host name"),
        ] {
            match s.load_curl_cache(text, 0) {
                Err(Error::CacheLine {
                    line: 1, reason: r, ..
                }) => assert_eq!(r, reason),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
