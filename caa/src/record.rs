//! CAA RDATA on the wire (RFC 8659 section 4.1): a borrowed view and an owned record.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::BufMut;

use crate::Error;
use crate::property::Property;

/// The Issuer Critical flag: bit 0 in RFC 1035 numbering, the most significant bit.
pub const FLAG_CRITICAL: u8 = 0x80;

/// The largest RDATA a resource record can carry.
pub const MAX_RDATA_LEN: usize = 65_535;

/// A CAA record borrowed from its RDATA.
///
/// ```text
/// +0-1-2-3-4-5-6-7-|0-1-2-3-4-5-6-7-|
/// | Flags          | Tag Length = n |
/// +----------------|----------------+...+---------------+
/// | Tag char 0     | Tag char 1     |...| Tag char n-1  |
/// +----------------|----------------+...+---------------+
/// +----------------|----------------+.....+----------------+
/// | Value byte 0   | Value byte 1   |.....| Value byte m-1 |
/// +----------------|----------------+.....+----------------+
/// ```
///
/// The value has no length byte: it runs to the end of the RDATA. Every flag bit is
/// kept (the seven reserved ones too), the tag keeps its case, the value its bytes, so
/// [`encode`](Self::encode) gives back the RDATA byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaaRef<'a> {
    flags: u8,
    tag: &'a str,
    value: &'a [u8],
}

/// An owned CAA record: flags, tag and value bytes.
///
/// Built from zone text with [`FromStr`](core::str::FromStr), from the wire with
/// [`CaaRef::decode`] and [`CaaRef::into_owned`], or with [`Caa::new`]; printed in
/// zone text with [`Display`](core::fmt::Display).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Caa {
    flags: u8,
    tag: String,
    value: Vec<u8>,
}

/// Something legal but odd about a record, worth telling its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Warning {
    /// The tag is longer than 15 octets, the limit RFC 6844 recommended; RFC 8659 only
    /// asks for at least one.
    LongTag {
        /// Tag length.
        len: usize,
    },
    /// Reserved flag bits are set; RFC 8659 section 4.1 says to leave them 0 and to
    /// ignore them when reading.
    ReservedFlags {
        /// The flags byte.
        flags: u8,
    },
    /// The tag has upper-case letters: it matches case-insensitively, but registered tags
    /// are lower case and some DNS servers refuse others.
    UpperCaseTag,
}

impl core::fmt::Display for Warning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Warning::LongTag { len } => write!(f, "tag of {len} octets is longer than 15"),
            Warning::ReservedFlags { flags } => {
                write!(f, "reserved flag bits set in {flags} (only 128 is defined)")
            }
            Warning::UpperCaseTag => f.write_str("tag has upper-case letters"),
        }
    }
}

pub(crate) fn check_tag(tag: &[u8], base: usize) -> Result<(), Error> {
    if tag.is_empty() {
        return Err(Error::EmptyTag { offset: base });
    }
    if tag.len() > 255 {
        return Err(Error::TagTooLong { len: tag.len() });
    }
    match tag.iter().position(|b| !b.is_ascii_alphanumeric()) {
        Some(i) => Err(Error::TagChar {
            byte: tag[i],
            offset: base + i,
        }),
        None => Ok(()),
    }
}

fn warnings_of(flags: u8, tag: &str) -> Vec<Warning> {
    let mut w = Vec::new();
    if tag.len() > 15 {
        w.push(Warning::LongTag { len: tag.len() });
    }
    if flags & !FLAG_CRITICAL != 0 {
        w.push(Warning::ReservedFlags { flags });
    }
    if tag.bytes().any(|b| b.is_ascii_uppercase()) {
        w.push(Warning::UpperCaseTag);
    }
    w
}

impl<'a> CaaRef<'a> {
    /// Read one CAA RDATA. The slice is the whole RDATA (RDLENGTH frames it), so the
    /// value is everything after the tag.
    ///
    /// # Errors
    ///
    /// [`Error::Truncated`] under two bytes, [`Error::EmptyTag`],
    /// [`Error::TagOverrun`], [`Error::TagChar`] for a tag byte that is not a letter or
    /// digit, [`Error::TooLong`] over 65,535 bytes.
    pub fn decode(rdata: &'a [u8]) -> Result<Self, Error> {
        if rdata.len() < 2 {
            return Err(Error::Truncated { len: rdata.len() });
        }
        if rdata.len() > MAX_RDATA_LEN {
            return Err(Error::TooLong { len: rdata.len() });
        }
        let flags = rdata[0];
        let tag_len = usize::from(rdata[1]);
        let rest = &rdata[2..];
        if tag_len == 0 {
            return Err(Error::EmptyTag { offset: 1 });
        }
        if tag_len > rest.len() {
            return Err(Error::TagOverrun {
                tag_len,
                available: rest.len(),
            });
        }
        let (tag, value) = rest.split_at(tag_len);
        check_tag(tag, 2)?;
        // Letters and digits only, so this is ASCII.
        let tag = core::str::from_utf8(tag).map_err(|_| Error::TagChar {
            byte: tag[0],
            offset: 2,
        })?;
        Ok(CaaRef { flags, tag, value })
    }

    /// The flags byte, reserved bits included.
    #[must_use]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the Issuer Critical flag (128) is set.
    #[must_use]
    pub fn is_critical(&self) -> bool {
        self.flags & FLAG_CRITICAL != 0
    }

