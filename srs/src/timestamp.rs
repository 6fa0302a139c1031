//! The two-character day stamp of SRS0 addresses.
//!
//! ```text
//! day       = floor(unix_seconds / 86400)
//! timestamp = B32[(day >> 5) & 31] B32[day & 31]      ; B32 = "A".."Z" "2".."7" (RFC 4648 section 6)
//! ```
//!
//! The stamp holds the day modulo 1024, so ages are computed around that cycle.

/// Seconds in one timestamp tick.
pub const SECONDS_PER_DAY: u64 = 86_400;

/// Number of distinct timestamps: two base32 characters.
pub const CYCLE_DAYS: u16 = 1024;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The timestamp for `unix_seconds`, as two upper-case base32 characters.
#[must_use]
pub fn encode(unix_seconds: u64) -> [u8; 2] {
    let day = unix_seconds / SECONDS_PER_DAY;
    // The masks keep both indices below 32.
    let hi = ALPHABET[((day >> 5) & 31) as usize];
    let lo = ALPHABET[(day & 31) as usize];
    [hi, lo]
}

/// The day in the 1024-day cycle that `unix_seconds` falls on.
#[must_use]
pub fn cycle_day(unix_seconds: u64) -> u16 {
    // The remainder is below 1024, so it fits.
    ((unix_seconds / SECONDS_PER_DAY) % u64::from(CYCLE_DAYS)) as u16
}

/// The value of one base32 character in any case, or `None`.
fn value(c: u8) -> Option<u16> {
    match c {
        b'A'..=b'Z' => Some(u16::from(c - b'A')),
        b'a'..=b'z' => Some(u16::from(c - b'a')),
        b'2'..=b'7' => Some(u16::from(c - b'2') + 26),
        _ => None,
    }
}

/// Decode a timestamp of exactly two base32 characters (any case) into its day in the
/// 1024-day cycle.
#[must_use]
pub fn decode(stamp: &[u8]) -> Option<u16> {
    match stamp {
        [hi, lo] => Some(value(*hi)? << 5 | value(*lo)?),
        _ => None,
    }
}

/// How a decoded stamp relates to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Age {
    /// Made `n` days ago, within the allowed age.
    Valid(u16),
    /// Made `n` days ago, beyond the allowed age.
    Expired(u16),
    /// Dated `n` days ahead of today.
    Future(u16),
}

/// Judge a stamp's day against `now`: valid from the day it was made through `max_age`
/// days later (Mail::SRS's `now <= then + MaxAge` around the cycle). Beyond that, the
/// half of the cycle nearest behind today counts as expired and the half ahead of
/// today as the future.
pub(crate) fn age(stamp_day: u16, unix_seconds: u64, max_age: u16) -> Age {
    let today = cycle_day(unix_seconds);
    let days = (today + CYCLE_DAYS - stamp_day) % CYCLE_DAYS;
    if days <= max_age {
        Age::Valid(days)
    } else if days <= CYCLE_DAYS / 2 {
        Age::Expired(days)
    } else {
        Age::Future(CYCLE_DAYS - days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_stamps() {
        // 2020-01-01T00:01:00Z is day 18262, 854 in the cycle.
        assert_eq!(&encode(1_577_836_860), b"2W");
        assert_eq!(decode(b"2W"), Some(854));
        assert_eq!(decode(b"2w"), Some(854));
        assert_eq!(&encode(0), b"AA");
        assert_eq!(&encode(1023 * SECONDS_PER_DAY), b"77");
        assert_eq!(&encode(1024 * SECONDS_PER_DAY), b"AA");
    }

    #[test]
    fn bad_stamps() {
        for s in [&b""[..], b"A", b"AAA", b"A1", b"8A", b"=A", b"A\0"] {
            assert_eq!(decode(s), None, "{s:?}");
        }
    }

    #[test]
    fn every_stamp_round_trips() {
        for day in 0..2048u64 {
            let t = day * SECONDS_PER_DAY + 5;
            assert_eq!(decode(&encode(t)), Some(cycle_day(t)));
        }
    }

    #[test]
    fn window_and_wrap() {
        let made = 1_577_836_860;
        let stamp = decode(&encode(made)).unwrap();
        let at = |d: i64| made.checked_add_signed(d * 86_400).unwrap();
        assert_eq!(age(stamp, at(0), 21), Age::Valid(0));
        assert_eq!(age(stamp, at(21), 21), Age::Valid(21));
        assert_eq!(age(stamp, at(22), 21), Age::Expired(22));
        assert_eq!(age(stamp, at(512), 21), Age::Expired(512));
        assert_eq!(age(stamp, at(513), 21), Age::Future(511));
        assert_eq!(age(stamp, at(-1), 21), Age::Future(1));
        // A full cycle later the stamp is valid again, as in every implementation.
        assert_eq!(age(stamp, at(1024), 21), Age::Valid(0));
        // Across the wrap: made on cycle day 1020, checked on cycle day 3.
        let late = 1020 * 86_400;
        let s = decode(&encode(late)).unwrap();
        assert_eq!(age(s, late + 7 * 86_400, 21), Age::Valid(7));
        assert_eq!(age(s, late - 86_400, 21), Age::Future(1));
    }
}
