//! The workstation store's schema, migrated on open.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTables), Box::new(StationPolicy), Box::new(StationGeneration)]
    }
}

#[derive(DeriveIden)]
enum KeySlots {
    Table,
    UserId,
    Login,
    User,
    Salt,
    SealedKey,
    SealedToken,
    TokenExpiresAt,
    Communities,
    Bootstrapped,
    SignedInAt,
}

#[derive(DeriveIden)]
enum Station {
    Table,
    Id,
    DeviceId,
    Cursor,
    LastSuccessAt,
    Policy,
    Generation,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    ElderId,
    CommunityId,
    SealedSnapshot,
    SealedRows,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PendingChanges {
    Table,
    Id,
    ElderId,
    Hash,
    SealedChange,
    SavedAt,
}

#[derive(DeriveIden)]
enum RejectedChanges {
    Table,
    Id,
    ElderId,
    Hash,
    SealedChange,
    Code,
    Field,
    Reason,
    SavedAt,
    RejectedAt,
}

struct CreateTables;

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        "m20261129_000001_create_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    #[expect(
        clippy::too_many_lines,
        reason = "the whole first schema, one table after another, reads best in one place"
    )]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeySlots::Table)
                    .col(string(KeySlots::UserId).primary_key())
                    .col(string_uniq(KeySlots::Login))
                    .col(text(KeySlots::User))
                    .col(binary(KeySlots::Salt))
                    .col(binary(KeySlots::SealedKey))
                    .col(binary_null(KeySlots::SealedToken))
                    .col(big_integer_null(KeySlots::TokenExpiresAt))
                    .col(text(KeySlots::Communities))
                    .col(boolean(KeySlots::Bootstrapped))
                    .col(big_integer(KeySlots::SignedInAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Station::Table)
                    .col(integer(Station::Id).primary_key())
                    .col(string_null(Station::DeviceId))
                    .col(text(Station::Cursor))
                    .col(big_integer_null(Station::LastSuccessAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(string(Documents::ElderId).primary_key())
                    .col(string(Documents::CommunityId))
                    .col(binary(Documents::SealedSnapshot))
                    .col(binary(Documents::SealedRows))
                    .col(big_integer(Documents::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("documents_by_community")
                    .table(Documents::Table)
                    .col(Documents::CommunityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PendingChanges::Table)
                    .col(big_integer(PendingChanges::Id).primary_key().auto_increment())
                    .col(string(PendingChanges::ElderId))
                    .col(string(PendingChanges::Hash))
                    .col(binary(PendingChanges::SealedChange))
                    .col(big_integer(PendingChanges::SavedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("pending_changes_by_elder")
                    .table(PendingChanges::Table)
                    .col(PendingChanges::ElderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RejectedChanges::Table)
                    .col(big_integer(RejectedChanges::Id).primary_key().auto_increment())
                    .col(string(RejectedChanges::ElderId))
                    .col(string(RejectedChanges::Hash))
                    .col(binary(RejectedChanges::SealedChange))
                    .col(string(RejectedChanges::Code))
                    .col(string_null(RejectedChanges::Field))
                    .col(text(RejectedChanges::Reason))
                    .col(big_integer(RejectedChanges::SavedAt))
                    .col(big_integer(RejectedChanges::RejectedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// The city's policy as the server last sent it (`CityPolicy` as JSON), so the
/// workstation judges as the server does, offline too.
struct StationPolicy;

impl MigrationName for StationPolicy {
    fn name(&self) -> &str {
        "m20261201_000002_station_policy"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for StationPolicy {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Station::Table).add_column(text_null(Station::Policy)).to_owned())
            .await
    }
}

/// The server's generation as this workstation last saw it: a new one means the
/// server's database was restored, and the workstation heals (`engine::round`).
struct StationGeneration;

impl MigrationName for StationGeneration {
    fn name(&self) -> &str {
        "m20261207_000003_station_generation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for StationGeneration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Station::Table).add_column(string_null(Station::Generation)).to_owned())
            .await
    }
}
