//! The container around the SQL: plain, gzip (RFC 1952, multi-member) or zstd
//! (RFC 8878, multi-frame), told apart by their magic bytes.

#[cfg(any(feature = "gzip", feature = "zstd"))]
use alloc::boxed::Box;
#[cfg(any(feature = "gzip", feature = "zstd"))]
use alloc::vec;
#[cfg(any(feature = "gzip", feature = "zstd"))]
use alloc::vec::Vec;

use crate::Error;
use crate::report::Compression;
use crate::scan::Scanner;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// Decompressed bytes handed to the scanner at a time.
#[cfg(any(feature = "gzip", feature = "zstd"))]
const OUT_CHUNK: usize = 128 * 1024;

#[derive(Debug)]
pub(crate) enum Container {
    Detect {
        buf: [u8; 4],
        len: usize,
    },
    Plain,
    #[cfg(feature = "gzip")]
    Gzip(Box<gzip::Gzip>),
    #[cfg(feature = "zstd")]
    Zstd(Box<zstd_frames::Zstd>),
    #[cfg_attr(all(feature = "gzip", feature = "zstd"), allow(dead_code))]
    Unsupported(&'static str, u64),
}

impl Default for Container {
    fn default() -> Self {
        Self::Detect {
            buf: [0; 4],
            len: 0,
        }
    }
}

enum Kind {
    Plain,
    Gzip,
    Zstd,
    Undecided,
}

fn detect(p: &[u8]) -> Kind {
    let gz = p.len().min(2);
    let zs = p.len().min(4);
    let maybe_gz = p[..gz] == GZIP_MAGIC[..gz];
    let maybe_zs = p[..zs] == ZSTD_MAGIC[..zs];
    if maybe_gz && p.len() >= 2 {
        Kind::Gzip
    } else if maybe_zs && p.len() >= 4 {
        Kind::Zstd
    } else if maybe_gz || maybe_zs {
        Kind::Undecided
    } else {
        Kind::Plain
    }
}

impl Container {
    pub(crate) fn plain() -> Self {
        Self::Plain
    }

    pub(crate) fn feed(&mut self, input: &[u8], sql: &mut Scanner) {
        match self {
            Self::Detect { buf, len } => {
                let mut probe = [0u8; 4];
                let have = *len;
                probe[..have].copy_from_slice(&buf[..have]);
                let take = (4 - have).min(input.len());
                probe[have..have + take].copy_from_slice(&input[..take]);
                match detect(&probe[..have + take]) {
                    Kind::Undecided => {
                        buf[have..have + take].copy_from_slice(&input[..take]);
                        *len = have + take;
                    }
                    kind => {
                        let saved = *buf;
                        *self = Self::start(kind);
                        self.feed(&saved[..have], sql);
                        self.feed(input, sql);
                    }
                }
            }
            Self::Plain => sql.feed(input),
            #[cfg(feature = "gzip")]
            Self::Gzip(g) => g.feed(input, sql),
            #[cfg(feature = "zstd")]
            Self::Zstd(z) => z.feed(input, sql),
            Self::Unsupported(_, n) => *n += input.len() as u64,
        }
    }

    fn start(kind: Kind) -> Self {
        match kind {
            Kind::Plain | Kind::Undecided => Self::Plain,
            #[cfg(feature = "gzip")]
            Kind::Gzip => Self::Gzip(Box::new(gzip::Gzip::new())),
            #[cfg(not(feature = "gzip"))]
            Kind::Gzip => Self::Unsupported("gzip", 0),
            #[cfg(feature = "zstd")]
            Kind::Zstd => Self::Zstd(Box::new(zstd_frames::Zstd::new())),
            #[cfg(not(feature = "zstd"))]
            Kind::Zstd => Self::Unsupported("zstd", 0),
        }
    }

