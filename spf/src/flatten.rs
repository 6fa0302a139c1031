//! Flattening: a walked tree rewritten as `ip4:`/`ip6:` networks that need at most 10
//! lookups and give every client the result the original gives it with its limits
//! lifted.
//!
//! First-match semantics are kept exactly. An `include` becomes the set of addresses
//! where the included record passes (so a `-ip4:` inside it carves a hole, and a
//! `~all` there matches nothing), written with the including term's qualifier; `a` and
//! `mx` become their addresses with their CIDR lengths; a `redirect=` with no `all`
//! continues with the target's terms. Between two terms that must stay as written
//! (`exists`, `ptr`, anything with macros), the networks are grouped by result; inside
//! a group, adjacent and contained networks merge, which changes no result because the
//! groups are disjoint. When the record does not fit in the maximum length, whole
//! groups move into a chain of records (`_spf1.D`, `_spf2.D`, ...) that hold only
//! passing networks and end by including the next, reached through one
//! `<qualifier>include:` in the domain's record.
//!
//! The result is a snapshot of the addresses the tree's names had when it was walked:
//! [`Flattened::frozen`] lists those names.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};
use core::ops::{BitAnd, BitOr, Not};

use crate::error::{Error, ErrorKind};
use crate::eval::{Answer, QueryType};
use crate::record::{DualCidr, Mechanism, Modifier, Qualifier, Record, Term};
use crate::select::{Selected, select_record};
use crate::tree::{
    Tree, TreeCode, TreeWalker, TreeWarning, askable, checkable, literal, normalize,
};

/// The lookup limit of section 4.6.4.
const LOOKUP_LIMIT: usize = 10;
/// The most chained records written (far past what 10 lookups allow).
const CHAIN_NAMES: usize = 64;

/// How to flatten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlattenOptions {
    /// The longest record written, in bytes (default 255, one DNS character-string).
    pub max_length: usize,
    /// The first label of the chained records, numbered from 1 (default `_spf`, giving
    /// `_spf1.D`, `_spf2.D`, ...).
    pub chain_prefix: String,
}

impl Default for FlattenOptions {
    fn default() -> Self {
        Self {
            max_length: 255,
            chain_prefix: String::from("_spf"),
        }
    }
}

/// One record to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Published {
    /// The owner name.
    pub name: String,
    /// The TXT value, one string (split it into strings of at most 255 bytes when it
    /// is longer).
    pub value: String,
}

/// A flattened tree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Flattened {
    /// The records to publish, the domain's own first.
    pub records: Vec<Published>,
    /// Lookups the flattened tree costs a client that matches nothing.
    pub lookups: usize,
    /// Terms kept as written, in canonical form.
    pub kept: Vec<String>,
    /// The names whose addresses or records the flattened records freeze.
    pub frozen: Vec<String>,
    /// Findings: the kept terms, the snapshot, dropped explanations.
    pub warnings: Vec<TreeWarning>,
}

