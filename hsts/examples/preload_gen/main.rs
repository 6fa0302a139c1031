//! Regenerates the embedded preload list by hand:
//!
//! ```text
//! cargo run -p hostkit-hsts --example preload_gen -- \
//!     hsts/data/chromium-2026-06-01.tsv 2026-06-01 hsts/src/preload_list/chromium.bin
//! ```
//!
//! The test `tests/preload_list.rs` runs the same builder and checks that the committed
//! file is byte-identical to its output.

use std::process::ExitCode;

mod build;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tsv, date, out] = args.as_slice() else {
        eprintln!("usage: preload_gen LIST.tsv YYYY-MM-DD OUT.bin");
        return ExitCode::from(2);
    };
    let result = std::fs::read_to_string(tsv)
        .map_err(|e| format!("{tsv}: {e}"))
        .and_then(|text| build::parse_tsv(&text))
        .and_then(|entries| {
            let bytes = build::build(&entries, date)?;
            std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
            Ok((entries.len(), bytes.len()))
        });
    match result {
        Ok((entries, bytes)) => {
            #[allow(clippy::cast_precision_loss)]
            let per_entry = bytes as f64 / entries as f64;
            println!(
                "{out}: {entries} entries, {bytes} bytes ({:.1} KiB, {per_entry:.2} bytes per entry)",
                bytes as f64 / 1024.0
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("preload_gen: {e}");
            ExitCode::FAILURE
        }
    }
}
