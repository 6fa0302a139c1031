//! The whole include tree of a domain, walked once and linted for every client at once.
//!
//! [`TreeWalker`] is a sans-IO machine like the evaluator: [`TreeWalker::next_query`]
//! says which DNS question it needs, the caller answers with [`TreeWalker::answer`],
//! and [`TreeWalker::finish`] turns what was gathered into a [`Tree`]. The walk follows
//! every `include`, `redirect`, `a`, `mx` and `exists` that a client matching nothing
//! would reach (everything before the first `all`, and `redirect=` when there is no
//! `all`), so its counts are the worst case over all client addresses (RFC 7208
//! section 4.6.4).
//!
//! Each name is asked once, and each record is parsed once. The walk is bounded: at
//! most [`MAX_RECORDS`] records, [`MAX_MX_HOSTS`] hosts per MX answer and
//! [`MAX_QUERIES`] questions in all; a tree that needs more is reported as truncated
//! (and as a permerror, since it cannot fit in 10 lookups).

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::eval::{Answer, Query, QueryType};
use crate::macro_string::MacroString;
use crate::record::{Directive, Mechanism, Modifier, Qualifier, Record, Term};
use crate::select::{Selected, select_record};

/// The most records a walk reads (distinct names holding SPF records).
pub const MAX_RECORDS: usize = 100;
/// The most exchange names of one MX answer whose addresses are asked.
pub const MAX_MX_HOSTS: usize = 100;
/// The most DNS questions a walk asks.
pub const MAX_QUERIES: usize = 2000;

/// The lookup limit of section 4.6.4.
const LOOKUP_LIMIT: usize = 10;
/// The void-lookup limit of section 4.6.4.
const VOID_LIMIT: usize = 2;
/// The MX-name limit of section 4.6.4.
const MX_LIMIT: usize = 10;

/// A stable warning code of the tree lint and of flattening. The text of
/// [`TreeCode::as_str`] (lower case, `[a-z0-9_.]+`) never changes meaning.
///
/// | code | meaning | permerror for some client |
/// |---|---|---|
/// | `lookups.over_limit` | more than 10 DNS-querying terms for a client that matches nothing | yes |
/// | `void.over_limit` | more than 2 void lookups for a client that matches nothing | yes |
/// | `void.lookup` | a lookup that finds nothing (NXDOMAIN or no data) | no |
/// | `mx.over_limit` | an `mx` term whose name has more than 10 exchanges | yes |
/// | `record.over_255` | a record longer than 255 bytes: it must be published as several strings | no |
/// | `record.over_512` | a record longer than 512 bytes, past the classic UDP answer size | no |
/// | `record.multiple` | more than one SPF record at one name | yes |
/// | `record.syntax` | a record that does not parse | yes |
/// | `root.no_record` | the domain itself has no SPF record (the result is none) | no |
/// | `include.no_record` | an `include` of a name with no SPF record | yes |
/// | `redirect.no_record` | a `redirect=` to a name with no SPF record | yes |
/// | `tree.loop` | a record that includes or redirects to itself, directly or not | yes |
/// | `tree.repeated` | a record reached more than once; its lookups count each time | no |
/// | `tree.truncated` | the tree is too large to walk (over 100 records or 2000 questions) | yes |
/// | `dns.temperror` | a lookup failed; the tree below it is unknown | no |
/// | `all.pass` | `+all`: every host on the internet passes | no |
/// | `all.neutral` | `?all`: every host is neutral | no |
/// | `all.not_last` | directives after `all` are never evaluated | no |
/// | `ptr.used` | `ptr` is slow and SHOULD NOT be published (section 5.5) | no |
/// | `redirect.with_all` | `redirect=` beside `all` is never used (section 6.1) | no |
/// | `term.macro` | a target with macros depends on the client; its own lookups are not counted | no |
/// | `flatten.kept` | flattening kept this term as written (`exists`, `ptr`, macros) | no |
/// | `flatten.snapshot` | a flattened record freezes addresses; redo it when they change | no |
/// | `flatten.exp_dropped` | the `exp=` of a flattened redirect target is not carried over | no |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum TreeCode {
    /// `lookups.over_limit`
    LookupsOverLimit,
    /// `void.over_limit`
    VoidOverLimit,
    /// `void.lookup`
    VoidLookup,
    /// `mx.over_limit`
    MxOverLimit,
    /// `record.over_255`
    RecordOver255,
    /// `record.over_512`
    RecordOver512,
    /// `record.multiple`
    RecordMultiple,
    /// `record.syntax`
    RecordSyntax,
    /// `root.no_record`
    RootNoRecord,
    /// `include.no_record`
    IncludeNoRecord,
    /// `redirect.no_record`
    RedirectNoRecord,
    /// `tree.loop`
    Loop,
    /// `tree.repeated`
    Repeated,
    /// `tree.truncated`
    Truncated,
    /// `dns.temperror`
    TempError,
    /// `all.pass`
    AllPass,
    /// `all.neutral`
    AllNeutral,
    /// `all.not_last`
    AllNotLast,
    /// `ptr.used`
    PtrUsed,
    /// `redirect.with_all`
    RedirectWithAll,
    /// `term.macro`
    Macro,
    /// `flatten.kept`
    FlattenKept,
    /// `flatten.snapshot`
    FlattenSnapshot,
    /// `flatten.exp_dropped`
    FlattenExpDropped,
}

