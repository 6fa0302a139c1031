//! The sans-IO `check_host()` evaluator (RFC 7208 sections 4 to 6).
//!
//! The [`Evaluator`] never touches the network: [`Evaluator::step`] returns the next
//! DNS [`Query`] it needs, the caller resolves it however it likes and hands the
//! [`Answer`] to [`Evaluator::answer`], until `step` returns the [`Outcome`]. Each step
//! re-runs the evaluation over the answers gathered so far (they are deterministic),
//! so the machine holds no self-references and is `Send`; the number of distinct
//! questions is bounded by the limits of section 4.6.4, so the total work is too.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::macro_string::{MacroString, MacroVars, push_dotted_ip};
use crate::record::{Directive, DualCidr, Mechanism, Record};
use crate::select::{Selected, select_record};

/// The DNS record types the evaluator asks for. Type 99 (SPF) is never queried
/// (section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum QueryType {
    /// TXT: SPF records and explanations.
    Txt,
    /// A: IPv4 addresses.
    A,
    /// AAAA: IPv6 addresses.
    Aaaa,
    /// MX: mail exchanges.
    Mx,
    /// PTR: reverse names.
    Ptr,
}

impl QueryType {
    /// The type's mnemonic, `TXT`, `A`, ...
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Txt => "TXT",
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Mx => "MX",
            Self::Ptr => "PTR",
        }
    }
}

/// A DNS question: a name (lowercase, no trailing dot) and a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Query {
    /// The name, lowercase, without a trailing dot.
    pub name: String,
    /// The record type.
    pub qtype: QueryType,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.qtype.as_str())
    }
}

/// The caller's answer to a [`Query`]. An answer of the wrong type counts as no data.
/// CNAMEs are the resolver's business: give the records at the end of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Answer {
    /// TXT records, each given as its character-strings (joined with nothing between).
    Txt(Vec<Vec<Vec<u8>>>),
    /// A records.
    A(Vec<Ipv4Addr>),
    /// AAAA records.
    Aaaa(Vec<Ipv6Addr>),
    /// MX records: preference and exchange name.
    Mx(Vec<(u16, String)>),
    /// PTR records: names.
    Ptr(Vec<String>),
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The name exists but has no record of this type.
    NoData,
    /// A timeout, a server failure or any other error: the result becomes temperror
    /// where the RFC says so.
    TempError,
}

/// The result of a check (section 2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum SpfResult {
    /// No record, or a malformed domain.
    None,
    /// The domain makes no assertion.
    Neutral,
    /// The client is authorized.
    Pass,
    /// The client is not authorized.
    Fail,
    /// Probably not authorized.
    SoftFail,
    /// A transient DNS error.
    TempError,
    /// The domain's records are broken.
    PermError,
}

impl SpfResult {
    /// The lowercase result word used in headers.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Neutral => "neutral",
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<crate::record::Qualifier> for SpfResult {
    fn from(q: crate::record::Qualifier) -> Self {
        use crate::record::Qualifier;
        match q {
            Qualifier::Pass => Self::Pass,
            Qualifier::Fail => Self::Fail,
            Qualifier::SoftFail => Self::SoftFail,
            Qualifier::Neutral => Self::Neutral,
        }
    }
}

/// Which identity is checked (RFC 7208 section 2.3, 2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Identity {
    /// The MAIL FROM address.
    MailFrom,
    /// The HELO/EHLO name.
    Helo,
}

