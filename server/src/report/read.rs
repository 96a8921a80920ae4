//! What the monthly report reads from the materialised tables (never the documents):
//! the people, the special-hardship elders, the visits of the trend's months, the
//! follow-ups, conflicts and insurance cases, and whole ID numbers only for an
//! unmasked report.

use std::collections::BTreeMap;

use futures_util::TryStreamExt as _;
use jinlin_shared::coverage::VisitFacts;
use jinlin_shared::ids::{CommunityId, ElderId, UserId};
use jinlin_shared::insurance::InsuranceCase;
use jinlin_shared::materialise::{ElderRow, VisitDetails, VisitKeys, VisitRow};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::TREND_MONTHS;
use jinlin_shared::time::{Month, Timestamp};
use jinlin_shared::user::Role;
use jinlin_shared::visit::{RiskLevel, VisitMode, VisitOutcome};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::{ELDER_PAGE, ReportError, facts, parse_all};
use crate::db::entity::{conflict, elder, follow_up, identity, insurance_case, user, visit};

/// Display names by user, and each community's assistants by name.
pub(super) async fn people(
    db: &DatabaseConnection,
) -> Result<(BTreeMap<UserId, String>, BTreeMap<CommunityId, Vec<String>>), ReportError> {
    let users = user::Entity::find().all(db).await?;
    let people: BTreeMap<UserId, String> =
        users.iter().filter_map(|u| Some((u.id.parse().ok()?, u.display_name.clone()))).collect();
    let mut assistants: BTreeMap<CommunityId, Vec<String>> = BTreeMap::new();
    for u in users.iter().filter(|u| u.role == Role::Assistant.as_str() && !u.disabled) {
        if let Some(community) = u.scope_area_id.as_deref().and_then(|c| c.parse().ok()) {
            assistants.entry(community).or_default().push(u.display_name.clone());
        }
    }
    // In name order, whatever order the database returns rows in.
    assistants.values_mut().for_each(|names| names.sort());
    Ok((people, assistants))
}

/// Every special-hardship elder: one who moved out of the area after the month still
/// counts for it, and their row knows it.
pub(super) async fn elders(db: &DatabaseConnection) -> Result<Vec<ElderRow>, ReportError> {
    // Streamed and parsed a page at a time off the async threads, so the JSON of the
    // whole city is never held at once beside what it parses into.
    let mut elders: Vec<ElderRow> = Vec::new();
    let mut pages = elder::Entity::find()
        .select_only()
        .column(elder::Column::Row)
        .filter(elder::Column::SpecialHardship.eq(true))
        .into_tuple::<String>()
        .stream(db)
        .await?
        .try_chunks(ELDER_PAGE);
    while let Some(page) = pages.try_next().await.map_err(|e| e.1)? {
        let parsed = tokio::task::spawn_blocking(move || parse_all::<ElderRow>(&page))
            .await
            .map_err(|e| ReportError::Corrupt(e.to_string()))??;
        elders.extend(parsed);
    }
    drop(pages);
    Ok(elders)
}

/// The visits a month's report reads.
pub(super) struct MonthVisits {
    /// The facts of every visit of the trend's months.
    pub facts: Vec<VisitFacts>,
    /// Before them, each elder's latest visit of each kind that could be valid.
    pub latest_before: Vec<(String, String, String, Option<i64>)>,
    /// Whole rows of the month's visits the lists show: red risk, incidents, voided.
    pub listed: Vec<VisitRow>,
}

