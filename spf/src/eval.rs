//! The sans-IO `check_host()` evaluator (RFC 7208 sections 4 to 6).
//!
//! The [`Evaluator`] never touches the network. It is a resumable machine: a stack of
//! owned frames, one per record being evaluated (its domain, its parsed record, the
//! index of the next directive and where that directive's own lookups stand), plus the
//! answers received so far. [`Evaluator::step`] lists every question the machine is
//! waiting for; the caller resolves them however it likes, in any order or all at
//! once, and hands each [`Answer`] to [`Evaluator::answer`], which moves the machine on
//! from where it stopped. Nothing is evaluated twice and every TXT answer is parsed at
//! most once. Independent questions are asked together: the addresses of all the
//! exchanges of one `mx`, the addresses of all the client's PTR names.
//!
//! Answers are applied in the order the RFC evaluates them, whatever order they
//! arrive in, so the outcome does not depend on the order (only
//! [`Outcome::queries`] may, as a late answer can make an earlier question moot).

use alloc::borrow::{Cow, ToOwned};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, ErrorKind};
use crate::macro_string::{MacroString, MacroVars, push_dotted_ip};
use crate::record::{Directive, DualCidr, Mechanism, Record, Term};
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

/// Why a check ended in `permerror` or `temperror`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Problem {
    /// More DNS-querying terms than [`Limits::lookups`] (section 4.6.4); `term` is the
    /// one that went over.
    TooManyLookups {
        /// The limit.
        limit: usize,
        /// The term that went over, in canonical form.
        term: String,
    },
    /// More void lookups than [`Limits::void_lookups`] (section 4.6.4).
    TooManyVoidLookups {
        /// The limit.
        limit: usize,
    },
    /// An `mx` whose name has more exchanges than [`Limits::mx_names`] (section 4.6.4).
    TooManyMxNames {
        /// The name looked up.
        name: String,
        /// How many exchanges it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More than one SPF record at a name (section 4.5).
    MultipleRecords {
        /// The name.
        domain: String,
        /// How many records start with `v=spf1`.
        count: usize,
    },
    /// The SPF record at a name does not parse (section 4.6).
    InvalidRecord {
        /// The name.
        domain: String,
        /// The syntax error.
        error: Error,
    },
    /// An `include` whose target has no SPF record (section 5.2).
    IncludeNone {
        /// The target name.
        target: String,
    },
    /// A `redirect` whose target has no SPF record (section 6.1).
    RedirectNone {
        /// The target name.
        target: String,
    },
    /// The resolver reported an error (the result is `temperror`).
    Dns {
        /// The name looked up.
        name: String,
        /// The record type.
        qtype: QueryType,
    },
}

impl Problem {
    /// The result this problem gives: [`SpfResult::TempError`] for a DNS error,
    /// [`SpfResult::PermError`] for everything else.
    #[must_use]
    pub const fn result(&self) -> SpfResult {
        match self {
            Self::Dns { .. } => SpfResult::TempError,
            _ => SpfResult::PermError,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyLookups { limit, term } => {
                write!(f, "more than {limit} dns-querying terms at {term}")
            }
            Self::TooManyVoidLookups { limit } => write!(f, "more than {limit} void lookups"),
            Self::TooManyMxNames { name, count, limit } => {
                write!(f, "{name} has {count} mx names, more than {limit}")
            }
            Self::MultipleRecords { domain, count } => write!(f, "{domain}: {count} spf records"),
            Self::InvalidRecord { domain, error } => write!(f, "{domain}: {error}"),
            Self::IncludeNone { target } => {
                write!(f, "include target {target} has no spf record")
            }
            Self::RedirectNone { target } => {
                write!(f, "redirect target {target} has no spf record")
            }
            Self::Dns { name, qtype } => {
                let t = qtype.as_str();
                write!(f, "dns error looking up ")?;
                for c in t.chars() {
                    write!(f, "{}", c.to_ascii_lowercase())?;
                }
                write!(f, " {name}")
            }
        }
    }
}

/// What a finished check found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Outcome {
    /// The result.
    pub result: SpfResult,
    /// On `fail`, the explanation (from `exp=`, or the default one).
    pub explanation: Option<String>,
    /// The directive of the checked domain's record that decided, in canonical form
    /// (the text of [`Outcome::directive`]).
    pub mechanism: Option<String>,
    /// The directive of the checked domain's record that decided (after a `redirect`,
    /// of the record redirected to).
    pub directive: Option<Directive>,
    /// For `permerror`/`temperror`, why.
    pub problem: Option<Problem>,
    /// DNS-querying terms evaluated (section 4.6.4; at most 10 unless that was the error).
    pub lookups: usize,
    /// Lookups that found nothing (NXDOMAIN or no data).
    pub void_lookups: usize,
    /// Answers the machine received. A caller that resolves every listed question
    /// at once may give more than one that answers them one at a time, since an
    /// answer can make the other questions of the same `mx` moot.
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

/// Where the machine stands, borrowed from the [`Evaluator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Resolve these questions, in any order (they are independent, so in parallel if
    /// you like), and give each answer to [`Evaluator::answer`]. Never empty.
    Queries(&'a [Query]),
    /// The check is over.
    Done(&'a Outcome),
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

impl Params {
    fn vars<'b>(&'b self, domain: &'b str, ptr: Option<&'b str>) -> MacroVars<'b> {
        MacroVars {
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            ptr,
            helo: self.helo.as_deref().unwrap_or(""),
            receiver: &self.receiver,
            timestamp: self.timestamp,
        }
    }

    fn default_explanation(&self, domain: &str) -> String {
        self.default_explanation
            .expand_text(&self.vars(domain, None))
    }

    /// The address type matching the client's family.
    fn addr_type(&self) -> QueryType {
        if self.ip.is_ipv4() {
            QueryType::A
        } else {
            QueryType::Aaaa
        }
    }
}

