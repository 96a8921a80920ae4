//! Early warnings (one open per elder and reason) and, per elder, when its warnings
//! can next change with time alone and by which policy they were judged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Warnings {
    Table,
    Id,
    ElderId,
    Reason,
    CommunityId,
    Since,
    EscalatesAt,
    OpenedAt,
    ClosedHow,
    ClosedAt,
}

#[derive(DeriveIden)]
enum WarningChecks {
    Table,
    ElderId,
    NextAt,
    PolicyVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Warnings::Table)
                    .col(ColumnDef::new(Warnings::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Warnings::ElderId).string().not_null())
                    .col(ColumnDef::new(Warnings::Reason).string().not_null())
                    .col(ColumnDef::new(Warnings::CommunityId).string().not_null())
                    .col(ColumnDef::new(Warnings::Since).big_integer().not_null())
                    .col(ColumnDef::new(Warnings::EscalatesAt).big_integer().not_null())
                    .col(ColumnDef::new(Warnings::OpenedAt).big_integer().not_null())
                    .col(ColumnDef::new(Warnings::ClosedHow).string().null())
                    .col(ColumnDef::new(Warnings::ClosedAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [("idx_warnings_elder", Warnings::ElderId), ("idx_warnings_community", Warnings::CommunityId)]
        {
            manager.create_index(Index::create().name(name).table(Warnings::Table).col(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WarningChecks::Table)
                    .col(ColumnDef::new(WarningChecks::ElderId).string().not_null().primary_key())
                    // None: only a change can alter the elder's warnings.
                    .col(ColumnDef::new(WarningChecks::NextAt).big_integer().null())
                    .col(ColumnDef::new(WarningChecks::PolicyVersion).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_warning_checks_next")
                    .table(WarningChecks::Table)
                    .col(WarningChecks::NextAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WarningChecks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Warnings::Table).to_owned()).await
    }
}
