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

pub use error::{Error, ErrorKind};
pub use report::{
    Compression, Content, Dialect, EndState, Failures, Framing, Marker, Origin, Progress, Reason,
    Report, Stream, TableName, TableReport, Trailer, Verdict, Warning,
};
pub use verifier::{Verifier, verify};