impl TreeCode {
    /// The stable code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LookupsOverLimit => "lookups.over_limit",
            Self::VoidOverLimit => "void.over_limit",
            Self::VoidLookup => "void.lookup",
            Self::MxOverLimit => "mx.over_limit",
            Self::RecordOver255 => "record.over_255",
            Self::RecordOver512 => "record.over_512",
            Self::RecordMultiple => "record.multiple",
            Self::RecordSyntax => "record.syntax",
            Self::RootNoRecord => "root.no_record",
            Self::IncludeNoRecord => "include.no_record",
            Self::RedirectNoRecord => "redirect.no_record",
            Self::Loop => "tree.loop",
            Self::Repeated => "tree.repeated",
            Self::Truncated => "tree.truncated",
            Self::TempError => "dns.temperror",
            Self::AllPass => "all.pass",
            Self::AllNeutral => "all.neutral",
            Self::AllNotLast => "all.not_last",
            Self::PtrUsed => "ptr.used",
            Self::RedirectWithAll => "redirect.with_all",
            Self::Macro => "term.macro",
            Self::FlattenKept => "flatten.kept",
            Self::FlattenSnapshot => "flatten.snapshot",
            Self::FlattenExpDropped => "flatten.exp_dropped",
        }
    }

    /// Whether a tree with this warning gives some client a permerror.
    #[must_use]
    pub const fn is_permerror(self) -> bool {
        matches!(
            self,
            Self::LookupsOverLimit
                | Self::VoidOverLimit
                | Self::MxOverLimit
                | Self::RecordMultiple
                | Self::RecordSyntax
                | Self::IncludeNoRecord
                | Self::RedirectNoRecord
                | Self::Loop
                | Self::Truncated
        )
    }
}

impl fmt::Display for TreeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding of the tree lint or of flattening.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TreeWarning {
    /// The stable code.
    pub code: TreeCode,
    /// The name whose record holds the term concerned.
    pub domain: String,
    /// The term concerned, in canonical form, if one is.
    pub term: Option<String>,
    /// A lowercase explanation.
    pub message: String,
}

impl fmt::Display for TreeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// What was found at a name of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum NodeState {
    /// One SPF record, walked below.
    Record,
    /// Already walked higher in the tree; its terms are shown there.
    Repeated,
    /// No SPF record (NXDOMAIN, no TXT, or no TXT starting with `v=spf1`).
    NoRecord,
    /// More than one SPF record.
    Multiple,
    /// The record does not parse.
    Invalid,
    /// The lookup failed.
    TempError,
    /// The name is one of its own ancestors.
    Loop,
    /// Not walked: the tree is too large.
    Truncated,
}

/// A name of the tree and its record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TreeNode {
    /// The name (lowercase, no trailing dot).
    pub domain: String,
    /// What was found there.
    pub state: NodeState,
    /// The record text as published (its strings joined), when there is one.
    pub record: Option<String>,
    /// Why the record is invalid, for [`NodeState::Invalid`].
    pub error: Option<String>,
    /// The record's terms, in order (empty unless [`NodeState::Record`]).
    pub terms: Vec<TreeTerm>,
    /// Lookups that evaluating this record costs a client that matches nothing
    /// (not counting the lookup that reached it).
    pub lookups: usize,
}

