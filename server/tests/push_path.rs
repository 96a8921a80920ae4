//! The push path against what the database itself may do: a stored row damaged (by
//! hand, or a bad restore) refuses its own elder and nothing else; and the database's
//! refusals for the moment (a deadlock, SQLite busy) are told from refusals of the
//! content by their codes, on real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Backend, Client, TestServer, enrol, visit};
use jinlin_server::db::writer::is_transient;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::PushOutcome;
use jinlin_testkit::TestDatabase;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement, TransactionTrait};

async fn damaged_rows_refuse_their_own_elder_only(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let community = server.community("350203001001");
    let mut damaged = enrol(&client, community, 1);
    let mut damaged_heads = enrol(&client, community, 2);
    let mut damaged_save = enrol(&client, community, 4);
    let mut sound = enrol(&client, community, 3);
    common::push_whole(&client, [&damaged, &damaged_heads, &damaged_save, &sound]).await;
    let backend_of = server.db.get_database_backend();
    // A save of three bytes that are no Automerge document, in each database's literal.
    let not_a_save = match backend {
        Backend::Sqlite => "X'010203'",
        Backend::Postgres => "'\\x010203'::bytea",
    };
    for (column, value, elder) in [
        ("community_id", "'not-a-community'", damaged.elder_id()),
        ("heads", "'{'", damaged_heads.elder_id()),
        ("snapshot", not_a_save, damaged_save.elder_id()),
    ] {
        let sql = format!("UPDATE documents SET {column} = {value} WHERE elder_id = '{elder}'");
        server.db.execute_raw(Statement::from_string(backend_of, sql)).await.unwrap();
    }
    let pushes = [&mut damaged, &mut damaged_heads, &mut damaged_save, &mut sound]
        .into_iter()
        .enumerate()
        .map(|(seed, doc)| {
            let before = doc.heads();
            visit(doc, &client, seed as u64 + 10);
            (doc.elder_id(), doc.changes_since(&before))
        })
        .collect();
    let answer = client.push(pushes).await;
    let codes: Vec<Option<RejectCode>> = answer
        .results
        .iter()
        .map(|r| match &r.outcome {
            PushOutcome::Rejected { code, .. } => Some(*code),
            PushOutcome::Accepted { .. } => None,
        })
        .collect();
    let unstorable = Some(RejectCode::Unstorable);
    assert_eq!(codes, [unstorable, unstorable, unstorable, None], "{answer:?}");
    assert_eq!(answer.results[3].elder, sound.elder_id(), "answers in the order sent");
    server.stop().await;
}
on_both_databases!(damaged_stored_rows, super::damaged_rows_refuse_their_own_elder_only);

/// A push that adds one visit to an elder writes that visit's row and leaves the
/// stored ones as they were (the same physical row: SQLite's rowid, PostgreSQL's
/// ctid); a void rewrites its own row, keeping when the server first received it.
async fn visit_rows_are_written_only_when_they_change(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let mut doc = enrol(&client, server.community("350203001001"), 1);
    let first = visit(&mut doc, &client, 1);
    visit(&mut doc, &client, 2);
    common::push_whole(&client, [&doc]).await;
    let place = match backend {
        Backend::Sqlite => "CAST(rowid AS TEXT)",
        Backend::Postgres => "ctid::text",
    };
    let elder = doc.elder_id();
    let rows = || {
        let sql = format!(
            "SELECT string_agg(v, ';') AS v FROM (SELECT visit_id || ' ' || {place} || ' ' || CAST(received_at AS TEXT) \
             || ' ' || CAST(voided AS TEXT) AS v FROM visits WHERE elder_id = '{elder}' ORDER BY visit_id) AS rows"
        );
        let server = &server;
        async move { server.text(&sql.replace("string_agg(v, ';')", aggregate(backend))).await }
    };
    if backend == Backend::Sqlite {
        // SQLite gives a row inserted again the rowid it had when no larger one is
        // left; moved above every other, a rewritten row could not keep its rowid.
        let sql = format!("UPDATE visits SET rowid = rowid + 500000 WHERE elder_id = '{elder}'");
        server.db.execute_raw(Statement::from_string(server.db.get_database_backend(), sql)).await.unwrap();
    }
    let stored: Vec<String> = rows().await.split(';').map(str::to_owned).collect();
    assert_eq!(stored.len(), 2);

    let before = doc.heads();
    let added = visit(&mut doc, &client, 3);
    let answer = client.push(vec![(elder, doc.changes_since(&before))]).await;
    assert!(answer.results[0].outcome.is_accepted(), "{answer:?}");
    let after: Vec<String> = rows().await.split(';').map(str::to_owned).collect();
    assert_eq!(after.len(), 3);
    for row in &stored {
        assert!(after.contains(row), "{row} was rewritten: {after:?}");
    }
    assert!(after.iter().any(|row| row.starts_with(&added.to_string())));

    let before = doc.heads();
    let edit = jinlin_shared::document::Edit { author: client.author(), at: common::now() };
    doc.void_visit(&edit, first, "录入错误").unwrap();
    let answer = client.push(vec![(elder, doc.changes_since(&before))]).await;
    assert!(answer.results[0].outcome.is_accepted(), "{answer:?}");
    let voided: Vec<String> = rows().await.split(';').map(str::to_owned).collect();
    let old = after.iter().find(|row| row.starts_with(&first.to_string())).unwrap();
    let new = voided.iter().find(|row| row.starts_with(&first.to_string())).unwrap();
    let received = |row: &str| row.split(' ').nth(2).unwrap().to_owned();
    assert_eq!(received(old), received(new), "the void keeps when the visit was first received");
    assert_ne!(old, new, "the voided visit's row is written again");
    assert!(matches!(new.split(' ').nth(3), Some("1" | "true")), "{new}");
    for row in after.iter().filter(|row| !row.starts_with(&first.to_string())) {
        assert!(voided.contains(row), "{row} was rewritten: {voided:?}");
    }
    server.stop().await;
}
on_both_databases!(visit_rows, super::visit_rows_are_written_only_when_they_change);

