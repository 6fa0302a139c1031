//! CRC32C (Castagnoli, RFC 4960 appendix B), as spec section 2.2.3 requires.
//!
//! With the `std` feature the `crc32c` crate computes it with SSE 4.2 or ARMv8 CRC
//! instructions when the CPU has them; without `std` a table-driven software version
//! built at compile time is used.

/// Continue a CRC32C over `data` (start with 0).
#[cfg(feature = "std")]
#[inline]
pub(crate) fn append(crc: u32, data: &[u8]) -> u32 {
    crc32c::crc32c_append(crc, data)
}

#[cfg(not(feature = "std"))]
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Continue a CRC32C over `data` (start with 0).
#[cfg(not(feature = "std"))]
pub(crate) fn append(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c = TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8);
    }
    !c
}

/// An 8-byte aligned scratch buffer for the few bytes around the zeroed field.
#[repr(align(8))]
struct Scratch([u8; 24]);

/// CRC32C of a header whose CRC32C value sits at `value_at..value_at + 4`, computed
/// as if those four bytes were zero, in one pass over the bytes.
///
/// The hardware path hashes 8 bytes per step from 8-byte aligned addresses and the
/// rest byte by byte, so the header is cut at aligned addresses just around the
/// field: the bytes in between (at most 18) are hashed from an aligned copy with the
/// field zeroed, and no cut adds byte steps.
pub(crate) fn over_header(header: &[u8], value_at: usize) -> u32 {
    let n = header.len();
    let end = value_at + 4;
    let mis = header.as_ptr() as usize % 8;
    let start = value_at.saturating_sub((mis + value_at) % 8);
    let stop = (end + (8 - (mis + end) % 8) % 8).min(n);
    let mut s = Scratch([0; 24]);
    let w = &mut s.0[..stop - start];
    w.copy_from_slice(&header[start..stop]);
    w[value_at - start..end - start].fill(0);
    let c = append(0, &header[..start]);
    let c = append(c, w);
    append(c, &header[stop..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(append(0, b"123456789"), 0xE306_9283);
        assert_eq!(append(append(0, b"1234"), b"56789"), 0xE306_9283);
        assert_eq!(append(0, b""), 0);
    }

    #[test]
    fn zeroed_field_anywhere() {
        let all: alloc::vec::Vec<u8> = (0..320usize).map(|i| (i * 7 + 3) as u8).collect();
        // Every length, field position and start alignment.
        for skew in 0..8 {
            for n in [4usize, 5, 8, 19, 40, 63, 64, 65, 70, 140, 300] {
                let h = &all[skew..skew + n];
                for at in 0..=n - 4 {
                    let mut z = h.to_vec();
                    z[at..at + 4].fill(0);
                    assert_eq!(
                        over_header(h, at),
                        append(0, &z),
                        "skew {skew} n {n} at {at}"
                    );
                }
            }
        }
    }
}
