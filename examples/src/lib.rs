//! The network halves of the thin tokio examples, shared by the example binaries in
//! `src/bin/`, the `hostkit` tour and the integration tests. Each module wires one
//! hostkit crate to real sockets; the crates themselves do no I/O.

pub mod caa_dns;
pub mod caa_request;
pub mod cli_io;
pub mod hsts_check;
pub mod hsts_server;
pub mod proxy_accept;
pub mod proxy_echo;
pub mod proxy_forward;
pub mod proxy_http;
/// The openspf suite's `zonedata` as an in-memory DNS for the SPF evaluator (shared
/// with the crate's conformance test).
#[path = "../../spf/tests/support/zone.rs"]
pub mod spf_zone;
pub mod srs_service;

/// SPF checks against real DNS: the evaluator driven by hickory-resolver.
pub mod spf_dns;
