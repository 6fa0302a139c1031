//! Turns the preload list (TSV: `name`, `include_subdomains`) into the compact form that
//! `hostkit_hsts::preload_list` reads. Deterministic: the same TSV and date always give
//! the same bytes. The layout is described in `hsts/src/preload_list/mod.rs`.

use std::collections::BTreeMap;

/// Entries per front-coded block.
pub(crate) const BLOCK: usize = 32;
/// Tokens in each of the two classes of the dictionary (see [`dictionary`]).
pub(crate) const TOKENS: usize = 128;
/// The longest token, in bytes.
pub(crate) const TOKEN_MAX: usize = 8;
/// Where the token lengths start; the token bytes follow them.
pub(crate) const HEADER_LEN: usize = 32;
/// The deepest name the format allows, in labels.
pub(crate) const MAX_DEPTH: usize = 16;
/// Child node offsets are 22 bits.
const MAX_OFFSET: usize = (1 << 22) - 1;

/// One label's place in the trie.
#[derive(Default)]
struct Child {
    /// `Some(include_subdomains)` when the name is a list entry.
    entry: Option<bool>,
    /// The labels below it.
    node: Option<Box<Node>>,
}

#[derive(Default)]
struct Node {
    children: BTreeMap<Vec<u8>, Child>,
}

