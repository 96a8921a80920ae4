//! Push: documents' changes weighed, applied, checked and stored, one transaction per
//! community under that community's lock.
//!
//! A push is the server's trust boundary, so the work is ordered to cost an attacker
//! more than the server:
//! 1. every change is weighed from its header and columns (bytes once inflated,
//!    operations) before anything decodes it, and the push as a whole is bounded;
//! 2. a stored document's community is checked against the sender's area before any
//!    of its changes is decoded;
//! 3. each document is applied to a copy and reviewed operation by operation (shape,
//!    limits, person fields, full ID numbers), then every new change is held against
//!    its author's standing: bound to the sender's device, signed in there, in area,
//!    and allowed by the role table (`jinlin_shared::authority`);
//! 4. the accepted documents of a community are written in one transaction under its
//!    lock row, so within a community sequence numbers are assigned in commit order
//!    (ARCHITECTURE.md, "The design"); a document whose content the database refuses is set aside
//!    on its own and the others land.
//!
//! A rejected document writes nothing; the answer comes after the commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::{AreaLevel, AreaTree, Scope};
use jinlin_shared::authority::check_authority;
use jinlin_shared::document::{Applied, ChunkError, ElderDocument, StoredDocument};
use jinlin_shared::ids::{CommunityId, DeviceId, ElderId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::{RejectCode, ValidationError};
use jinlin_shared::wire::{Heads, MAX_DOCUMENT_BYTES, PushOutcome, PushWeight, RequestError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::sender::{Authors, Sender};
use super::write::{Write, lock_community, write_group};
use crate::db::entity::document;
use crate::state::{AppState, now};

/// How often a push is tried again when the document moved between communities while
/// it was being read, or PostgreSQL broke a deadlock between two moves.
const ATTEMPTS: usize = 4;

/// Stored documents read (with their snapshots) at a time, to bound memory.
const READ_BATCH: usize = 32;

/// Why a push as a whole fails.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for PushError {
    fn from(error: sea_orm::DbErr) -> Self {
        PushError::Internal(anyhow::Error::new(error).context("database"))
    }
}

#[derive(Debug)]
enum Attempt {
    Done(PushOutcome),
    /// The document is in another community than its group's: group it again.
    Retry,
}

fn rejected(code: RejectCode, reason: impl Into<String>) -> PushOutcome {
    PushOutcome::Rejected { code, field: None, reason: reason.into() }
}

/// Whether a database error is worth retrying the whole transaction for.
fn is_transient(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    ["deadlock detected", "could not serialize", "40P01", "40001", "database is locked"]
        .iter()
        .any(|s| text.contains(s))
}

/// Applies and stores `changes` of `elder`'s document.
pub async fn push_document(
    state: &AppState,
    sender: Sender<'_>,
    areas: &Arc<AreaTree>,
    elder: ElderId,
    changes: Vec<Vec<u8>>,
) -> Result<PushOutcome, PushError> {
    let mut outcomes = push_documents(state, sender, areas, vec![(elder, changes)]).await?;
    Ok(outcomes.pop().context("one outcome per document")?)
}

/// What every document's checks need, shared with the blocking pool.
struct Judge {
    areas: Arc<AreaTree>,
    policy: Arc<Policy>,
    actor: ActorId,
    scope: Scope,
    /// The device new changes must come from; `None` when authorship is not bound.
    device: Option<DeviceId>,
    authors: Authors,
}

/// Applies and stores several documents' changes, one outcome per document in order.
pub async fn push_documents(
    state: &AppState,
    sender: Sender<'_>,
    areas: &Arc<AreaTree>,
    documents: Vec<(ElderId, Vec<Vec<u8>>)>,
) -> Result<Vec<PushOutcome>, PushError> {
    let mut outcomes: Vec<Option<PushOutcome>> = vec![None; documents.len()];
    let mut total = PushWeight::default();
    for (index, (_, changes)) in documents.iter().enumerate() {
        match PushWeight::of(changes.iter().map(Vec::as_slice)) {
            Ok(weight) => total.add(&weight),
            Err((change, error)) => {
                // Refused before anything decodes it.
                let code = match error {
                    ChunkError::TooLarge { .. } => RejectCode::TooLarge,
                    _ => RejectCode::Undecodable,
                };
                outcomes[index] = Some(rejected(code, format!("change {change}: {error}")));
            }
        }
    }
    total.check_push()?;
    let judge = Arc::new(Judge {
        areas: areas.clone(),
        policy: state.policy.clone(),
        actor: state.actor.clone(),
        scope: sender.scope(),
        device: sender.device(),
        authors: Authors::read(&state.db, &sender, &total.authors).await?,
    });
    let mut waiting: Vec<usize> = (0..documents.len()).filter(|&i| outcomes[i].is_none()).collect();
    for _ in 0..ATTEMPTS {
        if waiting.is_empty() {
            break;
        }
        let (groups, mut prepared) = group_by_community(state, &judge, &documents, &waiting, &mut outcomes).await?;
        waiting.clear();
        for (community, members) in groups {
            match push_group(state, &judge, community, &documents, &members, &mut prepared).await {
                Ok(results) => {
                    for (index, result) in members.into_iter().zip(results) {
                        match result {
                            Attempt::Done(outcome) => outcomes[index] = Some(outcome),
                            Attempt::Retry => waiting.push(index),
                        }
                    }
                }
                Err(error) if is_transient(&error) => waiting.extend(members),
                Err(error) => return Err(error.into()),
            }
        }
    }
    if !waiting.is_empty() {
        let error =
            anyhow::anyhow!("{} document(s) kept moving between communities or meeting deadlocks", waiting.len());
        return Err(error.into());
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
/// used only if the stored heads are still the same; otherwise it is prepared again.
/// This keeps the Automerge work (milliseconds of CPU) out of the critical section and
/// spreads it over the cores.
struct Prepared {
    base_heads: Option<String>,
    result: Result<Ready, PushOutcome>,
}

/// An accepted document: what applying gave, its full save (the snapshot to store)
/// and its materialised rows, all made before the community's lock is taken.
struct Ready {
    applied: Applied,
    snapshot: Vec<u8>,
    rows: Option<ElderRows>,
}

/// The community each waiting document belongs to now (its stored community, or for a
/// document new to the server, the one its own changes name), each document prepared
/// ahead of the lock. A stored document outside the sender's area is refused here,
/// before any of its changes is decoded.
async fn group_by_community(
    state: &AppState,
    judge: &Arc<Judge>,
    documents: &[(ElderId, Vec<Vec<u8>>)],
    waiting: &[usize],
    outcomes: &mut [Option<PushOutcome>],
) -> anyhow::Result<(BTreeMap<CommunityId, Vec<usize>>, HashMap<usize, Prepared>)> {
    let ids: Vec<String> = waiting.iter().map(|&i| documents[i].0.to_string()).collect();
    let stored = stored_documents(&state.db, &ids).await?;
    let mut groups: BTreeMap<CommunityId, Vec<usize>> = BTreeMap::new();
    let mut to_prepare = Vec::new();
    for &index in waiting {
        match stored.get(&documents[index].0.to_string()) {
            Some(row) => {
                let community: CommunityId = row.community_id.parse().context("a stored community id")?;
                match community_check(&judge.areas, judge.scope, community, "before") {
                    Some(refused) => outcomes[index] = Some(refused),
                    None => {
                        groups.entry(community).or_default().push(index);
                        to_prepare.push(index);
                    }
                }
            }
            None => to_prepare.push(index),
        }
    }
    let now = now();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut prepared: HashMap<usize, Prepared> = HashMap::new();
    for chunk in to_prepare.chunks(READ_BATCH) {
        let known: Vec<String> =
            chunk.iter().map(|&i| documents[i].0.to_string()).filter(|id| stored.contains_key(id)).collect();
        let mut snapshots: HashMap<String, Vec<u8>> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::Snapshot])
            .filter(document::Column::ElderId.is_in(known))
            .into_tuple()
            .all(&state.db)
            .await?
            .into_iter()
            .collect();
        for batch in chunk.chunks(cores) {
            let mut tasks = tokio::task::JoinSet::new();
            for &index in batch {
                let elder = documents[index].0.to_string();
                let base = snapshots.remove(&elder);
                let base_heads = stored.get(&elder).map(|row| row.heads.clone());
                let (changes, judge) = (documents[index].1.clone(), judge.clone());
                tasks.spawn(async move {
                    let result = prepare(base, changes, now, judge).await;
                    (index, base_heads, result)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (index, base_heads, result) = joined.context("a document task failed")?;
                prepared.insert(index, Prepared { base_heads, result: result? });
            }
        }
    }
    for &index in &to_prepare {
        if stored.contains_key(&documents[index].0.to_string()) {
            continue;
        }
        match prepared.get(&index).map(|p| &p.result) {
            Some(Ok(ready)) => match ready.applied.document.community() {
                Some(community) => groups.entry(community).or_default().push(index),
                None => outcomes[index] = Some(rejected(RejectCode::Schema, "the document names no community")),
            },
            Some(Err(refused)) => outcomes[index] = Some(refused.clone()),
            None => anyhow::bail!("document {index} was not prepared"),
        }
    }
    Ok((groups, prepared))
}

/// One community's documents in one transaction: each document is decided first
/// (a rejected one writing nothing), then the accepted ones are written together, a
/// few statements for the whole group.
async fn push_group(
    state: &AppState,
    judge: &Arc<Judge>,
    community: CommunityId,
    documents: &[(ElderId, Vec<Vec<u8>>)],
    members: &[usize],
    prepared: &mut HashMap<usize, Prepared>,
) -> anyhow::Result<Vec<Attempt>> {
    let started = std::time::Instant::now();
    let txn = state.begin_write().await?;
    lock_community(&*txn, community).await?;
    let ids: Vec<String> = members.iter().map(|&i| documents[i].0.to_string()).collect();
    let mut stored = stored_documents(&*txn, &ids).await?;
    let now = now();
    let mut results = Vec::with_capacity(members.len());
    let mut writes: Vec<(usize, Write)> = Vec::new();
    for &index in members {
        let (elder, changes) = &documents[index];
        let current = stored.remove(&elder.to_string());
        let decision = decide(&*txn, judge, community, *elder, changes, prepared.remove(&index), current, now).await?;
        match decision {
            Decision::Done(outcome) => results.push(Attempt::Done(outcome)),
            Decision::Retry => results.push(Attempt::Retry),
            Decision::Write(write) => {
                let stored = write.changes.len() as u32;
                results.push(Attempt::Done(PushOutcome::Accepted { heads: write.heads.clone(), stored }));
                writes.push((results.len() - 1, *write));
            }
        }
    }
    let (positions, writes): (Vec<usize>, Vec<Write>) = writes.into_iter().unzip();
    let refusals = write_isolated(&txn, community, &writes, now).await?;
    for (position, refusal) in positions.into_iter().zip(refusals) {
        if let Some(refusal) = refusal {
            results[position] = Attempt::Done(refusal);
        }
    }
    txn.commit().await?;
    let took = started.elapsed() / (members.len().max(1) as u32);
    for result in &results {
        if let Attempt::Done(PushOutcome::Accepted { stored, .. }) = result {
            state.metrics.document_pushed(*stored, took);
        }
    }
    Ok(results)
}

/// Writes the group's documents together; when the database refuses that for the
/// content of one of them (an id another elder's record already uses, a value it
/// cannot hold), writes them one by one, each in its own savepoint, and refuses only
/// the ones it cannot store. Returns, per write, its refusal or `None` when stored.
async fn write_isolated(
    txn: &DatabaseTransaction,
    community: CommunityId,
    writes: &[Write],
    now: Timestamp,
) -> anyhow::Result<Vec<Option<PushOutcome>>> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<&Write> = writes.iter().collect();
    let savepoint = txn.begin().await?;
    match write_group(&savepoint, community, &all, now).await {
        Ok(()) => {
            savepoint.commit().await?;
            return Ok(vec![None; writes.len()]);
        }
        Err(error) => {
            savepoint.rollback().await?;
            if content_refusal(&error).is_none() {
                return Err(error);
            }
        }
    }
    let mut refusals = Vec::with_capacity(writes.len());
    for write in writes {
        let savepoint = txn.begin().await?;
        match write_group(&savepoint, community, &[write], now).await {
            Ok(()) => {
                savepoint.commit().await?;
                refusals.push(None);
            }
            Err(error) => {
                savepoint.rollback().await?;
                let Some(code) = content_refusal(&error) else { return Err(error) };
                tracing::warn!(elder = %write.elder, error = format!("{error:#}"), "a document the database refused");
                let reason = match code {
                    RejectCode::IdInUse => "an id in this document is already used in another elder's record",
                    _ => "the database cannot store a value of this document",
                };
                refusals.push(Some(rejected(code, reason)));
            }
        }
    }
    Ok(refusals)
}

/// The refusal a database error stands for when the content caused it: a statement
/// the database refused, not a lost connection or a lock it may grant on a retry.
fn content_refusal(error: &anyhow::Error) -> Option<RejectCode> {
    if is_transient(error) {
        return None;
    }
    let db = error.chain().find_map(|e| e.downcast_ref::<sea_orm::DbErr>())?;
    match db {
        sea_orm::DbErr::Exec(_) | sea_orm::DbErr::Query(_) | sea_orm::DbErr::RecordNotInserted => {
            Some(match db.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => RejectCode::IdInUse,
                _ => RejectCode::Unstorable,
            })
        }
        _ => None,
    }
}

fn community_check(areas: &AreaTree, scope: Scope, community: CommunityId, when: &str) -> Option<PushOutcome> {
    if areas.get(community).is_none_or(|a| a.level != AreaLevel::Community) {
        return Some(rejected(RejectCode::OutOfScope, format!("{community} is not a community of this city")));
    }
    if !areas.scope_contains(scope, community) {
        return Some(rejected(
            RejectCode::OutOfScope,
            format!("the document {when} the changes belongs to community {community}, outside your area"),
        ));
    }
    None
}

/// Runs a document's Automerge work (decode, merge, review), its authors' checks and
/// its save on the blocking pool: CPU work of up to a few milliseconds.
async fn prepare(
    base: Option<Vec<u8>>,
    changes: Vec<Vec<u8>>,
    now: Timestamp,
    judge: Arc<Judge>,
) -> anyhow::Result<Result<Ready, PushOutcome>> {
    tokio::task::spawn_blocking(move || {
        let applied = match base {
            Some(snapshot) => {
                let document = StoredDocument::load(&snapshot, judge.actor.clone())
                    .context("a stored snapshot no longer loads")?;
                document.apply_checked(&changes, now, &judge.policy)
            }
            None => ElderDocument::from_changes_checked(&changes, judge.actor.clone(), now, &judge.policy),
        };
        let applied = match applied {
            Ok(applied) => applied,
            Err(refused) => return Ok(Err(PushOutcome::from(&refused))),
        };
        // The sender's own area first: whoever wrote the changes, they may not send them.
        let community = applied.document.community();
        if let Some(refused) = community.and_then(|c| community_check(&judge.areas, judge.scope, c, "after")) {
            return Ok(Err(refused));
        }
        if let Some(device) = judge.device {
            let standing = |user| judge.authors.standing(user);
            let covers = |scope, community| judge.areas.scope_contains(scope, community);
            if let Err(refused) = check_authority(&applied.reviews, device, standing, &judge.policy.roles, covers) {
                return Ok(Err(PushOutcome::from(&refused)));
            }
        }
        let snapshot = if applied.new_changes.is_empty() { Vec::new() } else { applied.document.save() };
        if snapshot.len() > MAX_DOCUMENT_BYTES {
            let reason =
                format!("the document would be {} bytes; at most {MAX_DOCUMENT_BYTES} are stored", snapshot.len());
            return Ok(Err(PushOutcome::from(&ValidationError::TooLarge(reason))));
        }
        let rows = if applied.new_changes.is_empty() {
            None
        } else {
            Some(materialise(&applied.document).context("an accepted document materialises")?)
        };
        Ok(Ok(Ready { applied, snapshot, rows }))
    })
    .await
    .context("the document task failed")?
}

/// What is read of a stored document before deciding: its community and heads.
struct Stored {
    community_id: String,
    heads: String,
}

/// The stored documents among `ids`, by elder id.
async fn stored_documents(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, Stored>, sea_orm::DbErr> {
    let mut stored = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::CommunityId, document::Column::Heads])
            .filter(document::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (elder, community_id, heads) in rows {
            stored.insert(elder, Stored { community_id, heads });
        }
    }
    Ok(stored)
}

