//! Writing a community's accepted documents in its transaction: the log entries
//! (numbered under the community's lock), the snapshots, the materialised rows and
//! the alerts they raise. A change is stored once, inside its document's snapshot;
//! the log names the changes of one push of a document in one entry, by hash.

use std::collections::BTreeMap;

use jinlin_shared::ChangeHash;
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::materialise::ElderRows;
use jinlin_shared::policy::{Policy, PolicyVersion};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::Heads;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::super::{log_kind, rows};
use crate::db::entity::{community_log, document, log_entry};
use crate::db::writer::is_transient;

/// Why a group's transaction did not commit.
#[derive(Debug, thiserror::Error)]
pub(super) enum CommitError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("heads do not encode: {0}")]
    Heads(#[from] serde_json::Error),
    #[error("the writer stopped before answering")]
    WriterGone,
}

impl CommitError {
    /// Whether the transaction may go through when tried again.
    pub fn is_transient(&self) -> bool {
        matches!(self, CommitError::Database(error) if is_transient(error))
    }

    /// The same error for another group of the transaction it ended.
    pub(super) fn shared(&self) -> Self {
        match self {
            CommitError::Database(error) => CommitError::Database(error.clone()),
            CommitError::Heads(error) => CommitError::Database(DbErr::Custom(error.to_string())),
            CommitError::WriterGone => CommitError::WriterGone,
        }
    }
}

/// What an accepted document writes.
#[derive(Debug)]
pub(super) struct Write {
    pub elder: ElderId,
    pub community: CommunityId,
    pub moved_from: Option<CommunityId>,
    /// The changes it adds, for the community's log (one entry names them all).
    pub changes: Vec<ChangeHash>,
    pub snapshot: Vec<u8>,
    pub heads: Heads,
    pub change_count: i64,
    pub rows: ElderRows,
    pub known: bool,
}

/// Writes a group's accepted documents: changes, log entries (numbered in this
/// transaction, under the communities' locks), snapshots and materialised rows.
pub(super) async fn write_group(
    txn: &impl ConnectionTrait,
    locked: CommunityId,
    writes: &[&Write],
    now: Timestamp,
    policy: (&Policy, &PolicyVersion),
) -> Result<(), CommitError> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut seqs: BTreeMap<CommunityId, i64> = BTreeMap::new();
    seqs.insert(locked, last_seq(txn, locked).await?);
    for community in writes.iter().flat_map(|w| std::iter::once(w.community).chain(w.moved_from)) {
        if let std::collections::btree_map::Entry::Vacant(slot) = seqs.entry(community) {
            // A document moved out of this group's community (its new one), or the
            // groups of several pushes written together: take each community's lock.
            crate::db::lock::community(txn, community).await?;
            slot.insert(last_seq(txn, community).await?);
        }
    }
    let mut entries = Vec::new();
    let mut next = |community: CommunityId| -> i64 {
        let seq = seqs.entry(community).or_default();
        *seq += 1;
        *seq
    };
    for write in writes {
        if !write.changes.is_empty() {
            let hashes = log_entry::encode_hashes(&write.changes);
            entries.push(entry(write.community, next(write.community), write.elder, log_kind::CHANGE, Some(hashes)));
        }
        if let Some(old) = write.moved_from {
            // The new community's workstations receive the whole document; the old
            // community's drop the elder from their roster.
            entries.push(entry(write.community, next(write.community), write.elder, log_kind::ARRIVAL, None));
            entries.push(entry(old, next(old), write.elder, log_kind::DEPARTURE, None));
        }
    }
    for chunk in entries.chunks(500) {
        log_entry::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    for (community, seq) in &seqs {
        set_last_seq(txn, *community, *seq).await?;
    }
    // Each save is copied once, into its statement, a chunk at a time.
    for chunk in writes.chunks(200) {
        let documents = chunk
            .iter()
            .map(|w| {
                Ok(document::ActiveModel {
                    elder_id: Set(w.elder.to_string()),
                    community_id: Set(w.community.to_string()),
                    snapshot: Set(w.snapshot.clone()),
                    heads: Set(serde_json::to_string(&w.heads)?),
                    change_count: Set(w.change_count),
                    updated_at: Set(now.as_millis()),
                })
            })
            .collect::<Result<Vec<_>, CommitError>>()?;
        document::Entity::insert_many(documents)
            .on_conflict(
                OnConflict::column(document::Column::ElderId)
                    .update_columns([
                        document::Column::CommunityId,
                        document::Column::Snapshot,
                        document::Column::Heads,
                        document::Column::ChangeCount,
                        document::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(txn)
            .await?;
    }
    let rows: Vec<(&ElderRows, bool)> = writes.iter().map(|w| (&w.rows, w.known)).collect();
    rows::replace_many(txn, &rows, now).await?;
    // Alerts rise with the red-risk or incident visit that syncs in, in this transaction.
    let elders: Vec<&ElderRows> = writes.iter().map(|w| &w.rows).collect();
    crate::alerts::raise_and_close(txn, &elders, now).await?;
    // So do warnings: a visit that syncs in closes its elder's warning as it lands.
    rows::warnings::reconcile(txn, &elders, policy, now).await?;
    Ok(())
}

fn entry(
    community: CommunityId,
    seq: i64,
    elder: ElderId,
    kind: &str,
    hashes: Option<Vec<u8>>,
) -> log_entry::ActiveModel {
    log_entry::ActiveModel {
        community_id: Set(community.to_string()),
        seq: Set(seq),
        elder_id: Set(elder.to_string()),
        kind: Set(kind.to_owned()),
        change_hash: Set(None),
        change_hashes: Set(hashes),
    }
}

async fn last_seq(txn: &impl ConnectionTrait, community: CommunityId) -> Result<i64, DbErr> {
    Ok(community_log::Entity::find_by_id(community.to_string()).one(txn).await?.map_or(0, |row| row.last_seq))
}

async fn set_last_seq(txn: &impl ConnectionTrait, community: CommunityId, seq: i64) -> Result<(), DbErr> {
    community_log::Entity::update_many()
        .col_expr(community_log::Column::LastSeq, Expr::value(seq))
        .filter(community_log::Column::CommunityId.eq(community.to_string()))
        .exec(txn)
        .await?;
    Ok(())
}
