//! Jinlin's workstation core: the local encrypted store, sign-in online and offline,
//! every operation of the assistant's round, and the background sync engine.
//!
//! Only `app` imports Tauri: the window (`app`), the `jinlin-station` command line
//! and the tests all drive the same [`Station`].

pub mod app;
pub mod client;
pub mod crypto;
pub mod error;
pub mod forms;
pub mod logging;
pub mod own_edits;
pub mod settings;
pub mod station;
pub mod store;
pub mod supervision;
pub mod sync;
pub mod typescript;

pub use error::{ErrorView, StationError, StationErrorCode};
pub use station::{
    Clock, ElderPage, OfflineReason, RejectedChangeView, RosterLine, RosterView, SignIn, Station, StationConfig,
};
pub use sync::{SyncEngine, SyncErrorCode, SyncReport, SyncSettings, SyncState, SyncStatus};
