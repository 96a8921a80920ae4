//! Sign-in and sign-out.
//!
//! A sign-in costs the same whether the login exists or not (a decoy hash is checked
//! for an unknown one) and gets the same answer, so which accounts exist cannot be
//! read from the clock or the message. Failed sign-ins slow further attempts per login
//! and per client address (`crate::throttle`) and never lock an account; at most
//! [`Limits::concurrent_password_hashes`](crate::state::Limits) hashes run at once.
//! A workstation belongs to the area of the user who registered it: only users whose
//! area covers it (and administrators) may sign in there and receive its data key.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::routing::post;
use axum::{Json, Router};
use jinlin_shared::area::Scope;
use jinlin_shared::ids::DeviceId;
use jinlin_shared::user::{Role, SignedInUser};
use jinlin_shared::wire::{DeviceKey, LoginRequest, LoginResponse, check_protocol};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::error::ApiError;
use super::extract::{ApiJson, bearer_token};
use crate::audit;
use crate::auth::{Caller, new_device_key, new_token, scope_of};
use crate::db::entity::{device, session, user};
use crate::state::{AppState, HASH_SLOT_WAIT};
use crate::throttle::{self, Subject};

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login)).route("/auth/logout", post(logout))
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    check_protocol(request.protocol)?;
    let now = state.now();
    let login = request.login.trim().to_owned();
    let subjects = [Subject::login(&login), Subject::address(peer.ip())];
    // Throttled before any hashing: a waiting attacker costs one indexed read.
    if let Some(wait) = throttle::wait(&state.db, &subjects, now).await? {
        return Err(ApiError::RateLimited { retry_after_seconds: wait.as_secs() as i64 + 1 });
    }
    let account = user::Entity::find().filter(user::Column::Login.eq(&login)).one(&state.db).await?;
    let stored = match &account {
        Some(account) => account.password_hash.clone(),
        None => state.decoy_hash().await?,
    };
    let slot =
        state.hash_slots.acquire(HASH_SLOT_WAIT).await.ok_or(ApiError::SignInsBusy { retry_after_seconds: 1 })?;
    let verified = slot.verify(request.password, stored).await.map_err(anyhow::Error::new)?;
    let Some(account) = account.filter(|a| verified && !a.disabled) else {
        let txn = state.begin_write().await?;
        throttle::failed(&*txn, &subjects, now).await?;
        let login: String = login.chars().take(64).collect();
        audit::record(&*txn, now, None, "login.failed", serde_json::json!({ "login": login, "address": peer.ip() }))
            .await?;
        txn.commit().await?;
        return Err(ApiError::WrongCredentials);
    };
    let bad = |what: &str| ApiError::Internal(anyhow::anyhow!("user {} has an invalid {what}", account.id));
    let signed_in = SignedInUser {
        id: account.id.parse().map_err(|_| bad("id"))?,
        login: account.login.clone(),
        display_name: account.display_name.clone(),
        role: Role::parse(&account.role).ok_or_else(|| bad("role"))?,
        scope: scope_of(account.scope_area_id.as_deref()).ok_or_else(|| bad("scope"))?,
        communities: Vec::new(),
    };
    let signed_in =
        SignedInUser { communities: state.areas().await?.named_communities_in(signed_in.scope), ..signed_in };

    // The device, the session, the forgotten failures and the audit entry land together.
    let txn = state.begin_write().await?;
    let (device_id, device_key) = device_for(&state, &*txn, &request.device, &signed_in, now.as_millis()).await?;
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
    throttle::forget(&*txn, &subjects[0]).await?;
    audit::record(&*txn, now, Some(&account.id), "login", serde_json::json!({ "device": device_id })).await?;
    txn.commit().await?;
    Ok(Json(LoginResponse { token, expires_at, device: device_id, device_key, user: signed_in }))
}

