//! The elder document: one Automerge document per elder, with typed operations.
//!
//! Every operation is one Automerge transaction, committed with its author (user and
//! device) as the change message and the caller's clock as the change time, or rolled
//! back whole when its input is refused: nothing is half-written. Reads hydrate the
//! document into [`ElderRecord`] through serde, so the schema lives in the types of
//! `schema`, `elder` and `visit`, not in paths scattered through the code.

mod apply;
mod chunk;
mod codec;
mod conflicts;
#[cfg(any(test, feature = "hostile"))]
pub mod craft;
mod format;
mod input;
mod insurance;
mod ops;
mod pulled;
mod reader;
mod review;
mod rules;
pub mod schema;

use automerge::{ActorId, Automerge, Change, ChangeHash, ROOT, ReadDoc};
use serde_json::Value as Json;

pub use apply::{Applied, ReceivedChange, Rejection, StoredDocument};
pub use chunk::{
    ChangeSummary, ChunkError, MAX_CHANGE_BYTES, MAX_CHANGE_INFLATED_BYTES, MAX_CHANGE_OPS, MAX_CHANGE_PREDS,
    summarise_change,
};
pub use codec::FieldPath;
pub use conflicts::{Conflict, ConflictValue};
pub use input::InputError;
pub use ops::{Edit, Enrolment, NewFollowUp, NewVisit, ProfileChange};
pub use pulled::changes_in_save;
pub use review::ChangeReview;
pub use rules::validate_record;
pub use schema::{ElderRecord, SCHEMA_VERSION};

use crate::author::Author;
use crate::ids::{CommunityId, DeviceId, ElderId};
use crate::time::Timestamp;

/// Why a document could not be read, written or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    #[error("the bytes are not an Automerge document: {0}")]
    Undecodable(String),
    #[error("change {index} is not a valid Automerge change: {reason}")]
    UndecodableChange { index: usize, reason: String },
    #[error("change {index} is refused before decoding: {error}")]
    Chunk { index: usize, error: ChunkError },
    #[error("the document is not an elder document: field {path:?}: {reason}")]
    Schema { path: String, reason: String },
    #[error("the document has schema version {found}; this build reads up to {supported}")]
    UnsupportedSchemaVersion { found: u64, supported: u32 },
    #[error("Automerge refused an operation at {path:?}: {message}")]
    Automerge { path: String, message: String },
    #[error(transparent)]
    Input(#[from] InputError),
}

/// One elder's document, always readable as an elder record.
///
/// The typed record and the open conflicts are read once per change of the document
/// (load, local edit, merge) and kept, because every operation and every roster or
/// report row needs them and a walk of the document costs more than the edit itself.
#[derive(Debug, Clone)]
pub struct ElderDocument {
    doc: Automerge,
    record: ElderRecord,
    conflicts: Vec<Conflict>,
}

/// A change as stored and sent: its hash, author and time, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    pub hash: ChangeHash,
    pub author: Option<Author>,
    pub at: Timestamp,
    pub deps: Vec<ChangeHash>,
}