/// One term of a record in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TreeTerm {
    /// The term in canonical form.
    pub term: String,
    /// Whether a client that matches nothing reaches it (false after `all`, and for
    /// `redirect=` beside `all`).
    pub reached: bool,
    /// Lookups this term costs: 1 for a DNS-querying term, plus its subtree.
    pub lookups: usize,
    /// Void lookups this term causes in the worse of the two address families.
    pub void_lookups: usize,
    /// For `mx`: how many exchanges the name has.
    pub mx_hosts: Option<usize>,
    /// For `include` and `redirect=`: the target's node.
    pub child: Option<TreeNode>,
}

/// A finished walk: the tree, the worst-case counts and the warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Tree {
    /// The domain walked.
    pub domain: String,
    /// Its node.
    pub root: TreeNode,
    /// DNS-querying terms a client that matches nothing causes (at least 11 when the
    /// tree loops).
    pub lookups_worst: usize,
    /// Void lookups that client causes, in the worse address family.
    pub void_lookups_worst: usize,
    /// Whether some client gets permerror.
    pub permerror_possible: bool,
    /// The findings, in tree order.
    pub warnings: Vec<TreeWarning>,
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) answers: BTreeMap<Key, Answer>,
}

impl Tree {
    /// The answer gathered for a question, if it was asked.
    #[must_use]
    pub fn answer_for(&self, name: &str, qtype: QueryType) -> Option<&Answer> {
        self.answers.get(&(normalize(name), qt(qtype)))
    }

    /// Every question asked and its answer.
    pub fn answers(&self) -> impl Iterator<Item = (Query, &Answer)> + '_ {
        self.answers.iter().map(|((name, t), a)| {
            (
                Query {
                    name: name.clone(),
                    qtype: qtype_of(*t),
                },
                a,
            )
        })
    }
}

pub(crate) type Key = (String, u8);

const fn qt(q: QueryType) -> u8 {
    match q {
        QueryType::Txt => 0,
        QueryType::A => 1,
        QueryType::Aaaa => 2,
        QueryType::Mx => 3,
        QueryType::Ptr => 4,
    }
}

const fn qtype_of(t: u8) -> QueryType {
    match t {
        0 => QueryType::Txt,
        1 => QueryType::A,
        2 => QueryType::Aaaa,
        3 => QueryType::Mx,
        _ => QueryType::Ptr,
    }
}

pub(crate) fn normalize(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// A name that can be asked: 1 to 253 octets in labels of 1 to 63.
pub(crate) fn askable(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(|l| (1..=63).contains(&l.len()))
}

/// A name `check_host()` accepts as a domain (section 4.3): askable, more than one
/// label, printable, not an address literal, a top label that is not all digits.
pub(crate) fn checkable(name: &str) -> bool {
    askable(name)
        && name.contains('.')
        && name
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'[' && c != b']')
        && !name
            .rsplit('.')
            .next()
            .unwrap_or("")
            .bytes()
            .all(|c| c.is_ascii_digit())
}

/// The literal target of a term (`None` when it has macros).
pub(crate) fn literal(spec: Option<&MacroString>, current: &str) -> Option<String> {
    match spec {
        None => Some(String::from(current)),
        Some(s) if s.has_macros() => None,
        Some(s) => Some(normalize(s.as_str())),
    }
}

/// The SPF record text of a TXT answer: the first TXT record that starts with `v=spf1`.
pub(crate) fn spf_text(rrs: &[Vec<Vec<u8>>]) -> Option<String> {
    rrs.iter().find_map(|rr| {
        let joined: Vec<u8> = rr.iter().flatten().copied().collect();
        crate::parse::is_spf_record(&joined).then(|| String::from_utf8_lossy(&joined).into_owned())
    })
}

