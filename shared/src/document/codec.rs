//! The bridge between Automerge objects and JSON values, so that the typed records of
//! `schema` are read and written through serde instead of hand-written paths.
//!
//! Reading walks a subtree once, taking each key's winning value, and (when asked)
//! collects every key whose concurrent writes left more than one value. Writing has
//! two forms: [`put_new`] builds fresh objects (a new visit), [`merge_into`] descends
//! into existing maps and writes only the scalars that differ, so that editing one
//! field never replaces its neighbours and cannot create conflicts on fields nobody
//! touched.

use std::collections::HashMap;

use automerge::hydrate;
use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value, ValueRef};
use serde_json::{Map as JsonMap, Number, Value as Json};

use super::DocumentError;
use crate::author::Author;
use crate::time::Timestamp;

/// A field path inside the document, e.g. `["profile", "phone"]`.
pub type FieldPath = Vec<String>;

/// The deepest nesting an elder document has is five levels; a hostile document
/// nested far deeper must not exhaust the reader's stack.
pub(crate) const MAX_DEPTH: usize = 16;

/// One of the values left by concurrent writes, and who wrote it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawConflictValue {
    pub value: Json,
    pub author: Option<Author>,
    pub at: Timestamp,
    pub winner: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawConflict {
    pub path: FieldPath,
    pub values: Vec<RawConflictValue>,
}

/// Reads the map `obj` (and everything under it) as JSON.
///
/// With `heads`, reads the map as it was at those heads (conflicts are then not collected).
pub(crate) fn read_map(
    doc: &Automerge,
    obj: &ObjId,
    heads: Option<&[ChangeHash]>,
    path: &mut FieldPath,
    mut conflicts: Option<&mut Vec<RawConflict>>,
) -> Result<Json, DocumentError> {
    if path.len() > MAX_DEPTH {
        return Err(too_deep(path));
    }
    let mut out = JsonMap::new();
    let items = match heads {
        Some(heads) => doc.map_range_at(obj, .., heads),
        None => doc.map_range(obj, ..),
    };
    for item in items {
        let key = item.key.to_string();
        // The path grows only where it is needed (objects, conflicts, errors): a
        // document has hundreds of scalars and this walk runs on every load.
        let value = match &item.value {
            ValueRef::Object(kind) => {
                path.push(key.clone());
                let value = read_object(doc, *kind, &item.id(), heads, path, conflicts.as_deref_mut());
                path.pop();
                value?
            }
            ValueRef::Scalar(scalar) => match scalar_ref_to_json(scalar) {
                Some(json) => json,
                None => return Err(unsupported(path, &key)),
            },
        };
        if item.conflict
            && let Some(found) = conflicts.as_deref_mut()
        {
            path.push(key.clone());
            let conflict = read_conflict(doc, obj, &key, path);
            path.pop();
            found.push(conflict?);
        }
        out.insert(key, value);
    }
    Ok(Json::Object(out))
}

fn read_object(
    doc: &Automerge,
    kind: ObjType,
    id: &ObjId,
    heads: Option<&[ChangeHash]>,
    path: &mut FieldPath,
    conflicts: Option<&mut Vec<RawConflict>>,
) -> Result<Json, DocumentError> {
    match kind {
        ObjType::Map | ObjType::Table => read_map(doc, id, heads, path, conflicts),
        ObjType::Text => {
            let text = match heads {
                Some(heads) => doc.text_at(id, heads),
                None => doc.text(id),
            };
            text.map(Json::String).map_err(|e| automerge_error(path, e))
        }
        ObjType::List => {
            let mut items = Vec::new();
            let range = match heads {
                Some(heads) => doc.list_range_at(id, .., heads),
                None => doc.list_range(id, ..),
            };
            for (index, item) in range.enumerate() {
                path.push(index.to_string());
                let value = match &item.value {
                    ValueRef::Object(kind) => read_object(doc, *kind, &item.id(), heads, path, None),
                    ValueRef::Scalar(scalar) => scalar_ref_to_json(scalar).ok_or_else(|| unsupported(path, "")),
                };
                path.pop();
                items.push(value?);
            }
            Ok(Json::Array(items))
        }
    }
}

