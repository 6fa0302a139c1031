//! The dump part of the tour: a small mariadb-dump file verified whole, cut the way a
//! killed client leaves it, cut the way a dropped connection leaves it, and gzipped.

use std::io::Write;

use hostkit_mysqldump_verify::{Verdict, Verifier, verify};

use super::Report;
use crate::cli::dump::text_line;

/// A complete dump, in the shape mariadb-dump 10.11 writes (one row per line).
const DUMP: &str = r"/*M!999999\- enable the sandbox mode */
-- MariaDB dump 10.19  Distrib 10.11.14-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: shop
-- ------------------------------------------------------
-- Server version	10.11.14-MariaDB-0+deb12u2

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `customers`
--

DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(100) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

LOCK TABLES `customers` WRITE;
/*!40000 ALTER TABLE `customers` DISABLE KEYS */;
INSERT INTO `customers` VALUES
(1,'O\'Brien'),
(2,'semi;colon -- not a comment'),
(3,'line1\nline2 /* nor this */');
/*!40000 ALTER TABLE `customers` ENABLE KEYS */;
UNLOCK TABLES;

DROP TABLE IF EXISTS `log`;
CREATE TABLE `log` (`id` int NOT NULL, `msg` text) ENGINE=InnoDB;

LOCK TABLES `log` WRITE;
/*!40000 ALTER TABLE `log` DISABLE KEYS */;
INSERT INTO `log` VALUES
(1,'started'),
(2,'it''s running'),
(3,'done');
/*!40000 ALTER TABLE `log` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-27  2:13:43
";

pub(crate) async fn run(report: &mut Report) -> anyhow::Result<()> {
    report.section("dump: is this mysqldump / mariadb-dump file complete?");

    let whole = verify(DUMP.as_bytes());
    report.line(text_line("shop.sql", &whole));
    report.check(
        "the whole dump is complete, 2 tables, 6 rows",
        whole.verdict == Verdict::Complete
            && whole.content.table_count == 2
            && whole.content.rows == 6,
    );

    // A client killed mid-row (OOM killer): the file stops inside a string.
    let at = DUMP.find("it''s").unwrap_or(DUMP.len() / 2) + 3;
    let killed = verify(&DUMP.as_bytes()[..at]);
    report.line(text_line("killed.sql", &killed));
    report.check(
        "a cut inside a row is incomplete, while dumping `shop`.`log`",
        killed.verdict == Verdict::Incomplete
            && killed
                .content
                .open_table
                .as_ref()
                .is_some_and(|(t, _)| t.name == "log"),
    );

    // A dropped connection: mariadb-dump closes the INSERT cleanly, then stops.
    let at = DUMP.find("(2,'it''s running'),").unwrap_or(0);
    let mut dropped = DUMP.as_bytes()[..at].to_vec();
    dropped.extend_from_slice(b"(2,'it''s running');\n");
    let dropped = verify(&dropped);
    report.line(text_line("dropped.sql", &dropped));
    report.check(
        "a cleanly closed INSERT without UNLOCK and trailer is still incomplete",
        dropped.verdict == Verdict::Incomplete,
    );

    // gzip, fed in 1000-byte pieces as if read from a pipe: same report.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(DUMP.as_bytes())?;
    let gz = gz.finish()?;
    let mut v = Verifier::new();
    for piece in gz.chunks(1000) {
        v.feed(piece);
    }
    let zipped = v.finish();
    report.line(text_line("shop.sql.gz", &zipped));
    report.check(
        "the gzipped dump gives the same verdict and counts",
        zipped.verdict == Verdict::Complete && zipped.content.rows == whole.content.rows,
    );
    let cut = verify(&gz[..gz.len() - 4]);
    report.line(text_line("cut.sql.gz", &cut));
    report.check(
        "a gzip file missing its last 4 bytes is incomplete",
        cut.verdict == Verdict::Incomplete,
    );
    Ok(())
}