/// How a device's area is kept: `city`, or an area's id.
fn area_column(scope: Scope) -> String {
    match scope {
        Scope::City => "city".into(),
        Scope::Area(area) => area.to_string(),
    }
}

/// The device the user signs in on and its data key: a new device is registered in
/// the user's area; a known one must not be revoked and must lie in the user's area
/// (administrators sign in anywhere). A device of another area gets no key.
async fn device_for(
    state: &AppState,
    db: &impl ConnectionTrait,
    registration: &jinlin_shared::wire::DeviceRegistration,
    user: &SignedInUser,
    at: i64,
) -> Result<(DeviceId, DeviceKey), ApiError> {
    let id = match registration.id {
        Some(id) => id,
        None => DeviceId::from_uuid(uuid::Uuid::now_v7()).map_err(anyhow::Error::new)?,
    };
    let Some(known) = device::Entity::find_by_id(id.to_string()).one(db).await? else {
        let key = register_device(db, id, &registration.name, user, at).await?;
        return Ok((id, key));
    };
    if known.revoked_at.is_some() {
        return Err(ApiError::DeviceRevoked);
    }
    let area = match known.area_id.as_deref() {
        // Registered before devices had areas: it takes this user's.
        None => {
            let area = area_column(user.scope);
            device::Entity::update_many()
                .col_expr(device::Column::AreaId, Expr::value(area.clone()))
                .filter(device::Column::Id.eq(id.to_string()))
                .exec(db)
                .await?;
            area
        }
        Some(area) => area.to_owned(),
    };
    let device_scope = if area == "city" {
        Scope::City
    } else {
        Scope::Area(area.parse().map_err(|_| anyhow::anyhow!("device {id} has an invalid area"))?)
    };
    let tree = state.areas().await?;
    if user.role != Role::Admin && !tree.scope_covers(user.scope, device_scope) {
        return Err(ApiError::Forbidden("this workstation belongs to another area".into()));
    }
    let key = match known.data_key.as_deref().and_then(DeviceKey::from_slice) {
        Some(key) => key,
        None => {
            // Registered before devices had keys: give it one now.
            let key = new_device_key();
            device::Entity::update_many()
                .col_expr(device::Column::DataKey, Expr::value(key.as_bytes().to_vec()))
                .filter(device::Column::Id.eq(id.to_string()))
                .exec(db)
                .await?;
            key
        }
    };
    Ok((id, key))
}

async fn register_device(
    db: &impl ConnectionTrait,
    id: DeviceId,
    name: &str,
    by: &SignedInUser,
    at: i64,
) -> Result<DeviceKey, ApiError> {
    if id == crate::auth::SERVER_DEVICE {
        // The server's own changes carry this device; no workstation may be it.
        return Err(ApiError::BadRequest("that device id is reserved".into()));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest("a device needs a name of 1 to 100 characters".into()));
    }
    let key = new_device_key();
    device::Entity::insert(device::ActiveModel {
        id: Set(id.to_string()),
        name: Set(name.to_owned()),
        registered_at: Set(at),
        registered_by: Set(by.id.to_string()),
        revoked_at: Set(None),
        data_key: Set(Some(key.as_bytes().to_vec())),
        area_id: Set(Some(area_column(by.scope))),
    })
    .exec(db)
    .await?;
    audit::record(
        db,
        jinlin_shared::time::Timestamp::from_millis(at),
        Some(&by.id.to_string()),
        "device.register",
        serde_json::json!({ "device": id, "name": name }),
    )
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
        .col_expr(session::Column::RevokedAt, Expr::value(state.now().as_millis()))
        .filter(session::Column::TokenHash.eq(crate::auth::token_hash(token)))
        .exec(&*txn)
        .await?;
    audit::record(&*txn, state.now(), Some(&caller.user.to_string()), "logout", serde_json::json!({})).await?;
    txn.commit().await?;
    Ok(Json(serde_json::json!({ "signedOut": true })))
}
