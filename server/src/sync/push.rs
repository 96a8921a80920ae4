//! Push: documents' changes applied, checked and stored, one transaction per community
//! under that community's lock.
//!
//! The community's lock row is taken first (an UPDATE, which on PostgreSQL locks the
//! row and on SQLite takes the database's write lock), so within a community sequence
//! numbers are assigned in commit order and a pull's "after n" never skips a change
//! that commits late (DESIGN.md, Sync). A rejected document writes nothing.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::{AreaLevel, AreaTree};
use jinlin_shared::document::{Applied, ElderDocument, Rejection};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{Heads, PushOutcome};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};

use super::{log_kind, rows};
use crate::auth::Caller;
use crate::db::entity::{change, community_log, document, log_entry};
use crate::state::{AppState, now};

/// How often a push is tried again when the document moved between communities while
/// it was being read, or PostgreSQL broke a deadlock between two moves.
const ATTEMPTS: usize = 4;

#[derive(Debug)]
enum Attempt {
    Done(PushOutcome),
    /// The document is in another community than its group's: group it again.
    Retry,
}

fn rejected(code: RejectCode, reason: impl Into<String>) -> PushOutcome {
    PushOutcome::Rejected { code, field: None, reason: reason.into() }
}

fn rejection(rejection: &Rejection) -> PushOutcome {
    PushOutcome::from(rejection)
}

/// Whether a database error is worth retrying the whole transaction for.
fn is_transient(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    ["deadlock detected", "could not serialize", "40P01", "40001", "database is locked"]
        .iter()
        .any(|s| text.contains(s))
}

/// Applies and stores `changes` of `elder`'s document for `caller`.
pub async fn push_document(
    state: &AppState,
    caller: &Caller,
    areas: &AreaTree,
    elder: ElderId,
    changes: Vec<Vec<u8>>,
) -> anyhow::Result<PushOutcome> {
    let mut outcomes = push_documents(state, caller, areas, vec![(elder, changes)]).await?;
    outcomes.pop().context("one outcome per document")
}

/// Applies and stores several documents' changes, one outcome per document in order.
///
/// Every document is applied and checked first, outside any lock. Then documents are
/// grouped by community and each group is one transaction under the community's lock:
/// a rejected document writes nothing while the others land, and a workstation's
/// upload of its community costs one commit per push instead of one per elder.
pub async fn push_documents(
    state: &AppState,
    caller: &Caller,
    areas: &AreaTree,
    documents: Vec<(ElderId, Vec<Vec<u8>>)>,
) -> anyhow::Result<Vec<PushOutcome>> {
    let mut outcomes: Vec<Option<PushOutcome>> = vec![None; documents.len()];
    let mut waiting: Vec<usize> = (0..documents.len()).collect();
    for _ in 0..ATTEMPTS {
        if waiting.is_empty() {
            break;
        }
        let (groups, mut prepared) = group_by_community(state, &documents, &waiting, &mut outcomes).await?;
        waiting.clear();
        for (community, members) in groups {
            if let Some(refused) = community_check(areas, caller, community, "before") {
                for index in members {
                    outcomes[index] = Some(refused.clone());
                }
                continue;
            }
            match push_group(state, caller, areas, community, &documents, &members, &mut prepared).await {
                Ok(results) => {
                    for (index, result) in members.into_iter().zip(results) {
                        match result {
                            Attempt::Done(outcome) => outcomes[index] = Some(outcome),
                            Attempt::Retry => waiting.push(index),
                        }
                    }
                }
                Err(error) if is_transient(&error) => waiting.extend(members),
                Err(error) => return Err(error),
            }
        }
    }
    if !waiting.is_empty() {
        anyhow::bail!("{} document(s) kept moving between communities or meeting deadlocks", waiting.len());
    }
    let outcomes: Vec<PushOutcome> =
        outcomes.into_iter().map(|o| o.context("every document has an outcome")).collect::<anyhow::Result<_>>()?;
    for outcome in &outcomes {
        if let PushOutcome::Rejected { code, .. } = outcome {
            state.metrics.document_rejected(*code);
        }
    }
    Ok(outcomes)
}

/// A document applied and checked before its community's lock is taken, against the
/// stored version with `base_heads` (`None`: new to the server). Under the lock it is
/// used only if the stored heads are still the same; otherwise it is applied again.
/// This keeps the Automerge work (milliseconds of CPU) out of the critical section and
/// spreads it over the cores.
struct Prepared {
    base_heads: Option<String>,
    result: Result<Applied, Rejection>,
}