pub(crate) fn read_conflict(
    doc: &Automerge,
    obj: &ObjId,
    key: &str,
    path: &FieldPath,
) -> Result<RawConflict, DocumentError> {
    let all = doc.get_all(obj, key).map_err(|e| automerge_error(path, e))?;
    let winner = doc.get(obj, key).map_err(|e| automerge_error(path, e))?.map(|(_, id)| id);
    let mut values = Vec::with_capacity(all.len());
    for (value, id) in all {
        let json = match value {
            Value::Scalar(scalar) => scalar_to_json(&scalar, path)?,
            Value::Object(ObjType::Text) => doc.text(&id).map(Json::String).map_err(|e| automerge_error(path, e))?,
            Value::Object(_) => read_map(doc, &id, None, &mut path.clone(), None)?,
        };
        let meta = doc.hash_for_opid(&id).and_then(|hash| doc.get_change_meta_by_hash(&hash));
        let author = meta.as_ref().and_then(|m| m.message.as_deref()).and_then(Author::from_commit_message);
        let at = Timestamp::from_millis(meta.as_ref().map(|m| m.timestamp).unwrap_or_default());
        values.push(RawConflictValue { value: json, author, at, winner: winner.as_ref() == Some(&id) });
    }
    Ok(RawConflict { path: path.clone(), values })
}

/// The refusal of a map nested deeper than an elder document ever is.
pub(crate) fn too_deep(path: &FieldPath) -> DocumentError {
    DocumentError::Schema { path: path.join("."), reason: format!("nested deeper than {MAX_DEPTH} levels") }
}

fn unsupported(path: &FieldPath, key: &str) -> DocumentError {
    let mut full = path.clone();
    full.push(key.to_owned());
    DocumentError::Schema { path: full.join("."), reason: "unsupported value type".into() }
}

/// A scalar as JSON; `None` for value types an elder document never holds.
fn scalar_ref_to_json(scalar: &ScalarValueRef<'_>) -> Option<Json> {
    Some(match scalar {
        ScalarValueRef::Str(s) => Json::String(s.to_string()),
        ScalarValueRef::Int(i) => Json::from(*i),
        ScalarValueRef::Uint(u) => Json::from(*u),
        ScalarValueRef::F64(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        ScalarValueRef::Boolean(b) => Json::Bool(*b),
        ScalarValueRef::Null => Json::Null,
        ScalarValueRef::Timestamp(t) => Json::from(*t),
        ScalarValueRef::Counter(_) | ScalarValueRef::Bytes(_) | ScalarValueRef::Unknown { .. } => return None,
    })
}

fn scalar_to_json(scalar: &ScalarValue, path: &FieldPath) -> Result<Json, DocumentError> {
    Ok(match scalar {
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Null => Json::Null,
        ScalarValue::Timestamp(t) => Json::from(*t),
        ScalarValue::Counter(_) | ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } => {
            return Err(DocumentError::Schema { path: path.join("."), reason: "unsupported value type".into() });
        }
    })
}

fn json_to_scalar(value: &Json) -> Option<ScalarValue> {
    Some(match value {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => ScalarValue::Int(i),
            (None, Some(u), _) => ScalarValue::Uint(u),
            (None, None, Some(f)) => ScalarValue::F64(f),
            (None, None, None) => return None,
        },
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Array(_) | Json::Object(_) => return None,
    })
}

/// Writes `value` at `key` of map `obj`, creating fresh objects for JSON objects.
///
/// A new object is written whole with Automerge's batch creation: the same operations
/// as a put per field, but spliced into the document's operations once instead of once
/// per field, which is most of what recording a visit costs.
pub(crate) fn put_new<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, value: &Json) -> Result<(), DocumentError> {
    let fail = |e| automerge_error(&vec![key.to_owned()], e);
    match value {
        Json::Object(_) | Json::Array(_) => {
            let tree = json_to_tree(key, value)?;
            tx.batch_create_object(obj, key, &tree, false).map_err(fail)?;
        }
        scalar => {
            tx.put(obj, key, scalar_of(key, scalar)?).map_err(fail)?;
        }
    }
    Ok(())
}

fn scalar_of(key: &str, value: &Json) -> Result<ScalarValue, DocumentError> {
    json_to_scalar(value)
        .ok_or_else(|| DocumentError::Schema { path: key.to_owned(), reason: "number out of range".into() })
}

/// The Automerge tree a JSON value is written as: maps of maps and scalars, lists of
/// scalars only.
fn json_to_tree(key: &str, value: &Json) -> Result<hydrate::Value, DocumentError> {
    Ok(match value {
        Json::Object(fields) => {
            let mut map = HashMap::with_capacity(fields.len());
            for (field, field_value) in fields {
                map.insert(field.clone(), json_to_tree(field, field_value)?);
            }
            hydrate::Value::Map(hydrate::Map::from(map))
        }
        Json::Array(items) => {
            let scalars = items
                .iter()
                .map(|item| match item {
                    Json::Array(_) | Json::Object(_) => {
                        Err(DocumentError::Schema { path: key.to_owned(), reason: "lists hold only scalars".into() })
                    }
                    scalar => scalar_of(key, scalar).map(hydrate::Value::from),
                })
                .collect::<Result<Vec<_>, _>>()?;
            hydrate::Value::from(scalars)
        }
        scalar => hydrate::Value::from(scalar_of(key, scalar)?),
    })
}