/// What a finished check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Outcome {
    /// The result.
    pub result: SpfResult,
    /// On `fail`, the explanation (from `exp=`, or the default one).
    pub explanation: Option<String>,
    /// The directive of the checked domain's record that decided, in canonical form.
    pub mechanism: Option<String>,
    /// For `permerror`/`temperror`, why.
    pub problem: Option<String>,
    /// DNS-querying terms evaluated (section 4.6.4; at most 10 unless that was the error).
    pub lookups: usize,
    /// Lookups that found nothing (NXDOMAIN or no data).
    pub void_lookups: usize,
    /// DNS questions asked.
    pub queries: usize,
    /// What the evaluation did, one line per step.
    pub trace: Vec<String>,
    /// The identity checked.
    pub identity: Identity,
    /// The domain checked.
    pub domain: String,
    /// The sender, as `local@domain` after the postmaster rule.
    pub sender: String,
    /// The client address (IPv4-mapped IPv6 turned into IPv4).
    pub ip: IpAddr,
    /// The HELO name given, if any.
    pub helo: Option<String>,
}

/// One step of the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Resolve this and call [`Evaluator::answer`].
    Query(Query),
    /// The check is over.
    Done(Outcome),
}

/// The processing limits of section 4.6.4 (the defaults are the RFC's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// DNS-querying terms per check (10).
    pub lookups: usize,
    /// Address lookups per `mx` (10; more MX names is a permerror).
    pub mx_names: usize,
    /// PTR names considered (10; the rest are ignored).
    pub ptr_names: usize,
    /// Void lookups (2).
    pub void_lookups: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            lookups: 10,
            mx_names: 10,
            ptr_names: 10,
            void_lookups: 2,
        }
    }
}

/// The default explanation (section 6.2), expanded as explanation text.
pub const DEFAULT_EXPLANATION: &str = "%{i} is not one of %{d}'s designated mail servers";

#[derive(Debug, Clone)]
struct Params {
    ip: IpAddr,
    domain: String,
    local: String,
    sender_domain: String,
    helo: Option<String>,
    identity: Identity,
    receiver: String,
    timestamp: u64,
    default_explanation: MacroString,
    limits: Limits,
}

/// The sans-IO `check_host()` state machine.
///
/// ```
/// use hostkit_spf::{Answer, Evaluator, SpfResult, Step};
/// let mut ev = Evaluator::check_host("192.0.2.10".parse().unwrap(), "example.com", "alice@example.com");
/// let outcome = loop {
///     match ev.step() {
///         Step::Query(q) => {
///             let answer = match (q.name.as_str(), q.qtype.as_str()) {
///                 ("example.com", "TXT") => Answer::Txt(vec![vec![b"v=spf1 ip4:192.0.2.0/24 -all".to_vec()]]),
///                 _ => Answer::NxDomain,
///             };
///             ev.answer(answer);
///         }
///         Step::Done(outcome) => break outcome,
///     }
/// };
/// assert_eq!(outcome.result, SpfResult::Pass);
/// assert_eq!(outcome.mechanism.as_deref(), Some("ip4:192.0.2.0/24"));
/// ```
#[derive(Debug, Clone)]
pub struct Evaluator {
    params: Params,
    cache: Vec<(Query, Answer)>,
    pending: Option<Query>,
    done: Option<Outcome>,
}

impl Evaluator {
    /// Check `domain` for mail from `sender` sent by `ip` (section 4). `sender` is
    /// `local@domain`; an empty local-part, or a sender with no `@`, uses `postmaster`.
    #[must_use]
    pub fn check_host(ip: IpAddr, domain: &str, sender: &str) -> Self {
        let (local, sender_domain) = match sender.rfind('@') {
            Some(i) => (&sender[..i], &sender[i + 1..]),
            None => ("", sender),
        };
        let local = if local.is_empty() {
            "postmaster"
        } else {
            local
        };
        Self::with(ip, domain, local, sender_domain, None, Identity::MailFrom)
    }

    /// Check the HELO identity: `check_host(ip, helo, "postmaster@" + helo)`
    /// (section 2.3).
    #[must_use]
    pub fn check_helo(ip: IpAddr, helo: &str) -> Self {
        Self::with(ip, helo, "postmaster", helo, Some(helo), Identity::Helo)
    }

