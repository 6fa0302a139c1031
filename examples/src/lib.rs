//! The network halves of the thin tokio examples, shared by the example binaries in
//! `src/bin/`, the `hostkit` tour and the integration tests. Each module wires one
//! hostkit crate to real sockets; the crates themselves do no I/O.

pub mod caa_dns;
pub mod hsts_server;
pub mod proxy_echo;
pub mod proxy_forward;
pub mod srs_tcp_table;
