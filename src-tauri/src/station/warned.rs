//! Which early warnings the signed-in user has already been told of, so a sync that
//! brings new ones can say how many (a desktop notification: a count, never a name or
//! a number). Kept in memory per user: after a sign-in or a restart, the first look
//! sets what is known and says nothing (the roster's day panel shows it all then).

use std::collections::HashSet;

use jinlin_shared::ids::{ElderId, UserId};
use jinlin_shared::warning::{Warning, WarningReason};

use super::Station;
use crate::error::StationError;

/// A warning as the watch tells them apart: an elder and a reason (a warning closed
/// and opened again is new again).
type Seen = (ElderId, WarningReason);

/// What one user has been told of.
#[derive(Debug, Default)]
pub(crate) struct Told {
    user: Option<UserId>,
    seen: HashSet<Seen>,
}

impl Told {
    /// How many of `now` are new to `user`; remembers `now` as what they were told of.
    /// The first look for a user tells of nothing.
    fn look(&mut self, user: UserId, now: &[Warning]) -> u32 {
        let current: HashSet<Seen> = now.iter().map(|w| (w.elder_id, w.reason)).collect();
        let new = if self.user == Some(user) { current.difference(&self.seen).count() as u32 } else { 0 };
        self.user = Some(user);
        self.seen = current;
        new
    }
}

impl Station {
    /// How many early warnings are new since the last look (0 at the first look of a
    /// session): called after a sync that brought changes.
    pub async fn new_warnings(&self) -> Result<u32, StationError> {
        let user = self.session()?.user.id;
        let now = self.derived_warnings().await?;
        let mut told = self.inner.told.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(told.look(user, &now))
    }
}

#[cfg(test)]
mod tests {
    use jinlin_shared::ids::CommunityId;
    use jinlin_shared::time::Timestamp;

    use super::*;

    fn warning(elder: u8, reason: WarningReason) -> Warning {
        Warning {
            elder_id: ElderId::from_parts(1_800_000_000_000, [elder; 10]),
            reason,
            community: CommunityId::from_parts(1_800_000_000_000, [9; 10]),
            since: Timestamp::from_millis(1_800_000_000_000),
            escalates_at: Timestamp::from_millis(1_800_400_000_000),
        }
    }

    #[test]
    fn the_first_look_tells_nothing_and_later_ones_tell_what_is_new() {
        let (ana, bo) = (UserId::from_parts(1, [1; 10]), UserId::from_parts(1, [2; 10]));
        let mut told = Told::default();
        let first = [warning(1, WarningReason::Unvisited)];
        assert_eq!(told.look(ana, &first), 0, "the day panel shows these at sign-in");
        assert_eq!(told.look(ana, &first), 0, "nothing new");
        let more = [
            warning(1, WarningReason::Unvisited),
            warning(2, WarningReason::Unvisited),
            warning(1, WarningReason::FollowUpOverdue),
        ];
        assert_eq!(told.look(ana, &more), 2);
        assert_eq!(told.look(ana, &[]), 0, "closed ones are not news");
        assert_eq!(told.look(ana, &first), 1, "opened again is new again");
        assert_eq!(told.look(bo, &more), 0, "another user starts afresh");
    }
}
