//! Erasure on request (PIPL art. 47): an administrator erases an elder's identity
//! record, saying why. The full ID number leaves the identity table; the phone in
//! the document is replaced by its masked form (a change authored by the
//! administrator on the server, through the push path); the document keeps only
//! masked forms, so every later export, unmasked or not, shows them. Audited with the
//! reason, without the numbers.
//!
//! Automerge keeps a document's history: a phone written before stays in earlier
//! changes on the server and on workstations that hold them, as THREATS.md says. What
//! is read and exported from then on is the masked form.

use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, ProfileChange};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::limits::{FIELD_LIMITS, TextKind, check_text};
use jinlin_shared::privacy::{looks_masked_phone, mask_phone};
use jinlin_shared::roles::Operation;
use jinlin_shared::wire::PushOutcome;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, SERVER_DEVICE};
use crate::db::entity::{document, identity};
use crate::state::{AppState, now};
use crate::sync::push::push_document;
use crate::sync::push::sender::Sender;

/// Why an erasure did not happen; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("only an administrator may erase an elder's identity record")]
    NotPermitted,
    #[error("no elder {0} in your area")]
    UnknownElder(ElderId),
    #[error("the reason must be given, in at most {max} characters on one line")]
    BadReason { max: usize },
    #[error("the document's change was refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ErasureError {
    fn from(error: sea_orm::DbErr) -> Self {
        ErasureError::Internal(anyhow::Error::new(error).context("database"))
    }
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erased {
    /// Whether the identity record held a full ID number.
    pub id_number: bool,
    /// The phone as the document now holds it (masked), if it had one.
    pub phone_masked: Option<String>,
}

/// The request body of `POST /elders/{elder}/identity/erase`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErasureRequest {
    pub reason: String,
}

/// Erases `elder`'s identity record as `caller`, for `reason`.
pub async fn erase_identity(
    state: &AppState,
    caller: &Caller,
    elder: ElderId,
    reason: &str,
) -> Result<Erased, ErasureError> {
    if !state.policy.roles.permits(caller.role, Operation::EraseIdentity) {
        return Err(ErasureError::NotPermitted);
    }
    let reason = reason.trim();
    let max = FIELD_LIMITS.reason;
    if reason.is_empty() || check_text(reason, max, TextKind::OneLine).is_err() {
        return Err(ErasureError::BadReason { max });
    }
    let stored = document::Entity::find_by_id(elder.to_string()).one(&state.db).await?;
    let areas = state.areas().await?;
    let in_area = |row: &document::Model| {
        row.community_id.parse::<CommunityId>().is_ok_and(|c| areas.scope_contains(caller.scope, c))
    };
    let row = stored.filter(in_area).ok_or(ErasureError::UnknownElder(elder))?;
    let edit = Edit { author: Author { user: caller.user, device: SERVER_DEVICE }, at: now() };
    let actor = state.actor.clone();
    let (changes, phone_masked) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut doc = ElderDocument::load(&row.snapshot, actor)?;
        let before = doc.heads();
        let phone = doc.record().profile.phone.clone();
        let masked = phone.as_deref().map(mask_phone);
        if let Some(masked) = masked.clone().filter(|_| phone.as_deref().is_some_and(|p| !looks_masked_phone(p))) {
            doc.update_profile(&edit, &[ProfileChange::Phone(Some(masked))])?;
        }
        Ok((doc.changes_since(&before), masked))
    })
    .await
    .map_err(anyhow::Error::new)??;
    if !changes.is_empty() {
        let outcome = push_document(&state.push, Sender::Server(caller), &areas, elder, changes)
            .await
            .map_err(|e| ErasureError::Internal(anyhow::anyhow!("{e}")))?;
        if let PushOutcome::Rejected { reason, .. } = outcome {
            return Err(ErasureError::Refused(reason));
        }
    }
    let txn = state.begin_write().await?;
    let removed = identity::Entity::delete_many()
        .filter(identity::Column::ElderId.eq(elder.to_string()))
        .exec(&*txn)
        .await?
        .rows_affected;
    let erased = Erased { id_number: removed > 0, phone_masked };
    let details = serde_json::json!({ "elder": elder, "reason": reason, "idNumber": erased.id_number, "phone": erased.phone_masked.is_some() });
    crate::audit::record(&*txn, edit.at, Some(&caller.user.to_string()), "identity.erase", details).await?;
    txn.commit().await?;
    Ok(erased)
}