pub(super) async fn visits(db: &DatabaseConnection, month: Month) -> Result<MonthVisits, ReportError> {
    let mut trend_start = month;
    for _ in 1..TREND_MONTHS {
        trend_start = trend_start.previous();
    }
    let (from, to) = (trend_start.start().as_millis(), month.end().as_millis());
    // A year of a city's visits: each row becomes its facts as it arrives.
    let mut visits: Vec<VisitFacts> = Vec::new();
    {
        let mut rows = visit::Entity::find()
            .select_only()
            .columns([visit::Column::ElderId, visit::Column::VisitedAt, visit::Column::Mode, visit::Column::Outcome])
            .column(visit::Column::Voided)
            .filter(visit::Column::VisitedAt.gte(from))
            .filter(visit::Column::VisitedAt.lt(to))
            .into_tuple::<(String, i64, String, String, bool)>()
            .stream(db)
            .await?;
        while let Some((elder_id, visited_at, mode, outcome, voided)) = rows.try_next().await? {
            visits.push(facts(&elder_id, visited_at, &mode, &outcome, voided)?);
        }
    }
    // Before the window, only each elder's latest visit of each kind that could be
    // valid matters (for "days since"); which of them is valid the shared rule decides.
    let before: Vec<(String, String, String, Option<i64>)> = visit::Entity::find()
        .select_only()
        .columns([visit::Column::ElderId, visit::Column::Mode, visit::Column::Outcome])
        .column_as(Expr::col(visit::Column::VisitedAt).max(), "latest")
        .filter(visit::Column::VisitedAt.lt(from))
        .filter(visit::Column::Voided.eq(false))
        .filter(visit::Column::Outcome.is_in([VisitOutcome::MetElder.as_str(), VisitOutcome::MetFamilyOnly.as_str()]))
        .group_by(visit::Column::ElderId)
        .group_by(visit::Column::Mode)
        .group_by(visit::Column::Outcome)
        .into_tuple()
        .all(db)
        .await?;
    let listed = visit::Entity::find()
        .filter(visit::Column::VisitedAt.gte(month.start().as_millis()))
        .filter(visit::Column::VisitedAt.lt(to))
        .filter(
            Condition::any()
                .add(visit::Column::Risk.eq(RiskLevel::Red.as_str()))
                .add(visit::Column::Incident.is_not_null())
                .add(visit::Column::Voided.eq(true)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(stored_visit)
        .collect::<Result<_, _>>()?;
    Ok(MonthVisits { facts: visits, latest_before: before, listed })
}

/// A visit row put back together from its columns and its details.
fn stored_visit(row: visit::Model) -> Result<VisitRow, ReportError> {
    let corrupt = |what: &str| ReportError::Corrupt(format!("visit {}: {what}", row.visit_id));
    let keys = VisitKeys {
        elder_id: row.elder_id.parse().map_err(|_| corrupt("elder id"))?,
        visit_id: row.visit_id.parse().map_err(|_| corrupt("visit id"))?,
        assistant: row.assistant_id.parse().map_err(|_| corrupt("assistant"))?,
        device: row.device_id.parse().map_err(|_| corrupt("device"))?,
        visited_at: Timestamp::from_millis(row.visited_at),
        recorded_at: Timestamp::from_millis(row.recorded_at),
        mode: VisitMode::parse(&row.mode).ok_or_else(|| corrupt("mode"))?,
        outcome: VisitOutcome::parse(&row.outcome).ok_or_else(|| corrupt("outcome"))?,
        risk: RiskLevel::parse(&row.risk).ok_or_else(|| corrupt("risk"))?,
    };
    let details: VisitDetails = serde_json::from_str(&row.row).map_err(|e| corrupt(&e.to_string()))?;
    Ok(VisitRow::join(keys, details))
}

/// Open follow-ups, and those the month's red-risk visits opened (due within the
/// policy's window of a visit, so up to that long past the month's end).
pub(super) async fn follow_ups(
    db: &DatabaseConnection,
    month: Month,
    policy: &Policy,
) -> Result<Vec<String>, ReportError> {
    let window_end = month.end().plus_hours(policy.red_risk_follow_up_hours + 24);
    Ok(follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::Row)
        .filter(
            Condition::any().add(follow_up::Column::ResolvedAt.is_null()).add(
                Condition::all()
                    .add(follow_up::Column::DueAt.gte(month.start().as_millis()))
                    .add(follow_up::Column::DueAt.lt(window_end.as_millis())),
            ),
        )
        .into_tuple()
        .all(db)
        .await?)
}

pub(super) async fn conflicts(db: &DatabaseConnection) -> Result<Vec<String>, ReportError> {
    Ok(conflict::Entity::find().select_only().column(conflict::Column::Row).into_tuple().all(db).await?)
}

/// The insurance cases of incidents before the month's end. A row that does not read
/// is logged and left out: it never stops the report.
pub(super) async fn insurance_cases(db: &DatabaseConnection, month: Month) -> Result<Vec<InsuranceCase>, ReportError> {
    let rows = insurance_case::Entity::find()
        .filter(insurance_case::Column::IncidentAt.lt(month.end().as_millis()))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            row.case().map_err(|error| tracing::warn!(%error, "an insurance case row left out of the report")).ok()
        })
        .collect())
}

/// Whole ID numbers by elder, for an authorised unmasked report only.
pub(super) async fn whole_id_numbers(db: &DatabaseConnection) -> Result<BTreeMap<ElderId, String>, ReportError> {
    Ok(identity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.elder_id.parse().ok()?, i.id_number)))
        .collect())
}
