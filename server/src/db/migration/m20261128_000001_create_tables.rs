//! The first schema: areas, people and devices, the change log, documents, the
//! materialised rows reports read, identities and the audit log.
//!
//! Ids are UUID strings, instants are milliseconds since the epoch (BIGINT), dates are
//! `YYYY-MM-DD` strings: the same types on SQLite and PostgreSQL, and sortable.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Areas {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
}

#[derive(DeriveIden)]
enum CommunityLogs {
    Table,
    CommunityId,
    LastSeq,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Login,
    DisplayName,
    PasswordHash,
    Role,
    ScopeAreaId,
    Disabled,
    FailedLogins,
    LockedUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    Name,
    RegisteredAt,
    RegisteredBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    DeviceId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    ElderId,
    CommunityId,
    Snapshot,
    Heads,
    ChangeCount,
    UpdatedAt,
}

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
    CommunityId,
    Seq,
    ElderId,
    Kind,
    ChangeHash,
}

#[derive(DeriveIden)]
enum Elders {
    Table,
    ElderId,
    CommunityId,
    Name,
    Gender,
    BirthDate,
    IdNumberMasked,
    Phone,
    Address,
    EnrolledOn,
    Status,
    SpecialHardship,
    TierOverride,
    OpenConflicts,
    Row,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Visits {
    Table,
    VisitId,
    ElderId,
    CommunityId,
    AssistantId,
    DeviceId,
    VisitedAt,
    RecordedAt,
    ReceivedAt,
    Mode,
    Outcome,
    Risk,
    Incident,
    Voided,
    Row,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    FollowUpId,
    ElderId,
    CommunityId,
    OriginVisit,
    DueAt,
    ResolvedAt,
    Row,
}

#[derive(DeriveIden)]
enum Conflicts {
    Table,
    ElderId,
    Field,
    CommunityId,
    Row,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    ElderId,
    IdNumber,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    UserId,
    Action,
    Detail,
}

fn index(name: &str, table: impl IntoIden + 'static, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for column in columns {
        statement.col(Alias::new(*column));
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[expect(
        clippy::too_many_lines,
        reason = "the whole first schema, one table after another, reads best in one place"
    )]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Areas::Table)
                    .col(string(Areas::Id).primary_key())
                    .col(string_uniq(Areas::Code))
                    .col(string(Areas::Name))
                    .col(string(Areas::Level))
                    .col(string_null(Areas::ParentId))
                    .to_owned(),
            )
            .await?;
        // One row per community: its lock (every write to the community's documents
        // takes it first) and the last sequence number of its change log.
        manager
            .create_table(
                Table::create()
                    .table(CommunityLogs::Table)
                    .col(string(CommunityLogs::CommunityId).primary_key())
                    .col(big_integer(CommunityLogs::LastSeq).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(string(Users::Id).primary_key())
                    .col(string_uniq(Users::Login))
                    .col(string(Users::DisplayName))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(string_null(Users::ScopeAreaId))
                    .col(boolean(Users::Disabled).default(false))
                    .col(integer(Users::FailedLogins).default(0))
                    .col(big_integer_null(Users::LockedUntil))
                    .col(big_integer(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(string(Devices::Id).primary_key())
                    .col(string(Devices::Name))
                    .col(big_integer(Devices::RegisteredAt))
                    .col(string(Devices::RegisteredBy))
                    .col(big_integer_null(Devices::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string(Sessions::TokenHash).primary_key())
                    .col(string(Sessions::UserId))
                    .col(string(Sessions::DeviceId))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .col(big_integer_null(Sessions::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(string(Documents::ElderId).primary_key())
                    .col(string(Documents::CommunityId))
                    .col(blob(Documents::Snapshot))
                    .col(text(Documents::Heads))
                    .col(big_integer(Documents::ChangeCount))
                    .col(big_integer(Documents::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("documents_by_community", Documents::Table, &["community_id", "elder_id"])).await?;
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
        manager.create_index(index("changes_by_elder", Changes::Table, &["elder_id"])).await?;
        // The per-community log a pull reads: a change, or an elder arriving whole or
        // departing when moved between communities.
        manager
            .create_table(
                Table::create()
                    .table(LogEntries::Table)
                    .col(string(LogEntries::CommunityId))
                    .col(big_integer(LogEntries::Seq))
                    .col(string(LogEntries::ElderId))
                    .col(string(LogEntries::Kind))
                    .col(string_null(LogEntries::ChangeHash))
                    .primary_key(Index::create().col(LogEntries::CommunityId).col(LogEntries::Seq))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Elders::Table)
                    .col(string(Elders::ElderId).primary_key())
                    .col(string(Elders::CommunityId))
                    .col(string(Elders::Name))
                    .col(string(Elders::Gender))
                    .col(string(Elders::BirthDate))
                    .col(string_null(Elders::IdNumberMasked))
                    .col(string_null(Elders::Phone))
                    .col(string(Elders::Address))
                    .col(string(Elders::EnrolledOn))
                    .col(string(Elders::Status))
                    .col(boolean(Elders::SpecialHardship))
                    .col(string_null(Elders::TierOverride))
                    .col(integer(Elders::OpenConflicts))
                    .col(text(Elders::Row))
                    .col(big_integer(Elders::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("elders_by_community", Elders::Table, &["community_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(Visits::Table)
                    .col(string(Visits::VisitId).primary_key())
                    .col(string(Visits::ElderId))
                    .col(string(Visits::CommunityId))
                    .col(string(Visits::AssistantId))
                    .col(string(Visits::DeviceId))
                    .col(big_integer(Visits::VisitedAt))
                    .col(big_integer(Visits::RecordedAt))
                    .col(big_integer(Visits::ReceivedAt))
                    .col(string(Visits::Mode))
                    .col(string(Visits::Outcome))
                    .col(string(Visits::Risk))
                    .col(string_null(Visits::Incident))
                    .col(boolean(Visits::Voided))
                    .col(text(Visits::Row))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("visits_by_community_time", Visits::Table, &["community_id", "visited_at"])).await?;
        manager.create_index(index("visits_by_elder_time", Visits::Table, &["elder_id", "visited_at"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(FollowUps::Table)
                    .col(string(FollowUps::FollowUpId).primary_key())
                    .col(string(FollowUps::ElderId))
                    .col(string(FollowUps::CommunityId))
                    .col(string_null(FollowUps::OriginVisit))
                    .col(big_integer(FollowUps::DueAt))
                    .col(big_integer_null(FollowUps::ResolvedAt))
                    .col(text(FollowUps::Row))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("follow_ups_by_community_due", FollowUps::Table, &["community_id", "due_at"]))
            .await?;
        manager.create_index(index("follow_ups_by_elder", FollowUps::Table, &["elder_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(Conflicts::Table)
                    .col(string(Conflicts::ElderId))
                    .col(string(Conflicts::Field))
                    .col(string(Conflicts::CommunityId))
                    .col(text(Conflicts::Row))
                    .primary_key(Index::create().col(Conflicts::ElderId).col(Conflicts::Field))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("conflicts_by_community", Conflicts::Table, &["community_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .col(string(Identities::ElderId).primary_key())
                    .col(string(Identities::IdNumber))
                    .col(big_integer(Identities::UpdatedAt))
                    .col(string(Identities::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(big_integer(AuditLog::At))
                    .col(string_null(AuditLog::UserId))
                    .col(string(AuditLog::Action))
                    .col(text(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("audit_log_by_time", AuditLog::Table, &["at"])).await?;
        Ok(())
    }
}
