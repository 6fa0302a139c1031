//! `hostkit srs forward|reverse` and the `srs_tcp_table` example, run as processes.

mod common;
use common::{hostkit_with, stdout};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const NOW: &str = "1577836860";

/// `hostkit ARGS` with `stdin` as text.
fn hostkit(args: &[&str], stdin: Option<&str>) -> Output {
    hostkit_with(args, Some(stdin.unwrap_or("").as_bytes()))
}

#[test]
fn forward_arguments_in_order() {
    let o = hostkit(
        &[
            "srs",
            "forward",
            "--secret",
            "tops3cr3t",
            "--domain",
            "fwd1.example.net",
            "--now",
            NOW,
            "alice@example.com",
            "bob@fwd1.example.net",
            "Some=User@Example.COM",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        stdout(&o),
        "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n\
         bob@fwd1.example.net\n\
         SRS0=IDho=2W=Example.COM=Some=User@fwd1.example.net\n"
    );
}

#[test]
fn forward_options_and_failures() {
    let o = hostkit(
        &[
            "srs",
            "forward",
            "--secret",
            "tops3cr3t",
            "--domain",
            "fwd2.example.org",
            "--now",
            NOW,
            "--separator",
            "-",
            "--hash-length",
            "8",
            "SRS0-Xu1M=2W=example.com=alice@fwd1.example.net",
            "no-at-sign",
            "carol@example.com",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    // Mail::SRS with Separator '-' gives VdNr for the 4-character hash; 8 characters extend it.
    assert!(lines[0].starts_with("SRS1-VdNr"), "{}", lines[0]);
    assert!(lines[0].ends_with("=fwd1.example.net=-Xu1M=2W=example.com=alice@fwd2.example.org"));
    assert!(
        lines[1].starts_with("error: malformed address"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("SRS0-"), "{}", lines[2]);
}

#[test]
fn reverse_from_stdin_with_rotation() {
    let input = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n\
                 SRS1=clAQ=fwd1.example.net==Xu1M=2W=example.com=alice@fwd2.example.org\r\n\
                 SRS0=FAKE=2W=example.com=alice@fwd1.example.net\n\
                 \n\
                 srs0=xu1m=2w=example.com=alice@fwd1.example.net\n";
    let o = hostkit(
        &[
            "srs",
            "reverse",
            "--secret",
            "n3w",
            "--secret",
            "tops3cr3t",
            "--now",
            NOW,
        ],
        Some(input),
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0], "alice@example.com");
    assert_eq!(lines[1], "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net");
    assert!(
        lines[2].starts_with("error: bad hash \"FAKE\""),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("error: "), "{}", lines[3]);
    assert_eq!(lines[4], "alice@example.com");
}

#[test]
fn reverse_max_age_and_case() {
    let addr = "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net";
    let later = (1_577_836_860u64 + 22 * 86_400).to_string();
    let o = hostkit(
        &[
            "srs",
            "reverse",
            "--secret",
            "tops3cr3t",
            "--now",
            &later,
            addr,
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("error: expired timestamp"), "{o:?}");
    let o = hostkit(
        &[
            "srs",
            "reverse",
            "--secret",
            "tops3cr3t",
            "--now",
            &later,
            "--max-age",
            "30",
            addr,
        ],
        None,
    );
    assert_eq!(stdout(&o), "alice@example.com\n");
    let o = hostkit(
        &[
            "srs",
            "reverse",
            "--secret",
            "tops3cr3t",
            "--now",
            NOW,
            "--case",
            "exact",
            &addr.to_uppercase(),
        ],
        None,
    );
    assert!(stdout(&o).starts_with("error: bad hash"), "{o:?}");
}

#[test]
fn values_after_double_dash_and_usage_errors() {
    let o = hostkit(
        &[
            "srs", "reverse", "--secret", "s", "--now", NOW, "--", "-x@y",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "error: not an srs address: \"-x\"\n");
    // No secret, a bad separator, a bad hash length: usage errors.
    let o = hostkit(
        &["srs", "forward", "--domain", "d.example", "a@b.example"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = hostkit(
        &[
            "srs",
            "forward",
            "--secret",
            "s",
            "--domain",
            "d.example",
            "--separator",
            "/",
            "a@b.example",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = hostkit(
        &[
            "srs",
            "forward",
            "--secret",
            "s",
            "--domain",
            "d.example",
            "--hash-length",
            "28",
            "a@b.example",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hash length"));
}

#[test]
fn a_large_batch_round_trips_in_order() {
    let n = 20_000;
    let senders: String = (0..n)
        .map(|i| format!("User{i}.Name+tag@Sub{}.Example{}.com\n", i % 7, i % 997))
        .collect();
    let fwd = hostkit(
        &[
            "srs",
            "forward",
            "--secret",
            "k",
            "--domain",
            "fwd.example.net",
            "--now",
            NOW,
        ],
        Some(&senders),
    );
    assert_eq!(fwd.status.code(), Some(0));
    let forwarded = stdout(&fwd);
    assert_eq!(forwarded.lines().count(), n);
    let rev = hostkit(
        &["srs", "reverse", "--secret", "k", "--now", NOW],
        Some(&forwarded),
    );
    assert_eq!(rev.status.code(), Some(0));
    assert_eq!(stdout(&rev), senders);
}

/// The `srs_tcp_table` example, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Server, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_srs_tcp_table"))
        .args([
            "--secret",
            "tops3cr3t",
            "--domain",
            "fwd1.example.net",
            "--now",
            NOW,
            "--forward-port",
            "0",
            "--reverse-port",
            "0",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start srs_tcp_table");
    let out = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(out).lines();
    let mut addr = |name: &str| {
        let line = lines.next().expect("a line").expect("read");
        line.strip_prefix(name)
            .expect("named address")
            .trim()
            .to_string()
    };
    let f = addr("forward");
    let r = addr("reverse");
    (server, f, r)
}

fn exchange(addr: &str, requests: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(requests.as_bytes()).expect("send");
    s.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read");
    reply
}

#[test]
fn tcp_table_example_over_tcp() {
    let (_server, f, r) = start_server();
    // Pipelined: three requests sent at once, answered in order.
    let reply = exchange(
        &f,
        "get alice@example.com\nget Some=User%40Example.COM\nget nobody\n",
    );
    let lines: Vec<&str> = reply.lines().collect();
    assert_eq!(lines.len(), 3, "{reply}");
    assert_eq!(
        lines[0],
        "200 SRS0=Xu1M=2W=example.com=alice@fwd1.example.net"
    );
    assert_eq!(
        lines[1],
        "200 SRS0=IDho=2W=Example.COM=Some=User@fwd1.example.net"
    );
    assert_eq!(lines[2], "500 no domain");
    let reply = exchange(
        &r,
        "get SRS0=Xu1M=2W=example.com=alice@fwd1.example.net\n\
         get SRS0=FAKE=2W=example.com=alice@fwd1.example.net\n\
         bogus\n",
    );
    let lines: Vec<&str> = reply.lines().collect();
    assert_eq!(lines[0], "200 alice@example.com");
    assert!(lines[1].starts_with("500 bad hash"), "{}", lines[1]);
    assert_eq!(lines[2], "400 unsupported request");
    // A request past the line limit is refused and that connection closed; others go on.
    let long = format!(
        "get {}@x\nget SRS0=Xu1M=2W=example.com=bob@x\n",
        "a".repeat(10_000)
    );
    let reply = exchange(&r, &long);
    assert_eq!(reply, "400 request too long\n");
    let reply = exchange(&r, "get SRS0=Xu1M=2W=example.com=bob@x\n");
    assert!(reply.starts_with("500 bad hash"), "{reply}");
}
