//! A host name held inline, so that a lookup can hand one back without allocating.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

/// The longest name (RFC 1035 section 2.3.4, without the trailing dot).
pub(crate) const MAX_LEN: usize = 253;

/// A normalised host name (lower-case A-labels, no trailing dot) of the embedded list,
/// held inline with room for the list's longest name (at most 253 bytes). Dereferences
/// to `str`.
#[derive(Clone, Copy)]
pub struct Name {
    len: u8,
    buf: [u8; super::LONGEST],
}

impl Name {
    /// `None` when `bytes` is longer than the list's longest name or not ASCII.
    pub(crate) fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > super::LONGEST || !bytes.is_ascii() {
            return None;
        }
        let mut buf = [0u8; super::LONGEST];
        buf[..bytes.len()].copy_from_slice(bytes);
        Some(Self {
            len: u8::try_from(bytes.len()).ok()?,
            buf,
        })
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
