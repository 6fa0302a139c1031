//! The v2 binary header (spec section 2.2).
//!
//! ```text
//! struct proxy_hdr_v2 {
//!     uint8_t sig[12];  /* \x0D \x0A \x0D \x0A \x00 \x0D \x0A \x51 \x55 \x49 \x54 \x0A */
//!     uint8_t ver_cmd;  /* protocol version and command */
//!     uint8_t fam;      /* protocol family and address */
//!     uint16_t len;     /* number of following bytes part of the header */
//! };
//! ```

use alloc::borrow::Cow;
use core::net::{SocketAddrV4, SocketAddrV6};

use crate::crc;
use crate::error::Error;
use crate::header::{
    AddrRepr, Command, Crc32cStatus, Family, Header, Status, Transport, Version, v4, v6,
};
use crate::tlv;

/// The 12-byte signature that starts every v2 header.
pub(crate) const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// Largest v2 header the length field can describe.
pub(crate) const MAX_LEN: usize = 16 + 65535;

#[cold]
fn not_proxy(buf: &[u8]) -> Error {
    let offset = buf
        .iter()
        .zip(SIGNATURE.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    Error::NotProxy {
        offset,
        byte: buf[offset],
    }
}

#[inline(always)]
fn command(vc: u8) -> Result<Command, Error> {
    if vc >> 4 != 2 {
        return Err(Error::V2Version { version: vc >> 4 });
    }
    match vc & 0x0f {
        0 => Ok(Command::Local),
        1 => Ok(Command::Proxy),
        command => Err(Error::V2Command { command }),
    }
}

#[inline(always)]
fn family(ft: u8) -> Result<(Family, Transport), Error> {
    Ok(match ft {
        0x00 => (Family::Unspecified, Transport::Unspecified),
        0x11 => (Family::Inet, Transport::Stream),
        0x12 => (Family::Inet, Transport::Datagram),
        0x21 => (Family::Inet6, Transport::Stream),
        0x22 => (Family::Inet6, Transport::Datagram),
        0x31 => (Family::Unix, Transport::Stream),
        0x32 => (Family::Unix, Transport::Datagram),
        byte => return Err(Error::V2Family { byte }),
    })
}

const SIG_LO: u64 = u64::from_le_bytes([
    SIGNATURE[0],
    SIGNATURE[1],
    SIGNATURE[2],
    SIGNATURE[3],
    SIGNATURE[4],
    SIGNATURE[5],
    SIGNATURE[6],
    SIGNATURE[7],
]);
const SIG_HI: u32 = u32::from_le_bytes([SIGNATURE[8], SIGNATURE[9], SIGNATURE[10], SIGNATURE[11]]);

/// The 12 signature bytes as one 8-byte and one 4-byte comparison (`buf.len() >= 16`).
#[inline(always)]
fn signature_ok(buf: &[u8]) -> bool {
    let lo = u64::from_le_bytes([
        buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7],
    ]);
    let hi = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
    lo == SIG_LO && hi == SIG_HI
}

