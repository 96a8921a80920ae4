//! The schema's migrations on both databases: up from nothing, and the last one down
//! and up again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_server::db::{self, migration::Migrator};
use jinlin_testkit::{Backend, TestDatabase};
use sea_orm_migration::{MigratorTrait as _, SchemaManager};

async fn the_last_migration_goes_down_and_up_again(backend: Backend) {
    let database = TestDatabase::fresh(backend).await;
    let connection = db::connect(&database.url, true).await.unwrap();
    let schema = SchemaManager::new(&connection);
    assert!(schema.has_table("documents").await.unwrap());
    assert!(!schema.has_table("changes").await.unwrap(), "changes are kept in their documents' saves only");
    Migrator::down(&connection, Some(1)).await.unwrap();
    assert!(schema.has_table("changes").await.unwrap(), "going down puts the table back");
    Migrator::up(&connection, None).await.unwrap();
    assert!(!schema.has_table("changes").await.unwrap());
    connection.close().await.unwrap();
    database.remove().await;
}

#[tokio::test]
async fn on_sqlite() {
    the_last_migration_goes_down_and_up_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn on_postgres() {
    the_last_migration_goes_down_and_up_again(Backend::Postgres).await;
}