/// Flatten a walked tree.
///
/// ```
/// use hostkit_spf::{Answer, FlattenOptions, TreeWalker, flatten};
/// let txt = |s: &str| Answer::Txt(vec![vec![s.as_bytes().to_vec()]]);
/// let tree = TreeWalker::new("example.com").run(|q| match (q.name.as_str(), q.qtype.as_str()) {
///     ("example.com", "TXT") => txt("v=spf1 include:_spf.example.net -all"),
///     ("_spf.example.net", "TXT") => txt("v=spf1 -ip4:192.0.2.128/25 ip4:192.0.2.0/24 ~all"),
///     _ => Answer::NxDomain,
/// });
/// let flat = flatten(&tree, &FlattenOptions::default())?;
/// assert_eq!(flat.records[0].value, "v=spf1 ip4:192.0.2.0/25 -all");
/// assert_eq!(flat.lookups, 0);
/// # Ok::<(), hostkit_spf::Error>(())
/// ```
///
/// # Errors
///
/// [`Error`] naming the term concerned, of kind
/// - `FlattenNoRecord` when the domain has no SPF record;
/// - `FlattenPermError` when some client gets permerror (syntax errors, several
///   records, loops, includes of names with no record);
/// - `FlattenTempError` when a lookup the flattening needs failed or was not made;
/// - `FlattenOverLimit` when the terms kept as written need more than 10 lookups;
/// - `FlattenTooLong` when a term or the domain's record cannot fit in
///   `max_length` bytes.
pub fn flatten(tree: &Tree, options: &FlattenOptions) -> Result<Flattened, Error> {
    let mut f = Flat {
        tree,
        memo: BTreeMap::new(),
        path: Vec::new(),
        frozen: BTreeSet::new(),
        warnings: Vec::new(),
        kept: Vec::new(),
    };
    let domain = tree.domain.as_str();
    let record = f.record_of(domain, domain, true)?;
    let body = f.body(domain, &record, true)?;
    let Some(body) = body else {
        // The root keeps what it cannot flatten, so it always has a body.
        return Err(Error::new(ErrorKind::FlattenPermError, domain, 0));
    };
    let pieces = layout_pieces(&body);
    let mut modifiers: Vec<String> = Vec::new();
    for t in record.terms() {
        if let Term::Modifier(Modifier::Exp(_) | Modifier::Unknown { .. }) = t {
            modifiers.push(t.to_string());
        }
    }
    // Chain names: `_spf1.D`, `_spf2.D`, ... skipping any name the tree already uses.
    let names: Vec<String> = (1..)
        .map(|i| format!("{}{i}.{domain}", options.chain_prefix))
        .filter(|n| tree.answers().all(|(q, _)| q.name != *n))
        .take(CHAIN_NAMES)
        .collect();
    let records = layout(domain, &pieces, &body.end, &modifiers, &names, options)?;
    f.frozen.remove(domain);
    let lookups = check_lookups(tree, &records)?;
    let mut warnings = f.warnings;
    let frozen: Vec<String> = f.frozen.into_iter().collect();
    warnings.push(TreeWarning {
        code: TreeCode::FlattenSnapshot,
        domain: String::from(domain),
        term: None,
        message: format!(
            "a snapshot of the addresses of {} names ({}): flatten again when they change",
            frozen.len(),
            frozen.join(", ")
        ),
    });
    Ok(Flattened {
        records,
        lookups,
        kept: f.kept,
        frozen,
        warnings,
    })
}

/// Walk the flattened records (and what the kept terms reach, from the original
/// answers) and count their worst-case lookups.
fn check_lookups(tree: &Tree, records: &[Published]) -> Result<usize, Error> {
    let own: BTreeMap<&str, &str> = records
        .iter()
        .map(|r| (r.name.as_str(), r.value.as_str()))
        .collect();
    let after = TreeWalker::new(&tree.domain).run(|q| {
        if q.qtype == QueryType::Txt
            && let Some(v) = own.get(q.name.as_str())
        {
            return Answer::Txt(alloc::vec![alloc::vec![v.as_bytes().to_vec()]]);
        }
        tree.answer_for(&q.name, q.qtype)
            .cloned()
            .unwrap_or(Answer::TempError)
    });
    if after.lookups_worst > LOOKUP_LIMIT {
        return Err(Error::new(
            ErrorKind::FlattenOverLimit,
            &records[0].value,
            0,
        ));
    }
    if let Some(w) = after.warnings.iter().find(|w| w.code.is_permerror()) {
        return Err(Error::new(
            ErrorKind::FlattenPermError,
            w.term.as_deref().unwrap_or(&w.domain),
            0,
        ));
    }
    Ok(after.lookups_worst)
}

// ------------------------------------------------------------------ address sets

/// The unsigned integer of an address family.
trait Bits: Copy + Ord + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> {
    const WIDTH: u32;
    const ZERO: Self;
    const MAX: Self;
    /// `2^k - 1`, for `k` up to `WIDTH`.
    fn low(k: u32) -> Self;
    fn inc(self) -> Option<Self>;
    fn dec(self) -> Option<Self>;
    fn tz(self) -> u32;
}