/// Each database's way of joining text rows.
fn aggregate(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "group_concat(v, ';')",
        Backend::Postgres => "string_agg(v, ';')",
    }
}

/// Two pools of one connection each (so that a pragma holds for every statement).
async fn two_connections(database: &TestDatabase) -> (DatabaseConnection, DatabaseConnection) {
    let url = match database.backend {
        Backend::Sqlite => format!("{}?mode=rwc", database.url),
        Backend::Postgres => database.url.clone(),
    };
    let connect = || {
        let mut options = ConnectOptions::new(url.clone());
        options.max_connections(1).min_connections(1).sqlx_logging(false);
        Database::connect(options)
    };
    (connect().await.unwrap(), connect().await.unwrap())
}

async fn run(db: &DatabaseConnection, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_busy_is_transient_and_a_duplicate_is_not() {
    let database = TestDatabase::fresh(Backend::Sqlite).await;
    let (first, second) = two_connections(&database).await;
    run(&first, "CREATE TABLE t (id INTEGER PRIMARY KEY)").await.unwrap();
    // No busy time-out: the second writer is refused at once.
    run(&second, "PRAGMA busy_timeout = 0").await.unwrap();
    let holding = first.begin().await.unwrap();
    holding
        .execute_raw(Statement::from_string(first.get_database_backend(), "INSERT INTO t VALUES (1)"))
        .await
        .unwrap();
    let busy = run(&second, "INSERT INTO t VALUES (2)").await.expect_err("the first holds the write lock");
    assert!(is_transient(&busy), "busy is for the moment: {busy:?}");
    holding.commit().await.unwrap();
    let duplicate = run(&second, "INSERT INTO t VALUES (1)").await.expect_err("a duplicate key");
    assert!(!is_transient(&duplicate), "a duplicate is the content's fault: {duplicate:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_deadlock_is_transient_and_a_duplicate_is_not() {
    let database = TestDatabase::fresh(Backend::Postgres).await;
    let (first, second) = two_connections(&database).await;
    run(&first, "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)").await.unwrap();
    run(&first, "INSERT INTO t VALUES (1, 0), (2, 0)").await.unwrap();
    let (a, b) = (first.begin().await.unwrap(), second.begin().await.unwrap());
    let statement = |sql: &str| Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql.to_owned());
    a.execute_raw(statement("UPDATE t SET n = 1 WHERE id = 1")).await.unwrap();
    b.execute_raw(statement("UPDATE t SET n = 1 WHERE id = 2")).await.unwrap();
    // Each now waits for the other's row: PostgreSQL breaks the deadlock by refusing one.
    let (left, right) = tokio::join!(
        a.execute_raw(statement("UPDATE t SET n = 2 WHERE id = 2")),
        b.execute_raw(statement("UPDATE t SET n = 2 WHERE id = 1")),
    );
    let refused = left.err().or(right.err()).expect("one of the two is refused");
    assert!(is_transient(&refused), "a deadlock is for the moment: {refused:?}");
    drop((a, b));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let duplicate = run(&first, "INSERT INTO t VALUES (1, 0)").await.expect_err("a duplicate key");
    assert!(!is_transient(&duplicate), "a duplicate is the content's fault: {duplicate:?}");
    first.close().await.unwrap();
    second.close().await.unwrap();
    database.remove().await;
}
