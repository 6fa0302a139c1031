//! The byte-level tokenizer: strings, identifiers, comments, executable comments,
//! `DELIMITER` commands and statement boundaries, fed in chunks of any size.
//!
//! The lexical rules followed are those of the MySQL/MariaDB command-line client,
//! which is what replays a dump:
//!
//! ```text
//! string      = "'" { char | "\" any | "''" } "'"  |  '"' { char | "\" any | '""' } '"'
//! identifier  = "`" { char | "``" } "`"
//! comment     = "-- " ... end-of-line  |  "#" ... end-of-line  |  "/*" ... "*/"
//! executable  = "/*!" [version] sql "*/"  |  "/*M!" [version] sql "*/"
//! delimiter   = "DELIMITER" blank token end-of-line     (a client command)
//! statement   = ... delimiter
//! ```

use alloc::vec::Vec;

use memchr::{memchr, memchr2};

use crate::dump::DumpState;
use crate::report::EndState;
use crate::statement;

/// Bytes of each statement kept for classifying it.
const HEAD_CAP: usize = 512;
/// Bytes of a comment line kept.
const LINE_CAP: usize = 512;
/// Longest `DELIMITER` accepted.
const DELIM_CAP: usize = 16;
/// Bytes kept from the end of an XML dump.
const TAIL_CAP: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    Quoted(u8),
    QuotedEscape(u8),
    QuoteClose(u8),
    Dash,
    DashDash,
    LineComment,
    Slash,
    SlashStar,
    SlashStarM,
    ExecVersion,
    BlockComment,
    BlockStar,
    ExecStar,
    DelimiterLine,
    Xml,
}

/// Bytes that end a run of plain statement bytes inside parentheses (row values).
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b"'\"`();-/#*";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
};

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[derive(Debug)]
pub(crate) struct Scanner {
    state: State,
    /// Absolute offset of the first byte of the chunk being fed.
    base: u64,
    started: bool,
    start_offset: u64,
    head: Vec<u8>,
    depth: u32,
    insert: Option<bool>,
    rows_started: bool,
    rows: u64,
    word: [u8; 12],
    word_len: usize,
    prev_values: bool,
    first_word_pending: bool,
    at_line_start: bool,
    delim: [u8; DELIM_CAP],
    delim_len: usize,
    delim_matched: usize,
    exec: bool,
    exec_version: u32,
    line: Vec<u8>,
    capture: bool,
    comment_offset: u64,
    seen_significant: bool,
    tail: Vec<u8>,
    pub(crate) dump: DumpState,
}

impl Default for Scanner {
    fn default() -> Self {
        let mut delim = [0; DELIM_CAP];
        delim[0] = b';';
        Self {
            state: State::Normal,
            base: 0,
            started: false,
            start_offset: 0,
            head: Vec::with_capacity(HEAD_CAP),
            depth: 0,
            insert: None,
            rows_started: false,
            rows: 0,
            word: [0; 12],
            word_len: 0,
            prev_values: false,
            first_word_pending: false,
            at_line_start: true,
            delim,
            delim_len: 1,
            delim_matched: 0,
            exec: false,
            exec_version: 0,
            line: Vec::with_capacity(LINE_CAP),
            capture: false,
            comment_offset: 0,
            seen_significant: false,
            tail: Vec::new(),
            dump: DumpState::default(),
        }
    }
}

impl Scanner {
    /// Bytes scanned so far.
    pub(crate) fn offset(&self) -> u64 {
        self.base
    }

