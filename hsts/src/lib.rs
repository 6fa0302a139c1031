#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod curl;
mod eligibility;
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
mod redirects;
mod store;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

pub use curl::{CURL_TIME_MAX, format_curl_time, parse_curl_time};
pub use eligibility::{
    Eligibility, Issue, Site, TlsOutcome, WwwOutcome, check_domain, check_header,
    check_http_redirects, check_https_redirects, check_response, check_site, check_www,
};
pub use error::{Error, ErrorKind};
pub use parse::{
    CHROMIUM_MAX_AGE_CAP, MAX_WARNINGS, ParseOptions, Parsed, Warning, parse, parse_bytes,
    parse_first, parse_with,
};
pub use policy::{ONE_YEAR, Policy};
pub use preload::{
    PreloadIssue, PreloadReport, Severity, TEN_YEARS, preload_check, preload_check_fields,
};
pub use redirects::{Chain, ChainEnd, Hop, MAX_REDIRECTS, RedirectWalk, Response};
pub use store::{Entry, Match, Recorded, Source, Store};
