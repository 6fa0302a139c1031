//! `hostkit srs serve` as a process on loopback: both protocols, pipelining, limits,
//! clients that misbehave, the secrets file, SIGHUP rotation and SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "1577836860";
const SRS0: &str = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net";

/// A scratch directory, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("hostkit-serve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn secrets(&self, contents: &str, mode: u32) -> PathBuf {
        let p = self.0.join("secrets");
        std::fs::write(&p, contents).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The service, killed when dropped.
struct Server {
    child: Child,
    addrs: Vec<(String, String)>,
}

impl Server {
    fn start(secrets: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hostkit"))
            .args(["srs", "serve", "--domain", "fwd1.example.net", "--now", NOW])
            .arg("--secret-file")
            .arg(secrets)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hostkit srs serve");
        let out = child.stdout.take().expect("stdout");
        let n = extra
            .iter()
            .filter(|a| a.starts_with("--socketmap") || a.starts_with("--tcp-"))
            .count();
        let mut lines = BufReader::new(out).lines();
        let mut addrs = Vec::new();
        for _ in 0..n {
            let line = lines.next().expect("a listening line").expect("read");
            let mut words = line.split(' ');
            assert_eq!(words.next(), Some("listening"), "{line}");
            let name = words.next().expect("name").to_string();
            let addr = words.next().expect("address").to_string();
            addrs.push((name, addr));
        }
        Self { child, addrs }
    }

    fn addr(&self, name: &str) -> &str {
        &self
            .addrs
            .iter()
            .find(|(n, _)| n == name)
            .expect("listener")
            .1
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok);
    }

    /// Wait for the process to end by itself, at most `secs` seconds.
    fn wait(&mut self, secs: u64) -> Option<i32> {
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory in KiB, from /proc.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

fn netstring(payload: &str) -> String {
    format!("{}:{payload},", payload.len())
}

/// Read one netstring reply.
fn read_netstring<R: Read>(r: &mut R) -> Option<String> {
    let mut len = Vec::new();
    let mut b = [0u8];
    loop {
        if r.read(&mut b).ok()? == 0 {
            return None;
        }
        if b[0] == b':' {
            break;
        }
        len.push(b[0]);
    }
    let n: usize = String::from_utf8(len).ok()?.parse().ok()?;
    let mut data = vec![0; n + 1];
    r.read_exact(&mut data).ok()?;
    assert_eq!(data.pop(), Some(b','));
    String::from_utf8(data).ok()
}

/// Send `requests` pipelined on one socketmap connection and read every reply.
fn socketmap<S: Read + Write>(s: &mut S, requests: &[&str]) -> Vec<String> {
    let all: String = requests.iter().map(|r| netstring(r)).collect();
    s.write_all(all.as_bytes()).unwrap();
    requests
        .iter()
        .map(|_| read_netstring(s).expect("a reply"))
        .collect()
}

fn closed<R: Read>(r: &mut R) -> bool {
    let mut buf = [0u8; 64];
    matches!(r.read(&mut buf), Ok(0) | Err(_))
}

#[test]
fn refuses_bad_secrets_files() {
    let dir = Dir::new("refuse");
    let run = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_hostkit"))
            .args([
                "srs",
                "serve",
                "--domain",
                "d.example",
                "--socketmap",
                "127.0.0.1:0",
            ])
            .arg("--secret-file")
            .arg(path)
            .output()
            .expect("run")
    };
    let o = run(&dir.0.join("missing"));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("missing"),
        "{o:?}"
    );
    let o = run(&dir.secrets("\n  \n", 0o600));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("holds no secret"),
        "{o:?}"
    );
    let o = run(&dir.secrets("s3cret\n", 0o644));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("readable by group or others"),
        "{o:?}"
    );
    // No listener at all.
    let o = Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .args(["srs", "serve", "--domain", "d.example"])
        .arg("--secret-file")
        .arg(dir.secrets("s3cret\n", 0o600))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn socketmap_as_postfix_asks() {
    let dir = Dir::new("socketmap");
    let secrets = dir.secrets("\n  tops3cr3t  \n\n", 0o600);
    let server = Server::start(
        &secrets,
        &[
            "--socketmap",
            "127.0.0.1:0",
            "--exclude-domain",
            ".corp.example",
        ],
    );
    let mut s = connect(server.addr("socketmap"));
    // Forwarded mail, then a bounce, in the order Postfix asks.
    let replies = socketmap(
        &mut s,
        &[
            "reverse alias@forward.test",
            "forward alice@example.com",
            &format!("forward {SRS0}"),
            "reverse alias@forward.test",
            &format!("reverse {}", SRS0.to_lowercase()),
            "forward \"\"",
            &format!("reverse {SRS0}"),
            "reverse alice@example.com",
            "forward x@a.corp.example",
            "forward x@corp.example",
            "reverse SRS0=FAKE=2W=example.com=alice@fwd1.example.net",
            "forward SRS0=abcd=2W=example.org=bob@other.example",
            &format!("forward {}@example.com", "x".repeat(60)),
            "lookup x",
        ],
    );
    assert_eq!(replies[0], "NOTFOUND ");
    assert_eq!(replies[1], format!("OK {SRS0}"));
    assert_eq!(replies[2], "NOTFOUND ");
    assert_eq!(replies[3], "NOTFOUND ");
    assert_eq!(replies[4], "OK alice@example.com");
    assert_eq!(replies[5], "NOTFOUND ");
    assert_eq!(replies[6], "OK alice@example.com");
    assert_eq!(replies[7], "NOTFOUND ");
    assert_eq!(replies[8], "NOTFOUND ");
    assert!(replies[9].starts_with("OK SRS0="), "{}", replies[9]);
    assert_eq!(replies[10], "NOTFOUND ");
    assert!(
        replies[11].starts_with("OK SRS1=")
            && replies[11].ends_with("=other.example==abcd=2W=example.org=bob@fwd1.example.net"),
        "{}",
        replies[11]
    );
    assert_eq!(replies[12], "NOTFOUND ");
    assert_eq!(replies[13], "PERM unknown map name");
    // The connection is still good after the PERM.
    assert_eq!(socketmap(&mut s, &["forward \"\""]), ["NOTFOUND "]);
}

