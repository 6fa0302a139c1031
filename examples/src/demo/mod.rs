//! `hostkit demo`: the tour. Each area's part lives in `demo/<area>.rs` as
//! `async fn run(report: &mut Report) -> anyhow::Result<()>` and is called below in
//! order. A part shows its crate doing real work on embedded data and loopback sockets,
//! and checks what it shows: a failed check makes the tour exit 1.

// One line per area: `mod srs;`
mod caa;
mod dump;
mod hsts;
mod proxy;
mod spf;
mod srs;

use std::fmt::Display;
use std::process::ExitCode;
use std::time::Instant;

/// The readable report the tour prints as it goes.
#[derive(Debug, Default)]
pub(crate) struct Report {
    passed: usize,
    failed: usize,
}

impl Report {
    /// Start an area's section.
    pub(crate) fn section(&mut self, title: &str) {
        println!();
        println!("== {title}");
    }

    /// Print an informative line.
    pub(crate) fn line(&mut self, text: impl Display) {
        println!("   {text}");
    }

    /// Record and print a check.
    pub(crate) fn check(&mut self, what: impl Display, ok: bool) {
        if ok {
            self.passed += 1;
            println!("   ok    {what}");
        } else {
            self.failed += 1;
            println!("   FAIL  {what}");
        }
    }

    fn error(&mut self, area: &str, e: &anyhow::Error) {
        self.failed += 1;
        println!("   FAIL  {area}: {e:#}");
    }
}

/// Run one area's part and record an error that ended it early.
macro_rules! part {
    ($report:ident, $area:ident) => {
        if let Err(e) = $area::run(&mut $report).await {
            $report.error(stringify!($area), &e);
        }
    };
}

/// Run every area's part of the tour, in order.
pub(crate) fn run() -> ExitCode {
    let start = Instant::now();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return super::cli::usage_error("demo", e),
    };
    let mut report = Report::default();
    println!("hostkit demo: each crate doing real work on embedded data and loopback sockets");
    runtime.block_on(async {
        // One line per area, in the order of the README's crate table:
        // `part!(report, srs);` calls `srs::run(&mut report)`.
        part!(report, srs);
        part!(report, spf);
        part!(report, caa);
        part!(report, proxy);
        part!(report, hsts);
        part!(report, dump);
    });
    println!();
    println!(
        "{} passed, {} failed in {} ms",
        report.passed,
        report.failed,
        start.elapsed().as_millis()
    );
    super::cli::verdict(report.failed == 0)
}
