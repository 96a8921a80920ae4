//! Applying changes received from elsewhere, checked: what the server does with a
//! push and what a workstation may do with a pull.
//!
//! The changes are applied to a copy; the copy replaces nothing until every check
//! passes, so a refused push leaves the document exactly as it was.

use std::collections::{BTreeMap, HashMap};

use automerge::{Change, ChangeHash, ReadDoc};

use super::review::{self, ChangeReview};
use super::rules::validate_record;
use super::{DocumentError, ElderDocument, codec, decode_changes, guard, load_save, reader, schema};
use crate::author::Author;
use crate::ids::{ElderId, VisitId};
use crate::policy::Policy;
use crate::time::Timestamp;
use crate::validate::ValidationError;
use crate::visit::Visit;

/// The outcome of an accepted application.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The document with the changes merged in, already validated.
    pub document: ElderDocument,
    /// The changes that were new to the document, in the order received; empty when
    /// the push was a replay.
    pub new_changes: Vec<ReceivedChange>,
    /// What each new change does, in the same order, for the receiver to hold against
    /// its author's role and area.
    pub reviews: Vec<ChangeReview>,
}

/// A change new to the receiver, and who made it (by its message). The change itself
/// is kept in the document it was applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedChange {
    pub hash: ChangeHash,
    pub author: Author,
}

/// A refused application: the reason, with the field at fault where there is one.
pub type Rejection = ValidationError;

impl ElderDocument {
    /// Applies `changes` (each one encoded Automerge change) and checks the result.
    /// `now` is the receiver's clock.
    ///
    /// Every new change is measured before it is decoded and reviewed operation by
    /// operation after it is merged (`review`); replays of changes the document holds
    /// are harmless whoever made them, and are not reviewed again.
    pub fn apply_checked(&self, changes: &[Vec<u8>], now: Timestamp, policy: &Policy) -> Result<Applied, Rejection> {
        apply_checked_to(&self.doc, self.record.elder_id, changes, now, policy, || Ok(self.clone()))
    }

    /// Builds a document the receiver has never seen from its changes (an elder
    /// enrolled on a workstation), with the same checks as [`Self::apply_checked`].
    pub fn from_changes_checked(
        changes: &[Vec<u8>],
        actor: automerge::ActorId,
        now: Timestamp,
        policy: &Policy,
    ) -> Result<Applied, Rejection> {
        let decoded = decode_changes(changes)?;
        let new_changes = authored_and_new(&decoded, |_| false)?;
        let fresh = in_order(decoded, &new_changes);
        let empty = automerge::Automerge::new().with_actor(actor);
        let context = review::Context { now, policy, new_document: true };
        let (document, reviews) = merged_and_checked(empty, fresh, &new_changes, &context)?;
        Ok(Applied { document, new_changes, reviews })
    }

    /// Refuses a change that edits a visit its author already saw voided. An edit
    /// made concurrently with the void (its author had not seen it) is not refused:
    /// it merges, the visit stays voided, and both are kept in history.
    fn check_no_edits_after_void(&self, new_changes: &[ReceivedChange]) -> Result<(), ValidationError> {
        let Some(visits_obj) = codec::map_at(&self.doc, &[schema::VISITS]) else {
            return Ok(());
        };
        let visits_at = |heads: &[ChangeHash]| -> Result<BTreeMap<VisitId, Visit>, ValidationError> {
            Ok(reader::read_at(&self.doc, visits_obj.clone(), &[schema::VISITS], Some(heads))?)
        };
        for received in new_changes {
            let hash = &received.hash;
            let Some(meta) = self.doc.get_change_meta_by_hash(hash) else { continue };
            if meta.deps.is_empty() {
                continue;
            }
            let seen = visits_at(&meta.deps)?;
            if !seen.values().any(Visit::is_voided) {
                continue;
            }
            let made = visits_at(&[*hash])?;
            for (id, visit) in seen.iter().filter(|(_, v)| v.is_voided()) {
                if made.get(id) != Some(visit) {
                    return Err(ValidationError::VoidedVisitEdited { visit: *id, change: hash.to_string() });
                }
            }
        }
        Ok(())
    }
}

/// A stored document loaded to receive a push: its record is not read on loading (it
/// was checked when it was stored, and the push's merged result is read and checked
/// whole), which spares a walk of the document per push.
#[derive(Debug)]
pub struct StoredDocument {
    doc: automerge::Automerge,
    elder: ElderId,
}

