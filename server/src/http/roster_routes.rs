//! Roster files from the desktop app: `POST /roster/check` answers what importing the
//! body (the file's bytes) would do, writing nothing; `POST /roster/apply?digest=…`
//! applies exactly that check. A file that is no roster is answered with the reason
//! in both languages, not as a failed request.

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use jinlin_shared::label::Language;
use jinlin_shared::roster_file::{RosterApplied, RosterReading};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::ApiQuery;
use crate::auth::Caller;
use crate::roster::{RosterError, apply_roster, check_roster};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/roster/check", post(check)).route("/roster/apply", post(apply))
}

#[derive(Debug, Deserialize)]
struct ApplyQuery {
    digest: String,
}

/// The refusal of a file that is no roster, in both languages; other errors as they are.
fn reading_of(error: RosterError) -> Result<RosterReading, ApiError> {
    match error {
        RosterError::File(error) => Ok(RosterReading::Refused { zh: error.zh(), en: error.to_string() }),
        RosterError::Sheet(error) => {
            Ok(RosterReading::Refused { zh: error.message(Language::ZhCn), en: error.message(Language::En) })
        }
        other => Err(other.into()),
    }
}

impl From<RosterError> for ApiError {
    fn from(error: RosterError) -> Self {
        match error {
            RosterError::NotPermitted => ApiError::Forbidden(error.to_string()),
            RosterError::Stale => ApiError::Conflict(error.to_string()),
            RosterError::File(_) | RosterError::Sheet(_) | RosterError::UnknownUser(_) => {
                ApiError::BadRequest(error.to_string())
            }
            RosterError::Internal(error) => ApiError::Internal(error),
        }
    }
}

async fn check(State(state): State<AppState>, caller: Caller, body: Bytes) -> Result<Json<RosterReading>, ApiError> {
    match check_roster(&state, &caller, body.to_vec()).await {
        Ok(plan) => Ok(Json(RosterReading::Checked { check: Box::new(plan.check) })),
        Err(error) => reading_of(error).map(Json),
    }
}

/// Applies on a task of its own: a caller that stops waiting does not cut an apply
/// between two batches.
async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ApplyQuery>,
    body: Bytes,
) -> Result<Json<RosterApplied>, ApiError> {
    let task =
        tokio::spawn(async move { apply_roster(&state, &caller, body.to_vec(), &query.digest, &|_, _| {}).await });
    let applied = task.await.map_err(|e| ApiError::Internal(anyhow::Error::new(e)))??;
    Ok(Json(applied))
}
