//! People who sign in: their role, and what a role may do.

use serde::{Deserialize, Serialize};

use crate::area::{NamedCommunity, Scope};
use crate::ids::UserId;
use crate::label::labelled_enum;

labelled_enum! {
    pub enum Role {
        Assistant = "assistant" => ("助老员", "Assistant"),
        Supervisor = "supervisor" => ("督导", "Supervisor"),
        Admin = "admin" => ("管理员", "Administrator"),
    }
}

impl Role {
    /// Admins manage users, areas and workstations. (Every role changes documents
    /// within its scope; the scope, not the role, decides which.)
    pub fn may_manage_users(self) -> bool {
        self == Role::Admin
    }
}

/// The signed-in user, as the server tells the workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignedInUser {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// The communities of the scope, by name: the workstation checks a move against
    /// them offline and the window offers them. (Empty from a server before this
    /// field, and in key slots saved before it: the next online sign-in fills it.)
    #[serde(default)]
    pub communities: Vec<NamedCommunity>,
}
