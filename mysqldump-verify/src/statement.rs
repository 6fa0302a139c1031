//! Classifying a statement from its first bytes (the "head"), and the comment lines a
//! dump tool writes between statements.

use alloc::vec::Vec;

/// A name as written: optional qualifier and name, raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawName {
    pub(crate) db: Option<Vec<u8>>,
    pub(crate) name: Vec<u8>,
}

/// What a statement is, as far as the dump's structure goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stmt {
    Insert(RawName),
    Lock(RawName),
    Unlock,
    DisableKeys(RawName),
    EnableKeys(RawName),
    CreateTable(RawName),
    DropTable(RawName),
    CreateDatabase(Vec<u8>),
    Use(Vec<u8>),
    /// `SET @OLD_X=@@X ...`: the variable saved, upper case.
    Preamble(Vec<u8>),
    /// `SET X=@OLD_X`: the variable restored, upper case.
    Postamble(Vec<u8>),
    /// Another SQL statement.
    Other,
    /// Not SQL a dump would hold.
    Unknown,
}

enum Tok<'a> {
    Word(&'a [u8]),
    Ident(Vec<u8>),
    Punct(u8),
    Other,
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<Tok<'a>> {
        let s = self.s;
        while self.i < s.len() && s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
        let start = self.i;
        let &b = s.get(start)?;
        if is_word(b) {
            while self.i < s.len() && is_word(s[self.i]) {
                self.i += 1;
            }
            return Some(Tok::Word(&s[start..self.i]));
        }
        self.i += 1;
        if b == b'`' {
            let mut out = Vec::new();
            loop {
                match s.get(self.i) {
                    // The head ended inside the identifier: keep what there is.
                    None => return Some(Tok::Ident(out)),
                    Some(b'`') if s.get(self.i + 1) == Some(&b'`') => {
                        out.push(b'`');
                        self.i += 2;
                    }
                    Some(b'`') => {
                        self.i += 1;
                        return Some(Tok::Ident(out));
                    }
                    Some(&c) => {
                        out.push(c);
                        self.i += 1;
                    }
                }
            }
        }
        if b == b'\'' || b == b'"' {
            // Skip a string; heads are classified only by their leading words.
            while let Some(&c) = s.get(self.i) {
                self.i += 1;
                if c == b'\\' {
                    self.i += 1;
                } else if c == b {
                    break;
                }
            }
            return Some(Tok::Other);
        }
        Some(Tok::Punct(b))
    }

    fn word(&mut self, w: &str) -> bool {
        let save = self.i;
        if let Some(Tok::Word(x)) = self.next()
            && x.eq_ignore_ascii_case(w.as_bytes())
        {
            return true;
        }
        self.i = save;
        false
    }

    fn name(&mut self) -> Option<RawName> {
        let first = self.ident()?;
        let save = self.i;
        if let Some(Tok::Punct(b'.')) = self.next()
            && let Some(second) = self.ident()
        {
            return Some(RawName {
                db: Some(first),
                name: second,
            });
        }
        self.i = save;
        Some(RawName {
            db: None,
            name: first,
        })
    }

    fn ident(&mut self) -> Option<Vec<u8>> {
        match self.next()? {
            Tok::Ident(v) => Some(v),
            Tok::Word(w) => Some(w.to_vec()),
            _ => None,
        }
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// Whether the head starts with INSERT or REPLACE.
pub(crate) fn is_insert(head: &[u8]) -> bool {
    let mut lx = Lexer { s: head, i: 0 };
    matches!(lx.next(), Some(Tok::Word(w)) if eq(w, "INSERT") || eq(w, "REPLACE"))
}

const KNOWN: &[&str] = &[
    "ALTER",
    "ANALYZE",
    "BEGIN",
    "CALL",
    "CHANGE",
    "COMMIT",
    "CREATE",
    "DECLARE",
    "DELETE",
    "DO",
    "DROP",
    "END",
    "FLUSH",
    "GRANT",
    "INSERT",
    "LOAD",
    "LOCK",
    "OPTIMIZE",
    "RENAME",
    "REPLACE",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "SHOW",
    "START",
    "TRUNCATE",
    "UNLOCK",
    "UPDATE",
    "USE",
    "WITH",
];

/// Classify a statement from its head (its first bytes, comments removed, executable
/// comment bodies kept).
pub(crate) fn classify(head: &[u8]) -> Stmt {
    let mut lx = Lexer { s: head, i: 0 };
    let Some(Tok::Word(first)) = lx.next() else {
        return Stmt::Unknown;
    };
    if eq(first, "INSERT") {
        for m in ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "INTO"] {
            lx.word(m);
        }
        return lx.name().map_or(Stmt::Other, Stmt::Insert);
    }
    if eq(first, "REPLACE") {
        for m in ["LOW_PRIORITY", "DELAYED", "INTO"] {
            lx.word(m);
        }
        return lx.name().map_or(Stmt::Other, Stmt::Insert);
    }
    if eq(first, "LOCK") {
        if lx.word("TABLES") || lx.word("TABLE") {
            return lx.name().map_or(Stmt::Other, Stmt::Lock);
        }
        return Stmt::Other;
    }
    if eq(first, "UNLOCK") {
        return if lx.word("TABLES") || lx.word("TABLE") {
            Stmt::Unlock
        } else {
            Stmt::Other
        };
    }
    if eq(first, "ALTER") {
        if lx.word("TABLE")
            && let Some(name) = lx.name()
        {
            if lx.word("DISABLE") && lx.word("KEYS") {
                return Stmt::DisableKeys(name);
            }
            if lx.word("ENABLE") && lx.word("KEYS") {
                return Stmt::EnableKeys(name);
            }
        }
        return Stmt::Other;
    }
    if eq(first, "CREATE") {
        if lx.word("OR") {
            lx.word("REPLACE");
        }
        lx.word("TEMPORARY");
        if lx.word("TABLE") {
            if lx.word("IF") {
                lx.word("NOT");
                lx.word("EXISTS");
            }
            return lx.name().map_or(Stmt::Other, Stmt::CreateTable);
        }
        if lx.word("DATABASE") || lx.word("SCHEMA") {
            if lx.word("IF") {
                lx.word("NOT");
                lx.word("EXISTS");
            }
            return lx.ident().map_or(Stmt::Other, Stmt::CreateDatabase);
        }
        return Stmt::Other;
    }
    if eq(first, "DROP") {
        lx.word("TEMPORARY");
        if lx.word("TABLE") {
            if lx.word("IF") {
                lx.word("EXISTS");
            }
            return lx.name().map_or(Stmt::Other, Stmt::DropTable);
        }
        return Stmt::Other;
    }
    if eq(first, "USE") {
        return lx.ident().map_or(Stmt::Other, Stmt::Use);
    }
    if eq(first, "SET") {
        let rest = &head[lx.i..];
        let trimmed = trim_start(rest);
        if starts_with_ci(trimmed, b"@OLD_") {
            let name = &trimmed[5..];
            let end = name.iter().position(|&b| !is_word(b)).unwrap_or(name.len());
            return Stmt::Preamble(name[..end].to_ascii_uppercase());
        }
        if let Some(eqpos) = memchr::memchr(b'=', trimmed)
            && starts_with_ci(trim_start(&trimmed[eqpos + 1..]), b"@OLD_")
        {
            let lhs = trim_end(&trimmed[..eqpos]);
            return Stmt::Postamble(lhs.to_ascii_uppercase());
        }
        return Stmt::Other;
    }
    if KNOWN.iter().any(|k| eq(first, k)) {
        Stmt::Other
    } else {
        Stmt::Unknown
    }
}