enum Decision {
    Done(PushOutcome),
    Retry,
    Write(Box<Write>),
}

/// Decides one document inside its community's transaction (`locked` is held): the
/// prepared result when the stored document has not moved on since, else a new one.
#[allow(clippy::too_many_arguments)]
async fn decide(
    txn: &impl ConnectionTrait,
    judge: &Arc<Judge>,
    locked: CommunityId,
    elder: ElderId,
    changes: &[Vec<u8>],
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
            prepare(base, changes.to_vec(), now, judge.clone()).await?
        }
    };
    let Ready { applied, snapshot, rows } = match result {
        Err(refused) => return Ok(Decision::Done(refused)),
        Ok(ready) => ready,
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
    if let Some(refused) = community_check(&judge.areas, judge.scope, community, "after") {
        return Ok(Decision::Done(refused));
    }
    let heads = Heads::new(document.heads());
    if applied.new_changes.is_empty() {
        // A replay: everything is stored already.
        return Ok(Decision::Done(PushOutcome::Accepted { heads, stored: 0 }));
    }
    // Only the hashes: the save holds the changes themselves, and each one's author
    // (in its message, checked by the review).
    let stored = applied.new_changes.into_iter().map(|received| received.hash).collect();
    let rows = rows.context("an accepted document with new changes has its rows")?;
    Ok(Decision::Write(Box::new(Write {
        elder,
        community,
        moved_from: (community != locked && current.is_some()).then_some(locked),
        changes: stored,
        snapshot,
        heads,
        change_count: document.change_count() as i64,
        rows,
        known: current.is_some(),
    })))
}
