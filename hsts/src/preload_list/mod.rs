//! Chromium's HSTS preload list, embedded in a compact form that is searched in place:
//! no allocation, no start-up work, one pass over the host's labels.
//!
//! The list is the `force-https` part of Chromium's
//! `transport_security_state_static.json`, snapshot [`LIST_DATE`], [`ENTRIES`] names in
//! [`BYTES`] bytes. It is Chromium's, under its BSD-style licence (`LICENSE-chromium`
//! next to the data, "Copyright 2015 The Chromium Authors").
//!
//! ```
//! use hostkit_hsts::preload_list;
//!
//! let m = preload_list::lookup("Mail.Accounts.Google.COM.").expect("preloaded");
//! assert_eq!(m.entry, "accounts.google.com");
//! assert!(m.include_subdomains && !m.exact);
//! // paypal.com is listed without includeSubDomains: only the name itself.
//! assert!(preload_list::lookup("paypal.com").is_some_and(|m| m.exact));
//! assert!(preload_list::lookup("shop.paypal.com").is_none());
//! assert!(preload_list::lookup("example.com").is_none());
//! assert!(preload_list::lookup("127.0.0.1").is_none());
//! ```
//!
//! # The form
//!
//! A trie of labels read from the right (`www.example.com` is `com`, `example`, `www`).
//! Each node lists its child labels in byte order, cut into blocks of up to
//! `BLOCK` labels; a node with more than one block starts with an index (the first four
//! bytes of each block's first label, and each block's offset) searched by bisection.
//! Inside a block every label is front-coded against the one before it, and its suffix
//! is spelt with tokens from a 256-entry dictionary of byte strings (ids below 128
//! continue a suffix, ids from 128 end it). The search inside a block never rebuilds a
//! label: it keeps how many bytes of the wanted label the previous one matched and
//! skips, stops or compares from the shared-prefix length alone.
//!
//! ```text
//! header   "HKHSTSP1" | date (10) | BLOCK u8 | 128 u8 | entries u32 | root u32
//!          | TOKEN_MAX u8 | MAX_DEPTH u8 | longest name u8 | 0         (32 bytes)
//! tokens   256 lengths u8 | 256 x TOKEN_MAX bytes
//! node     count (LEB128) | [if > 1 block: keys 4 x blocks | offsets u24 x blocks]
//!          | blocks
//! label    kind << 6 | shared prefix (6 bits) | token ids | [kind 2: u24]
//!          kind 0: entry with includeSubDomains, no children
//!          kind 1: entry without includeSubDomains, no children
//!          kind 2: has children: u24 = entry << 23 | include_subdomains << 22 | node offset
//! ```
//!
//! Integers are big-endian. The generator is `examples/preload_gen`, run by hand; the
//! test `tests/preload_list.rs` rebuilds the file from the committed TSV and checks it
//! is byte-identical.

mod name;
mod store;

use core::cmp::Ordering;

pub use name::Name;

static DATA: &[u8] = include_bytes!("chromium.bin");

const HEADER_LEN: usize = 32;
const TOKEN_MAX: usize = 8;
const MAX_DEPTH: usize = 16;
const TOKEN_LENS: usize = HEADER_LEN;
const TOKEN_BYTES: usize = TOKEN_LENS + 256;
/// A host's buffer: the longest name and eight bytes to read a word at its end.
const BUF: usize = name::MAX_LEN + 8;

const fn be32(at: usize) -> u32 {
    u32::from_be_bytes([DATA[at], DATA[at + 1], DATA[at + 2], DATA[at + 3]])
}

const fn check_header() -> bool {
    let magic = b"HKHSTSP1";
    let mut i = 0;
    while i < magic.len() {
        if DATA[i] != magic[i] {
            return false;
        }
        i += 1;
    }
    DATA[19] == 128
        && DATA[28] as usize == TOKEN_MAX
        && DATA[29] as usize == MAX_DEPTH
        && LONGEST > 0
        && LONGEST <= name::MAX_LEN
}

const _: () = assert!(
    check_header(),
    "chromium.bin is not a preload list in this format"
);

/// The date of the embedded snapshot (`YYYY-MM-DD`).
pub const LIST_DATE: &str = match core::str::from_utf8(DATA.split_at(8).1.split_at(10).0) {
    Ok(date) => date,
    Err(_) => panic!("the list date is not UTF-8"),
};

/// How many names the embedded list holds.
pub const ENTRIES: usize = be32(20) as usize;

