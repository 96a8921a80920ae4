//! Jinlin's workstation core: the local encrypted store, sign-in online and offline,
//! every operation of the assistant's round, and the background sync engine.
//!
//! Only `app` imports Tauri: the window (`app`), the `jinlin-station` command line
//! and the tests all drive the same [`Station`]. Modules import one another in one
//! direction only (`shared/tests/imports.rs` checks it); the layout is in ARCHITECTURE.md.

pub mod app;
pub mod client;
pub mod crypto;
pub mod engine;
pub mod error;
pub mod forms;
pub mod logging;
pub mod own_edits;
mod saved_file;
pub mod server_check;
pub mod settings;
pub mod station;
pub mod status;
pub mod store;
pub mod supervision;
pub mod typescript;
pub mod vault;

pub use engine::{SyncEngine, SyncSettings};

/// This app's version, as the city's releases compare it (`GET version`).
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// [`APP_VERSION`], read.
pub fn app_version() -> jinlin_shared::wire::AppVersion {
    APP_VERSION.parse().expect("invariant: Cargo's package version is major.minor.patch")
}
pub use error::{ErrorView, StationError, StationErrorCode};
pub use station::session::{OfflineReason, SignIn};
pub use station::views::{ElderPage, RejectedChangeView, RosterLine, RosterView};
pub use station::{Clock, Station, StationConfig};
pub use status::{SyncErrorCode, SyncReport, SyncState, SyncStatus};
