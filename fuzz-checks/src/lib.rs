//! The properties the hostkit fuzz targets check, one function per target.
//!
//! Each function takes the fuzzer's bytes and panics when a property fails. The
//! cargo-fuzz targets under `fuzz/` are one line each around these functions, and the
//! test `tests/corpora.rs` replays every input committed under `fuzz/corpus/<target>/`
//! through the same function on stable Rust, so a regression shows in `cargo test`
//! without a fuzzer.

pub mod caa;
pub mod dump;
pub mod hsts;
pub mod proxy;
pub mod spf;
pub mod srs;

/// A fuzz target: its name (the cargo-fuzz binary and the corpus directory) and its
/// check.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("caa_parse", caa::parse),
    ("caa_roundtrip", caa::roundtrip),
    ("caa_discovery", caa::discovery),
    ("hsts_parse", hsts::parse),
    ("hsts_roundtrip", hsts::roundtrip),
    ("hsts_eligibility", hsts::eligibility),
    ("hsts_preloaded", hsts::preloaded),
    ("mysqldump_verify_parse", dump::parse),
    ("mysqldump_verify_roundtrip", dump::roundtrip),
    ("proxy_protocol_parse", proxy::parse),
    ("proxy_protocol_roundtrip", proxy::roundtrip),
    ("proxy_acceptor", proxy::acceptor),
    ("spf_parse", spf::parse),
    ("spf_eval", spf::eval),
    ("spf_tree", spf::tree),
    ("spf_flatten", spf::flattened),
    ("srs_parse", srs::parse),
    ("srs_roundtrip", srs::roundtrip),
    ("srs_serve_request", srs::serve_request),
];
