//! Each change is kept once, inside its document's save, and what can be derived is not
//! stored:
//! - the `changes` table held every change a second time (its bytes, and an author its
//!   own message names); pull now cuts changes out of the saves;
//! - a community's log names the changes of one push of a document in one entry, as
//!   32-byte hashes (`change_hashes`), instead of one entry per change in hex;
//! - a visit's `community_id` was its elder's community, which the elder's row holds,
//!   and its index `visits_by_community_time` served no query (reports read visits by
//!   time and place them through their elders).
//!
//! Nothing is lost: every change the dropped table held is in its elder's snapshot,
//! written in the same transaction, and older log entries still name theirs in
//! `change_hash`. Going down recreates the table empty.

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

#[derive(DeriveIden)]
enum LogEntries {
    Table,
    ChangeHashes,
}

#[derive(DeriveIden)]
enum Visits {
    Table,
    CommunityId,
    VisitedAt,
}

const VISITS_BY_COMMUNITY_TIME: &str = "visits_by_community_time";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Changes::Table).if_exists().to_owned()).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LogEntries::Table)
                    .add_column(ColumnDef::new(LogEntries::ChangeHashes).blob().null())
                    .to_owned(),
            )
            .await?;
        manager.drop_index(Index::drop().name(VISITS_BY_COMMUNITY_TIME).table(Visits::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Visits::Table).drop_column(Visits::CommunityId).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Empty until the next push of each elder rewrites its visits.
        manager
            .alter_table(
                Table::alter().table(Visits::Table).add_column(string(Visits::CommunityId).default("")).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(VISITS_BY_COMMUNITY_TIME)
                    .table(Visits::Table)
                    .col(Visits::CommunityId)
                    .col(Visits::VisitedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(LogEntries::Table).drop_column(LogEntries::ChangeHashes).to_owned())
            .await?;
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
