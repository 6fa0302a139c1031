//! `proxy_load`: a load generator for `proxy_echo` (and anything that answers like it).
//! Prints one JSON object per run on stdout.
//!
//! - `slow`: `--slow N` clients each send half a v2 header and stall, then `--good M`
//!   clients send a whole header and a payload; reports the good ones' latencies and
//!   when each stalled one was closed.
//! - `cps`: connections per second, alternating rounds with a v2 header (from
//!   `--proxied-source`) and without one (from `--plain-source`), in one run.
//! - `idle`: `--count N` connections that stall half-way through a header, held open
//!   for `--hold-ms`; with `--server-pid`, the server's RSS before and while held.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use hostkit_examples::cli_io;
use hostkit_proxy_protocol::Builder;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

#[derive(Debug, Parser)]
#[command(about = "Load generator for proxy_echo")]
struct Args {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Stalled clients next to good ones.
    Slow {
        /// The server.
        #[arg(long)]
        target: SocketAddr,
        /// Clients that stall half-way through a header.
        #[arg(long, default_value_t = 800)]
        slow: usize,
        /// Clients that send a whole header.
        #[arg(long, default_value_t = 100)]
        good: usize,
        /// How many good clients run at once.
        #[arg(long, default_value_t = 10)]
        concurrency: usize,
        /// Source address of the stalled clients.
        #[arg(long, default_value = "127.0.0.3")]
        slow_source: IpAddr,
        /// Source address of the good clients.
        #[arg(long, default_value = "127.0.0.2")]
        good_source: IpAddr,
        /// Give up on a stalled client after this long.
        #[arg(long, default_value_t = 30_000)]
        give_up_ms: u64,
    },
    /// Connections per second with and without a header, in one run.
    Cps {
        /// The server.
        #[arg(long)]
        target: SocketAddr,
        /// Length of each round.
        #[arg(long, default_value_t = 1000)]
        round_ms: u64,
        /// Rounds of each kind.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Connections in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Source address for connections with a header.
        #[arg(long, default_value = "127.0.0.2")]
        proxied_source: IpAddr,
        /// Source address for connections without one.
        #[arg(long, default_value = "127.0.0.3")]
        plain_source: IpAddr,
    },
    /// Many idle pending handshakes.
    Idle {
        /// The server.
        #[arg(long)]
        target: SocketAddr,
        /// Connections to hold.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// How long to hold them once all are open.
        #[arg(long, default_value_t = 2000)]
        hold_ms: u64,
        /// The server's process id, to read its RSS from /proc.
        #[arg(long)]
        server_pid: Option<u32>,
        /// First source address; later ones count up from it every 20,000 connections.
        #[arg(long, default_value = "127.0.1.1")]
        source: IpAddr,
    },
}

async fn connect(source: IpAddr, target: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    sock.bind(SocketAddr::new(source, 0))?;
    let s = sock.connect(target).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

fn header(target: SocketAddr) -> Vec<u8> {
    Builder::v2("203.0.113.50:40000".parse().expect("address"), target)
        .to_vec()
        .unwrap_or_default()
}

/// One whole exchange: header (if any), payload, answer. `Ok(true)` when the answer
/// is `client=...\n` and the payload.
async fn exchange(source: IpAddr, target: SocketAddr, head: &[u8]) -> std::io::Result<bool> {
    let mut s = connect(source, target).await?;
    let mut out = head.to_vec();
    out.extend_from_slice(b"ping");
    s.write_all(&out).await?;
    s.shutdown().await?;
    let mut answer = Vec::with_capacity(64);
    s.read_to_end(&mut answer).await?;
    Ok(answer.starts_with(b"client=") && answer.ends_with(b"\nping"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[allow(clippy::too_many_arguments)]
async fn slow(
    target: SocketAddr,
    n_slow: usize,
    n_good: usize,
    concurrency: usize,
    slow_source: IpAddr,
    good_source: IpAddr,
    give_up: Duration,
) -> anyhow::Result<serde_json::Value> {
    let head = header(target);
    let half = head[..head.len() / 2].to_vec();
    // Open every stalled connection first; each waits for the server to close it.
    let mut stalled = Vec::with_capacity(n_slow);
    for _ in 0..n_slow {
        let start = Instant::now();
        let mut s = connect(slow_source, target).await?;
        s.write_all(&half).await?;
        stalled.push(tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let mut answered = 0usize;
            let r = tokio::time::timeout(give_up, async {
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => answered += n,
                    }
                }
            })
            .await;
            (r.is_ok(), start.elapsed(), answered)
        }));
    }
    let opened = Instant::now();
    // Then the good ones, `concurrency` at a time.
    let next = Arc::new(AtomicUsize::new(0));
    let head = Arc::new(head);
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (next, head) = (Arc::clone(&next), Arc::clone(&head));
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0usize;
            while next.fetch_add(1, Ordering::Relaxed) < n_good {
                let t = Instant::now();
                match exchange(good_source, target, &head).await {
                    Ok(true) => lat.push(ms(t.elapsed())),
                    _ => failed += 1,
                }
            }
            (lat, failed)
        }));
    }
    let mut lat = Vec::new();
    let mut failed = 0;
    for w in workers {
        let (l, f) = w.await?;
        lat.extend(l);
        failed += f;
    }
    let good_done = ms(opened.elapsed());
    lat.sort_by(f64::total_cmp);
    let mut closed = 0usize;
    let mut answered = 0usize;
    let mut close_ms = Vec::new();
    for s in stalled {
        let (was_closed, at, bytes) = s.await?;
        if was_closed {
            closed += 1;
            close_ms.push(ms(at));
        }
        if bytes > 0 {
            answered += 1;
        }
    }
    close_ms.sort_by(f64::total_cmp);
    Ok(json!({
        "mode": "slow",
        "good": lat.len(),
        "good_failed": failed,
        "good_p50_ms": percentile(&lat, 50.0),
        "good_p99_ms": percentile(&lat, 99.0),
        "good_max_ms": lat.last().copied().unwrap_or(f64::NAN),
        "good_all_done_ms": good_done,
        "slow": n_slow,
        "slow_closed": closed,
        "slow_answered": answered,
        "slow_close_min_ms": close_ms.first().copied().unwrap_or(f64::NAN),
        "slow_close_max_ms": close_ms.last().copied().unwrap_or(f64::NAN),
    }))
}

