//! Coverage: for a month and an area, the monthly visit rate, the home-visit share and
//! the overdue elders, by the coverage rules of DOMAIN.md.
//!
//! Pure functions of materialised rows, a policy and the dates the caller passes in,
//! so the workstation's badges and the supervisor's report agree. The per-elder
//! figures are computed once ([`elder_coverage`]); area and community totals are only
//! sums of them, so a report can roll communities up into streets and districts
//! without applying a rule a second time.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

use crate::elder::{CareTier, ElderStatus};
use crate::ids::{CommunityId, ElderId};
use crate::materialise::{ElderRow, ElderRows, VisitRow};
use crate::policy::Policy;
use crate::time::{Date, Month, Timestamp, days_between};
use crate::visit::{VisitMode, VisitOutcome};

/// What coverage needs of a visit: whose, when, how, with what outcome, and whether
/// it was voided. A workstation has whole visit rows; the server's reports read just
/// these columns, so a year of a city's visits is cheap to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitFacts {
    pub elder_id: ElderId,
    pub visited_at: Timestamp,
    pub mode: VisitMode,
    pub outcome: VisitOutcome,
    pub voided: bool,
}

/// A visit as coverage counts it.
pub trait CountedVisit {
    fn facts(&self) -> VisitFacts;
}

impl CountedVisit for VisitFacts {
    fn facts(&self) -> VisitFacts {
        *self
    }
}

impl CountedVisit for VisitRow {
    fn facts(&self) -> VisitFacts {
        VisitFacts {
            elder_id: self.elder_id,
            visited_at: self.visit.visited_at,
            mode: self.visit.record.mode,
            outcome: self.visit.record.outcome,
            voided: self.visit.is_voided(),
        }
    }
}

/// One elder and their visits, borrowed from wherever the caller keeps the rows.
#[derive(Debug, Clone, Copy)]
pub struct ElderCoverageInput<'a, V = VisitRow> {
    pub elder: &'a ElderRow,
    /// The elder's visits in any order. Rows naming another elder are ignored, so a
    /// caller's mix-up can never credit one elder with another's visit.
    pub visits: &'a [V],
}

impl<'a> From<&'a ElderRows> for ElderCoverageInput<'a> {
    fn from(rows: &'a ElderRows) -> Self {
        Self { elder: &rows.elder, visits: &rows.visits }
    }
}

/// Valid visits counted by mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModeCounts {
    pub home: u32,
    pub phone: u32,
    pub video: u32,
}

impl ModeCounts {
    pub fn get(&self, mode: VisitMode) -> u32 {
        match mode {
            VisitMode::Home => self.home,
            VisitMode::Phone => self.phone,
            VisitMode::Video => self.video,
        }
    }

    pub fn total(&self) -> u32 {
        self.home + self.phone + self.video
    }

    fn count(&mut self, mode: VisitMode) {
        match mode {
            VisitMode::Home => self.home += 1,
            VisitMode::Phone => self.phone += 1,
            VisitMode::Video => self.video += 1,
        }
    }
}

impl AddAssign for ModeCounts {
    fn add_assign(&mut self, other: Self) {
        self.home += other.home;
        self.phone += other.phone;
        self.video += other.video;
    }
}

/// Elders counted by care tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierCounts {
    pub high_risk: u32,
    pub key: u32,
    pub general: u32,
}

impl TierCounts {
    pub fn get(&self, tier: CareTier) -> u32 {
        match tier {
            CareTier::HighRisk => self.high_risk,
            CareTier::Key => self.key,
            CareTier::General => self.general,
        }
    }

    pub fn total(&self) -> u32 {
        self.high_risk + self.key + self.general
    }

    fn count(&mut self, tier: CareTier) {
        match tier {
            CareTier::HighRisk => self.high_risk += 1,
            CareTier::Key => self.key += 1,
            CareTier::General => self.general += 1,
        }
    }
}

impl AddAssign for TierCounts {
    fn add_assign(&mut self, other: Self) {
        self.high_risk += other.high_risk;
        self.key += other.key;
        self.general += other.general;
    }
}

