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

    /// The base64 hash of the lower-cased, concatenated fields; the first `chars`
    /// characters (at most 27) are filled in.
    pub(crate) fn hash<const N: usize>(
        &self,
        fields: &[&[u8]; N],
        chars: usize,
    ) -> [u8; MAX_HASH_LENGTH + 1] {
        let mut mac = self.mac.clone();
        let total: usize = fields.iter().map(|f| f.len()).sum();
        if total <= STACK {
            // The usual case: one lower-casing copy into a stack buffer and one update.
            let mut buf = [0u8; STACK];
            let mut used = 0;
            for field in fields {
                copy_lower(&mut buf[used..], field);
                used += field.len();
            }
            mac.update(&buf[..used]);
        } else {
            update_long(&mut mac, fields);
        }
        let digest: [u8; 20] = mac.finalize().into_bytes().into();
        base64(&digest, chars)
    }
}

/// Copy `src` lower-cased to the start of `dst`, eight bytes at a time (the last word
/// overlapping the one before), so the buffer is written once and not read back.
#[inline]
fn copy_lower(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n < 8 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = fold(*s);
        }
        return;
    }
    let mut i = 0;
    while i + 8 <= n {
        lower_copy8(dst, src, i);
        i += 8;
    }
    if i < n {
        lower_copy8(dst, src, n - 8);
    }
}

/// Bytes of lower-cased message kept on the stack; longer messages go in chunks.
const STACK: usize = 128;

/// Feed the lower-cased concatenation of long fields, one buffer at a time.
fn update_long(mac: &mut HmacSha1, fields: &[&[u8]]) {
    let mut buf = [0u8; 192];
    let mut used = 0;
    for field in fields {
        let mut rest = *field;
        while !rest.is_empty() {
            let take = rest.len().min(buf.len() - used);
            buf[used..used + take].copy_from_slice(&rest[..take]);
            used += take;
            rest = &rest[take..];
            if used == buf.len() {
                lowercase(&mut buf);
                mac.update(&buf);
                used = 0;
            }
        }
    }
    lowercase(&mut buf[..used]);
    mac.update(&buf[..used]);
}

/// The first `chars` characters (rounded up to a multiple of 4, at most 28) of the
/// standard base64 of a 20-byte digest; the full encoding has 27 characters. Each
/// group of three digest bytes gives four characters, so only the groups needed are
/// encoded (one for the default length of 4).
fn base64(d: &[u8; 20], chars: usize) -> [u8; MAX_HASH_LENGTH + 1] {
    let mut out = [0u8; MAX_HASH_LENGTH + 1];
    let sextet = |n: u32, shift: u32| u32::from(B64[((n >> shift) & 63) as usize]);
    for g in 0..chars.div_ceil(4).min(7) {
        let i = 3 * g;
        // The seventh group has only two digest bytes: the third reads as zero.
        let last = if i + 2 < d.len() { d[i + 2] } else { 0 };
        let n = u32::from(d[i]) << 16 | u32::from(d[i + 1]) << 8 | u32::from(last);
        // One four-byte store per group.
        let four = sextet(n, 18) | sextet(n, 12) << 8 | sextet(n, 6) << 16 | sextet(n, 0) << 24;
        out[4 * g..4 * g + 4].copy_from_slice(&four.to_le_bytes());
    }
    out
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// ASCII lower case, eight bytes at a time; other bytes are left alone.
fn lowercase(bytes: &mut [u8]) {
    let mut chunks = bytes.chunks_exact_mut(8);
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Per byte below 0x80: the high bit of `h + 0x3f` says `>= 'A'`, that of
        // `h + 0x25` says `> 'Z'`; no sum carries into the next byte.
        chunk.copy_from_slice(&lower_word(x).to_le_bytes());
    }
    chunks.into_remainder().make_ascii_lowercase();
}

/// ASCII lower case of the eight bytes of `x`.
fn lower_word(x: u64) -> u64 {
    // Per byte below 0x80: the high bit of `h + 0x3f` says `>= 'A'`, that of
    // `h + 0x25` says `> 'Z'`; no sum carries into the next byte.
    let h = x & !HIGHS;
    let at_least_a = h + (0x80 - u64::from(b'A')) * ONES;
    let beyond_z = h + (0x7f - u64::from(b'Z')) * ONES;
    let upper = at_least_a & !beyond_z & !x & HIGHS;
    x | (upper >> 2)
}