/// The sans-IO walker of a domain's SPF tree.
///
/// ```
/// use hostkit_spf::{Answer, TreeWalker};
/// let mut walk = TreeWalker::new("example.com");
/// while let Some(q) = walk.next_query().cloned() {
///     let answer = match (q.name.as_str(), q.qtype.as_str()) {
///         ("example.com", "TXT") => Answer::Txt(vec![vec![b"v=spf1 include:_spf.example.net mx -all".to_vec()]]),
///         ("_spf.example.net", "TXT") => Answer::Txt(vec![vec![b"v=spf1 a:out.example.net ~all".to_vec()]]),
///         ("example.com", "MX") => Answer::Mx(vec![(10, "mx.example.com".into())]),
///         ("mx.example.com" | "out.example.net", "A") => Answer::A(vec!["192.0.2.25".parse().unwrap()]),
///         _ => Answer::NoData,
///     };
///     walk.answer(answer);
/// }
/// let tree = walk.finish();
/// assert_eq!(tree.lookups_worst, 3);
/// assert!(!tree.permerror_possible);
/// ```
#[derive(Debug, Clone)]
pub struct TreeWalker {
    domain: String,
    answers: BTreeMap<Key, Answer>,
    asked: BTreeSet<Key>,
    queue: VecDeque<Query>,
    records: usize,
    truncated: bool,
}

impl TreeWalker {
    /// Start walking the tree of `domain`.
    #[must_use]
    pub fn new(domain: &str) -> Self {
        let mut w = Self {
            domain: normalize(domain),
            answers: BTreeMap::new(),
            asked: BTreeSet::new(),
            queue: VecDeque::new(),
            records: 0,
            truncated: false,
        };
        if checkable(&w.domain) {
            let d = w.domain.clone();
            w.ask(d, QueryType::Txt);
        }
        w
    }

    fn ask(&mut self, name: String, qtype: QueryType) {
        if !askable(&name) {
            return;
        }
        let key = (name, qt(qtype));
        if self.asked.contains(&key) {
            return;
        }
        if self.asked.len() >= MAX_QUERIES
            || (qtype == QueryType::Txt && self.records >= MAX_RECORDS)
        {
            self.truncated = true;
            return;
        }
        if qtype == QueryType::Txt {
            self.records += 1;
        }
        self.queue.push_back(Query {
            name: key.0.clone(),
            qtype,
        });
        self.asked.insert(key);
    }

    /// The next question to answer, or `None` when the walk has all it needs. Every
    /// question is asked once; answer it with [`TreeWalker::answer`].
    #[must_use]
    pub fn next_query(&self) -> Option<&Query> {
        self.queue.front()
    }