/// The community each waiting document belongs to now (its stored community, or for a
/// document new to the server, the one its own changes name), each document applied
/// and checked ahead of the lock. Documents whose changes do not build a document are
/// answered here.
async fn group_by_community(
    state: &AppState,
    documents: &[(ElderId, Vec<Vec<u8>>)],
    waiting: &[usize],
    outcomes: &mut [Option<PushOutcome>],
) -> anyhow::Result<(BTreeMap<CommunityId, Vec<usize>>, HashMap<usize, Prepared>)> {
    let ids: Vec<String> = waiting.iter().map(|&i| documents[i].0.to_string()).collect();
    let mut stored: HashMap<String, document::Model> = HashMap::new();
    for chunk in ids.chunks(200) {
        for row in
            document::Entity::find().filter(document::Column::ElderId.is_in(chunk.to_vec())).all(&state.db).await?
        {
            stored.insert(row.elder_id.clone(), row);
        }
    }
    let now = now();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut prepared: HashMap<usize, Prepared> = HashMap::new();
    for batch in waiting.chunks(cores) {
        let mut tasks = tokio::task::JoinSet::new();
        for &index in batch {
            let row = stored.get(&documents[index].0.to_string());
            let base = row.map(|r| r.snapshot.clone());
            let base_heads = row.map(|r| r.heads.clone());
            let (changes, actor, policy) = (documents[index].1.clone(), state.actor.clone(), state.policy.clone());
            tasks.spawn(async move {
                let result = apply(base, changes, actor, now, policy).await;
                (index, base_heads, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (index, base_heads, result) = joined.context("a document task failed")?;
            prepared.insert(index, Prepared { base_heads, result: result? });
        }
    }
    let mut groups: BTreeMap<CommunityId, Vec<usize>> = BTreeMap::new();
    for &index in waiting {
        let community = match stored.get(&documents[index].0.to_string()) {
            Some(row) => row.community_id.parse().context("a stored community id")?,
            None => match prepared.get(&index).map(|p| &p.result) {
                Some(Ok(applied)) => match applied.document.community() {
                    Some(community) => community,
                    None => {
                        outcomes[index] = Some(rejected(RejectCode::Schema, "the document names no community"));
                        continue;
                    }
                },
                Some(Err(refused)) => {
                    outcomes[index] = Some(rejection(refused));
                    continue;
                }
                None => anyhow::bail!("document {index} was not prepared"),
            },
        };
        groups.entry(community).or_default().push(index);
    }
    Ok((groups, prepared))
}

/// One community's documents in one transaction: each document is decided first
/// (applied and checked, a rejected one writing nothing), then the accepted ones are
/// written together, a few statements for the whole group.
async fn push_group(
    state: &AppState,
    caller: &Caller,
    areas: &AreaTree,
    community: CommunityId,
    documents: &[(ElderId, Vec<Vec<u8>>)],
    members: &[usize],
    prepared: &mut HashMap<usize, Prepared>,
) -> anyhow::Result<Vec<Attempt>> {
    let started = std::time::Instant::now();
    let txn = state.begin_write().await?;
    lock_community(&txn, community).await?;
    let ids: Vec<String> = members.iter().map(|&i| documents[i].0.to_string()).collect();
    let mut stored: HashMap<String, Stored> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::CommunityId, document::Column::Heads])
            .filter(document::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&*txn)
            .await?;
        for (elder, community_id, heads) in rows {
            stored.insert(elder, Stored { community_id, heads });
        }
    }
    let now = now();
    let mut results = Vec::with_capacity(members.len());
    let mut writes = Vec::new();
    for &index in members {
        let (elder, changes) = &documents[index];
        let current = stored.remove(&elder.to_string());
        match decide(
            state,
            caller,
            areas,
            &txn,
            community,
            *elder,
            changes.clone(),
            prepared.remove(&index),
            current,
            now,
        )
        .await?
        {
            Decision::Done(outcome) => results.push(Attempt::Done(outcome)),
            Decision::Retry => results.push(Attempt::Retry),
            Decision::Write(write) => {
                results.push(Attempt::Done(PushOutcome::Accepted {
                    heads: write.heads.clone(),
                    stored: write.changes.len() as u32,
                }));
                writes.push(write);
            }
        }
    }
    write_group(&txn, community, &writes, now).await?;
    txn.commit().await?;
    let took = started.elapsed() / (members.len().max(1) as u32);
    for result in &results {
        if let Attempt::Done(PushOutcome::Accepted { stored, .. }) = result {
            state.metrics.document_pushed(*stored, took);
        }
    }
    Ok(results)
}

