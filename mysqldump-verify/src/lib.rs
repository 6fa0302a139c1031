#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod container;
mod dump;
mod error;
mod report;
mod scan;
mod statement;
mod verifier;

pub use error::Error;
pub use report::{
    Compression, Dialect, EndState, Marker, Progress, Reason, Report, TableName, TableReport,
    Trailer, Verdict, Warning,
};
pub use verifier::{Verifier, verify};
