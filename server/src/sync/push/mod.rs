//! Push: documents' changes weighed, applied, checked and stored, one transaction per
//! community under that community's lock.
//!
//! A push is the server's trust boundary, so the work is ordered to cost an attacker
//! more than the server:
//! 1. every change is weighed from its header and columns (bytes once inflated,
//!    operations) before anything decodes it, and the push as a whole is bounded;
//! 2. a stored document's community is checked against the sender's area before any
//!    of its changes is decoded (`group`);
//! 3. each document is applied to a copy and reviewed operation by operation (shape,
//!    limits, person fields, full ID numbers), then every new change is held against
//!    its author's standing: bound to the sender's device, signed in there, in area,
//!    and allowed by the role table (`jinlin_shared::authority`) (`prepare`);
//! 4. the accepted documents of a community are decided (`decide`, a pure function of
//!    what was prepared and what is stored) and written in one transaction under its
//!    lock row, so within a community sequence numbers are assigned in commit order
//!    (ARCHITECTURE.md, "The design"); a document whose content the database refuses
//!    is set aside on its own and the others land (`commit`; on SQLite, the groups of
//!    all the pushes waiting for the writer share one transaction, `queue`).
//!
//! Each document travels as one record (`record::Pushed`) that carries its own stage
//! and, at the end, its answer. A rejected document writes nothing; the answer comes
//! after the commit.

mod commit;
mod decide;
mod group;
mod prepare;
mod queue;
mod record;
pub mod sender;
mod stored;
mod write;

use std::sync::Arc;

use jinlin_shared::ActorId;
use jinlin_shared::area::AreaTree;
use jinlin_shared::document::ChunkError;
use jinlin_shared::ids::ElderId;
use jinlin_shared::policy::{Policy, PolicyVersion};
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{DocumentPushResult, PushOutcome, PushWeight, RequestError};

pub use self::queue::Queue;
use self::record::{Pushed, Stage};
use self::sender::{Authors, Sender};
use crate::clock::Clock;
use crate::db::writer::Writer;
use crate::metrics::Metrics;

/// How often a push is tried again when the document moved between communities while
/// it was being read, or the database asked for the transaction to be tried again.
const ATTEMPTS: usize = 4;

/// What the push path works with: the database, the policy it judges by, this
/// process's actor, clock and metrics, and (on SQLite) the queue for the writer.
#[derive(Debug, Clone)]
pub struct PushPath {
    writer: Writer,
    policy: Arc<Policy>,
    policy_version: PolicyVersion,
    actor: ActorId,
    clock: Clock,
    metrics: Arc<Metrics>,
    queue: Queue,
}

impl PushPath {
    /// `policy_version` is `policy`'s ([`Policy::version`]), computed once by the caller.
    pub fn new(
        writer: Writer,
        (policy, policy_version): (Arc<Policy>, PolicyVersion),
        actor: ActorId,
        clock: Clock,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { writer, policy, policy_version, actor, clock, metrics, queue: Queue::default() }
    }

    /// How many groups of documents wait for SQLite's writer.
    pub fn groups_waiting(&self) -> usize {
        self.queue.len()
    }
}

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
    path: &PushPath,
    sender: Sender<'_>,
    areas: &Arc<AreaTree>,
    elder: ElderId,
    changes: Vec<Vec<u8>>,
) -> Result<PushOutcome, PushError> {
    let mut results = push_documents(path, sender, areas, vec![(elder, changes)]).await?;
    match results.pop() {
        Some(result) => Ok(result.outcome),
        None => Err(anyhow::anyhow!("a push of one document had no answer").into()),
    }
}

/// Applies and stores several documents' changes: one answer per document, in the
/// order sent.
pub async fn push_documents(
    path: &PushPath,
    sender: Sender<'_>,
    areas: &Arc<AreaTree>,
    documents: Vec<(ElderId, Vec<Vec<u8>>)>,
) -> Result<Vec<DocumentPushResult>, PushError> {
    let sent = documents.len();
    let mut documents: Vec<Pushed> = documents
        .into_iter()
        .enumerate()
        .map(|(place, (elder, changes))| Pushed::sent(place, elder, changes))
        .collect();
    let weight = weigh(&mut documents)?;
    let judge = Arc::new(prepare::Judge {
        areas: areas.clone(),
        policy: path.policy.clone(),
        actor: path.actor.clone(),
        scope: sender.scope(),
        device: sender.device(),
        authors: Authors::read(path.writer.db(), &sender, &weight.authors, path.policy.clock_skew_minutes).await?,
    });
    let mut answered = Vec::with_capacity(documents.len());
    for _ in 0..ATTEMPTS {
        let (done, waiting): (Vec<Pushed>, Vec<Pushed>) = documents.into_iter().partition(Pushed::is_done);
        answered.extend(done);
        documents = waiting;
        if documents.is_empty() {
            break;
        }
        let groups = group::group(path, &judge, std::mem::take(&mut documents), &mut answered).await?;
        // The communities' groups are committed at once: on SQLite they wait for the
        // writer together and land in one transaction; on PostgreSQL each takes its own.
        let committed = futures_util::future::join_all(groups.into_iter().map(|g| commit::commit(path, g))).await;
        let mut failed = None;
        for group in committed {
            match group {
                Ok(back) => documents.extend(back),
                Err(group) if group.error.is_transient() => documents.extend(group.documents),
                Err(group) => failed = failed.or(Some(group.error)),
            }
        }
        if let Some(error) = failed {
            return Err(anyhow::Error::new(error).context("a push's transaction").into());
        }
    }
    let (done, moving): (Vec<Pushed>, Vec<Pushed>) = documents.into_iter().partition(Pushed::is_done);
    if !moving.is_empty() {
        let error =
            anyhow::anyhow!("{} document(s) kept moving between communities or meeting deadlocks", moving.len());
        return Err(error.into());
    }
    answered.extend(done);
    answer(path, answered, sent)
}

/// Each document weighed from its header and columns before anything decodes it: one
/// that cannot be weighed is refused, and the push as a whole is bounded. Returns the
/// push's weight.
fn weigh(documents: &mut [Pushed]) -> Result<PushWeight, RequestError> {
    let mut total = PushWeight::default();
    for document in documents.iter_mut() {
        match PushWeight::of(document.changes.iter().map(Vec::as_slice)) {
            Ok(weight) => total.add(&weight),
            Err((change, error)) => {
                let code = match error {
                    ChunkError::TooLarge { .. } => RejectCode::TooLarge,
                    _ => RejectCode::Undecodable,
                };
                document.refuse(code, format!("change {change}: {error}"));
            }
        }
    }
    total.check_push()?;
    Ok(total)
}

/// The answers of the `sent` documents, in the order sent; every refusal counted.
fn answer(path: &PushPath, mut answered: Vec<Pushed>, sent: usize) -> Result<Vec<DocumentPushResult>, PushError> {
    answered.sort_by_key(|document| document.place);
    let mut results = Vec::with_capacity(sent);
    for (place, document) in answered.into_iter().enumerate() {
        if let Stage::Done(PushOutcome::Rejected { code, .. }) = &document.stage {
            path.metrics.document_rejected(*code);
        }
        if document.place != place {
            break;
        }
        match document.answer() {
            Some(result) => results.push(result),
            None => break,
        }
    }
    if results.len() != sent {
        return Err(anyhow::anyhow!("{} of {sent} documents have an answer", results.len()).into());
    }
    Ok(results)
}
