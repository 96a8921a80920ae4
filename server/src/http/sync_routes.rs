//! The sync endpoints: push, pull, bootstrap.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use jinlin_shared::wire::{
    BootstrapRequest, BootstrapResponse, CityPolicy, PullRequest, PullResponse, PushRequest, PushResponse,
};

use super::error::ApiError;
use super::extract::ApiJson;
use crate::auth::Caller;
use crate::state::AppState;
use crate::sync;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync/push", post(push))
        .route("/sync/pull", post(pull))
        .route("/sync/bootstrap", post(bootstrap))
        .route("/policy", get(policy))
}

/// The policy the server judges by, for a signed-in caller's workstation to judge
/// alike (the pull names its version).
async fn policy(State(state): State<AppState>, _caller: Caller) -> Json<CityPolicy> {
    Json(CityPolicy { version: state.policy_version.clone(), policy: (*state.policy).clone() })
}

/// Each document is its own transaction: a rejected one stores nothing and the others
/// still land. The answer comes only after every accepted document has committed.
async fn push(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    request.check()?;
    let areas = state.areas().await?;
    let documents = request
        .documents
        .into_iter()
        .map(|document| (document.elder, document.changes.into_iter().map(|c| c.into_vec()).collect()))
        .collect();
    let sender = sync::push::sender::Sender::Workstation(&caller);
    let results = sync::push::push_documents(&state.push, sender, &areas, documents).await?;
    Ok(Json(PushResponse { results, generation: Some(state.generation().await?) }))
}

async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    request.check()?;
    crate::handover::note_waiting(&state, caller.device, &request.waiting, state.now()).await?;
    let areas = state.areas().await?;
    let mut page = sync::pull::pull(puller(&state), &caller, &areas, &request).await?;
    page.generation = Some(state.generation().await?);
    page.taken_off = crate::handover::taken_off_on(&state.db, caller.device).await?;
    state.metrics.pulled();
    Ok(Json(page))
}

async fn bootstrap(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<BootstrapRequest>,
) -> Result<Json<BootstrapResponse>, ApiError> {
    request.check()?;
    let areas = state.areas().await?;
    let mut page = sync::bootstrap::bootstrap(&state.db, &caller, &areas, &request).await?;
    page.generation = Some(state.generation().await?);
    state.metrics.bootstrapped();
    Ok(Json(page))
}

fn puller(state: &AppState) -> sync::pull::Puller<'_> {
    sync::pull::Puller {
        db: &state.db,
        documents_per_page: state.limits.pull_documents,
        policy_version: &state.policy_version,
    }
}
