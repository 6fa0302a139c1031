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

/// CRC32C of a header whose CRC32C value sits at `value_at..value_at + 4`, computed
/// as if those four bytes were zero, in one pass over the bytes.
pub(crate) fn over_header(header: &[u8], value_at: usize) -> u32 {
    let c = append(0, &header[..value_at]);
    let c = append(c, &[0; 4]);
    append(c, &header[value_at + 4..])
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
    fn zeroed_field() {
        let h = [1u8, 2, 3, 9, 9, 9, 9, 4];
        assert_eq!(over_header(&h, 3), append(0, &[1, 2, 3, 0, 0, 0, 0, 4]));
    }
}
