//! One community's accepted documents written under its lock, in one transaction.
//! On SQLite, where one writer writes at a time, the groups of every push waiting for
//! the writer are written together: whoever gets the turn takes them all, decides each
//! document and writes them in one transaction (group commit), so fifty pushes at once
//! cost one commit and a few statements each instead of a transaction each.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::policy::{Policy, PolicyVersion};
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{Heads, PushOutcome};
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, TransactionTrait};

use super::prepare::{
    Judge, Prepared, Ready, Stored, community_check, is_transient, prepare, rejected, stored_documents,
};
use super::write::{Write, write_group};
use crate::db::entity::document;
use crate::db::lock::community as lock_community;
use crate::state::{AppState, WriteTxn};

#[derive(Debug, Clone)]
pub(super) enum Attempt {
    Done(PushOutcome),
    /// The document is in another community than its group's: group it again.
    Retry,
}

/// One push's documents of one community, with what was prepared for them, and where
/// the outcomes go.
pub(super) struct Group {
    pub judge: Arc<Judge>,
    pub community: CommunityId,
    pub documents: Arc<[(ElderId, Vec<Vec<u8>>)]>,
    /// The group's documents, by index into `documents`.
    pub members: Vec<usize>,
    pub prepared: HashMap<usize, Prepared>,
}

/// A group waiting for SQLite's writer, and where its outcomes go.
struct Waiting {
    group: Group,
    reply: tokio::sync::oneshot::Sender<anyhow::Result<Vec<Attempt>>>,
}

/// Decides and writes one community's documents (a rejected one writing nothing), one
/// outcome per member. On SQLite the group waits for the writer with every other
/// push's, and the one that gets the turn writes all that wait.
pub(super) async fn push_group(state: &AppState, group: Group) -> anyhow::Result<Vec<Attempt>> {
    if !state.writes_take_turns() {
        // PostgreSQL: every community's groups are written at once, under row locks.
        let (started, documents) = (std::time::Instant::now(), group.members.len());
        let txn = state.begin_in_turn(None).await?;
        let attempts = write_groups(state, &txn, vec![group]).await.pop().context("one result per group")??;
        txn.commit().await?;
        count_pushed(state, &attempts, started.elapsed() / (documents.max(1) as u32));
        return Ok(attempts);
    }
    let members = group.members.len();
    let retry = || vec![Attempt::Retry; members];
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    lock_waiting(state).push(Box::new(Waiting { group, reply }));
    // Another push's writer may take this group while this one waits for the turn:
    // its answer then ends the wait (the turn is not taken only to find nothing left).
    let turn = tokio::select! {
        biased;
        written = &mut answer => return written.unwrap_or_else(|_| Ok(retry())),
        turn = state.take_turn() => turn,
    };
    // A group whose pusher has gone (its request timed out or its client hung up)
    // before the writer got to it is left out: it was never answered, so it never lands.
    let waiting: Vec<Waiting> = lock_waiting(state)
        .drain(..)
        .filter_map(|w| w.downcast::<Waiting>().ok().map(|w| *w))
        .filter(|w| !w.reply.is_closed())
        .collect();
    if !waiting.is_empty() {
        // Written on a task of its own, so that this request's going away (its client
        // hung up) cannot abandon the others' writes halfway.
        let state = state.clone();
        tokio::spawn(async move {
            let txn = state.begin_in_turn(turn).await;
            write_waiting(&state, txn, waiting).await;
        });
    }
    // A writer that failed before answering leaves the documents to be pushed again.
    answer.await.unwrap_or_else(|_| Ok(retry()))
}

fn lock_waiting(state: &AppState) -> std::sync::MutexGuard<'_, Vec<Box<dyn std::any::Any + Send>>> {
    state.waiting_writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes the waiting groups in one transaction and answers each.