fn community_check(areas: &AreaTree, caller: &Caller, community: CommunityId, when: &str) -> Option<PushOutcome> {
    if areas.get(community).is_none_or(|a| a.level != AreaLevel::Community) {
        return Some(rejected(RejectCode::OutOfScope, format!("{community} is not a community of this city")));
    }
    if !areas.scope_contains(caller.scope, community) {
        return Some(rejected(
            RejectCode::OutOfScope,
            format!("the document {when} the changes belongs to community {community}, outside your area"),
        ));
    }
    None
}

/// Runs the document's Automerge work (decode, merge, validate) on the blocking pool:
/// it is CPU work of up to a few milliseconds.
async fn apply(
    base: Option<Vec<u8>>,
    changes: Vec<Vec<u8>>,
    actor: ActorId,
    now: Timestamp,
    policy: std::sync::Arc<Policy>,
) -> anyhow::Result<Result<Applied, Rejection>> {
    tokio::task::spawn_blocking(move || match base {
        Some(snapshot) => {
            let document = ElderDocument::load(&snapshot, actor).context("a stored snapshot no longer loads")?;
            Ok(document.apply_checked(&changes, now, &policy))
        }
        None => Ok(ElderDocument::from_changes_checked(&changes, actor, now, &policy)),
    })
    .await
    .context("the document task failed")?
}

/// What the transaction reads of a stored document before deciding.
struct Stored {
    community_id: String,
    heads: String,
}

enum Decision {
    Done(PushOutcome),
    Retry,
    Write(Box<Write>),
}

/// What an accepted document writes.
struct Write {
    elder: ElderId,
    community: CommunityId,
    moved_from: Option<CommunityId>,
    changes: Vec<change::ActiveModel>,
    snapshot: Vec<u8>,
    heads: Heads,
    change_count: i64,
    rows: ElderRows,
    known: bool,
}

/// Applies and checks one document inside its community's transaction (`locked` is
/// held), deciding what it writes.
#[allow(clippy::too_many_arguments)]
async fn decide(
    state: &AppState,
    caller: &Caller,
    areas: &AreaTree,
    txn: &DatabaseTransaction,
    locked: CommunityId,
    elder: ElderId,
    changes: Vec<Vec<u8>>,
    prepared: Option<Prepared>,
    current: Option<Stored>,
    now: Timestamp,
) -> anyhow::Result<Decision> {
    if current.as_ref().is_some_and(|c| c.community_id != locked.to_string()) {
        // Moved by a concurrent push since it was grouped: group it again.
        return Ok(Decision::Retry);
    }
    let current_heads = current.as_ref().map(|c| c.heads.clone());
    let result = match prepared {
        // Prepared against the version still stored: nothing changed meanwhile.
        Some(prepared) if prepared.base_heads == current_heads => prepared.result,
        _ => {
            let base = match &current {
                Some(_) => document::Entity::find_by_id(elder.to_string()).one(txn).await?.map(|d| d.snapshot),
                None => None,
            };
            apply(base, changes, state.actor.clone(), now, state.policy.clone()).await?
        }
    };
    let applied = match result {
        Err(refused) => return Ok(Decision::Done(rejection(&refused))),
        Ok(applied) => applied,
    };
    let document = applied.document;
    if document.elder_id() != elder {
        return Ok(Decision::Done(rejected(
            RejectCode::ElderChanged,
            format!("the changes belong to elder {}", document.elder_id()),
        )));
    }
    let Some(community) = document.community() else {
        return Ok(Decision::Done(rejected(RejectCode::Schema, "the document names no community")));
    };
    if current.is_none() && community != locked {
        return Ok(Decision::Retry);
    }
    if let Some(refused) = community_check(areas, caller, community, "after") {
        return Ok(Decision::Done(refused));
    }
    let heads = Heads::new(document.heads());
    if applied.new_changes.is_empty() {
        // A replay: everything is stored already.
        return Ok(Decision::Done(PushOutcome::Accepted { heads, stored: 0 }));
    }
    let mut stored = Vec::with_capacity(applied.new_changes.len());
    for received in applied.new_changes {
        stored.push(change::ActiveModel {
            hash: Set(received.hash.to_string()),
            elder_id: Set(elder.to_string()),
            bytes: Set(received.bytes),
            user_id: Set(received.author.user.to_string()),
            device_id: Set(received.author.device.to_string()),
            actor: Set(received.actor),
            received_at: Set(now.as_millis()),
        });
    }
    let rows = materialise(&document).context("an accepted document materialises")?;
    Ok(Decision::Write(Box::new(Write {
        elder,
        community,
        moved_from: (community != locked && current.is_some()).then_some(locked),
        changes: stored,
        snapshot: document.save(),
        heads,
        change_count: document.change_count() as i64,
        rows,
        known: current.is_some(),
    })))
}

