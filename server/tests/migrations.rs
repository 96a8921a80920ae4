//! The schema's migrations on both databases: up from nothing, and the last one down
//! and up again over rows written before it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_server::db::entity::{insurance_case, log_entry, visit};
use jinlin_server::db::{self, migration::Migrator};
use jinlin_testkit::{Backend, TestDatabase};
use sea_orm::{ConnectionTrait as _, EntityTrait as _, Statement};
use sea_orm_migration::{MigratorTrait as _, SchemaManager};

const HASH: &str = "8a3c8f0f3e2f4b6a9c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70819";

async fn the_last_migrations_go_down_and_up_again_keeping_what_was_written(backend: Backend) {
    let database = TestDatabase::fresh(backend).await;
    let connection = db::connect(&database.url, true).await.unwrap();
    let schema = SchemaManager::new(&connection);
    assert!(!schema.has_table("changes").await.unwrap(), "changes are kept in their documents' saves only");
    assert!(!schema.has_column("visits", "community_id").await.unwrap());
    assert!(schema.has_column("log_entries", "change_hashes").await.unwrap());

    let generation = jinlin_server::generation::read(&connection).await.expect("a new database has its generation");

    // Down past migration 5 (which dropped `changes`), 6 (the generation), 7 (what
    // workstations report waiting), 8 (the standings users held), 9 (warnings) and 10
    // (insurance cases).
    Migrator::down(&connection, Some(6)).await.unwrap();
    for table in
        ["server_identity", "waiting_changes", "user_standings", "warnings", "warning_checks", "insurance_cases"]
    {
        assert!(!schema.has_table(table).await.unwrap(), "{table} is gone");
    }
    assert!(schema.has_table("changes").await.unwrap(), "going down puts the table back");
    assert!(schema.has_column("visits", "community_id").await.unwrap());
    // Rows as the schema before held them: a log entry naming its one change in hex,
    // a visit with its community, and an elder with a fall recorded and a fall voided.
    for sql in [
        format!(
            "INSERT INTO log_entries (community_id, seq, elder_id, kind, change_hash) VALUES ('c', 1, 'e', 'change', '{HASH}')"
        ),
        "INSERT INTO visits (visit_id, elder_id, community_id, assistant_id, device_id, visited_at, recorded_at, \
         received_at, mode, outcome, risk, incident, voided, row) \
         VALUES ('v', 'e', 'c', 'a', 'd', 1, 2, 3, 'home', 'metElder', 'green', NULL, false, '{}')"
            .to_owned(),
        "INSERT INTO elders (elder_id, community_id, name, gender, birth_date, address, enrolled_on, status, \
         special_hardship, open_conflicts, row, updated_at) \
         VALUES ('e', 'c', '甲', 'female', '1940-01-01', '某路1号', '2025-01-01', 'active', true, 0, '{}', 1)"
            .to_owned(),
        "INSERT INTO visits (visit_id, elder_id, community_id, assistant_id, device_id, visited_at, recorded_at, \
         received_at, mode, outcome, risk, incident, voided, row) \
         VALUES ('f', 'e', 'c', 'a', 'd', 5, 6, 7, 'home', 'metElder', 'green', 'fall', false, '{}'), \
         ('g', 'e', 'c', 'a', 'd', 8, 9, 9, 'home', 'metElder', 'green', 'fall', true, '{}')"
            .to_owned(),
    ] {
        connection.execute_raw(Statement::from_string(connection.get_database_backend(), sql)).await.unwrap();
    }

    Migrator::up(&connection, None).await.unwrap();
    let again = jinlin_server::generation::read(&connection).await.expect("migrated up, it has one again");
    assert_ne!(again, generation, "a database migrated anew is a new generation");
    assert!(!schema.has_table("changes").await.unwrap());
    assert!(!schema.has_column("visits", "community_id").await.unwrap());
    for table in ["waiting_changes", "user_standings", "warnings", "warning_checks", "insurance_cases"] {
        assert!(schema.has_table(table).await.unwrap(), "{table} is back");
    }
    // The fall recorded before cases were followed is a lead at once; the voided one is none.
    let cases = insurance_case::Entity::find().all(&connection).await.unwrap();
    let cases: Vec<_> = cases.iter().map(|c| (c.visit_id.as_str(), c.state.as_str(), c.incident_at)).collect();
    assert_eq!(cases, [("f", "lead", 5)]);
    let entry = log_entry::Entity::find().one(&connection).await.unwrap().expect("the entry is kept");
    assert_eq!(entry.changes().unwrap(), [HASH.parse().unwrap()], "an entry from before still names its change");
    let row = visit::Entity::find_by_id("v").one(&connection).await.unwrap().expect("the visit is kept");
    assert_eq!((row.elder_id.as_str(), row.visited_at, row.risk.as_str()), ("e", 1, "green"));
    connection.close().await.unwrap();
    database.remove().await;
}

#[tokio::test]
async fn on_sqlite() {
    the_last_migrations_go_down_and_up_again_keeping_what_was_written(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres() {
    the_last_migrations_go_down_and_up_again_keeping_what_was_written(Backend::Postgres).await;
}

#[tokio::test]
async fn replicas_starting_together_on_postgres_migrate_once() {
    let database = TestDatabase::fresh(Backend::Postgres).await;
    let url = database.url.clone();
    let replicas: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { db::connect(&url, true).await })
        })
        .collect();
    for replica in replicas {
        let connection = replica.await.unwrap().expect("every replica starts, the later ones finding nothing to do");
        connection.close().await.unwrap();
    }
    let connection = db::connect(&url, false).await.unwrap();
    let rows = connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            "SELECT version, COUNT(*) AS times FROM seaql_migrations GROUP BY version",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), Migrator::migrations().len(), "every migration recorded");
    for row in rows {
        assert_eq!(row.try_get::<i64>("", "times").unwrap(), 1, "each migration ran once");
    }
    connection.close().await.unwrap();
    database.remove().await;
}
