//! A small in-memory zone that answers [`Discovery`] the way an authoritative server
//! with a resolver in front of it would: for tests, tools and dry runs.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::Caa;
use crate::discovery::{Answer, Discovery, Outcome, Step};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Node {
    caa: Vec<Caa>,
    cname: Option<String>,
    dname: Option<String>,
    servfail: bool,
}

/// Names with CAA, CNAME and DNAME records, or a failing lookup.
///
/// Lookups follow RFC 1034 section 4.3.2 and RFC 6672: a DNAME above the queried
/// name answers with the DNAME, a CNAME at it with the CNAME, a name with no records
/// but names below it with NODATA, and an unknown name with NXDOMAIN. Names compare
/// ASCII case-insensitively; a trailing dot is ignored.
///
/// ```
/// use hostkit_caa::{Outcome, StaticZone};
///
/// let mut zone = StaticZone::new();
/// zone.add_caa("example.com", "0 issue \"ca.example\"".parse().unwrap());
/// zone.add_cname("www.example.com", "cdn.example.net");
/// let outcome = zone.discover("www.example.com").unwrap();
/// assert!(matches!(outcome, Outcome::Found { relevant_name, .. } if relevant_name == "example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticZone {
    nodes: BTreeMap<String, Node>,
}

fn key(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

impl StaticZone {
    /// An empty zone.
    #[must_use]
    pub fn new() -> Self {
        StaticZone::default()
    }

    fn node(&mut self, name: &str) -> &mut Node {
        self.nodes.entry(key(name)).or_default()
    }

    /// Add a CAA record at `name`.
    pub fn add_caa(&mut self, name: &str, record: Caa) {
        self.node(name).caa.push(record);
    }

    /// Make `name` an alias for `target`.
    pub fn add_cname(&mut self, name: &str, target: &str) {
        self.node(name).cname = Some(String::from(target));
    }

    /// Map the names below `name` to the names below `target`.
    pub fn add_dname(&mut self, name: &str, target: &str) {
        self.node(name).dname = Some(String::from(target));
    }

    /// Make every lookup of `name` fail.
    pub fn add_servfail(&mut self, name: &str) {
        self.node(name).servfail = true;
    }

    /// The answer to a CAA query for `qname`.
    #[must_use]
    pub fn answer(&self, qname: &str) -> Answer {
        let q = key(qname);
        // A DNAME at a proper ancestor rewrites the query.
        let mut rest = q.as_str();
        while let Some(i) = rest.find('.') {
            rest = &rest[i + 1..];
            if let Some(Node {
                dname: Some(target),
                ..
            }) = self.nodes.get(rest)
            {
                return Answer::Dname {
                    owner: String::from(rest),
                    target: target.clone(),
                };
            }
        }
        match self.nodes.get(&q) {
            Some(n) if n.servfail => Answer::ServFail,
            Some(Node { cname: Some(t), .. }) => Answer::Cname(t.clone()),
            Some(Node {
                dname: Some(t),
                caa,
                ..
            }) if caa.is_empty() => Answer::Dname {
                owner: q.clone(),
                target: t.clone(),
            },
            Some(n) if !n.caa.is_empty() => Answer::Records(n.caa.clone()),
            Some(_) => Answer::NoData,
            None => {
                let below = self.nodes.keys().any(|k| {
                    k.len() > q.len() + 1
                        && k.ends_with(q.as_str())
                        && k.as_bytes()[k.len() - q.len() - 1] == b'.'
                });
                if below {
                    Answer::NoData
                } else {
                    Answer::NxDomain
                }
            }
        }
    }

    /// Drive a discovery to its end with this zone's answers.
    pub fn drive(&self, discovery: &mut Discovery) -> Outcome {
        loop {
            let a = match discovery.step() {
                Step::Query(q) => self.answer(q),
                Step::Done(o) => return o.clone(),
            };
            discovery.answer(a);
        }
    }

    /// Run the climb for `name` (`*.` allowed) against this zone.
    ///
    /// # Errors
    ///
    /// As [`Discovery::new`].
    pub fn discover(&self, name: &str) -> Result<Outcome, crate::Error> {
        let mut d = Discovery::new(name)?;
        Ok(self.drive(&mut d))
    }
}