#[test]
fn tcp_table_on_two_ports() {
    let dir = Dir::new("tcp");
    let secrets = dir.secrets("tops3cr3t\n", 0o600);
    let server = Server::start(
        &secrets,
        &[
            "--tcp-forward",
            "127.0.0.1:0",
            "--tcp-reverse",
            "127.0.0.1:0",
        ],
    );
    let mut f = connect(server.addr("tcp-forward"));
    f.write_all(b"get alice@example.com\nget %22%22\nget bob@fwd1.example.net\n")
        .unwrap();
    let mut r = BufReader::new(f.try_clone().unwrap());
    let mut line = String::new();
    let mut lines = Vec::new();
    for _ in 0..3 {
        line.clear();
        r.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_string());
    }
    assert_eq!(lines[0], format!("200 {SRS0}"));
    assert_eq!(lines[1], "500 null sender");
    assert_eq!(lines[2], "500 local or excluded domain");
    let mut rv = connect(server.addr("tcp-reverse"));
    rv.write_all(format!("get {}\n", SRS0.to_lowercase()).as_bytes())
        .unwrap();
    let mut reply = String::new();
    BufReader::new(rv).read_line(&mut reply).unwrap();
    assert_eq!(reply, "200 alice@example.com\n");
}

#[test]
fn misbehaving_clients_cost_only_their_connection() {
    let dir = Dir::new("hostile");
    let secrets = dir.secrets("tops3cr3t\n", 0o600);
    let server = Server::start(&secrets, &["--socketmap", "127.0.0.1:0"]);
    let addr = server.addr("socketmap").to_string();
    // Half a netstring, then gone.
    {
        let mut s = connect(&addr);
        s.write_all(b"30:forward alice@exa").unwrap();
    }
    // Garbage framing: a PERM, then the server closes.
    let mut bad = connect(&addr);
    bad.write_all(b"hello\r\n").unwrap();
    assert_eq!(
        read_netstring(&mut bad).as_deref(),
        Some("PERM bad netstring length")
    );
    assert!(closed(&mut bad));
    // A length past the limit is refused before any data is read.
    let mut big = connect(&addr);
    big.write_all(b"99999999:").unwrap();
    assert_eq!(
        read_netstring(&mut big).as_deref(),
        Some("PERM request too long")
    );
    assert!(closed(&mut big));
    let before = rss_kib(server.child.id()).expect("the server's memory");
    // Many clients that leave in the middle of a netstring cost nothing once gone.
    for _ in 0..200 {
        let mut s = connect(&addr);
        s.write_all(b"300:forward alice@example.com and then nothing")
            .unwrap();
    }
    // A client that sends many requests and never reads a reply: the server stops
    // reading from it once its replies back up, so its memory does not grow with
    // what the client sends.
    let mut greedy = connect(&addr);
    greedy
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let req = netstring("forward alice@example.com").repeat(1000);
    let mut sent = 0usize;
    for _ in 0..2000 {
        match greedy.write(req.as_bytes()) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    assert!(sent > 0);
    std::thread::sleep(Duration::from_millis(300));
    let during = rss_kib(server.child.id()).expect("the server's memory");
    let grew = during.saturating_sub(before);
    assert!(
        grew < 16 * 1024,
        "the server grew by {grew} KiB while a client sent {sent} bytes and read nothing"
    );
    // Everyone else is still served, in order.
    let mut s = connect(&addr);
    assert_eq!(
        socketmap(
            &mut s,
            &["forward alice@example.com", &format!("reverse {SRS0}")]
        ),
        [format!("OK {SRS0}"), "OK alice@example.com".to_string()]
    );
    drop(greedy);
    let mut s = connect(&addr);
    assert_eq!(socketmap(&mut s, &["forward \"\""]), ["NOTFOUND "]);
}

#[test]
fn limits_on_connections_and_idle_time() {
    let dir = Dir::new("limits");
    let secrets = dir.secrets("tops3cr3t\n", 0o600);
    let server = Server::start(
        &secrets,
        &[
            "--socketmap",
            "127.0.0.1:0",
            "--max-connections",
            "2",
            "--idle-timeout",
            "3",
        ],
    );
    let addr = server.addr("socketmap").to_string();
    let mut a = connect(&addr);
    let mut b = connect(&addr);
    assert_eq!(socketmap(&mut a, &["forward \"\""]), ["NOTFOUND "]);
    assert_eq!(socketmap(&mut b, &["forward \"\""]), ["NOTFOUND "]);
    let mut c = connect(&addr);
    let _ = c.write_all(netstring("forward \"\"").as_bytes());
    assert!(closed(&mut c), "a third connection is over the limit");
    // Idle connections are closed; then there is room again.
    assert!(closed(&mut a));
    assert!(closed(&mut b));
    let mut d = connect(&addr);
    assert_eq!(socketmap(&mut d, &["forward \"\""]), ["NOTFOUND "]);
}

#[test]
fn sighup_rotates_and_sigterm_stops() {
    let dir = Dir::new("signals");
    let secrets = dir.secrets("tops3cr3t\n", 0o600);
    let sock = dir.0.join("srs.sock");
    let sock_arg = format!("unix:{}", sock.display());
    let mut server = Server::start(&secrets, &["--socketmap", &sock_arg]);
    assert_eq!(server.addr("socketmap"), sock_arg);
    let mut s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    assert_eq!(
        socketmap(&mut s, &["forward alice@example.com"]),
        [format!("OK {SRS0}")]
    );
    // Rotate: a new secret first, the old one kept for verifying.
    std::fs::write(&secrets, "n3wsecret\ntops3cr3t\n").unwrap();
    server.signal("-HUP");
    let until = Instant::now() + Duration::from_secs(10);
    let rotated = loop {
        let r = socketmap(&mut s, &["forward alice@example.com"]).remove(0);
        if r != format!("OK {SRS0}") || Instant::now() > until {
            break r;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Same connection, still open: the new secret signs, the old address reverses.
    assert!(rotated.starts_with("OK SRS0=Su6n="), "{rotated}");
    assert_eq!(
        socketmap(
            &mut s,
            &[
                &format!("reverse {SRS0}"),
                &format!("reverse {}", &rotated[3..])
            ]
        ),
        ["OK alice@example.com", "OK alice@example.com"]
    );
    // A broken file on SIGHUP keeps the secrets in use.
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    server.signal("-HUP");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        socketmap(&mut s, &["forward alice@example.com"])[0],
        rotated
    );
    drop(s);
    server.signal("-TERM");
    assert_eq!(server.wait(20), Some(0));
    assert!(!sock.exists(), "the socket file is removed");
}
