//! The warnings of elders whose rows were just derived (by a push, in its transaction,
//! or by the warning sweep), brought up to date: one open per elder and reason, by the
//! rules of `jinlin_shared::warning`.

use std::collections::HashMap;

use jinlin_shared::materialise::ElderRows;
use jinlin_shared::policy::{Policy, PolicyVersion};
use jinlin_shared::time::Timestamp;
use jinlin_shared::warning::{WarningClosure, WarningReason, closure, warnings};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entity::{warning, warning_check};

/// Brings the warnings of these elders (just written by a push, in its transaction)
/// up to date at `now`.
pub(crate) async fn reconcile<C: ConnectionTrait>(
    db: &C,
    elders: &[&ElderRows],
    (policy, version): (&Policy, &PolicyVersion),
    now: Timestamp,
) -> Result<(), DbErr> {
    let ids: Vec<String> = elders.iter().map(|rows| rows.elder.elder_id.to_string()).collect();
    let mut open: HashMap<String, Vec<warning::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found = warning::Entity::find()
            .filter(warning::Column::ElderId.is_in(chunk.to_vec()))
            .filter(warning::Column::ClosedAt.is_null())
            .all(db)
            .await?;
        for row in found {
            open.entry(row.elder_id.clone()).or_default().push(row);
        }
    }
    let version = version.to_string();
    let mut new = Vec::new();
    let mut checks = Vec::with_capacity(elders.len());
    for rows in elders {
        let before = open.remove(&rows.elder.elder_id.to_string()).unwrap_or_default();
        let next_check = reconcile_elder(db, rows, &before, policy, now, &mut new).await?;
        checks.push(warning_check::ActiveModel {
            elder_id: Set(rows.elder.elder_id.to_string()),
            next_at: Set(next_check.map(Timestamp::as_millis)),
            policy_version: Set(version.clone()),
        });
    }
    if !new.is_empty() {
        for chunk in new.chunks(500) {
            warning::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
        }
    }
    for chunk in checks.chunks(500) {
        warning_check::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(warning_check::Column::ElderId)
                    .update_columns([warning_check::Column::NextAt, warning_check::Column::PolicyVersion])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One elder's open warnings (`before`) brought to what its rows give at `now`: those
/// still due kept (their community and dates updated), new ones pushed onto `new`,
/// the rest closed saying how. Returns the elder's next check.
async fn reconcile_elder<C: ConnectionTrait>(
    db: &C,
    rows: &ElderRows,
    before: &[warning::Model],
    policy: &Policy,
    now: Timestamp,
    new: &mut Vec<warning::ActiveModel>,
) -> Result<Option<Timestamp>, DbErr> {
    let derived = warnings(rows, policy, now);
    for wanted in &derived.warnings {
        let reason = wanted.reason.as_str();
        match before.iter().find(|old| old.reason == reason) {
            Some(old) => {
                let kept = warning::Model {
                    community_id: wanted.community.to_string(),
                    since: wanted.since.as_millis(),
                    escalates_at: wanted.escalates_at.as_millis(),
                    ..old.clone()
                };
                if kept != *old {
                    warning::Entity::update(active(kept)).exec(db).await?;
                }
            }
            None => new.push(warning::ActiveModel {
                id: Default::default(),
                elder_id: Set(wanted.elder_id.to_string()),
                reason: Set(reason.to_owned()),
                community_id: Set(wanted.community.to_string()),
                since: Set(wanted.since.as_millis()),
                escalates_at: Set(wanted.escalates_at.as_millis()),
                opened_at: Set(now.as_millis()),
                closed_how: Set(None),
                closed_at: Set(None),
            }),
        }
    }
    for old in before.iter().filter(|old| !derived.warnings.iter().any(|w| w.reason.as_str() == old.reason)) {
        let how = WarningReason::parse(&old.reason)
            .map_or(WarningClosure::NoLongerDue, |reason| closure(rows, reason, policy, now));
        let closed = warning::Model {
            closed_how: Some(how.as_str().to_owned()),
            closed_at: Some(now.as_millis()),
            community_id: rows.elder.community.to_string(),
            ..old.clone()
        };
        warning::Entity::update(active(closed)).exec(db).await?;
    }
    Ok(derived.next_check)
}

fn active(model: warning::Model) -> warning::ActiveModel {
    warning::ActiveModel {
        id: Set(model.id),
        elder_id: Set(model.elder_id),
        reason: Set(model.reason),
        community_id: Set(model.community_id),
        since: Set(model.since),
        escalates_at: Set(model.escalates_at),
        opened_at: Set(model.opened_at),
        closed_how: Set(model.closed_how),
        closed_at: Set(model.closed_at),
    }
}
