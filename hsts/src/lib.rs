#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod curl;
mod error;
mod host;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod parse;
mod policy;
mod preload;
#[cfg(feature = "preload-list")]
#[cfg_attr(docsrs, doc(cfg(feature = "preload-list")))]
pub mod preload_list;
mod store;

pub use curl::{CURL_TIME_MAX, format_curl_time, parse_curl_time};
pub use error::Error;
pub use parse::{
    CHROMIUM_MAX_AGE_CAP, MAX_WARNINGS, ParseOptions, Parsed, Warning, parse, parse_bytes,
    parse_first, parse_with,
};
pub use policy::{ONE_YEAR, Policy};
pub use preload::{
    PreloadIssue, PreloadReport, Severity, TEN_YEARS, preload_check, preload_check_fields,
};
pub use store::{Entry, Match, Recorded, Source, Store};
