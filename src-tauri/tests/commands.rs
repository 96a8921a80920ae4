//! Each window command is listed once (src/app/command_list.rs); the places Tauri
//! needs it spelled again agree with that list. (The invoke handler and the app
//! manifest are generated from it; the window's TypeScript is checked against it
//! through `COMMANDS` in types.ts.)

use std::collections::BTreeSet;
use std::path::Path;

use jinlin_desktop::app::COMMANDS;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn listed() -> BTreeSet<String> {
    COMMANDS.iter().map(|c| (*c).to_owned()).collect()
}

/// The commands a capability file allows (`allow-<kebab-name>`), Tauri's own
/// permissions (`core:…`) left out.
fn allowed_by(capability: &str) -> BTreeSet<String> {
    let capability: serde_json::Value = serde_json::from_str(capability).expect("the capability file is JSON");
    capability["permissions"]
        .as_array()
        .expect("a list of permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.contains(':'))
        .map(|p| p.strip_prefix("allow-").unwrap_or(p).replace('-', "_"))
        .collect()
}

/// The functions marked `#[tauri::command]` in a source file.
fn defined_in(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut marked = false;
    for line in source.lines().map(str::trim) {
        if line == "#[tauri::command]" {
            marked = true;
        } else if marked && !line.starts_with("#[") {
            let name = line.split("fn ").nth(1).and_then(|rest| rest.split(['(', '<']).next());
            found.insert(name.expect("a command is a function").trim().to_owned());
            marked = false;
        }
    }
    found
}

#[test]
fn the_list_has_no_command_twice() {
    assert_eq!(listed().len(), COMMANDS.len(), "{COMMANDS:?}");
}

#[test]
fn the_capability_file_allows_exactly_the_listed_commands() {
    assert_eq!(allowed_by(&read("capabilities/default.json")), listed(), "capabilities/default.json");
}

#[test]
fn commands_rs_defines_exactly_the_listed_commands() {
    assert_eq!(defined_in(&read("src/app/commands.rs")), listed(), "src/app/commands.rs");
}

#[test]
fn a_command_left_out_of_a_list_is_seen() {
    let capability = r#"{ "permissions": ["core:event:allow-listen", "allow-sign-in", "allow-sign-out"] }"#;
    assert_eq!(allowed_by(capability), BTreeSet::from(["sign_in".to_owned(), "sign_out".to_owned()]));
    let source = "#[tauri::command]\npub async fn sign_in(a: u8) {}\n\npub fn helper() {}\n#[tauri::command]\n#[allow(unused)]\npub fn lock<R>() {}\n";
    assert_eq!(defined_in(source), BTreeSet::from(["sign_in".to_owned(), "lock".to_owned()]));
    assert_ne!(defined_in(source), listed(), "two commands are not all of them");
}
