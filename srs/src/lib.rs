#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod address;
mod error;
mod hash;
mod rewriter;
pub mod timestamp;

pub use address::{Separator, Srs0Address, Srs1Address, SrsAddress};
pub use error::{Error, ErrorKind, Part};
pub use hash::MAX_HASH_LENGTH;
pub use rewriter::{
    CaseMatch, DEFAULT_HASH_LENGTH, DEFAULT_MAX_AGE_DAYS, Forwarded, Kind, LengthPolicy,
    MAX_MAX_AGE_DAYS, Reversal, Rewriter, RewriterBuilder,
};
