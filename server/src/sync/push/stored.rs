//! What a push reads of the stored documents: where each is and which version it is
//! (read before grouping and again under the community's lock), and its save.

use std::collections::HashMap;

use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::wire::Heads;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entity::document;

/// Where a stored document is and which version: its row's community and heads, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredVersion {
    pub community: CommunityId,
    pub heads: Heads,
}

/// A stored row whose community or heads do not read (written by hand, or damaged):
/// pushes of that elder are refused, and nothing else is held up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored row of elder {elder} does not read: {reason}")]
pub(super) struct UnreadableRow {
    pub elder: String,
    pub reason: String,
}

/// Each stored document's row among `elders`, read; an elder new to the server is absent.
pub(super) async fn stored_versions(
    db: &impl ConnectionTrait,
    elders: impl IntoIterator<Item = ElderId>,
) -> Result<HashMap<ElderId, Result<StoredVersion, UnreadableRow>>, DbErr> {
    let ids: Vec<String> = elders.into_iter().map(|e| e.to_string()).collect();
    let mut stored = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, String)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::CommunityId, document::Column::Heads])
            .filter(document::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (elder, community, heads) in rows {
            let Ok(id) = elder.parse::<ElderId>() else {
                // Not one this push asked for (`is_in` matched the text it was given).
                continue;
            };
            stored.insert(id, read_row(&elder, &community, &heads));
        }
    }
    Ok(stored)
}

fn read_row(elder: &str, community: &str, heads: &str) -> Result<StoredVersion, UnreadableRow> {
    let unreadable = |reason: String| UnreadableRow { elder: elder.to_owned(), reason };
    let community = community.parse().map_err(|e| unreadable(format!("community {community:?}: {e}")))?;
    let heads = serde_json::from_str(heads).map_err(|e| unreadable(format!("heads: {e}")))?;
    Ok(StoredVersion { community, heads })
}

/// The saves of these stored documents, by elder.
pub(super) async fn snapshots(
    db: &impl ConnectionTrait,
    elders: impl IntoIterator<Item = ElderId>,
) -> Result<HashMap<ElderId, Vec<u8>>, DbErr> {
    let ids: Vec<String> = elders.into_iter().map(|e| e.to_string()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, Vec<u8>)> = document::Entity::find()
        .select_only()
        .columns([document::Column::ElderId, document::Column::Snapshot])
        .filter(document::Column::ElderId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(elder, snapshot)| Some((elder.parse().ok()?, snapshot))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_into_its_community_and_heads() {
        let community = CommunityId::from_parts(1, [7; 10]);
        let hash = "ab".repeat(32);
        let read = read_row("e", &community.to_string(), &format!("[\"{hash}\"]")).expect("reads");
        assert_eq!(read.community, community);
        assert_eq!(read.heads.as_slice().len(), 1);
    }

    #[test]
    fn a_damaged_row_says_what_does_not_read() {
        let bad_community = read_row("e", "not-a-community", "[]").expect_err("refused");
        assert!(bad_community.reason.contains("community"), "{bad_community}");
        let bad_heads = read_row("e", &CommunityId::from_parts(1, [7; 10]).to_string(), "{").expect_err("refused");
        assert!(bad_heads.reason.contains("heads"), "{bad_heads}");
    }
}
