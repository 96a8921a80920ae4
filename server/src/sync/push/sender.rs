//! Who sends a push, and what the server knows of the authors its changes name.
//!
//! A change carries its author (user and device) in its message, written by whoever
//! made it: nothing stops a second Automerge implementation from naming a colleague.
//! So the server binds every new change to the sender: a workstation's changes must
//! come from its own device and be authored by a user who has signed in on it (a
//! shared workstation pushes what a colleague left waiting), with that user's role
//! and area; the server's own changes (a masked ID number, a roster import) are
//! authored by the user it writes for, on the server's device.

use std::collections::{BTreeSet, HashMap};

use jinlin_shared::area::Scope;
use jinlin_shared::authority::Standing;
use jinlin_shared::ids::{DeviceId, UserId};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::{Caller, SERVER_DEVICE, scope_of};
use crate::db::entity::{session, user};

/// Who sends a push.
#[derive(Debug, Clone, Copy)]
pub enum Sender<'a> {
    /// A signed-in user's workstation.
    Workstation(&'a Caller),
    /// The server itself, writing for a signed-in user or an administrator at the
    /// command line: changes authored by that user on the server's device.
    Server(&'a Caller),
    /// The demo city's loader: synthetic authors, taken as written. Shape, size and
    /// rules are still checked; only authorship is not bound.
    Demo,
}

impl Sender<'_> {
    /// The area the sender may write in.
    pub fn scope(&self) -> Scope {
        match self {
            Sender::Workstation(caller) | Sender::Server(caller) => caller.scope,
            Sender::Demo => Scope::City,
        }
    }

    /// The device every new change must come from; `None` when authorship is not bound.
    pub fn device(&self) -> Option<DeviceId> {
        match self {
            Sender::Workstation(caller) => Some(caller.device),
            Sender::Server(_) => Some(SERVER_DEVICE),
            Sender::Demo => None,
        }
    }
}

/// What the server knows of the authors a push names, read once per push.
#[derive(Debug, Clone, Default)]
pub struct Authors {
    /// Each author's standing now (enabled or not).
    standings: HashMap<UserId, Standing>,
    /// The standings authors held until a moment (taken off, or moved), oldest first.
    past: HashMap<UserId, Vec<(Timestamp, Standing)>>,
    /// How far a change's time may run past the end of a standing and still be judged
    /// by it: the clock-skew allowance of the policy.
    skew_millis: i64,
}

impl Authors {
    /// Reads the standing of `users` for changes sent by `sender`, now and before;
    /// `skew_minutes` is the policy's clock-skew allowance.
    pub async fn read(
        db: &DatabaseConnection,
        sender: &Sender<'_>,
        users: &BTreeSet<UserId>,
        skew_minutes: i64,
    ) -> Result<Self, sea_orm::DbErr> {
        let caller = match sender {
            Sender::Demo => return Ok(Self::default()),
            Sender::Server(caller) => {
                // The server writes for one user only.
                let standing = Standing { role: caller.role, scope: caller.scope, signed_in_on_device: true };
                return Ok(Self { standings: HashMap::from([(caller.user, standing)]), ..Self::default() });
            }
            Sender::Workstation(caller) => caller,
        };
        let ids: Vec<String> = users.iter().map(ToString::to_string).collect();
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let signed_in: BTreeSet<String> = session::Entity::find()
            .select_only()
            .column(session::Column::UserId)
            .distinct()
            .filter(session::Column::UserId.is_in(ids.clone()))
            .filter(session::Column::DeviceId.eq(caller.device.to_string()))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let rows: Vec<(String, String, Option<String>, bool)> = user::Entity::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Role, user::Column::ScopeAreaId, user::Column::Disabled])
            .filter(user::Column::Id.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        let mut standings = HashMap::new();
        let past = past_standings(db, &ids, &signed_in).await?;
        for (id, role, scope, disabled) in rows {
            // A row that does not parse stands for nobody: its changes are refused.
            let (Ok(user), Some(role), Some(scope)) =
                (id.parse::<UserId>(), Role::parse(&role), scope_of(scope.as_deref()))
            else {
                tracing::warn!(user = %id, "a user row with an unreadable role or scope");
                continue;
            };
            let signed_in_on_device = !disabled && signed_in.contains(&id);
            standings.insert(user, Standing { role, scope, signed_in_on_device });
        }
        Ok(Self { standings, past, skew_millis: skew_minutes * 60_000 })
    }

    /// The standing `user` had at `at`: the first earlier standing that lasted until
    /// then (within the clock-skew allowance), else the present one.
    pub fn standing(&self, user: UserId, at: Timestamp) -> Option<Standing> {
        let earlier = self.past.get(&user).into_iter().flatten();
        match earlier.into_iter().find(|(until, _)| at.as_millis() <= until.as_millis() + self.skew_millis) {
            Some((_, standing)) => Some(*standing),
            None => self.standings.get(&user).copied(),
        }
    }
}

/// The standings `ids` held until they were taken off or moved, oldest first; signed
/// in on the sending device if they ever were.
async fn past_standings(
    db: &DatabaseConnection,
    ids: &[String],
    signed_in: &BTreeSet<String>,
) -> Result<HashMap<UserId, Vec<(Timestamp, Standing)>>, sea_orm::DbErr> {
    use crate::db::entity::user_standing;
    let rows = user_standing::Entity::find()
        .filter(user_standing::Column::UserId.is_in(ids.to_vec()))
        .order_by_asc(user_standing::Column::Until)
        .all(db)
        .await?;
    let mut past: HashMap<UserId, Vec<(Timestamp, Standing)>> = HashMap::new();
    for row in rows {
        let (Ok(user), Some(role), Some(scope)) =
            (row.user_id.parse::<UserId>(), Role::parse(&row.role), scope_of(row.scope_area_id.as_deref()))
        else {
            continue;
        };
        let standing = Standing { role, scope, signed_in_on_device: signed_in.contains(&row.user_id) };
        past.entry(user).or_default().push((Timestamp::from_millis(row.until), standing));
    }
    Ok(past)
}
