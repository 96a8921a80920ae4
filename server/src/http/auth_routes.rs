//! Sign-in and sign-out.
//!
//! A failed sign-in counts against the user; after too many the account is locked for
//! a while, which bounds password guessing without a shared rate-limit store (the
//! count lives in the database, so it holds across server replicas).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use jinlin_shared::ids::DeviceId;
use jinlin_shared::user::{Role, SignedInUser};
use jinlin_shared::wire::{DeviceKey, LoginRequest, LoginResponse, check_protocol};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::error::ApiError;
use super::extract::{ApiJson, bearer_token};
use crate::audit;
use crate::auth::{Caller, new_device_key, new_token, scope_of, verify_password};
use crate::db::entity::{device, session, user};
use crate::state::{AppState, now};

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login)).route("/auth/logout", post(logout))
}

async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    check_protocol(request.protocol)?;
    let now = now();
    let refused = || ApiError::Forbidden("the user name or password is wrong".into());
    let Some(account) =
        user::Entity::find().filter(user::Column::Login.eq(request.login.trim())).one(&state.db).await?
    else {
        // Spend the time a real check would, so a wrong name and a wrong password
        // cannot be told apart by timing.
        let _ = verify_password(request.password, String::new()).await;
        return Err(refused());
    };
    if let Some(until) = account.locked_until
        && until > now.as_millis()
    {
        return Err(ApiError::RateLimited { retry_after_seconds: (until - now.as_millis()) / 1000 + 1 });
    }
    let ok = verify_password(request.password, account.password_hash.clone()).await.map_err(anyhow::Error::new)?;
    if !ok || account.disabled {
        let failures = account.failed_logins + 1;
        let locked_until = (failures >= state.limits.max_failed_logins)
            .then(|| now.plus_minutes(state.limits.lockout_minutes).as_millis());
        let txn = state.begin_write().await?;
        user::Entity::update_many()
            .col_expr(user::Column::FailedLogins, Expr::value(if locked_until.is_some() { 0 } else { failures }))
            .col_expr(user::Column::LockedUntil, Expr::value(locked_until))
            .filter(user::Column::Id.eq(&account.id))
            .exec(&*txn)
            .await?;
        audit::record(&*txn, now, Some(&account.id), "login.failed", serde_json::json!({ "login": account.login }))
            .await?;
        txn.commit().await?;
        return Err(refused());
    }

    // The device, the session, the reset count and the audit entry land together.
    let txn = state.begin_write().await?;
    let (device_id, device_key) = match request.device.id {
        Some(id) => match device::Entity::find_by_id(id.to_string()).one(&*txn).await? {
            Some(known) if known.revoked_at.is_some() => return Err(ApiError::DeviceRevoked),
            Some(known) => match known.data_key.as_deref().and_then(DeviceKey::from_slice) {
                Some(key) => (id, key),
                None => {
                    // Registered before devices had keys: give it one now.
                    let key = new_device_key();
                    device::Entity::update_many()
                        .col_expr(device::Column::DataKey, Expr::value(key.as_bytes().to_vec()))
                        .filter(device::Column::Id.eq(id.to_string()))
                        .exec(&*txn)
                        .await?;
                    (id, key)
                }
            },
            None => (id, register_device(&*txn, id, &request.device.name, &account.id, now.as_millis()).await?),
        },
        None => {
            let id = DeviceId::from_uuid(uuid::Uuid::now_v7()).map_err(anyhow::Error::new)?;
            (id, register_device(&*txn, id, &request.device.name, &account.id, now.as_millis()).await?)
        }
    };
    let (token, token_hash) = new_token();
    let expires_at = now.plus_hours(24 * state.limits.session_days);
    session::Entity::insert(session::ActiveModel {
        token_hash: Set(token_hash),
        user_id: Set(account.id.clone()),
        device_id: Set(device_id.to_string()),
        created_at: Set(now.as_millis()),
        expires_at: Set(expires_at.as_millis()),
        revoked_at: Set(None),
    })
    .exec(&*txn)
    .await?;
    user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .filter(user::Column::Id.eq(&account.id))
        .exec(&*txn)
        .await?;
    audit::record(&*txn, now, Some(&account.id), "login", serde_json::json!({ "device": device_id })).await?;
    txn.commit().await?;
    let bad = |what: &str| ApiError::Internal(anyhow::anyhow!("user {} has an invalid {what}", account.id));
    Ok(Json(LoginResponse {
        token,
        expires_at,
        device: device_id,
        device_key,
        user: SignedInUser {
            id: account.id.parse().map_err(|_| bad("id"))?,
            login: account.login.clone(),
            display_name: account.display_name.clone(),
            role: Role::parse(&account.role).ok_or_else(|| bad("role"))?,
            scope: scope_of(account.scope_area_id.as_deref()).ok_or_else(|| bad("scope"))?,
        },
    }))
}

async fn register_device(
    db: &impl ConnectionTrait,
    id: DeviceId,
    name: &str,
    by: &str,
    at: i64,
) -> Result<DeviceKey, ApiError> {
    if id == crate::auth::SERVER_DEVICE {
        // The server's own changes carry this device; no workstation may be it.
        return Err(ApiError::BadRequest("that device id is reserved".into()));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadRequest("a device needs a name of 1 to 100 characters".into()));
    }
    let key = new_device_key();
    device::Entity::insert(device::ActiveModel {
        id: Set(id.to_string()),
        name: Set(name.to_owned()),
        registered_at: Set(at),
        registered_by: Set(by.to_owned()),
        revoked_at: Set(None),
        data_key: Set(Some(key.as_bytes().to_vec())),
    })
    .exec(db)
    .await?;
    Ok(key)
}

async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = bearer_token(&headers)?;
    let txn = state.begin_write().await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now().as_millis()))
        .filter(session::Column::TokenHash.eq(crate::auth::token_hash(token)))
        .exec(&*txn)
        .await?;
    audit::record(&*txn, now(), Some(&caller.user.to_string()), "logout", serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(Json(serde_json::json!({ "signedOut": true })))
}
