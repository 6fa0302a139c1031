//! `hostkit dump verify` and `hostkit dump run`: is a mysqldump / mariadb-dump file
//! complete, and a dump runner that cannot hide a failed dump.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use clap::Subcommand;
use hostkit_mysqldump_verify::{Report, Trailer, Verdict, Verifier};
use serde_json::{Value, json};

use super::{EXIT_USAGE, Output, finish, set_error, usage_error, write_json_line};

/// Bytes read at a time.
const READ_BUF: usize = 256 * 1024;

/// `hostkit dump ...`
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Verify dumps: plain SQL, gzip or zstd; `-` reads standard input.
    ///
    /// The format is told by the first bytes. One line per file. Exit 0 when every file
    /// is complete, 1 otherwise, 2 on an I/O error.
    Verify {
        /// One JSON object per file, one per line.
        #[arg(long)]
        json: bool,
        /// The dumps.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Run a dump command, write its output compressed, and verify it in the same pass.
    ///
    /// The compression follows FILE's extension: .gz, .zst, else none. FILE appears only
    /// when the command exits 0 and the dump is complete; otherwise the output is left in
    /// FILE.partial and the exit code is 1.
    Run {
        /// Where to write the dump: FILE.gz, FILE.zst or FILE.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// One JSON object for the result.
        #[arg(long)]
        json: bool,
        /// The dump command and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// Run a `hostkit dump` verb.
pub(crate) fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Verify { json, files } => verify_files(&files, json),
        Command::Run {
            output,
            json,
            command,
        } => run_dump(&output, &command, json),
    }
}

fn verify_files(files: &[String], json: bool) -> ExitCode {
    let mut all_complete = true;
    let mut io_error = false;
    let mut out = Output::new();
    let result = files.iter().try_for_each(|file| {
        let report = match verify_path(file) {
            Ok(r) => r,
            Err(e) => {
                usage_error(file, &e);
                io_error = true;
                if json {
                    let mut v = json!({"file": file, "verdict": null});
                    set_error(&mut v, &e, io_code(&e), None);
                    out.json_line(&v)?;
                }
                return Ok(());
            }
        };
        all_complete &= report.is_complete();
        if json {
            out.json_line(&report_json(file, &report))
        } else {
            out.text_line(&text_line(file, &report))
        }
    });
    match result.and_then(|()| out.flush()) {
        Ok(()) if io_error => ExitCode::from(EXIT_USAGE),
        result => finish(result.map(|()| all_complete), "hostkit", "stdout"),
    }
}

/// The `error_code` of a file that could not be read.
fn io_code(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => "io.not_found",
        io::ErrorKind::PermissionDenied => "io.permission_denied",
        io::ErrorKind::IsADirectory => "io.is_a_directory",
        _ => "io.error",
    }
}

/// Stream one input through the verifier.
fn verify_path(file: &str) -> io::Result<Report> {
    let mut verifier = Verifier::new();
    let mut buf = vec![0u8; READ_BUF];
    if file == "-" {
        feed_all(&mut io::stdin().lock(), &mut verifier, &mut buf)?;
    } else {
        feed_all(&mut File::open(file)?, &mut verifier, &mut buf)?;
    }
    Ok(verifier.finish())
}