macro_rules! bits {
    ($t:ty) => {
        impl Bits for $t {
            const WIDTH: u32 = <$t>::BITS;
            const ZERO: Self = 0;
            const MAX: Self = <$t>::MAX;
            fn low(k: u32) -> Self {
                if k >= Self::WIDTH {
                    Self::MAX
                } else {
                    (1 << k) - 1
                }
            }
            fn inc(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn dec(self) -> Option<Self> {
                self.checked_sub(1)
            }
            fn tz(self) -> u32 {
                self.trailing_zeros()
            }
        }
    };
}
bits!(u32);
bits!(u128);

/// A set of addresses: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Ranges<T>(Vec<(T, T)>);

impl<T: Bits> Ranges<T> {
    fn block(addr: T, prefix: u8) -> Self {
        let host = T::low(T::WIDTH - u32::from(prefix).min(T::WIDTH));
        let lo = addr & !host;
        Self(alloc::vec![(lo, lo | host)])
    }

    fn full() -> Self {
        Self(alloc::vec![(T::ZERO, T::MAX)])
    }

    #[cfg(test)]
    fn union(&self, other: &Self) -> Self {
        Self::from_intervals(self.0.iter().chain(other.0.iter()).copied().collect())
    }

    /// The set of any intervals, in any order, overlapping or not.
    fn from_intervals(mut all: Vec<(T, T)>) -> Self {
        all.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            if let Some(last) = out.last_mut()
                && last.1.inc().is_none_or(|n| lo <= n)
            {
                if hi > last.1 {
                    last.1 = hi;
                }
                continue;
            }
            out.push((lo, hi));
        }
        Self(out)
    }

    #[cfg(test)]
    fn minus(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let mut j = 0;
        for &(lo, hi) in &self.0 {
            let mut lo = Some(lo);
            while j < other.0.len() && other.0[j].1 < lo.unwrap_or(T::MAX) {
                j += 1;
            }
            let mut k = j;
            while let Some(l) = lo {
                if k >= other.0.len() || other.0[k].0 > hi {
                    out.push((l, hi));
                    break;
                }
                let (blo, bhi) = other.0[k];
                if blo > l {
                    // blo > l >= 0, so blo - 1 exists.
                    out.push((l, blo.dec().unwrap_or(T::ZERO)));
                }
                lo = if bhi >= hi { None } else { bhi.inc() };
                k += 1;
            }
        }
        Self(out)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fewest CIDR blocks covering exactly this set: (network, prefix length).
    fn cidrs(&self) -> Vec<(T, u8)> {
        let mut out = Vec::new();
        for &(lo, hi) in &self.0 {
            let mut lo = lo;
            loop {
                let mut k = lo.tz().min(T::WIDTH);
                while k > 0 && (lo | T::low(k)) > hi {
                    k -= 1;
                }
                let end = lo | T::low(k);
                // k <= WIDTH <= 128, so the prefix fits in a u8.
                out.push((lo, u8::try_from(T::WIDTH - k).unwrap_or(0)));
                match end.inc() {
                    Some(n) if end < hi => lo = n,
                    _ => break,
                }
            }
        }
        out
    }
}

/// First-match resolution in one sweep: `items` in evaluation order, each a set and a
/// label; the result holds, per label, the addresses decided by an item with that
/// label (in it and in no earlier item). O(n log n) in the number of intervals.
fn first_match<T: Bits>(items: &[(&Ranges<T>, usize)], labels: usize) -> Vec<Ranges<T>> {
    use alloc::collections::BinaryHeap;
    use core::cmp::Reverse;
    let mut starts: Vec<(T, usize, T)> = Vec::new();
    let mut bounds: Vec<T> = Vec::new();
    for (order, (set, _)) in items.iter().enumerate() {
        for &(lo, hi) in &set.0 {
            starts.push((lo, order, hi));
            bounds.push(lo);
            if let Some(after) = hi.inc() {
                bounds.push(after);
            }
        }
    }
    starts.sort_unstable();
    bounds.sort_unstable();
    bounds.dedup();
    let mut out: Vec<Vec<(T, T)>> = alloc::vec![Vec::new(); labels];
    let mut active: BinaryHeap<Reverse<(usize, T)>> = BinaryHeap::new();
    let mut next = 0;
    for (i, &b) in bounds.iter().enumerate() {
        while next < starts.len() && starts[next].0 <= b {
            let (_, order, hi) = starts[next];
            active.push(Reverse((order, hi)));
            next += 1;
        }
        while active.peek().is_some_and(|Reverse((_, hi))| *hi < b) {
            active.pop();
        }
        let Some(Reverse((order, _))) = active.peek() else {
            continue;
        };
        let end = bounds.get(i + 1).and_then(|n| n.dec()).unwrap_or(T::MAX);
        let list = &mut out[items[*order].1];
        match list.last_mut() {
            Some(last) if last.1.inc() == Some(b) => last.1 = end,
            _ => list.push((b, end)),
        }
    }
    out.into_iter().map(Ranges).collect()
}

/// [`first_match`] over both families.
fn first_match_nets(items: &[(&NetSet, usize)], labels: usize) -> Vec<NetSet> {
    let v4: Vec<(&Ranges<u32>, usize)> = items.iter().map(|(s, l)| (&s.v4, *l)).collect();
    let v6: Vec<(&Ranges<u128>, usize)> = items.iter().map(|(s, l)| (&s.v6, *l)).collect();
    first_match(&v4, labels)
        .into_iter()
        .zip(first_match(&v6, labels))
        .map(|(v4, v6)| NetSet { v4, v6 })
        .collect()
}

/// Addresses of both families.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct NetSet {
    v4: Ranges<u32>,
    v6: Ranges<u128>,
}

