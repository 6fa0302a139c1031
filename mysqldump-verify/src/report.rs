//! The report: every signal the verifier saw, and the verdict drawn from them.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::Error;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Verdict {
    /// The markers that prove the dump tool reached its end are there, nothing is left
    /// open and no failure is recorded.
    Complete,
    /// The dump is cut or reports a failure; [`Report::reason`] says which and where.
    Incomplete,
    /// Nothing is wrong, but the dump carries no marker that could prove it complete
    /// (`--compact` dumps, hand-written SQL).
    Undecidable,
    /// Empty input or bytes that are not a SQL dump.
    NotADump,
}

impl Verdict {
    /// The lowercase word used in text and JSON output: `complete`, `incomplete`,
    /// `undecidable`, `not_a_dump`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Incomplete => "incomplete",
            Self::Undecidable => "undecidable",
            Self::NotADump => "not_a_dump",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A table name as the dump writes it, with the database it belongs to when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TableName {
    /// The database: from a qualified name, the last `USE`, or the header's
    /// `Database:` field.
    pub database: Option<String>,
    /// The table.
    pub name: String,
}

impl fmt::Display for TableName {
    /// Back-quoted, with back-quotes doubled: `` `shop`.`log` ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.database {
            write_ident(f, db)?;
            f.write_str(".")?;
        }
        write_ident(f, &self.name)
    }
}

fn write_ident(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("`")?;
    for part in s.split('`').enumerate() {
        if part.0 > 0 {
            f.write_str("``")?;
        }
        f.write_str(part.1)?;
    }
    f.write_str("`")
}

/// How far a table's data section got, in the order the dump tool writes it:
///
/// ```text
/// DROP TABLE / CREATE TABLE   -> Structure
/// LOCK TABLES `t` WRITE;      -> Locked
/// ALTER TABLE `t` DISABLE KEYS -> KeysDisabled
/// INSERT INTO `t` VALUES ...  -> Inserting (repeated)
/// ALTER TABLE `t` ENABLE KEYS -> KeysEnabled
/// UNLOCK TABLES;              -> Unlocked
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Progress {
    /// Only its structure (`DROP`/`CREATE TABLE`) was seen.
    Structure,
    /// `LOCK TABLES` was seen.
    Locked,
    /// `ALTER TABLE ... DISABLE KEYS` was seen.
    KeysDisabled,
    /// At least one `INSERT` was seen.
    Inserting,
    /// `ALTER TABLE ... ENABLE KEYS` was seen.
    KeysEnabled,
    /// `UNLOCK TABLES` closed the section.
    Unlocked,
}

impl Progress {
    /// A short lowercase word for output.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Structure => "structure",
            Self::Locked => "locked",
            Self::KeysDisabled => "keys_disabled",
            Self::Inserting => "inserting",
            Self::KeysEnabled => "keys_enabled",
            Self::Unlocked => "unlocked",
        }
    }
}

/// One table seen in the dump.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TableReport {
    /// Its name.
    pub table: TableName,
    /// A `CREATE TABLE` for it was seen.
    pub structure: bool,
    /// `INSERT` (or `REPLACE`) statements.
    pub insert_statements: u64,
    /// Rows in those statements.
    pub rows: u64,
    /// How far its last data section got.
    pub progress: Progress,
}

/// The dump tool family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Dialect {
    /// `-- MySQL dump ...` header, no MariaDB sign.
    MySql,
    /// `-- MariaDB dump ...` header, the sandbox line, or a MariaDB server version.
    MariaDb,
    /// No header to tell.
    Unknown,
}

impl Dialect {
    /// `MySQL`, `MariaDB` or `unknown`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MySql => "MySQL",
            Self::MariaDb => "MariaDB",
            Self::Unknown => "unknown",
        }
    }
}

/// The `-- Dump completed` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Trailer {
    /// `-- Dump completed on 2026-11-27  2:13:43`; the date normalised to
    /// `2026-11-27 02:13:43` (the tool pads the hour with a space).
    Dated(String),
    /// `-- Dump completed` (`--skip-dump-date`).
    Undated,
    /// No trailer line.
    Absent,
}

/// The compressed container around the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (RFC 1952), with the number of members.
    Gzip {
        /// Members started.
        members: u32,
    },
    /// zstd (RFC 8878), with the number of frames.
    Zstd {
        /// Frames started.
        frames: u32,
    },
}

