//! The SRS part of the tour: two forwarders rewrite a sender, the addresses reverse,
//! forgeries and stale addresses fail, and a Postfix `tcp_table` server answers on
//! loopback.

use std::sync::Arc;

use anyhow::Context;
use hostkit_examples::srs_tcp_table::{Clock, Map, Table, serve};
use hostkit_srs::{Error, Rewriter};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
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

    // The tcp_table server, as Postfix would query it.
    let rewriter = Arc::new(hop1);
    let forward = TcpListener::bind("127.0.0.1:0").await?;
    let reverse = TcpListener::bind("127.0.0.1:0").await?;
    let (faddr, raddr) = (forward.local_addr()?, reverse.local_addr()?);
    let clock = Clock::Fixed(NOW);
    let f = tokio::spawn(serve(
        forward,
        Table::new(Arc::clone(&rewriter), Map::Forward, clock),
    ));
    let r = tokio::spawn(serve(reverse, Table::new(rewriter, Map::Reverse, clock)));
    let fwd = query(&faddr.to_string(), "get Some=User%40Example.COM\n").await;
    let rev = query(&raddr.to_string(), &format!("get {srs0}\n")).await;
    f.abort();
    r.abort();
    let (fwd, rev) = (fwd?, rev?);
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

async fn query(addr: &str, request: &str) -> anyhow::Result<String> {
    let mut s = TcpStream::connect(addr).await.context("connect")?;
    s.write_all(request.as_bytes()).await?;
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply).await?;
    Ok(reply.trim_end().to_string())
}
