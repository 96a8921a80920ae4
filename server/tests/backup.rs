//! `jinlin-server backup` and `restore` as a city's IT team runs them: a copy taken
//! while the server serves, every bad file refused with a clear error and nothing
//! changed, and a restore that takes the database back and gives it a new generation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use jinlin_server::db;
use jinlin_testkit::{Backend, TestDatabase};
use sea_orm::{ConnectionTrait as _, Statement};

const SERVER: &str = env!("CARGO_BIN_EXE_jinlin-server");

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(SERVER)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("JINLIN_PASSWORD", "a long enough password")
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs `args` and expects success.
fn ok(url: &str, args: &[&str]) -> String {
    let output = run(url, args);
    assert!(output.status.success(), "{args:?}: {}", said(&output));
    said(&output)
}

/// Runs `args` and expects the asker's error (exit 2) saying `words`.
fn refused(url: &str, args: &[&str], words: &str) -> String {
    let output = run(url, args);
    let text = said(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?} is the asker's to fix: {text}");
    assert!(text.contains(words), "{args:?} says {words:?}: {text}");
    text
}

async fn users(url: &str) -> Vec<String> {
    let connection = db::connect(url, false).await.unwrap();
    let rows = connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            "SELECT login FROM users ORDER BY login",
        ))
        .await
        .unwrap();
    connection.close().await.unwrap();
    rows.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect()
}

async fn generation(url: &str) -> String {
    let connection = db::connect(url, false).await.unwrap();
    let generation = jinlin_server::generation::read(&connection).await.unwrap().to_string();
    connection.close().await.unwrap();
    generation
}

async fn a_backup_taken_while_serving_restores_the_database_as_it_was_with_a_new_generation(backend: Backend) {
    let database = TestDatabase::fresh(backend).await;
    let url = database.url.clone();
    ok(&url, &["user", "add", "before", "--name", "备份前", "--role", "admin"]);
    let server = jinlin_testkit::ServerProcess::start(Path::new(SERVER), jinlin_testkit::ServeOptions::new(&url));
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("jinlin.backup");
    let backup_arg = backup.to_str().unwrap();
    let said = ok(&url, &["backup", "--out", backup_arg]);
    assert!(said.contains("backed up") && said.contains("0 elders"), "{said}");
    assert_eq!(server.terminate().code(), Some(0));
    // Taken again to the same name: refused, the first copy kept.
    let size = std::fs::metadata(&backup).unwrap().len();
    refused(&url, &["backup", "--out", backup_arg], "exists");
    assert_eq!(std::fs::metadata(&backup).unwrap().len(), size);

    ok(&url, &["user", "add", "after", "--name", "备份后", "--role", "admin"]);
    let before = generation(&url).await;
    let checked = ok(&url, &["restore", backup_arg, "--check"]);
    assert!(checked.contains("can restore it"), "{checked}");
    assert_eq!(users(&url).await, ["after", "before"], "a check changes nothing");
    // Without --yes and with no one to ask, nothing happens.
    refused(&url, &["restore", backup_arg], "--yes");
    assert_eq!(users(&url).await, ["after", "before"]);

    let restored = ok(&url, &["restore", backup_arg, "--yes"]);
    assert!(restored.contains("will:") && restored.contains("new generation"), "it says what it does: {restored}");
    assert_eq!(users(&url).await, ["before"], "the database is as it was at the backup");
    assert_ne!(generation(&url).await, before, "a restored database is a new generation");
    // The database it replaced was kept beside it.
    let kept = restored
        .lines()
        .find_map(|line| line.trim().strip_prefix("1. keep the database as it is now in "))
        .expect("the plan names where the current database goes")
        .to_owned();
    assert!(Path::new(&kept).exists(), "{kept}");
    database.remove().await;
}

#[tokio::test]
async fn on_sqlite() {
    a_backup_taken_while_serving_restores_the_database_as_it_was_with_a_new_generation(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres() {
    a_backup_taken_while_serving_restores_the_database_as_it_was_with_a_new_generation(Backend::Postgres).await;
}

#[tokio::test]
async fn a_foreign_damaged_newer_or_mismatched_backup_is_refused_and_changes_nothing() {
    let database = TestDatabase::fresh(Backend::Sqlite).await;
    let url = database.url.clone();
    ok(&url, &["user", "add", "keeper", "--name", "留守", "--role", "admin"]);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.backup");
    ok(&url, &["backup", "--out", good.to_str().unwrap()]);
    let generation_before = generation(&url).await;

    // A picture, an empty file, a file that does not exist.
    let picture = dir.path().join("photo.png");
    std::fs::write(&picture, b"\x89PNG\r\n\x1a\n not a database").unwrap();
    refused(&url, &["restore", picture.to_str().unwrap(), "--yes"], "not a Jinlin backup");
    let empty = dir.path().join("empty.backup");
    std::fs::write(&empty, b"").unwrap();
    refused(&url, &["restore", empty.to_str().unwrap(), "--yes"], "不是 Jinlin 的备份");
    refused(&url, &["restore", dir.path().join("missing").to_str().unwrap(), "--yes"], "cannot read");
    // A SQLite file of someone else's.
    let foreign = dir.path().join("other.db");
    let other = format!("sqlite://{}", foreign.display());
    let connection = sea_orm::Database::connect(format!("{other}?mode=rwc")).await.unwrap();
    connection.execute_unprepared("CREATE TABLE notes (text TEXT)").await.unwrap();
    connection.close().await.unwrap();
    refused(&url, &["restore", foreign.to_str().unwrap(), "--yes"], "not a Jinlin database");
    // A backup cut short.
    let cut = dir.path().join("cut.backup");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    refused(&url, &["restore", cut.to_str().unwrap(), "--yes"], "damaged");
    // A backup a newer server wrote.
    let newer = dir.path().join("newer.backup");
    std::fs::copy(&good, &newer).unwrap();
    let connection = sea_orm::Database::connect(format!("sqlite://{}", newer.display())).await.unwrap();
    connection
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20990101_000099_from_the_future', 0)",
        )
        .await
        .unwrap();
    connection.close().await.unwrap();
    refused(&url, &["restore", newer.to_str().unwrap(), "--yes"], "newer server");
    // A SQLite backup for a PostgreSQL database.
    let postgres = TestDatabase::fresh(Backend::Postgres).await;
    refused(&postgres.url, &["restore", good.to_str().unwrap(), "--yes"], "is a SQLite backup");
    postgres.remove().await;

    assert_eq!(users(&url).await, ["keeper"], "nothing changed");
    assert_eq!(generation(&url).await, generation_before);
    database.remove().await;
}