    /// Flush what is buffered; the kind of container and its fault, if any.
    pub(crate) fn finish(&mut self, sql: &mut Scanner) -> (Compression, Option<Error>) {
        if let Self::Detect { buf, len } = self {
            // Too short to be compressed: plain bytes.
            let saved = *buf;
            let n = *len;
            *self = Self::Plain;
            sql.feed(&saved[..n]);
        }
        match self {
            Self::Detect { .. } | Self::Plain => (Compression::None, None),
            #[cfg(feature = "gzip")]
            Self::Gzip(g) => g.finish(),
            #[cfg(feature = "zstd")]
            Self::Zstd(z) => z.finish(sql),
            Self::Unsupported(format, _) => (
                if *format == "gzip" {
                    Compression::Gzip { members: 0 }
                } else {
                    Compression::Zstd { frames: 0 }
                },
                Some(Error::Unsupported {
                    format: (*format).into(),
                }),
            ),
        }
    }
}

#[cfg(feature = "gzip")]
mod gzip {
    //! RFC 1952 members, parsed here; the deflate data decoded by flate2 (zlib-rs).
    //!
    //! ```text
    //! member  = ID1 ID2 CM FLG MTIME(4) XFL OS [XLEN(2) extra] [name 0] [comment 0]
    //!           [CRC16(2)] deflate-data CRC32(4) ISIZE(4)
    //! ```

    use super::{OUT_CHUNK, Scanner, Vec, vec};
    use crate::Error;
    use crate::report::Compression;
    use alloc::string::ToString;
    use flate2::{Crc, Decompress, FlushDecompress, Status};

    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    const FHCRC: u8 = 2;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Stage {
        /// Fixed 10-byte header, `n` bytes read.
        Fixed(u8),
        ExtraLen(u8, u16),
        Extra(u16),
        Name,
        Comment,
        HeaderCrc(u8),
        Deflate,
        Trailer(u8),
        /// Between members.
        Boundary,
        Failed,
    }

    pub(crate) struct Gzip {
        inflate: Decompress,
        crc: Crc,
        stage: Stage,
        flags: u8,
        trailer: [u8; 8],
        out: Vec<u8>,
        members: u32,
        offset: u64,
        member_start: u64,
        error: Option<Error>,
    }

    impl core::fmt::Debug for Gzip {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("Gzip")
                .field("stage", &self.stage)
                .field("members", &self.members)
                .field("offset", &self.offset)
                .finish_non_exhaustive()
        }
    }

    impl Gzip {
        pub(crate) fn new() -> Self {
            Self {
                inflate: Decompress::new(false),
                crc: Crc::new(),
                stage: Stage::Fixed(0),
                flags: 0,
                trailer: [0; 8],
                out: vec![0; OUT_CHUNK],
                members: 1,
                offset: 0,
                member_start: 0,
                error: None,
            }
        }

        fn fail(&mut self, e: Error) {
            self.error = Some(e);
            self.stage = Stage::Failed;
        }

        pub(crate) fn feed(&mut self, mut input: &[u8], sql: &mut Scanner) {
            while !input.is_empty() {
                if self.stage == Stage::Deflate {
                    let used = self.inflate_some(input, sql);
                    input = &input[used..];
                    self.offset += used as u64;
                    continue;
                }
                let b = input[0];
                let at = self.offset;
                input = &input[1..];
                self.offset += 1;
                self.stage = match self.stage {
                    Stage::Fixed(n) => {
                        match n {
                            0 | 1 if b != super::GZIP_MAGIC[usize::from(n)] => {
                                self.fail(Error::GzipHeader {
                                    member: self.members,
                                    offset: at,
                                    detail: "bad magic".to_string(),
                                });
                                continue;
                            }
                            2 if b != 8 => {
                                self.fail(Error::GzipHeader {
                                    member: self.members,
                                    offset: at,
                                    detail: alloc::format!("compression method {b}, not deflate"),
                                });
                                continue;
                            }
                            3 => self.flags = b,
                            _ => {}
                        }
                        if n < 9 {
                            Stage::Fixed(n + 1)
                        } else {
                            self.after_fixed()
                        }
                    }
                    Stage::ExtraLen(0, _) => Stage::ExtraLen(1, u16::from(b)),
                    Stage::ExtraLen(_, lo) => {
                        let len = lo | u16::from(b) << 8;
                        if len == 0 {
                            self.after_extra()
                        } else {
                            Stage::Extra(len)
                        }
                    }
                    Stage::Extra(left) => {
                        if left <= 1 {
                            self.after_extra()
                        } else {
                            Stage::Extra(left - 1)
                        }
                    }
                    Stage::Name => {
                        if b == 0 {
                            self.after_name()
                        } else {
                            Stage::Name
                        }
                    }
                    Stage::Comment => {
                        if b == 0 {
                            self.after_comment()
                        } else {
                            Stage::Comment
                        }
                    }
                    Stage::HeaderCrc(0) => Stage::HeaderCrc(1),
                    Stage::HeaderCrc(_) => Stage::Deflate,
                    Stage::Trailer(n) => {
                        self.trailer[usize::from(n)] = b;
                        if n < 7 {
                            Stage::Trailer(n + 1)
                        } else {
                            self.check_trailer(at.saturating_sub(7));
                            if self.stage == Stage::Failed {
                                continue;
                            }
                            Stage::Boundary
                        }
                    }
                    Stage::Boundary => {
                        if b == super::GZIP_MAGIC[0] {
                            self.members += 1;
                            self.member_start = at;
                            self.inflate.reset(false);
                            self.crc.reset();
                            Stage::Fixed(1)
                        } else {
                            self.fail(Error::GzipTrailingGarbage {
                                member: self.members,
                                offset: at,
                            });
                            continue;
                        }
                    }
                    Stage::Failed => {
                        self.offset += input.len() as u64;
                        return;
                    }
                    Stage::Deflate => Stage::Deflate,
                };
            }
        }