    /// Every question still to answer, in the order [`TreeWalker::next_query`] gives
    /// them; they are independent, so a driver may resolve them at once and answer
    /// them with [`TreeWalker::answer_query`] in any order.
    pub fn pending(&self) -> impl Iterator<Item = &Query> + '_ {
        self.queue.iter()
    }

    /// Answer the question [`TreeWalker::next_query`] gives (ignored when none is
    /// left).
    pub fn answer(&mut self, answer: Answer) {
        if let Some(q) = self.queue.pop_front() {
            self.take(q, answer);
        }
    }

    /// Answer one of the [`TreeWalker::pending`] questions. Returns `false`, and
    /// changes nothing, when `query` is not pending.
    pub fn answer_query(&mut self, query: &Query, answer: Answer) -> bool {
        let name = normalize(&query.name);
        let Some(i) = self
            .queue
            .iter()
            .position(|q| q.qtype == query.qtype && q.name == name)
        else {
            return false;
        };
        if let Some(q) = self.queue.remove(i) {
            self.take(q, answer);
        }
        true
    }

    fn take(&mut self, q: Query, answer: Answer) {
        match (&q.qtype, &answer) {
            (QueryType::Txt, Answer::Txt(rrs)) => {
                if let Selected::Record(r) = select_record(rrs.iter().map(|r| r.iter())) {
                    self.schedule(&r, &q.name);
                }
            }
            (QueryType::Mx, Answer::Mx(hosts)) => {
                let mut hosts: Vec<&(u16, String)> = hosts.iter().collect();
                hosts.sort();
                for (_, h) in hosts.into_iter().take(MAX_MX_HOSTS) {
                    let h = normalize(h);
                    self.ask(h.clone(), QueryType::A);
                    self.ask(h, QueryType::Aaaa);
                }
            }
            _ => {}
        }
        self.answers.insert((q.name, qt(q.qtype)), answer);
    }

    /// Ask what the terms of `record` (at `domain`) reach.
    fn schedule(&mut self, record: &Record, domain: &str) {
        for t in record.terms() {
            match t {
                Term::Directive(d) => match &d.mechanism {
                    Mechanism::All => break,
                    Mechanism::Include(s) => {
                        if let Some(n) = literal(Some(s), domain).filter(|n| checkable(n)) {
                            self.ask(n, QueryType::Txt);
                        }
                    }
                    Mechanism::A { domain: s, .. } => {
                        if let Some(n) = literal(s.as_ref(), domain) {
                            self.ask(n.clone(), QueryType::A);
                            self.ask(n, QueryType::Aaaa);
                        }
                    }
                    Mechanism::Mx { domain: s, .. } => {
                        if let Some(n) = literal(s.as_ref(), domain) {
                            self.ask(n, QueryType::Mx);
                        }
                    }
                    Mechanism::Exists(s) => {
                        if let Some(n) = literal(Some(s), domain) {
                            self.ask(n, QueryType::A);
                        }
                    }
                    Mechanism::Ptr(_) | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {}
                },
                Term::Modifier(_) => {}
            }
        }
        if !record.has_all()
            && let Some(n) = literal(record.redirect(), domain).filter(|n| checkable(n))
        {
            self.ask(n, QueryType::Txt);
        }
    }

    /// Drive the walk to its end with a synchronous resolver.
    pub fn run(mut self, mut resolve: impl FnMut(&Query) -> Answer) -> Tree {
        while let Some(q) = self.queue.front().cloned() {
            let a = resolve(&q);
            self.answer(a);
        }
        self.finish()
    }

    /// Analyse what was gathered. Questions never answered count as failed lookups.
    #[must_use]
    pub fn finish(self) -> Tree {
        let mut an = Analysis {
            answers: &self.answers,
            truncated: self.truncated,
            warnings: Vec::new(),
            memo: BTreeMap::new(),
            path: Vec::new(),
            repeated: BTreeSet::new(),
        };
        let (root, cost) = an.node(&self.domain, Via::Root);
        let mut warnings = an.warnings;
        let lookups_worst = if cost.looped {
            cost.lookups.max(LOOKUP_LIMIT + 1)
        } else {
            cost.lookups
        };
        let void_lookups_worst = cost.void4.max(cost.void6);
        if lookups_worst > LOOKUP_LIMIT {
            warnings.push(TreeWarning {
                code: TreeCode::LookupsOverLimit,
                domain: self.domain.clone(),
                term: None,
                message: format!(
                    "a client that matches nothing causes {lookups_worst} dns-querying terms, the limit is {LOOKUP_LIMIT}"
                ),
            });
        }
        if void_lookups_worst > VOID_LIMIT {
            warnings.push(TreeWarning {
                code: TreeCode::VoidOverLimit,
                domain: self.domain.clone(),
                term: None,
                message: format!(
                    "a client that matches nothing causes {void_lookups_worst} void lookups, the limit is {VOID_LIMIT}"
                ),
            });
        }
        let permerror_possible = warnings.iter().any(|w| w.code.is_permerror());
        Tree {
            domain: self.domain,
            root,
            lookups_worst,
            void_lookups_worst,
            permerror_possible,
            warnings,
            answers: self.answers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Root,
    Include,
    Redirect,
}

impl Via {
    const fn what(self) -> &'static str {
        match self {
            Self::Root => "",
            Self::Include => "included ",
            Self::Redirect => "redirect target ",
        }
    }
}

/// The worst-case cost of a subtree.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    lookups: usize,
    void4: usize,
    void6: usize,
    looped: bool,
}

impl Cost {
    fn add(&mut self, o: Self) {
        self.lookups = self.lookups.saturating_add(o.lookups);
        self.void4 = self.void4.saturating_add(o.void4);
        self.void6 = self.void6.saturating_add(o.void6);
        self.looped |= o.looped;
    }
}

struct Analysis<'a> {
    answers: &'a BTreeMap<Key, Answer>,
    truncated: bool,
    warnings: Vec<TreeWarning>,
    memo: BTreeMap<String, Cost>,
    path: Vec<String>,
    repeated: BTreeSet<String>,
}

/// How an address or exchange lookup came out.
enum Found<'a, T> {
    Some(&'a [T]),
    Void,
    Failed,
    Missing,
}

impl<'a> Analysis<'a> {
    fn warn(
        &mut self,
        code: TreeCode,
        domain: &str,
        term: Option<&dyn fmt::Display>,
        message: String,
    ) {
        self.warnings.push(TreeWarning {
            code,
            domain: String::from(domain),
            term: term.map(ToString::to_string),
            message,
        });
    }

