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
//!    on its own and the others land (`group`; on SQLite, the groups of all the pushes
//!    waiting for the writer share one transaction).
//!
//! A rejected document writes nothing; the answer comes after the commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::area::AreaTree;
use jinlin_shared::document::ChunkError;
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{PushOutcome, PushWeight, RequestError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::group::{Attempt, Group, push_group};
use super::prepare::{Judge, Prepared, community_check, is_transient, prepare, rejected, stored_documents};
use super::sender::{Authors, Sender};
use crate::db::entity::document;
use crate::state::AppState;

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
    let documents: Arc<[(ElderId, Vec<Vec<u8>>)]> = documents.into();
    let judge = Arc::new(Judge {
        areas: areas.clone(),
        policy: state.policy.clone(),
        actor: state.actor.clone(),
        scope: sender.scope(),
        device: sender.device(),
        authors: Authors::read(&state.db, &sender, &total.authors, state.policy.clock_skew_minutes).await?,
    });
    let mut waiting: Vec<usize> = (0..documents.len()).filter(|&i| outcomes[i].is_none()).collect();
    for _ in 0..ATTEMPTS {
        if waiting.is_empty() {
            break;
        }
        let (groups, mut prepared) = group_by_community(state, &judge, &documents, &waiting, &mut outcomes).await?;
        waiting.clear();
        // The communities' groups are pushed at once: on SQLite they wait for the writer
        // together and land in one transaction; on PostgreSQL each takes its own.
        let pushes = groups.into_iter().map(|(community, members)| {
            let group = Group {
                judge: judge.clone(),
                community,
                documents: documents.clone(),
                members: members.clone(),
                prepared: members.iter().filter_map(|i| prepared.remove_entry(i)).collect(),
            };
            async move { (members, push_group(state, group).await) }
        });
        let mut failed = None;
        for (members, pushed) in futures_util::future::join_all(pushes.collect::<Vec<_>>()).await {
            match pushed {
                Ok(results) => {
                    for (index, result) in members.into_iter().zip(results) {
                        match result {
                            Attempt::Done(outcome) => outcomes[index] = Some(outcome),
                            Attempt::Retry => waiting.push(index),
                        }
                    }
                }
                Err(error) if is_transient(&error) => waiting.extend(members),
                Err(error) => failed = failed.or(Some(error)),
            }
        }
        if let Some(error) = failed {
            return Err(error.into());
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
    let now = state.now();
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