/// Where the tokenizer stood when the input ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EndState {
    /// Between statements.
    Clean,
    /// Inside a statement that was never terminated.
    MidStatement,
    /// Inside a `'...'` or `"..."` string.
    InString,
    /// Inside a `` `...` `` identifier.
    InIdentifier,
    /// Inside a `/* */` or `/*! */` comment.
    InComment,
}

/// A `-- failed on ...` comment, written by the dump tool under `--force` when a
/// statement failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Marker {
    /// Byte offset of the comment in the SQL stream.
    pub offset: u64,
    /// The comment text after `-- `, at most 200 bytes, lossily decoded.
    pub text: String,
}

/// A sequence oddity that does not by itself decide the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Warning {
    /// Byte offset of the statement in the SQL stream.
    pub offset: u64,
    /// What was odd.
    pub text: String,
}

/// Why the verdict is not [`Verdict::Complete`]. Offsets count bytes of the
/// decompressed SQL unless the reason is about the container.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Reason {
    /// A table's data section is open at the end (LOCK without UNLOCK, DISABLE KEYS
    /// without ENABLE KEYS, or an unterminated INSERT).
    CutWhileDumpingTable {
        /// The table.
        table: TableName,
        /// How far its section got.
        progress: Progress,
        /// The end of the SQL.
        offset: u64,
    },
    /// The compressed container is cut or corrupt.
    Container(Error),
    /// The input ends inside a string, identifier, comment or statement.
    CutMidStatement {
        /// Where the tokenizer stood.
        state: EndState,
        /// The end of the SQL.
        offset: u64,
    },
    /// `-- failed on ...` comments: the tool went on after an error (`--force`).
    FailedMarkers {
        /// How many.
        count: u64,
        /// The first one.
        first: Marker,
    },
    /// Statements follow the last `-- Dump completed` line.
    ContentAfterTrailer {
        /// Where the first statement after the trailer ends.
        offset: u64,
    },
    /// The header is there, the trailer is not.
    MissingTrailer {
        /// The end of the SQL.
        offset: u64,
    },
    /// No comments (`--skip-comments`), the preamble is there and the closing
    /// `SET ...=@OLD_...` postamble is not.
    MissingPostamble {
        /// The end of the SQL.
        offset: u64,
    },
    /// An XML dump (`--xml`) without its closing `</mysqldump>`.
    XmlUnclosed {
        /// The end of the input.
        offset: u64,
    },
    /// No header, preamble or trailer: nothing could prove the dump complete.
    NoMarkers,
    /// Nothing but whitespace and comments.
    Empty,
    /// Bytes that hold no SQL dump statement.
    NotSql,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CutWhileDumpingTable { table, offset, .. } => {
                write!(f, "cut while dumping table {table} at byte {offset}")
            }
            Self::Container(e) => write!(f, "{e}"),
            Self::CutMidStatement { state, offset } => {
                let s = match state {
                    EndState::InString => "inside a string",
                    EndState::InIdentifier => "inside an identifier",
                    EndState::InComment => "inside a comment",
                    EndState::MidStatement | EndState::Clean => "in the middle of a statement",
                };
                write!(f, "ends {s} at byte {offset}")
            }
            Self::FailedMarkers { count, first } => write!(
                f,
                "the dump tool reported {count} failure(s), first at byte {}: {}",
                first.offset, first.text
            ),
            Self::ContentAfterTrailer { offset } => {
                write!(
                    f,
                    "statements after the `-- Dump completed` line, up to byte {offset}"
                )
            }
            Self::MissingTrailer { offset } => {
                write!(f, "no `-- Dump completed` line at the end (byte {offset})")
            }
            Self::MissingPostamble { offset } => write!(
                f,
                "the preamble is there but the closing SET statements are not (byte {offset})"
            ),
            Self::XmlUnclosed { offset } => {
                write!(
                    f,
                    "the XML dump has no closing </mysqldump> (byte {offset})"
                )
            }
            Self::NoMarkers => f.write_str(
                "no header, preamble or trailer (--compact?): nothing proves the dump complete",
            ),
            Self::Empty => f.write_str("no SQL in the input"),
            Self::NotSql => f.write_str("no SQL dump statement in the input"),
        }
    }
}

