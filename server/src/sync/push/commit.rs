//! One community's prepared documents decided and written under its lock, in one
//! transaction. On SQLite, where one writer writes at a time, the groups of every push
//! waiting for the writer are written together: whoever gets the turn takes them all
//! (`queue`), decides each document and writes them in one transaction (group
//! commit), so fifty pushes at once cost one commit and a few statements each instead
//! of a transaction each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jinlin_shared::ids::CommunityId;
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::PushOutcome;
use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};

use super::PushPath;
use super::decide::{Decision, decide};
use super::prepare::{Base, Judge, prepare, rejected, unreadable_record};
use super::record::{Pushed, Stage};
use super::stored::{snapshots, stored_versions};
use super::write::{CommitError, Write, write_group};
use crate::db::lock::community as lock_community;
use crate::db::writer::{WriteTxn, is_transient};

/// One push's prepared documents of one community.
pub(super) struct Group {
    pub judge: Arc<Judge>,
    pub community: CommunityId,
    pub documents: Vec<Pushed>,
}

/// A group whose transaction did not commit: its documents, back to be grouped again
/// (nothing of theirs was written), and why.
pub(super) struct Failed {
    pub documents: Vec<Pushed>,
    pub error: CommitError,
}

impl Failed {
    fn new(mut documents: Vec<Pushed>, error: CommitError) -> Self {
        documents.iter_mut().for_each(Pushed::again);
        Self { documents, error }
    }
}

/// A group's documents after its transaction: each answered, or back to be grouped
/// again (it moved to another community meanwhile).
pub(super) type Committed = Result<Vec<Pushed>, Failed>;

/// Decides and writes one community's documents (a rejected one writing nothing). On
/// SQLite the group waits for the writer with every other push's, and the one that
/// gets the turn writes all that wait.
pub(super) async fn commit(path: &PushPath, group: Group) -> Committed {
    if !path.writer.takes_turns() {
        // PostgreSQL: every community's groups are written at once, under row locks.
        return match path.writer.begin().await {
            Ok(txn) => write_in(path, txn, vec![group]).await.pop().unwrap_or_else(|| Ok(Vec::new())),
            Err(error) => Err(Failed::new(group.documents, error.into())),
        };
    }
    let mut answer = path.queue.put(group);
    // Another push's writer may take this group while this one waits for the turn:
    // its answer then ends the wait (the turn is not taken only to find nothing left).
    let turn = tokio::select! {
        biased;
        written = &mut answer => return written.unwrap_or_else(|_| Err(Failed::new(Vec::new(), CommitError::WriterGone))),
        turn = path.writer.take_turn() => turn,
    };
    let waiting = path.queue.take_all();
    if !waiting.is_empty() {
        // Written on a task of its own, so that this request's going away (its client
        // hung up) cannot abandon the others' writes halfway.
        let path = path.clone();
        tokio::spawn(async move {
            let (groups, replies): (Vec<Group>, Vec<_>) = waiting.into_iter().map(|q| (q.group, q.reply)).unzip();
            let committed = match path.writer.begin_in_turn(turn).await {
                Ok(txn) => write_in(&path, txn, groups).await,
                Err(error) => {
                    let error = CommitError::from(error);
                    groups.into_iter().map(|g| Err(Failed::new(g.documents, error.shared()))).collect()
                }
            };
            for (committed, reply) in committed.into_iter().zip(replies) {
                // The pusher may have gone (its client hung up): its documents are written.
                let _ = reply.send(committed);
            }
        });
    }
    answer.await.unwrap_or_else(|_| Err(Failed::new(Vec::new(), CommitError::WriterGone)))
}

/// Decides every group's documents in `txn` (each group under its community's lock),
/// writes the accepted ones of all groups together and commits. A group whose reading
/// fails fails alone; a failed write or commit fails them all. Per group, in order,
/// its documents.
async fn write_in(path: &PushPath, txn: WriteTxn, mut groups: Vec<Group>) -> Vec<Committed> {
    let started = Instant::now();
    let now = path.clock.now();
    let mut failures: Vec<Option<CommitError>> = Vec::with_capacity(groups.len());
    for group in &mut groups {
        failures.push(decide_group(&txn, group, now).await.err());
    }
    let mut decided: Vec<&mut Pushed> = groups
        .iter_mut()
        .zip(&failures)
        .filter(|(_, failure)| failure.is_none())
        .flat_map(|(group, _)| group.documents.iter_mut())
        .filter(|document| matches!(document.stage, Stage::Decided(_)))
        .collect();
    let written = match write_isolated(&txn, &mut decided, now, path).await {
        Ok(()) => txn.commit().await.map_err(CommitError::from),
        Err(error) => Err(error),
    };
    if let Err(error) = written {
        // Nothing was written: every group fails, one that failed already for its own reason.
        return groups
            .into_iter()
            .zip(failures)
            .map(|(g, failure)| Err(Failed::new(g.documents, failure.unwrap_or_else(|| error.shared()))))
            .collect();
    }
    let documents: usize = groups.iter().map(|g| g.documents.len()).sum();
    let took = started.elapsed() / (documents.max(1) as u32);
    groups
        .into_iter()
        .zip(failures)
        .map(|(group, failure)| match failure {
            Some(error) => Err(Failed::new(group.documents, error)),
            None => {
                count_pushed(path, &group.documents, took);
                Ok(group.documents)
            }
        })
        .collect()
}