    #[inline]
    fn head_push(&mut self, bytes: &[u8]) {
        let room = HEAD_CAP - self.head.len();
        if room > 0 {
            self.head.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }

    pub(crate) fn feed(&mut self, data: &[u8]) {
        let n = data.len();
        let mut i = 0;
        while i < n {
            let b = data[i];
            match self.state {
                State::Normal => {
                    if self.rows_started
                        && self.head.len() == HEAD_CAP
                        && !self.exec
                        && self.delim_len == 1
                        && self.delim[0] == b';'
                    {
                        let j = self.rows_fast(data, i);
                        if j > i {
                            i = j;
                            continue;
                        }
                    }
                    if self.depth > 0 && self.delim_len == 1 && self.delim[0] == b';' {
                        let rest = &data[i..];
                        let k = rest
                            .iter()
                            .position(|&c| STOP[usize::from(c)])
                            .unwrap_or(rest.len());
                        if k > 0 {
                            self.head_push(&rest[..k]);
                            self.word_len = 0;
                            i += k;
                            continue;
                        }
                    }
                    let pos = self.base + i as u64;
                    self.normal_byte(b, pos);
                    i += 1;
                }
                State::Quoted(q) => {
                    let rest = &data[i..];
                    let found = if q == b'`' {
                        memchr(q, rest)
                    } else {
                        memchr2(q, b'\\', rest)
                    };
                    match found {
                        None => {
                            self.head_push(rest);
                            i = n;
                        }
                        Some(k) => {
                            self.head_push(&rest[..=k]);
                            self.state = if rest[k] == q {
                                State::QuoteClose(q)
                            } else {
                                State::QuotedEscape(q)
                            };
                            i += k + 1;
                        }
                    }
                }
                State::QuotedEscape(q) => {
                    self.head_push(&[b]);
                    self.state = State::Quoted(q);
                    i += 1;
                }
                State::QuoteClose(q) => {
                    if b == q {
                        self.head_push(&[b]);
                        self.state = State::Quoted(q);
                        i += 1;
                    } else {
                        self.state = State::Normal;
                    }
                }
                State::Dash => {
                    if b == b'-' {
                        self.state = State::DashDash;
                        i += 1;
                    } else {
                        self.state = State::Normal;
                        self.plain_byte(b'-', self.base + i as u64 - 1);
                    }
                }
                State::DashDash => {
                    if b <= b' ' {
                        self.capture = !self.started;
                        self.line.clear();
                        self.comment_offset = (self.base + i as u64).saturating_sub(2);
                        self.state = State::LineComment;
                    } else {
                        self.state = State::Normal;
                        let pos = (self.base + i as u64).saturating_sub(2);
                        self.plain_byte(b'-', pos);
                        self.plain_byte(b'-', pos + 1);
                    }
                }
                State::LineComment => {
                    let rest = &data[i..];
                    let (k, end) = match memchr(b'\n', rest) {
                        Some(k) => (k, true),
                        None => (rest.len(), false),
                    };
                    if self.capture {
                        let room = LINE_CAP - self.line.len();
                        self.line.extend_from_slice(&rest[..k.min(room)]);
                    }
                    i += k;
                    if end {
                        i += 1;
                        if self.capture {
                            self.dump.comment(&self.line, self.comment_offset);
                        }
                        self.state = State::Normal;
                        if !self.started {
                            self.at_line_start = true;
                        }
                    }
                }
                State::Slash => {
                    if b == b'*' {
                        self.state = State::SlashStar;
                        i += 1;
                    } else {
                        self.state = State::Normal;
                        self.plain_byte(b'/', self.base + i as u64 - 1);
                    }
                }
                State::SlashStar => match b {
                    b'!' => {
                        self.exec_version = 0;
                        self.state = State::ExecVersion;
                        i += 1;
                    }
                    b'M' => {
                        self.state = State::SlashStarM;
                        i += 1;
                    }
                    _ => self.state = State::BlockComment,
                },
                State::SlashStarM => {
                    if b == b'!' {
                        self.exec_version = 0;
                        self.state = State::ExecVersion;
                        i += 1;
                    } else {
                        self.state = State::BlockComment;
                    }
                }
                State::ExecVersion => {
                    if b.is_ascii_digit() {
                        self.exec_version = self
                            .exec_version
                            .saturating_mul(10)
                            .saturating_add(u32::from(b - b'0'));
                        i += 1;
                    } else if self.exec_version >= 999_999 {
                        // A version no server reaches: the MariaDB sandbox line, run by
                        // the client only (`\-`), a comment for everything else.
                        if b == b'\\' && !self.started {
                            self.dump.sandbox();
                        }
                        self.state = State::BlockComment;
                    } else {
                        self.exec = true;
                        self.head_push(b" ");
                        self.state = State::Normal;
                    }
                }
                State::BlockComment => match memchr(b'*', &data[i..]) {
                    Some(k) => {
                        i += k + 1;
                        self.state = State::BlockStar;
                    }
                    None => i = n,
                },
                State::BlockStar => {
                    i += 1;
                    self.state = match b {
                        b'/' => State::Normal,
                        b'*' => State::BlockStar,
                        _ => State::BlockComment,
                    };
                }
                State::ExecStar => {
                    if b == b'/' {
                        self.exec = false;
                        self.head_push(b" ");
                        self.state = State::Normal;
                        i += 1;
                    } else {
                        self.state = State::Normal;
                        self.plain_byte(b'*', self.base + i as u64 - 1);
                    }
                }
                State::DelimiterLine => {
                    let rest = &data[i..];
                    let (k, end) = match memchr(b'\n', rest) {
                        Some(k) => (k, true),
                        None => (rest.len(), false),
                    };
                    let room = LINE_CAP - self.line.len();
                    self.line.extend_from_slice(&rest[..k.min(room)]);
                    i += k;
                    if end {
                        i += 1;
                        self.apply_delimiter();
                        self.at_line_start = true;
                    }
                }
                State::Xml => {
                    let rest = &data[i..];
                    self.head_push(rest);
                    let keep = rest.len().min(TAIL_CAP);
                    self.tail.extend_from_slice(&rest[rest.len() - keep..]);
                    if self.tail.len() > TAIL_CAP {
                        let cut = self.tail.len() - TAIL_CAP;
                        self.tail.drain(..cut);
                    }
                    i = n;
                }
            }
        }
        self.base += n as u64;
    }

    /// The hot loop: the rows of an extended INSERT whose head is already kept. Handles
    /// strings, parentheses, separators and plain value bytes; returns where it stopped
    /// (at a byte the general machine must see, or the end of the chunk).
    fn rows_fast(&mut self, data: &[u8], mut i: usize) -> usize {
        let n = data.len();
        let mut depth = self.depth;
        let mut rows = self.rows;
        while i < n {
            let b = data[i];
            match b {
                b'\'' | b'"' => {
                    let mut j = i + 1;
                    loop {
                        let Some(k) = memchr2(b, b'\\', &data[j..]) else {
                            self.state = State::Quoted(b);
                            i = n;
                            break;
                        };
                        let p = j + k;
                        if p + 1 >= n {
                            self.state = if data[p] == b {
                                State::QuoteClose(b)
                            } else {
                                State::QuotedEscape(b)
                            };
                            i = n;
                            break;
                        }
                        if data[p] == b'\\' || data[p + 1] == b {
                            j = p + 2;
                        } else {
                            i = p + 1;
                            break;
                        }
                    }
                }
                b'(' => {
                    if depth == 0 {
                        rows += 1;
                    }
                    depth = depth.saturating_add(1);
                    i += 1;
                }
                b')' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b',' | b'\n' | b' ' | b'\r' | b'\t' => i += 1,
                _ if depth > 0 && !STOP[usize::from(b)] => {
                    i += 1;
                    while i < n && !STOP[usize::from(data[i])] {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        self.depth = depth;
        self.rows = rows;
        self.word_len = 0;
        i
    }

    fn apply_delimiter(&mut self) {
        let t = statement::trim_start(&self.line);
        let end = t
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(t.len());
        let d = &t[..end];
        if !d.is_empty() && d.len() <= DELIM_CAP {
            self.delim[..d.len()].copy_from_slice(d);
            self.delim_len = d.len();
            self.delim_matched = 0;
        }
        self.reset_statement();
        self.dump.statement_client_command();
        self.state = State::Normal;
    }

    fn mark_started(&mut self, pos: u64) {
        if !self.started {
            self.started = true;
            self.start_offset = pos;
            self.dump.significant = true;
        }
        self.seen_significant = true;
        self.at_line_start = false;
    }

    /// A byte that is statement content and nothing more (a lone `-`, `/`, `*`, or a
    /// withheld part of a multi-byte delimiter).
    fn plain_byte(&mut self, b: u8, pos: u64) {
        self.word_end(b);
        self.mark_started(pos);
        self.head_push(&[b]);
        self.prev_values = false;
    }

    fn word_end(&mut self, next: u8) {
        if self.word_len == 0 {
            return;
        }
        let w = &self.word[..self.word_len.min(self.word.len())];
        let long = self.word_len > self.word.len();
        self.prev_values =
            !long && (w.eq_ignore_ascii_case(b"VALUES") || w.eq_ignore_ascii_case(b"VALUE"));
        if self.first_word_pending {
            self.first_word_pending = false;
            if !long && w.eq_ignore_ascii_case(b"DELIMITER") && (next == b' ' || next == b'\t') {
                self.line.clear();
                self.state = State::DelimiterLine;
            }
        }
        self.word_len = 0;
    }

    fn normal_byte(&mut self, b: u8, pos: u64) {
        if self.delim_len > 1 {
            let m = self.delim_matched;
            if b == self.delim[m] {
                self.delim_matched += 1;
                if self.delim_matched == self.delim_len {
                    self.delim_matched = 0;
                    self.end_statement(pos + 1);
                }
                return;
            }
            if m > 0 {
                self.delim_matched = 0;
                let withheld = self.delim;
                for (k, &c) in withheld[..m].iter().enumerate() {
                    self.plain_byte(c, pos - (m - k) as u64);
                }
                if b == self.delim[0] {
                    self.delim_matched = 1;
                    return;
                }
            }
        } else if b == self.delim[0] {
            self.word_end(b);
            self.end_statement(pos + 1);
            return;
        }
        if !self.seen_significant && b == b'<' {
            self.seen_significant = true;
            self.mark_started(pos);
            self.state = State::Xml;
            self.head_push(&[b]);
            self.tail.push(b);
            return;
        }
        match b {
            b'\'' | b'"' | b'`' => {
                self.plain_byte(b, pos);
                self.seen_significant = true;
                self.state = State::Quoted(b);
            }
            b'-' => {
                self.word_end(b);
                self.state = State::Dash;
            }
            b'/' => {
                self.word_end(b);
                self.state = State::Slash;
            }
            b'#' => {
                self.word_end(b);
                self.capture = false;
                self.state = State::LineComment;
            }
            b'*' if self.exec => {
                self.word_end(b);
                self.state = State::ExecStar;
            }
            b'(' => {
                self.word_end(b);
                self.mark_started(pos);
                self.seen_significant = true;
                if self.depth == 0 {
                    if !self.rows_started && self.prev_values {
                        let ins = *self
                            .insert
                            .get_or_insert_with(|| statement::is_insert(&self.head));
                        self.rows_started = ins;
                    }
                    if self.rows_started {
                        self.rows += 1;
                    }
                }
                self.head_push(&[b]);
                self.depth = self.depth.saturating_add(1);
                self.prev_values = false;
            }
            b')' => {
                self.plain_byte(b, pos);
                self.seen_significant = true;
                self.depth = self.depth.saturating_sub(1);
            }
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                self.word_end(b);
                if self.state == State::DelimiterLine {
                    return;
                }
                if self.started {
                    self.head_push(&[b]);
                } else if b == b'\n' {
                    self.at_line_start = true;
                }
            }
            _ if is_word(b) => {
                if !self.started {
                    self.first_word_pending = self.at_line_start;
                    self.mark_started(pos);
                }
                self.seen_significant = true;
                if self.word_len < self.word.len() {
                    self.word[self.word_len] = b;
                }
                self.word_len = self.word_len.saturating_add(1);
                self.head_push(&[b]);
            }
            _ => {
                self.plain_byte(b, pos);
                self.seen_significant = true;
            }
        }
    }

    fn reset_statement(&mut self) {
        self.started = false;
        self.head.clear();
        self.depth = 0;
        self.insert = None;
        self.rows_started = false;
        self.rows = 0;
        self.word_len = 0;
        self.prev_values = false;
        self.first_word_pending = false;
        self.at_line_start = false;
    }

    fn end_statement(&mut self, end: u64) {
        if self.started {
            let rows = if self.rows_started { self.rows } else { 0 };
            self.dump
                .statement(&self.head, rows, self.start_offset, end);
        }
        self.reset_statement();
    }

    /// The end of input: where the tokenizer stands, and the head of an unterminated
    /// statement.
    pub(crate) fn end(&mut self) -> (EndState, Option<&[u8]>, Option<bool>) {
        let mut started = self.started || self.delim_matched > 0;
        let state = match self.state {
            State::Quoted(b'`') | State::QuotedEscape(b'`') => EndState::InIdentifier,
            State::Quoted(_) | State::QuotedEscape(_) => EndState::InString,
            State::SlashStar
            | State::SlashStarM
            | State::ExecVersion
            | State::BlockComment
            | State::BlockStar => EndState::InComment,
            State::Dash | State::Slash | State::ExecStar => {
                started = true;
                EndState::MidStatement
            }
            State::DelimiterLine => {
                self.apply_delimiter();
                started = false;
                EndState::Clean
            }
            State::Xml => {
                let t = statement::trim_end(&self.tail);
                let closed = t.ends_with(b"</mysqldump>");
                let is_dump = memchr::memmem::find(&self.head, b"<mysqldump").is_some();
                return (EndState::Clean, None, is_dump.then_some(closed));
            }
            State::Normal | State::QuoteClose(_) | State::DashDash | State::LineComment => {
                if self.exec {
                    EndState::InComment
                } else if started {
                    EndState::MidStatement
                } else {
                    EndState::Clean
                }
            }
        };
        let pending = if started { Some(&self.head[..]) } else { None };
        (state, pending, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed `sql` one byte at a time and whole; both must agree. Returns the statements'
    /// heads (as the classifier sees them) and the end state.
    fn run(sql: &[u8]) -> (u64, EndState, Option<Vec<u8>>) {
        let mut a = Scanner::default();
        a.feed(sql);
        let mut b = Scanner::default();
        for byte in sql {
            b.feed(core::slice::from_ref(byte));
        }
        let (ea, pa, _) = a.end();
        let pa = pa.map(<[u8]>::to_vec);
        let (eb, pb, _) = b.end();
        assert_eq!((ea, pa.as_deref()), (eb, pb));
        (a.dump_statements(), ea, pa)
    }

    impl Scanner {
        fn dump_statements(&self) -> u64 {
            self.dump.statement_count()
        }
    }

    #[test]
    fn semicolons_inside_strings_comments_and_identifiers_do_not_end_statements() {
        let (n, end, _) = run(b"INSERT INTO `a;b` VALUES ('x;y', \"p;q\", 'it''s;', 'a\\';');\n");
        assert_eq!((n, end), (1, EndState::Clean));
        let (n, end, _) = run(b"SELECT 1 /* ; */ -- ;\n# ;\n;\n");
        assert_eq!((n, end), (1, EndState::Clean));
    }

    #[test]
    fn dash_dash_needs_a_blank_to_be_a_comment() {
        // `5--3` is arithmetic, so the `;` after it ends the statement.
        let (n, end, _) = run(b"SELECT 5--3;\n");
        assert_eq!((n, end), (1, EndState::Clean));
        let (n, end, _) = run(b"SELECT 5 -- 3;\n");
        assert_eq!((n, end), (0, EndState::MidStatement));
    }

    #[test]
    fn executable_comments_are_sql_and_the_sandbox_line_is_not() {
        let mut s = Scanner::default();
        s.feed(b"/*M!999999\\- enable the sandbox mode */ \n/*!40101 SET NAMES utf8mb4 */;\n");
        let (end, pending, _) = s.end();
        assert_eq!((end, pending), (EndState::Clean, None));
        assert_eq!(s.dump.statement_count(), 1);
        assert!(s.dump.has_sandbox());
    }

    #[test]
    fn delimiter_blocks() {
        let sql = b"DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON o FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = 2; END */;;\nDELIMITER ;\nSELECT 1;\n";
        let (n, end, _) = run(sql);
        assert_eq!((n, end), (2, EndState::Clean));
    }

    #[test]
    fn end_states() {
        assert_eq!(run(b"INSERT INTO t VALUES ('abc").1, EndState::InString);
        assert_eq!(run(b"INSERT INTO t VALUES ('a\\").1, EndState::InString);
        assert_eq!(run(b"SELECT `ab").1, EndState::InIdentifier);
        assert_eq!(run(b"/* open").1, EndState::InComment);
        assert_eq!(run(b"/*!40101 SET x=1").1, EndState::InComment);
        assert_eq!(run(b"SELECT 'done'").1, EndState::MidStatement);
        assert_eq!(run(b"-- just a comment").1, EndState::Clean);
    }

    #[test]
    fn rows_are_counted_after_values_only() {
        let mut s = Scanner::default();
        s.feed(b"INSERT INTO `t` (`a`, `b`) VALUES (1,'(x)'),(2,NULL),\n(3,0x28);\n");
        assert_eq!(s.dump.row_count(), 3);
    }
}
