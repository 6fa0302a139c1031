//! The keyed hash: HMAC-SHA1 over the lower-cased fields, encoded in base64.
//!
//! ```text
//! hash = left(base64(HMAC-SHA1(secret, lc(field1) || lc(field2) || ...)), hash-length)
//! ```
//!
//! Fields are concatenated with no separator; lower-casing is ASCII only, byte by byte;
//! the base64 alphabet is the standard one of RFC 4648 section 4, without padding.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

type HmacSha1 = Hmac<Sha1>;

/// The longest hash there is: 20 digest bytes make 27 base64 characters.
pub const MAX_HASH_LENGTH: usize = 27;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// One secret with its HMAC state keyed once, cloned for every hash.
#[derive(Clone)]
pub(crate) struct Key {
    mac: HmacSha1,
}

impl Key {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC accepts keys of every length (long ones are hashed first), so this never fails.
        let mac = <HmacSha1 as Mac>::new_from_slice(secret).expect("hmac accepts any key length");
        Self { mac }
    }

    /// The full base64 hash (27 characters) of the lower-cased, concatenated fields;
    /// callers cut it to the length they need.
    pub(crate) fn hash(&self, fields: &[&[u8]]) -> [u8; MAX_HASH_LENGTH] {
        let mut mac = self.mac.clone();
        // One update of the lower-cased concatenation costs less than one per field.
        let mut buf = [0u8; 192];
        let mut used = 0;
        for field in fields {
            let mut rest = *field;
            while !rest.is_empty() {
                let take = rest.len().min(buf.len() - used);
                let lower = &mut buf[used..used + take];
                lower.copy_from_slice(&rest[..take]);
                lower.make_ascii_lowercase();
                used += take;
                rest = &rest[take..];
                if used == buf.len() {
                    mac.update(&buf);
                    used = 0;
                }
            }
        }
        mac.update(&buf[..used]);
        let digest: [u8; 20] = mac.finalize().into_bytes().into();
        base64(&digest)
    }
}

/// The standard base64 of a 20-byte digest, unpadded: 27 characters.
fn base64(d: &[u8; 20]) -> [u8; MAX_HASH_LENGTH] {
    let mut out = [0u8; MAX_HASH_LENGTH];
    let sextet = |n: u32, shift: u32| B64[((n >> shift) & 63) as usize];
    for g in 0..6 {
        let n = u32::from(d[3 * g]) << 16 | u32::from(d[3 * g + 1]) << 8 | u32::from(d[3 * g + 2]);
        out[4 * g] = sextet(n, 18);
        out[4 * g + 1] = sextet(n, 12);
        out[4 * g + 2] = sextet(n, 6);
        out[4 * g + 3] = sextet(n, 0);
    }
    let n = u32::from(d[18]) << 16 | u32::from(d[19]) << 8;
    out[24] = sextet(n, 18);
    out[25] = sextet(n, 12);
    out[26] = sextet(n, 6);
    out
}

/// Whether `c` may appear in a hash: the standard or the URL-safe base64 alphabet.
pub(crate) fn is_hash_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_')
}

/// The URL-safe alphabet's `-` and `_` read as the standard `+` and `/`.
fn to_standard(c: u8) -> u8 {
    match c {
        b'-' => b'+',
        b'_' => b'/',
        c => c,
    }
}

/// ASCII lower case without a data-dependent branch.
fn fold(c: u8) -> u8 {
    let is_upper = u8::from(c.wrapping_sub(b'A') < 26);
    c | (is_upper << 5)
}

/// The result of comparing a presented hash with an expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    /// Equal character for character.
    pub(crate) exact: bool,
    /// Equal once ASCII case is ignored.
    pub(crate) folded: bool,
}

/// Compare `presented` (1 to 27 hash characters, either alphabet) with the first
/// `presented.len()` characters of `expected`, in time that depends only on the length.
pub(crate) fn compare(presented: &[u8], expected: &[u8; MAX_HASH_LENGTH]) -> Match {
    let n = presented.len().min(MAX_HASH_LENGTH);
    let mut got = [0u8; MAX_HASH_LENGTH];
    let mut got_folded = [0u8; MAX_HASH_LENGTH];
    let mut want_folded = [0u8; MAX_HASH_LENGTH];
    for i in 0..n {
        got[i] = to_standard(presented[i]);
        got_folded[i] = fold(got[i]);
        want_folded[i] = fold(expected[i]);
    }
    let exact = got[..n].ct_eq(&expected[..n]);
    let folded = got_folded[..n].ct_eq(&want_folded[..n]);
    Match {
        exact: bool::from(exact),
        folded: bool::from(folded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_srs_reference_hash() {
        // Secret "tops3cr3t", HMAC over "g3" "example.com" "alice" (fields lower-cased).
        let key = Key::new(b"tops3cr3t");
        let h = key.hash(&[b"G3", b"example.com", b"alice"]);
        assert_eq!(&h, b"PGkzM2fmRPDO/P21IzulO0aFRso");
        // Case of the input does not change the hash.
        assert_eq!(key.hash(&[b"g3", b"EXAMPLE.com", b"ALICE"]), h);
        // Field boundaries do not matter, only the concatenation.
        assert_eq!(key.hash(&[b"g3example.comalice"]), h);
        let srs1 = key.hash(&[b"fwd1.example.net", b"=PGkz=G3=example.com=alice"]);
        assert_eq!(&srs1[..4], b"4F9+");
    }

    #[test]
    fn long_fields_are_lowercased_across_chunks() {
        let key = Key::new(b"k");
        let upper = [b'A'; 200];
        let lower = [b'a'; 200];
        assert_eq!(key.hash(&[&upper]), key.hash(&[&lower]));
        // Across the internal buffer: 500 bytes in fields of odd sizes.
        let big: alloc::vec::Vec<u8> = (0..500u32).map(|i| b'A' + (i % 26) as u8).collect();
        let one = key.hash(&[&big]);
        assert_eq!(key.hash(&[&big[..191], &big[191..193], &big[193..]]), one);
        assert_eq!(key.hash(&[&big[..192], &big[192..]]), one);
    }

    #[test]
    fn comparisons() {
        let want = *b"+3/5abcdefghijklmnopqrstuvw";
        assert_eq!(
            compare(b"+3/5", &want),
            Match {
                exact: true,
                folded: true
            }
        );
        assert_eq!(
            compare(b"-3_5", &want),
            Match {
                exact: true,
                folded: true
            }
        );
        assert_eq!(
            compare(b"+3/5ABC", &want),
            Match {
                exact: false,
                folded: true
            }
        );
        assert_eq!(
            compare(b"+3/6", &want),
            Match {
                exact: false,
                folded: false
            }
        );
        assert_eq!(
            compare(&want, &want),
            Match {
                exact: true,
                folded: true
            }
        );
    }

    #[test]
    fn fold_only_touches_letters() {
        for c in 0..=255u8 {
            assert_eq!(fold(c), c.to_ascii_lowercase());
        }
    }
}