async fn write_waiting(state: &AppState, txn: Result<WriteTxn, sea_orm::DbErr>, waiting: Vec<Waiting>) {
    let started = std::time::Instant::now();
    let (groups, replies): (Vec<Group>, Vec<_>) = waiting.into_iter().map(|w| (w.group, w.reply)).unzip();
    let documents: usize = groups.iter().map(|g| g.members.len()).sum();
    let results = match txn {
        Ok(txn) => {
            let results = write_groups(state, &txn, groups).await;
            match txn.commit().await {
                Ok(()) => results,
                Err(error) => {
                    let error = anyhow::Error::new(error).context("commit");
                    (0..replies.len()).map(|_| Err(anyhow::anyhow!("{error:#}"))).collect()
                }
            }
        }
        Err(error) => {
            let error = anyhow::Error::new(error).context("begin");
            (0..replies.len()).map(|_| Err(anyhow::anyhow!("{error:#}"))).collect()
        }
    };
    let took = started.elapsed() / (documents.max(1) as u32);
    for (result, reply) in results.into_iter().zip(replies) {
        if let Ok(attempts) = &result {
            count_pushed(state, attempts, took);
        }
        // The pusher may have gone (its client hung up): its documents are written.
        let _ = reply.send(result);
    }
}

fn count_pushed(state: &AppState, attempts: &[Attempt], took: std::time::Duration) {
    for attempt in attempts {
        if let Attempt::Done(PushOutcome::Accepted { stored, .. }) = attempt {
            state.metrics.document_pushed(*stored, took);
        }
    }
}

/// Decides every group's documents in `txn` (each group under its community's lock),
/// then writes the accepted ones of all groups together. A group whose reading fails
/// fails alone and writes nothing; a failed write fails them all. Per group, its
/// outcomes.
async fn write_groups(
    state: &AppState,
    txn: &DatabaseTransaction,
    groups: Vec<Group>,
) -> Vec<anyhow::Result<Vec<Attempt>>> {
    let now = state.now();
    let mut results: Vec<anyhow::Result<Vec<Attempt>>> = Vec::with_capacity(groups.len());
    // Per write, its group and its place among the group's outcomes.
    let mut writes: Vec<((usize, usize), Write)> = Vec::new();
    for (index, group) in groups.into_iter().enumerate() {
        let mut decided = Vec::new();
        let result = decide_group(txn, group, now, &mut decided).await;
        if result.is_ok() {
            writes.extend(decided.into_iter().map(|(position, write)| ((index, position), write)));
        }
        results.push(result);
    }
    let (places, writes): (Vec<(usize, usize)>, Vec<Write>) = writes.into_iter().unzip();
    let locked = writes.first().map(|w| w.community);
    let refusals = match locked {
        Some(locked) => write_isolated(txn, locked, &writes, now, (&state.policy, &state.policy_version)).await,
        None => Ok(Vec::new()),
    };
    let refusals = match refusals {
        Ok(refusals) => refusals,
        Err(error) => return results.iter().map(|_| Err(anyhow::anyhow!("{error:#}"))).collect(),
    };
    for ((group, position), refusal) in places.into_iter().zip(refusals) {
        if let (Some(refusal), Ok(attempts)) = (refusal, &mut results[group]) {
            attempts[position] = Attempt::Done(refusal);
        }
    }
    results
}

/// Decides one group's documents under its community's lock: one outcome per member,
/// the accepted ones (with their place among the outcomes) pushed onto `writes`.
async fn decide_group(
    txn: &DatabaseTransaction,
    group: Group,
    now: Timestamp,
    writes: &mut Vec<(usize, Write)>,
) -> anyhow::Result<Vec<Attempt>> {
    let Group { judge, community, documents, members, mut prepared } = group;
    lock_community(txn, community).await?;
    let ids: Vec<String> = members.iter().map(|&i| documents[i].0.to_string()).collect();
    let mut stored = stored_documents(txn, &ids).await?;
    let mut results = Vec::with_capacity(members.len());
    for &index in &members {
        let (elder, changes) = &documents[index];
        let current = stored.remove(&elder.to_string());
        let decision = decide(txn, &judge, community, *elder, changes, prepared.remove(&index), current, now).await?;
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
    policy: (&Policy, &PolicyVersion),
) -> anyhow::Result<Vec<Option<PushOutcome>>> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let all: Vec<&Write> = writes.iter().collect();
    let savepoint = txn.begin().await?;
    match write_group(&savepoint, community, &all, now, policy).await {
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
        match write_group(&savepoint, community, &[write], now, policy).await {
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
