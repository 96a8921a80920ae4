//! Who made a change: the user and the device, recorded on every Automerge change.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, UserId};

/// The author of a change: a signed-in user working on a registered device.
///
/// Automerge numbers changes by actor; an actor is one process start, so the server
/// maps actors to authors by reading this value from each change's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Author {
    pub user: UserId,
    pub device: DeviceId,
}

impl Author {
    /// The form stored as a change's commit message.
    pub fn to_commit_message(&self) -> String {
        serde_json::to_string(self).expect("invariant: an Author always serialises")
    }

    /// Reads a change's commit message; `None` when it does not name an author.
    pub fn from_commit_message(message: &str) -> Option<Self> {
        serde_json::from_str(message).ok()
    }
}
