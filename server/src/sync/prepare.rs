//! What a push decides about each document before its community's lock is taken:
//! the document applied to its stored version and checked (Automerge's work, on the
//! blocking pool), and what is read of the stored documents to do so.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::{AreaLevel, AreaTree, Scope};
use jinlin_shared::authority::check_authority;
use jinlin_shared::document::{Applied, ElderDocument, StoredDocument};
use jinlin_shared::ids::{CommunityId, DeviceId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::{RejectCode, ValidationError};
use jinlin_shared::wire::{Heads, MAX_DOCUMENT_BYTES, PushOutcome};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::sender::Authors;
use crate::db::entity::document;

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

pub(super) fn rejected(code: RejectCode, reason: impl Into<String>) -> PushOutcome {
    PushOutcome::Rejected { code, field: None, reason: reason.into(), missing: Heads::default() }
}

/// Whether a database error is worth retrying the whole transaction for.
pub(super) fn is_transient(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    ["deadlock detected", "could not serialize", "40P01", "40001", "database is locked"]
        .iter()
        .any(|s| text.contains(s))
}

pub(super) fn community_check(
    areas: &AreaTree,
    scope: Scope,
    community: CommunityId,
    when: &str,
) -> Option<PushOutcome> {
    if areas.get(community).is_none_or(|a| a.level != AreaLevel::Community) {
        return Some(rejected(RejectCode::OutOfScope, format!("{community} is not a community of this city")));
    }
    if !areas.scope_contains(scope, community) {
        return Some(rejected(
            RejectCode::OutOfScope,
            format!("the document {when} the changes belongs to community {community}, outside your area"),
        ));
    }
    None
}

/// A document applied and checked before its community's lock is taken, against the
/// stored version with `base_heads` (`None`: new to the server). Under the lock it is
/// used only if the stored heads are still the same; otherwise it is prepared again.
/// This keeps the Automerge work (milliseconds of CPU) out of the critical section and
/// spreads it over the cores.
pub(super) struct Prepared {
    pub base_heads: Option<String>,
    pub result: Result<Ready, PushOutcome>,
}

/// An accepted document: what applying gave, its full save (the snapshot to store)
/// and its materialised rows, all made before the community's lock is taken.
pub(super) struct Ready {
    pub applied: Applied,
    pub snapshot: Vec<u8>,
    pub rows: Option<ElderRows>,
}

/// Runs a document's Automerge work (decode, merge, review), its authors' checks and
/// its save on the blocking pool: CPU work of up to a few milliseconds.
pub(super) async fn prepare(
    base: Option<Vec<u8>>,
    changes: Vec<Vec<u8>>,
    now: Timestamp,
    judge: Arc<Judge>,
) -> anyhow::Result<Result<Ready, PushOutcome>> {
    tokio::task::spawn_blocking(move || {
        let applied = match base {
            Some(snapshot) => {
                let document = StoredDocument::load(&snapshot, judge.actor.clone())
                    .context("a stored snapshot no longer loads")?;
                document.apply_checked(&changes, now, &judge.policy)
            }
            None => ElderDocument::from_changes_checked(&changes, judge.actor.clone(), now, &judge.policy),
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(refused) => return Ok(Err(PushOutcome::from(&refused))),
        };
        // The sender's own area first: whoever wrote the changes, they may not send them.
        let community = applied.document.community();
        if let Some(refused) = community.and_then(|c| community_check(&judge.areas, judge.scope, c, "after")) {
            return Ok(Err(refused));
        }
        if let Some(device) = judge.device {
            let standing = |user, at| judge.authors.standing(user, at);
            let covers = |scope, community| judge.areas.scope_contains(scope, community);
            if let Err(refused) = check_authority(&applied.reviews, device, standing, &judge.policy.roles, covers) {
                return Ok(Err(PushOutcome::from(&refused)));
            }
        }
        let snapshot = if applied.new_changes.is_empty() { Vec::new() } else { applied.document.save() };
        if snapshot.len() > MAX_DOCUMENT_BYTES {
            let reason =
                format!("the document would be {} bytes; at most {MAX_DOCUMENT_BYTES} are stored", snapshot.len());
            return Ok(Err(PushOutcome::from(&ValidationError::TooLarge(reason))));
        }
        let rows = if applied.new_changes.is_empty() {
            None
        } else {
            Some(materialise(&applied.document).context("an accepted document materialises")?)
        };
        Ok(Ok(Ready { applied, snapshot, rows }))
    })
    .await
    .context("the document task failed")?
}

/// What is read of a stored document before deciding: its community and heads.
pub(super) struct Stored {
    pub community_id: String,
    pub heads: String,
}

/// The stored documents among `ids`, by elder id.
pub(super) async fn stored_documents(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, Stored>, sea_orm::DbErr> {
    let mut stored = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::CommunityId, document::Column::Heads])
            .filter(document::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (elder, community_id, heads) in rows {
            stored.insert(elder, Stored { community_id, heads });
        }
    }
    Ok(stored)
}