/// The size of the embedded list, in bytes.
pub const BYTES: usize = DATA.len();

const BLOCK: usize = DATA[18] as usize;
/// The longest name on the list, in bytes: what a [`Name`] has room for.
const LONGEST: usize = DATA[30] as usize;
const ROOT: usize = be32(24) as usize;

/// A preload entry that covers a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    /// The list's name that matched: the host itself (normalised) or a superdomain.
    pub entry: Name,
    /// The entry covers subdomains.
    pub include_subdomains: bool,
    /// The entry is the host itself rather than a superdomain.
    pub exact: bool,
}

/// Whether `host` is on the embedded preload list, and through which entry.
///
/// A host is covered by an entry equal to it, or by an entry with `includeSubDomains`
/// equal to one of its superdomains; the entry equal to the host wins, then the
/// longest superdomain. Names are compared after ASCII lower-casing and dropping one
/// trailing dot. With the `idna` feature a name with U-labels (`bücher.example`) is
/// converted to A-labels first (this conversion allocates); without it such names never
/// match. IP literals (IPv6 with or without brackets, and anything whose last label is
/// a number, as the URL standard reads IPv4) never match, nor do names with empty
/// labels, labels over 63 bytes or more than 253 bytes.
///
/// ASCII lookups never allocate.
#[must_use]
pub fn lookup(host: &str) -> Option<Match> {
    let mut buf = [0u8; BUF];
    let len = normalize(host, &mut buf)?;
    lookup_normalized(&buf, len)
}

#[cfg(feature = "idna")]
fn normalize(host: &str, buf: &mut [u8; BUF]) -> Option<usize> {
    if host.is_ascii() {
        return normalize_ascii(host.as_bytes(), buf);
    }
    let ascii = idna::domain_to_ascii(host).ok()?;
    normalize_ascii(ascii.as_bytes(), buf)
}

#[cfg(not(feature = "idna"))]
fn normalize(host: &str, buf: &mut [u8; BUF]) -> Option<usize> {
    normalize_ascii(host.as_bytes(), buf)
}

/// Lower-cases `host` into `buf` without its trailing dot; `None` for what can never be
/// on the list (IP literals, bytes outside letters, digits, `-`, `_` and `.`).
fn normalize_ascii(host: &[u8], buf: &mut [u8; BUF]) -> Option<usize> {
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.is_empty() || host.len() > name::MAX_LEN {
        return None;
    }
    for (out, &b) in buf.iter_mut().zip(host) {
        *out = match b {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => b,
            b'A'..=b'Z' => b | 0x20,
            _ => return None, // ':' and '[' of IPv6 literals included
        };
    }
    let name = &buf[..host.len()];
    if name
        .split(|&b| b == b'.')
        .any(|l| l.is_empty() || l.len() > 63)
    {
        return None;
    }
    let last = name.rsplit(|&b| b == b'.').next().unwrap_or(name);
    if ends_in_a_number(last) {
        return None;
    }
    Some(host.len())
}

/// The URL standard's "ends in a number": such a host is parsed as IPv4.
fn ends_in_a_number(last: &[u8]) -> bool {
    if !last.is_empty() && last.iter().all(u8::is_ascii_digit) {
        return true;
    }
    match last.strip_prefix(b"0x") {
        Some(hex) => hex.iter().all(u8::is_ascii_hexdigit),
        None => false,
    }
}

fn lookup_normalized(buf: &[u8; BUF], len: usize) -> Option<Match> {
    let host = buf.get(..len)?;
    let mut node = Node::at(ROOT)?;
    let mut best: Option<(usize, bool, bool)> = None; // (start of the entry, isd, exact)
    let mut end = len;
    loop {
        let start = host[..end]
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        let Some(child) = node.find(&Wanted {
            host: buf,
            start,
            len: end - start,
        }) else {
            break;
        };
        if let Some(isd) = child.entry {
            if start == 0 {
                best = Some((0, isd, true));
                break;
            }
            if isd {
                best = Some((start, true, false));
            }
        }
        if start == 0 {
            break;
        }
        match child.node {
            Some(at) => node = Node::at(at)?,
            None => break,
        }
        end = start - 1;
    }
    let (start, include_subdomains, exact) = best?;
    Some(Match {
        entry: Name::new(&host[start..])?,
        include_subdomains,
        exact,
    })
}