/// Writes a group's accepted documents: changes, log entries (numbered in this
/// transaction, under the communities' locks), snapshots and materialised rows.
async fn write_group(
    txn: &DatabaseTransaction,
    locked: CommunityId,
    writes: &[Box<Write>],
    now: Timestamp,
) -> anyhow::Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut seqs: BTreeMap<CommunityId, i64> = BTreeMap::new();
    seqs.insert(locked, last_seq(txn, locked).await?);
    for write in writes {
        if let std::collections::btree_map::Entry::Vacant(slot) = seqs.entry(write.community) {
            // A document moved out of this group's community: take its new one too.
            lock_community(txn, write.community).await?;
            slot.insert(last_seq(txn, write.community).await?);
        }
    }
    let mut entries = Vec::new();
    let mut next = |community: CommunityId| -> i64 {
        let seq = seqs.entry(community).or_default();
        *seq += 1;
        *seq
    };
    for write in writes {
        for change in &write.changes {
            let hash = match &change.hash {
                Set(hash) => Some(hash.clone()),
                _ => None,
            };
            entries.push(entry(write.community, next(write.community), write.elder, log_kind::CHANGE, hash));
        }
        if let Some(old) = write.moved_from {
            // The new community's workstations receive the whole document; the old
            // community's drop the elder from their roster.
            entries.push(entry(write.community, next(write.community), write.elder, log_kind::ARRIVAL, None));
            entries.push(entry(old, next(old), write.elder, log_kind::DEPARTURE, None));
        }
    }
    let changes: Vec<change::ActiveModel> = writes.iter().flat_map(|w| w.changes.iter().cloned()).collect();
    for chunk in changes.chunks(500) {
        change::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    for chunk in entries.chunks(500) {
        log_entry::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    for (community, seq) in &seqs {
        set_last_seq(txn, *community, *seq).await?;
    }
    let documents: Vec<document::ActiveModel> = writes
        .iter()
        .map(|w| {
            Ok(document::ActiveModel {
                elder_id: Set(w.elder.to_string()),
                community_id: Set(w.community.to_string()),
                snapshot: Set(w.snapshot.clone()),
                heads: Set(serde_json::to_string(&w.heads).context("heads serialise")?),
                change_count: Set(w.change_count),
                updated_at: Set(now.as_millis()),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for chunk in documents.chunks(200) {
        document::Entity::insert_many(chunk.to_vec())
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
    Ok(())
}

fn entry(community: CommunityId, seq: i64, elder: ElderId, kind: &str, hash: Option<String>) -> log_entry::ActiveModel {
    log_entry::ActiveModel {
        community_id: Set(community.to_string()),
        seq: Set(seq),
        elder_id: Set(elder.to_string()),
        kind: Set(kind.to_owned()),
        change_hash: Set(hash),
    }
}

/// Takes the community's lock for the rest of the transaction, creating its log row
/// the first time.
pub(crate) async fn lock_community(txn: &DatabaseTransaction, community: CommunityId) -> anyhow::Result<()> {
    let id = community.to_string();
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
async fn touch(txn: &DatabaseTransaction, community: &str) -> anyhow::Result<u64> {
    let done = community_log::Entity::update_many()
        .col_expr(community_log::Column::LastSeq, Expr::col(community_log::Column::LastSeq))
        .filter(community_log::Column::CommunityId.eq(community))
        .exec(txn)
        .await?;
    Ok(done.rows_affected)
}

async fn last_seq(txn: &DatabaseTransaction, community: CommunityId) -> anyhow::Result<i64> {
    Ok(community_log::Entity::find_by_id(community.to_string()).one(txn).await?.map_or(0, |row| row.last_seq))
}

async fn set_last_seq(txn: &DatabaseTransaction, community: CommunityId, seq: i64) -> anyhow::Result<()> {
    community_log::Entity::update_many()
        .col_expr(community_log::Column::LastSeq, Expr::value(seq))
        .filter(community_log::Column::CommunityId.eq(community.to_string()))
        .exec(txn)
        .await?;
    Ok(())
}
