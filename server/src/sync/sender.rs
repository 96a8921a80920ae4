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
use jinlin_shared::user::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

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
    standings: HashMap<UserId, Standing>,
}

impl Authors {
    /// Reads the standing of `users` for changes sent by `sender`.
    pub async fn read(
        db: &DatabaseConnection,
        sender: &Sender<'_>,
        users: &BTreeSet<UserId>,
    ) -> Result<Self, sea_orm::DbErr> {
        let caller = match sender {
            Sender::Demo => return Ok(Self::default()),
            Sender::Server(caller) => {
                // The server writes for one user only.
                let standing = Standing { role: caller.role, scope: caller.scope, signed_in_on_device: true };
                return Ok(Self { standings: HashMap::from([(caller.user, standing)]) });
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
            .filter(user::Column::Id.is_in(ids))
            .into_tuple()
            .all(db)
            .await?;
        let mut standings = HashMap::new();
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
        Ok(Self { standings })
    }

    pub fn standing(&self, user: UserId) -> Option<Standing> {
        self.standings.get(&user).copied()
    }
}