/// What the list says about one label of a node.
#[derive(Debug, Clone, Copy)]
struct Child {
    /// `Some(include_subdomains)` when the name is an entry.
    entry: Option<bool>,
    /// Where the node of its children starts.
    node: Option<usize>,
}

fn byte(at: usize) -> Option<u8> {
    DATA.get(at).copied()
}

fn u24(at: usize) -> Option<usize> {
    let b = DATA.get(at..at + 3)?;
    Some(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
}

/// Token `id`'s bytes, zero-padded, as a little-endian word.
static TOKEN_WORDS: [u64; 256] = token_words();
/// Token `id`'s length.
static TOKEN_LEN: [u8; 256] = token_lens();

const fn token_words() -> [u64; 256] {
    let mut words = [0u64; 256];
    let mut id = 0;
    while id < 256 {
        let at = TOKEN_BYTES + id * TOKEN_MAX;
        let mut bytes = [0u8; 8];
        let mut i = 0;
        while i < DATA[TOKEN_LENS + id] as usize {
            bytes[i] = DATA[at + i];
            i += 1;
        }
        words[id] = u64::from_le_bytes(bytes);
        id += 1;
    }
    words
}

const fn token_lens() -> [u8; 256] {
    let mut lens = [0u8; 256];
    let mut id = 0;
    while id < 256 {
        lens[id] = DATA[TOKEN_LENS + id];
        id += 1;
    }
    lens
}

fn token(id: u8) -> &'static [u8] {
    let at = TOKEN_BYTES + usize::from(id) * TOKEN_MAX;
    DATA.get(at..at + usize::from(TOKEN_LEN[usize::from(id)]))
        .unwrap_or_default()
}

/// A label being looked for: `len` bytes from `start` of a host whose buffer has eight
/// bytes to spare after it, so that eight bytes can be read at any position of the
/// label. What follows the label (a dot, or zeros) is never part of a token.
struct Wanted<'a> {
    host: &'a [u8; BUF],
    start: usize,
    len: usize,
}

impl Wanted<'_> {
    fn word(&self, pos: usize) -> u64 {
        let at = self.start + pos;
        match self.host.get(at..at + 8) {
            Some(b) => u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            None => 0,
        }
    }

    /// The byte at `pos`, if the label has one there.
    fn byte(&self, pos: usize) -> Option<u8> {
        if pos < self.len {
            self.host.get(self.start + pos).copied()
        } else {
            None
        }
    }

    /// The label's first four bytes, zero-padded.
    fn key(&self) -> u32 {
        let word = self.word(0).to_le_bytes();
        let mut key = [0u8; 4];
        for (i, k) in key.iter_mut().enumerate() {
            if i < self.len {
                *k = word[i];
            }
        }
        u32::from_be_bytes(key)
    }
}

