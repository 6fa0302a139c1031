//! The PROXY protocol part of the tour: a real HAProxy header decoded, a header built
//! and carried over a loopback connection into the `proxy_echo` server.

use std::time::Duration;

use anyhow::Context;
use hostkit_examples::proxy_accept::AcceptConfig;
use hostkit_examples::proxy_echo;
use hostkit_proxy_protocol::{
    Acceptor, Builder, Cidr, Crc32cStatus, Decision, Refusal, Status, Tlv, Transport, Trusted,
    parse, parse_datagram,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::Report;

/// The 185-byte header HAProxy 2.6 sent for a TLS client (send-proxy-v2 with every
/// proxy-v2-options value), CRC32C first.
const HAPROXY_TLS: &str = "0d0a0d0a000d0a515549540a211100a97f0000017f0000018ca2465403000430f8b28f010002683202000a70726f78792e7465737405002e37463030303030313a384341325f37463030303030313a343635345f36423038453734365f303030383a343237322000500700000000210007544c5376312e3322000e636c69656e742e6578616d706c652500075253413230343824000a5253412d534841323536230016544c535f4145535f3235365f47434d5f534841333834";

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("PROXY protocol (hostkit-proxy-protocol)");

    let bytes = hex::decode(HAPROXY_TLS).map_err(|e| anyhow::anyhow!("{e}"))?;
    let Status::Complete((h, used)) = parse(&bytes)? else {
        anyhow::bail!("HAProxy header incomplete");
    };
    report.line(format!(
        "HAProxy TLS header: {used} bytes, {} -> {}",
        h.source().context("source")?,
        h.destination().context("destination")?
    ));
    let mut cn = None;
    for t in h.tlvs() {
        if let Tlv::Ssl(ssl) = t.decode() {
            cn = ssl.get(hostkit_proxy_protocol::tlv::SSL_CN);
        }
    }
    report.check(
        "its CRC32C (first TLV, not last) verifies",
        h.crc32c() == Crc32cStatus::Valid,
    );
    report.check(
        "SSL sub-TLV CN reads client.example",
        cn == Some(&b"client.example"[..]),
    );
    let mut broken = bytes.clone();
    broken[100] ^= 0x20;
    report.check(
        "one flipped bit is caught by the CRC",
        parse(&broken).is_err(),
    );
    report.check(
        "the first 100 bytes ask for exactly the other 85",
        parse(&bytes[..100])? == Status::Incomplete { needed: 85 },
    );

    // A real loopback connection into the echo server, header split in small writes.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(proxy_echo::serve(
        listener,
        AcceptConfig::new(Vec::new(), Trusted::Require, Duration::from_secs(2)),
    ));
    let client = "203.0.113.77:40001".parse()?;
    let header = Builder::v2(client, addr)
        .crc32c()
        .authority("demo.example")
        .to_vec()?;
    let mut conn = TcpStream::connect(addr).await?;
    conn.set_nodelay(true)?;
    for chunk in header.chunks(7) {
        conn.write_all(chunk).await?;
    }
    conn.write_all(b"hello").await?;
    conn.shutdown().await?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), conn.read_to_string(&mut answer)).await??;
    server.abort();
    report.line(format!(
        "sent a {}-byte v2 header in 7-byte writes, then \"hello\"",
        header.len()
    ));
    report.check(
        "proxy_echo saw the real client 203.0.113.77:40001 and echoed the payload",
        answer == "client=203.0.113.77:40001\nhello",
    );

    // The accept policy: only the balancer may name a client.
    let balancers = ["10.0.0.0/8".parse::<Cidr>()?];
    let acceptor = Acceptor::new(&balancers).timeout(Duration::from_secs(3));
    let me = "10.0.0.1:443".parse()?;
    let t0 = Duration::ZERO;
    let mut hs = acceptor.start("10.0.0.2:40000".parse()?, me, t0);
    report.check(
        "a balancer (10.0.0.2) is believed",
        matches!(hs.push(&header, t0), Decision::Proceed { client: c, .. } if c == client),
    );
    let mut hs = acceptor.start("198.51.100.9:1234".parse()?, me, t0);
    report.check(
        "a stranger (198.51.100.9) sending the same header is refused",
        hs.push(&header, t0)
            == Decision::Refuse {
                reason: Refusal::Untrusted,
            },
    );
    let mut hs = acceptor.start("10.0.0.2:40001".parse()?, me, t0);
    let _ = hs.push(&header[..9], t0);
    report.check(
        "a balancer stuck after 9 bytes is refused at its 3 s deadline",
        hs.poll_deadline(Duration::from_millis(2999)).is_none()
            && hs.poll_deadline(Duration::from_secs(3)) == Some(Refusal::Timeout),
    );
    let mut dgram = Builder::v2(client, me)
        .transport(Transport::Datagram)
        .to_vec()?;
    dgram.extend_from_slice(b"dns query");
    let d = parse_datagram(&dgram)?;
    report.check(
        "a UDP datagram's v2 header names the client, the payload follows",
        d.source() == Some(client) && d.payload() == b"dns query",
    );
    Ok(())
}