/// The sans-IO `check_host()` state machine.
///
/// ```
/// use hostkit_spf::{Answer, Evaluator, SpfResult, Step};
/// let mut ev = Evaluator::check_host("192.0.2.10".parse().unwrap(), "example.com", "alice@example.com");
/// while let Step::Queries(questions) = ev.step() {
///     let q = questions[0].clone();
///     let answer = match (q.name.as_str(), q.qtype.as_str()) {
///         ("example.com", "TXT") => Answer::Txt(vec![vec![b"v=spf1 ip4:192.0.2.0/24 -all".to_vec()]]),
///         _ => Answer::NxDomain,
///     };
///     ev.answer(&q, answer).expect("the question was asked");
/// }
/// let outcome = ev.outcome().unwrap();
/// assert_eq!(outcome.result, SpfResult::Pass);
/// assert_eq!(outcome.mechanism.as_deref(), Some("ip4:192.0.2.0/24"));
/// ```
#[derive(Debug, Clone)]
pub struct Evaluator {
    p: Params,
    /// Every SPF record parsed so far; frames refer to them by index.
    records: Vec<Record>,
    /// The records being evaluated, the checked domain's at the bottom.
    frames: Vec<Frame>,
    /// Set once the checked domain's record has decided.
    decided: Option<Explaining>,
    ctx: Ctx,
    done: Option<Outcome>,
}

/// What the lookups found so far, what is asked, and the counters of section 4.6.4.
#[derive(Debug, Clone, Default)]
struct Ctx {
    /// Answers by question.
    memo: Memo,
    /// The questions the machine waits for.
    outstanding: Pending,
    /// Questions asked whose answers are no longer needed; their answers are taken
    /// without complaint.
    withdrawn: Vec<Query>,
    answers: usize,
    lookups: usize,
    voids: usize,
    trace: Vec<String>,
    /// The validation of the client's PTR names (section 5.5).
    ptr: PtrCheck,
    /// The `p` macro's value, once known.
    ptr_pick: Option<Option<String>>,
    /// Whether the trace is kept.
    tracing: bool,
    /// Whether the explanation is being found: its lookups (the `p` macro's
    /// validation) are not the record's and count against no limit (section 6.2).
    explaining: bool,
    /// Whether the lent answer of the current advance was read.
    lent_used: bool,
    /// Whether it was read by a step that may read it again later, so that it must
    /// be kept.
    lent_keep: bool,
}

/// The machine's [`Ctx`] for one advance, with the answer the driver lent for it, if
/// any. A lent answer read only by a step that reads each answer once (a record, an
/// address set, an exchange list) is never copied.
struct Cx<'a> {
    ctx: &'a mut Ctx,
    lent: Option<(&'a Query, &'a Answer)>,
}

impl core::ops::Deref for Cx<'_> {
    type Target = Ctx;
    fn deref(&self) -> &Ctx {
        self.ctx
    }
}

impl core::ops::DerefMut for Cx<'_> {
    fn deref_mut(&mut self) -> &mut Ctx {
        self.ctx
    }
}

#[derive(Debug, Clone)]
struct Slot {
    answer: Answer,
    /// For a TXT answer used as an SPF record set: what it holds, parsed once.
    spf: Option<Spf>,
}

#[derive(Debug, Clone)]
enum Spf {
    Record(usize),
    None,
    Multiple(usize),
    Invalid(Error),
}

/// What a TXT lookup for a record found.
enum Txt {
    Spf(Spf),
    Void,
    TempError,
}

#[derive(Debug, Clone, Default)]
enum PtrCheck {
    /// The PTR question is still to be answered.
    #[default]
    Start,
    /// The names to confirm with an address lookup.
    Names(Vec<String>),
    /// The confirmed names, and the void lookups the validation met, in order.
    Done {
        valid: Vec<String>,
        voids: Vec<String>,
    },
}

/// One record under evaluation.
#[derive(Debug, Clone)]
struct Frame {
    domain: String,
    /// 0 for the checked domain, one more for each include or redirect.
    depth: usize,
    /// Index into [`Evaluator::records`]; `None` while the TXT answer is awaited.
    record: Option<usize>,
    /// Index into the record's terms of the directive being evaluated.
    next: usize,
    phase: Phase,
}

/// Where the current directive of a frame stands.
#[derive(Debug, Clone)]
enum Phase {
    /// The directive at `next` (or the first one after it) is to be started.
    Begin,
    /// Its lookup is counted; its target name is to be expanded.
    Target,
    /// `a`: the address records of the name.
    Addr { name: String, cidr: DualCidr },
    /// `exists`: the A records of the name.
    Exists { name: String },
    /// `mx`: the MX records of the name.
    MxList { name: String, cidr: DualCidr },
    /// `mx`: the exchanges in order of preference (whether each can be looked up,
    /// and its name as a memo key), and the next one to look at.
    MxHosts {
        hosts: Vec<(bool, String)>,
        cidr: DualCidr,
        next: usize,
    },
    /// `ptr`: the client's validated names are to be matched against the target.
    Ptr { target: String },
    /// `include`: the target's check runs in the frame above.
    Include { target: String },
    /// No directive matched; the `redirect` is counted, its target to be expanded.
    RedirectTarget,
    /// `redirect`: the target's check runs in the frame above.
    Redirect { target: String },
}

/// What decided a record.
#[derive(Debug, Clone)]
struct Decided {
    result: SpfResult,
    /// The record (an index into [`Evaluator::records`]) and term that decided.
    directive: Option<(usize, usize)>,
    /// The record whose `exp=` applies, with that record's domain.
    exp: Option<(usize, String)>,
}

/// The checked domain's record has decided; the explanation is being found.
#[derive(Debug, Clone)]
struct Explaining {
    decided: Decided,
    /// The expanded `exp=` name, once known.
    name: Option<String>,
    /// The explanation text, parsed, once fetched.
    text: Option<MacroString>,
}

/// Why the machine cannot go on.
enum Halt {
    /// An answer is needed; its question is outstanding.
    Blocked,
    /// The check ends with this problem (boxed, so that the machine's results stay
    /// small on the common path).
    Stop(alloc::boxed::Box<Problem>),
}

impl From<Problem> for Halt {
    fn from(p: Problem) -> Self {
        Self::Stop(alloc::boxed::Box::new(p))
    }
}

type Res<T> = Result<T, Halt>;

/// What a frame's step led to.
enum Flow {
    /// The frame moved on.
    Go,
    /// The current directive matched or not.
    Match(bool),
    /// The record of the frame on top decided; the frame is to be removed.
    Done(Decided),
    /// A check above the frame on top gave this (its frame is gone, or never was).
    Deliver(Decided),
    /// A check of this domain is to start above the frame.
    Push(String),
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
        let mut ev = Self {
            p: Params {
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
            records: Vec::new(),
            frames: Vec::new(),
            decided: None,
            ctx: Ctx {
                tracing: true,
                ..Ctx::default()
            },
            done: None,
        };
        let domain = ev.p.domain.clone();
        if let Some(none) = ev.start_check(domain, 0) {
            ev.decided = Some(Explaining {
                decided: none,
                name: None,
                text: None,
            });
        }
        ev.advance();
        ev
    }

