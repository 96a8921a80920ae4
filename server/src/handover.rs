//! An assistant's handover: what each workstation last said still waits to reach the
//! server, by author, noted at its pulls; and, for an administrator or supervisor
//! about to move an assistant or take them off, how many of that assistant's changes
//! wait on which workstation.

use std::collections::BTreeMap;

use jinlin_shared::ids::{DeviceId, UserId};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::WaitingChanges;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::entity::{device, waiting_change};
use crate::state::AppState;

/// Keeps what `device` reports waiting, replacing its last report; writes only when
/// the report differs, so a quiet workstation's pulls cost no write.
pub async fn note_waiting(
    state: &AppState,
    device: DeviceId,
    reported: &[WaitingChanges],
    now: Timestamp,
) -> Result<(), sea_orm::DbErr> {
    let device = device.to_string();
    let wanted: BTreeMap<String, i32> = reported
        .iter()
        .filter(|w| w.changes > 0)
        .map(|w| (w.user.to_string(), i32::try_from(w.changes).unwrap_or(i32::MAX)))
        .collect();
    let held: BTreeMap<String, i32> = waiting_change::Entity::find()
        .filter(waiting_change::Column::DeviceId.eq(device.clone()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| (row.user_id, row.changes))
        .collect();
    if held == wanted {
        return Ok(());
    }
    let txn = state.begin_write().await?;
    waiting_change::Entity::delete_many()
        .filter(waiting_change::Column::DeviceId.eq(device.clone()))
        .exec(&*txn)
        .await?;
    let rows: Vec<waiting_change::ActiveModel> = wanted
        .into_iter()
        .map(|(user_id, changes)| waiting_change::ActiveModel {
            device_id: Set(device.clone()),
            user_id: Set(user_id),
            changes: Set(changes),
            reported_at: Set(now.as_millis()),
        })
        .collect();
    if !rows.is_empty() {
        waiting_change::Entity::insert_many(rows).exec_without_returning(&*txn).await?;
    }
    txn.commit().await
}

/// People who signed in on `device` and have since been taken off: the workstation
/// forgets their key slots.
pub async fn taken_off_on(db: &DatabaseConnection, device: DeviceId) -> Result<Vec<UserId>, sea_orm::DbErr> {
    use crate::db::entity::{session, user};
    use sea_orm::QuerySelect;
    let signed_in: Vec<String> = session::Entity::find()
        .select_only()
        .column(session::Column::UserId)
        .distinct()
        .filter(session::Column::DeviceId.eq(device.to_string()))
        .into_tuple()
        .all(db)
        .await?;
    let off: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.is_in(signed_in))
        .filter(user::Column::Disabled.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    Ok(off.into_iter().filter_map(|id| id.parse().ok()).collect())
}

/// One workstation's last report of a user's waiting changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingOn {
    pub device: String,
    /// The name the workstation registered under (its computer's name).
    pub device_name: String,
    pub changes: u32,
    pub reported_at: Timestamp,
}

/// Where `user`'s changes wait, most first.
pub async fn waiting_of(db: &DatabaseConnection, user: UserId) -> Result<Vec<WaitingOn>, sea_orm::DbErr> {
    let rows =
        waiting_change::Entity::find().filter(waiting_change::Column::UserId.eq(user.to_string())).all(db).await?;
    let mut waiting = Vec::with_capacity(rows.len());
    for row in rows {
        let name = device::Entity::find_by_id(row.device_id.clone()).one(db).await?.map(|d| d.name).unwrap_or_default();
        waiting.push(WaitingOn {
            device: row.device_id,
            device_name: name,
            changes: u32::try_from(row.changes).unwrap_or_default(),
            reported_at: Timestamp::from_millis(row.reported_at),
        });
    }
    waiting.sort_by(|a, b| b.changes.cmp(&a.changes).then_with(|| a.device.cmp(&b.device)));
    Ok(waiting)
}

/// Prints where `login`'s changes wait, for the command line.
pub async fn print_waiting(db: &DatabaseConnection, login: &str) -> anyhow::Result<()> {
    use crate::console::line;
    use crate::db::entity::user;
    let account = user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .one(db)
        .await?
        .ok_or_else(|| crate::admin::AdminError::UnknownUser(login.to_owned()))?;
    let waiting = waiting_of(db, account.id.parse()?).await?;
    if waiting.is_empty() {
        line(format_args!("no workstation reports changes of {login} waiting to sync"))?;
        return Ok(());
    }
    let total: u32 = waiting.iter().map(|w| w.changes).sum();
    line(format_args!("{total} changes of {login} wait to sync on {} workstations:", waiting.len()))?;
    for on in &waiting {
        let when = on.reported_at.to_shanghai().format("%Y-%m-%d %H:%M");
        line(format_args!("  {} ({}): {} changes, as it said at {when}", on.device_name, on.device, on.changes))?;
    }
    Ok(())
}

