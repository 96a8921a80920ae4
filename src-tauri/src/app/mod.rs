//! The Tauri window over the workstation core: settings, the commands, and the sync
//! status forwarded to the page as events. The only part of the crate that imports
//! Tauri.
//!
//! [`build`] is generic over the runtime, so `tauri::test::mock_builder()` boots the
//! same app, with the same commands, in tests without a display.

pub mod commands;
mod notify;

use std::path::PathBuf;
use std::sync::Mutex;

use tauri::{Emitter as _, Manager as _, Runtime};

pub use crate::settings::DesktopSettings;
use crate::{Clock, Station, StationConfig, StationError, SyncEngine, SyncSettings};

include!("command_list.rs");

/// Every command the window may call, by name (from `command_list.rs`).
pub const COMMANDS: &[&str] = with_window_commands!(command_names);

/// The invoke handler of every window command.
macro_rules! invoke_handler {
    ($($command:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$command),*]
    };
}

/// The commands the window may call while the screen is locked: what the lock screen
/// itself needs (who is in, the lock, unlocking or signing out, the sync bar and its
/// button (sync goes on while locked), the
/// language and text size). [`refused_while_locked`] answers every other one with
/// `locked` before it runs: the settings (and so the server address and the token
/// sent there) included.
pub const WHILE_LOCKED: &[&str] =
    &["current_user", "is_locked", "lock", "unlock", "sign_out", "sync_status", "sync_now", "settings"];

/// Wraps the invoke handler: the one place that checks the lock for every command.
fn refused_while_locked<R: Runtime>(
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    move |invoke| {
        let locked = invoke.message.webview_ref().try_state::<Station>().is_some_and(|station| station.is_locked());
        if locked && !WHILE_LOCKED.contains(&invoke.message.command()) {
            invoke.resolver.reject(crate::ErrorView::from(&StationError::Locked));
            return true;
        }
        handler(invoke)
    }
}

/// The event carrying every change of the sync engine's state (`SyncStatus`).
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// How the app starts: its settings, where the settings screen saves them, and
/// whom to sign in before the window opens.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub settings: DesktopSettings,
    /// Where the settings screen saves; when `None`, changes last until the app exits.
    pub settings_file: Option<PathBuf>,
    /// Signs this user in (login, password) as the app starts: for the demo's run
    /// command (`JINLIN_SIGN_IN` and `JINLIN_PASSWORD`). A failure leaves the
    /// sign-in screen up.
    pub sign_in: Option<(String, String)>,
    /// Where exported reports are saved; the user's download folder when `None`.
    pub export_folder: Option<PathBuf>,
}

impl Launch {
    /// The settings file in the user's configuration directory, overlaid by the
    /// environment (`JINLIN_SERVER`, `JINLIN_STATION_DATA`, `JINLIN_SIGN_IN`,
    /// `JINLIN_EXPORT_DIR`).
    pub fn from_environment() -> Self {
        let settings_file = config_dir().map(|dir| dir.join("settings.json"));
        let mut settings = DesktopSettings::load(settings_file.as_deref());
        if let Some(dir) = config_dir() {
            settings = settings.with_preset_authority(&dir);
        }
        let sign_in = std::env::var("JINLIN_SIGN_IN")
            .ok()
            .map(|login| (login, std::env::var("JINLIN_PASSWORD").unwrap_or_default()));
        let export_folder = std::env::var_os("JINLIN_EXPORT_DIR").map(PathBuf::from);
        Self { settings, settings_file, sign_in, export_folder }
    }
}

/// Where exported reports are saved: the launch's choice, else the user's download
/// folder (resolved when saving).
#[derive(Debug)]
pub struct ExportFolder(pub Option<PathBuf>);

/// The settings as they are now, and where they are saved.
#[derive(Debug)]
pub struct SettingsState {
    pub file: Option<PathBuf>,
    pub current: Mutex<DesktopSettings>,
}

/// The running sync engine, stopped when the app exits.
struct Engine(Mutex<Option<SyncEngine>>);

/// The app: the workstation opened, its sync engine started, the commands
/// registered, and, once the app is running, the engine's status forwarded to the page.
pub fn build<R: Runtime>(builder: tauri::Builder<R>, launch: Launch) -> Result<tauri::Builder<R>, StationError> {
    let Launch { settings, settings_file, sign_in, export_folder } = launch;
    let config = StationConfig {
        data_dir: settings.data_dir.clone().unwrap_or_else(default_data_dir),
        server: settings.server.clone(),
        server_ca: settings.ca_certificate.clone(),
        device_name: device_name(),
        clock: Clock::system(),
    };
    let station = tauri::async_runtime::block_on(Station::open(config))?;
    if let Some((login, password)) = sign_in
        && let Err(error) = tauri::async_runtime::block_on(station.sign_in(&login, &password))
    {
        eprintln!("jinlin-desktop: {login} could not be signed in at start: {error}");
    }
    // Subscribed before the engine starts, so the page misses no state.
    let mut events = station.subscribe();
    let engine = tauri::async_runtime::block_on(async { SyncEngine::start(&station, SyncSettings::default()) });
    Ok(builder
        .manage(station)
        .manage(SettingsState { file: settings_file, current: Mutex::new(settings) })
        .manage(Engine(Mutex::new(Some(engine))))
        .manage(ExportFolder(export_folder))
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(refused_while_locked(with_window_commands!(invoke_handler)))
        .setup(move |app| {
            let handle = app.handle().clone();
            // Deriving the warnings reads every record: its own task, one look at a
            // time, so it never holds up the statuses the page waits for.
            tauri::async_runtime::spawn(notify::after_each_sync(handle.clone(), app.state::<Station>().subscribe()));
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
    // Logs go to the platform's log folder for the life of the app.
    let _logs = crate::logging::init(&crate::logging::default_dir())
        .map_err(|error| eprintln!("jinlin-desktop: no log files: {error}"))
        .ok();
    let builder = match build(tauri::Builder::default(), Launch::from_environment()) {
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

/// The platform's data folder: `%APPDATA%` on Windows, `~/Library/Application
/// Support` on macOS, `$XDG_DATA_HOME` on Linux (from `dirs`, the same the window uses).
fn default_data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join(APP_FOLDER)
}

/// The platform's configuration folder for the app.
fn config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join(APP_FOLDER))
}

/// What the server's device list calls this workstation: the computer's name.
fn device_name() -> String {
    whoami::hostname()
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "workstation".into())
}

/// The app's folder name inside the platform's folders (its bundle identifier).
const APP_FOLDER: &str = "cn.jinlin.desktop";
