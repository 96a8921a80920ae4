//! The supervisors' monthly report for an area: coverage per community rolled up into
//! streets and districts, who was not visited, red-risk visits and their follow-ups,
//! follow-ups past due, open conflicts, voided visits, incidents, and the visit rate's
//! trend over twelve months.
//!
//! Pure: the server reads the materialised rows (never the documents) and passes them
//! in with the dates; every figure comes from [`crate::coverage`], so the report and
//! the workstation's badges agree. Personal details arrive already masked or whole:
//! whether to unmask is the caller's decision, made and audited at the edge.

mod insurance;
pub mod page;
mod sections;
pub mod tables;
mod trend;

pub use insurance::{InsuranceFigures, InsuranceLine, yuan};
use std::collections::{BTreeMap, BTreeSet};
pub use trend::AreaTrend;

use serde::{Deserialize, Serialize};

use crate::area::{Area, AreaLevel, AreaTree, Scope};
use crate::coverage::{CoverageTotals, ElderCoverageInput, VisitFacts, monthly_coverage};
use crate::elder::{CareTier, ElderStatus};
use crate::ids::{AreaId, CommunityId, ElderId, FollowUpId, UserId, VisitId};
use crate::insurance::InsuranceCase;
use crate::materialise::{ConflictRow, ElderRow, FollowUpRow, VisitRow};
use crate::policy::Policy;
use crate::time::{Date, Month, Timestamp};
use crate::visit::{IncidentKind, VisitMode};

/// How many months the trend covers, ending with the report's month.
pub const TREND_MONTHS: usize = 12;

/// The formats a report is delivered in: the server renders them, a workstation asks
/// for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ReportFormat {
    /// The whole report.
    Json,
    /// One section.
    Csv,
    /// A sheet per section.
    Xlsx,
    /// The month on one page.
    Pdf,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 4] = [ReportFormat::Json, ReportFormat::Csv, ReportFormat::Xlsx, ReportFormat::Pdf];

    /// The name in URLs and file extensions.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Pdf => "pdf",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.as_str() == text)
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Json => "application/json",
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ReportFormat::Pdf => "application/pdf",
        }
    }
}

/// Everything the report is computed from, borrowed from wherever the caller keeps it.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub month: Month,
    /// The day overdue days are counted to: the month's last day, or today while the
    /// month is still running.
    pub as_of: Date,
    /// Now: follow-ups due before it and still open are past due.
    pub now: Timestamp,
    pub tree: &'a AreaTree,
    /// The area reported on (a community, street or district), or the city.
    pub area: Option<&'a Area>,
    /// Elders who may count anywhere in the area (extra ones are ignored).
    pub elders: &'a [ElderRow],
    /// The facts of every visit from the trend's first month to the report's month's
    /// end, plus each elder's latest valid visit before that (for "days since").
    pub visits: &'a [VisitFacts],
    /// Whole rows of the month's visits that the lists show: red risk, incidents, voided.
    pub listed_visits: &'a [VisitRow],
    /// Follow-ups open now, and those of the month's red-risk visits.
    pub follow_ups: &'a [FollowUpRow],
    /// Open conflicts.
    pub conflicts: &'a [ConflictRow],
    /// Insurance cases whose incident lies before the month's end (others are ignored).
    pub insurance_cases: &'a [InsuranceCase],
    /// Display names of users (assistants, supervisors).
    pub people: &'a BTreeMap<UserId, String>,
    /// Each community's assistants, by display name.
    pub assistants: &'a BTreeMap<CommunityId, Vec<String>>,
    /// Whole ID numbers, present only for an authorised unmasked export.
    pub unmasked_id_numbers: Option<&'a BTreeMap<ElderId, String>>,
    pub policy: &'a Policy,
}