/// Everything the verifier learnt, signal by signal, and the verdict.
///
/// The signals come in small groups: the byte stream and its container
/// ([`Report::stream`]), who wrote the dump ([`Report::origin`]), the lines that frame a
/// complete dump ([`Report::framing`]), what it holds ([`Report::content`]), and the
/// failures the dump tool wrote into it ([`Report::failures`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Report {
    /// The answer.
    pub verdict: Verdict,
    /// Why it is not [`Verdict::Complete`].
    pub reason: Option<Reason>,
    /// The bytes read, the container around them and where the tokenizer stood at the end.
    pub stream: Stream,
    /// The tool and server that wrote the dump, as its header says.
    pub origin: Origin,
    /// The header, preamble, postamble and trailer that frame a complete dump.
    pub framing: Framing,
    /// Databases, tables, statements and rows.
    pub content: Content,
    /// `-- failed on` comments the dump tool wrote under `--force`.
    pub failures: Failures,
    /// Sequence oddities, the first 16.
    pub warnings: Vec<Warning>,
}

/// The byte stream: sizes, the container and the end state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Stream {
    /// Bytes fed in.
    pub input_bytes: u64,
    /// Bytes of SQL (after decompression).
    pub sql_bytes: u64,
    /// The container.
    pub compression: Compression,
    /// A container fault, also when a stronger reason was chosen.
    pub container_error: Option<Error>,
    /// Where the tokenizer stood at the end.
    pub end_state: EndState,
}

/// Who wrote the dump: the header's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Origin {
    /// The tool family.
    pub dialect: Dialect,
    /// `-- MariaDB dump 10.19 ...` / `-- MySQL dump 10.13 ...`: the tool's version.
    pub tool_version: Option<String>,
    /// The `Distrib` field: the client distribution's version.
    pub distribution: Option<String>,
    /// `-- Server version<TAB>...`.
    pub server_version: Option<String>,
    /// `-- Host: ...`.
    pub host: Option<String>,
    /// The header's `Database:` field, when not empty.
    pub database: Option<String>,
    /// The MariaDB sandbox line (`/*M!999999\- enable the sandbox mode */`).
    pub sandbox: bool,
}

impl Origin {
    /// `MariaDB 10.11.14` from the server version (or the distribution), when known.
    #[must_use]
    pub fn server_label(&self) -> Option<String> {
        let v = self
            .server_version
            .as_ref()
            .or(self.distribution.as_ref())?;
        let short = v.split('-').next().unwrap_or(v);
        let dialect = match self.dialect {
            Dialect::Unknown => "server",
            d => d.as_str(),
        };
        Some(alloc::format!("{dialect} {short}"))
    }
}

/// The lines the dump tool writes first and last: together they prove it reached its end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Framing {
    /// The `-- MySQL dump` / `-- MariaDB dump` header line.
    pub header: bool,
    /// The `SET @OLD_...=@@...` preamble.
    pub preamble: bool,
    /// The closing `SET X=@OLD_X` statements are the last statements, and they restore
    /// the variable the preamble saved last (`SQL_NOTES` for mysqldump).
    pub postamble: bool,
    /// The `-- Dump completed` line.
    pub trailer: Trailer,
    /// An XML dump (`--xml`).
    pub xml: bool,
}

/// What the dump holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Content {
    /// Databases seen (`CREATE DATABASE`, `USE`), at most 1024.
    pub databases: Vec<String>,
    /// Tables seen, in order of first appearance, at most 10 000.
    pub tables: Vec<TableReport>,
    /// Distinct tables seen, also past the 10 000 kept in [`Content::tables`].
    pub table_count: u64,
    /// Statements terminated by the delimiter.
    pub statements: u64,
    /// `INSERT` / `REPLACE` statements.
    pub insert_statements: u64,
    /// Rows in them.
    pub rows: u64,
    /// The last table whose structure or data was seen.
    pub last_table: Option<TableName>,
    /// The table whose data section was open at the end, and how far it got.
    pub open_table: Option<(TableName, Progress)>,
}

/// The `-- failed on ...` comments of a `--force` dump.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Failures {
    /// The first 8.
    pub markers: Vec<Marker>,
    /// How many in all.
    pub count: u64,
}

impl Report {
    /// True when the verdict is [`Verdict::Complete`].
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.verdict == Verdict::Complete
    }

    /// `MariaDB 10.11.14` from the server version (or the distribution), when known:
    /// [`Origin::server_label`].
    #[must_use]
    pub fn server_label(&self) -> Option<String> {
        self.origin.server_label()
    }
}
