//! Request extractors: the signed-in caller from the bearer token, and JSON bodies,
//! query strings and path segments whose rejections go through the one error type.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use jinlin_shared::user::Role;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};

use super::error::ApiError;
use crate::auth::{Caller, scope_of, token_hash};
use crate::db::entity::{device, session, user};
use crate::state::AppState;

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

/// A query string; one that does not fit `T` (a missing field, `unmasked=maybe`)
/// becomes an [`ApiError`].
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// The path's parameters; segments that do not fit `T` become an [`ApiError`].
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
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
        // One query for the session, its device and its user: every request pays it,
        // and nothing is cached, so a revocation takes effect on the next request.
        let query = Query::select()
            .column((session::Entity, session::Column::ExpiresAt))
            .column((session::Entity, session::Column::RevokedAt))
            .expr_as(Expr::col((device::Entity, device::Column::Id)), "device_id")
            .expr_as(Expr::col((device::Entity, device::Column::RevokedAt)), "device_revoked_at")
            .expr_as(Expr::col((user::Entity, user::Column::Id)), "user_id")
            .column((user::Entity, user::Column::Disabled))
            .column((user::Entity, user::Column::Role))
            .column((user::Entity, user::Column::ScopeAreaId))
            .from(session::Entity)
            .left_join(
                device::Entity,
                Expr::col((device::Entity, device::Column::Id)).equals((session::Entity, session::Column::DeviceId)),
            )
            .inner_join(
                user::Entity,
                Expr::col((user::Entity, user::Column::Id)).equals((session::Entity, session::Column::UserId)),
            )
            .and_where(Expr::col((session::Entity, session::Column::TokenHash)).eq(token_hash(token)))
            .to_owned();
        let row = state.db.query_one(&query).await?.ok_or(ApiError::SessionExpired)?;
        let expires_at: i64 = row.try_get("", "expires_at")?;
        let revoked_at: Option<i64> = row.try_get("", "revoked_at")?;
        if revoked_at.is_some() || expires_at <= state.now().as_millis() {
            return Err(ApiError::SessionExpired);
        }
        let device: Option<String> = row.try_get("", "device_id")?;
        let device_revoked_at: Option<i64> = row.try_get("", "device_revoked_at")?;
        let Some(device) = device.filter(|_| device_revoked_at.is_none()) else {
            return Err(ApiError::DeviceRevoked);
        };
        let user: String = row.try_get("", "user_id")?;
        if row.try_get::<bool>("", "disabled")? {
            return Err(ApiError::SessionExpired);
        }
        let role: String = row.try_get("", "role")?;
        let scope: Option<String> = row.try_get("", "scope_area_id")?;
        let bad_row = |what: &str| ApiError::Internal(anyhow::anyhow!("user {user} has an invalid {what}"));
        Ok(Caller {
            user: user.parse().map_err(|_| bad_row("id"))?,
            device: device.parse().map_err(|_| bad_row("device id"))?,
            role: Role::parse(&role).ok_or_else(|| bad_row("role"))?,
            scope: scope_of(scope.as_deref()).ok_or_else(|| bad_row("scope"))?,
        })
    }
}