    /// The HELO/EHLO name, for the `h` macro.
    #[must_use]
    pub fn helo(mut self, name: &str) -> Self {
        self.p.helo = Some(name.to_owned());
        if let Some(o) = &mut self.done {
            o.helo = Some(name.to_owned());
        }
        self
    }

    /// The receiving host's name, for the `r` macro (default `unknown`).
    #[must_use]
    pub fn receiver(mut self, name: &str) -> Self {
        self.p.receiver = name.to_owned();
        self
    }

    /// The current time in seconds since the epoch, for the `t` macro (default 0).
    #[must_use]
    pub fn timestamp(mut self, unix_seconds: u64) -> Self {
        self.p.timestamp = unix_seconds;
        self
    }

    /// Replace the default explanation, an explanation macro string.
    ///
    /// # Errors
    ///
    /// [`Error`] when `text` is not a valid explanation string.
    pub fn default_explanation(mut self, text: &str) -> Result<Self, Error> {
        self.p.default_explanation = MacroString::explanation(text)?;
        Ok(self)
    }

    /// Keep [`Outcome::trace`] (the default) or not; without it a check allocates
    /// less. Lines already written stay.
    #[must_use]
    pub fn tracing(mut self, keep: bool) -> Self {
        self.ctx.tracing = keep;
        self
    }

