//! Tauri's build step, with the app's commands declared (from the one list in
//! `src/app/command_list.rs`) so that the capability file can allow exactly the ones
//! the window uses.

include!("src/app/command_list.rs");

/// Every window command; a command missing here cannot be invoked.
const COMMANDS: &[&str] = with_window_commands!(command_names);

fn main() {
    println!("cargo::rerun-if-changed=src/app/command_list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step succeeds");
}
