//! Grouped and prepared: each weighed document grouped by the community it belongs to
//! now (its stored one, or for a document new to the server, the one its own changes
//! name) and applied and checked ahead of the lock, on every core. A stored document
//! outside the sender's area is refused here, before any of its changes is decoded.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::ids::CommunityId;
use jinlin_shared::validate::RejectCode;

use super::commit::Group;
use super::prepare::{Base, Judge, prepare, unreadable_record};
use super::record::{Pushed, Stage};
use super::stored::{StoredVersion, snapshots, stored_versions};
use super::{PushError, PushPath};

/// Stored documents read (with their saves) at a time, to bound memory.
const READ_BATCH: usize = 32;

/// The weighed `documents` grouped by community, each prepared; those refused on the
/// way are put in `answered`.
pub(super) async fn group(
    path: &PushPath,
    judge: &Arc<Judge>,
    documents: Vec<Pushed>,
    answered: &mut Vec<Pushed>,
) -> Result<Vec<Group>, PushError> {
    let mut stored = stored_versions(path.writer.db(), documents.iter().map(|d| d.elder)).await?;
    let mut to_prepare = Vec::with_capacity(documents.len());
    for mut document in documents {
        match stored.remove(&document.elder) {
            Some(Err(unreadable)) => {
                document.stage = Stage::Done(unreadable_record(&unreadable));
                answered.push(document);
            }
            Some(Ok(version)) => match judge.community_check(version.community, "before") {
                Some(refused) => {
                    document.stage = Stage::Done(refused);
                    answered.push(document);
                }
                None => to_prepare.push((document, Some(version))),
            },
            None => to_prepare.push((document, None)),
        }
    }
    let mut groups: BTreeMap<CommunityId, Vec<Pushed>> = BTreeMap::new();
    for (mut document, stored_in) in prepare_all(path, judge, to_prepare).await? {
        let prepared = match &document.stage {
            Stage::Prepared(prepared) => Some(&prepared.result),
            _ => None,
        };
        let community = match (stored_in, prepared) {
            (Some(community), _) => community,
            (None, Some(Ok(ready))) => match ready.community {
                Some(community) => community,
                None => {
                    document.refuse(RejectCode::Schema, "the document names no community");
                    answered.push(document);
                    continue;
                }
            },
            (None, Some(Err(refused))) => {
                document.stage = Stage::Done(refused.clone());
                answered.push(document);
                continue;
            }
            (None, _) => {
                document.refuse(RejectCode::Unstorable, "the server could not check this document");
                answered.push(document);
                continue;
            }
        };
        groups.entry(community).or_default().push(document);
    }
    Ok(groups
        .into_iter()
        .map(|(community, documents)| Group { judge: Arc::clone(judge), community, documents })
        .collect())
}

/// Prepares every document, at most one per core at a time, reading the saves of the
/// stored ones a batch at a time. Each comes back with its stored community, if any,
/// in the order sent.
async fn prepare_all(
    path: &PushPath,
    judge: &Arc<Judge>,
    documents: Vec<(Pushed, Option<StoredVersion>)>,
) -> Result<Vec<(Pushed, Option<CommunityId>)>, PushError> {
    let now = path.clock.now();
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let mut prepared = Vec::with_capacity(documents.len());
    let mut tasks = tokio::task::JoinSet::new();
    let mut documents = documents.into_iter().peekable();
    while documents.peek().is_some() {
        let batch: Vec<_> = documents.by_ref().take(READ_BATCH).collect();
        let known = batch.iter().filter(|(_, version)| version.is_some()).map(|(document, _)| document.elder);
        let mut saves = snapshots(path.writer.db(), known).await?;
        for (mut document, version) in batch {
            let community = version.as_ref().map(|v| v.community);
            let base =
                version.map(|v| Base { snapshot: saves.remove(&document.elder).unwrap_or_default(), heads: v.heads });
            let (changes, judge) = (document.changes.clone(), judge.clone());
            while tasks.len() >= cores {
                prepared.push(tasks.join_next().await.context("a task is running")?.context("a document task")?);
            }
            tasks.spawn(async move {
                document.stage = Stage::Prepared(Box::new(prepare(base, changes, now, judge).await));
                (document, community)
            });
        }
    }
    while let Some(joined) = tasks.join_next().await {
        prepared.push(joined.context("a document task")?);
    }
    // Back in the order sent: within a community, the first sent is written first (the
    // one whose visit id another of the same push reuses keeps it).
    prepared.sort_by_key(|(document, _)| document.place);
    Ok(prepared)
}