pub(crate) fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

pub(crate) fn trim_end(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    &s[..s.len() - n]
}

pub(crate) fn starts_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

/// A comment line written between statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Comment<'a> {
    /// `MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for ...`: (mariadb, version, distrib)
    Header(bool, &'a [u8], &'a [u8]),
    /// `Host: localhost    Database: shop`
    Host(&'a [u8], &'a [u8]),
    /// `Server version<TAB>10.11.19-MariaDB-0+deb12u1`
    ServerVersion(&'a [u8]),
    /// `Dump completed on ...` (the date part) / `Dump completed`
    Completed(Option<&'a [u8]>),
    /// `failed on ...`
    Failed,
    /// `Current Database: `shop``
    CurrentDatabase(Vec<u8>),
    Other,
}

/// Classify the text of a `--` comment (after the dashes).
pub(crate) fn classify_comment(text: &[u8]) -> Comment<'_> {
    let t = trim_end(trim_start(text));
    for (prefix, maria) in [(&b"MariaDB dump "[..], true), (&b"MySQL dump "[..], false)] {
        if let Some(rest) = t.strip_prefix(prefix) {
            let ver_end = rest
                .iter()
                .position(|b| b.is_ascii_whitespace())
                .unwrap_or(rest.len());
            let version = &rest[..ver_end];
            let after = trim_start(&rest[ver_end..]);
            let distrib = after
                .strip_prefix(b"Distrib ")
                .map(|d| {
                    let e = d
                        .iter()
                        .position(|&b| b == b',' || b.is_ascii_whitespace())
                        .unwrap_or(d.len());
                    &d[..e]
                })
                .unwrap_or(&[]);
            return Comment::Header(maria, version, distrib);
        }
    }
    if let Some(rest) = t.strip_prefix(b"Host: ") {
        if let Some(p) = find(rest, b"Database: ") {
            return Comment::Host(trim_end(&rest[..p]), trim_start(&rest[p + 10..]));
        }
        if let Some(p) = find(rest, b"Database:") {
            return Comment::Host(trim_end(&rest[..p]), &[]);
        }
        return Comment::Host(rest, &[]);
    }
    if let Some(rest) = t.strip_prefix(b"Server version") {
        return Comment::ServerVersion(trim_start(rest));
    }
    if let Some(rest) = t.strip_prefix(b"Dump completed") {
        let rest = trim_start(rest);
        if rest.is_empty() {
            return Comment::Completed(None);
        }
        if let Some(date) = rest.strip_prefix(b"on") {
            return Comment::Completed(Some(trim_start(date)));
        }
        return Comment::Other;
    }
    if t.starts_with(b"failed on") {
        return Comment::Failed;
    }
    if let Some(rest) = t.strip_prefix(b"Current Database:") {
        let mut lx = Lexer {
            s: trim_start(rest),
            i: 0,
        };
        if let Some(db) = lx.ident() {
            return Comment::CurrentDatabase(db);
        }
    }
    Comment::Other
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    memchr::memmem::find(h, n)
}

