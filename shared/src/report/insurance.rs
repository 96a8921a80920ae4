//! The report's insurance sheet (幸福安康险): each case of the area, and per area the
//! figures a street answers for: leads, reported, paid, declined, the total paid, and
//! the median days from incident to report.
//!
//! A case belongs to a report when its incident lies in the report's twelve months (the
//! trend's window), or earlier and it was still open on the day counted to. Each case
//! stands as it did on that day (`InsuranceCase::as_of`), so a past month's report
//! reads the same later.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sections::Lists;
use super::{Place, ReportInput, SummaryLine, TREND_MONTHS};
use crate::area::{AreaLevel, Scope};
use crate::ids::{AreaId, CommunityId, ElderId, VisitId};
use crate::insurance::CaseState;
use crate::time::{Date, Timestamp};
use crate::visit::IncidentKind;

/// One case on the sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceLine {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    pub name: String,
    #[serde(flatten)]
    pub place: Place,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub kind: IncidentKind,
    pub incident_at: Timestamp,
    pub state: CaseState,
    pub reported_on: Option<Date>,
    pub claim_number: Option<String>,
    pub paid_on: Option<Date>,
    pub amount_fen: Option<i64>,
    pub declined_reason: Option<String>,
    pub days_to_report: Option<i64>,
}

/// One area's insurance figures, in the summary's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsuranceFigures {
    pub level: Option<AreaLevel>,
    pub area: Option<AreaId>,
    pub code: String,
    pub name: String,
    pub leads: u32,
    pub reported: u32,
    pub paid: u32,
    pub declined: u32,
    pub total_paid_fen: i64,
    /// Over the cases reported; none when no case was.
    pub median_days_to_report: Option<f64>,
}

impl Lists<'_> {
    /// The area's cases, each with the community it counts for: by state (leads
    /// first, they need someone), then incident time.
    pub(super) fn insurance(&self, input: &ReportInput<'_>) -> Vec<(CommunityId, InsuranceLine)> {
        let mut first = input.month;
        for _ in 1..TREND_MONTHS {
            first = first.previous();
        }
        let (from, to) = (first.start(), input.month.end());
        let mut lines: Vec<(CommunityId, InsuranceLine)> = input
            .insurance_cases
            .iter()
            .filter(|case| case.incident_at < to)
            .map(|case| case.as_of(input.as_of))
            .filter(|case| case.incident_at >= from || !case.state.is_settled())
            .filter_map(|case| {
                let (community, row) = self.place_of(case.elder_id)?;
                Some((
                    community,
                    InsuranceLine {
                        elder_id: case.elder_id,
                        visit_id: case.visit_id,
                        name: row.profile.name.clone(),
                        place: Place::of(input.tree, community),
                        id_number: self.id_number(row),
                        phone: self.phone(row),
                        kind: case.kind,
                        incident_at: case.incident_at,
                        state: case.state,
                        days_to_report: case.days_to_report(),
                        reported_on: case.reported_on,
                        claim_number: case.claim_number,
                        paid_on: case.paid_on,
                        amount_fen: case.amount_fen,
                        declined_reason: case.declined_reason,
                    },
                ))
            })
            .collect();
        lines.sort_by_key(|(_, l)| (l.state, l.incident_at, l.visit_id));
        lines
    }
}

/// The figures of each line of the summary, from the sheet's cases.
pub(super) fn figures(
    input: &ReportInput<'_>,
    summary: &[SummaryLine],
    lines: &[(CommunityId, InsuranceLine)],
) -> Vec<InsuranceFigures> {
    summary
        .iter()
        .map(|area| {
            let communities = match area.area {
                Some(id) => input.tree.communities_in(Scope::Area(id)),
                None => input.tree.communities_in(Scope::City),
            };
            let cases = lines.iter().filter(|(c, _)| communities.contains(c)).map(|(_, line)| line);
            let mut counts: BTreeMap<CaseState, u32> = BTreeMap::new();
            let mut total_paid_fen = 0;
            let mut days = Vec::new();
            for case in cases {
                *counts.entry(case.state).or_default() += 1;
                total_paid_fen += case.amount_fen.filter(|_| case.state == CaseState::Paid).unwrap_or(0);
                days.extend(case.days_to_report);
            }
            let count = |state| counts.get(&state).copied().unwrap_or(0);
            InsuranceFigures {
                level: area.level,
                area: area.area,
                code: area.code.clone(),
                name: area.name.clone(),
                leads: count(CaseState::Lead),
                reported: count(CaseState::Reported),
                paid: count(CaseState::Paid),
                declined: count(CaseState::Declined),
                total_paid_fen,
                median_days_to_report: median(&mut days),
            }
        })
        .collect()
}

fn median(values: &mut [i64]) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2] as f64),
        _ => Some((values[n / 2 - 1] + values[n / 2]) as f64 / 2.0),
    }
}

/// Fen as yuan with two decimals (`1234.50`).
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}
