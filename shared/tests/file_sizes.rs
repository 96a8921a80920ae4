//! Every source file of the workspace can be read in one sitting: none is longer
//! than [`MOST_LINES`]. (Functions are held to about 80 lines by clippy's
//! `too_many_lines`, set in clippy.toml.)

use std::path::{Path, PathBuf};

/// The most lines a hand-written source file may have.
const MOST_LINES: usize = 600;

/// Files written by a program, not by hand: their length is the generator's.
const GENERATED: &[&str] = &["ui/src/lib/api/types.ts"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("shared/ is inside the workspace").to_owned()
}

/// The hand-written sources under `dir`: Rust, TypeScript and Svelte.
fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, usize)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !["target", "node_modules", "dist", "gen", ".git"].contains(&name.as_str()) {
                sources(&path, root, out);
            }
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let source = [".rs", ".ts", ".svelte"].iter().any(|ext| name.ends_with(ext));
        if source && !GENERATED.contains(&relative.as_str()) {
            let lines = std::fs::read_to_string(&path).map_or(0, |text| text.lines().count());
            out.push((relative, lines));
        }
    }
}

fn too_long(files: &[(String, usize)]) -> Vec<String> {
    files
        .iter()
        .filter(|(_, lines)| *lines > MOST_LINES)
        .map(|(path, lines)| format!("{path}: {lines} lines"))
        .collect()
}

#[test]
fn no_source_file_is_longer_than_one_sitting() {
    let root = workspace();
    let mut files = Vec::new();
    for part in ["shared", "server", "src-tauri", "tests", "ui/src"] {
        sources(&root.join(part), &root, &mut files);
    }
    assert!(files.len() > 100, "the walk found the sources ({} files)", files.len());
    let long = too_long(&files);
    assert!(long.is_empty(), "split these by what they are about (at most {MOST_LINES} lines):\n{}", long.join("\n"));
}

#[test]
fn a_long_file_is_named() {
    let files = vec![("short.rs".to_owned(), MOST_LINES), ("long.rs".to_owned(), MOST_LINES + 1)];
    assert_eq!(too_long(&files), ["long.rs: 601 lines"]);
}