/// `2026-11-27  2:13:43` -> `2026-11-27 02:13:43`; anything else is kept as written.
pub(crate) fn normalise_date(d: &[u8]) -> alloc::string::String {
    let s = alloc::string::String::from_utf8_lossy(d);
    let mut parts = s.split_whitespace();
    if let (Some(date), Some(time), None) = (parts.next(), parts.next(), parts.next()) {
        let mut t = time.split(':');
        if let (Some(h), Some(m), Some(sec), None) = (t.next(), t.next(), t.next(), t.next())
            && let Ok(h) = h.parse::<u8>()
        {
            return alloc::format!("{date} {h:02}:{m}:{sec}");
        }
    }
    s.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(db: Option<&str>, n: &str) -> RawName {
        RawName {
            db: db.map(|d| d.as_bytes().to_vec()),
            name: n.as_bytes().to_vec(),
        }
    }

    #[test]
    fn classifies_dump_statements() {
        assert_eq!(
            classify(b"INSERT INTO `big` VALUES (1,'a')"),
            Stmt::Insert(name(None, "big"))
        );
        assert_eq!(
            classify(b"INSERT IGNORE INTO `a`.`we``ird tbl` (`x`) VALUES"),
            Stmt::Insert(name(Some("a"), "we`ird tbl"))
        );
        assert_eq!(
            classify(b"REPLACE INTO t VALUES"),
            Stmt::Insert(name(None, "t"))
        );
        assert_eq!(
            classify(b"LOCK TABLES `big` WRITE"),
            Stmt::Lock(name(None, "big"))
        );
        assert_eq!(classify(b"UNLOCK TABLES"), Stmt::Unlock);
        assert_eq!(
            classify(b" ALTER TABLE `big` DISABLE KEYS "),
            Stmt::DisableKeys(name(None, "big"))
        );
        assert_eq!(
            classify(b" ALTER TABLE `big` ENABLE KEYS "),
            Stmt::EnableKeys(name(None, "big"))
        );
        assert_eq!(
            classify(b"CREATE DATABASE  IF NOT EXISTS  `shop`  DEFAULT CHARACTER SET x"),
            Stmt::CreateDatabase(b"shop".to_vec())
        );
        assert_eq!(classify(b"USE `odd-db`"), Stmt::Use(b"odd-db".to_vec()));
        assert_eq!(
            classify(b" SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 "),
            Stmt::Preamble(b"SQL_NOTES".to_vec())
        );
        assert_eq!(
            classify(b" SET sql_notes=@OLD_SQL_NOTES "),
            Stmt::Postamble(b"SQL_NOTES".to_vec())
        );
        assert_eq!(
            classify(b" SET TIME_ZONE=@OLD_TIME_ZONE "),
            Stmt::Postamble(b"TIME_ZONE".to_vec())
        );
        assert_eq!(classify(b" SET NAMES utf8mb4 "), Stmt::Other);
        assert_eq!(classify(b"hello world"), Stmt::Unknown);
        assert_eq!(classify(b"'x'"), Stmt::Unknown);
        assert!(is_insert(b"insert into t"));
        assert!(!is_insert(b"select 1"));
    }

    #[test]
    fn classifies_comments() {
        assert_eq!(
            classify_comment(
                b" MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)"
            ),
            Comment::Header(true, b"10.19", b"10.11.19-MariaDB")
        );
        assert_eq!(
            classify_comment(b" Host: localhost    Database: shop"),
            Comment::Host(b"localhost", b"shop")
        );
        assert_eq!(
            classify_comment(b" Host: localhost    Database: "),
            Comment::Host(b"localhost", b"")
        );
        assert_eq!(
            classify_comment(b" Server version\t10.11.19-MariaDB-0+deb12u1"),
            Comment::ServerVersion(b"10.11.19-MariaDB-0+deb12u1")
        );
        assert_eq!(
            classify_comment(b" Dump completed on 2026-11-27  2:13:43"),
            Comment::Completed(Some(b"2026-11-27  2:13:43"))
        );
        assert_eq!(
            classify_comment(b" Dump completed"),
            Comment::Completed(None)
        );
        assert_eq!(
            classify_comment(b" failed on view `v`: CREATE"),
            Comment::Failed
        );
        assert_eq!(
            classify_comment(b" Current Database: `odd-db`"),
            Comment::CurrentDatabase(b"odd-db".to_vec())
        );
        assert_eq!(
            normalise_date(b"2026-11-27  2:13:43"),
            "2026-11-27 02:13:43"
        );
        assert_eq!(
            normalise_date(b"2026-11-27 12:13:43"),
            "2026-11-27 12:13:43"
        );
    }
}
