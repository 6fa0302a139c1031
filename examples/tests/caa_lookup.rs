//! `caa_lookup` against a real authoritative server: Debian's knotd on loopback,
//! serving a test zone with CAA, CNAME and a record hickory-proto cannot read.

use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ZONE: &str = r#"$ORIGIN test.
$TTL 300
@        SOA ns.test. hostmaster.test. 1 3600 900 604800 300
@        NS  ns
ns       A   127.0.0.1
caa      CAA 0 issue "ca.example; accounturi=https://ca.example/acct/1"
caa      CAA 0 iodef "mailto:security@caa.test"
www.caa  CNAME web.caa
web.caa  A   127.0.0.1
crit     CAA 0 issue "ca.example"
crit     CAA 128 tbs "Unknown"
deny     CAA 0 issue ";"
sub.deny A   127.0.0.1
wild     CAA 0 issue "ca.example"
wild     CAA 0 issuewild ";"
mail     CAA 0 issuemail "smime.example"
long     CAA 128 caatestsuitedummyproperty "test"
"#;

/// knotd, stopped by PID when the test ends.
struct Knot {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for Knot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn knotd() -> Option<PathBuf> {
    ["/usr/sbin/knotd", "/usr/bin/knotd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn free_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr").port()
}

fn start(bin: &Path) -> Knot {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("hostkit-caa-knot-{}-{nanos}", std::process::id()));
    for sub in ["zones", "run", "db"] {
        std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
    }
    std::fs::write(dir.join("zones/test.zone"), ZONE).expect("zone");
    let port = free_port();
    let d = dir.display();
    // As root, knotd would switch to the knot user; stay root so it can use the
    // temporary directory.
    let user = if std::env::var("USER").as_deref() == Ok("root")
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n")
    {
        "  user: root:root\n"
    } else {
        ""
    };
    let conf = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}/run\n{user}database:\n  storage: {d}/db\nlog:\n  - target: stderr\n    any: warning\ntemplate:\n  - id: default\n    storage: {d}/zones\n    file: \"%s.zone\"\n    zonefile-sync: -1\n    journal-content: none\nzone:\n  - domain: test\n"
    );
    std::fs::write(dir.join("knot.conf"), conf).expect("conf");
    let child = Command::new(bin)
        .arg("-c")
        .arg(dir.join("knot.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start knotd");
    let knot = Knot { child, dir, port };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "knotd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    knot
}

fn lookup(knot: &Knot, args: &[&str]) -> (Option<i32>, String) {
    let server = format!("127.0.0.1:{}", knot.port);
    let out = Command::new(env!("CARGO_BIN_EXE_caa_lookup"))
        .args(["--server", &server])
        .args(args)
        .output()
        .expect("run caa_lookup");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn caa_lookup_against_knotd() {
    let Some(bin) = knotd() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "knotd (Debian knot) is missing"
        );
        eprintln!("knotd not installed: skipping outside CI");
        return;
    };
    let knot = start(&bin);

    let (code, out) = lookup(
        &knot,
        &[
            "--issuer",
            "ca.example",
            "--account-uri",
            "https://ca.example/acct/1",
            "www.caa.test",
        ],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("relevant name: caa.test"), "{out}");

    let (code, out) = lookup(
        &knot,
        &[
            "--issuer",
            "ca.example",
            "--account-uri",
            "https://ca.example/acct/2",
            "caa.test",
        ],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("accounturi names another account"), "{out}");

    let (code, out) = lookup(&knot, &["--issuer", "ca.example", "sub.deny.test"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("queried: sub.deny.test deny.test"), "{out}");

    let (code, out) = lookup(&knot, &["--issuer", "ca.example", "crit.test"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("critical unknown property \"tbs\""), "{out}");

    let (code, out) = lookup(&knot, &["--issuer", "ca.example", "nothing.here.test"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("queried: nothing.here.test here.test test"),
        "{out}"
    );

    let (code, _) = lookup(&knot, &["--issuer", "ca.example", "wild.test"]);
    assert_eq!(code, Some(0));
    let (code, _) = lookup(
        &knot,
        &["--issuer", "ca.example", "--wildcard", "wild.test"],
    );
    assert_eq!(code, Some(1));

    let (code, _) = lookup(
        &knot,
        &["--issuer", "smime.example", "--email", "me@mail.test"],
    );
    assert_eq!(code, Some(0));
    let (code, _) = lookup(
        &knot,
        &["--issuer", "ca.example", "--email", "me@mail.test"],
    );
    assert_eq!(code, Some(1));

    // hickory-proto refuses to decode a tag longer than 15 octets, so the lookup
    // fails, and a failed lookup denies.
    let (code, out) = lookup(&knot, &["--issuer", "ca.example", "long.test"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("failed"), "{out}");
}
