//! What the sync engine is doing, as the window shows it. The station keeps the
//! status (its counts change with every save) and the engine moves its state; both
//! only write here.

use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::AppStanding;
use serde::{Deserialize, Serialize};

/// What the engine is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum SyncState {
    /// No one is signed in: nothing can be sent or opened.
    SignedOut,
    /// The server cannot be reached; changes wait here, safely.
    Offline,
    Syncing,
    UpToDate,
    /// The server answered but sync cannot go on until someone acts.
    Error {
        code: SyncErrorCode,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum SyncErrorCode {
    /// Sign in again (with the server reachable).
    SessionExpired,
    /// An administrator revoked this workstation; its data was removed.
    DeviceRevoked,
    /// The server no longer syncs with this app: install the city's newer one
    /// (`SyncStatus::app` says which and where); work waits here meanwhile.
    AppTooOld,
    /// The server refused a request as a whole.
    ServerRefused,
    /// The server's certificate is not trusted: a wrong address, or a certificate
    /// authority missing from the settings (or someone in between).
    UntrustedServer,
    /// The local store failed.
    Storage,
    Internal,
}

/// The engine's state as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Changes saved here and not yet acknowledged by the server.
    pub pending: u32,
    /// Changes the server refused, kept to show.
    pub rejected: u32,
    pub last_success: Option<Timestamp>,
    /// How this app stands against the city's releases, as the server last said.
    pub app: AppStanding,
}

impl SyncStatus {
    pub(crate) fn signed_out(pending: u32, rejected: u32, last_success: Option<Timestamp>) -> Self {
        Self { state: SyncState::SignedOut, pending, rejected, last_success, app: AppStanding::UpToDate }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct SyncReport {
    pub pushed: u32,
    pub rejected: u32,
    pub pulled_documents: u32,
    pub bootstrapped_documents: u32,
}
