//! The typed record read straight from Automerge, through serde: each value is handed
//! to the record's own `Deserialize` as the walk reaches it, with no JSON tree built
//! between them (`codec::read_map` builds one, and the record was then typed from it
//! field by field again).
//!
//! It reads what `codec::read_map` reads, the same way: each key's winning value, the
//! keys whose concurrent writes left more than one value collected as conflicts (none
//! inside lists), the insurance steps made twice at once read as one collection
//! (`schema`), nothing nested deeper than `MAX_DEPTH`, and fields the record does not
//! know walked all the same. Documents of earlier schema versions are upgraded as JSON
//! (`schema::upgrade`), so they are read through `codec`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Display;

use automerge::iter::{ListRange, MapRange};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValueRef, ValueRef};
use serde::Deserialize as _;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde_json::Value as Json;

use super::codec::{self, FieldPath, MAX_DEPTH, RawConflict};
use super::{DocumentError, schema};

/// Reads the record at the root of `doc`, adding the conflicts found to `conflicts`.
pub(crate) fn read_record<T: DeserializeOwned>(
    doc: &Automerge,
    conflicts: &mut Vec<RawConflict>,
) -> Result<T, DocumentError> {
    let found = RefCell::new(Vec::new());
    let walk = Walk { doc, heads: None, conflicts: &found };
    let record = read(&walk, automerge::ROOT, &[], true)?;
    conflicts.extend(found.into_inner());
    Ok(record)
}

/// Reads the map `obj`, found at `path`, as it was at `heads` (`None`: as it is now;
/// conflicts are not collected, as `codec` does not collect them at past heads).
pub(crate) fn read_at<T: DeserializeOwned>(
    doc: &Automerge,
    obj: ObjId,
    path: &[&str],
    heads: Option<&[ChangeHash]>,
) -> Result<T, DocumentError> {
    let none = RefCell::new(Vec::new());
    let walk = Walk { doc, heads, conflicts: &none };
    read(&walk, obj, &path.iter().map(|key| (*key).to_owned()).collect::<FieldPath>(), false)
}

/// Reads the map `obj` at `start` as a `T`. A value that does not fit the record is
/// rare: only then is the map read again with the path tracked, to name the field.
fn read<T: DeserializeOwned>(
    walk: &Walk<'_, '_>,
    obj: ObjId,
    start: &[String],
    collect: bool,
) -> Result<T, DocumentError> {
    let node = || Node { walk, value: Value::Object(ObjType::Map, obj.clone()), path: Path::Start(start), collect };
    let reason = match T::deserialize(node()) {
        Ok(record) => return Ok(record),
        Err(ReadError::Document(error)) => return Err(error),
        Err(ReadError::Shape(reason)) => reason,
    };
    let prefix = start.join(".");
    let Err(error) = serde_path_to_error::deserialize::<_, T>(node()) else {
        return Err(DocumentError::Schema { path: prefix, reason });
    };
    // The field at fault, from the document's root.
    let path = [prefix.as_str(), &error.path().to_string()]
        .into_iter()
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join(".");
    Err(match error.into_inner() {
        ReadError::Document(error) => error,
        ReadError::Shape(reason) => DocumentError::Schema { path, reason },
    })
}

/// Where a value is: the path the walk started at, then the keys down to it, each
/// linked to its parent's, so that reading a field copies no path (it is spelled out
/// only for an error or a conflict).
#[derive(Clone, Copy)]
enum Path<'p> {
    Start(&'p [String]),
    Key(&'p Path<'p>, &'p str),
}

impl Path<'_> {
    fn depth(&self) -> usize {
        match self {
            Path::Start(start) => start.len(),
            Path::Key(parent, _) => parent.depth() + 1,
        }
    }

    fn keys(&self) -> FieldPath {
        match self {
            Path::Start(start) => start.to_vec(),
            Path::Key(parent, key) => {
                let mut keys = parent.keys();
                keys.push((*key).to_owned());
                keys
            }
        }
    }
}

/// Why a value did not read: the document's own error, or the record's.
#[derive(Debug)]
enum ReadError {
    Document(DocumentError),
    Shape(String),
}

impl Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Document(error) => error.fmt(f),
            Self::Shape(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for ReadError {}

impl de::Error for ReadError {
    fn custom<T: Display>(message: T) -> Self {
        Self::Shape(message.to_string())
    }
}

impl From<DocumentError> for ReadError {
    fn from(error: DocumentError) -> Self {
        Self::Document(error)
    }
}

/// What every node of one walk shares.
struct Walk<'a, 'w> {
    doc: &'a Automerge,
    /// The heads read at; `None` for the document as it is now.
    heads: Option<&'w [ChangeHash]>,
    conflicts: &'w RefCell<Vec<RawConflict>>,
}

enum Value<'a> {
    Scalar(ScalarValueRef<'a>),
    Object(ObjType, ObjId),
    /// The insurance steps of several maps made at once, read as one.
    Json(Json),
}

/// One value of the document at `path`, read as the record asks for it.
struct Node<'a, 'w, 'p> {
    walk: &'w Walk<'a, 'w>,
    value: Value<'a>,
    path: Path<'p>,
    /// Whether conflicts below are collected (not inside lists, as `codec` reads them).
    collect: bool,
}

