//! Request extractors: the signed-in caller from the bearer token, and JSON bodies
//! whose rejections go through the one error type.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use jinlin_shared::user::Role;
use sea_orm::EntityTrait;

use super::error::ApiError;
use crate::auth::{Caller, scope_of, token_hash};
use crate::db::entity::{device, session, user};
use crate::state::{AppState, now};

/// A JSON body; malformed or oversized bodies become [`ApiError`]s.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorised)
}

/// The caller behind `Authorization: Bearer <token>`: a live session of an enabled
/// user on a device that was not revoked.
impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let session =
            session::Entity::find_by_id(token_hash(token)).one(&state.db).await?.ok_or(ApiError::SessionExpired)?;
        if session.revoked_at.is_some() || session.expires_at <= now().as_millis() {
            return Err(ApiError::SessionExpired);
        }
        let device = device::Entity::find_by_id(session.device_id.clone())
            .one(&state.db)
            .await?
            .ok_or(ApiError::DeviceRevoked)?;
        if device.revoked_at.is_some() {
            return Err(ApiError::DeviceRevoked);
        }
        let user =
            user::Entity::find_by_id(session.user_id.clone()).one(&state.db).await?.ok_or(ApiError::SessionExpired)?;
        if user.disabled {
            return Err(ApiError::SessionExpired);
        }
        let bad_row = |what: &str| ApiError::Internal(anyhow::anyhow!("user {} has an invalid {what}", user.id));
        Ok(Caller {
            user: user.id.parse().map_err(|_| bad_row("id"))?,
            device: device.id.parse().map_err(|_| bad_row("device id"))?,
            role: Role::parse(&user.role).ok_or_else(|| bad_row("role"))?,
            scope: scope_of(user.scope_area_id.as_deref()).ok_or_else(|| bad_row("scope"))?,
        })
    }
}
