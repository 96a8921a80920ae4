//! The audit log: who did what, when (logins, identity changes, exports).

use jinlin_shared::time::Timestamp;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, NotSet};

use crate::db::entity::audit;

pub async fn record<C: ConnectionTrait>(
    db: &C,
    at: Timestamp,
    user: Option<&str>,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    audit::Entity::insert(audit::ActiveModel {
        id: NotSet,
        at: Set(at.as_millis()),
        user_id: Set(user.map(str::to_owned)),
        action: Set(action.to_owned()),
        detail: Set(detail.to_string()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
