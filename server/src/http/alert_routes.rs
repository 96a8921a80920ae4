//! Alerts: a supervisor's list of red-risk and incident visits in their area, open
//! first, and closing one with a note.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use jinlin_shared::alert::{AlertView, CloseAlert};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::alerts::{self, AlertError, Listing};
use crate::auth::Caller;
use crate::state::AppState;

/// The most alerts one list returns.
const MAX_LIMIT: u64 = 1_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/alerts", get(list)).route("/alerts/{visit}/close", post(close))
}

/// The query of a list of alerts or warnings.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    /// `open` (the default) or `all`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub limit: Option<u64>,
}

impl From<AlertError> for ApiError {
    fn from(error: AlertError) -> Self {
        match error {
            AlertError::NotFound(_) => ApiError::NotFound(error.to_string()),
            AlertError::NotSupervisor => ApiError::Forbidden(error.to_string()),
            AlertError::AlreadyClosed => ApiError::Conflict(error.to_string()),
            AlertError::BadNote => ApiError::BadRequest(error.to_string()),
            AlertError::Database(e) => e.into(),
            AlertError::Corrupt(_) => ApiError::Internal(anyhow::Error::new(error)),
        }
    }
}

/// `GET /alerts?status=open|all&limit=200`: the caller's area, open first, newest first.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<AlertView>>, ApiError> {
    let listing = Listing::parse(query.status.as_deref()).map_err(ApiError::BadRequest)?;
    let limit = query.limit.unwrap_or(200).clamp(1, MAX_LIMIT);
    let tree = state.areas().await?;
    Ok(Json(alerts::list(&state.db, &tree, caller.scope, listing, limit).await?))
}

/// `POST /alerts/{visit}/close` with `{"note": "…"}`: a supervisor's note closes it.
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(visit): ApiPath<String>,
    ApiJson(body): ApiJson<CloseAlert>,
) -> Result<Json<AlertView>, ApiError> {
    let tree = state.areas().await?;
    Ok(Json(alerts::close(&state.db, &tree, &state.policy.roles, &caller, &visit, &body.note, state.now()).await?))
}
