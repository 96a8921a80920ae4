//! Insurance cases (幸福安康险), one per incident visit, materialised from the elder
//! documents like visits and follow-ups. Incidents recorded before this version are
//! cases at their first state (a lead), as their documents would materialise them
//! (no document held a step before), so an upgraded server reports them at once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InsuranceCases {
    Table,
    VisitId,
    ElderId,
    CommunityId,
    Kind,
    IncidentAt,
    State,
    ReportedOn,
    ClaimNumber,
    PaidOn,
    AmountFen,
    DeclinedReason,
    Steps,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InsuranceCases::*;
        manager
            .create_table(
                sea_orm_migration::prelude::Table::create()
                    .table(InsuranceCases::Table)
                    .col(ColumnDef::new(VisitId).string().not_null().primary_key())
                    .col(ColumnDef::new(ElderId).string().not_null())
                    .col(ColumnDef::new(CommunityId).string().not_null())
                    .col(ColumnDef::new(Kind).string().not_null())
                    .col(ColumnDef::new(IncidentAt).big_integer().not_null())
                    .col(ColumnDef::new(State).string().not_null())
                    .col(ColumnDef::new(ReportedOn).string().null())
                    .col(ColumnDef::new(ClaimNumber).string().null())
                    .col(ColumnDef::new(PaidOn).string().null())
                    .col(ColumnDef::new(AmountFen).big_integer().null())
                    .col(ColumnDef::new(DeclinedReason).text().null())
                    .col(ColumnDef::new(Steps).text().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_insurance_cases_elder", ElderId),
            ("idx_insurance_cases_community", CommunityId),
            ("idx_insurance_cases_incident", IncidentAt),
        ] {
            manager
                .create_index(Index::create().name(name).table(InsuranceCases::Table).col(column).to_owned())
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO insurance_cases (visit_id, elder_id, community_id, kind, incident_at, state, steps) \
                 SELECT v.visit_id, v.elder_id, e.community_id, v.incident, v.visited_at, 'lead', '[]' \
                 FROM visits v JOIN elders e ON e.elder_id = v.elder_id \
                 WHERE v.incident IS NOT NULL AND v.voided = FALSE",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InsuranceCases::Table).to_owned()).await
    }
}
