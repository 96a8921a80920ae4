//! Devices belong to an area (the area of the user who registered them), and failed
//! sign-ins are counted per login and per client address in their own table, so that
//! they slow an attacker down instead of locking an account.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Devices {
    Table,
    AreaId,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Subject,
    Failures,
    LastFailureAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nullable: a device registered before this migration takes the area of the
        // first user who signs in on it next.
        manager
            .alter_table(
                Table::alter()
                    .table(Devices::Table)
                    .add_column(ColumnDef::new(Devices::AreaId).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .if_not_exists()
                    .col(string(SignInFailures::Subject).primary_key())
                    .col(integer(SignInFailures::Failures).default(0))
                    .col(big_integer(SignInFailures::LastFailureAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SignInFailures::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Devices::Table).drop_column(Devices::AreaId).to_owned()).await
    }
}
