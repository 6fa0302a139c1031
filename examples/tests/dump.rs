//! `hostkit dump verify` and `hostkit dump run` on small dumps made in the test.

mod common;
use common::hostkit_with;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use hostkit_fixtures::dump::small as dump;

/// A scratch directory for one test, removed when the test ends.
struct TestDir(PathBuf);

impl TestDir {
    fn new(test: &str) -> Self {
        let p = std::env::temp_dir().join(format!("hostkit-dump-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

#[test]
fn complete_dump_text_line_and_exit_0() {
    let dir = TestDir::new("complete_dump_text_line_and_exit_0");
    let f = dir.write("ok.sql", &dump(5));
    let out = hostkit_with(&["dump", "verify", &f], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text.trim_end(),
        format!("{f}: complete (1 table, 5 rows, MariaDB 10.11.14, dumped 2026-11-27 02:13:43)")
    );
}

#[test]
fn cut_dump_names_the_table_and_byte() {
    let dir = TestDir::new("cut_dump_names_the_table_and_byte");
    let d = dump(50);
    let cut = d.len() / 2;
    let f = dir.write("cut.sql.gz", &gzip(&d[..cut]));
    let out = hostkit_with(&["dump", "verify", &f], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        text.trim_end(),
        format!("{f}: incomplete: cut while dumping table `shop`.`log` at byte {cut}")
    );
}

#[test]
fn json_fields_one_line_per_file_and_stdin() {
    let dir = TestDir::new("json_fields_one_line_per_file_and_stdin");
    let good = dir.write("json-ok.sql", &dump(3));
    let d = dump(3);
    let bad = &d[..d.len() - 20];
    let out = hostkit_with(&["dump", "verify", "--json", &good, "-"], Some(bad));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["file"], good.as_str());
    assert_eq!(lines[0]["verdict"], "complete");
    assert_eq!(lines[0]["reason"], serde_json::Value::Null);
    assert_eq!(lines[0]["tables"], 1);
    assert_eq!(lines[0]["rows"], 3);
    assert_eq!(lines[0]["bytes"], d.len() as u64);
    assert_eq!(lines[0]["last_table"], "`shop`.`log`");
    assert_eq!(lines[1]["file"], "-");
    assert_eq!(lines[1]["verdict"], "incomplete");
    assert_eq!(lines[1]["trailer"], "absent");
    assert!(
        lines[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no `-- Dump completed` line")
    );
}

#[test]
fn compact_is_undecidable_and_junk_is_not_a_dump() {
    let dir = TestDir::new("compact_is_undecidable_and_junk_is_not_a_dump");
    let compact = dir.write(
        "compact.sql",
        b"/*M!999999\\- enable the sandbox mode */ \nINSERT INTO `t` VALUES (1);\n",
    );
    let junk = dir.write("junk.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    let out = hostkit_with(&["dump", "verify", "--json", &compact, &junk], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["verdict"], "undecidable");
    assert_eq!(v[1]["verdict"], "not_a_dump");
}

#[test]
fn missing_file_is_exit_2() {
    let out = hostkit_with(&["dump", "verify", "/nonexistent/dump.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dump.sql"));
}

fn script(dir: &TestDir, name: &str, body: &[u8], exit: i32) -> String {
    let data = dir.write(&format!("{name}.data"), body);
    let p = dir.path(name);
    std::fs::write(&p, format!("#!/bin/sh\ncat '{data}'\nexit {exit}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p.display().to_string()
}

fn read_gz(p: &Path) -> Vec<u8> {
    let mut d = flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap());
    let mut v = Vec::new();
    std::io::Read::read_to_end(&mut d, &mut v).unwrap();
    v
}

/// `hostkit dump run --output OUTPUT -- SCRIPT`.
fn dump_run(output: &Path, script: &str) -> Output {
    hostkit_with(
        &[
            "dump",
            "run",
            "--output",
            output.to_str().unwrap(),
            "--",
            script,
        ],
        None,
    )
}

#[test]
fn run_writes_verified_gzip_and_fails_on_a_failed_dump() {
    let dir = TestDir::new("run_writes_verified_gzip_and_fails_on_a_failed_dump");
    let d = dump(20);
    let good = script(&dir, "good.sh", &d, 0);
    let out_path = dir.path("run-ok.sql.gz");
    let out = dump_run(&out_path, &good);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(read_gz(&out_path), d);
    assert!(String::from_utf8_lossy(&out.stdout).contains(": complete (1 table, 20 rows"));

    // The tool fails after writing a complete-looking dump: still a failure.
    let failing = script(&dir, "failing.sh", &d, 2);
    let out_path = dir.path("run-fail.sql.zst");
    let out = dump_run(&out_path, &failing);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out_path.exists());
    let partial = dir.path("run-fail.sql.zst.partial");
    assert_eq!(
        zstd::decode_all(std::fs::File::open(&partial).unwrap()).unwrap(),
        d
    );

    // The tool exits 0 but the dump is cut: a failure too.
    let cut = script(&dir, "cut.sh", &d[..d.len() / 2], 0);
    let out_path = dir.path("run-cut.sql");
    let out = dump_run(&out_path, &cut);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cut while dumping table `shop`.`log`"));
}