        fn after_fixed(&self) -> Stage {
            if self.flags & FEXTRA != 0 {
                Stage::ExtraLen(0, 0)
            } else {
                self.after_extra()
            }
        }
        fn after_extra(&self) -> Stage {
            if self.flags & FNAME != 0 {
                Stage::Name
            } else {
                self.after_name()
            }
        }
        fn after_name(&self) -> Stage {
            if self.flags & FCOMMENT != 0 {
                Stage::Comment
            } else {
                self.after_comment()
            }
        }
        fn after_comment(&self) -> Stage {
            if self.flags & FHCRC != 0 {
                Stage::HeaderCrc(0)
            } else {
                Stage::Deflate
            }
        }

        fn check_trailer(&mut self, at: u64) {
            let t = self.trailer;
            let expected = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
            let expected_size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
            let found = self.crc.sum();
            let found_size = self.crc.amount();
            if expected != found || expected_size != found_size {
                self.fail(Error::GzipCheck {
                    member: self.members,
                    offset: at,
                    expected,
                    found,
                    expected_size,
                    found_size,
                });
            }
        }

        /// Inflate from `input`; returns the bytes consumed.
        fn inflate_some(&mut self, input: &[u8], sql: &mut Scanner) -> usize {
            let mut used = 0;
            loop {
                let in0 = self.inflate.total_in();
                let out0 = self.inflate.total_out();
                let status =
                    self.inflate
                        .decompress(&input[used..], &mut self.out, FlushDecompress::None);
                let consumed = (self.inflate.total_in() - in0) as usize;
                let produced = (self.inflate.total_out() - out0) as usize;
                used += consumed;
                if produced > 0 {
                    self.crc.update(&self.out[..produced]);
                    sql.feed(&self.out[..produced]);
                }
                match status {
                    Err(_) => {
                        self.fail(Error::GzipData {
                            member: self.members,
                            offset: self.member_start,
                        });
                        return input.len();
                    }
                    Ok(Status::StreamEnd) => {
                        self.stage = Stage::Trailer(0);
                        return used;
                    }
                    Ok(_) => {
                        let out_full = produced == self.out.len();
                        if used == input.len() && !out_full {
                            return used;
                        }
                        if consumed == 0 && produced == 0 {
                            return used;
                        }
                    }
                }
            }
        }

        pub(crate) fn finish(&mut self) -> (Compression, Option<Error>) {
            let c = Compression::Gzip {
                members: self.members,
            };
            if let Some(e) = self.error.take() {
                return (c, Some(e));
            }
            if self.stage == Stage::Boundary {
                (c, None)
            } else {
                (
                    c,
                    Some(Error::GzipTruncated {
                        member: self.members,
                        offset: self.offset,
                    }),
                )
            }
        }
    }
}

#[cfg(feature = "zstd")]
mod zstd_frames {
    //! zstd frames (RFC 8878) decoded by the reference library; a stream may hold
    //! several frames, and skippable ones.

