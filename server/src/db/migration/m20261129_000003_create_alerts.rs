//! Alerts for supervisors: one per red-risk or incident visit, raised in the push that
//! brings the visit, closed by its follow-up or by a supervisor's note.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alerts {
    Table,
    /// The visit that raised it: one alert per visit.
    VisitId,
    ElderId,
    CommunityId,
    RaisedAt,
    ReceivedAt,
    RedRisk,
    Incident,
    /// The follow-ups the visit called for, a JSON array of ids.
    FollowUps,
    ClosedHow,
    ClosedAt,
    ClosedBy,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(string(Alerts::VisitId).primary_key())
                    .col(string(Alerts::ElderId))
                    .col(string(Alerts::CommunityId))
                    .col(big_integer(Alerts::RaisedAt))
                    .col(big_integer(Alerts::ReceivedAt))
                    .col(boolean(Alerts::RedRisk))
                    .col(string_null(Alerts::Incident))
                    .col(text(Alerts::FollowUps))
                    .col(string_null(Alerts::ClosedHow))
                    .col(big_integer_null(Alerts::ClosedAt))
                    .col(string_null(Alerts::ClosedBy))
                    .col(text_null(Alerts::Note))
                    .to_owned(),
            )
            .await?;
        // A supervisor's list: open first, newest first, within communities.
        manager
            .create_index(
                Index::create()
                    .name("alerts_by_community")
                    .table(Alerts::Table)
                    .col(Alerts::CommunityId)
                    .col(Alerts::ClosedAt)
                    .col(Alerts::RaisedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("alerts_by_elder").table(Alerts::Table).col(Alerts::ElderId).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Alerts::Table).to_owned()).await
    }
}