    fn with(
        ip: IpAddr,
        domain: &str,
        local: &str,
        sender_domain: &str,
        helo: Option<&str>,
        identity: Identity,
    ) -> Self {
        Self {
            params: Params {
                ip: ip.to_canonical(),
                domain: domain.to_owned(),
                local: local.to_owned(),
                sender_domain: sender_domain.to_owned(),
                helo: helo.map(ToOwned::to_owned),
                identity,
                receiver: String::from("unknown"),
                timestamp: 0,
                default_explanation: MacroString::from_validated(DEFAULT_EXPLANATION),
                limits: Limits::default(),
            },
            cache: Vec::new(),
            pending: None,
            done: None,
        }
    }

    /// The HELO/EHLO name, for the `h` macro.
    #[must_use]
    pub fn helo(mut self, name: &str) -> Self {
        self.params.helo = Some(name.to_owned());
        self
    }

    /// The receiving host's name, for the `r` macro (default `unknown`).
    #[must_use]
    pub fn receiver(mut self, name: &str) -> Self {
        self.params.receiver = name.to_owned();
        self
    }

    /// The current time in seconds since the epoch, for the `t` macro (default 0).
    #[must_use]
    pub fn timestamp(mut self, unix_seconds: u64) -> Self {
        self.params.timestamp = unix_seconds;
        self
    }

    /// Replace the default explanation, an explanation macro string.
    ///
    /// # Errors
    ///
    /// [`crate::Error`] when `text` is not a valid explanation string.
    pub fn default_explanation(mut self, text: &str) -> Result<Self, crate::Error> {
        self.params.default_explanation = MacroString::explanation(text)?;
        Ok(self)
    }

    /// Replace the processing limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.params.limits = limits;
        self
    }

    /// Advance: the next question to answer, or the outcome.
    pub fn step(&mut self) -> Step {
        if let Some(o) = &self.done {
            return Step::Done(o.clone());
        }
        if let Some(q) = &self.pending {
            return Step::Query(q.clone());
        }
        let mut run = Run::new(&self.params, &self.cache);
        match run.top() {
            Ok(outcome) => {
                self.done = Some(outcome.clone());
                Step::Done(outcome)
            }
            Err(q) => {
                self.pending = Some(q.clone());
                Step::Query(q)
            }
        }
    }

    /// Answer the question the last [`Evaluator::step`] asked (ignored if none is
    /// pending).
    pub fn answer(&mut self, answer: Answer) {
        if let Some(q) = self.pending.take() {
            self.cache.push((q, answer));
        }
    }

    /// Drive the machine to its end with a synchronous resolver.
    pub fn run(mut self, mut resolve: impl FnMut(&Query) -> Answer) -> Outcome {
        loop {
            match self.step() {
                Step::Query(q) => {
                    let a = resolve(&q);
                    self.answer(a);
                }
                Step::Done(o) => return o,
            }
        }
    }
}

/// Why a run stopped early.
enum Stop {
    Need(Query),
    Perm(String),
    Temp(String),
}

type R<T> = Result<T, Stop>;

struct Decided {
    result: SpfResult,
    mechanism: Option<String>,
    /// The `exp=` of the record that decided, with that record's domain.
    exp: Option<(MacroString, String)>,
}

struct Run<'a> {
    p: &'a Params,
    cache: &'a [(Query, Answer)],
    lookups: usize,
    voids: usize,
    trace: Vec<String>,
    ptr_name: Option<Option<String>>,
}

fn normalize(name: &str) -> String {
    let n = name.strip_suffix('.').unwrap_or(name);
    n.to_ascii_lowercase()
}

/// A name that can be looked up: labels of 1 to 63 octets.
fn lookup_name_ok(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    !n.is_empty() && n.len() <= 253 && n.split('.').all(|l| !l.is_empty() && l.len() <= 63)
}

