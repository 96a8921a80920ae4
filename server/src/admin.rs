//! Administration shared by the command line and (later) the admin API: users and
//! areas.
//!
//! An area import is all or nothing: a file with any bad row is refused whole, with
//! every bad row's line number, so a half-imported city never exists.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use jinlin_shared::area::{Area, AreaLevel, AreaTree};
use jinlin_shared::ids::{AreaId, DeviceId, UserId};
use jinlin_shared::user::Role;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::auth::hash_password;
use crate::db::entity::{area, community_log, device, session, user};
use crate::state::{load_area_tree, now};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no area has the code {0:?}")]
    UnknownArea(String),
    #[error("a user with the login {0:?} already exists")]
    DuplicateLogin(String),
    #[error("no user has the login {0:?}")]
    UnknownUser(String),
    #[error("no device has the id {0}")]
    UnknownDevice(String),
    #[error("the login must be 1 to 64 letters, digits, '.', '_' or '-'")]
    BadLogin,
    #[error("only an administrator's account may be made without --scope (an area code, or \"city\" said outright)")]
    ScopeRequired,
    #[error("the file has {} bad row(s):\n{}", .0.len(), .0.iter().map(|(line, why)| format!("  line {line}: {why}")).collect::<Vec<_>>().join("\n"))]
    BadRows(Vec<(usize, String)>),
    #[error(transparent)]
    Password(#[from] crate::auth::PasswordError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AdminError {
    fn from(e: sea_orm::DbErr) -> Self {
        AdminError::Other(e.into())
    }
}

impl From<crate::sync::push::PushError> for AdminError {
    fn from(e: crate::sync::push::PushError) -> Self {
        AdminError::Other(anyhow::Error::new(e))
    }
}

/// A user as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserListing {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub scope: String,
    pub disabled: bool,
}

/// `None` or `"city"` is the whole city; otherwise an area code.
async fn scope_area(db: &DatabaseConnection, scope: Option<&str>) -> Result<Option<String>, AdminError> {
    match scope {
        None | Some("city") => Ok(None),
        Some(code) => area::Entity::find()
            .filter(area::Column::Code.eq(code))
            .one(db)
            .await?
            .map(|a| Some(a.id))
            .ok_or_else(|| AdminError::UnknownArea(code.to_owned())),
    }
}

pub async fn add_user(
    db: &DatabaseConnection,
    login: &str,
    display_name: &str,
    role: Role,
    scope: Option<&str>,
    password: String,
) -> Result<UserId, AdminError> {
    let hash = hash_password(password).await?;
    add_user_with_hash(db, login, display_name, role, scope, &hash).await
}

/// Adds a user whose password hash is already computed.
pub async fn add_user_with_hash(
    db: &DatabaseConnection,
    login: &str,
    display_name: &str,
    role: Role,
    scope: Option<&str>,
    hash: &str,
) -> Result<UserId, AdminError> {
    let valid = !login.is_empty()
        && login.len() <= 64
        && login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(AdminError::BadLogin);
    }
    // A forgotten --scope must not make a city-wide account.
    if scope.is_none() && role != Role::Admin {
        return Err(AdminError::ScopeRequired);
    }
    let scope_area_id = scope_area(db, scope).await?;
    let id = UserId::from_uuid(uuid::Uuid::now_v7()).context("a v7 uuid")?;
    let inserted = user::Entity::insert(user::ActiveModel {
        id: Set(id.to_string()),
        login: Set(login.to_owned()),
        display_name: Set(display_name.trim().to_owned()),
        password_hash: Set(hash.to_owned()),
        role: Set(role.as_str().to_owned()),
        scope_area_id: Set(scope_area_id),
        disabled: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now().as_millis()),
    })
    .on_conflict(OnConflict::column(user::Column::Login).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        return Err(AdminError::DuplicateLogin(login.to_owned()));
    }
    let detail = serde_json::json!({ "login": login, "role": role.as_str(), "scope": scope.unwrap_or("city") });
    crate::audit::record(db, now(), None, "user.add", detail).await?;
    Ok(id)
}

pub async fn list_users(db: &DatabaseConnection) -> Result<Vec<UserListing>, AdminError> {
    let areas: HashMap<String, String> =
        area::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a.code)).collect();
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Login)
        .all(db)
        .await?
        .into_iter()
        .map(|u| UserListing {
            scope: u
                .scope_area_id
                .as_ref()
                .map_or_else(|| "city".to_owned(), |id| areas.get(id).cloned().unwrap_or_default()),
            id: u.id,
            login: u.login,
            display_name: u.display_name,
            role: u.role,
            disabled: u.disabled,
        })
        .collect())
}