impl StoredDocument {
    /// Loads a save this receiver stored; `actor` as for [`ElderDocument::load`].
    pub fn load(bytes: &[u8], actor: automerge::ActorId) -> Result<Self, DocumentError> {
        let doc = load_save(bytes)?.with_actor(actor);
        let elder = codec::root_id(&doc, schema::ELDER_ID)?;
        Ok(Self { doc, elder })
    }

    /// [`ElderDocument::apply_checked`] on the stored document.
    pub fn apply_checked(self, changes: &[Vec<u8>], now: Timestamp, policy: &Policy) -> Result<Applied, Rejection> {
        apply_checked_to(&self.doc, self.elder, changes, now, policy, || Ok(ElderDocument::wrap(self.doc.clone())?))
    }
}

/// Applies `changes` to a copy of `doc` (the record of elder `elder`) and checks them;
/// `unchanged` gives the document back when every change was there already.
fn apply_checked_to(
    doc: &automerge::Automerge,
    elder: ElderId,
    changes: &[Vec<u8>],
    now: Timestamp,
    policy: &Policy,
    unchanged: impl FnOnce() -> Result<ElderDocument, Rejection>,
) -> Result<Applied, Rejection> {
    let decoded = decode_changes(changes)?;
    let new_changes = authored_and_new(&decoded, |hash| doc.get_change_meta_by_hash(hash).is_some())?;
    if new_changes.is_empty() {
        return Ok(Applied { document: unchanged()?, new_changes, reviews: Vec::new() });
    }
    let fresh = in_order(decoded, &new_changes);
    let context = review::Context { now, policy, new_document: false };
    let (document, reviews) = merged_and_checked(doc.clone(), fresh, &new_changes, &context)?;
    let after = document.record().elder_id;
    if elder != after {
        return Err(ValidationError::ElderChanged { before: elder, after });
    }
    Ok(Applied { document, new_changes, reviews })
}

/// Each change's author (a change without one is refused), keeping only the changes
/// not `known` already, each once.
fn authored_and_new(decoded: &[Change], known: impl Fn(&ChangeHash) -> bool) -> Result<Vec<ReceivedChange>, Rejection> {
    let mut new_changes: Vec<ReceivedChange> = Vec::new();
    for change in decoded {
        let hash = change.hash();
        let author = change
            .message()
            .and_then(Author::from_commit_message)
            .ok_or_else(|| ValidationError::MissingAuthor { change: hash.to_string() })?;
        if !known(&hash) && !new_changes.iter().any(|n| n.hash == hash) {
            new_changes.push(ReceivedChange { hash, author });
        }
    }
    Ok(new_changes)
}

/// The decoded changes that are new, once each, in the order of `new_changes`.
fn in_order(decoded: Vec<Change>, new_changes: &[ReceivedChange]) -> Vec<Change> {
    let mut by_hash: HashMap<ChangeHash, Change> = decoded.into_iter().map(|c| (c.hash(), c)).collect();
    new_changes.iter().filter_map(|n| by_hash.remove(&n.hash)).collect()
}

/// Applies `changes` to `base` and checks the result: nothing missing, an elder
/// document, the rules kept, no edit to a visit its author saw voided, and every
/// operation of every change within the document's shape (`review`).
fn merged_and_checked(
    mut base: automerge::Automerge,
    changes: Vec<Change>,
    new_changes: &[ReceivedChange],
    context: &review::Context<'_>,
) -> Result<(ElderDocument, Vec<ChangeReview>), Rejection> {
    let kept = changes.clone();
    guard(|| base.apply_changes(changes))
        .and_then(|r| r.map_err(|e| e.to_string()))
        .map_err(|reason| ValidationError::Undecodable { index: 0, reason })?;
    let missing = base.get_missing_deps(&[]);
    if !missing.is_empty() {
        return Err(ValidationError::MissingDependencies {
            missing: missing.iter().map(ToString::to_string).collect(),
        });
    }
    // Operation by operation first: it names the field and the change at fault, where
    // reading the merged record would only say it no longer reads.
    let pairs: Vec<(Change, ReceivedChange)> = kept.into_iter().zip(new_changes.iter().cloned()).collect();
    let reviews = review::review(&base, &pairs, context)?;
    let document = ElderDocument::wrap(base)?;
    validate_record(document.record(), context.now, context.policy)?;
    if document.record().visits.values().any(Visit::is_voided) {
        document.check_no_edits_after_void(new_changes)?;
    }
    Ok((document, reviews))
}
