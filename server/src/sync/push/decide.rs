//! What becomes of a prepared document under its community's lock, as a pure function
//! of what was prepared and what is stored now: answered, grouped again, prepared
//! again, or written. The commit does the reading and writing around it.

use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::PushOutcome;

use super::prepare::{Judge, Prepared, rejected};
use super::stored::StoredVersion;
use super::write::Write;

#[derive(Debug)]
pub(super) enum Decision {
    /// Answered: refused, or a replay with nothing new to store.
    Done(PushOutcome),
    /// In another community than the one locked: group it again.
    Regroup,
    /// Prepared against a version no longer stored: prepare it again on the stored one.
    PrepareAgain,
    /// Accepted: what it writes.
    Write(Box<Write>),
}

/// Decides `elder`'s document, prepared as `prepared`, with `locked` the community
/// whose lock is held and `stored` its stored version read under that lock.
pub(super) fn decide(
    judge: &Judge,
    elder: ElderId,
    locked: CommunityId,
    stored: Option<&StoredVersion>,
    prepared: Prepared,
) -> Decision {
    if stored.is_some_and(|s| s.community != locked) {
        // Moved by a concurrent push since it was grouped.
        return Decision::Regroup;
    }
    if prepared.base.as_ref() != stored.map(|s| &s.heads) {
        return Decision::PrepareAgain;
    }
    let ready = match prepared.result {
        Err(refused) => return Decision::Done(refused),
        Ok(ready) => ready,
    };
    if ready.elder != elder {
        let reason = format!("the changes belong to elder {}", ready.elder);
        return Decision::Done(rejected(RejectCode::ElderChanged, reason));
    }
    let Some(community) = ready.community else {
        return Decision::Done(rejected(RejectCode::Schema, "the document names no community"));
    };
    if stored.is_none() && community != locked {
        return Decision::Regroup;
    }
    if let Some(refused) = judge.community_check(community, "after") {
        return Decision::Done(refused);
    }
    let Some(written) = ready.written else {
        // A replay: everything is stored already.
        return Decision::Done(PushOutcome::Accepted { heads: ready.heads, stored: 0 });
    };
    Decision::Write(Box::new(Write {
        elder,
        community,
        moved_from: (stored.is_some() && community != locked).then_some(locked),
        change_count: ready.change_count as i64,
        // Only the hashes: the save holds the changes themselves, and each one's author
        // (in its message, checked by the review).
        changes: ready.new_changes,
        snapshot: written.snapshot,
        heads: ready.heads,
        rows: written.rows,
        known: stored.is_some(),
    }))
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
