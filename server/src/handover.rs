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
