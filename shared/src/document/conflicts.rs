//! Open conflicts: fields whose concurrent writes left more than one value, and their
//! resolution by a person.
//!
//! Automerge picks the same winner everywhere but keeps the losers; we show every
//! value with its author until someone chooses. Choosing writes the chosen value with
//! the conflicting writes as its predecessors, which clears the conflict on every
//! replica once the change has travelled.

use automerge::{ChangeHash, ObjType, ReadDoc, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::InputError;
use super::codec::{self, FieldPath, RawConflict, automerge_error};
use super::ops::Edit;
use super::{DocumentError, ElderDocument};
use crate::author::Author;
use crate::time::Timestamp;

/// One value of a field in conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictValue {
    pub value: Json,
    /// Who wrote it; `None` only for changes that carry no author (refused by validation).
    pub author: Option<Author>,
    /// When its change was made, by the author's clock.
    pub at: Timestamp,
    /// The value every replica shows until someone resolves the conflict.
    pub winner: bool,
}

/// A field with more than one value after a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub path: FieldPath,
    pub values: Vec<ConflictValue>,
}

impl Conflict {
    /// The path as one dotted string, e.g. `profile.phone`.
    pub fn dotted_path(&self) -> String {
        self.path.join(".")
    }

    /// Whether the field is one of the profile's (the role table lets assistants
    /// resolve these).
    pub fn in_profile(&self) -> bool {
        self.path.first().is_some_and(|top| top == super::schema::PROFILE)
    }
}

impl From<RawConflict> for Conflict {
    fn from(raw: RawConflict) -> Self {
        let values = raw
            .values
            .into_iter()
            .map(|v| ConflictValue { value: v.value, author: v.author, at: v.at, winner: v.winner })
            .collect();
        Conflict { path: raw.path, values }
    }
}

impl ElderDocument {
    /// Keeps `chosen`, one of the values in conflict at `path`.
    pub fn resolve_conflict(
        &mut self,
        edit: &Edit,
        path: &[String],
        chosen: &Json,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let dotted = path.join(".");
        let (last, parents) = path.split_last().ok_or(InputError::NotInConflict { path: dotted.clone() })?;
        let parent_keys: Vec<&str> = parents.iter().map(String::as_str).collect();
        let obj = codec::map_at(&self.doc, &parent_keys).ok_or(InputError::NotInConflict { path: dotted.clone() })?;
        let conflict = self
            .conflicts()
            .iter()
            .find(|c| c.path == path)
            .ok_or(InputError::NotInConflict { path: dotted.clone() })?;
        if !conflict.values.iter().any(|v| &v.value == chosen) {
            return Err(InputError::NotAConflictValue { path: dotted }.into());
        }
        let is_text = matches!(self.doc.get(&obj, last.as_str()), Ok(Some((Value::Object(ObjType::Text), _))));
        self.transact(edit, |tx| {
            if is_text {
                use automerge::transaction::Transactable;
                let text = tx
                    .put_object(&obj, last.as_str(), ObjType::Text)
                    .map_err(|e| automerge_error(&path.to_vec(), e))?;
                tx.update_text(&text, chosen.as_str().unwrap_or_default())
                    .map_err(|e| automerge_error(&path.to_vec(), e))
            } else {
                codec::put_new(tx, &obj, last, chosen)
            }
        })
    }
}