fn feed_all(r: &mut impl Read, v: &mut Verifier, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match r.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => v.feed(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A standard input left non-blocking by whoever started us: nothing to read
            // yet is not the end of the dump, so wait a little and read again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `backup.sql.gz: complete (12 tables, 3417223 rows, MariaDB 10.11.14, dumped ...)` or
/// `backup.sql.gz: incomplete: cut while dumping table `shop`.`log` at byte 26333184`.
pub(crate) fn text_line(file: &str, r: &Report) -> String {
    match (r.verdict, &r.reason) {
        (Verdict::Complete, _) => {
            let plural = |n: u64, what: &str| {
                if n == 1 {
                    format!("1 {what}")
                } else {
                    format!("{n} {what}s")
                }
            };
            let mut parts = vec![
                plural(r.content.table_count, "table"),
                plural(r.content.rows, "row"),
            ];
            if let Some(label) = r.server_label() {
                parts.push(label);
            }
            match &r.framing.trailer {
                Trailer::Dated(d) => parts.push(format!("dumped {d}")),
                Trailer::Undated => parts.push("undated".to_string()),
                _ if r.framing.xml => parts.push("xml".to_string()),
                _ => parts.push("no trailer, closing statements present".to_string()),
            }
            format!("{file}: complete ({})", parts.join(", "))
        }
        (v, Some(reason)) => format!("{file}: {v}: {reason}"),
        (v, None) => format!("{file}: {v}"),
    }
}

/// The JSON object for one file.
pub(crate) fn report_json(file: &str, r: &Report) -> Value {
    let (trailer, dumped) = match &r.framing.trailer {
        Trailer::Dated(d) => ("dated", Some(d.clone())),
        Trailer::Undated => ("undated", None),
        _ => ("absent", None),
    };
    json!({
        "file": file,
        "verdict": r.verdict.as_str(),
        "reason": r.reason.as_ref().map(ToString::to_string),
        "last_table": r.content.last_table.as_ref().map(ToString::to_string),
        "tables": r.content.table_count,
        "rows": r.content.rows,
        "bytes": r.stream.input_bytes,
        "sql_bytes": r.stream.sql_bytes,
        "compression": match r.stream.compression {
            hostkit_mysqldump_verify::Compression::Gzip { .. } => "gzip",
            hostkit_mysqldump_verify::Compression::Zstd { .. } => "zstd",
            _ => "none",
        },
        "container_error": r.stream.container_error.as_ref().map(ToString::to_string),
        "error": r.stream.container_error.as_ref().map(ToString::to_string),
        "error_code": r.stream.container_error.as_ref().map(|e| e.kind().as_str()),
        "offset": r.stream.container_error.as_ref().and_then(|e| e.offset()),
        "dialect": r.origin.dialect.as_str(),
        "tool_version": r.origin.tool_version,
        "distribution": r.origin.distribution,
        "server_version": r.origin.server_version,
        "sandbox": r.origin.sandbox,
        "header": r.framing.header,
        "preamble": r.framing.preamble,
        "postamble": r.framing.postamble,
        "trailer": trailer,
        "dumped": dumped,
        "xml": r.framing.xml,
        "databases": r.content.databases,
        "statements": r.content.statements,
        "insert_statements": r.content.insert_statements,
        "failed_markers": r.failures.count,
        "first_failed_marker": r.failures.markers.first().map(|m| m.text.clone()),
        "open_table": r.content.open_table.as_ref().map(|(t, _)| t.to_string()),
        "open_progress": r.content.open_table.as_ref().map(|(_, p)| p.as_str()),
        "end_state": format!("{:?}", r.stream.end_state),
        "warnings": r.warnings.iter().map(|w| format!("byte {}: {}", w.offset, w.text)).collect::<Vec<_>>(),
    })
}

/// Where the compressed output goes.
enum Sink {
    Plain(File),
    Gzip(flate2::write::GzEncoder<File>),
    Zstd(zstd::stream::write::Encoder<'static, File>),
}

impl Sink {
    fn create(path: &Path, final_name: &Path) -> io::Result<Self> {
        let file = File::create(path)?;
        let ext = final_name
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        Ok(match ext {
            "gz" => Self::Gzip(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::new(6),
            )),
            "zst" => Self::Zstd(zstd::stream::write::Encoder::new(file, 3)?),
            _ => Self::Plain(file),
        })
    }

    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(f) => f.write_all(b),
            Self::Gzip(e) => e.write_all(b),
            Self::Zstd(e) => e.write_all(b),
        }
    }

    fn finish(self) -> io::Result<()> {
        let file = match self {
            Self::Plain(f) => f,
            Self::Gzip(e) => e.finish()?,
            Self::Zstd(e) => e.finish()?,
        };
        file.sync_all()
    }
}

fn partial_path(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn run_dump(output: &Path, command: &[String], json: bool) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return usage_error("dump run", e),
    };
    runtime.block_on(run_dump_async(output, command, json))
}