/// Writes `value` at `key` of map `obj`, touching only what differs: existing maps are
/// descended into, equal scalars are left alone, keys absent from `value` are kept.
pub(crate) fn merge_into<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &Json,
) -> Result<(), DocumentError> {
    let fail = |e| automerge_error(&vec![key.to_owned()], e);
    let existing = tx.get(obj, key).map_err(fail)?;
    match (existing, value) {
        (Some((Value::Object(ObjType::Map), child)), Json::Object(fields)) => {
            for (field, field_value) in fields {
                merge_into(tx, &child, field, field_value)?;
            }
            Ok(())
        }
        (Some((Value::Scalar(current), _)), new) if json_to_scalar(new).as_ref() == Some(current.as_ref()) => Ok(()),
        _ => put_new(tx, obj, key, value),
    }
}

/// Makes the map at `key` hold exactly `entries`: keys not in `entries` are deleted
/// one by one, the others merged as by [`merge_into`]. Used for sets (`member → true`)
/// and keyed collections inside a record, so concurrent edits of other keys survive.
pub(crate) fn write_map_exact<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    entries: &JsonMap<String, Json>,
) -> Result<(), DocumentError> {
    let fail = |e| automerge_error(&vec![key.to_owned()], e);
    let map = match tx.get(obj, key).map_err(fail)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => tx.put_object(obj, key, ObjType::Map).map_err(fail)?,
    };
    let present: Vec<String> = tx.keys(&map).collect();
    for old in present.iter().filter(|old| !entries.contains_key(old.as_str())) {
        tx.delete(&map, old.as_str()).map_err(fail)?;
    }
    for (entry, value) in entries {
        merge_into(tx, &map, entry, value)?;
    }
    Ok(())
}

/// The id held at `key` of the root (`elderId`), read alone.
pub(crate) fn root_id<T: std::str::FromStr>(doc: &Automerge, key: &str) -> Result<T, DocumentError> {
    let bad = |reason: &str| DocumentError::Schema { path: key.to_owned(), reason: reason.to_owned() };
    match doc.get(&automerge::ROOT, key).map_err(|e| automerge_error(&vec![key.to_owned()], e))? {
        Some((Value::Scalar(scalar), _)) => match scalar.as_ref() {
            ScalarValue::Str(text) => text.parse().map_err(|_| bad("not an id")),
            _ => Err(bad("not a string")),
        },
        _ => Err(bad("missing")),
    }
}

/// The schema version the document's root says it has, when it says one.
pub(crate) fn schema_version(doc: &Automerge) -> Option<u64> {
    match doc.get(&automerge::ROOT, super::schema::SCHEMA_VERSION_KEY).ok()?? {
        (Value::Scalar(scalar), _) => match scalar.as_ref() {
            ScalarValue::Int(version) => u64::try_from(*version).ok(),
            ScalarValue::Uint(version) => Some(*version),
            _ => None,
        },
        _ => None,
    }
}

/// Every entry of every map held at `key` of the root, at `heads` or now: the maps
/// several replicas made there at once (a collection added to the schema after the
/// first documents) are one collection, so a reader takes all their entries. An id
/// found in two of them keeps the winning map's value.
pub(crate) fn entries_of_every_map(
    doc: &Automerge,
    key: &str,
    heads: Option<&[ChangeHash]>,
) -> Result<JsonMap<String, Json>, DocumentError> {
    let path = vec![key.to_owned()];
    let all = match heads {
        Some(heads) => doc.get_all_at(&automerge::ROOT, key, heads),
        None => doc.get_all(&automerge::ROOT, key),
    }
    .map_err(|e| automerge_error(&path, e))?;
    let mut entries = JsonMap::new();
    // `get_all` gives the winner last: read it first so its values are kept.
    for (value, id) in all.into_iter().rev() {
        if let Value::Object(ObjType::Map) = value
            && let Json::Object(map) = read_map(doc, &id, heads, &mut path.clone(), None)?
        {
            for (entry, value) in map {
                entries.entry(entry).or_insert(value);
            }
        }
    }
    Ok(entries)
}

/// Looks up the map at `path` below the root.
pub(crate) fn map_at<R: ReadDoc>(doc: &R, path: &[&str]) -> Option<ObjId> {
    let mut obj = automerge::ROOT;
    for key in path {
        match doc.get(&obj, *key).ok()?? {
            (Value::Object(ObjType::Map), id) => obj = id,
            _ => return None,
        }
    }
    Some(obj)
}

pub(crate) fn automerge_error(path: &FieldPath, error: automerge::AutomergeError) -> DocumentError {
    DocumentError::Automerge { path: path.join("."), message: error.to_string() }
}