impl NetSet {
    fn full() -> Self {
        Self {
            v4: Ranges::full(),
            v6: Ranges::full(),
        }
    }

    fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The set as `ip4:`/`ip6:` terms with a qualifier.
    fn terms(&self, q: Qualifier) -> Vec<String> {
        let prefix = if q == Qualifier::Pass {
            String::new()
        } else {
            String::from(q.as_char())
        };
        let mut out = Vec::new();
        for (a, len) in self.v4.cidrs() {
            let a = Ipv4Addr::from(a);
            out.push(if len == 32 {
                format!("{prefix}ip4:{a}")
            } else {
                format!("{prefix}ip4:{a}/{len}")
            });
        }
        for (a, len) in self.v6.cidrs() {
            let a = Ipv6Addr::from(a);
            out.push(if len == 128 {
                format!("{prefix}ip6:{a}")
            } else {
                format!("{prefix}ip6:{a}/{len}")
            });
        }
        out
    }
}

// ------------------------------------------------------------------ flattening

/// One step of a flattened record, in evaluation order.
#[derive(Debug, Clone)]
enum Item {
    /// Addresses that match with this qualifier.
    Nets(Qualifier, NetSet),
    /// A term kept as written.
    Kept(String),
}

/// How a flattened record ends when nothing matched.
#[derive(Debug, Clone)]
enum End {
    All(Qualifier),
    /// A `redirect=` kept as written.
    Redirect(String),
    /// No `all`, no redirect: neutral.
    Neutral,
}

#[derive(Debug, Clone)]
struct Body {
    items: Vec<Item>,
    end: End,
}

struct Flat<'a> {
    tree: &'a Tree,
    /// Pass sets of included names, `None` when one cannot be flattened.
    memo: BTreeMap<String, Option<NetSet>>,
    path: Vec<String>,
    frozen: BTreeSet<String>,
    warnings: Vec<TreeWarning>,
    kept: Vec<String>,
}