/// One elder's coverage for a month, seen on the `as_of` date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElderCoverage {
    pub elder_id: ElderId,
    /// The community holding the elder at the month's end, which the elder counts for.
    pub community: CommunityId,
    /// The status in force on `as_of`; `None` when `as_of` is before enrolment.
    pub status: Option<ElderStatus>,
    /// The tier in force on `as_of`: a supervisor's override, else the proposal.
    pub tier: CareTier,
    /// The Asia/Shanghai date of the latest valid visit on or before `as_of`, in any month.
    pub last_valid_visit_on: Option<Date>,
    /// Days from the last valid visit (or, never visited, from enrolment) to `as_of`.
    pub days_since: i64,
    /// Days beyond the tier's interval; 0 when not overdue, and 0 for an elder no
    /// longer on the roster on `as_of` (moved away or deceased), who is owed no visit.
    pub days_overdue: i64,
    pub visited_in_month: bool,
    pub valid_visits_in_month: ModeCounts,
}

impl ElderCoverage {
    pub fn is_overdue(&self) -> bool {
        self.days_overdue > 0
    }
}

/// Totals over a set of elders: an area, a community, or a roll-up of communities.
///
/// The counts are the facts; `rate` and `home_visit_share` are derived from them when
/// the totals are built, and are `None` where the whole is zero (never NaN).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CoverageTotals {
    /// Special-hardship elders active at some time during the month.
    pub denominator: u32,
    /// Of those, the elders with at least one valid visit in the month.
    pub visited: u32,
    /// `visited / denominator`.
    pub rate: Option<f64>,
    /// Valid home visits over all valid visits in the month.
    pub home_visit_share: Option<f64>,
    pub valid_visits_by_mode: ModeCounts,
    pub elders_by_tier: TierCounts,
    pub overdue_by_tier: TierCounts,
}

impl CoverageTotals {
    /// Sums the coverage of these elders (each counted as part of the denominator).
    pub fn of_elders<'a>(elders: impl IntoIterator<Item = &'a ElderCoverage>) -> Self {
        let mut totals = Self::default();
        for elder in elders {
            totals.denominator += 1;
            totals.visited += u32::from(elder.visited_in_month);
            totals.valid_visits_by_mode += elder.valid_visits_in_month;
            totals.elders_by_tier.count(elder.tier);
            if elder.is_overdue() {
                totals.overdue_by_tier.count(elder.tier);
            }
        }
        totals.with_ratios()
    }

    /// Rolls totals up, e.g. communities into their street: the counts add, and the
    /// ratios are recomputed from the sums (an average of rates would be wrong).
    pub fn combine<'a>(parts: impl IntoIterator<Item = &'a CoverageTotals>) -> Self {
        let mut totals = Self::default();
        for part in parts {
            totals.denominator += part.denominator;
            totals.visited += part.visited;
            totals.valid_visits_by_mode += part.valid_visits_by_mode;
            totals.elders_by_tier += part.elders_by_tier;
            totals.overdue_by_tier += part.overdue_by_tier;
        }
        totals.with_ratios()
    }

    fn with_ratios(mut self) -> Self {
        self.rate = ratio(self.visited, self.denominator);
        self.home_visit_share = ratio(self.valid_visits_by_mode.home, self.valid_visits_by_mode.total());
        self
    }
}

fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// An area's coverage for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyCoverage {
    pub month: Month,
    /// The day "days since" and "days overdue" are counted to.
    pub as_of: Date,
    #[serde(flatten)]
    pub totals: CoverageTotals,
    /// Every elder of the denominator, most overdue first, then by elder id.
    pub elders: Vec<ElderCoverage>,
}

impl MonthlyCoverage {
    /// Totals per community, from the same per-elder figures as the area's totals.
    ///
    /// A community of the area with no elder in the denominator is absent; its totals
    /// are `CoverageTotals::default()` (denominator 0, no rate).
    pub fn by_community(&self) -> BTreeMap<CommunityId, CoverageTotals> {
        let mut grouped: BTreeMap<CommunityId, Vec<&ElderCoverage>> = BTreeMap::new();
        for elder in &self.elders {
            grouped.entry(elder.community).or_default().push(elder);
        }
        grouped.into_iter().map(|(community, elders)| (community, CoverageTotals::of_elders(elders))).collect()
    }
}