async fn run_dump_async(output: &Path, command: &[String], json: bool) -> ExitCode {
    use tokio::io::AsyncReadExt;

    let shown = output.display().to_string();
    let partial = partial_path(output);
    let mut sink = match Sink::create(&partial, output) {
        Ok(s) => s,
        Err(e) => return usage_error(&partial.display().to_string(), e),
    };
    let (program, args) = match command.split_first() {
        Some(x) => x,
        None => return usage_error("dump run", "no command given after --"),
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return usage_error(program, e);
        }
    };
    let Some(mut stdout) = child.stdout.take() else {
        return usage_error(program, "no standard output");
    };
    let mut verifier = Verifier::plain();
    let mut buf = vec![0u8; READ_BUF];
    loop {
        let n = match stdout.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => return usage_error(program, e),
        };
        verifier.feed(&buf[..n]);
        if let Err(e) = sink.write_all(&buf[..n]) {
            let _ = child.kill().await;
            return usage_error(&partial.display().to_string(), e);
        }
    }
    if let Err(e) = sink.finish() {
        let _ = child.kill().await;
        return usage_error(&partial.display().to_string(), e);
    }
    let status = match child.wait().await {
        Ok(s) => s,
        Err(e) => return usage_error(program, e),
    };
    let report = verifier.finish();
    let ok = status.success() && report.is_complete();
    let name = if ok {
        if let Err(e) = std::fs::rename(&partial, output) {
            return usage_error(&shown, e);
        }
        shown
    } else {
        partial.display().to_string()
    };
    let printed = if json {
        let mut v = report_json(&name, &report);
        v["command_status"] = json!(status.code());
        v["command_ok"] = json!(status.success());
        write_json_line(&mut io::stdout().lock(), &v)
    } else {
        writeln!(io::stdout().lock(), "{}", text_line(&name, &report))
    };
    if let Err(e) = printed {
        return usage_error("stdout", e);
    }
    if !status.success() {
        eprintln!("hostkit: {program}: exited with {status}; the output is kept in {name}");
    } else if !ok {
        eprintln!("hostkit: {program}: the dump is not complete; the output is kept in {name}");
    }
    super::verdict(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out `data` in small reads, with "would block" between them.
    struct Stalling<'a> {
        data: &'a [u8],
        stall: bool,
    }

    impl Read for Stalling<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.stall = !self.stall;
            if self.stall && !self.data.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.data.len()).min(7);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_reader_that_would_block_is_read_to_its_end() {
        let dump = hostkit_fixtures::dump::small(40);
        let mut plain = Verifier::new();
        plain.feed(&dump);
        let mut stalled = Verifier::new();
        let mut buf = [0u8; 64];
        let mut r = Stalling {
            data: &dump,
            stall: false,
        };
        feed_all(&mut r, &mut stalled, &mut buf).expect("would-block is not an error");
        let (a, b) = (plain.finish(), stalled.finish());
        assert_eq!(a.verdict, Verdict::Complete);
        assert_eq!(a, b);
    }

    fn gzip_member(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).expect("in memory");
        gz.finish().expect("in memory")
    }

    /// A two-member gzip stream (as pigz and `cat a.gz b.gz` write) that stalls
    /// between small reads: whole, it is the dump; ending in the middle of the second
    /// member, it is incomplete, whatever the stalls.
    #[test]
    fn a_stalling_stream_ending_mid_gzip_member_is_incomplete() {
        let dump = hostkit_fixtures::dump::small(40);
        let half = dump.len() / 2;
        let first = gzip_member(&dump[..half]);
        let second = gzip_member(&dump[half..]);
        let whole: Vec<u8> = [first.as_slice(), second.as_slice()].concat();
        let read = |bytes: &[u8]| {
            let mut v = Verifier::new();
            let mut buf = [0u8; 64];
            let mut r = Stalling {
                data: bytes,
                stall: false,
            };
            feed_all(&mut r, &mut v, &mut buf).expect("would-block is not an error");
            v.finish()
        };
        let mut plain = Verifier::new();
        plain.feed(&dump);
        let plain = plain.finish();
        let full = read(&whole);
        assert_eq!(full.verdict, Verdict::Complete, "{full:?}");
        assert_eq!(full.content, plain.content);
        for cut in [
            first.len() + 1,
            first.len() + 10,
            first.len() + second.len() / 2,
            whole.len() - 9,
            whole.len() - 1,
        ] {
            let r = read(&whole[..cut]);
            assert_eq!(r.verdict, Verdict::Incomplete, "cut at {cut}: {r:?}");
            assert!(r.reason.is_some(), "cut at {cut}: {r:?}");
        }
    }
}