    /// Replace the processing limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.p.limits = limits;
        self
    }

    /// Where the machine stands: the questions it waits for, or the outcome.
    #[must_use]
    pub fn step(&self) -> Step<'_> {
        match &self.done {
            Some(o) => Step::Done(o),
            None => Step::Queries(self.ctx.outstanding.as_slice()),
        }
    }

    /// The questions the machine waits for (empty once it is done).
    #[must_use]
    pub fn outstanding(&self) -> &[Query] {
        self.ctx.outstanding.as_slice()
    }

    /// The outcome, once the check is over.
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome> {
        self.done.as_ref()
    }

    /// Give the answer to one of the questions [`Evaluator::step`] listed; the machine
    /// moves on as far as the answers it has allow. An answer to a question that
    /// was asked but is no longer needed (another answer settled the matter, or the
    /// check is over) is taken and ignored.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnexpectedAnswer`] when `query` was never asked, or was already
    /// answered; the machine is unchanged.
    pub fn answer(&mut self, query: &Query, answer: Answer) -> Result<(), Error> {
        if let Some(i) = self.ctx.outstanding.position(|q| q == query) {
            let q = self.ctx.outstanding.remove(i);
            self.ctx.store(q, answer);
            self.advance();
            Ok(())
        } else if let Some(i) = self.ctx.withdrawn.iter().position(|q| q == query) {
            let q = self.ctx.withdrawn.swap_remove(i);
            self.ctx.store(q, answer);
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::UnexpectedAnswer,
                &query.to_string(),
                0,
            ))
        }
    }

    /// Drive the machine to its end with a synchronous resolver, one question at a
    /// time, in the order the evaluation needs them.
    ///
    /// The resolver may give each answer or lend it (return `&Answer`, from a cache
    /// say). A lent answer is copied only when the evaluation may need it again; an
    /// answer read once (a record, the addresses of a name, an exchange list) is not
    /// kept, so a later term that needs the same question asks it again.
    pub fn run<A: core::borrow::Borrow<Answer>>(
        mut self,
        mut resolve: impl FnMut(&Query) -> A,
    ) -> Outcome {
        loop {
            if let Some(o) = self.done.take() {
                return o;
            }
            if self.ctx.outstanding.is_empty() {
                // Unreachable: a machine that is not done always waits for a question.
                self.end(Err(Problem::Dns {
                    name: self.p.domain.clone(),
                    qtype: QueryType::Txt,
                }));
                continue;
            }
            let q = self.ctx.outstanding.remove(0);
            let a = resolve(&q);
            self.lend(q, a.borrow());
        }
    }

    /// Advance with an answer the driver lends, and keep a copy only if it is needed.
    fn lend(&mut self, q: Query, a: &Answer) {
        self.ctx.answers += 1;
        self.ctx.lent_used = false;
        self.ctx.lent_keep = false;
        self.advance_with(Some((&q, a)));
        if self.done.is_none() && (!self.ctx.lent_used || self.ctx.lent_keep) {
            self.ctx.memo.insert(
                q,
                Slot {
                    answer: a.clone(),
                    spf: None,
                },
            );
        } else {
            self.ctx.outstanding.recycle(q.name);
        }
    }

    /// Start `check_host()` on `domain` in a new frame; a domain unfit to check
    /// (section 4.3) gives `none` at once, without a frame.
    fn start_check(&mut self, domain: String, depth: usize) -> Option<Decided> {
        if !check_domain_ok(&domain) {
            self.ctx
                .note(format_args!("{domain}: not a valid domain, none"));
            return Some(none());
        }
        self.frames.push(Frame {
            domain,
            depth,
            record: None,
            next: 0,
            phase: Phase::Begin,
        });
        None
    }

    /// Move on until an answer is missing or the check is over.
    fn advance(&mut self) {
        self.advance_with(None);
    }

    fn advance_with(&mut self, lent: Option<(&Query, &Answer)>) {
        while self.done.is_none() {
            let r = if self.decided.is_some() {
                self.explain(lent)
            } else {
                self.tick(lent)
            };
            match r {
                Ok(()) => {}
                Err(Halt::Blocked) => return,
                Err(Halt::Stop(p)) => self.end(Err(*p)),
            }
        }
    }

    /// One step of the frame on top.
    fn tick(&mut self, lent: Option<(&Query, &Answer)>) -> Res<()> {
        let Some(f) = self.frames.last_mut() else {
            return Ok(());
        };
        let mut cx = Cx {
            ctx: &mut self.ctx,
            lent,
        };
        let flow = match f.record {
            None => lookup_record(f, &mut self.records, &mut cx, &self.p)?,
            Some(r) => step_frame(f, &self.records[r], &mut cx, &self.p)?,
        };
        self.settle(flow)
    }

    /// Carry out what a frame's step led to, up the stack as far as it goes.
    fn settle(&mut self, mut flow: Flow) -> Res<()> {
        loop {
            flow = match flow {
                Flow::Go => return Ok(()),
                Flow::Match(matched) => {
                    let Some(f) = self.frames.last_mut() else {
                        return Ok(());
                    };
                    let Some(ri) = f.record else {
                        return Ok(());
                    };
                    let rec = &self.records[ri];
                    match directive_at(rec, f.next) {
                        Some((ti, d)) if matched => {
                            self.ctx.note(format_args!("{}: {d} matched", f.domain));
                            Flow::Done(Decided {
                                result: d.qualifier.into(),
                                directive: Some((ri, ti)),
                                exp: exp_of(ri, rec, &f.domain),
                            })
                        }
                        _ => {
                            f.next += 1;
                            f.phase = Phase::Begin;
                            return Ok(());
                        }
                    }
                }
                Flow::Done(decided) => {
                    self.frames.pop();
                    Flow::Deliver(decided)
                }
                Flow::Deliver(decided) => {
                    let Some(f) = self.frames.last_mut() else {
                        self.decided = Some(Explaining {
                            decided,
                            name: None,
                            text: None,
                        });
                        return Ok(());
                    };
                    match &f.phase {
                        Phase::Include { target } => match decided.result {
                            SpfResult::Pass => Flow::Match(true),
                            SpfResult::None => {
                                return Err(Halt::from(Problem::IncludeNone {
                                    target: target.clone(),
                                }));
                            }
                            _ => Flow::Match(false),
                        },
                        Phase::Redirect { target } => {
                            if decided.result == SpfResult::None {
                                return Err(Halt::from(Problem::RedirectNone {
                                    target: target.clone(),
                                }));
                            }
                            Flow::Done(decided)
                        }
                        // A frame below another waits for it in one of the two
                        // phases above; anything else would be a broken stack.
                        _ => Flow::Match(false),
                    }
                }
                Flow::Push(domain) => {
                    let depth = self.frames.last().map_or(0, |f| f.depth + 1);
                    match self.start_check(domain, depth) {
                        Some(none) => Flow::Deliver(none),
                        None => return Ok(()),
                    }
                }
            };
        }
    }

    /// The explanation of a `fail` (section 6.2), then the outcome.
    fn explain(&mut self, lent: Option<(&Query, &Answer)>) -> Res<()> {
        let Some(x) = &mut self.decided else {
            return Ok(());
        };
        let p = &self.p;
        let text = if x.decided.result != SpfResult::Fail {
            None
        } else if let Some((spec, domain)) = x
            .decided
            .exp
            .clone()
            .and_then(|(ri, d)| Some((self.records.get(ri)?.exp()?, d)))
        {
            self.ctx.explaining = true;
            let mut cx = Cx {
                ctx: &mut self.ctx,
                lent,
            };
            match explanation(x, spec, &domain, &mut cx, p) {
                Ok(text) => Some(text),
                Err(Halt::Blocked) => return Err(Halt::Blocked),
                // A problem while finding the explanation (the void lookups of the
                // `p` macro's validation) leaves the default one.
                Err(Halt::Stop(_)) => Some(p.default_explanation(&p.domain)),
            }
        } else {
            Some(p.default_explanation(&p.domain))
        };
        self.end(Ok(text));
        Ok(())
    }

    /// Finish: with the explanation found for the decided result, or with a problem.
    fn end(&mut self, how: Result<Option<String>, Problem>) {
        let (result, explanation, directive, problem) = match how {
            Ok(explanation) => {
                let d = self.decided.take().map(|x| x.decided);
                let (result, at) = d.map_or((SpfResult::None, None), |d| (d.result, d.directive));
                let directive =
                    at.and_then(|(ri, ti)| match self.records.get(ri)?.terms().get(ti)? {
                        Term::Directive(d) => Some(d.clone()),
                        Term::Modifier(_) => None,
                    });
                (result, explanation, directive, None)
            }
            Err(problem) => (problem.result(), None, None, Some(problem)),
        };
        self.frames.clear();
        self.decided = None;
        let ctx = &mut self.ctx;
        ctx.outstanding.drain_into(&mut ctx.withdrawn);
        let p = &self.p;
        self.done = Some(Outcome {
            result,
            explanation,
            mechanism: directive.as_ref().map(ToString::to_string),
            directive,
            problem,
            lookups: ctx.lookups,
            void_lookups: ctx.voids,
            queries: ctx.answers,
            trace: core::mem::take(&mut ctx.trace),
            identity: p.identity,
            domain: p.domain.clone(),
            sender: alloc::format!("{}@{}", p.local, p.sender_domain),
            ip: p.ip,
            helo: p.helo.clone(),
        });
    }
}

fn none() -> Decided {
    Decided {
        result: SpfResult::None,
        directive: None,
        exp: None,
    }
}

fn exp_of(ri: usize, rec: &Record, domain: &str) -> Option<(usize, String)> {
    rec.exp().map(|_| (ri, domain.to_owned()))
}

/// The first directive at or after term `i`, with its index.
fn directive_at(rec: &Record, i: usize) -> Option<(usize, &Directive)> {
    rec.terms()
        .iter()
        .enumerate()
        .skip(i)
        .find_map(|(j, t)| match t {
            Term::Directive(d) => Some((j, d)),
            Term::Modifier(_) => None,
        })
}

/// The explanation text of a `fail` whose record has `exp=spec` (section 6.2).
fn explanation(
    x: &mut Explaining,
    spec: &MacroString,
    domain: &str,
    ctx: &mut Cx<'_>,
    p: &Params,
) -> Res<String> {
    if x.text.is_none() {
        if x.name.is_none() {
            x.name = Some(ctx.expand(p, spec, domain)?);
        }
        let name = x.name.as_deref().unwrap_or("");
        if !lookup_name_ok(name) {
            return Ok(p.default_explanation(domain));
        }
        let text = match ctx.need(name, QueryType::Txt)? {
            Answer::Txt(rrs) if rrs.len() == 1 => {
                let bytes: Vec<u8> = rrs[0].iter().flatten().copied().collect();
                String::from_utf8(bytes)
                    .ok()
                    .and_then(|t| MacroString::explanation(&t).ok())
            }
            _ => None,
        };
        match text {
            Some(t) => x.text = Some(t),
            None => return Ok(p.default_explanation(domain)),
        }
    }
    let Some(text) = &x.text else {
        return Ok(p.default_explanation(domain));
    };
    let ptr = if text.uses_ptr() {
        ctx.ptr_pick(p, domain)?
    } else {
        None
    };
    Ok(text.expand_text(&p.vars(domain, ptr.as_deref())))
}

