//! What each workstation reported still waiting to sync, by author: an assistant's
//! handover says how much of their work is not yet on the server, and where.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WaitingChanges {
    Table,
    DeviceId,
    UserId,
    Changes,
    ReportedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WaitingChanges::Table)
                    .col(ColumnDef::new(WaitingChanges::DeviceId).string().not_null())
                    .col(ColumnDef::new(WaitingChanges::UserId).string().not_null())
                    .col(ColumnDef::new(WaitingChanges::Changes).integer().not_null())
                    .col(ColumnDef::new(WaitingChanges::ReportedAt).big_integer().not_null())
                    .primary_key(Index::create().col(WaitingChanges::DeviceId).col(WaitingChanges::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_waiting_changes_user")
                    .table(WaitingChanges::Table)
                    .col(WaitingChanges::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WaitingChanges::Table).to_owned()).await
    }
}
