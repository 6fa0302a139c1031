//! A load generator for SRS lookup servers: `hostkit srs serve` (over tcp_table and over
//! socketmap) and postsrsd 1.10 (tcp_table), started side by side on loopback with one
//! secret, driven by the same clients in the same run.
//!
//! ```text
//! srs_load --hostkit target/release/hostkit [--postsrsd /usr/sbin/postsrsd]
//!          [--connections 64] [--depth 16] [--seconds 3] [--rate 50000]
//! ```
//!
//! Two phases per server: as fast as it goes (every connection keeps `depth` pipelined
//! lookups in flight), then at a fixed rate spread over the connections. Each reports
//! lookups per second, p50/p99/max latency and the servers' resident memory (for
//! postsrsd, which forks a child per connection, the parent and all its children).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use hostkit_examples::cli_io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Command line of the load generator.
#[derive(Debug, Parser)]
#[command(about = "Load generator: hostkit srs serve against postsrsd, side by side")]
struct Opts {
    /// The hostkit binary (build it with --release).
    #[arg(long)]
    hostkit: PathBuf,
    /// The postsrsd 1.x binary; leave it out to measure hostkit alone.
    #[arg(long)]
    postsrsd: Option<PathBuf>,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Lookups in flight per connection in the throughput phase.
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Seconds per phase.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Lookups per second, over all connections, in the fixed-rate phase.
    #[arg(long, default_value_t = 50_000)]
    rate: u64,
}

/// A server process, stopped (with its children) when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        for pid in children(self.child.id()) {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PIDs whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    // pid (comm) state ppid ...
                    let after = s.rsplit_once(')')?.1;
                    after.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// CPU time of `pid` and its children, in clock ticks (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    let one = |p: u32| {
        std::fs::read_to_string(format!("/proc/{p}/stat"))
            .ok()
            .and_then(|s| {
                let f: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
                // After the command: state ppid ... utime is the 12th, stime the 13th.
                Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
            })
            .unwrap_or(0)
    };
    one(pid) + children(pid).into_iter().map(one).sum::<u64>()
}