/// The monthly report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyReport {
    pub month: Month,
    pub as_of: Date,
    /// The area's name ("全市" when the whole city), level and code.
    pub area: ReportArea,
    /// Whether ID numbers and phones are masked (the default).
    pub masked: bool,
    /// The policy's window for a red-risk visit's follow-up, in hours (the lists and
    /// the page say "followed up in N h" with it).
    pub red_risk_follow_up_hours: i64,
    /// The area first, then depth first: each district, its streets, their communities.
    pub summary: Vec<SummaryLine>,
    /// Most overdue first.
    pub not_visited: Vec<NotVisitedLine>,
    pub red_risk_visits: Vec<RedRiskLine>,
    pub follow_ups_past_due: Vec<FollowUpLine>,
    pub open_conflicts: Vec<ConflictLine>,
    pub voided_visits: Vec<VoidedLine>,
    pub incidents: Vec<IncidentLine>,
    /// Oldest month first, ending with the report's month.
    pub trend: Vec<TrendPoint>,
    /// The trend of each line of the summary, in its order.
    #[serde(default)]
    pub trend_by_area: Vec<AreaTrend>,
    /// Insurance cases of the twelve months, and older ones still open.
    #[serde(default)]
    pub insurance_cases: Vec<InsuranceLine>,
    /// The insurance figures of each line of the summary, in its order.
    #[serde(default)]
    pub insurance_by_area: Vec<InsuranceFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportArea {
    pub id: Option<AreaId>,
    pub level: Option<AreaLevel>,
    pub code: String,
    pub name: String,
}

/// One area's coverage: the whole area, a district, a street or a community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SummaryLine {
    pub level: Option<AreaLevel>,
    pub area: Option<AreaId>,
    pub code: String,
    pub name: String,
    /// The names of the district and street it lies in (empty above those levels).
    pub district: String,
    pub street: String,
    #[serde(flatten)]
    pub totals: CoverageTotals,
}