/// Why a handover did not happen; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error("your role may not hand assistants over")]
    NotPermitted,
    #[error("no assistant {0:?} works in your area")]
    UnknownAssistant(String),
    #[error("the community is not one of your area")]
    OutOfScope,
    #[error(transparent)]
    Admin(#[from] crate::admin::AdminError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for HandoverError {
    fn from(error: sea_orm::DbErr) -> Self {
        HandoverError::Internal(anyhow::Error::new(error).context("database"))
    }
}

/// The assistants of `caller`'s area, with where their changes wait; by community,
/// then name.
pub async fn assistants(
    state: &AppState,
    caller: &crate::auth::Caller,
) -> Result<Vec<jinlin_shared::wire::AssistantHandover>, HandoverError> {
    use crate::db::entity::user;
    use jinlin_shared::area::NamedCommunity;
    use jinlin_shared::wire::{AssistantHandover, WaitingOnWorkstation};
    permitted(state, caller)?;
    let areas = state.areas().await?;
    let named: BTreeMap<String, NamedCommunity> = areas
        .named_communities_in(caller.scope)
        .into_iter()
        .map(|community| (community.id.to_string(), community))
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Role.eq(jinlin_shared::user::Role::Assistant.as_str()))
        .filter(user::Column::ScopeAreaId.is_in(named.keys().cloned()))
        .all(&state.db)
        .await?;
    let mut listed = Vec::with_capacity(users.len());
    for account in users {
        let Some(community) = account.scope_area_id.as_ref().and_then(|id| named.get(id)).cloned() else { continue };
        let id: UserId = account.id.parse().map_err(|_| anyhow::anyhow!("a stored user id"))?;
        let waiting = waiting_of(&state.db, id)
            .await?
            .into_iter()
            .map(|on| WaitingOnWorkstation {
                workstation: on.device_name,
                changes: on.changes,
                reported_at: on.reported_at,
            })
            .collect();
        listed.push(AssistantHandover {
            user: id,
            login: account.login,
            display_name: account.display_name,
            community,
            disabled: account.disabled,
            waiting,
        });
    }
    listed.sort_by(|a, b| a.community.name.cmp(&b.community.name).then_with(|| a.display_name.cmp(&b.display_name)));
    Ok(listed)
}

/// Moves an assistant of `caller`'s area to another community of it.
pub async fn move_assistant(
    state: &AppState,
    caller: &crate::auth::Caller,
    login: &str,
    to: jinlin_shared::ids::CommunityId,
) -> Result<(), HandoverError> {
    permitted(state, caller)?;
    assistant_in_area(state, caller, login).await?;
    let areas = state.areas().await?;
    let target = areas.get(to).filter(|a| a.level == jinlin_shared::area::AreaLevel::Community);
    let target = target.filter(|a| areas.scope_contains(caller.scope, a.id)).ok_or(HandoverError::OutOfScope)?;
    crate::admin::move_user(&state.db, login, &target.code).await?;
    Ok(())
}

/// Takes an assistant of `caller`'s area off: they may no longer sign in.
pub async fn take_off(state: &AppState, caller: &crate::auth::Caller, login: &str) -> Result<(), HandoverError> {
    permitted(state, caller)?;
    assistant_in_area(state, caller, login).await?;
    crate::admin::set_disabled(&state.db, login, true).await?;
    Ok(())
}

fn permitted(state: &AppState, caller: &crate::auth::Caller) -> Result<(), HandoverError> {
    let allowed = state.policy.roles.permits(caller.role, jinlin_shared::roles::Operation::HandOver);
    if allowed { Ok(()) } else { Err(HandoverError::NotPermitted) }
}

/// Refuses a login that is not an assistant of a community in `caller`'s area.
async fn assistant_in_area(state: &AppState, caller: &crate::auth::Caller, login: &str) -> Result<(), HandoverError> {
    use crate::db::entity::user;
    let areas = state.areas().await?;
    let account = user::Entity::find().filter(user::Column::Login.eq(login)).one(&state.db).await?;
    let in_area = account.as_ref().is_some_and(|a| {
        a.role == jinlin_shared::user::Role::Assistant.as_str()
            && a.scope_area_id
                .as_deref()
                .and_then(|id| id.parse().ok())
                .is_some_and(|c| areas.scope_contains(caller.scope, c))
    });
    if in_area { Ok(()) } else { Err(HandoverError::UnknownAssistant(login.to_owned())) }
}
