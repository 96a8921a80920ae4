//! Tauri's build step, with the app's commands declared (from the one list in
//! `src/app/command_list.rs`) so that the capability file can allow exactly the ones
//! the window uses.

include!("src/app/command_list.rs");

/// Every window command; a command missing here cannot be invoked.
const COMMANDS: &[&str] = with_window_commands!(command_names);

/// The city's certificate authority, preset at packaging time (`scripts/package.sh
/// --ca FILE` sets `JINLIN_PRESET_CA`): written where `settings.rs` embeds it, empty
/// when none. A file that is not a PEM certificate stops the build, saying so.
fn preset_certificate_authority() {
    println!("cargo::rerun-if-env-changed=JINLIN_PRESET_CA");
    println!("cargo::rerun-if-env-changed=JINLIN_PRESET_SERVER");
    let pem = match std::env::var("JINLIN_PRESET_CA").ok().filter(|path| !path.is_empty()) {
        None => String::new(),
        Some(path) => {
            println!("cargo::rerun-if-changed={path}");
            let pem = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("JINLIN_PRESET_CA: cannot read {path}: {error}"));
            assert!(
                pem.contains("-----BEGIN CERTIFICATE-----"),
                "JINLIN_PRESET_CA: {path} is not a PEM certificate (-----BEGIN CERTIFICATE-----)"
            );
            pem
        }
    };
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("preset_ca.pem"), pem).expect("OUT_DIR is writable");
}

fn main() {
    preset_certificate_authority();
    println!("cargo::rerun-if-changed=src/app/command_list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step succeeds");
}