/// Exchanges completed in `round` with `concurrency` in flight.
async fn round(
    source: IpAddr,
    target: SocketAddr,
    head: Arc<Vec<u8>>,
    round: Duration,
    concurrency: usize,
) -> (usize, usize) {
    let end = Instant::now() + round;
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let head = Arc::clone(&head);
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut bad) = (0usize, 0usize);
            while Instant::now() < end {
                match exchange(source, target, &head).await {
                    Ok(true) => ok += 1,
                    _ => bad += 1,
                }
            }
            (ok, bad)
        }));
    }
    let (mut ok, mut bad) = (0, 0);
    for t in tasks {
        if let Ok((o, b)) = t.await {
            ok += o;
            bad += b;
        }
    }
    (ok, bad)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn next_source(base: IpAddr, i: usize) -> IpAddr {
    match base {
        IpAddr::V4(a) => {
            let step = u32::try_from(i / 20_000).unwrap_or(0);
            IpAddr::V4((u32::from(a).wrapping_add(step)).into())
        }
        v6 => v6,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let report = match Args::parse().mode {
        Mode::Slow {
            target,
            slow: n_slow,
            good,
            concurrency,
            slow_source,
            good_source,
            give_up_ms,
        } => {
            slow(
                target,
                n_slow,
                good,
                concurrency,
                slow_source,
                good_source,
                Duration::from_millis(give_up_ms),
            )
            .await?
        }
        Mode::Cps {
            target,
            round_ms,
            rounds,
            concurrency,
            proxied_source,
            plain_source,
        } => {
            let with = Arc::new(header(target));
            let without = Arc::new(Vec::new());
            let d = Duration::from_millis(round_ms);
            let (mut a, mut b, mut fails) = (0usize, 0usize, 0usize);
            for _ in 0..rounds {
                let (ok, bad) =
                    round(proxied_source, target, Arc::clone(&with), d, concurrency).await;
                a += ok;
                fails += bad;
                let (ok, bad) =
                    round(plain_source, target, Arc::clone(&without), d, concurrency).await;
                b += ok;
                fails += bad;
            }
            let secs = d.as_secs_f64() * rounds as f64;
            let (cps_v2, cps_plain) = (a as f64 / secs, b as f64 / secs);
            json!({
                "mode": "cps",
                "seconds_each": secs,
                "concurrency": concurrency,
                "cps_v2_header": cps_v2,
                "cps_no_header": cps_plain,
                "ratio_v2_over_plain": cps_v2 / cps_plain,
                "failed": fails,
            })
        }
        Mode::Idle {
            target,
            count,
            hold_ms,
            server_pid,
            source,
        } => {
            let before = server_pid.and_then(rss_kib);
            let head = header(target);
            let half = &head[..head.len() / 2];
            let mut held = Vec::with_capacity(count);
            let t = Instant::now();
            for i in 0..count {
                let mut s = connect(next_source(source, i), target).await?;
                s.write_all(half).await?;
                held.push(s);
            }
            let opened_ms = ms(t.elapsed());
            tokio::time::sleep(Duration::from_millis(hold_ms)).await;
            let during = server_pid.and_then(rss_kib);
            // Still open: nobody was answered or closed while pending.
            let mut still_open = 0usize;
            for s in &mut held {
                let mut b = [0u8; 1];
                let idle = tokio::time::timeout(Duration::from_millis(1), s.read(&mut b)).await;
                still_open += usize::from(idle.is_err());
            }
            drop(held);
            json!({
                "mode": "idle",
                "count": count,
                "opened_ms": opened_ms,
                "still_pending": still_open,
                "server_rss_before_kib": before,
                "server_rss_held_kib": during,
                "per_connection_bytes": match (before, during) {
                    (Some(b), Some(d)) => Some((d.saturating_sub(b) * 1024) as f64 / count.max(1) as f64),
                    _ => None,
                },
            })
        }
    };
    let mut out = cli_io::Output::new();
    out.json_line(&report)?;
    out.flush()?;
    Ok(())
}
