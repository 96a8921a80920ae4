//! Locks on a community's log row: pushes and the warning sweep take the lock of each
//! community whose documents they write, so no two write one document at once (on
//! PostgreSQL a row lock held to the transaction's end; on SQLite the write lock).

use jinlin_shared::ids::CommunityId;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::entity::community_log;

/// Takes the community's lock for the rest of the transaction, creating its log row
/// the first time.
pub async fn community(txn: &impl ConnectionTrait, community: CommunityId) -> Result<(), DbErr> {
    community_by_id(txn, &community.to_string()).await
}

/// [`community`] by the community's stored id.
pub async fn community_by_id(txn: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    let id = id.to_owned();
    if touch(txn, &id).await? == 0 {
        community_log::Entity::insert(community_log::ActiveModel { community_id: Set(id.clone()), last_seq: Set(0) })
            .on_conflict(OnConflict::column(community_log::Column::CommunityId).do_nothing().to_owned())
            .exec_without_returning(txn)
            .await?;
        // Lock it now that it exists (a concurrent creator may have won the insert).
        touch(txn, &id).await?;
    }
    Ok(())
}

/// A no-op write to the community's row: on PostgreSQL it locks the row until the
/// transaction ends, on SQLite it takes the database's write lock.
async fn touch(txn: &impl ConnectionTrait, community: &str) -> Result<u64, DbErr> {
    let done = community_log::Entity::update_many()
        .col_expr(community_log::Column::LastSeq, Expr::col(community_log::Column::LastSeq))
        .filter(community_log::Column::CommunityId.eq(community))
        .exec(txn)
        .await?;
    Ok(done.rows_affected)
}