impl Flat<'_> {
    fn record_of(&mut self, name: &str, term: &str, root: bool) -> Result<Record, Error> {
        let err = |kind| Err(Error::new(kind, term, 0));
        match self.tree.answer_for(name, QueryType::Txt) {
            None | Some(Answer::TempError) => err(ErrorKind::FlattenTempError),
            Some(Answer::Txt(rrs)) => match select_record(rrs.iter().map(|r| r.iter())) {
                Selected::Record(r) => {
                    self.frozen.insert(String::from(name));
                    Ok(r)
                }
                Selected::None if root => err(ErrorKind::FlattenNoRecord),
                _ => err(ErrorKind::FlattenPermError),
            },
            Some(_) if root => err(ErrorKind::FlattenNoRecord),
            Some(_) => err(ErrorKind::FlattenPermError),
        }
    }

    /// The addresses of `name` with the CIDR lengths of `cidr`.
    fn addresses(&mut self, name: &str, cidr: DualCidr, term: &str) -> Result<NetSet, Error> {
        let mut set = NetSet::default();
        if !askable(name) {
            return Ok(set);
        }
        for qtype in [QueryType::A, QueryType::Aaaa] {
            match self.tree.answer_for(name, qtype) {
                Some(Answer::A(v)) if qtype == QueryType::A => {
                    let len = cidr.v4.unwrap_or(32);
                    set.v4 = Ranges::from_intervals(
                        v.iter()
                            .map(|a| Ranges::block(u32::from(*a), len).0[0])
                            .collect(),
                    );
                }
                Some(Answer::Aaaa(v)) if qtype == QueryType::Aaaa => {
                    let len = cidr.v6.unwrap_or(128);
                    set.v6 = Ranges::from_intervals(
                        v.iter()
                            .map(|a| Ranges::block(u128::from(*a), len).0[0])
                            .collect(),
                    );
                }
                None | Some(Answer::TempError) => {
                    return Err(Error::new(ErrorKind::FlattenTempError, term, 0));
                }
                Some(_) => {}
            }
        }
        self.frozen.insert(String::from(name));
        Ok(set)
    }

    fn mx(&mut self, name: &str, cidr: DualCidr, term: &str) -> Result<NetSet, Error> {
        if !askable(name) {
            return Ok(NetSet::default());
        }
        let hosts = match self.tree.answer_for(name, QueryType::Mx) {
            Some(Answer::Mx(v)) => v,
            None | Some(Answer::TempError) => {
                return Err(Error::new(ErrorKind::FlattenTempError, term, 0));
            }
            Some(_) => return Ok(NetSet::default()),
        };
        if hosts.len() > crate::tree::MAX_MX_HOSTS {
            return Err(Error::new(ErrorKind::FlattenTempError, term, 0));
        }
        self.frozen.insert(String::from(name));
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (_, h) in hosts {
            let s = self.addresses(&normalize(h), cidr, term)?;
            v4.extend(s.v4.0);
            v6.extend(s.v6.0);
        }
        Ok(NetSet {
            v4: Ranges::from_intervals(v4),
            v6: Ranges::from_intervals(v6),
        })
    }

    /// Where the record at `name` passes; `None` when that depends on a term that
    /// must stay as written.
    fn pass_set(&mut self, name: &str, term: &str) -> Result<Option<NetSet>, Error> {
        if let Some(s) = self.memo.get(name) {
            return Ok(s.clone());
        }
        let record = self.record_of(name, term, false)?;
        let set = match self.body(name, &record, false)? {
            None => None,
            Some(body) => {
                // Label 1 where the record passes, 0 where it decides otherwise.
                let full = NetSet::full();
                let mut items: Vec<(&NetSet, usize)> = body
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Nets(q, s) => Some((s, usize::from(*q == Qualifier::Pass))),
                        Item::Kept(_) => None,
                    })
                    .collect();
                if let End::All(Qualifier::Pass) = body.end {
                    items.push((&full, 1));
                }
                first_match_nets(&items, 2).pop()
            }
        };
        self.memo.insert(String::from(name), set.clone());
        Ok(set)
    }

    fn keep(&mut self, domain: &str, term: String, why: &str) -> Item {
        self.warnings.push(TreeWarning {
            code: TreeCode::FlattenKept,
            domain: String::from(domain),
            term: Some(term.clone()),
            message: format!("{term} is kept as written: {why}"),
        });
        self.kept.push(term.clone());
        Item::Kept(term)
    }

    /// The record at `domain` as flattened items. Outside the root, `None` as soon as
    /// a term must stay as written; at the root such terms are kept in place.
    fn body(&mut self, domain: &str, record: &Record, root: bool) -> Result<Option<Body>, Error> {
        if self.path.iter().any(|p| p == domain) {
            return Err(Error::new(ErrorKind::FlattenPermError, domain, 0));
        }
        self.path.push(String::from(domain));
        let r = self.body_inner(domain, record, root);
        self.path.pop();
        r
    }

    fn body_inner(
        &mut self,
        domain: &str,
        record: &Record,
        root: bool,
    ) -> Result<Option<Body>, Error> {
        let mut items = Vec::new();
        let mut end = End::Neutral;
        for d in record.directives() {
            let text = d.to_string();
            let q = d.qualifier;
            let opaque = match &d.mechanism {
                Mechanism::All => {
                    end = End::All(q);
                    break;
                }
                Mechanism::Ip4 { addr, prefix } => {
                    let set = NetSet {
                        v4: Ranges::block(u32::from(*addr), prefix.unwrap_or(32)),
                        v6: Ranges::default(),
                    };
                    items.push(Item::Nets(q, set));
                    None
                }
                Mechanism::Ip6 { addr, prefix } => {
                    let set = NetSet {
                        v4: Ranges::default(),
                        v6: Ranges::block(u128::from(*addr), prefix.unwrap_or(128)),
                    };
                    items.push(Item::Nets(q, set));
                    None
                }
                Mechanism::A { domain: s, cidr } => match literal(s.as_ref(), domain) {
                    Some(n) => {
                        items.push(Item::Nets(q, self.addresses(&n, *cidr, &text)?));
                        None
                    }
                    None => Some("its target has macros"),
                },
                Mechanism::Mx { domain: s, cidr } => match literal(s.as_ref(), domain) {
                    Some(n) => {
                        items.push(Item::Nets(q, self.mx(&n, *cidr, &text)?));
                        None
                    }
                    None => Some("its target has macros"),
                },
                Mechanism::Include(s) => match literal(Some(s), domain) {
                    Some(n) if !checkable(&n) => {
                        return Err(Error::new(ErrorKind::FlattenPermError, &text, 0));
                    }
                    Some(n) => match self.pass_set(&n, &text)? {
                        Some(set) => {
                            items.push(Item::Nets(q, set));
                            None
                        }
                        None => Some("the included tree holds terms that depend on the client"),
                    },
                    None => Some("its target has macros"),
                },
                Mechanism::Exists(_) => Some("exists depends on the client"),
                Mechanism::Ptr(_) => Some("ptr depends on the client"),
            };
            if let Some(why) = opaque {
                if !root {
                    return Ok(None);
                }
                let item = self.keep(domain, text, why);
                items.push(item);
            }
        }
        if matches!(end, End::Neutral)
            && let Some(spec) = record.redirect()
        {
            let text = alloc::format!("redirect={spec}");
            match literal(Some(spec), domain) {
                Some(n) if !checkable(&n) => {
                    return Err(Error::new(ErrorKind::FlattenPermError, &text, 0));
                }
                Some(n) => {
                    let target = self.record_of(&n, &text, false)?;
                    match self.body(&n, &target, false)? {
                        Some(body) => {
                            if root && target.exp().is_some() {
                                self.warnings.push(TreeWarning {
                                    code: TreeCode::FlattenExpDropped,
                                    domain: n.clone(),
                                    term: Some(text.clone()),
                                    message: format!(
                                        "the exp= of {n} is not carried over: failing mail gets the default explanation"
                                    ),
                                });
                            }
                            items.extend(body.items);
                            end = body.end;
                        }
                        None if root => {
                            let why = "the target holds terms that depend on the client";
                            self.keep(domain, text.clone(), why);
                            end = End::Redirect(text);
                        }
                        None => return Ok(None),
                    }
                }
                None if root => {
                    self.keep(domain, text.clone(), "its target has macros");
                    end = End::Redirect(text);
                }
                None => return Ok(None),
            }
        }
        Ok(Some(Body { items, end }))
    }
}

