//! Conventions the compiler does not check: the shared crate stays pure, every source
//! file says what it owns, and no test is skipped.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the shared crate sits in the workspace").to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_shared_crate_depends_on_no_io_runtime_database_or_randomness() {
    let manifest = std::fs::read_to_string(workspace().join("shared/Cargo.toml")).expect("manifest");
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    for forbidden in ["tokio", "sea-orm", "sqlx", "reqwest", "axum", "hyper", "rand", "getrandom", "tauri"] {
        assert!(
            !dependencies.lines().any(|l| l.trim_start().starts_with(forbidden)),
            "jinlin-shared must stay pure but depends on {forbidden}"
        );
    }
}

#[test]
fn the_shared_library_reads_no_clock_and_touches_no_files() {
    let mut files = Vec::new();
    rust_files(&workspace().join("shared/src"), &mut files);
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        for forbidden in [
            "SystemTime::now",
            "Instant::now",
            "Utc::now",
            "Local::now",
            "std::fs",
            "std::net",
            "std::env",
            "thread::spawn",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}; the shared core takes time and IO from its callers",
                file.display()
            );
        }
    }
}

#[test]
fn every_rust_file_starts_by_saying_what_it_owns() {
    let mut files = Vec::new();
    rust_files(&workspace(), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        // A file spliced into others by include! cannot hold inner docs; it says so.
        let included = text.starts_with("// Included by ");
        assert!(
            text.starts_with("//!") || included,
            "{} should start with a `//!` line saying what it owns",
            file.display()
        );
    }
}

#[test]
fn no_test_is_ignored_or_expects_a_panic() {
    let mut files = Vec::new();
    rust_files(&workspace(), &mut files);
    let ignore = ["#[", "ignore]"].concat();
    let should_panic = ["#[", "should_panic"].concat();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source");
        assert!(!text.contains(&ignore), "{} skips a test", file.display());
        assert!(!text.contains(&should_panic), "{} expects a panic instead of an error", file.display());
    }
}

#[test]
fn only_the_desktop_apps_window_layer_imports_tauri() {
    let root = workspace().join("src-tauri/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 5, "the desktop crate's sources are found");
    let window_layer = [root.join("app"), root.join("main.rs")];
    for file in files.iter().filter(|f| !window_layer.iter().any(|w| f.starts_with(w))) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains("tauri::") && !text.contains("use tauri"), "{} imports Tauri", file.display());
    }
}

#[test]
fn only_the_front_ends_api_module_imports_tauri() {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "ts" || e == "svelte") {
                out.push(path);
            }
        }
    }
    let root = workspace().join("ui/src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 5, "the front end's sources are found");
    let api = root.join("lib/api");
    for file in files.iter().filter(|f| !f.starts_with(&api)) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(!text.contains("@tauri-apps"), "{} imports @tauri-apps; only ui/src/lib/api/ may", file.display());
    }
}
