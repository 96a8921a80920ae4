//! The command line as scripts use it: piped into `head` or `awk '… exit'`, whose
//! reader goes away before the command has printed everything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

const SERVER: &str = env!("CARGO_BIN_EXE_jinlin-server");

/// The binary on a SQLite file of its own, with nothing of the environment's.
fn server(database: &std::path::Path) -> Command {
    let mut command = Command::new(SERVER);
    command
        .arg("--database-url")
        .arg(format!("sqlite://{}", database.display()))
        .env_remove("DATABASE_URL")
        .env_remove("JINLIN_POLICY")
        .env("JINLIN_PASSWORD", "a long enough password")
        .stdin(Stdio::null());
    command
}

/// Runs `args` with standard output's reader gone before the command prints:
/// answers the exit status and what it said on standard error.
fn with_reader_gone(database: &std::path::Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = server(database).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (output.status, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_command_that_prints_ends_quietly_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("jinlin.db");
    let (status, said) = with_reader_gone(&database, &["migrate"]);
    assert!(status.success() && !said.contains("panicked"), "migrate: {status}: {said}");
    for login in ["admin", "admin2", "admin3"] {
        let added =
            server(&database).args(["user", "add", login, "--name", login, "--role", "admin"]).output().unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    }
    for args in [&["user", "list"][..], &["device", "list"], &["exports"]] {
        let (status, said) = with_reader_gone(&database, args);
        assert!(status.success(), "{args:?} exits 0 when its reader has gone: {status}: {said}");
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
    // As the run command reads it, under `set -o pipefail`.
    let script = format!(
        "set -euo pipefail; \"$0\" --database-url 'sqlite://{}' user list | awk -F'\\t' '{{ print $1; exit }}'",
        database.display()
    );
    let piped = Command::new("bash").arg("-c").arg(script).arg(SERVER).env_remove("DATABASE_URL").output().unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    assert_eq!(String::from_utf8_lossy(&piped.stdout).trim(), "admin");
}

#[test]
fn a_full_disk_or_other_output_failure_is_still_an_error() {
    // /dev/full answers every write with "no space left": not a reader gone away.
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("jinlin.db");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = server(&database).arg("migrate").stdout(full).output().unwrap();
    assert!(!output.status.success(), "a failed write is reported");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write to standard output"));
}

/// The deployment files beside the code: every setting the environment file example
/// names is one the server reads, and the service unit keeps its hardening.
#[test]
fn the_environment_file_example_names_only_settings_the_server_reads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = std::fs::read_to_string(root.join("deploy/jinlin-server.env.example")).unwrap();
    let help = Command::new(SERVER).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let keys: Vec<&str> = example
        .lines()
        .map(|line| line.trim_start_matches('#').trim())
        .filter_map(|line| line.split_once('=').map(|(key, _)| key))
        .filter(|key| !key.is_empty() && key.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert!(keys.len() >= 8, "{keys:?}");
    for key in keys {
        // RUST_LOG is read by the log's filter, not by a flag.
        assert!(
            key == "RUST_LOG" || help.contains(&format!("[env: {key}")),
            "{key} is not a setting of `serve`:\n{help}"
        );
    }
    let unit = std::fs::read_to_string(root.join("deploy/jinlin-server.service")).unwrap();
    for directive in [
        "User=jinlin",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "ExecStart=/usr/local/bin/jinlin-server serve",
    ] {
        assert!(unit.lines().any(|line| line.trim() == directive), "the unit says {directive}");
    }
}

#[test]
fn roster_commands_say_what_a_file_would_do_and_write_only_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("jinlin.db");
    let areas = dir.path().join("areas.csv");
    std::fs::write(
        &areas,
        "district_code,district_name,street_code,street_name,community_code,community_name\n\
         350203,思明区,350203001,鹭江街道,350203001001,和平社区\n\
         350203,思明区,350203001,鹭江街道,350203001002,光明社区\n\
         350206,湖里区,350206001,殿前街道,350206001001,幸福社区\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let output = server(&database).args(args).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "{args:?}: {said}");
        said
    };
    run(&["area", "import", areas.to_str().unwrap()]);
    run(&["user", "add", "admin", "--name", "管理员", "--role", "admin"]);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/roster/roster-2026-11.xlsx");

    let checked = run(&["roster", "check", file]);
    assert!(checked.contains("new 4") && checked.contains("problems 2"), "{checked}");
    assert!(checked.contains("enrol   line 3: 陈秀英") && checked.contains("problem line 6"), "{checked}");
    assert!(checked.contains("nothing was written"), "{checked}");
    // No terminal to ask and no --yes: nothing is written.
    let unasked = run(&["roster", "import", file]);
    assert!(unasked.contains("give --yes") && unasked.contains("nothing was written"), "{unasked}");
    assert!(run(&["roster", "check", file]).contains("new 4"), "still nothing enrolled");
    let applied = run(&["roster", "import", file, "--yes"]);
    assert!(applied.contains("enrolled 4, updated 0, refused 0"), "{applied}");
    let again = run(&["roster", "import", file, "--yes"]);
    assert!(again.contains("new 0 · changed 0 · unchanged 4") && again.contains("nothing to apply"), "{again}");
}