fn varint(mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for shift in (0..28).step_by(7) {
        let b = byte(at)?;
        at += 1;
        value |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

/// The tail of a label record: its entry flags and children.
fn child(kind: u8, at: usize) -> Option<(Child, usize)> {
    match kind {
        0 | 1 => Some((
            Child {
                entry: Some(kind == 0),
                node: None,
            },
            at,
        )),
        2 => {
            let v = u24(at)?;
            let entry = (v & 1 << 23 != 0).then_some(v & 1 << 22 != 0);
            Some((
                Child {
                    entry,
                    node: Some(v & ((1 << 22) - 1)),
                },
                at + 3,
            ))
        }
        _ => None,
    }
}

/// Compares the label whose suffix tokens start at `at` (the bytes before `from`
/// being equal to `label`'s) with `label`. Returns the order of the stored label
/// relative to `label`, how many bytes of `label` it matched, and where its tokens end.
fn compare_suffix(
    mut at: usize,
    label: &Wanted<'_>,
    from: usize,
) -> Option<(Ordering, usize, usize)> {
    let mut pos = from;
    loop {
        let id = byte(at)?;
        at += 1;
        let len = u32::from(TOKEN_LEN[usize::from(id)]);
        let tok = TOKEN_WORDS[usize::from(id)];
        // Tokens hold no zero byte, so the padding after the label never matches.
        let diff = (tok ^ label.word(pos)).trailing_zeros() / 8;
        if diff < len {
            pos += diff as usize;
            let t = tok.to_le_bytes()[diff as usize];
            let order = match label.byte(pos) {
                Some(l) => t.cmp(&l),
                _ => Ordering::Greater, // `label` ended first
            };
            return Some((order, pos, skip_rest(id, at)?));
        }
        pos += len as usize;
        if id & 0x80 != 0 {
            let order = if pos == label.len {
                Ordering::Equal
            } else {
                Ordering::Less
            };
            return Some((order, pos, at));
        }
    }
}

/// Skips the rest of a suffix whose token `id` was just read.
fn skip_rest(id: u8, at: usize) -> Option<usize> {
    if id & 0x80 != 0 {
        Some(at)
    } else {
        skip_suffix(at)
    }
}

/// Skips a suffix's tokens.
fn skip_suffix(mut at: usize) -> Option<usize> {
    // Eight ids at a time: the first with its top bit set is the last one.
    while let Some(b) = DATA.get(at..at + 8) {
        let word = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let last = word & 0x8080_8080_8080_8080;
        if last != 0 {
            return Some(at + last.trailing_zeros() as usize / 8 + 1);
        }
        at += 8;
    }
    loop {
        let id = byte(at)?;
        at += 1;
        if id & 0x80 != 0 {
            return Some(at);
        }
    }
}

/// One node of the trie.
#[derive(Debug, Clone, Copy)]
struct Node {
    count: usize,
    blocks: usize,
    keys: usize,
    offsets: usize,
    data: usize,
}

impl Node {
    fn at(at: usize) -> Option<Self> {
        let (count, next) = varint(at)?;
        if count == 0 || BLOCK == 0 {
            return None;
        }
        let blocks = count.div_ceil(BLOCK);
        let (offsets, data) = if blocks > 1 {
            let offsets = next + 4 * blocks;
            (offsets, offsets + 3 * blocks)
        } else {
            (next, next)
        };
        Some(Self {
            count,
            blocks,
            keys: next,
            offsets,
            data,
        })
    }

    fn block_start(&self, b: usize) -> Option<usize> {
        if self.blocks == 1 {
            return Some(self.data);
        }
        Some(self.data + u24(self.offsets + 3 * b)?)
    }

    /// The order of block `b`'s first label relative to `label`.
    fn cmp_first(&self, b: usize, key: u32, label: &Wanted<'_>) -> Option<Ordering> {
        let at = self.keys + 4 * b;
        let stored = u32::from_be_bytes(DATA.get(at..at + 4)?.try_into().ok()?);
        match stored.cmp(&key) {
            Ordering::Equal => {
                let start = self.block_start(b)?;
                compare_suffix(start + 1, label, 0).map(|(o, _, _)| o)
            }
            other => Some(other),
        }
    }

    /// The child labelled `label`, if there is one.
    fn find(&self, label: &Wanted<'_>) -> Option<Child> {
        let b = if self.blocks == 1 {
            0
        } else {
            let key = label.key();
            let keys = DATA.get(self.keys..self.keys + 4 * self.blocks)?;
            let key_at = |b: usize| {
                keys.get(4 * b..4 * b + 4)
                    .map_or(u32::MAX, |k| u32::from_be_bytes([k[0], k[1], k[2], k[3]]))
            };
            // Bisection on the keys alone, without branches to mispredict: `base` ends
            // as the last block whose key is at most `key`.
            let (mut base, mut size) = (0, self.blocks);
            while size > 1 {
                let half = size / 2;
                let mid = base + half;
                base = if key_at(mid) <= key { mid } else { base };
                size -= half;
            }
            if key_at(base) > key {
                return None;
            }
            // Blocks whose first label shares its first four bytes with `label`: back
            // off while their first label is still greater.
            while key_at(base) == key && self.cmp_first(base, key, label)? == Ordering::Greater {
                base = base.checked_sub(1)?;
            }
            base
        };
        let n = (self.count - b * BLOCK).min(BLOCK);
        let mut at = self.block_start(b)?;
        let mut matched = 0;
        for _ in 0..n {
            let head = byte(at)?;
            at += 1;
            let (kind, shared) = (head >> 6, usize::from(head & 0x3f));
            match shared.cmp(&matched) {
                // Shares more with the previous label than that one did with `label`:
                // smaller than `label` for the same reason.
                Ordering::Greater => {
                    at = child(kind, skip_suffix(at)?)?.1;
                }
                // Differs from `label` where the previous one matched it, upwards.
                Ordering::Less => return None,
                Ordering::Equal => {
                    let (order, pos, next) = compare_suffix(at, label, shared)?;
                    let (found, next) = child(kind, next)?;
                    match order {
                        Ordering::Equal => return Some(found),
                        Ordering::Greater => return None,
                        Ordering::Less => {
                            matched = pos;
                            at = next;
                        }
                    }
                }
            }
        }
        None
    }
}

/// Every entry of the embedded list with its `includeSubDomains` flag, in the order of
/// the trie (by labels read from the right). No allocation.
#[must_use]
pub fn entries() -> Entries {
    let mut it = Entries {
        frames: [Frame::EMPTY; MAX_DEPTH],
        depth: 0,
    };
    if let Some(root) = Node::at(ROOT) {
        it.frames[0] = Frame::of(&root);
        it.depth = 1;
    }
    it
}

/// The iterator of [`entries`].
#[derive(Debug, Clone)]
pub struct Entries {
    frames: [Frame; MAX_DEPTH],
    depth: usize,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    at: usize,
    left: usize,
    label: [u8; 63],
    len: usize,
}

impl Frame {
    const EMPTY: Self = Self {
        at: 0,
        left: 0,
        label: [0; 63],
        len: 0,
    };

    fn of(node: &Node) -> Self {
        Self {
            at: node.data,
            left: node.count,
            ..Self::EMPTY
        }
    }

    /// Decodes the next label in place; returns its flags and children.
    fn advance(&mut self) -> Option<Child> {
        let head = byte(self.at)?;
        let mut at = self.at + 1;
        let shared = usize::from(head & 0x3f).min(self.len);
        self.len = shared;
        loop {
            let id = byte(at)?;
            at += 1;
            let tok = token(id);
            let end = self.len + tok.len();
            self.label.get_mut(self.len..end)?.copy_from_slice(tok);
            self.len = end;
            if id & 0x80 != 0 {
                break;
            }
        }
        let (found, next) = child(head >> 6, at)?;
        self.at = next;
        self.left -= 1;
        Some(found)
    }
}

impl Entries {
    fn name(&self) -> Option<Name> {
        let mut buf = [0u8; name::MAX_LEN];
        let mut len = 0;
        for frame in self.frames[..self.depth].iter().rev() {
            if len > 0 {
                *buf.get_mut(len)? = b'.';
                len += 1;
            }
            buf.get_mut(len..len + frame.len)?
                .copy_from_slice(&frame.label[..frame.len]);
            len += frame.len;
        }
        Name::new(&buf[..len])
    }
}

impl Iterator for Entries {
    type Item = (Name, bool);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let top = self.depth.checked_sub(1)?;
            let frame = &mut self.frames[top];
            if frame.left == 0 {
                self.depth -= 1;
                continue;
            }
            let Some(found) = frame.advance() else {
                self.depth = 0; // damaged data: stop rather than loop
                return None;
            };
            let name = self.name();
            if let Some(at) = found.node {
                match Node::at(at) {
                    Some(node) if self.depth < MAX_DEPTH => {
                        self.frames[self.depth] = Frame::of(&node);
                        self.depth += 1;
                    }
                    _ => {
                        self.depth = 0;
                        return None;
                    }
                }
            }
            if let (Some(isd), Some(name)) = (found.entry, name) {
                return Some((name, isd));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header() {
        let date: alloc::vec::Vec<&str> = LIST_DATE.split('-').collect();
        assert_eq!(
            date.iter().map(|p| p.len()).collect::<alloc::vec::Vec<_>>(),
            [4, 2, 2]
        );
        assert!(LIST_DATE.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        assert_eq!(entries().count(), ENTRIES);
    }

    #[test]
    fn normalisation() {
        let m = lookup("WWW.PayPal.com.").unwrap();
        assert_eq!(m.entry, "www.paypal.com");
        assert!(m.exact && !m.include_subdomains);
        assert_eq!(lookup("a.www.paypal.com"), None);
        // Listed, but an IP literal never matches.
        assert_eq!(lookup("1.0.0.1"), None);
        for h in [
            "",
            ".",
            "..",
            "paypal..com",
            ".paypal.com",
            "paypal.com..",
            "[::1]",
            "::1",
            "1.2.3.4",
            "0x7f.1",
            "app.123",
            "pay pal.com",
            "paypal.com/",
        ] {
            assert_eq!(lookup(h), None, "{h:?}");
        }
        let long = ["a"; 64].concat();
        assert_eq!(lookup(&alloc::format!("{long}.app")), None);
        assert!(lookup("a.app").is_some());
    }
}