/// Section 4.3: a domain fit to check (fully qualified, sane labels, not a literal).
fn check_domain_ok(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    lookup_name_ok(n)
        && n.contains('.')
        && n.bytes()
            .all(|c| (0x21..=0x7e).contains(&c) && c != b'[' && c != b']')
        && n.rsplit('.')
            .next()
            .is_some_and(|t| !t.bytes().all(|c| c.is_ascii_digit()))
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

impl<'a> Run<'a> {
    fn new(p: &'a Params, cache: &'a [(Query, Answer)]) -> Self {
        Self {
            p,
            cache,
            lookups: 0,
            voids: 0,
            trace: Vec::new(),
            ptr_name: None,
        }
    }

    fn dns(&mut self, name: &str, qtype: QueryType) -> R<&'a Answer> {
        let name = normalize(name);
        match self
            .cache
            .iter()
            .find(|(q, _)| q.qtype == qtype && q.name == name)
        {
            Some((_, a)) => Ok(a),
            None => Err(Stop::Need(Query { name, qtype })),
        }
    }

    fn void(&mut self, what: &str) -> R<()> {
        self.voids += 1;
        self.trace.push(alloc::format!("void lookup: {what}"));
        if self.voids > self.p.limits.void_lookups {
            return Err(Stop::Perm(alloc::format!(
                "more than {} void lookups",
                self.p.limits.void_lookups
            )));
        }
        Ok(())
    }

    fn count_lookup(&mut self, term: &dyn fmt::Display) -> R<()> {
        self.lookups += 1;
        if self.lookups > self.p.limits.lookups {
            return Err(Stop::Perm(alloc::format!(
                "more than {} dns-querying terms at {term}",
                self.p.limits.lookups
            )));
        }
        Ok(())
    }

    fn top(&mut self) -> Result<Outcome, Query> {
        let p = self.p;
        let decided = self.check(&p.domain, 0);
        let (result, mechanism, exp, problem) = match decided {
            Ok(d) => (d.result, d.mechanism, d.exp, None),
            Err(Stop::Need(q)) => return Err(q),
            Err(Stop::Perm(m)) => (SpfResult::PermError, None, None, Some(m)),
            Err(Stop::Temp(m)) => (SpfResult::TempError, None, None, Some(m)),
        };
        let explanation = if result == SpfResult::Fail {
            match self.explain(exp) {
                Ok(e) => Some(e),
                Err(Stop::Need(q)) => return Err(q),
                Err(_) => Some(self.default_explanation(&p.domain)),
            }
        } else {
            None
        };
        Ok(Outcome {
            result,
            explanation,
            mechanism,
            problem,
            lookups: self.lookups,
            void_lookups: self.voids,
            queries: self.cache.len(),
            trace: core::mem::take(&mut self.trace),
            identity: p.identity,
            domain: p.domain.clone(),
            sender: alloc::format!("{}@{}", p.local, p.sender_domain),
            ip: p.ip,
            helo: p.helo.clone(),
        })
    }

    fn vars<'b>(&'b self, domain: &'b str, ptr: Option<&'b str>) -> MacroVars<'b> {
        MacroVars {
            local: &self.p.local,
            sender_domain: &self.p.sender_domain,
            domain,
            ip: self.p.ip,
            ptr,
            helo: self.p.helo.as_deref().unwrap_or(""),
            receiver: &self.p.receiver,
            timestamp: self.p.timestamp,
        }
    }

    fn default_explanation(&self, domain: &str) -> String {
        self.p
            .default_explanation
            .expand_text(&self.vars(domain, None))
    }

    fn expand_domain(&mut self, spec: &MacroString, domain: &str) -> R<String> {
        if !spec.has_macros() {
            let s = spec.as_str();
            return Ok(String::from(s.strip_suffix('.').unwrap_or(s)));
        }
        let ptr = if spec.uses_ptr() {
            self.ptr_macro(domain)?
        } else {
            None
        };
        Ok(spec.expand_domain(&self.vars(domain, ptr.as_deref())))
    }

    fn explain(&mut self, exp: Option<(MacroString, String)>) -> R<String> {
        let Some((spec, domain)) = exp else {
            return Ok(self.default_explanation(&self.p.domain));
        };
        let name = self.expand_domain(&spec, &domain)?;
        let fallback = self.default_explanation(&domain);
        if !lookup_name_ok(&name) {
            return Ok(fallback);
        }
        let Answer::Txt(rrs) = self.dns(&name, QueryType::Txt)? else {
            return Ok(fallback);
        };
        if rrs.len() != 1 {
            return Ok(fallback);
        }
        let text: Vec<u8> = rrs[0].iter().flatten().copied().collect();
        let Ok(text) = core::str::from_utf8(&text) else {
            return Ok(fallback);
        };
        let Ok(ms) = MacroString::explanation(text) else {
            return Ok(fallback);
        };
        let ptr = if ms.uses_ptr() {
            self.ptr_macro(&domain)?
        } else {
            None
        };
        Ok(ms.expand_text(&self.vars(&domain, ptr.as_deref())))
    }

    /// check_host() on one domain: record lookup, selection and evaluation.
    fn check(&mut self, domain: &str, depth: usize) -> R<Decided> {
        let none = Decided {
            result: SpfResult::None,
            mechanism: None,
            exp: None,
        };
        if !check_domain_ok(domain) {
            self.trace
                .push(alloc::format!("{domain}: not a valid domain, none"));
            return Ok(none);
        }
        let record = match self.dns(domain, QueryType::Txt)? {
            Answer::TempError => {
                return Err(Stop::Temp(alloc::format!(
                    "dns error looking up txt {domain}"
                )));
            }
            Answer::Txt(rrs) => match select_record(rrs.iter().map(|r| r.iter())) {
                Selected::Record(r) => r,
                Selected::None => {
                    self.trace.push(alloc::format!("{domain}: no spf record"));
                    return Ok(none);
                }
                Selected::Multiple(n) => {
                    return Err(Stop::Perm(alloc::format!("{domain}: {n} spf records")));
                }
                Selected::Invalid(e) => {
                    return Err(Stop::Perm(alloc::format!("{domain}: {e}")));
                }
            },
            _ => {
                if depth > 0 {
                    self.void(domain)?;
                }
                self.trace.push(alloc::format!("{domain}: no spf record"));
                return Ok(none);
            }
        };
        self.trace.push(alloc::format!("{domain}: {record}"));
        self.eval_record(&record, domain, depth)
    }

    fn eval_record(&mut self, record: &Record, domain: &str, depth: usize) -> R<Decided> {
        let exp = record.exp().map(|e| (e.clone(), domain.to_owned()));
        for d in record.directives() {
            if d.mechanism.queries_dns() {
                self.count_lookup(d)?;
            }
            if self.matches(d, domain, depth)? {
                self.trace.push(alloc::format!("{domain}: {d} matched"));
                return Ok(Decided {
                    result: d.qualifier.into(),
                    mechanism: Some(d.to_string()),
                    exp,
                });
            }
        }
        if let Some(target) = record.redirect() {
            self.count_lookup(&alloc::format!("redirect={target}"))?;
            let t = self.expand_domain(target, domain)?;
            self.trace.push(alloc::format!("{domain}: redirect to {t}"));
            let d = self.check(&t, depth + 1)?;
            if d.result == SpfResult::None {
                return Err(Stop::Perm(alloc::format!(
                    "redirect target {t} has no spf record"
                )));
            }
            return Ok(d);
        }
        Ok(Decided {
            result: SpfResult::Neutral,
            mechanism: None,
            exp,
        })
    }

    fn target(&mut self, spec: Option<&MacroString>, domain: &str) -> R<String> {
        match spec {
            Some(s) => self.expand_domain(s, domain),
            None => Ok(domain.to_owned()),
        }
    }

    fn matches(&mut self, d: &Directive, domain: &str, depth: usize) -> R<bool> {
        let ip = self.p.ip;
        match &d.mechanism {
            Mechanism::All => Ok(true),
            Mechanism::Ip4 { addr, prefix } => {
                Ok(in_net(ip, IpAddr::V4(*addr), prefix.unwrap_or(32)))
            }
            Mechanism::Ip6 { addr, prefix } => {
                Ok(in_net(ip, IpAddr::V6(*addr), prefix.unwrap_or(128)))
            }
            Mechanism::A { domain: spec, cidr } => {
                let t = self.target(spec.as_ref(), domain)?;
                self.addr_match(&t, *cidr, true)
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let t = self.target(spec.as_ref(), domain)?;
                self.mx_match(&t, *cidr)
            }
            Mechanism::Ptr(spec) => {
                let t = self.target(spec.as_ref(), domain)?;
                let names = self.validated_ptrs()?;
                Ok(names.iter().any(|n| name_within(n, &t)))
            }
            Mechanism::Exists(spec) => {
                let t = self.expand_domain(spec, domain)?;
                if !lookup_name_ok(&t) {
                    self.void(&t)?;
                    return Ok(false);
                }
                match self.dns(&t, QueryType::A)? {
                    Answer::A(v) if !v.is_empty() => Ok(true),
                    Answer::TempError => {
                        Err(Stop::Temp(alloc::format!("dns error looking up a {t}")))
                    }
                    _ => {
                        self.void(&t)?;
                        Ok(false)
                    }
                }
            }
            Mechanism::Include(spec) => {
                let t = self.expand_domain(spec, domain)?;
                self.trace.push(alloc::format!("{domain}: include {t}"));
                let inner = self.check(&t, depth + 1)?;
                match inner.result {
                    SpfResult::Pass => Ok(true),
                    SpfResult::None => Err(Stop::Perm(alloc::format!(
                        "include target {t} has no spf record"
                    ))),
                    _ => Ok(false),
                }
            }
        }
    }

    /// Address records of `name` in the client's family, within `cidr` of the client.
    /// `count_void`: whether an empty answer is a void lookup.
    fn addr_match(&mut self, name: &str, cidr: DualCidr, count_void: bool) -> R<bool> {
        if !lookup_name_ok(name) {
            if count_void {
                self.void(name)?;
            }
            return Ok(false);
        }
        let ip = self.p.ip;
        let qtype = if ip.is_ipv4() {
            QueryType::A
        } else {
            QueryType::Aaaa
        };
        match self.dns(name, qtype)? {
            Answer::A(v) if !v.is_empty() && ip.is_ipv4() => {
                let len = cidr.v4.unwrap_or(32);
                Ok(v.iter().any(|a| in_net(ip, IpAddr::V4(*a), len)))
            }
            Answer::Aaaa(v) if !v.is_empty() && ip.is_ipv6() => {
                let len = cidr.v6.unwrap_or(128);
                Ok(v.iter().any(|a| in_net(ip, IpAddr::V6(*a), len)))
            }
            Answer::TempError => Err(Stop::Temp(alloc::format!(
                "dns error looking up {} {name}",
                qtype.as_str()
            ))),
            _ => {
                if count_void {
                    self.void(name)?;
                }
                Ok(false)
            }
        }
    }

    fn mx_match(&mut self, name: &str, cidr: DualCidr) -> R<bool> {
        if !lookup_name_ok(name) {
            self.void(name)?;
            return Ok(false);
        }
        let mut names: Vec<(u16, &str)> = match self.dns(name, QueryType::Mx)? {
            Answer::Mx(v) if !v.is_empty() => v.iter().map(|(p, n)| (*p, n.as_str())).collect(),
            Answer::TempError => {
                return Err(Stop::Temp(alloc::format!("dns error looking up mx {name}")));
            }
            _ => {
                self.void(name)?;
                return Ok(false);
            }
        };
        if names.len() > self.p.limits.mx_names {
            return Err(Stop::Perm(alloc::format!(
                "{name} has {} mx names, more than {}",
                names.len(),
                self.p.limits.mx_names
            )));
        }
        names.sort_unstable();
        for (_, host) in names {
            if self.addr_match(host, cidr, true)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Section 5.5: the client's PTR names that resolve back to it (at most 10 names
    /// tried). DNS errors skip a name rather than failing.
    fn validated_ptrs(&mut self) -> R<Vec<String>> {
        let ip = self.p.ip;
        let mut rev = String::new();
        match ip {
            IpAddr::V4(a) => {
                let o = a.octets();
                rev = alloc::format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
            }
            IpAddr::V6(_) => {
                let mut fwd = String::new();
                push_dotted_ip(ip, &mut fwd);
                for (i, n) in fwd.split('.').rev().enumerate() {
                    if i > 0 {
                        rev.push('.');
                    }
                    rev.push_str(n);
                }
                rev.push_str(".ip6.arpa");
            }
        }
        let names: Vec<&'a String> = match self.dns(&rev, QueryType::Ptr)? {
            Answer::Ptr(v) if !v.is_empty() => v.iter().take(self.p.limits.ptr_names).collect(),
            Answer::TempError => return Ok(Vec::new()),
            _ => {
                self.void(&rev)?;
                return Ok(Vec::new());
            }
        };
        let mut out = Vec::new();
        for n in names {
            if !lookup_name_ok(n) {
                continue;
            }
            let qtype = if ip.is_ipv4() {
                QueryType::A
            } else {
                QueryType::Aaaa
            };
            let ok = match self.dns(n, qtype)? {
                Answer::A(v) if !v.is_empty() => v.iter().any(|a| IpAddr::V4(*a) == ip),
                Answer::Aaaa(v) if !v.is_empty() => v.iter().any(|a| IpAddr::V6(*a) == ip),
                Answer::TempError => false,
                _ => {
                    self.void(n)?;
                    false
                }
            };
            if ok {
                out.push(normalize(n));
            }
        }
        Ok(out)
    }

    /// The `p` macro: a validated name, preferring the domain itself, then one of its
    /// subdomains; `None` for `unknown`.
    fn ptr_macro(&mut self, domain: &str) -> R<Option<String>> {
        if let Some(p) = &self.ptr_name {
            return Ok(p.clone());
        }
        let names = self.validated_ptrs()?;
        let d = normalize(domain);
        let pick = names
            .iter()
            .find(|n| **n == d)
            .or_else(|| names.iter().find(|n| name_within(n, &d)))
            .or_else(|| names.first())
            .cloned();
        self.ptr_name = Some(pick.clone());
        Ok(pick)
    }
}

/// `name` equals `target` or ends with `.target`, ignoring case and trailing dots.
fn name_within(name: &str, target: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name).as_bytes();
    let t = target.strip_suffix('.').unwrap_or(target).as_bytes();
    if n.len() == t.len() {
        return n.eq_ignore_ascii_case(t);
    }
    n.len() > t.len()
        && n[n.len() - t.len() - 1] == b'.'
        && n[n.len() - t.len()..].eq_ignore_ascii_case(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_zero_and_full() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(in_net(ip, "10.0.0.0".parse().unwrap(), 0));
        assert!(!in_net(ip, "192.0.2.2".parse().unwrap(), 32));
        assert!(in_net(ip, "192.0.2.0".parse().unwrap(), 24));
        let ip6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(in_net(ip6, "::".parse().unwrap(), 0));
        assert!(!in_net(ip6, "0.0.0.0".parse().unwrap(), 0));
    }

    #[test]
    fn within() {
        assert!(name_within("Mail.Example.com.", "example.com"));
        assert!(!name_within("mailexample.com", "example.com"));
    }
}
