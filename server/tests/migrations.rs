//! The schema's migrations on both databases: up from nothing, and the last one down
//! and up again over rows written before it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_server::db::entity::{log_entry, visit};
use jinlin_server::db::{self, migration::Migrator};
use jinlin_testkit::{Backend, TestDatabase};
use sea_orm::{ConnectionTrait as _, EntityTrait as _, Statement};
use sea_orm_migration::{MigratorTrait as _, SchemaManager};

const HASH: &str = "8a3c8f0f3e2f4b6a9c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70819";

async fn the_last_migration_goes_down_and_up_again_keeping_what_was_written(backend: Backend) {
    let database = TestDatabase::fresh(backend).await;
    let connection = db::connect(&database.url, true).await.unwrap();
    let schema = SchemaManager::new(&connection);
    assert!(!schema.has_table("changes").await.unwrap(), "changes are kept in their documents' saves only");
    assert!(!schema.has_column("visits", "community_id").await.unwrap());
    assert!(schema.has_column("log_entries", "change_hashes").await.unwrap());

    Migrator::down(&connection, Some(1)).await.unwrap();
    assert!(schema.has_table("changes").await.unwrap(), "going down puts the table back");
    assert!(schema.has_column("visits", "community_id").await.unwrap());
    // Rows as the schema before held them: a log entry naming its one change in hex,
    // a visit with its community.
    for sql in [
        format!(
            "INSERT INTO log_entries (community_id, seq, elder_id, kind, change_hash) VALUES ('c', 1, 'e', 'change', '{HASH}')"
        ),
        "INSERT INTO visits (visit_id, elder_id, community_id, assistant_id, device_id, visited_at, recorded_at, \
         received_at, mode, outcome, risk, incident, voided, row) \
         VALUES ('v', 'e', 'c', 'a', 'd', 1, 2, 3, 'home', 'metElder', 'green', NULL, false, '{}')"
            .to_owned(),
    ] {
        connection.execute_raw(Statement::from_string(connection.get_database_backend(), sql)).await.unwrap();
    }

    Migrator::up(&connection, None).await.unwrap();
    assert!(!schema.has_table("changes").await.unwrap());
    assert!(!schema.has_column("visits", "community_id").await.unwrap());
    let entry = log_entry::Entity::find().one(&connection).await.unwrap().expect("the entry is kept");
    assert_eq!(entry.changes().unwrap(), [HASH.parse().unwrap()], "an entry from before still names its change");
    let row = visit::Entity::find_by_id("v").one(&connection).await.unwrap().expect("the visit is kept");
    assert_eq!((row.elder_id.as_str(), row.visited_at, row.risk.as_str()), ("e", 1, "green"));
    connection.close().await.unwrap();
    database.remove().await;
}

#[tokio::test]
async fn on_sqlite() {
    the_last_migration_goes_down_and_up_again_keeping_what_was_written(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres() {
    the_last_migration_goes_down_and_up_again_keeping_what_was_written(Backend::Postgres).await;
}
