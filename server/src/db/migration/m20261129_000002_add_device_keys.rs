//! Each device gets the key its workstation encrypts its data at rest with, kept by
//! the server so that every user who signs in on the device can open the same store.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Devices {
    Table,
    DataKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nullable: devices registered before this migration get a key at their next
        // sign-in.
        manager
            .alter_table(
                Table::alter()
                    .table(Devices::Table)
                    .add_column(ColumnDef::new(Devices::DataKey).binary().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Devices::Table).drop_column(Devices::DataKey).to_owned()).await
    }
}
