//! Bootstrap: whole documents of the caller's scope, by elder id, for a new workstation.

use std::collections::BTreeSet;

use anyhow::Context as _;
use jinlin_shared::area::AreaTree;
use jinlin_shared::ids::CommunityId;
use jinlin_shared::wire::{AutomergeBytes, BootstrapRequest, BootstrapResponse, Cursor, DocumentSnapshot, Heads};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::Caller;
use crate::db::entity::{community_log, document};

pub async fn bootstrap(
    db: &DatabaseConnection,
    caller: &Caller,
    areas: &AreaTree,
    request: &BootstrapRequest,
) -> anyhow::Result<BootstrapResponse> {
    let scope: BTreeSet<CommunityId> = areas.communities_in(caller.scope);
    let scope_ids: Vec<String> = scope.iter().map(ToString::to_string).collect();
    // The cursor is read before the snapshots: every change is then in a snapshot or
    // after the cursor (or both, which is harmless).
    let mut cursor = Cursor::new();
    for log in community_log::Entity::find()
        .filter(community_log::Column::CommunityId.is_in(scope_ids.clone()))
        .all(db)
        .await?
    {
        cursor.advance(log.community_id.parse().context("a stored community id")?, log.last_seq as u64);
    }
    let limit = u64::from(request.effective_limit());
    let mut query = document::Entity::find()
        .filter(document::Column::CommunityId.is_in(scope_ids))
        .order_by_asc(document::Column::ElderId)
        .limit(limit + 1);
    if let Some(after) = request.after {
        query = query.filter(document::Column::ElderId.gt(after.to_string()));
    }
    let mut rows = query.all(db).await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.elder_id.parse()).transpose().context("a stored elder id")?
    } else {
        None
    };
    let snapshots = rows
        .into_iter()
        .map(|row| {
            Ok(DocumentSnapshot {
                elder: row.elder_id.parse()?,
                community: row.community_id.parse()?,
                heads: serde_json::from_str::<Heads>(&row.heads)?,
                document: AutomergeBytes::new(row.snapshot),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(BootstrapResponse { snapshots, cursor, next, generation: None })
}