    use super::{OUT_CHUNK, Scanner, Vec, vec};
    use crate::Error;
    use crate::report::Compression;
    use zstd::stream::raw::{Decoder, Operation};

    /// The decoder is handed the stream in pieces cut at fixed offsets of the
    /// compressed stream. When a call fails, zstd drops what that same call had
    /// already decoded; with pieces at fixed offsets, which calls are made (and so
    /// what a failure drops) does not depend on how the caller chunked the input,
    /// and the report stays the same for every chunking.
    const PIECE: usize = 16 * 1024;

    pub(crate) struct Zstd {
        dec: Option<Decoder<'static>>,
        out: Vec<u8>,
        /// The start of the next piece, shorter than [`PIECE`].
        pending: Vec<u8>,
        /// Inside a frame that has not been fully decoded and flushed.
        in_frame: bool,
        frames: u32,
        offset: u64,
        frame_start: u64,
        error: Option<Error>,
    }

    impl core::fmt::Debug for Zstd {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("Zstd")
                .field("in_frame", &self.in_frame)
                .field("frames", &self.frames)
                .field("offset", &self.offset)
                .finish_non_exhaustive()
        }
    }

    impl Zstd {
        pub(crate) fn new() -> Self {
            let (dec, error) = match Decoder::new() {
                Ok(d) => (Some(d), None),
                Err(_) => (
                    None,
                    Some(Error::ZstdData {
                        frame: 1,
                        offset: 0,
                    }),
                ),
            };
            Self {
                dec,
                out: vec![0; OUT_CHUNK],
                pending: Vec::new(),
                in_frame: false,
                frames: 0,
                offset: 0,
                frame_start: 0,
                error,
            }
        }

        pub(crate) fn feed(&mut self, mut input: &[u8], sql: &mut Scanner) {
            if !self.pending.is_empty() {
                let take = (PIECE - self.pending.len()).min(input.len());
                self.pending.extend_from_slice(&input[..take]);
                input = &input[take..];
                if self.pending.len() < PIECE {
                    return;
                }
                let piece = core::mem::take(&mut self.pending);
                self.decode(&piece, sql);
                self.pending = piece;
                self.pending.clear();
            }
            while input.len() >= PIECE {
                self.decode(&input[..PIECE], sql);
                input = &input[PIECE..];
            }
            if !input.is_empty() {
                if self.pending.capacity() == 0 {
                    self.pending.reserve_exact(PIECE);
                }
                self.pending.extend_from_slice(input);
            }
        }

        fn decode(&mut self, mut input: &[u8], sql: &mut Scanner) {
            let Some(dec) = self.dec.as_mut() else {
                self.offset += input.len() as u64;
                return;
            };
            if self.error.is_some() {
                self.offset += input.len() as u64;
                return;
            }
            loop {
                if !self.in_frame && !input.is_empty() {
                    self.frames += 1;
                    self.in_frame = true;
                    self.frame_start = self.offset;
                }
                match dec.run_on_buffers(input, &mut self.out) {
                    Err(_) => {
                        self.error = Some(Error::ZstdData {
                            frame: self.frames.max(1),
                            offset: self.frame_start,
                        });
                        self.offset += input.len() as u64;
                        return;
                    }
                    Ok(st) => {
                        input = &input[st.bytes_read..];
                        self.offset += st.bytes_read as u64;
                        if st.bytes_written > 0 {
                            sql.feed(&self.out[..st.bytes_written]);
                        }
                        let out_full = st.bytes_written == self.out.len();
                        if st.remaining == 0 && !out_full {
                            self.in_frame = false;
                        }
                        if input.is_empty() && !out_full {
                            return;
                        }
                        if st.bytes_read == 0 && st.bytes_written == 0 {
                            return;
                        }
                    }
                }
            }
        }

        pub(crate) fn finish(&mut self, sql: &mut Scanner) -> (Compression, Option<Error>) {
            if !self.pending.is_empty() {
                let piece = core::mem::take(&mut self.pending);
                self.decode(&piece, sql);
            }
            let c = Compression::Zstd {
                frames: self.frames,
            };
            if let Some(e) = self.error.take() {
                return (c, Some(e));
            }
            if self.in_frame {
                (
                    c,
                    Some(Error::ZstdTruncated {
                        frame: self.frames,
                        offset: self.offset,
                    }),
                )
            } else {
                (c, None)
            }
        }
    }
}

