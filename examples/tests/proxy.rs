//! The `hostkit proxy` verbs and the `proxy_echo` / `proxy_forward` examples on loopback.

mod common;
use common::hostkit_with;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hostkit_examples::proxy_accept::AcceptConfig;
use hostkit_examples::{proxy_echo, proxy_forward};
use hostkit_proxy_protocol::{Builder, Trusted};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Exit code, stdout and stderr of `hostkit ARGS` on `stdin`.
fn hostkit(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = hostkit_with(args, Some(stdin));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str], stdin: &[u8]) -> (i32, Value) {
    let (code, out, _) = hostkit(args, stdin);
    (
        code,
        serde_json::from_str(out.trim()).expect("one JSON line"),
    )
}

const FIELDS: [&str; 12] = [
    "status",
    "version",
    "command",
    "family",
    "transport",
    "source",
    "destination",
    "tlvs",
    "crc32c",
    "length",
    "needed",
    "error",
];

#[test]
fn encode_then_decode_json() {
    let (code, hex, _) = hostkit(
        &[
            "proxy",
            "encode",
            "--version",
            "2",
            "--src",
            "[2001:db8::1]:5000",
            "--dst",
            "[2001:db8::2]:443",
            "--crc32c",
            "--authority",
            "example.com",
            "--alpn",
            "h2",
            "--unique-id",
            "a1b2",
            "--tlv",
            "0xE1=00ff",
            "--tlv",
            "4=",
        ],
        b"",
    );
    assert_eq!(code, 0);
    let hex = hex.trim();
    let (code, v) = json(&["proxy", "decode", "--json", hex], b"");
    assert_eq!(code, 0, "{v}");
    for f in FIELDS {
        assert!(v.get(f).is_some(), "missing {f}: {v}");
    }
    assert_eq!(v["status"], "complete");
    assert_eq!(v["version"], 2);
    assert_eq!(v["command"], "proxy");
    assert_eq!(v["family"], "inet6");
    assert_eq!(v["transport"], "stream");
    assert_eq!(v["source"], "[2001:db8::1]:5000");
    assert_eq!(v["destination"], "[2001:db8::2]:443");
    assert_eq!(v["crc32c"], "valid");
    assert_eq!(v["length"], hex.len() / 2);
    assert_eq!(v["needed"], Value::Null);
    assert_eq!(v["error"], Value::Null);
    let tlvs = v["tlvs"].as_array().unwrap();
    let names: Vec<&str> = tlvs
        .iter()
        .map(|t| t["name"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        names,
        ["CRC32C", "ALPN", "AUTHORITY", "UNIQUE_ID", "-", "NOOP"]
    );
    assert_eq!(tlvs[2]["type"], 2);
    assert_eq!(tlvs[2]["value_hex"], "6578616d706c652e636f6d");
    assert_eq!(tlvs[3]["value_hex"], "a1b2");
    assert_eq!(tlvs[4]["type"], 0xE1);
    assert_eq!(tlvs[4]["value_hex"], "00ff");
}

#[test]
fn v1_and_local_and_text() {
    let (code, hex, _) = hostkit(
        &[
            "proxy",
            "encode",
            "--version",
            "1",
            "--src",
            "192.0.2.1:56324",
            "--dst",
            "198.51.100.7:443",
        ],
        b"",
    );
    assert_eq!(code, 0);
    assert_eq!(
        hex.trim(),
        "50524f58592054435034203139322e302e322e31203139382e35312e3130302e37203536333234203434330d0a"
    );
    let (code, text, _) = hostkit(&["proxy", "decode", hex.trim()], b"");
    assert_eq!(code, 0);
    assert!(text.contains("source: 192.0.2.1:56324"), "{text}");
    assert!(text.contains("version: 1"), "{text}");
    let (code, hex, _) = hostkit(&["proxy", "encode", "--version", "2", "--local"], b"");
    assert_eq!((code, hex.trim()), (0, "0d0a0d0a000d0a515549540a20000000"));
    let (code, v) = json(&["proxy", "decode", "--json", hex.trim()], b"");
    assert_eq!(code, 0);
    assert_eq!(v["command"], "local");
    assert_eq!(v["source"], Value::Null);
    assert_eq!(v["crc32c"], "absent");
}

#[test]
fn stdin_raw_bytes_with_payload() {
    let (code, v) = json(
        &["proxy", "decode", "--stdin", "--json"],
        b"PROXY TCP4 10.0.0.1 10.0.0.2 1000 80\r\nGET / HTTP/1.1\r\n",
    );
    assert_eq!(code, 0);
    assert_eq!(v["length"], 38);
    assert_eq!(v["source"], "10.0.0.1:1000");
    assert_eq!(v["tlvs"], serde_json::json!([]));
}

#[test]
fn incomplete_and_invalid_exit_1() {
    let (code, v) = json(
        &[
            "proxy",
            "decode",
            "--json",
            "0d0a0d0a000d0a515549540a2111000c7f00",
        ],
        b"",
    );
    assert_eq!(code, 1);
    assert_eq!(v["status"], "incomplete");
    assert_eq!(v["needed"], 10);
    let (code, v) = json(
        &["proxy", "decode", "--stdin", "--json"],
        b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
    );
    assert_eq!(code, 1);
    assert_eq!(v["status"], "invalid");
    assert!(v["error"].as_str().unwrap().contains("leading zero"), "{v}");
    // A wrong CRC still shows the fields, with crc32c "invalid".
    let (_, hex, _) = hostkit(
        &[
            "proxy",
            "encode",
            "--version",
            "2",
            "--src",
            "1.2.3.4:1",
            "--dst",
            "5.6.7.8:2",
            "--crc32c",
        ],
        b"",
    );
    let mut hex = hex.trim().to_owned();
    hex.replace_range(hex.len() - 2.., "00");
    let (code, v) = json(&["proxy", "decode", "--json", "--", &hex], b"");
    assert_eq!(code, 1);
    assert_eq!(v["status"], "invalid");
    assert_eq!(v["crc32c"], "invalid");
    assert_eq!(v["source"], "1.2.3.4:1");
    let (code, _, err) = hostkit(&["proxy", "decode", "zz"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("zz"), "{err}");
    let (code, _, _) = hostkit(
        &["proxy", "encode", "--version", "2", "--src", "1.2.3.4:1"],
        b"",
    );
    assert_eq!(code, 2);
    let (code, _, _) = hostkit(
        &[
            "proxy",
            "encode",
            "--version",
            "1",
            "--src",
            "1.2.3.4:1",
            "--dst",
            "1.2.3.4:2",
            "--crc32c",
        ],
        b"",
    );
    assert_eq!(code, 2);
}

// ---- the tokio examples, in process ----

async fn echo_server(timeout: Duration) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(proxy_echo::serve(
        l,
        AcceptConfig::new(Vec::new(), Trusted::Require, timeout),
    ));
    addr
}

async fn exchange(addr: SocketAddr, chunks: &[&[u8]]) -> String {
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.set_nodelay(true).unwrap();
    for ch in chunks {
        c.write_all(ch).await.unwrap();
        c.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    c.shutdown().await.unwrap();
    let mut s = String::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut s))
        .await
        .expect("answer in time")
        .unwrap_or_default();
    s
}