/// Parses the TSV into `(name, include_subdomains)` pairs, refusing anything the compact
/// form cannot hold or that is not a lower-case A-label name.
pub(crate) fn parse_tsv(tsv: &str) -> Result<Vec<(String, bool)>, String> {
    let mut lines = tsv.lines().enumerate();
    match lines.next() {
        Some((_, "name\tinclude_subdomains")) => {}
        other => return Err(format!("unexpected header line {other:?}")),
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let (name, flag) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {n}: no tab"))?;
        let isd = match flag {
            "1" => true,
            "0" => false,
            _ => {
                return Err(format!(
                    "line {n}: include_subdomains {flag:?} is not 0 or 1"
                ));
            }
        };
        if name.is_empty() || name.len() > 253 {
            return Err(format!("line {n}: name length {}", name.len()));
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() > MAX_DEPTH {
            return Err(format!("line {n}: more than {MAX_DEPTH} labels"));
        }
        for label in labels {
            if label.is_empty() || label.len() > 63 {
                return Err(format!("line {n}: label length {}", label.len()));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(format!("line {n}: {name:?} is not lower-case LDH"));
            }
        }
        out.push((name.to_string(), isd));
    }
    Ok(out)
}

fn trie(entries: &[(String, bool)]) -> Result<Node, String> {
    let mut root = Node::default();
    for (name, isd) in entries {
        let mut node = &mut root;
        let labels: Vec<&str> = name.rsplit('.').collect();
        for (i, label) in labels.iter().enumerate() {
            let child = node.children.entry(label.as_bytes().to_vec()).or_default();
            if i + 1 == labels.len() {
                if child.entry.replace(*isd).is_some() {
                    return Err(format!("{name:?} is listed twice"));
                }
                break;
            }
            node = child.node.get_or_insert_with(Box::default);
        }
    }
    Ok(root)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The (shared prefix, suffix) of every label as it is front-coded in its block.
fn front_coded(node: &Node, out: &mut Vec<Vec<u8>>) {
    let labels: Vec<&Vec<u8>> = node.children.keys().collect();
    for (i, label) in labels.iter().enumerate() {
        let p = if i % BLOCK == 0 {
            0
        } else {
            common_prefix(labels[i - 1], label)
        };
        out.push(label[p..].to_vec());
    }
    for child in node.children.values() {
        if let Some(n) = &child.node {
            front_coded(n, out);
        }
    }
}

/// A dictionary token: its bytes, and whether it ends a label's suffix.
type Token = (Vec<u8>, bool);

/// Byte-pair merges over the suffixes. Two classes of tokens share the 256 ids: ids
/// below 128 continue a suffix, ids from 128 end it, so the last token of every suffix
/// marks its end without a length byte. Every byte that occurs starts as a token of both
/// classes (in byte order); then the most frequent adjacent pair (ties: the smallest
/// pair of symbols) is merged while its class has room, never longer than
/// [`TOKEN_MAX`].
fn dictionary(suffixes: &[Vec<u8>]) -> Vec<Token> {
    let mut present = [false; 256];
    for s in suffixes {
        for &b in s {
            present[usize::from(b)] = true;
        }
    }
    let mut symbols: Vec<Token> = Vec::new();
    let mut id_of = [[usize::MAX; 2]; 256];
    for last in [false, true] {
        for b in 0..=255u8 {
            if present[usize::from(b)] {
                id_of[usize::from(b)][usize::from(last)] = symbols.len();
                symbols.push((vec![b], last));
            }
        }
    }
    // Each distinct suffix once, with how often it occurs.
    let mut weights: BTreeMap<&[u8], u32> = BTreeMap::new();
    for s in suffixes {
        *weights.entry(s.as_slice()).or_default() += 1;
    }
    let weights: Vec<(&[u8], u32)> = weights.into_iter().collect();
    let mut seqs: Vec<Vec<usize>> = weights
        .iter()
        .map(|(s, _)| {
            s.iter()
                .enumerate()
                .map(|(i, &b)| id_of[usize::from(b)][usize::from(i + 1 == s.len())])
                .collect()
        })
        .collect();
    const MAX_SYMBOLS: usize = 2 * TOKENS;
    let mut counts = vec![0u32; MAX_SYMBOLS * MAX_SYMBOLS];
    loop {
        let room = |last: bool| symbols.iter().filter(|t| t.1 == last).count() < TOKENS;
        let (room_cont, room_last) = (room(false), room(true));
        counts.iter_mut().for_each(|c| *c = 0);
        let mergeable: Vec<(usize, bool)> = symbols
            .iter()
            .map(|(t, last)| (t.len(), if *last { room_last } else { room_cont }))
            .collect();
        for (s, (_, weight)) in seqs.iter().zip(&weights) {
            for w in s.windows(2) {
                let (x, (y, room)) = (mergeable[w[0]].0, mergeable[w[1]]);
                if room && x + y <= TOKEN_MAX {
                    counts[w[0] * MAX_SYMBOLS + w[1]] += weight;
                }
            }
        }
        let mut best = (1, usize::MAX);
        for (i, &c) in counts.iter().enumerate() {
            if c > best.0 {
                best = (c, i);
            }
        }
        if best.1 == usize::MAX {
            break;
        }
        let (a, b) = (best.1 / MAX_SYMBOLS, best.1 % MAX_SYMBOLS);
        let new = symbols.len();
        let mut merged = symbols[a].0.clone();
        merged.extend_from_slice(&symbols[b].0);
        symbols.push((merged, symbols[b].1));
        for s in &mut seqs {
            let (mut read, mut write) = (0, 0);
            while read < s.len() {
                if read + 1 < s.len() && s[read] == a && s[read + 1] == b {
                    s[write] = new;
                    read += 2;
                } else {
                    s[write] = s[read];
                    read += 1;
                }
                write += 1;
            }
            s.truncate(write);
        }
    }
    // Ids: the continuing tokens from 0, the last tokens from 128, in creation order.
    let mut table = vec![(Vec::new(), false); MAX_SYMBOLS];
    let mut next = [0, TOKENS];
    for t in symbols {
        let slot = &mut next[usize::from(t.1)];
        table[*slot] = t;
        *slot += 1;
    }
    table
}

/// The fewest tokens that spell `s` (ties: the longer first token): continuing tokens,
/// then one last token that ends exactly at the end of `s`.
fn tokenize(s: &[u8], tokens: &[Token], by_first: &[Vec<usize>]) -> Result<Vec<u8>, String> {
    // best[i] = (tokens needed for s[i..], first token id)
    let mut best: Vec<Option<(usize, usize)>> = vec![None; s.len() + 1];
    for i in (0..s.len()).rev() {
        let mut pick: Option<(usize, usize)> = None;
        for &id in &by_first[usize::from(s[i])] {
            let (t, last) = &tokens[id];
            if !s[i..].starts_with(t) {
                continue;
            }
            let end = i + t.len();
            let needed = match (last, end == s.len()) {
                (true, true) => 1,
                (false, false) => match best[end] {
                    Some((rest, _)) => rest + 1,
                    None => continue,
                },
                _ => continue,
            };
            let better = match pick {
                None => true,
                Some((n, old)) => needed < n || (needed == n && t.len() > tokens[old].0.len()),
            };
            if better {
                pick = Some((needed, id));
            }
        }
        best[i] = pick;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let (_, id) = best[i].ok_or_else(|| format!("cannot spell {s:?}"))?;
        out.push(u8::try_from(id).map_err(|_| "token id over 255".to_string())?);
        i += tokens[id].0.len();
    }
    if out.is_empty() {
        return Err("empty suffix".to_string());
    }
    Ok(out)
}

fn put_u24(out: &mut Vec<u8>, v: usize) -> Result<(), String> {
    if v > 0xff_ffff {
        return Err(format!("{v} does not fit 24 bits"));
    }
    out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    Ok(())
}

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes `node` after its descendants and returns where it starts.
fn write_node(
    node: &Node,
    tokens: &[Token],
    by_first: &[Vec<usize>],
    out: &mut Vec<u8>,
) -> Result<usize, String> {
    let mut child_at = BTreeMap::new();
    for (label, child) in &node.children {
        if let Some(n) = &child.node {
            child_at.insert(label.clone(), write_node(n, tokens, by_first, out)?);
        }
    }
    let labels: Vec<&Vec<u8>> = node.children.keys().collect();
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for (i, (label, child)) in node.children.iter().enumerate() {
        if i % BLOCK == 0 {
            blocks.push(Vec::new());
        }
        let p = if i % BLOCK == 0 {
            0
        } else {
            common_prefix(labels[i - 1], label)
        };
        let block = blocks.last_mut().ok_or("no block")?;
        let kind: u8 = match (&child.node, child.entry) {
            (None, Some(true)) => 0,
            (None, Some(false)) => 1,
            (Some(_), _) => 2,
            (None, None) => return Err("a label with neither entry nor children".into()),
        };
        block.push(kind << 6 | p as u8);
        block.extend(tokenize(&label[p..], tokens, by_first)?);
        if kind == 2 {
            let at = child_at[label];
            if at > MAX_OFFSET {
                return Err("data too large for 22-bit offsets".into());
            }
            let flags = match child.entry {
                Some(true) => 0b11 << 22,
                Some(false) => 0b10 << 22,
                None => 0,
            };
            put_u24(block, flags | at)?;
        }
    }
    let start = out.len();
    put_varint(out, node.children.len());
    if blocks.len() > 1 {
        for (b, _) in blocks.iter().enumerate() {
            let first = labels[b * BLOCK];
            let mut key = [0u8; 4];
            for (k, c) in key.iter_mut().zip(first.iter()) {
                *k = *c;
            }
            out.extend_from_slice(&key);
        }
        let mut offset = 0;
        for block in &blocks {
            put_u24(out, offset)?;
            offset += block.len();
        }
    }
    for block in &blocks {
        out.extend_from_slice(block);
    }
    Ok(start)
}

/// Builds the compact form of `entries`, dated `date` (`YYYY-MM-DD`).
pub(crate) fn build(entries: &[(String, bool)], date: &str) -> Result<Vec<u8>, String> {
    if date.len() != 10 || !date.is_ascii() {
        return Err(format!("date {date:?} is not YYYY-MM-DD"));
    }
    let root = trie(entries)?;
    let mut suffixes = Vec::new();
    front_coded(&root, &mut suffixes);
    let tokens = dictionary(&suffixes);

    let mut out = Vec::new();
    out.extend_from_slice(b"HKHSTSP1");
    out.extend_from_slice(date.as_bytes());
    out.push(BLOCK as u8);
    out.push(TOKENS as u8);
    out.extend_from_slice(
        &u32::try_from(entries.len())
            .map_err(|e| e.to_string())?
            .to_be_bytes(),
    );
    out.extend_from_slice(&[0; 4]); // the root's offset, written below
    out.push(TOKEN_MAX as u8);
    out.push(MAX_DEPTH as u8);
    let longest = entries.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    out.push(u8::try_from(longest).map_err(|e| e.to_string())?);
    out.push(0);
    debug_assert_eq!(out.len(), HEADER_LEN);
    for (t, _) in &tokens {
        out.push(t.len() as u8);
    }
    for (t, _) in &tokens {
        let mut slot = [0u8; TOKEN_MAX];
        slot[..t.len()].copy_from_slice(t);
        out.extend_from_slice(&slot);
    }
    let mut by_first = vec![Vec::new(); 256];
    for (id, (t, _)) in tokens.iter().enumerate() {
        if let Some(&b) = t.first() {
            by_first[usize::from(b)].push(id);
        }
    }
    let root_at = write_node(&root, &tokens, &by_first, &mut out)?;
    out[24..28].copy_from_slice(
        &u32::try_from(root_at)
            .map_err(|e| e.to_string())?
            .to_be_bytes(),
    );
    Ok(out)
}