// ------------------------------------------------------------------ layout

/// A piece of the domain's record: a group of networks with one result, or a kept
/// term.
#[derive(Debug, Clone)]
enum Piece {
    /// The qualifier, the terms written in the domain's record (qualified), and the
    /// same networks as passing terms for a chained record.
    Group(Qualifier, Vec<String>, Vec<String>),
    Kept(String),
}

const ORDER: [Qualifier; 4] = [
    Qualifier::Pass,
    Qualifier::Fail,
    Qualifier::SoftFail,
    Qualifier::Neutral,
];

fn index(q: Qualifier) -> usize {
    match q {
        Qualifier::Pass => 0,
        Qualifier::Fail => 1,
        Qualifier::SoftFail => 2,
        Qualifier::Neutral => 3,
    }
}

/// The root's items as pieces: between kept terms, the networks of each result made
/// disjoint (first match wins) and merged; in the last stretch, the networks whose
/// result the end gives anyway are dropped.
fn layout_pieces(body: &Body) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let flush = |run: &[(&NetSet, usize)], pieces: &mut Vec<Piece>, skip: Option<Qualifier>| {
        let groups = first_match_nets(run, ORDER.len());
        for (q, set) in ORDER.into_iter().zip(groups) {
            if Some(q) == skip || set.is_empty() {
                continue;
            }
            pieces.push(Piece::Group(q, set.terms(q), set.terms(Qualifier::Pass)));
        }
    };
    let mut run: Vec<(&NetSet, usize)> = Vec::new();
    for item in &body.items {
        match item {
            Item::Nets(q, s) => run.push((s, index(*q))),
            Item::Kept(t) => {
                flush(&run, &mut pieces, None);
                run.clear();
                pieces.push(Piece::Kept(t.clone()));
            }
        }
    }
    let skip = match body.end {
        End::All(q) => Some(q),
        End::Neutral => Some(Qualifier::Neutral),
        End::Redirect(_) => None,
    };
    flush(&run, &mut pieces, skip);
    pieces
}

