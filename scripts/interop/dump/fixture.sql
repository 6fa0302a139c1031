-- The interop fixture: two databases, awkward values in every column type a dump
-- writes raw or escaped, a view, a trigger, a procedure, an event, an empty table and
-- identifiers that need back-quote doubling.
SET NAMES utf8mb4;
DROP DATABASE IF EXISTS shop;
DROP DATABASE IF EXISTS `odd-db`;
DROP DATABASE IF EXISTS brokenview;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE shop;
CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  note TEXT NULL,
  photo BLOB NULL,
  balance DECIMAL(10,2) DEFAULT NULL
) ENGINE=InnoDB;
INSERT INTO customers (name, note, photo, balance) VALUES
 ('plain', NULL, NULL, NULL),
 ('quotes', 'it''s "double" and `back`', X'27220060', 1.50),
 ('semicolons', 'a;b;c; -- no comment; /* nor this */ # nor this', X'3B0A3B', -3.25),
 ('newlines', 'one\ntwo\r\nthree\tfour', X'0A0D09', 0.00),
 ('backslash', 'C:\\dir\\file \\\\ end', X'5C5C27', 1.00),
 ('nul', CONCAT('nul', CHAR(0), 'after', CHAR(26), 'sub'), X'00001A00', NULL),
 ('binary', 'raw bytes', X'FFFEFD80C328', 2.00),
 ('unicode', 'héllo ✓ 😀', X'F09F9880', 99.99),
 ('delimiter', 'DELIMITER ;;\nEND;;', X'', 0);
CREATE TABLE orders (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  total DOUBLE,
  status ENUM('new','paid') NOT NULL DEFAULT 'new',
  CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers(id)
) ENGINE=InnoDB;
INSERT INTO orders VALUES (1,1,1.5,'new'),(2,2,NULL,'paid'),(3,3,1e300,'paid');
CREATE TABLE empty_table (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE medium (
  id INT NOT NULL PRIMARY KEY,
  payload VARCHAR(255) NOT NULL,
  bin VARBINARY(32)
) ENGINE=InnoDB;
INSERT INTO medium SELECT seq, CONCAT('medium ', seq, ' it''s; "x" -- ', REPEAT('m', 120)), UNHEX(SHA2(seq, 256))
  FROM seq_1_to_12000;
CREATE TABLE big (
  id INT NOT NULL PRIMARY KEY,
  payload VARCHAR(255) NOT NULL,
  bin VARBINARY(32)
) ENGINE=InnoDB;
INSERT INTO big SELECT seq, CONCAT('row ', seq, ' it''s; a "payload" ', REPEAT('x', 150)), UNHEX(SHA2(seq, 256))
  FROM seq_1_to_300000;
CREATE VIEW v_paid AS SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid';
DELIMITER //
CREATE TRIGGER trg_orders BEFORE INSERT ON orders FOR EACH ROW BEGIN SET NEW.total = IFNULL(NEW.total, 0); END//
CREATE PROCEDURE p_count(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM customers; END//
CREATE EVENT ev_nightly ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM orders WHERE id < 0; END//
DELIMITER ;
CREATE DATABASE `odd-db`;
CREATE TABLE `odd-db`.`we``ird tbl` (`col ``x` INT, `select` VARCHAR(10));
INSERT INTO `odd-db`.`we``ird tbl` VALUES (1,'from'),(NULL,NULL);
-- A database whose view points at a dropped table: dumping it fails.
CREATE DATABASE brokenview;
CREATE TABLE brokenview.t (a INT);
INSERT INTO brokenview.t VALUES (1);
CREATE VIEW brokenview.v AS SELECT a FROM brokenview.t;
DROP TABLE brokenview.t;
CREATE TABLE brokenview.t2 (b INT);
INSERT INTO brokenview.t2 VALUES (5);