/// The coverage of `month` for the elders of the communities in `area`.
///
/// `as_of` is the day overdue days are counted to: a past month's last day, or today
/// for the current month. Visits after `as_of` are not a "last valid visit".
pub fn monthly_coverage<'a, V: CountedVisit + 'a>(
    month: Month,
    area: &BTreeSet<CommunityId>,
    elders: impl IntoIterator<Item = ElderCoverageInput<'a, V>>,
    policy: &Policy,
    as_of: Date,
) -> MonthlyCoverage {
    let mut covered: Vec<ElderCoverage> = elders
        .into_iter()
        .filter(|input| counts_for(input.elder, month).is_some_and(|community| area.contains(&community)))
        .map(|input| elder_coverage(input, month, policy, as_of))
        .collect();
    covered.sort_by_key(|elder| (Reverse(elder.days_overdue), elder.elder_id));
    MonthlyCoverage { month, as_of, totals: CoverageTotals::of_elders(&covered), elders: covered }
}

/// The community an elder counts for in `month`, or `None` when the elder is not in
/// that month's denominator anywhere.
///
/// The elder counts when in a hardship category and active at some time during the
/// month: enrolled by its last day, with Active or Hospitalised in force on some day
/// of it (so moving away or dying mid-month still counts for that month). An elder who
/// changed community during the month counts for the one holding them at its end.
pub fn counts_for(elder: &ElderRow, month: Month) -> Option<CommunityId> {
    let active_during = elder.enrolled_on <= month.last_day()
        && elder.statuses_during(month.first_day(), month.last_day()).into_iter().any(ElderStatus::is_on_roster);
    (elder.profile.is_special_hardship() && active_during).then(|| community_at_end_of(elder, month))
}

/// One elder's coverage for `month`, seen on `as_of`. It does not check whether the
/// elder is in the month's denominator; [`counts_for`] does.
pub fn elder_coverage<V: CountedVisit>(
    input: ElderCoverageInput<'_, V>,
    month: Month,
    policy: &Policy,
    as_of: Date,
) -> ElderCoverage {
    let elder = input.elder;
    let mut valid_visits_in_month = ModeCounts::default();
    let mut last_valid_visit_on: Option<Date> = None;
    let valid_visits = input.visits.iter().map(CountedVisit::facts).filter(|visit| {
        visit.elder_id == elder.elder_id && policy.counts(visit.mode, visit.outcome, visit.voided, &elder.profile)
    });
    for visit in valid_visits {
        if month.contains(visit.visited_at) {
            valid_visits_in_month.count(visit.mode);
        }
        let visited_on = visit.visited_at.shanghai_date();
        if visited_on <= as_of && last_valid_visit_on.is_none_or(|last| visited_on > last) {
            last_valid_visit_on = Some(visited_on);
        }
    }

    let tier = policy.tier(&elder.profile, elder.tier_override.as_ref(), as_of);
    let status = elder.status_on(as_of);
    // Never visited: the clock starts at enrolment, so a newly enrolled elder is not
    // overdue on day one. Clamped because `as_of` may precede a future-dated enrolment.
    let days_since = days_between(last_valid_visit_on.unwrap_or(elder.enrolled_on), as_of).max(0);
    let owed_visits = status.is_some_and(ElderStatus::is_on_roster);
    let days_overdue = if owed_visits { (days_since - policy.interval_days(tier)).max(0) } else { 0 };

    ElderCoverage {
        elder_id: elder.elder_id,
        community: community_at_end_of(elder, month),
        status,
        tier,
        last_valid_visit_on,
        days_since,
        days_overdue,
        visited_in_month: valid_visits_in_month.total() > 0,
        valid_visits_in_month,
    }
}

fn community_at_end_of(elder: &ElderRow, month: Month) -> CommunityId {
    // Placements start at enrolment, so one is in force for any month the elder counts
    // in; should the history begin later, the current community is the best we know.
    elder.community_on(month.last_day()).unwrap_or(elder.community)
}
