//! The accept policy on loopback, through the example binaries: trusted and
//! untrusted peers from their own 127.x addresses, stalled clients next to good
//! ones, datagrams, and the HTTP server's view of the client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hostkit_proxy_protocol::{Builder, SslBuilder, Transport, V2_SIGNATURE, tlv};
use serde_json::Value;

const ECHO: &str = env!("CARGO_BIN_EXE_proxy_echo");
const FORWARD: &str = env!("CARGO_BIN_EXE_proxy_forward");
const HTTP: &str = env!("CARGO_BIN_EXE_proxy_http");
const LOAD: &str = env!("CARGO_BIN_EXE_proxy_load");

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Run `bin` with a raised descriptor limit; the addresses of its `listening` lines.
fn start(bin: &str, args: &[&str], lines: usize) -> (Running, Vec<SocketAddr>) {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@""#)
        .arg("start")
        .arg(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start example");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut addrs = Vec::new();
    for _ in 0..lines {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .rsplit(' ')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        addrs.push(addr);
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (Running(child), addrs)
}

/// Connect from `source` (port chosen by the kernel).
fn connect_from(source: &str, target: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = rt
        .block_on(async {
            let sock = tokio::net::TcpSocket::new_v4()?;
            sock.bind(SocketAddr::new(source.parse::<IpAddr>().unwrap(), 0))?;
            sock.connect(target).await
        })
        .expect("connect");
    let s = s.into_std().unwrap();
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Send `bytes` from `source`, close the writing side, read the whole answer.
fn talk(source: &str, target: SocketAddr, bytes: &[u8]) -> (SocketAddr, String) {
    let mut s = connect_from(source, target);
    let me = s.local_addr().unwrap();
    // A refused connection may be closed under our feet: then the answer is empty.
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    (me, answer)
}

fn with_payload(mut header: Vec<u8>, payload: &[u8]) -> Vec<u8> {
    header.extend_from_slice(payload);
    header
}

#[test]
fn trusted_and_untrusted_peers_from_their_own_addresses() {
    let (_echo, a) = start(
        ECHO,
        &["--trusted", "127.0.0.2/32", "--timeout-ms", "3000"],
        1,
    );
    let echo = a[0];
    let v2 = with_payload(
        Builder::v2("198.51.100.1:1111".parse().unwrap(), echo)
            .to_vec()
            .unwrap(),
        b"hi",
    );
    let v1 = b"PROXY TCP4 198.51.100.2 127.0.0.1 2222 80\r\nhi".to_vec();
    // The balancer: its headers are believed.
    assert_eq!(
        talk("127.0.0.2", echo, &v2).1,
        "client=198.51.100.1:1111\nhi"
    );
    assert_eq!(
        talk("127.0.0.2", echo, &v1).1,
        "client=198.51.100.2:2222\nhi"
    );
    // ... and it must send one (require).
    assert_eq!(talk("127.0.0.2", echo, b"hi").1, "");
    // Anyone else: a header closes the connection, no header serves them as themselves.
    assert_eq!(talk("127.0.0.3", echo, &v2).1, "");
    assert_eq!(talk("127.0.0.3", echo, &v1).1, "");
    let (me, answer) = talk("127.0.0.3", echo, b"PROXZ hi");
    assert_eq!(answer, format!("client={me}\nPROXZ hi"));
    let (me, answer) = talk("127.0.0.4", echo, b"hi");
    assert_eq!(answer, format!("client={me}\nhi"));

    // --policy use: the balancer may also come without a header.
    let (_echo, a) = start(ECHO, &["--trusted", "127.0.0.2/32", "--policy", "use"], 1);
    let echo = a[0];
    assert_eq!(
        talk("127.0.0.2", echo, &v2).1,
        "client=198.51.100.1:1111\nhi"
    );
    let (me, answer) = talk("127.0.0.2", echo, b"hi");
    assert_eq!(answer, format!("client={me}\nhi"));
    assert_eq!(talk("127.0.0.3", echo, &v2).1, "");
}

#[test]
fn stalled_clients_do_not_delay_good_ones_and_close_at_their_deadline() {
    let timeout_ms = 1500.0;
    let (_echo, a) = start(
        ECHO,
        &["--trusted", "127.0.0.0/8", "--timeout-ms", "1500"],
        1,
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@""#)
        .arg("load")
        .arg(LOAD)
        .args([
            "slow",
            "--target",
            &a[0].to_string(),
            "--slow",
            "800",
            "--good",
            "100",
        ])
        .output()
        .expect("run proxy_load");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    eprintln!("{r}");
    assert_eq!(r["good"], 100, "{r}");
    assert_eq!(r["good_failed"], 0, "{r}");
    let p99 = r["good_p99_ms"].as_f64().unwrap();
    assert!(p99 < 250.0, "p99 {p99} ms: {r}");
    assert_eq!(r["slow_closed"], 800, "{r}");
    assert_eq!(r["slow_answered"], 0, "{r}");
    // Each stalled client was closed at its deadline: not before, and (generously,
    // for a loaded machine) not long after.
    let first = r["slow_close_min_ms"].as_f64().unwrap();
    let last = r["slow_close_max_ms"].as_f64().unwrap();
    assert!(first >= timeout_ms - 5.0, "closed early at {first} ms: {r}");
    assert!(last <= timeout_ms + 5000.0, "closed late at {last} ms: {r}");
}

fn udp_ask(target: SocketAddr, datagram: &[u8]) -> Option<Vec<u8>> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut buf = [0u8; 2048];
    // Datagrams may be lost even on loopback under load: ask a few times.
    for _ in 0..3 {
        s.send_to(datagram, target).unwrap();
        if let Ok((n, _)) = s.recv_from(&mut buf) {
            return Some(buf[..n].to_vec());
        }
    }
    None
}

#[test]
fn datagrams_hand_built_and_forwarded() {
    let (_echo, a) = start(ECHO, &["--udp", "127.0.0.1:0"], 2);
    let udp = a[1];
    // A v2 DGRAM header built by hand, byte by byte.
    let mut d = V2_SIGNATURE.to_vec();
    d.extend_from_slice(&[0x21, 0x12, 0x00, 0x0c]);
    d.extend_from_slice(&[192, 0, 2, 44, 127, 0, 0, 1]);
    d.extend_from_slice(&5353u16.to_be_bytes());
    d.extend_from_slice(&udp.port().to_be_bytes());
    d.extend_from_slice(b"query");
    assert_eq!(
        udp_ask(udp, &d).as_deref(),
        Some(&b"client=192.0.2.44:5353\nquery"[..])
    );
    // LOCAL: the sender itself.
    let local = with_payload(Builder::v2_local().to_vec().unwrap(), b"x");
    let got = String::from_utf8(udp_ask(udp, &local).unwrap()).unwrap();
    assert!(
        got.starts_with("client=127.0.0.1:") && got.ends_with("\nx"),
        "{got}"
    );
    // A stream header in a datagram, and a cut header: no answer.
    let tcp = with_payload(
        Builder::v2("192.0.2.1:1".parse().unwrap(), udp)
            .transport(Transport::Stream)
            .to_vec()
            .unwrap(),
        b"x",
    );
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    s.send_to(&tcp, udp).unwrap();
    s.send_to(&d[..20], udp).unwrap();
    let mut buf = [0u8; 64];
    assert!(s.recv_from(&mut buf).is_err());

    // Through proxy_forward --udp: the echo sees our own address.
    let (_fwd, f) = start(FORWARD, &["--udp", "--upstream", &udp.to_string()], 1);
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    me.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut answer = None;
    for _ in 0..3 {
        me.send_to(b"ping", f[0]).unwrap();
        if let Ok((n, _)) = me.recv_from(&mut buf) {
            answer = Some(buf[..n].to_vec());
            break;
        }
    }
    let want = format!("client={}\nping", me.local_addr().unwrap());
    assert_eq!(answer.as_deref(), Some(want.as_bytes()));
}

fn http_get(target: SocketAddr, header: &[u8]) -> String {
    let mut req = header.to_vec();
    req.extend_from_slice(b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    // No half close: the server answers, then closes (Connection: close).
    let mut s = connect_from("127.0.0.1", target);
    let _ = s.write_all(&req);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

#[test]
fn http_server_sees_the_real_client_and_the_tls_verdict() {
    let (_http, a) = start(HTTP, &["--trusted", "127.0.0.1/32"], 1);
    let h = a[0];
    let client: SocketAddr = "203.0.113.8:4321".parse().unwrap();
    let plain = Builder::v2(client, h).to_vec().unwrap();
    let answer = http_get(h, &plain);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with("client=203.0.113.8:4321 tls=none\n"),
        "{answer}"
    );
    let verified = Builder::v2(client, h)
        .ssl(
            &SslBuilder::new(tlv::CLIENT_SSL | tlv::CLIENT_CERT_CONN, 0)
                .version("TLSv1.3")
                .cn("c"),
        )
        .to_vec()
        .unwrap();
    assert!(http_get(h, &verified).ends_with("tls=cert_verified\n"));
    let tls = Builder::v2(client, h)
        .ssl(&SslBuilder::new(tlv::CLIENT_SSL, 0))
        .to_vec()
        .unwrap();
    assert!(http_get(h, &tls).ends_with("tls=tls\n"));
    // No header from a trusted peer under require: closed without a response.
    assert_eq!(http_get(h, b""), "");
}

#[test]
fn decode_reports_error_code_and_offset() {
    let out = Command::new(env!("CARGO_BIN_EXE_hostkit"))
        .args(["proxy", "decode", "--json", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error_code"], "v1.value", "{v}");
    assert_eq!(v["offset"], 27, "{v}");
}

/// Ten thousand clients that each send half a header and wait: the server holds them
/// all without answering or dropping any, and its memory stays a few kilobytes per
/// connection (the socket and the task, no buffer growing).
#[test]
fn ten_thousand_pending_handshakes_cost_bounded_memory() {
    let script = r#"ulimit -n 12000 || { echo "cannot raise the descriptor limit to 12000" >&2; exit 3; }; exec "$@""#;
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("start")
        .arg(ECHO)
        .args(["--trusted", "127.0.0.0/8", "--timeout-ms", "120000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start proxy_echo");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let echo = Running(child);
    let addr: SocketAddr = line
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let pid = echo.0.id().to_string();
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("load")
        .arg(LOAD)
        .args([
            "idle",
            "--target",
            &addr.to_string(),
            "--count",
            "10000",
            "--hold-ms",
            "1000",
            "--server-pid",
            &pid,
        ])
        .output()
        .expect("run proxy_load");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    eprintln!("{r}");
    assert_eq!(r["count"], 10_000, "{r}");
    assert_eq!(
        r["still_pending"], 10_000,
        "nobody answered or dropped: {r}"
    );
    let per = r["per_connection_bytes"]
        .as_f64()
        .unwrap_or_else(|| panic!("the server's memory was read: {r}"));
    assert!(
        per < 32.0 * 1024.0,
        "{per} bytes per pending connection: {r}"
    );
    drop(echo);
}
