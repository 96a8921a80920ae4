//! Pull: the entries of the caller's communities' logs after the caller's cursor,
//! a page at a time.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context as _;
use jinlin_shared::area::AreaTree;
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::wire::{AutomergeBytes, Cursor, DepartedElder, PullRequest, PullResponse, PulledDocument};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::log_kind;
use crate::auth::Caller;
use crate::db::entity::{change, community_log, log_entry};
use crate::state::AppState;

pub async fn pull(
    state: &AppState,
    caller: &Caller,
    areas: &AreaTree,
    request: &PullRequest,
) -> anyhow::Result<PullResponse> {
    let scope: BTreeSet<CommunityId> = areas.communities_in(caller.scope);
    let limit = u64::from(request.effective_limit());
    // Which communities have entries past the cursor: one small read of the log heads.
    let logs = community_log::Entity::find().all(&state.db).await?;
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
    let mut more = false;
    for (community, last) in pending {
        if taken >= limit {
            more = true;
            break;
        }
        let after = request.cursor.get(community) as i64;
        let entries = log_entry::Entity::find()
            .filter(log_entry::Column::CommunityId.eq(community.to_string()))
            .filter(log_entry::Column::Seq.gt(after))
            .order_by_asc(log_entry::Column::Seq)
            .limit(limit - taken)
            .all(&state.db)
            .await?;
        taken += entries.len() as u64;
        if entries.last().is_some_and(|e| e.seq < last) {
            more = true;
        }
        let page = page_of(state, community, &entries).await?;
        documents.extend(page.0);
        departed.extend(page.1);
        if let Some(last_entry) = entries.last() {
            next_cursor.advance(community, last_entry.seq as u64);
        }
    }
    Ok(PullResponse { documents, departed, next_cursor, more, policy_version: Some(state.policy_version.clone()) })
}

/// Turns one community's entries into documents and departures: per elder, the latest
/// entry decides whether the elder is in `documents` or in `departed`.
async fn page_of(
    state: &AppState,
    community: CommunityId,
    entries: &[log_entry::Model],
) -> anyhow::Result<(Vec<PulledDocument>, Vec<DepartedElder>)> {
    let mut latest: BTreeMap<String, &str> = BTreeMap::new();
    for entry in entries {
        latest.insert(entry.elder_id.clone(), entry.kind.as_str());
    }
    let arrivals: BTreeSet<&str> =
        entries.iter().filter(|e| e.kind == log_kind::ARRIVAL).map(|e| e.elder_id.as_str()).collect();
    let hashes: Vec<String> = entries.iter().filter_map(|e| e.change_hash.clone()).collect();
    let mut bytes: HashMap<String, Vec<u8>> = HashMap::new();
    for chunk in hashes.chunks(500) {
        for row in change::Entity::find().filter(change::Column::Hash.is_in(chunk.to_vec())).all(&state.db).await? {
            bytes.insert(row.hash, row.bytes);
        }
    }
    let mut documents: BTreeMap<String, Vec<AutomergeBytes>> = BTreeMap::new();
    for arrival in &arrivals {
        // An elder who moved in arrives whole: every change, oldest first.
        let all = change::Entity::find()
            .filter(change::Column::ElderId.eq(*arrival))
            .order_by_asc(change::Column::ReceivedAt)
            .all(&state.db)
            .await?;
        documents
            .entry((*arrival).to_owned())
            .or_default()
            .extend(all.into_iter().map(|c| AutomergeBytes::new(c.bytes)));
    }
    for entry in entries {
        if entry.kind == log_kind::CHANGE && !arrivals.contains(entry.elder_id.as_str()) {
            let hash = entry.change_hash.as_deref().context("a change entry names its change")?;
            let change = bytes.remove(hash).context("a logged change is stored")?;
            documents.entry(entry.elder_id.clone()).or_default().push(AutomergeBytes::new(change));
        }
    }
    let mut pulled = Vec::new();
    let mut departed = Vec::new();
    for (elder, kind) in latest {
        let elder_id: ElderId = elder.parse().context("a stored elder id")?;
        if kind == log_kind::DEPARTURE {
            departed.push(DepartedElder { elder: elder_id, from_community: community });
        } else if let Some(changes) = documents.remove(&elder) {
            pulled.push(PulledDocument { elder: elder_id, community, changes });
        }
    }
    Ok((pulled, departed))
}
