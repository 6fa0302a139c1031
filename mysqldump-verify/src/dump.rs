//! The dump-level picture: header, preamble, tables and their data sections,
//! postamble, trailer, and the verdict drawn from them.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;
use crate::report::{
    Content, Dialect, EndState, Failures, Framing, Marker, Origin, Progress, Reason, Report,
    Stream, TableName, TableReport, Trailer, Verdict, Warning,
};
use crate::statement::{self, Comment, RawName, Stmt};

/// Tables kept by name; past this only counted.
pub(crate) const MAX_TABLES: usize = 10_000;
/// Databases kept by name.
const MAX_DATABASES: usize = 1024;
/// `-- failed on` markers kept.
const MAX_MARKERS: usize = 8;
/// Warnings kept.
const MAX_WARNINGS: usize = 16;
/// Bytes of a name or marker kept.
const MAX_TEXT: usize = 200;

type Key = (Option<Vec<u8>>, Vec<u8>);

/// An open data section.
#[derive(Debug, Clone)]
struct Open {
    key: Key,
    progress: Progress,
    locked: bool,
    keys_disabled: bool,
}

#[derive(Debug, Default)]
pub(crate) struct DumpState {
    /// Something other than comments and whitespace was seen.
    pub(crate) significant: bool,
    header: Option<(bool, String, String)>,
    server_version: Option<String>,
    host: Option<String>,
    header_db: Option<Vec<u8>>,
    sandbox: bool,
    preamble: bool,
    /// Closing `SET ...=@OLD_...` statements since the last other statement, and whether
    /// the run holds the `SQL_NOTES` one.
    postamble_run: u32,
    postamble_last: bool,
    /// The variable the preamble saved last: restoring it ends the postamble.
    last_saved: Option<Vec<u8>>,
    trailer: Option<Option<String>>,
    /// Offset of the end of the first statement after the last trailer.
    after_trailer: Option<u64>,
    current_db: Option<Vec<u8>>,
    databases: Vec<String>,
    database_set: BTreeSet<Vec<u8>>,
    tables: Vec<TableReport>,
    /// The last table seen past [`MAX_TABLES`], so that its statements count it once.
    last_overflow: Option<Key>,
    index: BTreeMap<Key, usize>,
    table_count: u64,
    open: Option<Open>,
    last_table: Option<Key>,
    statements: u64,
    known_statements: u64,
    insert_statements: u64,
    rows: u64,
    markers: Vec<Marker>,
    marker_count: u64,
    warnings: Vec<Warning>,
}

