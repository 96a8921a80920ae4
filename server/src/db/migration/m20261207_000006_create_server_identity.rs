//! The database's generation: an id made when the database is created and made anew
//! each time a backup is restored into it. Every sync answer names it, so a
//! workstation that sees it change knows the server may have lost changes it had
//! acknowledged, and sends them again (ARCHITECTURE.md, "Restores").

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ServerIdentity {
    Table,
    Id,
    Generation,
    ChangedAt,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerIdentity::Table)
                    // One row, id 1.
                    .col(ColumnDef::new(ServerIdentity::Id).integer().not_null().primary_key())
                    .col(ColumnDef::new(ServerIdentity::Generation).string().not_null())
                    .col(ColumnDef::new(ServerIdentity::ChangedAt).big_integer().not_null())
                    // "created", or "restored from <file>".
                    .col(ColumnDef::new(ServerIdentity::Reason).string().not_null())
                    .to_owned(),
            )
            .await?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| {
            <i64 as std::convert::TryFrom<u128>>::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        });
        let insert = Query::insert()
            .into_table(ServerIdentity::Table)
            .columns([
                ServerIdentity::Id,
                ServerIdentity::Generation,
                ServerIdentity::ChangedAt,
                ServerIdentity::Reason,
            ])
            .values_panic([1.into(), uuid::Uuid::now_v7().to_string().into(), now.into(), "created".into()])
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ServerIdentity::Table).to_owned()).await
    }
}