impl ElderDocument {
    /// Loads a document from a full save, optionally followed by incremental chunks
    /// (`save_after` output or single changes), as Automerge concatenates them.
    ///
    /// `actor` must be unique to this process start (ARCHITECTURE.md, "The design"): two processes
    /// writing under one actor produce clashing changes.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, DocumentError> {
        Self::wrap(load_save(bytes)?.with_actor(actor))
    }

    /// Builds a document from individual changes in any order, any of them possibly a
    /// whole save that holds several (what a pull carries, [`crate::wire::PulledDocument`]).
    pub fn from_changes(changes: &[Vec<u8>], actor: ActorId) -> Result<Self, DocumentError> {
        let mut doc = Automerge::new();
        pulled::merge(&mut doc, changes)?;
        doc.set_actor(actor);
        Self::wrap(doc)
    }

    /// Adds incremental chunks (saves after some heads, or changes) to this document.
    pub fn load_incremental(&mut self, bytes: &[u8]) -> Result<(), DocumentError> {
        let mut candidate = self.doc.clone();
        guard(|| candidate.load_incremental(bytes))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(DocumentError::Undecodable)?;
        *self = Self::wrap(candidate)?;
        Ok(())
    }

    /// Applies changes from a trusted source (the server, which validated them) in any
    /// order, any of them possibly a whole save: changes whose dependencies have not
    /// arrived yet wait inside Automerge until they do. Untrusted changes go through
    /// [`Self::apply_checked`].
    pub fn apply_changes(&mut self, changes: &[Vec<u8>]) -> Result<(), DocumentError> {
        let mut candidate = self.doc.clone();
        pulled::merge(&mut candidate, changes)?;
        *self = Self::wrap(candidate)?;
        Ok(())
    }

    /// This document without `dropped` changes and every change that depends on them.
    ///
    /// A workstation whose push was rejected keeps the rejected changes aside (to show
    /// them) and goes on from the document without them: any later change built on a
    /// rejected one would be refused too, for its missing dependency. The result is a
    /// new document with this one's actor; `None` when the elder's enrolment itself is
    /// dropped (then there is no document left).
    pub fn without_changes(&self, dropped: &[ChangeHash]) -> Result<Option<Self>, DocumentError> {
        let mut gone: std::collections::HashSet<ChangeHash> = dropped.iter().copied().collect();
        let mut kept = Vec::new();
        for change in self.doc.get_changes(&[]) {
            if gone.contains(&change.hash()) || change.deps().iter().any(|d| gone.contains(d)) {
                gone.insert(change.hash());
            } else {
                kept.push(change);
            }
        }
        if kept.is_empty() {
            return Ok(None);
        }
        let mut doc = Automerge::new().with_actor(self.doc.get_actor().clone());
        guard(|| doc.apply_changes(kept))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(DocumentError::Undecodable)?;
        // Documents whose first change is gone have no schema version left to read.
        match Self::wrap(doc) {
            Ok(document) => Ok(Some(document)),
            Err(DocumentError::Schema { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Whether the document holds the change `hash`.
    pub fn contains_change(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_meta_by_hash(hash).is_some()
    }

    /// Hashes of changes this document is waiting for (dependencies of changes it holds).
    pub fn missing_dependencies(&self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    /// Merges another replica of the same elder's document into this one.
    pub fn merge(&mut self, other: &ElderDocument) -> Result<(), DocumentError> {
        let changes = other.doc.get_changes(&self.doc.get_heads());
        let mut candidate = self.doc.clone();
        guard(|| candidate.apply_changes(changes))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(DocumentError::Undecodable)?;
        *self = Self::wrap(candidate)?;
        Ok(())
    }

    /// The whole document in Automerge's compressed format.
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// What changed since `heads`, as an incremental chunk for [`Self::load_incremental`].
    pub fn save_after(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The changes not reachable from `heads`, each encoded on its own.
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<Vec<u8>> {
        self.doc.get_changes(heads).into_iter().map(|c| c.raw_bytes().to_vec()).collect()
    }

    /// Every change with its hash, in causal order, each encoded on its own (one pass
    /// over the document, unlike asking for changes one hash at a time).
    pub fn changes_with_hashes(&self) -> Vec<(ChangeHash, Vec<u8>)> {
        self.changes_with_hashes_since(&[])
    }

    /// The changes not reachable from `heads`, with their hashes: what an edit made.
    pub fn changes_with_hashes_since(&self, heads: &[ChangeHash]) -> Vec<(ChangeHash, Vec<u8>)> {
        self.doc.get_changes(heads).into_iter().map(|c| (c.hash(), c.raw_bytes().to_vec())).collect()
    }

    /// The changes made on `device` (by whoever signed in there), with their hashes,
    /// in causal order: what a workstation sends again when the server has lost them
    /// (its database restored from a backup).
    pub fn changes_made_on(&self, device: DeviceId) -> Vec<(ChangeHash, Vec<u8>)> {
        self.doc
            .get_changes(&[])
            .into_iter()
            .filter(|change| change.message().and_then(Author::from_commit_message).is_some_and(|a| a.device == device))
            .map(|change| (change.hash(), change.raw_bytes().to_vec()))
            .collect()
    }

    /// How many changes the document holds.
    pub fn change_count(&self) -> usize {
        self.doc.stats().num_changes as usize
    }

    /// Every change in causal order, with its author: the audit trail of this elder.
    pub fn history(&self) -> Vec<ChangeInfo> {
        self.doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|meta| ChangeInfo {
                hash: meta.hash,
                author: meta.message.as_deref().and_then(Author::from_commit_message),
                at: Timestamp::from_millis(meta.timestamp),
                deps: meta.deps,
            })
            .collect()
    }

    /// The underlying Automerge document, read-only.
    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    /// The whole document, typed (each key's winning value).
    pub fn record(&self) -> &ElderRecord {
        &self.record
    }

    /// Every open conflict, ordered by path (values in Automerge's op order, which
    /// is the same on every replica).
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    pub fn elder_id(&self) -> ElderId {
        self.record.elder_id
    }

    /// The community that holds the record now: the placement with the latest
    /// effective date (ties broken by entry id, identically on every replica).
    pub fn community(&self) -> Option<CommunityId> {
        current_community(&self.record)
    }

    /// Wraps an Automerge document, reading its record and conflicts in one walk.
    fn wrap(doc: Automerge) -> Result<Self, DocumentError> {
        let (record, conflicts) = Self::read(&doc)?;
        Ok(Self { doc, record, conflicts })
    }

    fn read(doc: &Automerge) -> Result<(ElderRecord, Vec<Conflict>), DocumentError> {
        let mut raw = Vec::new();
        let record = if codec::schema_version(doc) == Some(u64::from(SCHEMA_VERSION)) {
            reader::read_record(doc, &mut raw)?
        } else {
            Self::read_upgraded(doc, &mut raw)?
        };
        let mut conflicts: Vec<Conflict> = raw.into_iter().map(Conflict::from).collect();
        conflicts.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((record, conflicts))
    }

    /// Reads a record of an earlier schema version (or none) as JSON, upgraded to this
    /// one (`schema::upgrade`) before it is typed.
    fn read_upgraded(doc: &Automerge, raw: &mut Vec<codec::RawConflict>) -> Result<ElderRecord, DocumentError> {
        let mut json = codec::read_map(doc, &ROOT, None, &mut Vec::new(), Some(&mut *raw))?;
        // Maps made at once where a collection was added later are one collection,
        // not a conflict for anyone to resolve (`schema`).
        let made_twice = |c: &codec::RawConflict| c.path.len() == 1 && c.path[0] == schema::INSURANCE_STEPS;
        if raw.iter().any(made_twice) {
            let entries = codec::entries_of_every_map(doc, schema::INSURANCE_STEPS, None)?;
            json[schema::INSURANCE_STEPS] = Json::Object(entries);
            raw.retain(|c| !made_twice(c));
        }
        record_from_json(json)
    }

    /// Re-reads the record after a local edit.
    pub(super) fn refresh(&mut self) -> Result<(), DocumentError> {
        (self.record, self.conflicts) = Self::read(&self.doc)?;
        Ok(())
    }
}

/// The community of the placement in force at the latest date recorded.
pub fn current_community(record: &ElderRecord) -> Option<CommunityId> {
    placed_in(&record.placements)
}

/// The community of the placement with the latest effective date among `placements`
/// (ties broken by entry id, identically on every replica).
pub(crate) fn placed_in(
    placements: &std::collections::BTreeMap<crate::ids::EntryId, crate::elder::Placement>,
) -> Option<CommunityId> {
    placements.iter().max_by_key(|(id, p)| (p.effective_on, **id)).map(|(_, p)| p.community)
}

/// Checks the version, upgrades documents of earlier schemas, then types the JSON.
fn record_from_json(mut json: Json) -> Result<ElderRecord, DocumentError> {
    let version = json.get(schema::SCHEMA_VERSION_KEY).and_then(Json::as_u64).ok_or_else(|| DocumentError::Schema {
        path: schema::SCHEMA_VERSION_KEY.into(),
        reason: "missing or not a number".into(),
    })?;
    if version > u64::from(SCHEMA_VERSION) || version == 0 {
        return Err(DocumentError::UnsupportedSchemaVersion { found: version, supported: SCHEMA_VERSION });
    }
    schema::upgrade(&mut json, version);
    serde_path_to_error::deserialize(json)
        .map_err(|e| DocumentError::Schema { path: e.path().to_string(), reason: e.inner().to_string() })
}

/// Decodes untrusted changes, each measured first ([`summarise_change`]) so that no
/// change costs more to refuse than its size on the wire.
pub(crate) fn decode_changes(changes: &[impl AsRef<[u8]>]) -> Result<Vec<Change>, DocumentError> {
    changes
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let bytes = bytes.as_ref();
            summarise_change(bytes).map_err(|error| DocumentError::Chunk { index, error })?;
            // Decoded from the bytes as sent: Automerge copies what it keeps.
            guard(|| Change::try_from(bytes))
                .and_then(|r| r.map_err(|e| e.to_string()))
                .map_err(|reason| DocumentError::UndecodableChange { index, reason })
        })
        .collect()
}

/// Automerge's load of a whole save (its record not read), a panic inside it an error.
pub(crate) fn load_save(bytes: &[u8]) -> Result<Automerge, DocumentError> {
    guard(|| Automerge::load(bytes)).and_then(|r| r.map_err(|e| e.to_string())).map_err(DocumentError::Undecodable)
}

/// Runs Automerge's decoder on untrusted bytes, turning a panic inside it into an
/// error: a hostile push must cost the sender a 4xx, never the server a thread.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("the decoder failed on these bytes {detail}")
    })
}
