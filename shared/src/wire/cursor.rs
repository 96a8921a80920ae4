//! Where a workstation stands in each community's change log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::CommunityId;

/// Where a workstation stands in the change log: per community, the sequence number
/// of the last entry it has applied. A community missing from the map reads as 0
/// (nothing seen yet).
///
/// One number per community, not one global number, because the server numbers
/// entries inside the transaction that holds the community's lock: within a community
/// numbers then commit in order, so "everything after n" never skips a change that
/// committed late with a smaller number (see ARCHITECTURE.md, "The design").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(BTreeMap<CommunityId, u64>);

impl Cursor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The last sequence number seen in `community`; 0 when none.
    pub fn get(&self, community: CommunityId) -> u64 {
        self.0.get(&community).copied().unwrap_or(0)
    }

    /// Records that `community`'s log has been applied up to `seq`. Never moves back:
    /// a page replayed late (or out of order) must not make the next pull repeat work
    /// or, worse, hide that later entries were already applied.
    pub fn advance(&mut self, community: CommunityId, seq: u64) {
        if seq > self.get(community) {
            self.0.insert(community, seq);
        }
    }

    /// Takes, per community, the further of the two positions. A workstation shared by
    /// users of different scopes merges each user's pull result into its one cursor.
    pub fn merge(&mut self, other: &Cursor) {
        for (&community, &seq) in &other.0 {
            self.advance(community, seq);
        }
    }

    /// Every community with a position, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (CommunityId, u64)> + '_ {
        self.0.iter().map(|(&community, &seq)| (community, seq))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(CommunityId, u64)> for Cursor {
    fn from_iter<I: IntoIterator<Item = (CommunityId, u64)>>(positions: I) -> Self {
        let mut cursor = Cursor::new();
        for (community, seq) in positions {
            cursor.advance(community, seq);
        }
        cursor
    }
}