#[cfg(all(test, feature = "gzip", feature = "zstd"))]
mod tests {
    use std::io::Write;

    use crate::{Compression, Error, Verdict, verify};

    const SQL: &[u8] = b"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n\
LOCK TABLES `t` WRITE;\nINSERT INTO `t` VALUES (1),(2);\nUNLOCK TABLES;\n\
-- Dump completed on 2026-11-27 12:00:00\n";

    /// A zstd stream whose first frame decodes a block and then fails: every
    /// chunking must give the report the whole input gives (found by fuzzing).
    #[test]
    fn zstd_failure_mid_frame_is_chunking_invariant() {
        let mut input = std::vec![0x28, 0xb5, 0x2f, 0xfd, 0x11, 0x81, 0x00, 0xe8];
        input.extend_from_slice(&[0; 28]);
        input.extend_from_slice(&[0x01, 0x28, 0xb5, 0x2f, 0xfd, 0x2f]);
        let whole = verify(&input);
        assert_eq!(whole.verdict, Verdict::Incomplete);
        for size in 1..=input.len() {
            let mut v = crate::Verifier::new();
            for chunk in input.chunks(size) {
                v.feed(chunk);
            }
            assert_eq!(v.finish(), whole, "chunks of {size}");
        }
        // Larger than one decoder piece, fed in odd chunk sizes.
        let big: std::vec::Vec<u8> = SQL.iter().copied().cycle().take(200_000).collect();
        let z = zstd::encode_all(&big[..], 1).unwrap();
        let whole = verify(&z);
        for size in [1, 7, 4093, 16 * 1024 + 1, 65_536] {
            let mut v = crate::Verifier::new();
            for chunk in z.chunks(size) {
                v.feed(chunk);
            }
            assert_eq!(v.finish(), whole, "chunks of {size}");
        }
    }

    fn gz(b: &[u8], name: bool) -> std::vec::Vec<u8> {
        let mut builder = flate2::GzBuilder::new();
        if name {
            builder = builder
                .filename("dump.sql")
                .comment("nightly")
                .extra(&b"xy"[..]);
        }
        let mut e = builder.write(std::vec::Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_members_with_optional_header_fields() {
        let mut two = gz(&SQL[..70], true);
        two.extend_from_slice(&gz(&SQL[70..], false));
        let r = verify(&two);
        assert_eq!(r.verdict, Verdict::Complete, "{:?}", r.reason);
        assert_eq!(r.stream.compression, Compression::Gzip { members: 2 });
        assert_eq!(r.content.rows, 2);
    }

    #[test]
    fn gzip_faults() {
        let good = gz(SQL, false);
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        let r = verify(&bad_crc);
        assert_eq!(r.verdict, Verdict::Incomplete);
        assert!(matches!(
            r.stream.container_error,
            Some(Error::GzipCheck { member: 1, .. })
        ));

        let r = verify(&good[..n - 1]);
        assert_eq!(
            r.stream.container_error,
            Some(Error::GzipTruncated {
                member: 1,
                offset: n as u64 - 1
            })
        );

        let mut garbage = good.clone();
        garbage.extend_from_slice(b"junk");
        let r = verify(&garbage);
        assert_eq!(
            r.stream.container_error,
            Some(Error::GzipTrailingGarbage {
                member: 1,
                offset: n as u64
            })
        );
        assert_eq!(r.verdict, Verdict::Incomplete);
    }

    #[test]
    fn zstd_frames_and_truncation() {
        let mut z = zstd::encode_all(&SQL[..50], 3).unwrap();
        z.extend_from_slice(&zstd::encode_all(&SQL[50..], 3).unwrap());
        let r = verify(&z);
        assert_eq!(r.verdict, Verdict::Complete, "{:?}", r.reason);
        assert_eq!(r.stream.compression, Compression::Zstd { frames: 2 });
        let r = verify(&z[..z.len() - 3]);
        assert!(matches!(
            r.stream.container_error,
            Some(Error::ZstdTruncated { frame: 2, .. })
        ));
        assert_eq!(r.verdict, Verdict::Incomplete);
    }
}
