//! The standings users held until they were taken off or moved: a change an assistant
//! made while allowed still lands after they leave, judged by the role and area they
//! had when they made it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserStandings {
    Table,
    Id,
    UserId,
    Role,
    ScopeAreaId,
    Until,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserStandings::Table)
                    .col(ColumnDef::new(UserStandings::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(UserStandings::UserId).string().not_null())
                    .col(ColumnDef::new(UserStandings::Role).string().not_null())
                    // None: the whole city.
                    .col(ColumnDef::new(UserStandings::ScopeAreaId).string().null())
                    .col(ColumnDef::new(UserStandings::Until).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_standings_user")
                    .table(UserStandings::Table)
                    .col(UserStandings::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UserStandings::Table).to_owned()).await
    }
}