#[tokio::test]
async fn header_in_many_small_writes_then_payload_at_once() {
    let addr = echo_server(Duration::from_secs(5)).await;
    for header in [
        Builder::v1("192.0.2.9:1234".parse().unwrap(), addr)
            .to_vec()
            .unwrap(),
        Builder::v1(
            "[2001:db8::9]:1234".parse().unwrap(),
            "[2001:db8::1]:80".parse().unwrap(),
        )
        .to_vec()
        .unwrap(),
        Builder::v2("192.0.2.9:1234".parse().unwrap(), addr)
            .crc32c()
            .authority("a.example")
            .noop(300)
            .to_vec()
            .unwrap(),
    ] {
        // Every byte but the last alone, then the last byte glued to the payload.
        let (head, last) = header.split_at(header.len() - 1);
        let mut chunks: Vec<Vec<u8>> = head.chunks(1).map(<[u8]>::to_vec).collect();
        let mut tail = last.to_vec();
        tail.extend_from_slice(b"PAYLOAD\r\nmore");
        chunks.push(tail);
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        let answer = exchange(addr, &refs).await;
        let want_client = if header.starts_with(b"PROXY TCP6") {
            "[2001:db8::9]:1234"
        } else {
            "192.0.2.9:1234"
        };
        assert_eq!(answer, format!("client={want_client}\nPAYLOAD\r\nmore"));
    }
    // Header and payload in one single write.
    let mut all = Builder::v2_local().to_vec().unwrap();
    all.extend_from_slice(b"x");
    let answer = exchange(addr, &[&all]).await;
    assert!(answer.starts_with("client=127.0.0.1:"), "{answer}");
    assert!(answer.ends_with("\nx"), "{answer}");
}

#[tokio::test]
async fn bad_or_late_headers_get_no_answer() {
    let addr = echo_server(Duration::from_millis(300)).await;
    assert_eq!(exchange(addr, &[b"GET / HTTP/1.1\r\n\r\n"]).await, "");
    assert_eq!(
        exchange(addr, &[b"PROXY TCP4 1.2.3.4 5.6.7.8 1 080\r\n"]).await,
        ""
    );
    // Half a header, then silence past the timeout: the server gives up.
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(b"PROXY TCP4 1.2.3.4 ").await.unwrap();
    let mut s = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut s))
        .await
        .expect("server closes after its timeout")
        .unwrap_or(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn forwarder_prepends_headers_in_process() {
    let echo = echo_server(Duration::from_secs(5)).await;
    for version in [
        proxy_forward::HeaderVersion::V1,
        proxy_forward::HeaderVersion::V2,
    ] {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fwd = l.local_addr().unwrap();
        tokio::spawn(proxy_forward::serve(l, echo, version));
        let mut c = tokio::net::TcpStream::connect(fwd).await.unwrap();
        let me = c.local_addr().unwrap();
        c.write_all(b"ping").await.unwrap();
        c.shutdown().await.unwrap();
        let mut s = String::new();
        tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut s))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s, format!("client={me}\nping"));
    }
}

// ---- the example binaries ----

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(bin: &str, args: &[&str]) -> (Running, SocketAddr) {
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start example");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    (Running(child), addr)
}

#[test]
fn example_binaries_chain_on_loopback() {
    let (_echo, echo) = start(env!("CARGO_BIN_EXE_proxy_echo"), &["--timeout-ms", "3000"]);
    for v in ["1", "2"] {
        let (_fwd, fwd) = start(
            env!("CARGO_BIN_EXE_proxy_forward"),
            &["--upstream", &echo.to_string(), "--proxy-version", v],
        );
        let mut c = TcpStream::connect(fwd).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let me = c.local_addr().unwrap();
        c.write_all(b"hello").unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        assert_eq!(s, format!("client={me}\nhello"), "version {v}");
    }
    // Straight to the echo server without a header: closed, no answer.
    let mut c = TcpStream::connect(echo).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"hello\r\n").unwrap();
    let mut s = String::new();
    let _ = c.read_to_string(&mut s);
    assert_eq!(s, "");
}