impl<'de> de::Deserializer<'de> for Node<'_, '_, '_> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        let doc = self.walk.doc;
        match self.value {
            Value::Scalar(scalar) => match scalar {
                ScalarValueRef::Str(text) => visitor.visit_str(&text),
                // As JSON numbers read: zero and up unsigned, below zero signed.
                ScalarValueRef::Int(i) | ScalarValueRef::Timestamp(i) => match u64::try_from(i) {
                    Ok(u) => visitor.visit_u64(u),
                    Err(_) => visitor.visit_i64(i),
                },
                ScalarValueRef::Uint(u) => visitor.visit_u64(u),
                ScalarValueRef::F64(f) if f.is_finite() => visitor.visit_f64(f),
                ScalarValueRef::F64(_) | ScalarValueRef::Null => visitor.visit_unit(),
                ScalarValueRef::Boolean(b) => visitor.visit_bool(b),
                ScalarValueRef::Counter(_) | ScalarValueRef::Bytes(_) | ScalarValueRef::Unknown { .. } => {
                    Err(ReadError::Shape("unsupported value type".into()))
                }
            },
            Value::Object(ObjType::Text, id) => {
                let text = match self.walk.heads {
                    Some(heads) => doc.text_at(&id, heads),
                    None => doc.text(&id),
                };
                visitor.visit_string(text.map_err(|e| codec::automerge_error(&self.path.keys(), e))?)
            }
            Value::Object(ObjType::Map | ObjType::Table, id) => {
                if self.path.depth() > MAX_DEPTH {
                    return Err(codec::too_deep(&self.path.keys()).into());
                }
                let items = match self.walk.heads {
                    Some(heads) => doc.map_range_at(&id, .., heads),
                    None => doc.map_range(&id, ..),
                };
                visitor.visit_map(Entries {
                    walk: self.walk,
                    obj: id,
                    items,
                    path: self.path,
                    collect: self.collect,
                    next: None,
                })
            }
            Value::Object(ObjType::List, id) => {
                let items = match self.walk.heads {
                    Some(heads) => doc.list_range_at(&id, .., heads),
                    None => doc.list_range(&id, ..),
                };
                visitor.visit_seq(Items { walk: self.walk, items, path: self.path })
            }
            Value::Json(json) => {
                de::Deserializer::deserialize_any(json, visitor).map_err(<ReadError as de::Error>::custom)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.value {
            Value::Scalar(ScalarValueRef::Null) | Value::Json(Json::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.value {
            Value::Scalar(ScalarValueRef::Str(text)) => visitor.visit_enum(text.into_owned().into_deserializer()),
            Value::Json(json) => de::Deserializer::deserialize_enum(json, name, variants, visitor)
                .map_err(<ReadError as de::Error>::custom),
            _ => Err(ReadError::Shape(format!("expected one of {}", variants.join(", ")))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// A map's keys and winning values, in key order.
struct Entries<'a, 'w, 'p> {
    walk: &'w Walk<'a, 'w>,
    obj: ObjId,
    items: MapRange<'a>,
    path: Path<'p>,
    collect: bool,
    /// The value of the key just given, with its key.
    next: Option<(Cow<'a, str>, Value<'a>)>,
}

impl<'de> de::MapAccess<'de> for Entries<'_, '_, '_> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ReadError> {
        let Some(item) = self.items.next() else { return Ok(None) };
        let doc = self.walk.doc;
        let mut value = match item.value {
            ValueRef::Object(kind) => Value::Object(kind, item.id()),
            ValueRef::Scalar(scalar) => Value::Scalar(scalar),
        };
        let key = item.key;
        if item.conflict && self.collect {
            if self.path.depth() == 0 && key == schema::INSURANCE_STEPS {
                // Maps made at once where a collection was added later are one
                // collection, not a conflict for anyone to resolve; the winning map is
                // walked for the conflicts inside it, as `codec` walks it.
                let winner = Node { walk: self.walk, value, path: Path::Key(&self.path, &key), collect: true };
                de::IgnoredAny::deserialize(winner)?;
                value = Value::Json(Json::Object(codec::entries_of_every_map(doc, &key, None)?));
            } else {
                let path = Path::Key(&self.path, &key).keys();
                let conflict = codec::read_conflict(doc, &self.obj, &key, &path)?;
                self.walk.conflicts.borrow_mut().push(conflict);
            }
        }
        let read = seed.deserialize(de::value::StrDeserializer::<ReadError>::new(&key))?;
        self.next = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ReadError> {
        let (key, value) = self.next.take().ok_or_else(|| ReadError::Shape("a value without its key".into()))?;
        seed.deserialize(Node { walk: self.walk, value, path: Path::Key(&self.path, &key), collect: self.collect })
    }
}

/// A list's values, in order (conflicts are not collected inside lists).
struct Items<'a, 'w, 'p> {
    walk: &'w Walk<'a, 'w>,
    items: ListRange<'a>,
    path: Path<'p>,
}

impl<'de> de::SeqAccess<'de> for Items<'_, '_, '_> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ReadError> {
        let Some(item) = self.items.next() else { return Ok(None) };
        let value = match item.value {
            ValueRef::Object(kind) => Value::Object(kind, item.id()),
            ValueRef::Scalar(scalar) => Value::Scalar(scalar),
        };
        let index = item.index.to_string();
        seed.deserialize(Node { walk: self.walk, value, path: Path::Key(&self.path, &index), collect: false }).map(Some)
    }
}

#[cfg(test)]
mod tests;
