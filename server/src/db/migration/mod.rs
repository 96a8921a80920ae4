//! The central database's migrations: database-agnostic, the same on SQLite and
//! PostgreSQL, named `mYYYYMMDD_NNNNNN_verb_noun`.

use sea_orm_migration::prelude::*;

mod m20261128_000001_create_tables;
mod m20261129_000002_add_device_keys;
mod m20261129_000003_create_alerts;
mod m20261130_000004_bind_devices_and_throttle_sign_ins;
mod m20261130_000005_store_each_change_once;
mod m20261207_000006_create_server_identity;
mod m20261207_000007_create_waiting_changes;
mod m20261207_000008_create_user_standings;
mod m20261207_000009_create_warnings;
mod m20261207_000010_create_insurance_cases;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_tables::Migration),
            Box::new(m20261129_000002_add_device_keys::Migration),
            Box::new(m20261129_000003_create_alerts::Migration),
            Box::new(m20261130_000004_bind_devices_and_throttle_sign_ins::Migration),
            Box::new(m20261130_000005_store_each_change_once::Migration),
            Box::new(m20261207_000006_create_server_identity::Migration),
            Box::new(m20261207_000007_create_waiting_changes::Migration),
            Box::new(m20261207_000008_create_user_standings::Migration),
            Box::new(m20261207_000009_create_warnings::Migration),
            Box::new(m20261207_000010_create_insurance_cases::Migration),
        ]
    }
}