/// A frame waiting for its record: the TXT lookup and the record selection.
fn lookup_record(
    f: &mut Frame,
    records: &mut Vec<Record>,
    ctx: &mut Cx<'_>,
    p: &Params,
) -> Res<Flow> {
    let domain = &f.domain;
    match ctx.spf(domain, records)? {
        Txt::TempError => Err(Halt::from(Problem::Dns {
            name: domain.clone(),
            qtype: QueryType::Txt,
        })),
        Txt::Void => {
            if f.depth > 0 {
                ctx.void(p, domain)?;
            }
            ctx.note(format_args!("{domain}: no spf record"));
            Ok(Flow::Done(none()))
        }
        Txt::Spf(Spf::None) => {
            ctx.note(format_args!("{domain}: no spf record"));
            Ok(Flow::Done(none()))
        }
        Txt::Spf(Spf::Multiple(count)) => Err(Halt::from(Problem::MultipleRecords {
            domain: domain.clone(),
            count,
        })),
        Txt::Spf(Spf::Invalid(error)) => Err(Halt::from(Problem::InvalidRecord {
            domain: domain.clone(),
            error,
        })),
        Txt::Spf(Spf::Record(i)) => {
            if let Some(r) = records.get(i) {
                ctx.note(format_args!("{domain}: {r}"));
            }
            f.record = Some(i);
            f.next = 0;
            f.phase = Phase::Begin;
            Ok(Flow::Go)
        }
    }
}

/// One step of a frame whose record is known.
fn step_frame(f: &mut Frame, rec: &Record, ctx: &mut Cx<'_>, p: &Params) -> Res<Flow> {
    let dom = f.domain.as_str();
    match &mut f.phase {
        Phase::Begin => {
            let Some((i, d)) = directive_at(rec, f.next) else {
                if let Some(t) = rec.redirect() {
                    ctx.count_lookup(p, &format_args!("redirect={t}"))?;
                    f.phase = Phase::RedirectTarget;
                    return Ok(Flow::Go);
                }
                return Ok(Flow::Done(Decided {
                    result: SpfResult::Neutral,
                    directive: None,
                    exp: f.record.and_then(|ri| exp_of(ri, rec, dom)),
                }));
            };
            f.next = i;
            if d.mechanism.queries_dns() {
                ctx.count_lookup(p, d)?;
                f.phase = Phase::Target;
                Ok(Flow::Go)
            } else {
                Ok(Flow::Match(static_match(p.ip, &d.mechanism)))
            }
        }
        Phase::Target => {
            let Some((_, d)) = directive_at(rec, f.next) else {
                return Ok(Flow::Match(false));
            };
            let target = |ctx: &mut Cx<'_>, spec: Option<&MacroString>| match spec {
                Some(s) => ctx.expand(p, s, dom),
                None => Ok(dom.to_owned()),
            };
            let (next, void_name) = match &d.mechanism {
                Mechanism::A { domain, cidr } => {
                    let name = target(ctx, domain.as_ref())?;
                    if lookup_name_ok(&name) {
                        (Phase::Addr { name, cidr: *cidr }, None)
                    } else {
                        (Phase::Begin, Some(name))
                    }
                }
                Mechanism::Mx { domain, cidr } => {
                    let name = target(ctx, domain.as_ref())?;
                    if lookup_name_ok(&name) {
                        (Phase::MxList { name, cidr: *cidr }, None)
                    } else {
                        (Phase::Begin, Some(name))
                    }
                }
                Mechanism::Exists(spec) => {
                    let name = ctx.expand(p, spec, dom)?;
                    if lookup_name_ok(&name) {
                        (Phase::Exists { name }, None)
                    } else {
                        (Phase::Begin, Some(name))
                    }
                }
                Mechanism::Ptr(spec) => (
                    Phase::Ptr {
                        target: target(ctx, spec.as_ref())?,
                    },
                    None,
                ),
                Mechanism::Include(spec) => {
                    let t = ctx.expand(p, spec, dom)?;
                    ctx.note(format_args!("{dom}: include {t}"));
                    f.phase = Phase::Include { target: t.clone() };
                    return Ok(Flow::Push(t));
                }
                Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {
                    return Ok(Flow::Match(static_match(p.ip, &d.mechanism)));
                }
            };
            if let Some(name) = void_name {
                // A name that cannot be looked up finds nothing (section 4.3).
                ctx.void(p, &name)?;
                return Ok(Flow::Match(false));
            }
            f.phase = next;
            Ok(Flow::Go)
        }
        Phase::Addr { name, cidr } => Ok(Flow::Match(ctx.addr_match(p, name, *cidr)?)),
        Phase::Exists { name } => {
            let found = match ctx.need_once(name, QueryType::A)? {
                Answer::A(v) if !v.is_empty() => Some(true),
                Answer::TempError => None,
                _ => Some(false),
            };
            match found {
                Some(true) => Ok(Flow::Match(true)),
                Some(false) => {
                    ctx.void(p, name)?;
                    Ok(Flow::Match(false))
                }
                None => Err(Halt::from(Problem::Dns {
                    name: name.clone(),
                    qtype: QueryType::A,
                })),
            }
        }
        Phase::MxList { name, cidr } => {
            let hosts = match ctx.need_once(name, QueryType::Mx)? {
                Answer::Mx(v) if !v.is_empty() => {
                    let mut v: Vec<(u16, &str)> =
                        v.iter().map(|(pr, n)| (*pr, n.as_str())).collect();
                    v.sort_unstable();
                    Some(
                        v.into_iter()
                            .map(|(_, n)| (lookup_name_ok(n), key(n).into_owned()))
                            .collect::<Vec<_>>(),
                    )
                }
                Answer::TempError => {
                    return Err(Halt::from(Problem::Dns {
                        name: name.clone(),
                        qtype: QueryType::Mx,
                    }));
                }
                _ => None,
            };
            let Some(hosts) = hosts else {
                ctx.void(p, name)?;
                return Ok(Flow::Match(false));
            };
            if hosts.len() > p.limits.mx_names {
                return Err(Halt::from(Problem::TooManyMxNames {
                    name: name.clone(),
                    count: hosts.len(),
                    limit: p.limits.mx_names,
                }));
            }
            // Every exchange's addresses at once: the driver may resolve them in
            // parallel; they are matched in order of preference all the same.
            let qtype = p.addr_type();
            for (_, h) in hosts.iter().filter(|(ok, _)| *ok) {
                ctx.ask_key(h, qtype);
            }
            f.phase = Phase::MxHosts {
                hosts,
                cidr: *cidr,
                next: 0,
            };
            Ok(Flow::Go)
        }
        Phase::MxHosts { hosts, cidr, next } => {
            while let Some((ok, h)) = hosts.get(*next) {
                if !ok {
                    ctx.void(p, h)?;
                } else if ctx.addr_match(p, h, *cidr)? {
                    let qtype = p.addr_type();
                    for (_, h) in &hosts[*next + 1..] {
                        ctx.withdraw(h, qtype);
                    }
                    return Ok(Flow::Match(true));
                }
                *next += 1;
            }
            Ok(Flow::Match(false))
        }
        Phase::Ptr { target } => {
            let names = ctx.validated_ptrs(p)?;
            Ok(Flow::Match(names.iter().any(|n| name_within(n, target))))
        }
        Phase::RedirectTarget => {
            let Some(spec) = rec.redirect() else {
                return Ok(Flow::Match(false));
            };
            let t = ctx.expand(p, spec, dom)?;
            ctx.note(format_args!("{dom}: redirect to {t}"));
            f.phase = Phase::Redirect { target: t.clone() };
            Ok(Flow::Push(t))
        }
        // Waiting for the frame above; it is never the one on top.
        Phase::Include { .. } | Phase::Redirect { .. } => Ok(Flow::Match(false)),
    }
}