fn joined_len(terms: &[String]) -> usize {
    terms.iter().map(|t| t.len() + 1).sum()
}

fn include_term(q: Qualifier, name: &str) -> String {
    if q == Qualifier::Pass {
        format!("include:{name}")
    } else {
        format!("{}include:{name}", q.as_char())
    }
}

/// Fit the pieces into records of at most `max_length` bytes.
fn layout(
    domain: &str,
    pieces: &[Piece],
    end: &End,
    modifiers: &[String],
    names: &[String],
    options: &FlattenOptions,
) -> Result<Vec<Published>, Error> {
    let max = options.max_length;
    let mut tail: Vec<String> = Vec::new();
    match end {
        End::All(q) => tail.push(if *q == Qualifier::Pass {
            String::from("all")
        } else {
            format!("{}all", q.as_char())
        }),
        End::Redirect(t) => tail.push(t.clone()),
        End::Neutral => {}
    }
    tail.extend(modifiers.iter().cloned());
    // The longest chain name, to decide before numbering.
    let longest = names.iter().map(String::len).max().unwrap_or(0);
    let longest = "x".repeat(longest);
    let include_cost = |q: Qualifier| include_term(q, &longest).len() + 1;
    // Per piece: `None` written whole in the domain's record, `Some(k)` its first `k`
    // terms written there and the rest moved to a chain.
    let mut chained: Vec<Option<usize>> = alloc::vec![None; pieces.len()];
    let root_len = |chained: &[Option<usize>]| -> usize {
        let body: usize = pieces
            .iter()
            .zip(chained)
            .map(|(p, c)| match (p, c) {
                (Piece::Kept(t), _) => t.len() + 1,
                (Piece::Group(q, terms, _), Some(k)) => include_cost(*q) + joined_len(&terms[..*k]),
                (Piece::Group(_, terms, _), None) => joined_len(terms),
            })
            .sum();
        "v=spf1".len() + body + joined_len(&tail)
    };
    while root_len(&chained) > max {
        let pick = pieces
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Piece::Group(q, terms, _)
                    if chained[i].is_none() && joined_len(terms) > include_cost(*q) =>
                {
                    Some((joined_len(terms), i))
                }
                _ => None,
            })
            .max();
        match pick {
            Some((_, i)) => chained[i] = Some(0),
            None => return Err(Error::new(ErrorKind::FlattenTooLong, domain, 0)),
        }
    }
    // Fill the room left in the domain's record with the first terms of chained groups.
    for i in 0..pieces.len() {
        let Piece::Group(_, terms, _) = &pieces[i] else {
            continue;
        };
        while let Some(k) = chained[i] {
            if k == terms.len() {
                chained[i] = None;
                break;
            }
            chained[i] = Some(k + 1);
            if root_len(&chained) > max {
                chained[i] = Some(k);
                break;
            }
        }
    }
    let mut root_terms: Vec<String> = Vec::new();
    let mut chain: Vec<Published> = Vec::new();
    for (p, c) in pieces.iter().zip(&chained) {
        match (p, c) {
            (Piece::Kept(t), _) => root_terms.push(t.clone()),
            (Piece::Group(_, terms, _), None) => root_terms.extend(terms.iter().cloned()),
            (Piece::Group(q, terms, pass), Some(k)) => {
                root_terms.extend(terms[..*k].iter().cloned());
                let first = names.get(chain.len()).ok_or_else(|| over(domain))?;
                root_terms.push(include_term(*q, first));
                pack(&pass[*k..], names, options, &mut chain)?;
            }
        }
    }
    root_terms.extend(tail);
    let mut value = String::from("v=spf1");
    for t in &root_terms {
        value.push(' ');
        value.push_str(t);
    }
    let mut out = alloc::vec![Published {
        name: String::from(domain),
        value,
    }];
    out.extend(chain);
    Ok(out)
}

