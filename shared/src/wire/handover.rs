//! An assistant's handover on the wire: what a workstation reports still waiting, by
//! author, with each pull; and what a supervisor sees of the assistants of their area
//! before moving one to another community or taking them off.

use serde::{Deserialize, Serialize};

use crate::area::NamedCommunity;
use crate::ids::{CommunityId, UserId};
use crate::time::Timestamp;

/// Changes one author made on a workstation that the server has not yet stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitingChanges {
    pub user: UserId,
    pub changes: u32,
}

/// Most authors a pull may report waiting changes for (a workstation has a few).
pub const MAX_WAITING_AUTHORS: usize = 100;

/// `GET /handover`: an assistant of the caller's area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssistantHandover {
    pub user: UserId,
    pub login: String,
    pub display_name: String,
    pub community: NamedCommunity,
    /// Taken off: may no longer sign in.
    pub disabled: bool,
    /// Where their changes wait to sync, as each workstation last said, most first.
    pub waiting: Vec<WaitingOnWorkstation>,
}

/// One workstation's last word on an assistant's changes waiting there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitingOnWorkstation {
    /// The name the workstation registered under (its computer's name).
    pub workstation: String,
    pub changes: u32,
    pub reported_at: Timestamp,
}

/// `POST /handover/{login}/move`: the community the assistant works in from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoverMove {
    pub community: CommunityId,
}
