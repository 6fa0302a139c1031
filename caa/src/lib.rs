#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod builder;
mod decision;
mod discovery;
mod error;
mod property;
mod record;
mod text;
mod zone;

pub use builder::Builder;
pub use decision::{Decision, Reason, Refusal, Request, Target, Verdict};
pub use discovery::{Answer, Discovery, Failure, MAX_ALIASES, Outcome, Step};
pub use error::{Error, ErrorKind};
pub use property::{Iodef, IssueValue, Malformed, Parameter, Parameters, Property};
pub use record::{Caa, CaaRef, FLAG_CRITICAL, MAX_RDATA_LEN, Warning};
pub use text::write_quoted;
pub use zone::StaticZone;