fn static_match(ip: IpAddr, m: &Mechanism) -> bool {
    match m {
        Mechanism::All => true,
        Mechanism::Ip4 { addr, prefix } => in_net(ip, IpAddr::V4(*addr), prefix.unwrap_or(32)),
        Mechanism::Ip6 { addr, prefix } => in_net(ip, IpAddr::V6(*addr), prefix.unwrap_or(128)),
        _ => false,
    }
}

/// The memo key of a name: lowercase, without a trailing dot.
fn key(name: &str) -> Cow<'_, str> {
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(n.to_ascii_lowercase())
    } else {
        Cow::Borrowed(n)
    }
}

impl Ctx {
    fn slot(&self, name: &str, qtype: QueryType) -> Option<&Slot> {
        self.memo.get(name, qtype)
    }

    fn store(&mut self, q: Query, answer: Answer) {
        self.answers += 1;
        self.memo.insert(q, Slot { answer, spf: None });
    }

    /// Put a question on the outstanding list (once).
    fn ask(&mut self, name: &str, qtype: QueryType) {
        self.ask_key(&key(name), qtype);
    }

    /// The same for a name that is a memo key already.
    fn ask_key(&mut self, k: &str, qtype: QueryType) {
        if self.slot(k, qtype).is_none() {
            ask_missing(
                &mut self.outstanding,
                &mut self.withdrawn,
                Cow::Borrowed(k),
                qtype,
            );
        }
    }

    /// Take a question off the outstanding list: its answer is no longer needed.
    fn withdraw(&mut self, name: &str, qtype: QueryType) {
        let k = key(name);
        if let Some(i) = self
            .outstanding
            .position(|q| q.qtype == qtype && q.name == *k)
        {
            let q = self.outstanding.remove(i);
            self.withdrawn.push(q);
        }
    }

    /// One line of the trace, when it is kept.
    fn note(&mut self, line: fmt::Arguments<'_>) {
        if self.tracing {
            self.trace.push(alloc::fmt::format(line));
        }
    }

    fn void(&mut self, p: &Params, what: &str) -> Result<(), Problem> {
        self.voids += 1;
        self.note(format_args!("void lookup: {what}"));
        if self.voids > p.limits.void_lookups {
            return Err(Problem::TooManyVoidLookups {
                limit: p.limits.void_lookups,
            });
        }
        Ok(())
    }

    fn count_lookup(&mut self, p: &Params, term: &dyn fmt::Display) -> Result<(), Problem> {
        self.lookups += 1;
        if self.lookups > p.limits.lookups {
            return Err(Problem::TooManyLookups {
                limit: p.limits.lookups,
                term: term.to_string(),
            });
        }
        Ok(())
    }
}