/// The eight bytes of `src` at `i`, lower-cased, to `dst` at `i`.
fn lower_copy8(dst: &mut [u8], src: &[u8], i: usize) {
    let mut w = [0u8; 8];
    w.copy_from_slice(&src[i..i + 8]);
    dst[i..i + 8].copy_from_slice(&lower_word(u64::from_le_bytes(w)).to_le_bytes());
}

/// Whether `c` may appear in a hash: the standard or the URL-safe base64 alphabet.
pub(crate) fn is_hash_char(c: u8) -> bool {
    HASH_CHARS[usize::from(c)]
}

/// [`is_hash_char`] as a table, one load per byte.
static HASH_CHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        c += 1;
    }
    t
};

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
/// `presented.len()` characters of `expected`, in time that depends only on the length:
/// the differences are gathered without an early exit and judged by `subtle`.
pub(crate) fn compare(presented: &[u8], expected: &[u8; MAX_HASH_LENGTH + 1]) -> Match {
    let mut exact = 0u8;
    let mut folded = 0u8;
    for (&p, &e) in presented.iter().zip(expected.iter().take(MAX_HASH_LENGTH)) {
        let p = to_standard(p);
        exact |= p ^ e;
        folded |= fold(p) ^ fold(e);
    }
    Match {
        exact: bool::from(exact.ct_eq(&0)),
        folded: bool::from(folded.ct_eq(&0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_srs_reference_hash() {
        // Secret "tops3cr3t", HMAC over "g3" "example.com" "alice" (fields lower-cased).
        let key = Key::new(b"tops3cr3t");
        let h = key.hash(&[b"G3", b"example.com", b"alice"], 27);
        assert_eq!(&h[..27], b"PGkzM2fmRPDO/P21IzulO0aFRso");
        assert_eq!(&key.hash(&[b"g3example.comalice"], 5)[..9], b"PGkzM2fm\0");
        // Case of the input does not change the hash.
        assert_eq!(key.hash(&[b"g3", b"EXAMPLE.com", b"ALICE"], 27), h);
        // Field boundaries do not matter, only the concatenation.
        assert_eq!(key.hash(&[b"g3example.comalice"], 27), h);
        let srs1 = key.hash(&[b"fwd1.example.net", b"=PGkz=G3=example.com=alice"], 27);
        assert_eq!(&srs1[..4], b"4F9+");
    }

    #[test]
    fn long_fields_are_lowercased_across_chunks() {
        let key = Key::new(b"k");
        let upper = [b'A'; 200];
        let lower = [b'a'; 200];
        assert_eq!(key.hash(&[&upper], 27), key.hash(&[&lower], 27));
        // Across the internal buffer: 500 bytes in fields of odd sizes.
        let big: alloc::vec::Vec<u8> = (0..500u32).map(|i| b'A' + (i % 26) as u8).collect();
        let one = key.hash(&[&big], 27);
        assert_eq!(
            key.hash(&[&big[..191], &big[191..193], &big[193..]], 27),
            one
        );
        assert_eq!(key.hash(&[&big[..192], &big[192..]], 27), one);
    }

    #[test]
    fn comparisons() {
        let want = *b"+3/5abcdefghijklmnopqrstuvw\0";
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
    fn word_lowercase_matches_bytewise() {
        for b in 0..=255u8 {
            for pos in 0..9 {
                let mut v = [b'Q'; 9];
                v[pos] = b;
                let mut want = v;
                want.make_ascii_lowercase();
                lowercase(&mut v);
                assert_eq!(v, want, "{b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn short_copies() {
        let src: alloc::vec::Vec<u8> = (0..40).map(|i| b"aZ@[`{Q7"[i % 8]).collect();
        for n in 0..=40 {
            let mut dst = [0u8; 48];
            copy_lower(&mut dst[3..], &src[..n]);
            assert_eq!(dst[3..3 + n], src[..n].to_ascii_lowercase());
            assert!(dst[..3].iter().chain(&dst[3 + n..]).all(|&b| b == 0), "{n}");
        }
    }

    #[test]
    fn hash_chars() {
        for c in 0..=255u8 {
            let want = c.is_ascii_alphanumeric() || b"+/-_".contains(&c);
            assert_eq!(is_hash_char(c), want, "{c:#x}");
        }
    }

    #[test]
    fn fold_only_touches_letters() {
        for c in 0..=255u8 {
            assert_eq!(fold(c), c.to_ascii_lowercase());
        }
    }
}
