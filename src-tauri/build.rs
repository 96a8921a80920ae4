//! Tauri's build step, with the app's commands declared so that the capability file
//! can allow exactly the ones the window uses.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&COMMANDS)),
    )
    .expect("the Tauri build step succeeds");
}

/// Every command of `src/app/commands.rs`; a command missing here cannot be invoked.
const COMMANDS: [&str; 26] = [
    "sign_in",
    "sign_out",
    "current_user",
    "known_users",
    "roster",
    "elder",
    "record_visit",
    "correct_visit",
    "void_visit",
    "resolve_follow_up",
    "enrol_elder",
    "update_profile",
    "submit_id_number",
    "resolve_conflict",
    "rejected_changes",
    "sync_now",
    "sync_status",
    "settings",
    "save_settings",
    "lock",
    "unlock",
    "is_locked",
    "coverage",
    "export_report",
    "alerts",
    "close_alert",
];
