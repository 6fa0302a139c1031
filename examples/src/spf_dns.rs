//! Driving the sans-IO SPF evaluator with real DNS through hickory-resolver.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use hostkit_spf::{Answer, Evaluator, Outcome, Query, QueryType, Step, Tree, TreeWalker};

/// The DNS server used when none is given.
pub const DEFAULT_SERVER: &str = "127.0.0.1:53";

/// A resolver that asks exactly one server (UDP), with short timeouts.
///
/// # Errors
///
/// When the resolver cannot be built.
pub fn resolver(server: SocketAddr) -> anyhow::Result<TokioResolver> {
    let mut ns = NameServerConfig::udp(server.ip());
    for c in &mut ns.connections {
        c.port = server.port();
    }
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    let opts = builder.options_mut();
    opts.timeout = Duration::from_secs(3);
    opts.attempts = 2;
    opts.ndots = 0;
    builder.build().context("building the resolver")
}

fn record_type(q: QueryType) -> RecordType {
    match q {
        QueryType::Txt => RecordType::TXT,
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
        QueryType::Mx => RecordType::MX,
        QueryType::Ptr => RecordType::PTR,
    }
}

/// Resolve one question of the evaluator.
pub async fn answer(resolver: &TokioResolver, q: &Query) -> Answer {
    let name = format!("{}.", q.name);
    let lookup = match resolver.lookup(name.as_str(), record_type(q.qtype)).await {
        Ok(l) => l,
        Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => {
            return if nr.response_code == ResponseCode::NXDomain {
                Answer::NxDomain
            } else {
                Answer::NoData
            };
        }
        Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain))) => {
            return Answer::NxDomain;
        }
        Err(_) => return Answer::TempError,
    };
    let data = lookup.answers().iter().map(|r| &r.data);
    let answer = match q.qtype {
        QueryType::Txt => Answer::Txt(
            data.filter_map(|d| match d {
                RData::TXT(t) => Some(t.txt_data.iter().map(|c| c.to_vec()).collect()),
                _ => None,
            })
            .collect(),
        ),
        QueryType::A => Answer::A(
            data.filter_map(|d| match d {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect(),
        ),
        QueryType::Aaaa => Answer::Aaaa(
            data.filter_map(|d| match d {
                RData::AAAA(a) => Some(a.0),
                _ => None,
            })
            .collect(),
        ),
        QueryType::Mx => Answer::Mx(
            data.filter_map(|d| match d {
                RData::MX(m) => Some((m.preference, m.exchange.to_ascii())),
                _ => None,
            })
            .collect(),
        ),
        QueryType::Ptr => Answer::Ptr(
            data.filter_map(|d| match d {
                RData::PTR(p) => Some(p.0.to_ascii()),
                _ => None,
            })
            .collect(),
        ),
    };
    match &answer {
        Answer::Txt(v) if v.is_empty() => Answer::NoData,
        Answer::A(v) if v.is_empty() => Answer::NoData,
        Answer::Aaaa(v) if v.is_empty() => Answer::NoData,
        Answer::Mx(v) if v.is_empty() => Answer::NoData,
        Answer::Ptr(v) if v.is_empty() => Answer::NoData,
        _ => answer,
    }
}

/// Run a check to its end against `resolver`, within the 20 seconds RFC 7208
/// section 4.6.4 suggests (a temperror past that). Every question the evaluator
/// lists is resolved at once (the exchanges of an `mx`, the PTR names); the answers
/// are given back as they arrive.
pub async fn run(mut ev: Evaluator, resolver: &TokioResolver) -> Outcome {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut inflight = tokio::task::JoinSet::new();
    let mut asked: HashSet<Query> = HashSet::new();
    loop {
        let pending: Vec<Query> = match ev.step() {
            Step::Done(o) => return o.clone(),
            Step::Queries(qs) => qs.to_vec(),
        };
        for q in &pending {
            if asked.insert(q.clone()) {
                let resolver = resolver.clone();
                let q = q.clone();
                inflight.spawn(async move {
                    let a = answer(&resolver, &q).await;
                    (q, a)
                });
            }
        }
        match tokio::time::timeout_at(deadline, inflight.join_next()).await {
            Ok(Some(Ok((q, a)))) => {
                // Every question was asked by the evaluator, so it takes the answer.
                let _ = ev.answer(&q, a);
            }
            // Out of time, or a lookup task that died: what is missing failed.
            _ => {
                for q in pending {
                    let _ = ev.answer(&q, Answer::TempError);
                }
            }
        }
    }
}

/// Run a check on a fresh current-thread runtime, asking `server` (IP:PORT, default
/// [`DEFAULT_SERVER`]).
///
/// # Errors
///
/// A bad server address, or a runtime or resolver that cannot be built.
pub fn check(ev: Evaluator, server: Option<&str>) -> anyhow::Result<Outcome> {
    let (rt, server) = runtime_for(server)?;
    rt.block_on(async {
        let resolver = resolver(server)?;
        Ok(run(ev, &resolver).await)
    })
}

/// The server address (IP:PORT, default [`DEFAULT_SERVER`]) and a current-thread runtime
/// to ask it from.
fn runtime_for(server: Option<&str>) -> anyhow::Result<(tokio::runtime::Runtime, SocketAddr)> {
    let server: SocketAddr = server
        .unwrap_or(DEFAULT_SERVER)
        .parse()
        .context("the DNS server must be IP:PORT")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    Ok((rt, server))
}

/// Walk the SPF tree of `domain` through `server` (IP:PORT, default
/// [`DEFAULT_SERVER`]), resolving all the questions the walker has outstanding at
/// once, within 20 seconds in all (unanswered questions count as failed lookups).
///
/// # Errors
///
/// A bad server address, or a runtime or resolver that cannot be built.
pub fn walk(domain: &str, server: Option<&str>) -> anyhow::Result<Tree> {
    let (rt, server) = runtime_for(server)?;
    rt.block_on(async {
        let resolver = resolver(server)?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let mut walker = TreeWalker::new(domain);
        loop {
            let batch: Vec<Query> = walker.pending().cloned().collect();
            if batch.is_empty() {
                break;
            }
            let answers = resolve_all(&resolver, &batch, deadline).await;
            for (q, a) in batch.iter().zip(answers) {
                walker.answer_query(q, a);
            }
        }
        Ok(walker.finish())
    })
}

async fn resolve_all(
    resolver: &TokioResolver,
    batch: &[Query],
    deadline: tokio::time::Instant,
) -> Vec<Answer> {
    let mut set = tokio::task::JoinSet::new();
    for (i, q) in batch.iter().enumerate() {
        let r = resolver.clone();
        let q = q.clone();
        set.spawn(async move {
            let a = tokio::time::timeout_at(deadline, answer(&r, &q))
                .await
                .unwrap_or(Answer::TempError);
            (i, a)
        });
    }
    let mut out = vec![Answer::TempError; batch.len()];
    while let Some(done) = set.join_next().await {
        if let Ok((i, a)) = done {
            out[i] = a;
        }
    }
    out
}
