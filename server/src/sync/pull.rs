//! Pull: the entries of the caller's communities' logs after the caller's cursor,
//! a page at a time.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use jinlin_shared::ChangeHash;
use jinlin_shared::area::AreaTree;
use jinlin_shared::document::changes_in_save;
use jinlin_shared::ids::CommunityId;
use jinlin_shared::wire::{AutomergeBytes, Cursor, DepartedElder, PullRequest, PullResponse, PulledDocument};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::log_kind;
use crate::auth::Caller;
use crate::db::entity::{community_log, document, log_entry};

/// What a pull page is made with: the database, and what the server says of itself.
#[derive(Debug, Clone, Copy)]
pub struct Puller<'a> {
    pub db: &'a DatabaseConnection,
    /// Stored documents one page may name (`Limits::pull_documents`).
    pub documents_per_page: usize,
    /// The policy the server judges by, named in every page.
    pub policy_version: &'a jinlin_shared::policy::PolicyVersion,
}

pub async fn pull(
    puller: Puller<'_>,
    caller: &Caller,
    areas: &AreaTree,
    request: &PullRequest,
) -> anyhow::Result<PullResponse> {
    let scope: BTreeSet<CommunityId> = areas.communities_in(caller.scope);
    let limit = u64::from(request.effective_limit());
    // Which communities have entries past the cursor: one small read of the log heads.
    let logs = community_log::Entity::find().all(puller.db).await?;
    let mut pending: Vec<(CommunityId, i64)> = logs
        .into_iter()
        .filter_map(|log| {
            let community: CommunityId = log.community_id.parse().ok()?;
            let seen = request.cursor.get(community) as i64;
            (scope.contains(&community) && log.last_seq > seen).then_some((community, log.last_seq))
        })
        .collect();
    pending.sort();

    let mut next_cursor = Cursor::new();
    for (community, seq) in request.cursor.iter() {
        if scope.contains(&community) {
            next_cursor.advance(community, seq);
        }
    }
    let mut documents: Vec<PulledDocument> = Vec::new();
    let mut departed = Vec::new();
    let mut taken = 0u64;
    let mut elders_left = puller.documents_per_page.max(1);
    let mut more = false;
    for (community, last) in pending {
        if taken >= limit || elders_left == 0 {
            more = true;
            break;
        }
        let after = request.cursor.get(community) as i64;
        let mut entries = log_entry::Entity::find()
            .filter(log_entry::Column::CommunityId.eq(community.to_string()))
            .filter(log_entry::Column::Seq.gt(after))
            .order_by_asc(log_entry::Column::Seq)
            .limit(limit - taken)
            .all(puller.db)
            .await?;
        // The page ends before the entry of one elder too many: each elder's document
        // is read and decoded to answer.
        let (kept, elders) = within_elders(&entries, elders_left);
        entries.truncate(kept);
        elders_left -= elders;
        taken += entries.len() as u64;
        if entries.last().is_some_and(|e| e.seq < last) {
            more = true;
        }
        let page = page_of(puller.db, community, &entries).await?;
        documents.extend(page.0);
        departed.extend(page.1);
        if let Some(last_entry) = entries.last() {
            next_cursor.advance(community, last_entry.seq as u64);
        }
    }
    Ok(PullResponse {
        documents,
        departed,
        next_cursor,
        more,
        policy_version: Some(puller.policy_version.clone()),
        // Named by the route (`http::sync_routes`), for every sync answer alike.
        generation: None,
        taken_off: Vec::new(),
    })
}

/// How many of `entries` (from the first) name at most `most` elders, and how many
/// elders those are.
fn within_elders(entries: &[log_entry::Model], most: usize) -> (usize, usize) {
    let mut elders: BTreeSet<&str> = BTreeSet::new();
    for (index, entry) in entries.iter().enumerate() {
        if !elders.contains(entry.elder_id.as_str()) && elders.len() == most {
            return (index, elders.len());
        }
        elders.insert(entry.elder_id.as_str());
    }
    (entries.len(), elders.len())
}

/// Turns one community's entries into documents and departures: per elder, the latest
/// entry decides whether the elder is in `documents` or in `departed`. Each document
/// comes from its stored save: whole where the page names every change it holds (or
/// the elder moved in), else the changes the page names, cut out of it.
async fn page_of(
    db: &DatabaseConnection,
    community: CommunityId,
    entries: &[log_entry::Model],
) -> anyhow::Result<(Vec<PulledDocument>, Vec<DepartedElder>)> {
    let mut wanted: BTreeMap<&str, Wanted> = BTreeMap::new();
    for entry in entries {
        let elder = wanted.entry(entry.elder_id.as_str()).or_default();
        elder.departed = entry.kind == log_kind::DEPARTURE;
        match entry.kind.as_str() {
            log_kind::ARRIVAL => elder.whole = true,
            log_kind::CHANGE => elder.changes.extend(entry.changes()?),
            _ => {}
        }
    }
    let mut departed = Vec::new();
    for (elder, _) in wanted.extract_if(.., |_, want| want.departed) {
        departed.push(DepartedElder { elder: elder.parse().context("a stored elder id")?, from_community: community });
    }
    let ids: Vec<String> = wanted.keys().map(|e| (*e).to_owned()).collect();
    let mut saves: Vec<(String, Vec<u8>, i64)> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, Vec<u8>, i64)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::Snapshot, document::Column::ChangeCount])
            .filter(document::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        saves.extend(rows);
    }
    anyhow::ensure!(saves.len() == wanted.len(), "every logged elder has a stored document");
    let work: Vec<(String, Vec<u8>, Option<Vec<ChangeHash>>)> = saves
        .into_iter()
        .map(|(elder, save, count)| {
            let want = wanted.remove(elder.as_str()).unwrap_or_default();
            let whole = want.whole || want.changes.len() as i64 >= count;
            (elder, save, (!whole).then_some(want.changes))
        })
        .collect();
    // Cutting changes out of a save decodes it: CPU work, off the runtime's threads.
    let documents = tokio::task::spawn_blocking(move || {
        work.into_iter()
            .map(|(elder, save, changes)| {
                let chunks = match changes {
                    None => vec![AutomergeBytes::new(save)],
                    Some(hashes) => changes_in_save(&save, &hashes)
                        .with_context(|| format!("the stored document of elder {elder}"))?
                        .into_iter()
                        .map(AutomergeBytes::new)
                        .collect(),
                };
                Ok(PulledDocument { elder: elder.parse().context("a stored elder id")?, community, chunks })
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await
    .context("the pull task failed")??;
    Ok((documents, departed))
}

/// What a page names of one elder's document.
#[derive(Default)]
struct Wanted {
    /// The elder's latest entry in the page is its departure: it is in `departed`.
    departed: bool,
    /// The elder moved in: the new community's workstations receive the whole document.
    whole: bool,
    /// The changes logged, in log order.
    changes: Vec<ChangeHash>,
}