fn over(term: &str) -> Error {
    Error::new(ErrorKind::FlattenOverLimit, term, 0)
}

/// Pack passing networks into a chain of records, each including the next.
fn pack(
    terms: &[String],
    names: &[String],
    options: &FlattenOptions,
    chain: &mut Vec<Published>,
) -> Result<(), Error> {
    let max = options.max_length;
    let mut i = 0;
    while i < terms.len() {
        let name = names
            .get(chain.len())
            .ok_or_else(|| over(&terms[i]))?
            .clone();
        let next = names.get(chain.len() + 1).ok_or_else(|| over(&terms[i]))?;
        let link = format!(" include:{next}");
        let mut value = String::from("v=spf1");
        let start = i;
        while i < terms.len() {
            let t = &terms[i];
            let rest_after = if i + 1 < terms.len() { link.len() } else { 0 };
            if value.len() + 1 + t.len() + rest_after > max {
                break;
            }
            value.push(' ');
            value.push_str(t);
            i += 1;
        }
        if i == start {
            return Err(Error::new(ErrorKind::FlattenTooLong, &terms[i], 0));
        }
        if i < terms.len() {
            value.push_str(&link);
        }
        chain.push(Published { name, value });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r4(v: &[(u32, u32)]) -> Ranges<u32> {
        Ranges(v.to_vec())
    }

    #[test]
    fn set_operations() {
        let a = r4(&[(0, 10), (20, 30)]);
        let b = r4(&[(5, 22)]);
        assert_eq!(a.union(&b), r4(&[(0, 30)]));
        assert_eq!(a.minus(&b), r4(&[(0, 4), (23, 30)]));
        assert_eq!(b.minus(&a), r4(&[(11, 19)]));
        assert_eq!(r4(&[(0, 9)]).union(&r4(&[(10, 12)])), r4(&[(0, 12)]));
        assert_eq!(Ranges::<u32>::full().minus(&r4(&[(0, u32::MAX)])), r4(&[]));
        assert_eq!(
            Ranges::<u32>::full().minus(&r4(&[(0, 0), (u32::MAX, u32::MAX)])),
            r4(&[(1, u32::MAX - 1)])
        );
    }

    /// The sweep agrees with resolving first matches one item at a time.
    #[test]
    fn first_match_equals_the_sequential_definition() {
        let mut seed = 0x1234_5678_u64;
        let mut next = move |n: u32| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 33) as u32) % n
        };
        for _ in 0..500 {
            let items: Vec<(Ranges<u32>, usize)> = (0..1 + next(8))
                .map(|_| {
                    let set = Ranges::from_intervals(
                        (0..1 + next(3))
                            .map(|_| {
                                let lo = next(64);
                                (lo, lo + next(20))
                            })
                            .collect(),
                    );
                    (set, next(3) as usize)
                })
                .collect();
            let refs: Vec<(&Ranges<u32>, usize)> = items.iter().map(|(s, l)| (s, *l)).collect();
            let got = first_match(&refs, 3);
            let mut covered = Ranges::default();
            let mut want = alloc::vec![Ranges::default(); 3];
            for (s, l) in &items {
                want[*l] = want[*l].union(&s.minus(&covered));
                covered = covered.union(s);
            }
            assert_eq!(got, want, "{items:?}");
        }
        let full = Ranges::<u128>::full();
        let got = first_match(&[(&full, 0), (&full, 1)], 2);
        assert_eq!(got, alloc::vec![full, Ranges::default()]);
    }

    #[test]
    fn cidr_cover() {
        assert_eq!(Ranges::<u32>::full().cidrs(), alloc::vec![(0, 0)]);
        assert_eq!(Ranges::<u128>::full().cidrs(), alloc::vec![(0, 0)]);
        assert_eq!(
            r4(&[(1, 6)]).cidrs(),
            alloc::vec![(1, 32), (2, 31), (4, 31), (6, 32)]
        );
        let b = Ranges::block(u32::from(Ipv4Addr::new(192, 0, 2, 77)), 24);
        assert_eq!(
            b.cidrs(),
            alloc::vec![(u32::from(Ipv4Addr::new(192, 0, 2, 0)), 24)]
        );
        assert_eq!(
            r4(&[(u32::MAX, u32::MAX)]).cidrs(),
            alloc::vec![(u32::MAX, 32)]
        );
    }
}
