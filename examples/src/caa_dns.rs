//! CAA discovery over real DNS: hickory-resolver answers the lookups that
//! [`hostkit_caa::Discovery`] asks for.

use std::net::SocketAddr;

use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use hostkit_caa::{Answer, Caa, Discovery, FLAG_CRITICAL, Outcome, Step};

/// A resolver that sends every query to one server (UDP, then TCP on truncation).
///
/// # Errors
///
/// When hickory-resolver cannot be built.
pub fn resolver_for(server: SocketAddr) -> anyhow::Result<TokioResolver> {
    let mut ns = NameServerConfig::udp_and_tcp(server.ip());
    for c in &mut ns.connections {
        c.port = server.port();
    }
    let config = ResolverConfig::from_name_servers(vec![ns]);
    Ok(Resolver::builder_with_config(config, TokioRuntimeProvider::default()).build()?)
}

/// Look up the CAA records of one name, as the discovery machine needs the answer.
/// Any failure, and any record this crate cannot read, is a failed lookup.
pub async fn lookup_caa(resolver: &TokioResolver, name: &str) -> Answer {
    let fqdn = format!("{name}.");
    match resolver.lookup(fqdn.as_str(), RecordType::CAA).await {
        Ok(lookup) => {
            let mut records = Vec::new();
            for r in lookup.answers() {
                if let RData::CAA(c) = &r.data {
                    let flags =
                        c.reserved_flags | if c.issuer_critical { FLAG_CRITICAL } else { 0 };
                    match Caa::new(flags, &c.tag, c.value.clone()) {
                        Ok(rec) => records.push(rec),
                        Err(_) => return Answer::ServFail,
                    }
                }
            }
            if records.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(records)
            }
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(nr))) => {
            if nr.response_code == ResponseCode::NXDomain {
                Answer::NxDomain
            } else {
                Answer::NoData
            }
        }
        Err(_) => Answer::ServFail,
    }
}

/// Run the climb with real lookups; returns the outcome and the names asked for.
pub async fn discover(
    resolver: &TokioResolver,
    mut discovery: Discovery,
) -> (Outcome, Vec<String>) {
    let mut asked = Vec::new();
    loop {
        let name = match discovery.step() {
            Step::Query(q) => q.to_owned(),
            Step::Done(o) => return (o.clone(), asked),
        };
        let answer = lookup_caa(resolver, &name).await;
        asked.push(name);
        discovery.answer(answer);
    }
}
