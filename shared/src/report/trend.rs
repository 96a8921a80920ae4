//! The visit rate over the last twelve months: of the report's area, and of every area
//! of its summary (the supervision screen draws the one a supervisor opens).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{ReportInput, SummaryLine, TREND_MONTHS, TrendPoint};
use crate::area::Scope;
use crate::coverage::{CoverageTotals, ElderCoverageInput, MonthlyCoverage, VisitFacts, monthly_coverage};
use crate::ids::{AreaId, CommunityId};
use crate::time::Month;

/// One area's twelve months, named by the code of its summary line (empty: the city).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AreaTrend {
    pub code: String,
    /// Oldest month first, ending with the report's month.
    pub points: Vec<TrendPoint>,
}

/// The totals of the communities of `area` (the city when none) that the report covers.
pub(super) fn totals_in(
    input: &ReportInput<'_>,
    communities: &BTreeSet<CommunityId>,
    by_community: &BTreeMap<CommunityId, CoverageTotals>,
    area: Option<AreaId>,
) -> CoverageTotals {
    let scope = area.map_or(Scope::City, Scope::Area);
    let within = input.tree.communities_in(scope);
    CoverageTotals::combine(within.iter().filter(|c| communities.contains(c)).filter_map(|c| by_community.get(c)))
}

/// The trend of the report's area and of each line of `summary`. The report's own month
/// is already counted (`coverage`); earlier ones are counted to their last day.
pub(super) fn trends<'a, I: IntoIterator<Item = ElderCoverageInput<'a, VisitFacts>>>(
    input: &ReportInput<'_>,
    communities: &BTreeSet<CommunityId>,
    coverage: &MonthlyCoverage,
    summary: &[SummaryLine],
    inputs: impl Fn() -> I,
) -> (Vec<TrendPoint>, Vec<AreaTrend>) {
    let mut months: Vec<(Month, BTreeMap<CommunityId, CoverageTotals>, CoverageTotals)> = Vec::new();
    let mut month = input.month;
    for _ in 0..TREND_MONTHS {
        let counted;
        let month_coverage = if month == input.month {
            coverage
        } else {
            counted = monthly_coverage(month, communities, inputs(), input.policy, month.last_day());
            &counted
        };
        months.push((month, month_coverage.by_community(), month_coverage.totals.clone()));
        month = month.previous();
    }
    months.reverse();
    let point = |month: Month, totals: &CoverageTotals| TrendPoint {
        month,
        denominator: totals.denominator,
        visited: totals.visited,
        rate: totals.rate,
    };
    let whole = months.iter().map(|(month, _, totals)| point(*month, totals)).collect();
    let by_area = summary
        .iter()
        .map(|line| AreaTrend {
            code: line.code.clone(),
            points: months
                .iter()
                .map(|(month, by_community, _)| point(*month, &totals_in(input, communities, by_community, line.area)))
                .collect(),
        })
        .collect();
    (whole, by_area)
}
