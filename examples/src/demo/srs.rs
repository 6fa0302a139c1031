//! The SRS part of the tour: two forwarders rewrite a sender, the addresses reverse,
//! forgeries and stale addresses fail, and the `hostkit srs serve` service answers a
//! forward and a bounce on loopback, over socketmap and over tcp_table, as Postfix asks.

use std::sync::Arc;

use anyhow::Context;
use hostkit_examples::srs_service::server::{Listener, serve};
use hostkit_examples::srs_service::socketmap::encode_request;
use hostkit_examples::srs_service::{Clock, Limits, Map, Protocol, Rewriting, Secrets, Service};
use hostkit_srs::{Error, Rewriter};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::Report;

/// 2020-01-01T00:01:00Z, the time of the published vectors.
const NOW: u64 = 1_577_836_860;
const SECRET: &str = "tops3cr3t";
const DAY: u64 = 86_400;

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("srs: Sender Rewriting Scheme (hostkit-srs)");
    let hop1 = Rewriter::builder()
        .secret(SECRET)
        .domain("fwd1.example.net")
        .build()?;
    let hop2 = Rewriter::builder()
        .secret(SECRET)
        .domain("fwd2.example.org")
        .build()?;

    let sender = "alice@example.com";
    let srs0 = hop1.forward(sender, NOW)?;
    report.line(format!("fwd1 forwards {sender} as {srs0}"));
    report.check(
        "SRS0 equals Mail::SRS 0.31's byte for byte",
        srs0 == "SRS0=Xu1M=2W=example.com=alice@fwd1.example.net",
    );
    let srs1 = hop2.forward(&srs0, NOW)?;
    report.line(format!("fwd2 forwards that as {srs1}"));
    report.check(
        "SRS1 equals Mail::SRS 0.31's byte for byte",
        srs1 == "SRS1=clAQ=fwd1.example.net==Xu1M=2W=example.com=alice@fwd2.example.org",
    );
    let back1 = hop2.reverse(&srs1, NOW)?;
    let back0 = hop1.reverse(&back1, NOW)?;
    report.line(format!("a bounce reverses to {back1}, then to {back0}"));
    report.check(
        "both hops reverse to the sender",
        back1 == srs0 && back0 == sender,
    );
    report.check(
        "an address with its case smashed by a relay still reverses",
        hop1.reverse(&srs0.to_uppercase(), NOW)? == sender.to_uppercase(),
    );
    let forged = srs0.replace("=example.com=", "=example.org=");
    report.check(
        "a forged original domain fails the hash",
        matches!(hop1.reverse(&forged, NOW), Err(Error::BadHash { .. })),
    );
    match hop1.reverse(&srs0, NOW + 22 * DAY) {
        Err(e @ Error::Expired { .. }) => report.check(format!("22 days later: {e}"), true),
        other => report.check(format!("22 days later: {other:?}"), false),
    }

    // The service, as Postfix asks it: socketmap and tcp_table on loopback.
    let service = Arc::new(Service::new(
        Rewriting::new("fwd1.example.net"),
        Secrets::Fixed(vec![SECRET.as_bytes().to_vec()]),
        Clock::Fixed(NOW),
        Limits::default(),
    )?);
    let socketmap = TcpListener::bind("127.0.0.1:0").await?;
    let forward = TcpListener::bind("127.0.0.1:0").await?;
    let reverse = TcpListener::bind("127.0.0.1:0").await?;
    let (saddr, faddr, raddr) = (
        socketmap.local_addr()?,
        forward.local_addr()?,
        reverse.local_addr()?,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        service,
        vec![
            (Protocol::Socketmap, Listener::Tcp(socketmap)),
            (Protocol::TcpTable(Map::Forward), Listener::Tcp(forward)),
            (Protocol::TcpTable(Map::Reverse), Listener::Tcp(reverse)),
        ],
        async {
            let _ = stopped.await;
        },
    ));
    report.line(format!(
        "service: socketmap on {saddr}, tcp_table on {faddr} (forward) and {raddr} (reverse)"
    ));
    let asked = socketmap_session(
        &saddr.to_string(),
        &[
            "forward alice@example.com".to_string(),
            format!("reverse {}", srs0.to_lowercase()),
            "forward \"\"".to_string(),
            format!("reverse {forged}"),
        ],
    )
    .await;
    let fwd = query(&faddr.to_string(), "get Some=User%40Example.COM\n").await;
    let rev = query(&raddr.to_string(), &format!("get {srs0}\n")).await;
    let _ = stop.send(());
    let _ = server.await;
    let asked = asked?;
    let (fwd, rev) = (fwd?, rev?);
    for (request, reply) in &asked {
        report.line(format!("socketmap: {request} -> {reply}"));
    }
    let reply = |i: usize| asked.get(i).map_or("", |(_, r)| r.as_str());
    report.check(
        "forward: the sender leaves as its SRS0 address",
        reply(0) == format!("OK {srs0}"),
    );
    report.check(
        "bounce: the lower-cased SRS0 address (as smtpd asks) reverses to the sender",
        reply(1) == format!("OK {sender}"),
    );
    report.check(
        "the null sender of the bounce is left alone",
        reply(2) == "NOTFOUND ",
    );
    report.check(
        "a forged bounce is NOTFOUND, so Postfix rejects it with 550",
        reply(3) == "NOTFOUND ",
    );
    report.line(format!(
        "tcp_table on {faddr}: get Some=User@Example.COM -> {fwd}"
    ));
    report.check(
        "tcp_table forward equals Mail::SRS's",
        fwd == "200 SRS0=IDho=2W=Example.COM=Some=User@fwd1.example.net",
    );
    report.line(format!("tcp_table on {raddr}: get {srs0} -> {rev}"));
    report.check(
        "tcp_table reverse gives the sender",
        rev == "200 alice@example.com",
    );
    Ok(())
}

/// Send every request pipelined on one socketmap connection; read the replies in order.
async fn socketmap_session(
    addr: &str,
    requests: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    let mut s = TcpStream::connect(addr).await.context("connect")?;
    let mut out = Vec::new();
    for r in requests {
        encode_request(r.as_bytes(), &mut out);
    }
    s.write_all(&out).await?;
    let mut r = BufReader::new(s);
    let mut replies = Vec::new();
    for req in requests {
        let mut len = Vec::new();
        r.read_until(b':', &mut len).await?;
        let n: usize = std::str::from_utf8(&len[..len.len().saturating_sub(1)])?.parse()?;
        let mut data = vec![0; n + 1];
        r.read_exact(&mut data).await?;
        data.pop();
        replies.push((req.clone(), String::from_utf8(data)?));
    }
    Ok(replies)
}

async fn query(addr: &str, request: &str) -> anyhow::Result<String> {
    let mut s = TcpStream::connect(addr).await.context("connect")?;
    s.write_all(request.as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).await?;
    Ok(reply.trim_end().to_string())
}
