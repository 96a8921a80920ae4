//! Per-elder endpoints that are not sync: the identity record, set and erased.

use axum::extract::State;
use axum::routing::{post, put};
use axum::{Json, Router};
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, ProfileChange};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::privacy::IdNumber;
use jinlin_shared::wire::{IdentityAccepted, IdentitySubmission, PushOutcome};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use crate::audit;
use crate::auth::{Caller, SERVER_DEVICE};
use crate::db::entity::{document, identity};
use crate::erasure::{Erased, ErasureError, ErasureRequest};
use crate::state::AppState;
use crate::sync::push::push_document;
use crate::sync::push::sender::Sender;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/elders/{elder}/identity", put(set_identity))
        .route("/elders/{elder}/identity/erase", post(erase_identity))
}

/// Stores the full number in the identity record and writes its masked form into the
/// document, as a change authored by the caller on the server. Audited, without the
/// number.
async fn set_identity(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(elder): ApiPath<String>,
    ApiJson(submission): ApiJson<IdentitySubmission>,
) -> Result<Json<IdentityAccepted>, ApiError> {
    let elder: ElderId = elder.parse().map_err(|_| ApiError::NotFound("no such elder".into()))?;
    let id_number = IdNumber::parse(&submission.id_number).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let row = document::Entity::find_by_id(elder.to_string())
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such elder".into()))?;
    let areas = state.areas().await?;
    let community: CommunityId = row.community_id.parse().map_err(|_| anyhow::anyhow!("a stored community id"))?;
    if !areas.scope_contains(caller.scope, community) {
        return Err(ApiError::Forbidden("the elder is outside your area".into()));
    }
    let masked = id_number.masked();
    let edit_at = state.now();
    let edit = Edit { author: Author { user: caller.user, device: SERVER_DEVICE }, at: edit_at };
    let actor = state.actor.clone();
    let number = id_number.clone();
    let changes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Vec<u8>>> {
        let mut doc = ElderDocument::load(&row.snapshot, actor)?;
        let before = doc.heads();
        doc.update_profile(&edit, &[ProfileChange::IdNumber(Some(number))])?;
        Ok(doc.changes_since(&before))
    })
    .await
    .map_err(anyhow::Error::new)??;
    // The full number and its audit entry commit first: a document never shows a
    // masked number that the identity table lacks. Should the document's change then
    // fail, the caller's retry writes the same number and the same masked form again.
    let txn = state.begin_write().await?;
    identity::Entity::insert(identity::ActiveModel {
        elder_id: Set(elder.to_string()),
        id_number: Set(id_number.reveal().to_owned()),
        updated_at: Set(edit_at.as_millis()),
        updated_by: Set(caller.user.to_string()),
    })
    .on_conflict(
        OnConflict::column(identity::Column::ElderId)
            .update_columns([identity::Column::IdNumber, identity::Column::UpdatedAt, identity::Column::UpdatedBy])
            .to_owned(),
    )
    .exec_without_returning(&*txn)
    .await?;
    audit::record(
        &*txn,
        edit_at,
        Some(&caller.user.to_string()),
        "identity.set",
        serde_json::json!({ "elder": elder, "masked": masked }),
    )
    .await?;
    txn.commit().await?;
    let heads = match push_document(&state.push, Sender::Server(&caller), &areas, elder, changes).await? {
        PushOutcome::Accepted { heads, .. } => heads,
        PushOutcome::Rejected { reason, .. } => return Err(ApiError::Conflict(reason)),
    };
    Ok(Json(IdentityAccepted { id_number_masked: masked, heads }))
}

impl From<ErasureError> for ApiError {
    fn from(error: ErasureError) -> Self {
        match error {
            ErasureError::NotPermitted => ApiError::Forbidden(error.to_string()),
            ErasureError::UnknownElder(_) => ApiError::NotFound(error.to_string()),
            ErasureError::BadReason { .. } => ApiError::BadRequest(error.to_string()),
            ErasureError::Refused(reason) => ApiError::Conflict(reason),
            ErasureError::Internal(error) => ApiError::Internal(error),
        }
    }
}

/// Erases the elder's identity record (an administrator, with a reason; audited).
async fn erase_identity(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(elder): ApiPath<String>,
    ApiJson(request): ApiJson<ErasureRequest>,
) -> Result<Json<Erased>, ApiError> {
    let elder: ElderId = elder.parse().map_err(|_| ApiError::NotFound("no such elder".into()))?;
    Ok(Json(crate::erasure::erase_identity(&state, &caller, elder, &request.reason).await?))
}