impl Cx<'_> {
    /// The lent answer, when it answers this question.
    fn lent_for<'l>(
        lent: Option<(&Query, &'l Answer)>,
        name: &str,
        qtype: QueryType,
    ) -> Option<&'l Answer> {
        let (q, a) = lent?;
        (q.qtype == qtype && q.name == name).then_some(a)
    }

    /// The answer to a question if there is one yet. A step that reads a lent answer
    /// this way marks it kept with [`Cx::keep_lent`].
    fn seen(&self, name: &str, qtype: QueryType) -> Option<&Answer> {
        Self::lent_for(self.lent, name, qtype)
            .or_else(|| self.ctx.memo.get(name, qtype).map(|s| &s.answer))
    }

    /// Keep the lent answer if it answers one of these questions.
    fn keep_lent(&mut self, names: &[String], qtype: QueryType) {
        if names
            .iter()
            .any(|n| Self::lent_for(self.lent, &key(n), qtype).is_some())
        {
            self.ctx.lent_used = true;
            self.ctx.lent_keep = true;
        }
    }

    /// The answer to a question, or [`Halt::Blocked`] with the question outstanding.
    /// A lent answer read here is kept, as the step may read it again.
    fn need(&mut self, name: &str, qtype: QueryType) -> Res<&Answer> {
        self.need_as(name, qtype, true)
    }

    /// The same for a step that reads its answer once and never again.
    fn need_once(&mut self, name: &str, qtype: QueryType) -> Res<&Answer> {
        self.need_as(name, qtype, false)
    }

    fn need_as(&mut self, name: &str, qtype: QueryType, keep: bool) -> Res<&Answer> {
        let k = key(name);
        if let Some(a) = Self::lent_for(self.lent, &k, qtype) {
            self.ctx.lent_used = true;
            self.ctx.lent_keep |= keep;
            return Ok(a);
        }
        let ctx = &mut *self.ctx;
        match ctx.memo.get(&k, qtype) {
            Some(slot) => Ok(&slot.answer),
            None => {
                ask_missing(&mut ctx.outstanding, &mut ctx.withdrawn, k, qtype);
                Err(Halt::Blocked)
            }
        }
    }

    /// The TXT answer of `domain` read as an SPF record set, parsed once.
    fn spf(&mut self, domain: &str, records: &mut Vec<Record>) -> Res<Txt> {
        let k = key(domain);
        if let Some(a) = Self::lent_for(self.lent, &k, QueryType::Txt) {
            self.ctx.lent_used = true;
            let mut spf = None;
            return Ok(read_spf(a, &mut spf, records));
        }
        let ctx = &mut *self.ctx;
        let Some(slot) = ctx.memo.get_mut(&k, QueryType::Txt) else {
            ask_missing(&mut ctx.outstanding, &mut ctx.withdrawn, k, QueryType::Txt);
            return Err(Halt::Blocked);
        };
        Ok(read_spf(&slot.answer, &mut slot.spf, records))
    }

    fn expand(&mut self, p: &Params, spec: &MacroString, domain: &str) -> Res<String> {
        if !spec.has_macros() {
            let s = spec.as_str();
            return Ok(String::from(s.strip_suffix('.').unwrap_or(s)));
        }
        let ptr = if spec.uses_ptr() {
            self.ptr_pick(p, domain)?
        } else {
            None
        };
        Ok(spec.expand_domain(&p.vars(domain, ptr.as_deref())))
    }

    /// Address records of `name` in the client's family, within `cidr` of the
    /// client; no records is a void lookup.
    fn addr_match(&mut self, p: &Params, name: &str, cidr: DualCidr) -> Res<bool> {
        let ip = p.ip;
        let qtype = p.addr_type();
        let found = match self.need_once(name, qtype)? {
            Answer::A(v) if !v.is_empty() && ip.is_ipv4() => {
                let len = cidr.v4.unwrap_or(32);
                Some(v.iter().any(|a| in_net(ip, IpAddr::V4(*a), len)))
            }
            Answer::Aaaa(v) if !v.is_empty() && ip.is_ipv6() => {
                let len = cidr.v6.unwrap_or(128);
                Some(v.iter().any(|a| in_net(ip, IpAddr::V6(*a), len)))
            }
            Answer::TempError => {
                return Err(Halt::from(Problem::Dns {
                    name: key(name).into_owned(),
                    qtype,
                }));
            }
            _ => None,
        };
        match found {
            Some(m) => Ok(m),
            None => {
                self.void(p, name)?;
                Ok(false)
            }
        }
    }

    /// Section 5.5: the client's PTR names that resolve back to it (at most
    /// [`Limits::ptr_names`] names tried). DNS errors skip a name rather than failing.
    /// Each use counts the void lookups the validation met.
    fn validated_ptrs(&mut self, p: &Params) -> Res<Vec<String>> {
        loop {
            match &self.ptr {
                PtrCheck::Start => {
                    let rev = reverse_name(p.ip);
                    let next = match self.need(&rev, QueryType::Ptr)? {
                        Answer::Ptr(v) if !v.is_empty() => PtrCheck::Names(
                            v.iter()
                                .take(p.limits.ptr_names)
                                .filter(|n| lookup_name_ok(n))
                                .cloned()
                                .collect(),
                        ),
                        Answer::TempError => PtrCheck::Done {
                            valid: Vec::new(),
                            voids: Vec::new(),
                        },
                        _ => PtrCheck::Done {
                            valid: Vec::new(),
                            voids: alloc::vec![rev],
                        },
                    };
                    if let PtrCheck::Names(names) = &next {
                        let qtype = p.addr_type();
                        for n in names {
                            self.ask(n, qtype);
                        }
                    }
                    self.ptr = next;
                }
                PtrCheck::Names(names) => {
                    let qtype = p.addr_type();
                    let names = names.clone();
                    self.keep_lent(&names, qtype);
                    let mut valid = Vec::new();
                    let mut voids = Vec::new();
                    let mut missing = None;
                    for n in &names {
                        let Some(answer) = self.seen(&key(n), qtype) else {
                            missing = Some(n.clone());
                            continue;
                        };
                        let ok = match answer {
                            Answer::A(v) if !v.is_empty() => {
                                v.iter().any(|a| IpAddr::V4(*a) == p.ip)
                            }
                            Answer::Aaaa(v) if !v.is_empty() => {
                                v.iter().any(|a| IpAddr::V6(*a) == p.ip)
                            }
                            Answer::TempError => false,
                            _ => {
                                voids.push(n.clone());
                                false
                            }
                        };
                        if ok {
                            valid.push(key(n).into_owned());
                        }
                    }
                    if let Some(n) = missing {
                        self.ask(&n, qtype);
                        return Err(Halt::Blocked);
                    }
                    self.ptr = PtrCheck::Done { valid, voids };
                }
                PtrCheck::Done { valid, voids } => {
                    let (valid, voids) = (valid.clone(), voids.clone());
                    if !self.explaining {
                        for v in &voids {
                            self.void(p, v)?;
                        }
                    }
                    return Ok(valid);
                }
            }
        }
    }

    /// The `p` macro: a validated name, preferring the domain itself, then one of its
    /// subdomains; `None` for `unknown`. Found once per check.
    fn ptr_pick(&mut self, p: &Params, domain: &str) -> Res<Option<String>> {
        if let Some(pick) = &self.ptr_pick {
            return Ok(pick.clone());
        }
        let names = self.validated_ptrs(p)?;
        let d = key(domain);
        let pick = names
            .iter()
            .find(|n| **n == *d)
            .or_else(|| names.iter().find(|n| name_within(n, &d)))
            .or_else(|| names.first())
            .cloned();
        self.ptr_pick = Some(pick.clone());
        Ok(pick)
    }
}

