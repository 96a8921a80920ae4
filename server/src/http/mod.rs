//! The HTTP API under `/api/v1`: one router per resource, one error type, limits and
//! tracing applied to all of it.

mod alert_routes;
mod auth_routes;
mod device_routes;
mod elder_routes;
pub mod error;
mod extract;
mod handover_routes;
mod layers;
mod report_routes;
mod roster_routes;
mod sync_routes;
mod warning_routes;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::get;
use axum::{Json, Router};
use jinlin_shared::wire::{MAX_REQUEST_BODY_BYTES, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, ServerVersion};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use error::ApiError;

pub use extract::{ApiJson, ApiPath, ApiQuery};

pub fn router(state: AppState) -> Router {
    let timeout = state.limits.request_timeout;
    let api = Router::new()
        .route("/health", get(health))
        .route("/version", get(version))
        .route("/me", get(me))
        .merge(auth_routes::router())
        .merge(sync_routes::router())
        .merge(elder_routes::router())
        .merge(device_routes::router())
        .merge(report_routes::router())
        .merge(alert_routes::router())
        .merge(warning_routes::router())
        .merge(roster_routes::router())
        .merge(handover_routes::router())
        .route_layer(axum::middleware::from_fn(layers::mark_route));
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(timeout, layers::time_limit))
        // Outside the time limit and every route, so nothing inside answers an error
        // that is not JSON.
        .layer(axum::middleware::from_fn(layers::json_errors))
        .layer(axum::middleware::from_fn(layers::close_after_refused_body))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(axum::middleware::from_fn(layers::request_log))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The id ties a request's lines together; the path is left to the request
            // log's route template.
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// `/metrics` alone, for its own address (loopback by default): what the server
/// counts is for its operators, not for whoever reaches the API.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.db.ping().await.map_err(|_| ApiError::Unavailable)?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

async fn metrics(State(state): State<AppState>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}

/// The protocols the server speaks and what the city says of its apps.
async fn version(State(state): State<AppState>) -> Json<ServerVersion> {
    Json(ServerVersion {
        protocol: PROTOCOL_VERSION,
        oldest_protocol: Some(OLDEST_PROTOCOL_VERSION),
        server: env!("CARGO_PKG_VERSION").to_owned(),
        releases: (*state.releases).clone(),
    })
}

async fn me(caller: crate::auth::Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user": caller.user,
        "device": caller.device,
        "role": caller.role,
        "scope": caller.scope,
    }))
}
