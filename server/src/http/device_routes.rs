//! Workstations: an admin revokes one (lost, stolen, decommissioned). Its sessions stop
//! working at once, and the workstation wipes its local data at the next contact.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use jinlin_shared::ids::DeviceId;

use super::error::ApiError;
use super::extract::ApiPath;
use crate::admin;
use crate::auth::Caller;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/devices/{device}/revoke", post(revoke))
}

async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(device): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !caller.role.may_manage_users() {
        return Err(ApiError::Forbidden("only an administrator revokes workstations".into()));
    }
    let device: DeviceId = device.parse().map_err(|_| ApiError::NotFound("no such device".into()))?;
    match admin::revoke_device(&state.db, device, Some(caller.user)).await {
        Ok(()) => Ok(Json(serde_json::json!({ "revoked": device }))),
        Err(admin::AdminError::UnknownDevice(_)) => Err(ApiError::NotFound("no such device".into())),
        Err(other) => Err(ApiError::Internal(other.into())),
    }
}
