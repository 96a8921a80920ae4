//! Early warnings: the caller's area, open first, those escalated longest first. They
//! are the server's own, derived from the documents; no route writes one.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jinlin_shared::warning::WarningView;

use super::alert_routes::ListQuery;
use super::error::ApiError;
use super::extract::ApiQuery;
use crate::alerts::Listing;
use crate::auth::Caller;
use crate::state::AppState;
use crate::warnings::{self, WarningError};

/// The most warnings one list returns.
const MAX_LIMIT: u64 = 2_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/warnings", get(list))
}

impl From<WarningError> for ApiError {
    fn from(error: WarningError) -> Self {
        match error {
            WarningError::Database(e) => e.into(),
            WarningError::Corrupt(_) => ApiError::Internal(anyhow::Error::new(error)),
        }
    }
}

/// `GET /warnings?status=open|all&limit=500`.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<WarningView>>, ApiError> {
    let listing = Listing::parse(query.status.as_deref()).map_err(ApiError::BadRequest)?;
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_LIMIT);
    let tree = state.areas().await?;
    Ok(Json(warnings::list(&state, &tree, caller.scope, listing, limit, state.now()).await?))
}
