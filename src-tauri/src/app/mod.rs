//! The Tauri window over the workstation core: settings, the commands, and the sync
//! status forwarded to the page as events. The only part of the crate that imports
//! Tauri.
//!
//! [`build`] is generic over the runtime, so `tauri::test::mock_builder()` boots the
//! same app, with the same commands, in tests without a display.

pub mod commands;

use std::path::PathBuf;
use std::sync::Mutex;

use tauri::{Emitter as _, Manager as _, Runtime};

use crate::{Clock, Station, StationConfig, StationError, SyncEngine, SyncSettings};

/// The event carrying every change of the sync engine's state (`SyncStatus`).
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// Where the workstation keeps its data and which server it talks to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DesktopSettings {
    /// The sync server.
    pub server: String,
    /// The store's directory; `$XDG_DATA_HOME/cn.jinlin.desktop` when left out.
    pub data_dir: Option<PathBuf>,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self { server: "http://127.0.0.1:8080".into(), data_dir: None }
    }
}

impl DesktopSettings {
    /// The compiled-in defaults, overlaid by the user's file (`settings.json` in the
    /// app's configuration directory, holding only what differs), overlaid by
    /// `JINLIN_SERVER` and `JINLIN_STATION_DATA` for support and for tests.
    pub fn load(config_dir: Option<PathBuf>) -> Self {
        let mut settings = config_dir
            .map(|dir| dir.join("settings.json"))
            .and_then(|file| std::fs::read(file).ok())
            .and_then(|bytes| serde_json::from_slice::<DesktopSettings>(&bytes).ok())
            .unwrap_or_default();
        if let Ok(server) = std::env::var("JINLIN_SERVER") {
            settings.server = server;
        }
        if let Ok(dir) = std::env::var("JINLIN_STATION_DATA") {
            settings.data_dir = Some(dir.into());
        }
        settings
    }
}

/// The running sync engine, stopped when the app exits.
struct Engine(Mutex<Option<SyncEngine>>);

/// The app: the workstation opened, its sync engine started, the commands
/// registered, and, once the app is running, the engine's status forwarded to the page.
pub fn build<R: Runtime>(
    builder: tauri::Builder<R>,
    settings: DesktopSettings,
) -> Result<tauri::Builder<R>, StationError> {
    let config = StationConfig {
        data_dir: settings.data_dir.unwrap_or_else(default_data_dir),
        server: settings.server,
        device_name: device_name(),
        sync: SyncSettings::default(),
        clock: Clock::system(),
    };
    let station = tauri::async_runtime::block_on(Station::open(config))?;
    // Subscribed before the engine starts, so the page misses no state.
    let mut events = station.subscribe();
    let engine = tauri::async_runtime::block_on(async { station.start_sync() });
    Ok(builder
        .manage(station)
        .manage(Engine(Mutex::new(Some(engine))))
        .invoke_handler(tauri::generate_handler![
            commands::sign_in,
            commands::sign_out,
            commands::current_user,
            commands::known_users,
            commands::roster,
            commands::elder,
            commands::record_visit,
            commands::correct_visit,
            commands::void_visit,
            commands::enrol_elder,
            commands::update_profile,
            commands::submit_id_number,
            commands::resolve_conflict,
            commands::rejected_changes,
            commands::sync_now,
            commands::sync_status,
            commands::server_address,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    match events.recv().await {
                        Ok(status) => {
                            let _ = handle.emit(SYNC_STATUS_EVENT, status);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
            Ok(())
        }))
}

/// Stops the sync engine (the sync in progress finishes first); call on exit.
pub fn stop<R: Runtime>(app: &tauri::AppHandle<R>) {
    let engine = app.try_state::<Engine>().and_then(|engine| engine.0.lock().ok().and_then(|mut e| e.take()));
    if let Some(engine) = engine {
        tauri::async_runtime::block_on(engine.stop());
    }
}

/// Runs the desktop app.
pub fn run() {
    let settings = DesktopSettings::load(config_dir());
    let builder = match build(tauri::Builder::default(), settings) {
        Ok(builder) => builder,
        Err(error) => {
            eprintln!("jinlin-desktop: the workstation's store could not be opened: {error}");
            std::process::exit(1);
        }
    };
    let app = builder.build(tauri::generate_context!()).expect("the app's configuration is valid");
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            stop(handle);
        }
    });
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("cn.jinlin.desktop")
}

fn config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .map(|dir| dir.join("cn.jinlin.desktop"))
}

fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "workstation".into())
}
