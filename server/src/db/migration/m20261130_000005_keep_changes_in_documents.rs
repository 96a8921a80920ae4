//! Changes are kept once, inside their documents' saves: the `changes` table held
//! every change a second time (its bytes, and an author its own message names), which
//! made it the largest table of the city's database. Pull cuts changes out of the
//! saves; the community logs name them by hash.
//!
//! Nothing is lost by dropping it: every change it held is in its elder's snapshot,
//! written in the same transaction. Going down recreates the table empty.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, blob, string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Changes {
    Table,
    Hash,
    ElderId,
    Bytes,
    UserId,
    DeviceId,
    Actor,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Changes::Table).if_exists().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(string(Changes::Hash).primary_key())
                    .col(string(Changes::ElderId))
                    .col(blob(Changes::Bytes))
                    .col(string(Changes::UserId))
                    .col(string(Changes::DeviceId))
                    .col(string(Changes::Actor))
                    .col(big_integer(Changes::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("changes_by_elder").table(Changes::Table).col(Changes::ElderId).to_owned(),
            )
            .await
    }
}
