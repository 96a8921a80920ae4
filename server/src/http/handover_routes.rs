//! An assistant's handover from the desktop app: the assistants of the caller's area
//! with where their changes wait (`GET /handover`), a move to another community of the
//! area, and taking one off. A supervisor or an administrator; sessions end at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jinlin_shared::wire::{AssistantHandover, HandoverMove};

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath};
use crate::auth::Caller;
use crate::handover::{self, HandoverError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/handover", get(list))
        .route("/handover/{login}/move", post(move_assistant))
        .route("/handover/{login}/take-off", post(take_off))
}

impl From<HandoverError> for ApiError {
    fn from(error: HandoverError) -> Self {
        match error {
            HandoverError::NotPermitted | HandoverError::OutOfScope => ApiError::Forbidden(error.to_string()),
            HandoverError::UnknownAssistant(_) => ApiError::NotFound(error.to_string()),
            HandoverError::Admin(error) => ApiError::BadRequest(error.to_string()),
            HandoverError::Internal(error) => ApiError::Internal(error),
        }
    }
}

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AssistantHandover>>, ApiError> {
    Ok(Json(handover::assistants(&state, &caller).await?))
}

async fn move_assistant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(login): ApiPath<String>,
    ApiJson(request): ApiJson<HandoverMove>,
) -> Result<StatusCode, ApiError> {
    handover::move_assistant(&state, &caller, &login, request.community).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn take_off(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(login): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    handover::take_off(&state, &caller, &login).await?;
    Ok(StatusCode::NO_CONTENT)
}
