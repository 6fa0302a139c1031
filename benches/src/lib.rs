//! Side-by-side criterion runs of the hostkit crates against the peer crates users
//! would otherwise pick. Run them with `cargo bench -p hostkit-benches`; each file
//! under `benches/` holds one area, one criterion group per case and one function per
//! implementation.