/// Resident memory of `pid` (and its children) in KiB.
fn rss_kib(pid: u32) -> u64 {
    let one = |p: u32| {
        std::fs::read_to_string(format!("/proc/{p}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .unwrap_or(0)
    };
    one(pid) + children(pid).into_iter().map(one).sum::<u64>()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_listening(port: u16) -> anyhow::Result<()> {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    anyhow::bail!("nothing listens on port {port}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    TcpTable,
    Socketmap,
}

/// The senders looked up, as encoded requests.
fn requests(wire: Wire) -> Vec<Vec<u8>> {
    (0..4096u32)
        .map(|i| {
            let key = format!(
                "user{}.{}@mail{}.example{}.com",
                i,
                i.wrapping_mul(2_654_435_761) % 9973,
                i % 31,
                i % 7
            );
            match wire {
                Wire::TcpTable => format!("get {key}\n").into_bytes(),
                Wire::Socketmap => {
                    let p = format!("forward {key}");
                    format!("{}:{p},", p.len()).into_bytes()
                }
            }
        })
        .collect()
}

/// Find the whole replies at the start of `buf`: push whether each was positive, return
/// the bytes they take.
fn split_replies(buf: &[u8], wire: Wire, ok: &mut Vec<bool>) -> usize {
    let mut at = 0;
    loop {
        let rest = &buf[at..];
        match wire {
            Wire::TcpTable => {
                let Some(i) = rest.iter().position(|&b| b == b'\n') else {
                    return at;
                };
                ok.push(rest.starts_with(b"200 "));
                at += i + 1;
            }
            Wire::Socketmap => {
                let Some(colon) = rest.iter().position(|&b| b == b':') else {
                    return at;
                };
                let Some(n) = std::str::from_utf8(&rest[..colon])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                else {
                    // Not a netstring: count it as an error and drop the buffer.
                    ok.push(false);
                    return buf.len();
                };
                let end = colon + 1 + n + 1;
                if rest.len() < end {
                    return at;
                }
                ok.push(rest[colon + 1..].starts_with(b"OK "));
                at += end;
            }
        }
    }
}

/// What a phase measured.
struct Measured {
    lookups: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    errors: usize,
    /// The server's largest resident memory seen during the phase, in KiB.
    peak_rss_kib: u64,
    /// The server's CPU use during the phase, in cores (1.0 = one core busy).
    cores: f64,
}

/// Run one phase: `connections` clients on `port` for `seconds`; `rate` None = as fast
/// as `depth` in-flight lookups per connection allow.
async fn phase(
    pid: u32,
    port: u16,
    wire: Wire,
    connections: usize,
    depth: usize,
    seconds: f64,
    rate: Option<u64>,
) -> anyhow::Result<Measured> {
    let reqs = Arc::new(requests(wire));
    let duration = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let reqs = Arc::clone(&reqs);
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        tasks.push(tokio::spawn(async move {
            let (mut r, mut w) = stream.into_split();
            let sent: Arc<Mutex<VecDeque<Instant>>> = Arc::new(Mutex::new(VecDeque::new()));
            // Bounds what is in flight: `depth` when closed-loop, a generous cap when paced.
            let window = Arc::new(Semaphore::new(if rate.is_some() { 4096 } else { depth }));
            let writer = {
                let sent = Arc::clone(&sent);
                let window = Arc::clone(&window);
                tokio::spawn(async move {
                    let per_conn = rate.map(|r| r as f64 / connections as f64);
                    let mut i = c * 97;
                    let mut n_sent: u64 = 0;
                    let mut batch = Vec::with_capacity(4096);
                    while start.elapsed() < duration {
                        let want = match per_conn {
                            Some(r) => {
                                let due = (start.elapsed().as_secs_f64() * r) as u64;
                                if due <= n_sent {
                                    tokio::time::sleep(Duration::from_micros(500)).await;
                                    continue;
                                }
                                due - n_sent
                            }
                            // Refill the window in one write.
                            None => window.available_permits().max(1) as u64,
                        };
                        batch.clear();
                        for _ in 0..want {
                            let Ok(p) = window.acquire().await else {
                                return;
                            };
                            p.forget();
                            batch.extend_from_slice(&reqs[i % reqs.len()]);
                            i += 1;
                        }
                        {
                            let now = Instant::now();
                            let mut q = sent
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            for _ in 0..want {
                                q.push_back(now);
                            }
                        }
                        if w.write_all(&batch).await.is_err() {
                            return;
                        }
                        n_sent += want;
                    }
                    // Done sending: half-close so the server ends the stream after the replies.
                    let _ = w.shutdown().await;
                })
            };
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
            let mut ok_flags = Vec::new();
            loop {
                match r.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                // Every whole reply in the buffer, handled at once.
                ok_flags.clear();
                let used = split_replies(&buf, wire, &mut ok_flags);
                buf.drain(..used);
                if ok_flags.is_empty() {
                    continue;
                }
                let now = Instant::now();
                {
                    let mut q = sent
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    for _ in 0..ok_flags.len() {
                        if let Some(t0) = q.pop_front() {
                            let us = now.duration_since(t0).as_micros();
                            lat.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                    }
                }
                errors += ok_flags.iter().filter(|ok| !**ok).count();
                window.add_permits(ok_flags.len());
            }
            let _ = writer.await;
            (lat, errors)
        }));
    }
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        let first = (start.elapsed(), cpu_ticks(pid));
        let mut last = first;
        while start.elapsed() < duration {
            tokio::time::sleep(Duration::from_millis(250)).await;
            peak = peak.max(rss_kib(pid));
            last = (start.elapsed(), cpu_ticks(pid));
        }
        // Linux reports CPU time in ticks of 1/100 s.
        let secs = (last.0 - first.0).as_secs_f64();
        let cores = (last.1 - first.1) as f64 / 100.0 / secs.max(1e-3);
        (peak, cores)
    });
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        latencies_us.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies_us.sort_unstable();
    let (peak_rss_kib, cores) = sampler.await?;
    Ok(Measured {
        lookups: latencies_us.len(),
        elapsed,
        latencies_us,
        errors,
        peak_rss_kib,
        cores,
    })
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

/// Print one line; the lookups per second and per CPU-second.
fn report(name: &str, phase: &str, m: &Measured) -> (f64, f64) {
    let rss = m.peak_rss_kib;
    let rate = m.lookups as f64 / m.elapsed.as_secs_f64();
    println!(
        "{name:<28} {phase:<11} {rate:>8.0} lookups/s  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>8.3} ms  errors {}  RSS {:.1} MiB  CPU {:.2} cores ({:.0} lookups/CPU-s)",
        percentile(&m.latencies_us, 0.50),
        percentile(&m.latencies_us, 0.99),
        percentile(&m.latencies_us, 1.0),
        m.errors,
        rss as f64 / 1024.0,
        m.cores,
        rate / m.cores.max(1e-3)
    );
    (rate, rate / m.cores.max(1e-3))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Opts::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("srs_load: {e:#}");
            ExitCode::from(cli_io::EXIT_USAGE)
        }
    }
}

fn start_hostkit(
    bin: &Path,
    secret: &Path,
    socketmap: u16,
    fwd: u16,
    rev: u16,
) -> anyhow::Result<Server> {
    let child = Command::new(bin)
        .args([
            "srs",
            "serve",
            "--domain",
            "fwd.example.net",
            "--log-level",
            "warn",
        ])
        .arg("--secret-file")
        .arg(secret)
        .args(["--socketmap", &format!("127.0.0.1:{socketmap}")])
        .args(["--tcp-forward", &format!("127.0.0.1:{fwd}")])
        .args(["--tcp-reverse", &format!("127.0.0.1:{rev}")])
        .stdout(Stdio::null())
        .spawn()?;
    let s = Server { child };
    wait_listening(socketmap)?;
    wait_listening(fwd)?;
    Ok(s)
}

fn start_postsrsd(bin: &Path, secret: &Path, fwd: u16, rev: u16) -> anyhow::Result<Server> {
    let child = Command::new(bin)
        .arg("-s")
        .arg(secret)
        .args(["-d", "fwd.example.net", "-l", "127.0.0.1", "-4"])
        .args(["-f", &fwd.to_string(), "-r", &rev.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let s = Server { child };
    wait_listening(fwd)?;
    Ok(s)
}

async fn run(o: Opts) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("srs-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let secret = dir.join("secret");
    std::fs::write(&secret, "load-test-s3cret\n")?;
    std::fs::set_permissions(
        &secret,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )?;
    let (sm, hf, hr) = (free_port()?, free_port()?, free_port()?);
    let hostkit = start_hostkit(&o.hostkit, &secret, sm, hf, hr)?;
    let postsrsd = match &o.postsrsd {
        Some(bin) => {
            let (pf, pr) = (free_port()?, free_port()?);
            Some((start_postsrsd(bin, &secret, pf, pr)?, pf))
        }
        None => None,
    };
    println!(
        "{} connections, {} lookups in flight each (throughput), {} lookups/s (fixed rate), {} s a phase",
        o.connections, o.depth, o.rate, o.seconds
    );
    let mut targets = vec![
        (
            "hostkit srs serve tcp_table",
            hostkit.child.id(),
            hf,
            Wire::TcpTable,
        ),
        (
            "hostkit srs serve socketmap",
            hostkit.child.id(),
            sm,
            Wire::Socketmap,
        ),
    ];
    if let Some((server, port)) = &postsrsd {
        targets.push((
            "postsrsd 1.10 tcp_table",
            server.child.id(),
            *port,
            Wire::TcpTable,
        ));
    }
    let mut rates = Vec::new();
    for (name, pid, port, wire) in targets {
        let (c, d, secs) = (o.connections, o.depth, o.seconds);
        let m = phase(pid, port, wire, c, d, secs, None).await?;
        rates.push(report(name, "throughput", &m));
        let m = phase(pid, port, wire, c, d, secs, Some(o.rate)).await?;
        report(name, "fixed rate", &m);
    }
    if rates.len() == 3 {
        println!(
            "over tcp_table, hostkit / postsrsd: {:.1}x the lookups/s, {:.1}x the lookups per CPU-second",
            rates[0].0 / rates[2].0,
            rates[0].1 / rates[2].1
        );
    }
    drop(postsrsd);
    drop(hostkit);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