/// A TXT answer read as an SPF record set; `parsed` holds what it was found to be,
/// so that it is parsed once.
fn read_spf(answer: &Answer, parsed: &mut Option<Spf>, records: &mut Vec<Record>) -> Txt {
    let rrs = match answer {
        Answer::TempError => return Txt::TempError,
        Answer::Txt(rrs) => rrs,
        _ => return Txt::Void,
    };
    if parsed.is_none() {
        *parsed = Some(match select_record(rrs.iter().map(|r| r.iter())) {
            Selected::Record(r) => {
                records.push(r);
                Spf::Record(records.len() - 1)
            }
            Selected::None => Spf::None,
            Selected::Multiple(n) => Spf::Multiple(n),
            Selected::Invalid(e) => Spf::Invalid(e),
        });
    }
    Txt::Spf(parsed.clone().unwrap_or(Spf::None))
}

/// The answers received, by question: a vector with an open-addressing index over
/// it, so that a check with many questions stays linear. The number of questions a
/// check can ask is bounded by its limits, so colliding names only cost probes.
#[derive(Debug, Clone, Default)]
struct Memo {
    entries: Vec<(Query, Slot)>,
    /// Entry index plus one, 0 for a free place; the length is 0 or a power of two.
    index: Vec<u32>,
}

impl Memo {
    fn hash(name: &str, qtype: QueryType) -> usize {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = qtype as u64;
        let mut chunks = name.as_bytes().chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w) ^ (rest.len() as u64) << 59).wrapping_mul(K);
        // The high bits are the best mixed.
        (h >> 32) as usize
    }

    /// The index of the question's entry.
    fn find(&self, name: &str, qtype: QueryType) -> Option<usize> {
        if self.index.is_empty() {
            return None;
        }
        let mask = self.index.len() - 1;
        let mut i = Self::hash(name, qtype) & mask;
        loop {
            let e = *self.index.get(i)? as usize;
            let (q, _) = self.entries.get(e.checked_sub(1)?)?;
            if q.qtype == qtype && q.name == name {
                return Some(e - 1);
            }
            i = (i + 1) & mask;
        }
    }

    fn get(&self, name: &str, qtype: QueryType) -> Option<&Slot> {
        let i = self.find(name, qtype)?;
        self.entries.get(i).map(|(_, s)| s)
    }

    fn get_mut(&mut self, name: &str, qtype: QueryType) -> Option<&mut Slot> {
        let i = self.find(name, qtype)?;
        self.entries.get_mut(i).map(|(_, s)| s)
    }

    fn insert(&mut self, q: Query, slot: Slot) {
        if let Some(i) = self.find(&q.name, q.qtype) {
            if let Some(e) = self.entries.get_mut(i) {
                e.1 = slot;
            }
            return;
        }
        if (self.entries.len() + 1) * 2 > self.index.len() {
            let len = (self.index.len() * 2).max(16);
            self.index.clear();
            self.index.resize(len, 0);
            for i in 0..self.entries.len() {
                let (q, _) = &self.entries[i];
                let at = Self::hash(&q.name, q.qtype);
                self.place(at, i);
            }
        }
        let at = Self::hash(&q.name, q.qtype);
        self.entries.push((q, slot));
        self.place(at, self.entries.len() - 1);
    }

    fn place(&mut self, hash: usize, entry: usize) {
        let mask = self.index.len() - 1;
        let mut i = hash & mask;
        while self.index[i] != 0 {
            i = (i + 1) & mask;
        }
        // At most a few hundred questions: the index always fits in u32.
        self.index[i] = u32::try_from(entry + 1).unwrap_or(u32::MAX);
    }
}

/// The questions the machine waits for, in the order it asked them. Taking the first
/// one (as [`Evaluator::run`] does each time) moves nothing.
#[derive(Debug, Clone, Default)]
struct Pending {
    qs: Vec<Query>,
    /// The questions before it are taken.
    head: usize,
    /// Names of questions answered and done with, kept to spell new questions in
    /// without allocating.
    spare: Vec<String>,
}

impl Pending {
    fn as_slice(&self) -> &[Query] {
        self.qs.get(self.head..).unwrap_or_default()
    }

    fn is_empty(&self) -> bool {
        self.head >= self.qs.len()
    }

    fn position(&self, f: impl FnMut(&Query) -> bool) -> Option<usize> {
        self.as_slice().iter().position(f)
    }

    fn push(&mut self, q: Query) {
        self.qs.push(q);
    }

    /// Take the `i`th waiting question (`i` below the length of [`Pending::as_slice`]).
    fn remove(&mut self, i: usize) -> Query {
        let q = if i == 0 {
            let q = core::mem::replace(
                &mut self.qs[self.head],
                Query {
                    name: String::new(),
                    qtype: QueryType::Txt,
                },
            );
            self.head += 1;
            q
        } else {
            self.qs.remove(self.head + i)
        };
        if self.head >= self.qs.len() {
            self.qs.clear();
            self.head = 0;
        }
        q
    }

    /// A question's name, spelt in a spare buffer when there is one.
    fn name(&mut self, k: &str) -> String {
        match self.spare.pop() {
            Some(mut s) => {
                s.clear();
                s.push_str(k);
                s
            }
            None => k.to_owned(),
        }
    }

    /// Keep the name of a question done with for a later one.
    fn recycle(&mut self, name: String) {
        if self.spare.len() < 32 && name.capacity() <= 256 {
            self.spare.push(name);
        }
    }

    fn drain_into(&mut self, to: &mut Vec<Query>) {
        to.extend(self.qs.drain(self.head..));
        self.qs.clear();
        self.head = 0;
    }
}

/// Put a question that has no answer yet on the outstanding list, unless it is
/// there already; one withdrawn earlier comes back.
fn ask_missing(
    outstanding: &mut Pending,
    withdrawn: &mut Vec<Query>,
    k: Cow<'_, str>,
    qtype: QueryType,
) {
    let same = |q: &Query| q.qtype == qtype && q.name == *k;
    if outstanding.as_slice().iter().any(same) {
        return;
    }
    let q = match withdrawn.iter().position(same) {
        Some(i) => withdrawn.swap_remove(i),
        None => Query {
            name: outstanding.name(&k),
            qtype,
        },
    };
    outstanding.push(q);
}

/// The name of the client address in `in-addr.arpa` or `ip6.arpa`.
fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            alloc::format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(_) => {
            let mut fwd = String::new();
            push_dotted_ip(ip, &mut fwd);
            let mut rev = String::with_capacity(fwd.len() + 9);
            for (i, n) in fwd.split('.').rev().enumerate() {
                if i > 0 {
                    rev.push('.');
                }
                rev.push_str(n);
            }
            rev.push_str(".ip6.arpa");
            rev
        }
    }
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
