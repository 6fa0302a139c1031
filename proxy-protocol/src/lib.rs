#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod accept;
mod builder;
mod crc;
mod datagram;
mod error;
mod header;
mod parse;
pub mod tlv;
mod v1;
mod v2;

pub use accept::{
    Acceptor, Cidr, Decision, Handshake, Origin, Policy, Refusal, Trusted, Untrusted,
};
pub use builder::{Builder, SslBuilder};
pub use datagram::{Datagram, parse_datagram};
pub use error::{Error, ErrorKind};
pub use header::{Addresses, Command, Crc32cStatus, Family, Header, Status, Transport, Version};
pub use parse::{Parser, parse};
pub use tlv::{RawTlv, Ssl, TlsVerdict, Tlv, Tlvs};

/// Longest v1 line, CRLF included (spec section 2.1).
pub const V1_MAX_LEN: usize = v1::MAX_LEN;
/// Largest v2 header the 16-bit length field can describe (16 + 65 535).
pub const V2_MAX_LEN: usize = v2::MAX_LEN;
/// The 12-byte signature that starts every v2 header.
pub const V2_SIGNATURE: [u8; 12] = v2::SIGNATURE;