/// Where an elder is: their community and its street and district, by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Place {
    pub district: String,
    pub street: String,
    pub community: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NotVisitedLine {
    pub elder_id: ElderId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub tier: CareTier,
    pub status: Option<ElderStatus>,
    pub last_valid_visit_on: Option<Date>,
    /// Days since the last valid visit (or, never visited, since enrolment).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_since: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_overdue: i64,
    /// The community's assistants.
    pub assistants: String,
    pub phone: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedRiskLine {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub visited_at: Timestamp,
    pub assistant: String,
    /// The follow-up the visit opened, if any (the rules require one).
    pub follow_up: Option<String>,
    pub follow_up_resolved_at: Option<Timestamp>,
    /// Resolved within the policy's hours (24 by default) of the visit.
    pub followed_up_in_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpLine {
    pub elder_id: ElderId,
    pub follow_up_id: FollowUpId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub action: String,
    pub due_at: Timestamp,
    /// Whole days past due, counted to now.
    pub days_past_due: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictLine {
    pub elder_id: ElderId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    /// Dotted field, e.g. `profile.phone`.
    pub field: String,
    pub values: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidedLine {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub visited_at: Timestamp,
    pub assistant: String,
    pub mode: VisitMode,
    pub reason: String,
    pub voided_at: Timestamp,
    pub voided_by: String,
}

/// A fall, an injury or a hospital stay: a lead for the elder accident insurance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentLine {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub visited_at: Timestamp,
    pub kind: IncidentKind,
    pub note: String,
    pub assistant: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrendPoint {
    pub month: Month,
    pub denominator: u32,
    pub visited: u32,
    pub rate: Option<f64>,
}

/// Computes the report.
pub fn monthly_report(input: &ReportInput<'_>) -> MonthlyReport {
    let communities = match input.area {
        Some(area) => input.tree.communities_in(Scope::Area(area.id)),
        None => input.tree.communities_in(Scope::City),
    };
    let mut facts: BTreeMap<ElderId, Vec<VisitFacts>> = BTreeMap::new();
    for visit in input.visits {
        facts.entry(visit.elder_id).or_default().push(*visit);
    }
    let inputs = || {
        input.elders.iter().map(|elder| ElderCoverageInput {
            elder,
            visits: facts.get(&elder.elder_id).map(Vec::as_slice).unwrap_or(&[]),
        })
    };
    let coverage = monthly_coverage(input.month, &communities, inputs(), input.policy, input.as_of);
    let lists = sections::Lists::new(input, &communities, &coverage);
    let in_month = lists.visits_in_month();

    let summary = summary_lines(input, &communities, &coverage.by_community());
    let (trend, trend_by_area) = trend::trends(input, &communities, &coverage, &summary, inputs);
    let insurance_cases = lists.insurance(input);
    let insurance_by_area = insurance::figures(input, &summary, &insurance_cases);

    MonthlyReport {
        month: input.month,
        as_of: input.as_of,
        area: match input.area {
            Some(area) => ReportArea {
                id: Some(area.id),
                level: Some(area.level),
                code: area.code.clone(),
                name: area.name.clone(),
            },
            None => ReportArea { id: None, level: None, code: String::new(), name: CITY.into() },
        },
        masked: input.unmasked_id_numbers.is_none(),
        red_risk_follow_up_hours: input.policy.red_risk_follow_up_hours,
        summary,
        not_visited: lists.not_visited(),
        red_risk_visits: lists.red_risk_visits(&in_month),
        follow_ups_past_due: lists.follow_ups_past_due(),
        open_conflicts: lists.open_conflicts(),
        voided_visits: lists.voided_visits(&in_month),
        incidents: lists.incidents(&in_month),
        trend,
        insurance_cases: insurance_cases.into_iter().map(|(_, line)| line).collect(),
        insurance_by_area,
        trend_by_area,
    }
}

/// The whole city's name in a report.
pub const CITY: &str = "全市";

/// The summary: the area's own line, then depth first through its districts, streets
/// and communities, each with totals summed from its communities' (never averaged).
fn summary_lines(
    input: &ReportInput<'_>,
    communities: &BTreeSet<CommunityId>,
    by_community: &BTreeMap<CommunityId, CoverageTotals>,
) -> Vec<SummaryLine> {
    let tree = input.tree;
    let totals_of = |area: AreaId| trend::totals_in(input, communities, by_community, Some(area));
    let line = |area: &Area| {
        let place = Place::of(input.tree, area.id);
        SummaryLine {
            level: Some(area.level),
            area: Some(area.id),
            code: area.code.clone(),
            name: area.name.clone(),
            district: place.district,
            street: place.street,
            totals: totals_of(area.id),
        }
    };
    let mut lines = Vec::new();
    let whole = CoverageTotals::combine(by_community.values());
    match input.area {
        Some(area) => lines.push(SummaryLine { totals: whole, ..line(area) }),
        None => lines.push(SummaryLine {
            level: None,
            area: None,
            code: String::new(),
            name: CITY.into(),
            district: String::new(),
            street: String::new(),
            totals: whole,
        }),
    }
    let mut stack: Vec<AreaId> = match input.area {
        Some(area) => tree.children(area.id).iter().rev().copied().collect(),
        None => {
            let mut roots: Vec<&Area> = tree.areas().filter(|a| a.parent.is_none()).collect();
            roots.sort_by(|a, b| a.code.cmp(&b.code));
            roots.iter().rev().map(|a| a.id).collect()
        }
    };
    while let Some(id) = stack.pop() {
        let Some(area) = tree.get(id) else { continue };
        lines.push(line(area));
        let mut children: Vec<&Area> = tree.children(id).iter().filter_map(|c| tree.get(*c)).collect();
        children.sort_by(|a, b| a.code.cmp(&b.code));
        stack.extend(children.iter().rev().map(|a| a.id));
    }
    lines
}

impl Place {
    /// The names of an area's district, street and community (those at or above it);
    /// empty for an area the tree does not hold.
    pub fn of(tree: &AreaTree, area: AreaId) -> Place {
        let mut place = Place::default();
        for level in tree.ancestry(area) {
            let name = level.name.clone();
            match level.level {
                AreaLevel::District => place.district = name,
                AreaLevel::Street => place.street = name,
                AreaLevel::Community => place.community = name,
            }
        }
        place
    }
}