/// Disables (or enables again) an account. Disabling ends every session of it at
/// once, on every workstation.
pub async fn set_disabled(db: &DatabaseConnection, login: &str, disabled: bool) -> Result<(), AdminError> {
    let txn = db.begin().await?;
    let found = user::Entity::find().filter(user::Column::Login.eq(login)).one(&txn).await?;
    if let Some(found) = found.filter(|u| disabled && !u.disabled) {
        keep_standing(&txn, &found).await?;
    }
    let id = update_user(&txn, login, vec![(user::Column::Disabled, Expr::value(disabled))]).await?;
    if disabled {
        revoke_sessions(&txn, &id).await?;
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    crate::audit::record(&txn, now(), None, action, serde_json::json!({ "login": login })).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a user to another area (an assistant changing community; a scope code, or
/// "city"). Their standing until now is kept, so what they queued while allowed still
/// lands; every session ends, so each workstation signs them in again in the new area.
pub async fn move_user(db: &DatabaseConnection, login: &str, scope: &str) -> Result<(), AdminError> {
    let scope_area_id = scope_area(db, Some(scope)).await?;
    let txn = db.begin().await?;
    let found = user::Entity::find().filter(user::Column::Login.eq(login)).one(&txn).await?;
    let Some(found) = found else { return Err(AdminError::UnknownUser(login.to_owned())) };
    if found.role != Role::Admin.as_str() && scope_area_id.is_none() {
        return Err(AdminError::ScopeRequired);
    }
    keep_standing(&txn, &found).await?;
    let id = update_user(&txn, login, vec![(user::Column::ScopeAreaId, Expr::value(scope_area_id))]).await?;
    revoke_sessions(&txn, &id).await?;
    crate::audit::record(&txn, now(), None, "user.move", serde_json::json!({ "login": login, "scope": scope })).await?;
    txn.commit().await?;
    Ok(())
}

/// Keeps the role and area `user` holds until now: changes they made before are
/// judged by it (`sync::push::sender::Authors`).
async fn keep_standing(db: &impl ConnectionTrait, user: &user::Model) -> Result<(), AdminError> {
    use crate::db::entity::user_standing;
    user_standing::Entity::insert(user_standing::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        user_id: Set(user.id.clone()),
        role: Set(user.role.clone()),
        scope_area_id: Set(user.scope_area_id.clone()),
        until: Set(now().as_millis()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Sets a new password: every session of the account ends (a password changed because
/// it leaked must not leave the leaker's sessions working), and the failed sign-ins
/// counted against the login are forgotten.
pub async fn set_password(db: &DatabaseConnection, login: &str, password: String) -> Result<(), AdminError> {
    let hash = hash_password(password).await?;
    let txn = db.begin().await?;
    let id = update_user(&txn, login, vec![(user::Column::PasswordHash, Expr::value(hash))]).await?;
    revoke_sessions(&txn, &id).await?;
    crate::throttle::forget(&txn, &crate::throttle::Subject::login(login)).await?;
    crate::audit::record(&txn, now(), None, "user.passwd", serde_json::json!({ "login": login })).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every live session of the user `id`.
async fn revoke_sessions(db: &impl ConnectionTrait, id: &str) -> Result<(), AdminError> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now().as_millis()))
        .filter(session::Column::UserId.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Sets columns of the user with `login` and returns their id, or says there is no
/// such user.
async fn update_user(
    db: &impl ConnectionTrait,
    login: &str,
    columns: Vec<(user::Column, sea_orm::sea_query::Expr)>,
) -> Result<String, AdminError> {
    let found = user::Entity::find().filter(user::Column::Login.eq(login)).one(db).await?;
    let Some(found) = found else { return Err(AdminError::UnknownUser(login.to_owned())) };
    let mut update = user::Entity::update_many().filter(user::Column::Id.eq(&found.id));
    for (column, value) in columns {
        update = update.col_expr(column, value);
    }
    update.exec(db).await?;
    Ok(found.id)
}

/// Revokes a workstation: its sessions stop working at once.
pub async fn revoke_device(db: &DatabaseConnection, device: DeviceId, by: Option<UserId>) -> Result<(), AdminError> {
    let at = now();
    let done = device::Entity::update_many()
        .col_expr(device::Column::RevokedAt, Expr::value(at.as_millis()))
        .filter(device::Column::Id.eq(device.to_string()))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AdminError::UnknownDevice(device.to_string()));
    }
    crate::audit::record(
        db,
        at,
        by.map(|u| u.to_string()).as_deref(),
        "device.revoke",
        serde_json::json!({ "device": device }),
    )
    .await?;
    Ok(())
}

/// Registered workstations: id, name, and whether revoked.
pub async fn list_devices(db: &DatabaseConnection) -> Result<Vec<(String, String, bool)>, AdminError> {
    Ok(device::Entity::find()
        .order_by_asc(device::Column::RegisteredAt)
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name, d.revoked_at.is_some()))
        .collect())
}

/// What an area import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AreaImport {
    pub created: usize,
    pub unchanged: usize,
}

/// Imports areas from CSV with the header
/// `district_code,district_name,street_code,street_name,community_code,community_name`,
/// one community per row. Areas already present (by code) are kept.
pub async fn import_areas(db: &DatabaseConnection, csv_text: &str) -> Result<AreaImport, AdminError> {
    let existing = load_area_tree(db).await?;
    let mut by_code: BTreeMap<String, Area> = existing.areas().map(|a| (a.code.clone(), a.clone())).collect();
    let before = by_code.len();
    let mut bad = Vec::new();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let expected = ["district_code", "district_name", "street_code", "street_name", "community_code", "community_name"];
    match reader.headers() {
        Ok(headers) if headers.iter().eq(expected.iter().copied()) => {}
        Ok(headers) => bad.push((
            1,
            format!("the header must be {}, not {}", expected.join(","), headers.iter().collect::<Vec<_>>().join(",")),
        )),
        Err(e) => bad.push((1, e.to_string())),
    }
    if bad.is_empty() {
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = match record {
                Ok(r) if r.len() == 6 && r.iter().all(|f| !f.is_empty()) => r,
                Ok(_) => {
                    bad.push((line, "every row needs six non-empty fields".into()));
                    continue;
                }
                Err(e) => {
                    bad.push((line, e.to_string()));
                    continue;
                }
            };
            let mut parent = None;
            for (level, code, name) in [
                (AreaLevel::District, &record[0], &record[1]),
                (AreaLevel::Street, &record[2], &record[3]),
                (AreaLevel::Community, &record[4], &record[5]),
            ] {
                let area = by_code.entry(code.to_owned()).or_insert_with(|| Area {
                    id: AreaId::from_uuid(uuid::Uuid::now_v7()).expect("invariant: now_v7 is version 7"),
                    code: code.to_owned(),
                    name: name.to_owned(),
                    level,
                    parent,
                });
                if area.level != level || area.parent != parent {
                    bad.push((line, format!("code {code} is already a {} elsewhere in the tree", area.level.as_str())));
                    break;
                }
                parent = Some(area.id);
            }
        }
    }
    if !bad.is_empty() {
        return Err(AdminError::BadRows(bad));
    }
    store_new_areas(db, &existing, by_code.into_values().collect(), before).await
}

/// Imports areas that already carry their ids (a generated city): areas whose code is
/// known are kept as they are.
pub async fn import_area_list(db: &DatabaseConnection, areas: &[Area]) -> Result<AreaImport, AdminError> {
    let existing = load_area_tree(db).await?;
    let mut all: BTreeMap<String, Area> = existing.areas().map(|a| (a.code.clone(), a.clone())).collect();
    let before = all.len();
    for area in areas {
        all.entry(area.code.clone()).or_insert_with(|| area.clone());
    }
    store_new_areas(db, &existing, all.into_values().collect(), before).await
}

/// Checks the whole tree, then inserts the areas `existing` lacks (and each new
/// community's log row) in one transaction.
async fn store_new_areas(
    db: &DatabaseConnection,
    existing: &AreaTree,
    all: Vec<Area>,
    before: usize,
) -> Result<AreaImport, AdminError> {
    let tree = AreaTree::new(all).map_err(|e| AdminError::BadRows(vec![(0, e.to_string())]))?;
    let txn = db.begin().await?;
    let mut created = 0;
    for area_row in tree.areas().filter(|a| existing.get(a.id).is_none()) {
        area::Entity::insert(area::ActiveModel {
            id: Set(area_row.id.to_string()),
            code: Set(area_row.code.clone()),
            name: Set(area_row.name.clone()),
            level: Set(area_row.level.as_str().to_owned()),
            parent_id: Set(area_row.parent.map(|p| p.to_string())),
        })
        .exec_without_returning(&txn)
        .await?;
        if area_row.level == AreaLevel::Community {
            community_log::Entity::insert(community_log::ActiveModel {
                community_id: Set(area_row.id.to_string()),
                last_seq: Set(0),
            })
            .exec_without_returning(&txn)
            .await?;
        }
        created += 1;
    }
    txn.commit().await?;
    Ok(AreaImport { created, unchanged: before })
}
