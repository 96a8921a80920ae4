//! The window's TypeScript types are the ones the Rust types generate today.

use jinlin_desktop::typescript::{TYPES_PATH, declarations};

#[test]
fn the_generated_typescript_types_are_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(TYPES_PATH);
    let generated = declarations();
    if std::env::var_os("JINLIN_BLESS_TYPES").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("the api directory");
        std::fs::write(&path, &generated).expect("types.ts written");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale; run JINLIN_BLESS_TYPES=1 cargo test -p jinlin-desktop --test typescript",
        path.display()
    );
    // JSON numbers arrive as numbers: a `bigint` in the declarations would be a lie.
    assert!(!generated.contains("bigint"), "an i64 field needs #[ts(type = \"number\")]");
    for expected in
        ["export type RosterView = ", "export type SyncState = ", "export type ErrorView = ", "SYNC_STATUS_EVENT"]
    {
        assert!(generated.contains(expected), "types.ts declares {expected}");
    }
}
