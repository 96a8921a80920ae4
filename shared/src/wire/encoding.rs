//! Automerge bytes and document heads as they travel in JSON: base64 and hex.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ChangeHash;

/// Bytes in Automerge's binary format, carried as standard (padded) base64 text:
/// one encoded change, or a whole saved document in a snapshot.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct AutomergeBytes(Vec<u8>);

impl AutomergeBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for AutomergeBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for AutomergeBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

// A saved document can be hundreds of KB; logs want its size, not its bytes.
impl fmt::Debug for AutomergeBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AutomergeBytes({} bytes)", self.0.len())
    }
}

impl Serialize for AutomergeBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for AutomergeBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than `String::deserialize`, so a large snapshot is decoded
        // straight from the input buffer without a second copy of its text.
        struct Base64Visitor;
        impl serde::de::Visitor<'_> for Base64Visitor {
            type Value = AutomergeBytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a standard base64 string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<AutomergeBytes, E> {
                BASE64
                    .decode(text)
                    .map(AutomergeBytes)
                    .map_err(|e| E::custom(format_args!("invalid base64 ({} characters): {e}", text.len())))
            }
        }
        d.deserialize_str(Base64Visitor)
    }
}

/// A document's heads: the hashes of the changes nothing else depends on yet, as
/// lower-case hex strings on the wire. Kept sorted and without repeats, so two sides
/// holding the same document hold equal heads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Heads(Vec<ChangeHash>);

impl Heads {
    pub fn new(mut hashes: Vec<ChangeHash>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        Self(hashes)
    }

    pub fn as_slice(&self) -> &[ChangeHash] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<ChangeHash> {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<ChangeHash>> for Heads {
    fn from(hashes: Vec<ChangeHash>) -> Self {
        Self::new(hashes)
    }
}

// Written through `Display`/`FromStr` rather than automerge's own serde impls (which
// live in its `legacy` module), so the wire form is stated here and stays put.
impl Serialize for Heads {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Hex<'a>(&'a ChangeHash);
        impl Serialize for Hex<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self.0)
            }
        }
        s.collect_seq(self.0.iter().map(Hex))
    }
}

impl<'de> Deserialize<'de> for Heads {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        let hashes = texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                text.parse::<ChangeHash>().map_err(|e| {
                    let shown: String = text.chars().take(80).collect();
                    serde::de::Error::custom(format_args!("head {index} ({shown:?}) is not a change hash: {e}"))
                })
            })
            .collect::<Result<Vec<_>, D::Error>>()?;
        Ok(Self::new(hashes))
    }
}

/// The key a workstation's data at rest is encrypted with: 32 random bytes that the
/// server keeps per device and gives only to a user signing in on that device, as
/// standard base64. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceKey([u8; DeviceKey::LEN]);

impl DeviceKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The key in `bytes`, which must be exactly [`Self::LEN`] long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKey(***)")
    }
}

impl Serialize for DeviceKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for DeviceKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bytes = AutomergeBytes::deserialize(d)?;
        DeviceKey::from_slice(bytes.as_bytes())
            .ok_or_else(|| serde::de::Error::custom(format_args!("a device key is {} bytes", DeviceKey::LEN)))
    }
}
