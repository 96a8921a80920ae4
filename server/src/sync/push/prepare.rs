//! A document applied to its stored version and checked: Automerge's work and the
//! authors' checks, on the blocking pool, before (and, when the stored version moved
//! on, under) its community's lock.

use std::sync::Arc;

use jinlin_shared::ActorId;
use jinlin_shared::ChangeHash;
use jinlin_shared::area::{AreaLevel, AreaTree, Scope};
use jinlin_shared::authority::check_authority;
use jinlin_shared::document::{Applied, ElderDocument, StoredDocument};
use jinlin_shared::ids::{CommunityId, DeviceId, ElderId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::{RejectCode, ValidationError};
use jinlin_shared::wire::{Heads, MAX_DOCUMENT_BYTES, PushOutcome};

use super::sender::Authors;

/// A refusal of a document as a whole (no field at fault, nothing missing).
pub(super) fn rejected(code: RejectCode, reason: impl Into<String>) -> PushOutcome {
    PushOutcome::Rejected { code, field: None, reason: reason.into(), missing: Heads::default() }
}

/// The refusal of an elder whose stored record (its row, or its save) does not read,
/// said in the log: pushes of that elder are refused, and nothing else is held up.
pub(super) fn unreadable_record(error: &dyn std::fmt::Display) -> PushOutcome {
    tracing::error!(%error, "a stored record does not read; pushes of its elder are refused");
    rejected(RejectCode::Unstorable, "the stored record of this elder cannot be read")
}

/// What every document's checks need, shared with the blocking pool.
pub(super) struct Judge {
    pub areas: Arc<AreaTree>,
    pub policy: Arc<Policy>,
    pub actor: ActorId,
    pub scope: Scope,
    /// The device new changes must come from; `None` when authorship is not bound.
    pub device: Option<DeviceId>,
    pub authors: Authors,
}

impl Judge {
    /// Refuses a community that is not one of the city's, or outside the sender's
    /// area; `when` says whether it is the document's before or after the changes.
    pub fn community_check(&self, community: CommunityId, when: &str) -> Option<PushOutcome> {
        if self.areas.get(community).is_none_or(|a| a.level != AreaLevel::Community) {
            return Some(rejected(RejectCode::OutOfScope, format!("{community} is not a community of this city")));
        }
        if !self.areas.scope_contains(self.scope, community) {
            return Some(rejected(
                RejectCode::OutOfScope,
                format!("the document {when} the changes belongs to community {community}, outside your area"),
            ));
        }
        None
    }
}

/// A document applied and checked against the stored version with heads `base`
/// (`None`: new to the server). Under the lock it is used only if the stored heads
/// are still `base`; otherwise it is prepared again. This keeps the Automerge work
/// (milliseconds of CPU) out of the critical section and spreads it over the cores.
pub(super) struct Prepared {
    pub base: Option<Heads>,
    pub result: Result<Ready, PushOutcome>,
}

/// An accepted document, as the decision under the lock needs it: the Automerge
/// document itself is dropped on the blocking pool, so that freeing it neither holds
/// the lock nor waits in memory for the writer.
pub(super) struct Ready {
    /// The elder its record names, the community holding it now, and its heads.
    pub elder: ElderId,
    pub community: Option<CommunityId>,
    pub heads: Heads,
    pub change_count: usize,
    /// The changes new to the server, in the order received.
    pub new_changes: Vec<ChangeHash>,
    /// When it has new changes: its full save (the snapshot to store) and its rows.
    pub written: Option<Written>,
}

impl Ready {
    fn new(applied: &Applied, written: Option<Written>) -> Self {
        let document = &applied.document;
        Ready {
            elder: document.elder_id(),
            community: document.community(),
            heads: Heads::new(document.heads()),
            change_count: document.change_count(),
            new_changes: applied.new_changes.iter().map(|received| received.hash).collect(),
            written,
        }
    }
}

/// What an accepted document with new changes stores.
pub(super) struct Written {
    pub snapshot: Vec<u8>,
    pub rows: ElderRows,
}

/// The stored version a document is applied to.
pub(super) struct Base {
    pub snapshot: Vec<u8>,
    pub heads: Heads,
}

/// Applies `changes` to `base` (or builds a new document from them) and checks the
/// result, on the blocking pool. A stored snapshot that no longer loads, or a task that
/// fails, refuses this document alone (and is logged): the others go on.
pub(super) async fn prepare(
    base: Option<Base>,
    changes: Arc<[Vec<u8>]>,
    now: Timestamp,
    judge: Arc<Judge>,
) -> Prepared {
    let heads = base.as_ref().map(|b| b.heads.clone());
    let work = tokio::task::spawn_blocking(move || apply_and_check(base.map(|b| b.snapshot), &changes, now, &judge));
    let result = match work.await {
        Ok(Ok(result)) => result,
        Ok(Err(unreadable)) => Err(unreadable_record(&unreadable)),
        Err(failed) => {
            tracing::error!(error = %failed, "a document's checks stopped");
            Err(rejected(RejectCode::Unstorable, "the server could not check this document"))
        }
    };
    Prepared { base: heads, result }
}

/// The Automerge work itself: decode, merge, review, the authors' checks, the save and
/// the rows. `Err` only when the stored snapshot does not load.
pub(super) fn apply_and_check(
    base: Option<Vec<u8>>,
    changes: &[Vec<u8>],
    now: Timestamp,
    judge: &Judge,
) -> Result<Result<Ready, PushOutcome>, jinlin_shared::document::DocumentError> {
    let applied = match base {
        Some(snapshot) => {
            StoredDocument::load(&snapshot, judge.actor.clone())?.apply_checked(changes, now, &judge.policy)
        }
        None => ElderDocument::from_changes_checked(changes, judge.actor.clone(), now, &judge.policy),
    };
    let applied = match applied {
        Ok(applied) => applied,
        Err(refused) => return Ok(Err(PushOutcome::from(&refused))),
    };
    // The sender's own area first: whoever wrote the changes, they may not send them.
    if let Some(refused) = applied.document.community().and_then(|c| judge.community_check(c, "after")) {
        return Ok(Err(refused));
    }
    if let Some(device) = judge.device {
        let standing = |user, at| judge.authors.standing(user, at);
        let covers = |scope, community| judge.areas.scope_contains(scope, community);
        if let Err(refused) = check_authority(&applied.reviews, device, standing, &judge.policy.roles, covers) {
            return Ok(Err(PushOutcome::from(&refused)));
        }
    }
    if applied.new_changes.is_empty() {
        return Ok(Ok(Ready::new(&applied, None)));
    }
    let snapshot = applied.document.save();
    if snapshot.len() > MAX_DOCUMENT_BYTES {
        let reason = format!("the document would be {} bytes; at most {MAX_DOCUMENT_BYTES} are stored", snapshot.len());
        return Ok(Err(PushOutcome::from(&ValidationError::TooLarge(reason))));
    }
    let rows = match materialise(&applied.document) {
        Ok(rows) => rows,
        Err(error) => {
            // Checked documents materialise; one that does not is refused, not stored.
            tracing::error!(%error, "an accepted document did not materialise");
            return Ok(Err(rejected(RejectCode::Schema, "the record could not be read into rows")));
        }
    };
    Ok(Ok(Ready::new(&applied, Some(Written { snapshot, rows }))))
}