    /// The tag as written (letters and digits; compare it case-insensitively).
    #[must_use]
    pub fn tag(&self) -> &'a str {
        self.tag
    }

    /// The value bytes.
    #[must_use]
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The typed meaning of the value, chosen by the tag (case-insensitively).
    #[must_use]
    pub fn property(&self) -> Property<'a> {
        Property::new(self.tag, self.value)
    }

    /// Legal but odd things about this record.
    #[must_use]
    pub fn warnings(&self) -> Vec<Warning> {
        warnings_of(self.flags, self.tag)
    }

    /// The length of the RDATA [`encode`](Self::encode) writes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        2 + self.tag.len() + self.value.len()
    }

    /// Write the RDATA (without RDLENGTH).
    pub fn encode(&self, buf: &mut impl BufMut) {
        buf.put_u8(self.flags);
        // The tag is 1..=255 bytes, checked when the record was made.
        buf.put_u8(u8::try_from(self.tag.len()).unwrap_or(u8::MAX));
        buf.put_slice(self.tag.as_bytes());
        buf.put_slice(self.value);
    }

    /// The RDATA as a new vector.
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }

    /// An owned copy.
    #[must_use]
    pub fn into_owned(self) -> Caa {
        Caa {
            flags: self.flags,
            tag: String::from(self.tag),
            value: Vec::from(self.value),
        }
    }
}

impl Caa {
    /// A record from its parts.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyTag`], [`Error::TagTooLong`] or [`Error::TagChar`] for a tag that
    /// is not 1 to 255 letters and digits; [`Error::TooLong`] when the RDATA would pass
    /// 65,535 bytes.
    pub fn new(flags: u8, tag: &str, value: impl Into<Vec<u8>>) -> Result<Self, Error> {
        check_tag(tag.as_bytes(), 0)?;
        let value = value.into();
        let len = 2 + tag.len() + value.len();
        if len > MAX_RDATA_LEN {
            return Err(Error::TooLong { len });
        }
        Ok(Caa {
            flags,
            tag: String::from(tag),
            value,
        })
    }

    /// Read one CAA RDATA into an owned record; see [`CaaRef::decode`].
    ///
    /// # Errors
    ///
    /// As [`CaaRef::decode`].
    pub fn from_wire(rdata: &[u8]) -> Result<Self, Error> {
        CaaRef::decode(rdata).map(CaaRef::into_owned)
    }

    /// The borrowed view of this record.
    #[must_use]
    pub fn as_ref(&self) -> CaaRef<'_> {
        CaaRef {
            flags: self.flags,
            tag: &self.tag,
            value: &self.value,
        }
    }

    /// The flags byte, reserved bits included.
    #[must_use]
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the Issuer Critical flag (128) is set.
    #[must_use]
    pub fn is_critical(&self) -> bool {
        self.flags & FLAG_CRITICAL != 0
    }

    /// The tag as written.
    #[must_use]
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The value bytes.
    #[must_use]
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The typed meaning of the value.
    #[must_use]
    pub fn property(&self) -> Property<'_> {
        self.as_ref().property()
    }

    /// Legal but odd things about this record.
    #[must_use]
    pub fn warnings(&self) -> Vec<Warning> {
        warnings_of(self.flags, &self.tag)
    }

    /// The length of the RDATA [`encode`](Self::encode) writes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.as_ref().encoded_len()
    }

    /// Write the RDATA (without RDLENGTH).
    pub fn encode(&self, buf: &mut impl BufMut) {
        self.as_ref().encode(buf);
    }

    /// The RDATA as a new vector.
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        self.as_ref().to_wire()
    }
}

impl<'a> From<&'a Caa> for CaaRef<'a> {
    fn from(c: &'a Caa) -> Self {
        c.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_keeps_everything() {
        let wire = b"\x83\x05IsSuEca.example";
        let r = CaaRef::decode(wire).unwrap();
        assert_eq!(r.flags(), 0x83);
        assert!(r.is_critical());
        assert_eq!(r.tag(), "IsSuE");
        assert_eq!(r.value(), b"ca.example");
        assert_eq!(r.to_wire(), wire);
        assert_eq!(r.into_owned().to_wire(), wire);
        assert_eq!(
            r.warnings(),
            [
                Warning::ReservedFlags { flags: 0x83 },
                Warning::UpperCaseTag
            ]
        );
    }

    #[test]
    fn decode_errors() {
        assert_eq!(CaaRef::decode(b"\x00"), Err(Error::Truncated { len: 1 }));
        assert_eq!(
            CaaRef::decode(b"\x00\x00"),
            Err(Error::EmptyTag { offset: 1 })
        );
        assert_eq!(
            CaaRef::decode(b"\x00\x06issue"),
            Err(Error::TagOverrun {
                tag_len: 6,
                available: 5
            })
        );
        assert_eq!(
            CaaRef::decode(b"\x00\x03a-bx"),
            Err(Error::TagChar {
                byte: b'-',
                offset: 3
            })
        );
    }

    #[test]
    fn empty_value_and_long_tag() {
        let r = CaaRef::decode(b"\x00\x05issue").unwrap();
        assert!(r.value().is_empty());
        let mut w = alloc::vec![0u8, 25];
        w.extend_from_slice(b"caatestsuitedummypropertytest");
        let r = CaaRef::decode(&w).unwrap();
        assert_eq!(r.tag(), "caatestsuitedummyproperty");
        assert_eq!(r.warnings(), [Warning::LongTag { len: 25 }]);
    }
}
