//! An in-memory DNS built from the `zonedata` of the openspf test suite, with the
//! suite's driver rules:
//! - an `SPF` entry is also served as TXT unless the name has its own TXT entries;
//!   the value `NONE` is never served;
//! - a bare `TIMEOUT` entry is a temporary error when no record of the asked type came
//!   before it, and ends the answer otherwise; `{TYPE: TIMEOUT}` fails that type only;
//! - a name missing from the zone does not exist, except names under `error.`, which
//!   fail temporarily;
//! - CNAMEs are followed (up to 10 links; a loop is a temporary error).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use hostkit_spf::{Answer, Query, QueryType};
use serde_yaml_ng::Value;

/// One name's data.
#[derive(Debug, Clone)]
enum Entry {
    Timeout,
    Records(Vec<(String, Value)>),
}

/// A zone in the suite's `zonedata` format.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    names: HashMap<String, Entry>,
}

fn norm(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Zone {
    /// Build a zone from a `zonedata` mapping (a missing or null value is an empty zone).
    ///
    /// # Errors
    ///
    /// A description of the first malformed entry.
    pub fn from_value(v: &Value) -> Result<Self, String> {
        let mut zone = Self::default();
        let map = match v {
            Value::Null => return Ok(zone),
            Value::Mapping(m) => m,
            _ => return Err("zonedata is not a mapping".into()),
        };
        for (k, v) in map {
            let name = scalar(k).ok_or("a zone name is not a string")?;
            let entry = match v {
                Value::String(s) if s == "TIMEOUT" => Entry::Timeout,
                Value::Sequence(items) => {
                    let mut recs = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) if s == "TIMEOUT" => {
                                recs.push(("TIMEOUT".to_string(), Value::Null));
                            }
                            Value::Mapping(m) if m.len() == 1 => {
                                let (t, val) = m.iter().next().expect("one entry");
                                let t = scalar(t).ok_or("a record type is not a string")?;
                                recs.push((t.to_ascii_uppercase(), val.clone()));
                            }
                            other => return Err(format!("{name}: bad record {other:?}")),
                        }
                    }
                    Entry::Records(recs)
                }
                Value::Null => Entry::Records(Vec::new()),
                other => return Err(format!("{name}: bad entry {other:?}")),
            };
            zone.names.insert(norm(&name), entry);
        }
        Ok(zone)
    }

    /// Parse a YAML document holding a `zonedata` mapping, or the mapping itself.
    ///
    /// # Errors
    ///
    /// A description of the YAML or zone error.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        let v: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        match v.get("zonedata") {
            Some(z) => Self::from_value(z),
            None => Self::from_value(&v),
        }
    }

    /// Answer a question the way the suite's drivers do.
    #[must_use]
    pub fn answer(&self, q: &Query) -> Answer {
        self.lookup(&q.name, q.qtype, 0)
    }

    fn lookup(&self, name: &str, qtype: QueryType, depth: usize) -> Answer {
        let name = norm(name);
        if name.split('.').any(|l| l.len() > 63) {
            return Answer::TempError;
        }
        let Some(entry) = self.names.get(&name) else {
            return if name.starts_with("error.") {
                Answer::TempError
            } else {
                Answer::NxDomain
            };
        };
        let recs = match entry {
            Entry::Timeout => return Answer::TempError,
            Entry::Records(r) => r,
        };
        let want = qtype.as_str();
        let has_txt = recs.iter().any(|(t, _)| t == "TXT");
        let mut found: Vec<&Value> = Vec::new();
        for (t, v) in recs {
            if t == "TIMEOUT" {
                if found.is_empty() {
                    return Answer::TempError;
                }
                break;
            }
            let t = if t == "SPF" && !has_txt {
                "TXT"
            } else {
                t.as_str()
            };
            if t != want {
                continue;
            }
            match v {
                Value::String(s) if s == "TIMEOUT" => return Answer::TempError,
                Value::String(s) if s == "NONE" => continue,
                _ => found.push(v),
            }
        }
        if found.is_empty() {
            if let Some((_, target)) = recs.iter().find(|(t, _)| t == "CNAME") {
                if depth >= 10 {
                    return Answer::TempError;
                }
                return match scalar(target) {
                    Some(t) if norm(&t) != name => self.lookup(&t, qtype, depth + 1),
                    _ => Answer::TempError,
                };
            }
            return Answer::NoData;
        }
        match qtype {
            QueryType::Txt => Answer::Txt(
                found
                    .iter()
                    .map(|v| match v {
                        Value::Sequence(parts) => parts
                            .iter()
                            .map(|p| scalar(p).unwrap_or_default().into_bytes())
                            .collect(),
                        other => vec![scalar(other).unwrap_or_default().into_bytes()],
                    })
                    .collect(),
            ),
            QueryType::A => Answer::A(
                found
                    .iter()
                    .filter_map(|v| scalar(v)?.parse::<Ipv4Addr>().ok())
                    .collect(),
            ),
            QueryType::Aaaa => Answer::Aaaa(
                found
                    .iter()
                    .filter_map(|v| scalar(v)?.parse::<Ipv6Addr>().ok())
                    .collect(),
            ),
            QueryType::Mx => Answer::Mx(
                found
                    .iter()
                    .filter_map(|v| match v {
                        Value::Sequence(p) if p.len() == 2 => {
                            let pref = p[0].as_u64().and_then(|n| u16::try_from(n).ok())?;
                            Some((pref, scalar(&p[1])?))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            QueryType::Ptr => Answer::Ptr(found.iter().filter_map(|v| scalar(v)).collect()),
        }
    }
}