/// Parse a v2 header at the start of `buf`.
#[inline]
pub(crate) fn parse(
    buf: &[u8],
    max: usize,
    verify: bool,
) -> Result<Status<(Header<'_>, usize)>, Error> {
    if buf.len() < 16 {
        let n = buf.len().min(12);
        if buf[..n] != SIGNATURE[..n] {
            return Err(not_proxy(buf));
        }
        if let Some(&vc) = buf.get(12) {
            command(vc)?;
        }
        if let Some(&ft) = buf.get(13) {
            family(ft)?;
        }
        return Ok(Status::Incomplete {
            needed: 16 - buf.len(),
        });
    }
    if !signature_ok(buf) {
        return Err(not_proxy(buf));
    }
    // PROXY over TCP/IPv4 is by far the most common header: decide it in one compare.
    let (command, (family, transport)) = if buf[12] == 0x21 && buf[13] == 0x11 {
        (Command::Proxy, (Family::Inet, Transport::Stream))
    } else {
        (command(buf[12])?, family(buf[13])?)
    };
    let len = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    let total = 16 + len;
    if total > max {
        return Err(Error::V2TooLarge { length: total, max });
    }
    let block = family.address_block_len();
    if len < block {
        return Err(Error::V2AddressBlock {
            family: buf[13],
            length: len,
            needed: block,
        });
    }
    if buf.len() < total {
        return Ok(Status::Incomplete {
            needed: total - buf.len(),
        });
    }
    let h = &buf[..total];
    let addr = match family {
        Family::Unspecified => AddrRepr::Unspecified,
        Family::Inet => AddrRepr::Inet(
            SocketAddrV4::new(v4(h, 16), u16::from_be_bytes([h[24], h[25]])),
            SocketAddrV4::new(v4(h, 20), u16::from_be_bytes([h[26], h[27]])),
        ),
        Family::Inet6 => AddrRepr::Inet6(
            SocketAddrV6::new(v6(h, 16), u16::from_be_bytes([h[48], h[49]]), 0, 0),
            SocketAddrV6::new(v6(h, 32), u16::from_be_bytes([h[50], h[51]]), 0, 0),
        ),
        Family::Unix => AddrRepr::Unix,
    };
    let tlv_start = 16 + block;
    let crc = if tlv_start == total {
        Crc32cStatus::Absent
    } else {
        check_tlvs(h, tlv_start, verify)?
    };
    Ok(Status::Complete((
        Header {
            bytes: Cow::Borrowed(h),
            version: Version::V2,
            command,
            family,
            transport,
            addr,
            // tlv_start <= 232
            tlv_start: tlv_start as u16,
            crc,
        },
        total,
    )))
}

#[inline(never)]
/// Walk the TLV area once: framing, per-type length rules, and the CRC32C wherever
/// its TLV sits. SSL sub-TLVs are framed lazily by their iterator.
fn check_tlvs(h: &[u8], start: usize, verify: bool) -> Result<Crc32cStatus, Error> {
    let mut at = start;
    let mut crc_at: Option<usize> = None;
    let end = h.len();
    while at < end {
        if end - at < 3 {
            return Err(Error::TlvTruncated {
                offset: at,
                kind: h[at],
            });
        }
        let kind = h[at];
        let n = usize::from(u16::from_be_bytes([h[at + 1], h[at + 2]]));
        let next = at + 3 + n;
        if next > end {
            return Err(Error::TlvTruncated { offset: at, kind });
        }
        if kind <= tlv::UNIQUE_ID || kind == tlv::SSL {
            special(kind, at, n, &mut crc_at)?;
        }
        at = next;
    }
    match crc_at {
        None => Ok(Crc32cStatus::Absent),
        Some(v) => {
            let expected = u32::from_be_bytes([h[v], h[v + 1], h[v + 2], h[v + 3]]);
            let actual = crc::over_header(h, v);
            if expected == actual {
                Ok(Crc32cStatus::Valid)
            } else if verify {
                Err(Error::Crc32cMismatch { expected, actual })
            } else {
                Ok(Crc32cStatus::Invalid)
            }
        }
    }
}

/// Length rules of the TLV types that have one.
#[inline]
fn special(kind: u8, at: usize, n: usize, crc_at: &mut Option<usize>) -> Result<(), Error> {
    let bad = |reason| Error::TlvLength {
        offset: at,
        kind,
        length: n,
        reason,
    };
    match kind {
        tlv::CRC32C => {
            if n != 4 {
                return Err(bad("a crc32c value has 4 bytes"));
            }
            if crc_at.is_some() {
                return Err(Error::DuplicateCrc32c { offset: at });
            }
            *crc_at = Some(at + 3);
        }
        tlv::UNIQUE_ID if n > tlv::UNIQUE_ID_MAX => {
            return Err(bad("a unique id has at most 128 bytes"));
        }
        tlv::SSL if n < 5 => return Err(bad("an ssl value has at least 5 bytes")),
        _ => {}
    }
    Ok(())
}