fn clip(b: &[u8]) -> String {
    let mut end = b.len().min(MAX_TEXT);
    // Do not split a UTF-8 sequence when clipping.
    while end < b.len() && end > 0 && (b[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn clip_vec(b: &[u8]) -> Vec<u8> {
    b[..b.len().min(MAX_TEXT)].to_vec()
}

impl DumpState {
    #[cfg(test)]
    pub(crate) fn statement_count(&self) -> u64 {
        self.statements
    }

    #[cfg(test)]
    pub(crate) fn row_count(&self) -> u64 {
        self.rows
    }

    #[cfg(test)]
    pub(crate) fn has_sandbox(&self) -> bool {
        self.sandbox
    }

    /// A client command (`DELIMITER`): SQL-dump material, not a statement.
    pub(crate) fn statement_client_command(&mut self) {
        self.known_statements += 1;
        self.significant = true;
    }

    pub(crate) fn sandbox(&mut self) {
        self.sandbox = true;
    }

    pub(crate) fn comment(&mut self, text: &[u8], offset: u64) {
        match statement::classify_comment(text) {
            Comment::Header(maria, version, distrib) => {
                self.header = Some((maria, clip(version), clip(distrib)));
            }
            Comment::Host(host, db) => {
                self.host = Some(clip(host));
                if !db.is_empty() {
                    self.header_db = Some(clip_vec(db));
                }
            }
            Comment::ServerVersion(v) => self.server_version = Some(clip(v)),
            Comment::Completed(date) => {
                self.trailer = Some(date.map(statement::normalise_date));
                self.after_trailer = None;
            }
            Comment::Failed => {
                self.marker_count += 1;
                if self.markers.len() < MAX_MARKERS {
                    self.markers.push(Marker {
                        offset,
                        text: clip(statement::trim_end(statement::trim_start(text))),
                    });
                }
            }
            Comment::CurrentDatabase(db) => self.set_db(db),
            Comment::Other => {}
        }
    }

    fn set_db(&mut self, db: Vec<u8>) {
        let db = clip_vec(&db);
        if self.databases.len() < MAX_DATABASES && !self.database_set.contains(&db) {
            self.databases
                .push(String::from_utf8_lossy(&db).into_owned());
            self.database_set.insert(db.clone());
        }
        self.current_db = Some(db);
    }

    fn warn(&mut self, offset: u64, text: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning { offset, text });
        }
    }

    fn key(&self, n: RawName) -> Key {
        let db =
            n.db.map(|d| clip_vec(&d))
                .or_else(|| self.current_db.clone())
                .or_else(|| self.header_db.clone());
        (db, clip_vec(&n.name))
    }

    fn table(&mut self, key: &Key) -> Option<usize> {
        if let Some(&i) = self.index.get(key) {
            return Some(i);
        }
        if self.tables.len() >= MAX_TABLES {
            // Past the cap names are not kept; a dump writes each table's statements
            // together, so counting changes of name counts tables.
            if self.last_overflow.as_ref() != Some(key) {
                self.table_count += 1;
                self.last_overflow = Some(key.clone());
            }
            return None;
        }
        self.table_count += 1;
        let i = self.tables.len();
        self.tables.push(TableReport {
            table: name_of(key),
            structure: false,
            insert_statements: 0,
            rows: 0,
            progress: Progress::Structure,
        });
        self.index.insert(key.clone(), i);
        Some(i)
    }

    fn set_progress(&mut self, key: &Key, p: Progress) {
        if let Some(i) = self.table(key) {
            self.tables[i].progress = p;
        }
        self.last_table = Some(key.clone());
    }

    /// A statement ended at `end` (just past its delimiter).
    pub(crate) fn statement(&mut self, head: &[u8], rows: u64, start: u64, end: u64) {
        self.statements += 1;
        let st = statement::classify(head);
        if !matches!(st, Stmt::Unknown) {
            self.known_statements += 1;
        }
        if self.trailer.is_some() && self.after_trailer.is_none() {
            self.after_trailer = Some(end);
        }
        if let Stmt::Postamble(var) = &st {
            self.postamble_run += 1;
            let last: &[u8] = self.last_saved.as_deref().unwrap_or(b"SQL_NOTES");
            self.postamble_last |= var[..] == *last;
            return;
        }
        self.postamble_run = 0;
        self.postamble_last = false;
        match st {
            Stmt::Insert(n) => {
                let key = self.key(n);
                self.insert_statements += 1;
                self.rows += rows;
                match &mut self.open {
                    Some(o) if o.key == key => o.progress = Progress::Inserting,
                    Some(o) => {
                        let (a, b) = (name_of(&key), name_of(&o.key));
                        self.warn(start, alloc::format!("INSERT into {a} while {b} is locked"));
                    }
                    None => {}
                }
                if let Some(i) = self.table(&key) {
                    let t = &mut self.tables[i];
                    t.insert_statements += 1;
                    t.rows += rows;
                    t.progress = Progress::Inserting;
                }
                self.last_table = Some(key);
            }
            Stmt::Lock(n) => {
                let key = self.key(n);
                if let Some(o) = &self.open {
                    let b = name_of(&o.key);
                    self.warn(start, alloc::format!("LOCK TABLES while {b} is still open"));
                }
                self.open = Some(Open {
                    key: key.clone(),
                    progress: Progress::Locked,
                    locked: true,
                    keys_disabled: false,
                });
                self.set_progress(&key, Progress::Locked);
            }
            Stmt::DisableKeys(n) => {
                let key = self.key(n);
                match &mut self.open {
                    Some(o) if o.key == key => {
                        o.keys_disabled = true;
                        o.progress = Progress::KeysDisabled;
                    }
                    _ => {
                        self.open = Some(Open {
                            key: key.clone(),
                            progress: Progress::KeysDisabled,
                            locked: false,
                            keys_disabled: true,
                        });
                    }
                }
                self.set_progress(&key, Progress::KeysDisabled);
            }
            Stmt::EnableKeys(n) => {
                let key = self.key(n);
                let mut close = false;
                match &mut self.open {
                    Some(o) if o.key == key && o.keys_disabled => {
                        o.keys_disabled = false;
                        o.progress = Progress::KeysEnabled;
                        close = !o.locked;
                    }
                    _ => {
                        let a = name_of(&key);
                        self.warn(
                            start,
                            alloc::format!("ENABLE KEYS on {a} without DISABLE KEYS"),
                        );
                    }
                }
                if close {
                    self.open = None;
                }
                self.set_progress(&key, Progress::KeysEnabled);
            }
            Stmt::Unlock => match self.open.take() {
                Some(o) => {
                    if o.keys_disabled {
                        let a = name_of(&o.key);
                        self.warn(
                            start,
                            alloc::format!("UNLOCK TABLES with keys of {a} disabled"),
                        );
                    }
                    self.set_progress(&o.key, Progress::Unlocked);
                }
                None => self.warn(start, String::from("UNLOCK TABLES without LOCK TABLES")),
            },
            Stmt::CreateTable(n) => {
                let key = self.key(n);
                if let Some(i) = self.table(&key) {
                    let t = &mut self.tables[i];
                    t.structure = true;
                    t.progress = Progress::Structure;
                }
                self.last_table = Some(key);
            }
            Stmt::DropTable(_) => {}
            Stmt::CreateDatabase(db) | Stmt::Use(db) => self.set_db(db),
            Stmt::Preamble(var) => {
                self.preamble = true;
                self.last_saved = Some(var);
            }
            Stmt::Postamble(_) | Stmt::Other | Stmt::Unknown => {}
        }
    }

    /// Build the report. `pending` is the head of an unterminated statement, if any.
    #[allow(clippy::too_many_arguments)]
    /// The report, from what the scanner saw and how the stream ended. `pending` is the
    /// head of an unterminated statement, `xml` is `Some(closed)` for an XML dump.
    pub(crate) fn finish(
        mut self,
        stream: Stream,
        pending: Option<&[u8]>,
        xml: Option<bool>,
    ) -> Report {
        let sql_bytes = stream.sql_bytes;
        let end_state = stream.end_state;
        // An unterminated INSERT means its table was being dumped.
        let mut open = self.open.take().map(|o| (o.key, o.progress));
        if let Some(head) = pending {
            if let Stmt::Insert(n) = statement::classify(head) {
                let key = self.key(n);
                if open.as_ref().is_none_or(|o| o.0 == key) {
                    let progress = open.as_ref().map_or(Progress::Inserting, |o| o.1);
                    open = Some((key.clone(), progress));
                }
                self.last_table = Some(key);
            } else if self.trailer.is_some() && self.after_trailer.is_none() {
                self.after_trailer = Some(sql_bytes);
            }
        }
        let open_table = open.map(|(k, p)| (name_of(&k), p));
        let postamble = self.postamble_run > 0 && self.postamble_last;
        let trailer = match &self.trailer {
            Some(Some(d)) => Trailer::Dated(d.clone()),
            Some(None) => Trailer::Undated,
            None => Trailer::Absent,
        };
        let is_xml = xml.is_some();
        let (verdict, reason) = if let Some((t, p)) = &open_table {
            (
                Verdict::Incomplete,
                Some(Reason::CutWhileDumpingTable {
                    table: t.clone(),
                    progress: *p,
                    offset: sql_bytes,
                }),
            )
        } else if let Some(e) = &stream.container_error {
            if matches!(e, Error::Unsupported { .. }) {
                (Verdict::Undecidable, Some(Reason::Container(e.clone())))
            } else {
                (Verdict::Incomplete, Some(Reason::Container(e.clone())))
            }
        } else if let Some(closed) = xml {
            if closed {
                (Verdict::Complete, None)
            } else {
                (
                    Verdict::Incomplete,
                    Some(Reason::XmlUnclosed { offset: sql_bytes }),
                )
            }
        } else if !self.significant && self.header.is_none() {
            let r = if self.sandbox {
                Reason::NoMarkers
            } else {
                Reason::Empty
            };
            let v = if self.sandbox {
                Verdict::Undecidable
            } else {
                Verdict::NotADump
            };
            (v, Some(r))
        } else if self.known_statements == 0
            && self.header.is_none()
            && !self.sandbox
            && pending.is_none_or(|h| matches!(statement::classify(h), Stmt::Unknown))
        {
            (Verdict::NotADump, Some(Reason::NotSql))
        } else if end_state != EndState::Clean {
            (
                Verdict::Incomplete,
                Some(Reason::CutMidStatement {
                    state: end_state,
                    offset: sql_bytes,
                }),
            )
        } else if let Some(first) = self.markers.first() {
            (
                Verdict::Incomplete,
                Some(Reason::FailedMarkers {
                    count: self.marker_count,
                    first: first.clone(),
                }),
            )
        } else if let (Some(_), Some(at)) = (&self.trailer, self.after_trailer) {
            (
                Verdict::Incomplete,
                Some(Reason::ContentAfterTrailer { offset: at }),
            )
        } else if self.trailer.is_some() {
            (Verdict::Complete, None)
        } else if self.header.is_some() {
            (
                Verdict::Incomplete,
                Some(Reason::MissingTrailer { offset: sql_bytes }),
            )
        } else if postamble {
            (Verdict::Complete, None)
        } else if self.preamble {
            (
                Verdict::Incomplete,
                Some(Reason::MissingPostamble { offset: sql_bytes }),
            )
        } else {
            (Verdict::Undecidable, Some(Reason::NoMarkers))
        };
        if verdict == Verdict::Incomplete
            && stream.container_error.is_none()
            && sql_bytes > 0
            && sql_bytes.is_multiple_of(4096)
        {
            // stdio writes whole buffers: a writer killed mid-dump leaves such a size.
            self.warn(
                sql_bytes,
                String::from(
                    "the SQL ends at a multiple of 4096 bytes: the writer was probably killed",
                ),
            );
        }
        let (dialect, tool_version, distribution) = match self.header {
            Some((maria, v, d)) => (
                if maria || d.contains("MariaDB") {
                    Dialect::MariaDb
                } else {
                    Dialect::MySql
                },
                Some(v),
                (!d.is_empty()).then_some(d),
            ),
            None => (
                if self.sandbox
                    || self
                        .server_version
                        .as_ref()
                        .is_some_and(|v| v.contains("MariaDB"))
                {
                    Dialect::MariaDb
                } else {
                    Dialect::Unknown
                },
                None,
                None,
            ),
        };
        let has_header = tool_version.is_some();
        Report {
            verdict,
            reason,
            stream,
            origin: Origin {
                dialect,
                tool_version,
                distribution,
                server_version: self.server_version,
                host: self.host,
                database: self
                    .header_db
                    .map(|d| String::from_utf8_lossy(&d).into_owned()),
                sandbox: self.sandbox,
            },
            framing: Framing {
                header: has_header,
                preamble: self.preamble,
                postamble,
                trailer,
                xml: is_xml,
            },
            content: Content {
                databases: self.databases,
                tables: self.tables,
                table_count: self.table_count,
                statements: self.statements,
                insert_statements: self.insert_statements,
                rows: self.rows,
                last_table: self.last_table.as_ref().map(name_of),
                open_table,
            },
            failures: Failures {
                markers: self.markers,
                count: self.marker_count,
            },
            warnings: self.warnings,
        }
    }
}

fn name_of(k: &Key) -> TableName {
    TableName {
        database: k
            .0
            .as_ref()
            .map(|d| String::from_utf8_lossy(d).into_owned()),
        name: String::from_utf8_lossy(&k.1).into_owned(),
    }
}