fn count_pushed(path: &PushPath, documents: &[Pushed], took: Duration) {
    for document in documents {
        if let Stage::Done(PushOutcome::Accepted { stored, .. }) = &document.stage {
            path.metrics.document_pushed(*stored, took);
        }
    }
}

/// Decides one group's documents under its community's lock: each answered, back to
/// be grouped again, or decided (to be written).
async fn decide_group(txn: &DatabaseTransaction, group: &mut Group, now: Timestamp) -> Result<(), CommitError> {
    lock_community(txn, group.community).await?;
    let mut stored = stored_versions(txn, group.documents.iter().map(|d| d.elder)).await?;
    for document in &mut group.documents {
        let Stage::Prepared(prepared) = std::mem::replace(&mut document.stage, Stage::Weighed) else {
            continue;
        };
        let current = match stored.remove(&document.elder).transpose() {
            Ok(current) => current,
            Err(unreadable) => {
                document.stage = Stage::Done(unreadable_record(&unreadable));
                continue;
            }
        };
        let mut decision = decide(&group.judge, document.elder, group.community, current.as_ref(), *prepared);
        if let Decision::PrepareAgain = decision {
            // The stored version moved on since it was prepared: prepare on this one.
            let base = match &current {
                Some(current) => {
                    let snapshot = snapshots(txn, [document.elder]).await?.remove(&document.elder).unwrap_or_default();
                    Some(Base { snapshot, heads: current.heads.clone() })
                }
                None => None,
            };
            let again = prepare(base, document.changes.clone(), now, group.judge.clone()).await;
            decision = decide(&group.judge, document.elder, group.community, current.as_ref(), again);
        }
        document.stage = match decision {
            Decision::Done(outcome) => Stage::Done(outcome),
            Decision::Write(write) => Stage::Decided(write),
            // Prepared again on the version read under this lock, it cannot be stale.
            Decision::Regroup | Decision::PrepareAgain => Stage::Weighed,
        };
    }
    Ok(())
}

/// Writes the decided documents together; when the database refuses that for the
/// content of one of them (an id another elder's record already uses, a value it
/// cannot hold), writes them one by one, each in its own savepoint, and refuses only
/// the ones it cannot store. Every document given is answered.
async fn write_isolated(
    txn: &DatabaseTransaction,
    documents: &mut [&mut Pushed],
    now: Timestamp,
    path: &PushPath,
) -> Result<(), CommitError> {
    let policy = (&*path.policy, &path.policy_version);
    let Some(locked) = documents.iter().find_map(|d| write_of(d)).map(|w| w.community) else { return Ok(()) };
    let all: Vec<&Write> = documents.iter().filter_map(|d| write_of(d)).collect();
    let savepoint = txn.begin().await?;
    match write_group(&savepoint, locked, &all, now, policy).await {
        Ok(()) => {
            savepoint.commit().await?;
            documents.iter_mut().for_each(|d| accept(d));
            return Ok(());
        }
        Err(error) => {
            savepoint.rollback().await?;
            if content_refusal(&error).is_none() {
                return Err(error);
            }
        }
    }
    for document in documents.iter_mut() {
        let Some(write) = write_of(document) else { continue };
        let savepoint = txn.begin().await?;
        match write_group(&savepoint, write.community, &[write], now, policy).await {
            Ok(()) => {
                savepoint.commit().await?;
                accept(document);
            }
            Err(error) => {
                savepoint.rollback().await?;
                let Some(code) = content_refusal(&error) else { return Err(error) };
                tracing::warn!(elder = %document.elder, %error, "a document the database refused");
                let reason = match code {
                    RejectCode::IdInUse => "an id in this document is already used in another elder's record",
                    _ => "the database cannot store a value of this document",
                };
                document.stage = Stage::Done(rejected(code, reason));
            }
        }
    }
    Ok(())
}

fn write_of(document: &Pushed) -> Option<&Write> {
    match &document.stage {
        Stage::Decided(write) => Some(write),
        _ => None,
    }
}

/// A decided document, written: answered as stored.
fn accept(document: &mut Pushed) {
    if let Stage::Decided(write) = &document.stage {
        let outcome = PushOutcome::Accepted { heads: write.heads.clone(), stored: write.changes.len() as u32 };
        document.stage = Stage::Done(outcome);
    }
}

/// The refusal a database error stands for when the content caused it: a statement
/// the database refused, not a lost connection or a lock it may grant on a retry.
fn content_refusal(error: &CommitError) -> Option<RejectCode> {
    let CommitError::Database(db) = error else { return None };
    if is_transient(db) {
        return None;
    }
    match db {
        DbErr::Exec(_) | DbErr::Query(_) | DbErr::RecordNotInserted => Some(match db.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => RejectCode::IdInUse,
            _ => RejectCode::Unstorable,
        }),
        _ => None,
    }
}