    fn get(&self, name: &str, qtype: QueryType) -> Option<&'a Answer> {
        self.answers.get(&(String::from(name), qt(qtype)))
    }

    fn leaf(domain: &str, state: NodeState) -> TreeNode {
        TreeNode {
            domain: String::from(domain),
            state,
            record: None,
            error: None,
            terms: Vec::new(),
            lookups: 0,
        }
    }

    fn no_record(&mut self, domain: &str, via: Via) {
        let code = match via {
            Via::Root => {
                self.warn(
                    TreeCode::RootNoRecord,
                    domain,
                    None,
                    format!("{domain} has no spf record, the result is none"),
                );
                return;
            }
            Via::Include => TreeCode::IncludeNoRecord,
            Via::Redirect => TreeCode::RedirectNoRecord,
        };
        let what = via.what();
        self.warn(
            code,
            domain,
            None,
            format!("{what}{domain} has no spf record, which is a permerror"),
        );
    }

    fn node(&mut self, domain: &str, via: Via) -> (TreeNode, Cost) {
        if self.path.iter().any(|p| p == domain) {
            self.warn(
                TreeCode::Loop,
                domain,
                None,
                format!("{domain} is reached again from its own subtree"),
            );
            let cost = Cost {
                looped: true,
                ..Cost::default()
            };
            return (Self::leaf(domain, NodeState::Loop), cost);
        }
        if let Some(cost) = self.memo.get(domain).copied() {
            if self.repeated.insert(String::from(domain)) {
                self.warn(
                    TreeCode::Repeated,
                    domain,
                    None,
                    format!("{domain} is reached more than once, its lookups count each time"),
                );
            }
            let mut n = Self::leaf(domain, NodeState::Repeated);
            n.lookups = cost.lookups;
            return (n, cost);
        }
        let what = via.what();
        let mut cost = Cost::default();
        let rrs = match self.get(domain, QueryType::Txt) {
            None => {
                if self.truncated {
                    self.warn(
                        TreeCode::Truncated,
                        domain,
                        None,
                        format!("{domain} was not walked: the tree is too large"),
                    );
                    return (Self::leaf(domain, NodeState::Truncated), cost);
                }
                // Not askable: no such name.
                self.no_record(domain, via);
                return (Self::leaf(domain, NodeState::NoRecord), cost);
            }
            Some(Answer::Txt(rrs)) => rrs,
            Some(Answer::TempError) => {
                self.warn(
                    TreeCode::TempError,
                    domain,
                    None,
                    format!("the txt lookup of {what}{domain} failed"),
                );
                return (Self::leaf(domain, NodeState::TempError), cost);
            }
            Some(_) => {
                if via != Via::Root {
                    cost.void4 = 1;
                    cost.void6 = 1;
                    self.warn(
                        TreeCode::VoidLookup,
                        domain,
                        None,
                        format!("{domain} has no txt records"),
                    );
                }
                self.no_record(domain, via);
                return (Self::leaf(domain, NodeState::NoRecord), cost);
            }
        };
        let record = match select_record(rrs.iter().map(|r| r.iter())) {
            Selected::Record(r) => r,
            Selected::None => {
                self.no_record(domain, via);
                return (Self::leaf(domain, NodeState::NoRecord), cost);
            }
            Selected::Multiple(n) => {
                self.warn(
                    TreeCode::RecordMultiple,
                    domain,
                    None,
                    format!("{domain} has {n} spf records, which is a permerror"),
                );
                return (Self::leaf(domain, NodeState::Multiple), cost);
            }
            Selected::Invalid(e) => {
                self.warn(
                    TreeCode::RecordSyntax,
                    domain,
                    None,
                    format!("the record of {domain} does not parse: {e}"),
                );
                let mut n = Self::leaf(domain, NodeState::Invalid);
                n.record = spf_text(rrs);
                n.error = Some(e.to_string());
                return (n, cost);
            }
        };
        let text = spf_text(rrs).unwrap_or_default();
        if text.len() > 512 {
            self.warn(
                TreeCode::RecordOver512,
                domain,
                None,
                format!(
                    "the record of {domain} is {} bytes, over the 512 of a classic udp answer",
                    text.len()
                ),
            );
        } else if text.len() > 255 {
            self.warn(
                TreeCode::RecordOver255,
                domain,
                None,
                format!(
                    "the record of {domain} is {} bytes, so it must be published as several strings",
                    text.len()
                ),
            );
        }
        self.path.push(String::from(domain));
        let terms = self.terms(&record, domain, &mut cost);
        self.path.pop();
        self.memo.insert(String::from(domain), cost);
        let node = TreeNode {
            domain: String::from(domain),
            state: NodeState::Record,
            record: Some(text),
            error: None,
            terms,
            lookups: cost.lookups,
        };
        (node, cost)
    }

    fn terms(&mut self, record: &Record, domain: &str, total: &mut Cost) -> Vec<TreeTerm> {
        let has_all = record.has_all();
        let mut reached = true;
        let mut out = Vec::with_capacity(record.terms().len());
        for t in record.terms() {
            let mut term = TreeTerm {
                term: t.to_string(),
                reached,
                lookups: 0,
                void_lookups: 0,
                mx_hosts: None,
                child: None,
            };
            let mut cost = Cost::default();
            match t {
                Term::Directive(d) if !reached => {
                    if d.mechanism != Mechanism::All {
                        self.warn(
                            TreeCode::AllNotLast,
                            domain,
                            Some(t),
                            format!("{t} comes after all and is never evaluated"),
                        );
                    }
                }
                Term::Directive(d) => {
                    if d.mechanism == Mechanism::All {
                        reached = false;
                    }
                    self.directive(d, domain, &mut cost, &mut term);
                }
                Term::Modifier(Modifier::Redirect(spec)) => {
                    if has_all {
                        term.reached = false;
                        self.warn(
                            TreeCode::RedirectWithAll,
                            domain,
                            Some(t),
                            String::from("redirect= beside all is never used"),
                        );
                    } else {
                        cost.lookups = 1;
                        self.target_node(spec, domain, Via::Redirect, t, &mut cost, &mut term);
                    }
                }
                Term::Modifier(_) => {}
            }
            term.lookups = cost.lookups;
            term.void_lookups = cost.void4.max(cost.void6);
            total.add(cost);
            out.push(term);
        }
        out
    }

    fn target_node(
        &mut self,
        spec: &MacroString,
        domain: &str,
        via: Via,
        t: &dyn fmt::Display,
        cost: &mut Cost,
        term: &mut TreeTerm,
    ) {
        match literal(Some(spec), domain) {
            None => self.macro_warning(domain, t),
            Some(n) if !checkable(&n) => {
                let code = if via == Via::Include {
                    TreeCode::IncludeNoRecord
                } else {
                    TreeCode::RedirectNoRecord
                };
                self.warn(
                    code,
                    domain,
                    Some(t),
                    format!("{n} is not a valid domain, so it has no spf record: a permerror"),
                );
            }
            Some(n) => {
                let (child, c) = self.node(&n, via);
                cost.add(c);
                term.child = Some(child);
            }
        }
    }

    fn macro_warning(&mut self, domain: &str, t: &dyn fmt::Display) {
        self.warn(
            TreeCode::Macro,
            domain,
            Some(t),
            format!("{t} depends on the client, its own lookups are not counted"),
        );
    }

    fn directive(&mut self, d: &Directive, domain: &str, cost: &mut Cost, term: &mut TreeTerm) {
        if d.mechanism.queries_dns() {
            cost.lookups = 1;
        }
        match &d.mechanism {
            Mechanism::All => match d.qualifier {
                Qualifier::Pass => self.warn(
                    TreeCode::AllPass,
                    domain,
                    Some(d),
                    String::from("+all lets every host on the internet pass"),
                ),
                Qualifier::Neutral => self.warn(
                    TreeCode::AllNeutral,
                    domain,
                    Some(d),
                    String::from("?all makes every other host neutral"),
                ),
                _ => {}
            },
            Mechanism::Include(spec) => {
                self.target_node(spec, domain, Via::Include, d, cost, term);
            }
            Mechanism::A { domain: spec, .. } => match literal(spec.as_ref(), domain) {
                None => self.macro_warning(domain, d),
                Some(n) => self.addresses(&n, domain, d, cost),
            },
            Mechanism::Mx { domain: spec, .. } => match literal(spec.as_ref(), domain) {
                None => self.macro_warning(domain, d),
                Some(n) => self.mx(&n, domain, d, cost, term),
            },
            Mechanism::Exists(spec) => match literal(Some(spec), domain) {
                None => self.macro_warning(domain, d),
                Some(n) => match self.lookup_a(&n, QueryType::A) {
                    Found::Some(_) => {}
                    Found::Void => {
                        cost.void4 += 1;
                        cost.void6 += 1;
                        self.void_warning(domain, d, &n, "a");
                    }
                    Found::Failed => self.fail_warning(domain, d, &n, "a"),
                    Found::Missing => self.missing(domain, d),
                },
            },
            Mechanism::Ptr(_) => self.warn(
                TreeCode::PtrUsed,
                domain,
                Some(d),
                String::from("ptr is slow and should not be published (rfc 7208 section 5.5)"),
            ),
            Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {}
        }
    }

    fn void_warning(&mut self, domain: &str, t: &dyn fmt::Display, name: &str, what: &str) {
        self.warn(
            TreeCode::VoidLookup,
            domain,
            Some(t),
            format!("{name} has no {what} records, a void lookup"),
        );
    }

    fn fail_warning(&mut self, domain: &str, t: &dyn fmt::Display, name: &str, what: &str) {
        self.warn(
            TreeCode::TempError,
            domain,
            Some(t),
            format!("the {what} lookup of {name} failed"),
        );
    }

    fn missing(&mut self, domain: &str, t: &dyn fmt::Display) {
        self.warn(
            TreeCode::Truncated,
            domain,
            Some(t),
            format!("{t} was not walked: the tree is too large"),
        );
    }

    /// An address lookup: `Void` when the name is not askable or finds nothing.
    fn lookup_a(&self, name: &str, qtype: QueryType) -> Found<'a, ()> {
        if !askable(name) {
            return Found::Void;
        }
        match self.get(name, qtype) {
            None => Found::Missing,
            Some(Answer::A(v)) if !v.is_empty() && qtype == QueryType::A => Found::Some(&[]),
            Some(Answer::Aaaa(v)) if !v.is_empty() && qtype == QueryType::Aaaa => Found::Some(&[]),
            Some(Answer::TempError) => Found::Failed,
            Some(_) => Found::Void,
        }
    }

    /// The A and AAAA lookups of `a` (or of one exchange of `mx`).
    fn addresses(&mut self, name: &str, domain: &str, t: &dyn fmt::Display, cost: &mut Cost) {
        for (qtype, what) in [(QueryType::A, "a"), (QueryType::Aaaa, "aaaa")] {
            match self.lookup_a(name, qtype) {
                Found::Some(_) => {}
                Found::Void => {
                    if qtype == QueryType::A {
                        cost.void4 += 1;
                    } else {
                        cost.void6 += 1;
                    }
                    self.void_warning(domain, t, name, what);
                }
                Found::Failed => self.fail_warning(domain, t, name, what),
                Found::Missing => self.missing(domain, t),
            }
        }
    }

    fn mx(
        &mut self,
        name: &str,
        domain: &str,
        d: &Directive,
        cost: &mut Cost,
        term: &mut TreeTerm,
    ) {
        let found: Found<'a, (u16, String)> = if askable(name) {
            match self.get(name, QueryType::Mx) {
                None => Found::Missing,
                Some(Answer::Mx(v)) if !v.is_empty() => Found::Some(v),
                Some(Answer::TempError) => Found::Failed,
                Some(_) => Found::Void,
            }
        } else {
            Found::Void
        };
        match found {
            Found::Some(hosts) => {
                term.mx_hosts = Some(hosts.len());
                if hosts.len() > MX_LIMIT {
                    self.warn(
                        TreeCode::MxOverLimit,
                        domain,
                        Some(d),
                        format!(
                            "{name} has {} exchanges, more than {MX_LIMIT} is a permerror",
                            hosts.len()
                        ),
                    );
                }
                let mut hosts: Vec<&(u16, String)> = hosts.iter().collect();
                hosts.sort();
                for (_, h) in hosts.into_iter().take(MAX_MX_HOSTS) {
                    self.addresses(&normalize(h), domain, d, cost);
                }
            }
            Found::Void => {
                cost.void4 += 1;
                cost.void6 += 1;
                self.void_warning(domain, d, name, "mx");
            }
            Found::Failed => self.fail_warning(domain, d, name, "mx"),
            Found::Missing => self.missing(domain, d),
        }
    }
}
