//! Properties: any chunking gives the same report, arbitrary bytes never panic, every
//! generated dump is counted right, and no strict prefix of a dump is complete.

use std::io::Write;

use hostkit_mysqldump_verify::{Report, Verdict, Verifier};
use proptest::prelude::*;

fn chunked(bytes: &[u8], cuts: &[usize]) -> Report {
    let mut v = Verifier::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut last = 0;
    for p in points {
        v.feed(&bytes[last..p]);
        last = p;
    }
    v.feed(&bytes[last..]);
    v.finish()
}

fn whole(bytes: &[u8]) -> Report {
    let mut v = Verifier::new();
    v.feed(bytes);
    v.finish()
}

/// Escape like `mysql_real_escape_string`: `\0 \' \" \\ \n \r \Z`, everything else raw.
fn escape(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        match b {
            0 => out.extend_from_slice(b"\\0"),
            b'\'' => out.extend_from_slice(b"\\'"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x1a => out.extend_from_slice(b"\\Z"),
            _ => out.push(b),
        }
    }
}

#[derive(Debug, Clone)]
enum Value {
    Null,
    Int(i64),
    Str(Vec<u8>),
    Hex(Vec<u8>),
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Int),
        prop::collection::vec(
            prop_oneof![
                any::<u8>(),
                prop::sample::select(b"';\"\\-/*#()`\n\r\0".to_vec())
            ],
            0..40
        )
        .prop_map(Value::Str),
        prop::collection::vec(any::<u8>(), 1..8).prop_map(Value::Hex),
    ]
}

/// A MariaDB-layout dump of the given tables (rows of values); `extended` puts all rows
/// of a table in one INSERT, one row per line.
fn render(tables: &[Vec<Vec<Value>>], extended: bool) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(
        b"/*M!999999\\- enable the sandbox mode */ \n\
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n\
-- Host: localhost    Database: db\n\
-- Server version\t10.11.19-MariaDB\n\n\
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n",
    );
    for (t, rows) in tables.iter().enumerate() {
        write!(
            d,
            "--\n-- Table structure for table `t{t}`\n--\n\nDROP TABLE IF EXISTS `t{t}`;\nCREATE TABLE `t{t}` (`a` int) ENGINE=InnoDB;\nLOCK TABLES `t{t}` WRITE;\n/*!40000 ALTER TABLE `t{t}` DISABLE KEYS */;\n"
        )
        .unwrap();
        for (i, row) in rows.iter().enumerate() {
            if !extended || i == 0 {
                write!(d, "INSERT INTO `t{t}` VALUES ").unwrap();
                if extended {
                    d.push(b'\n');
                }
            }
            d.push(b'(');
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    d.push(b',');
                }
                match v {
                    Value::Null => d.extend_from_slice(b"NULL"),
                    Value::Int(n) => write!(d, "{n}").unwrap(),
                    Value::Str(s) => {
                        d.push(b'\'');
                        escape(s, &mut d);
                        d.push(b'\'');
                    }
                    Value::Hex(h) => {
                        d.extend_from_slice(b"0x");
                        for b in h {
                            write!(d, "{b:02X}").unwrap();
                        }
                    }
                }
            }
            d.push(b')');
            if extended && i + 1 < rows.len() {
                d.extend_from_slice(b",\n");
            } else {
                d.extend_from_slice(b";\n");
            }
        }
        write!(
            d,
            "/*!40000 ALTER TABLE `t{t}` ENABLE KEYS */;\nUNLOCK TABLES;\n"
        )
        .unwrap();
    }
    d.extend_from_slice(
        b"/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-11-27  2:13:43\n",
    );
    d
}

fn tables() -> impl Strategy<Value = Vec<Vec<Vec<Value>>>> {
    prop::collection::vec(
        prop::collection::vec(prop::collection::vec(value(), 1..5), 0..8),
        1..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_any_chunking_same_report(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(chunked(&bytes, &cuts), whole(&bytes));
    }

    #[test]
    fn arbitrary_compressed_bytes_any_chunking_same_report(
        prefix in prop::sample::select(vec![
            &[0x1f_u8, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3][..],
            &[0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3, 2, 0][..],
            &[0x28, 0xb5, 0x2f, 0xfd][..],
        ]),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut input = prefix.to_vec();
        input.extend_from_slice(&bytes);
        let r = whole(&input);
        prop_assert!(r.verdict != Verdict::Complete);
        prop_assert_eq!(chunked(&input, &cuts), r);
    }

    #[test]
    fn sql_like_bytes_any_chunking_same_report(
        bytes in prop::collection::vec(
            prop::sample::select(b"';\"\\-/*#()`\n !M0123456789DELIMITERVALUESINSERTINTOLOCKUNLOCKTABLES".to_vec()),
            0..600,
        ),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(chunked(&bytes, &cuts), whole(&bytes));
    }

    #[test]
    fn generated_dumps_are_complete_and_counted(
        t in tables(),
        extended in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let d = render(&t, extended);
        let r = chunked(&d, &cuts);
        let rows: usize = t.iter().map(Vec::len).sum();
        prop_assert_eq!(r.verdict, Verdict::Complete, "{:?}", r.reason);
        prop_assert_eq!(r.content.rows, rows as u64);
        prop_assert_eq!(r.content.table_count, t.len() as u64);
        for (i, table) in r.content.tables.iter().enumerate() {
            prop_assert_eq!(table.rows, t[i].len() as u64);
        }
    }

    #[test]
    fn no_strict_prefix_of_a_dump_is_complete(t in tables(), extended in any::<bool>(), at in any::<usize>()) {
        let d = render(&t, extended);
        let cut = at % (d.len() - 1);
        let r = whole(&d[..cut]);
        prop_assert_ne!(r.verdict, Verdict::Complete, "cut {}", cut);
    }

    #[test]
    fn gzip_of_any_prefix_matches_plain_or_is_incomplete(t in tables(), at in any::<usize>()) {
        let d = render(&t, true);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&d).unwrap();
        let gz = gz.finish().unwrap();
        let full = whole(&gz);
        prop_assert_eq!(full.verdict, Verdict::Complete);
        prop_assert_eq!(full.content.rows, whole(&d).content.rows);
        let cut = at % gz.len();
        prop_assert_eq!(whole(&gz[..cut]).verdict, if cut < 2 { Verdict::NotADump } else { Verdict::Incomplete });
    }
}
