//! Early warnings (动态监测预警): who is slipping through the month.
//!
//! DOMAIN.md's rules, with the numbers in the policy ([`WarningRules`]):
//! - from the warning day of the month (the 20th), an elder on the roster with no
//!   valid visit this month is *due* ([`WarningReason::Unvisited`]); an elder left
//!   unvisited through a whole month stays due from that month's warning day until a
//!   valid visit arrives, so nobody slips from one month into the next unseen;
//! - a high-risk elder past the tier's interval warns at once
//!   ([`WarningReason::HighRiskOverdue`]), and so does a follow-up past its due time
//!   ([`WarningReason::FollowUpOverdue`]);
//! - a warning open for `escalate_after_days` goes from the street supervisor to the
//!   district (our choice: every reason escalates alike).
//!
//! A pure function of an elder's rows, the policy and the clock, so the server (which
//! keeps one open warning per elder and reason) and a workstation offline derive the
//! same warnings from the same documents. It also says when, with no new change, the
//! answer can next differ ([`ElderWarnings::next_check`]): the server re-derives an
//! elder only then, never rescanning the city.

use serde::{Deserialize, Serialize};

use crate::coverage::{ElderCoverage, elder_coverage};
use crate::elder::CareTier;
use crate::ids::{CommunityId, ElderId};
use crate::label::labelled_enum;
use crate::materialise::ElderRows;
use crate::policy::Policy;
use crate::time::{Date, Month, Timestamp};

pub use crate::policy::WarningRules;

labelled_enum! {
    /// Why an elder is warned about.
    pub enum WarningReason {
        Unvisited = "unvisited" => ("到预警日仍未探访", "Not visited by the warning day"),
        HighRiskOverdue = "highRiskOverdue" => ("高风险老人超过探访间隔", "High-risk elder past the visit interval"),
        FollowUpOverdue = "followUpOverdue" => ("跟进事项逾期", "Follow-up past its due time"),
    }
}

labelled_enum! {
    /// Whose list a warning is on: the street supervisor's first, the district's once
    /// it has been open for the policy's `escalate_after_days`.
    pub enum WarningLevel {
        Street = "street" => ("街道", "Street"),
        District = "district" => ("区（已升级）", "District (escalated)"),
    }
}

labelled_enum! {
    /// How a warning closed by itself.
    pub enum WarningClosure {
        Visited = "visited" => ("已探访", "Visited"),
        FollowUpResolved = "followUpResolved" => ("跟进已完成", "Follow-up resolved"),
        LeftRoster = "leftRoster" => ("已不在名册", "No longer on the roster"),
        NoLongerDue = "noLongerDue" => ("不再需要预警", "No longer due"),
    }
}

/// A warning as an elder's rows define it at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Warning {
    pub elder_id: ElderId,
    pub reason: WarningReason,
    /// The community holding the elder now.
    pub community: CommunityId,
    /// Since when it is due: the warning day (or enrolment) of the first month left
    /// unvisited, the first day past the interval, the earliest past-due follow-up.
    pub since: Timestamp,
    /// When it goes to the district.
    pub escalates_at: Timestamp,
}

impl Warning {
    pub fn level(&self, now: Timestamp) -> WarningLevel {
        WarningLevel::at(self.escalates_at, now)
    }
}

impl WarningLevel {
    /// The level at `at` of a warning that escalates at `escalates_at`.
    pub fn at(escalates_at: Timestamp, at: Timestamp) -> Self {
        if at >= escalates_at { Self::District } else { Self::Street }
    }
}

/// A warning as a supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WarningView {
    pub elder_id: ElderId,
    pub elder_name: String,
    pub street: String,
    pub community: String,
    pub reason: WarningReason,
    pub since: Timestamp,
    pub escalates_at: Timestamp,
    /// Now, or when it closed.
    pub level: WarningLevel,
    /// When the server opened it.
    pub opened_at: Timestamp,
    pub closed: Option<WarningClosed>,
}

/// How and when a warning closed by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WarningClosed {
    pub how: WarningClosure,
    pub at: Timestamp,
}

/// One elder's warnings at an instant, and when they can next change by time alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ElderWarnings {
    /// At most one per reason, in the order of [`WarningReason::ALL`].
    pub warnings: Vec<Warning>,
    /// The earliest instant after `now` at which the warnings may differ although no
    /// change arrived (a warning day, an interval running out, a follow-up falling
    /// due, a dated status or move taking effect, a birthday that changes the tier).
    /// `None`: only a change can alter them.
    pub next_check: Option<Timestamp>,
}

impl ElderWarnings {
    pub fn has(&self, reason: WarningReason) -> bool {
        self.warnings.iter().any(|w| w.reason == reason)
    }
}

/// The warnings of one elder seen at `now`.
pub fn warnings(rows: &ElderRows, policy: &Policy, now: Timestamp) -> ElderWarnings {
    let today = now.shanghai_date();
    let coverage = elder_coverage(rows.into(), Month::containing(today), policy, today);
    warnings_with(rows, &coverage, policy, now)
}

/// [`warnings`] for a caller that has already computed the elder's coverage of the
/// month containing `now`, seen on its date (the roster does).
pub fn warnings_with(rows: &ElderRows, coverage: &ElderCoverage, policy: &Policy, now: Timestamp) -> ElderWarnings {
    let today = now.shanghai_date();
    let elder = &rows.elder;
    let mut next = NextCheck { now, at: None };
    let dated =
        elder.status_history.iter().map(|s| s.effective_on).chain(elder.placements.iter().map(|p| p.effective_on));
    // A visit dated ahead of today (within the clock-skew allowance) counts for its
    // month from the month's first day, and is the last visit from its own day.
    let visits = rows.visits.iter().map(|v| v.visit.visited_at.shanghai_date());
    let visits = visits.flat_map(|day| [Month::containing(day).first_day(), day]);
    for date in dated.chain(visits).chain([elder.enrolled_on]).filter(|date| *date > today) {
        next.day(date);
    }
    if elder.tier_override.is_none() {
        let years = u32::try_from(policy.tiers.high_risk_min_age).unwrap_or(0).saturating_mul(12);
        if let Some(turns) = elder.profile.birth_date.checked_add_months(chrono::Months::new(years)) {
            next.day(turns);
        }
    }
    let mut found = Vec::new();
    if owed_visits(elder, today) {
        let mut warn = |reason, since: Timestamp| {
            let escalates_at = since.plus_hours(policy.warnings.escalate_after_days.saturating_mul(24));
            found.push(Warning { elder_id: elder.elder_id, reason, community: elder.community, since, escalates_at });
        };
        if let Some(since) = unvisited_since(rows, coverage, policy, today, &mut next) {
            warn(WarningReason::Unvisited, since);
        }
        if let Some(since) = high_risk_overdue_since(rows, coverage, policy, today, &mut next) {
            warn(WarningReason::HighRiskOverdue, since);
        }
        if let Some(since) = follow_up_overdue_since(rows, &mut next) {
            warn(WarningReason::FollowUpOverdue, since);
        }
    }
    ElderWarnings { warnings: found, next_check: next.at }
}

/// How a warning for `reason` that is no longer derived came to close.
pub fn closure(rows: &ElderRows, reason: WarningReason, policy: &Policy, now: Timestamp) -> WarningClosure {
    let today = now.shanghai_date();
    if !owed_visits(&rows.elder, today) {
        return WarningClosure::LeftRoster;
    }
    let coverage = elder_coverage(rows.into(), Month::containing(today), policy, today);
    match reason {
        WarningReason::Unvisited if coverage.visited_in_month => WarningClosure::Visited,
        WarningReason::HighRiskOverdue if coverage.tier == CareTier::HighRisk => WarningClosure::Visited,
        WarningReason::FollowUpOverdue => WarningClosure::FollowUpResolved,
        _ => WarningClosure::NoLongerDue,
    }
}

/// Whether the elder is on the roster on `today` and so owed visits: in a hardship
/// category, enrolled, and neither moved away nor deceased.
fn owed_visits(elder: &crate::materialise::ElderRow, today: Date) -> bool {
    elder.profile.is_special_hardship()
        && elder.enrolled_on <= today
        && elder.status_on(today).is_some_and(crate::elder::ElderStatus::is_on_roster)
}

/// The earliest instant after `now` seen so far.
struct NextCheck {
    now: Timestamp,
    at: Option<Timestamp>,
}

impl NextCheck {
    fn instant(&mut self, at: Timestamp) {
        if at > self.now && self.at.is_none_or(|earliest| at < earliest) {
            self.at = Some(at);
        }
    }

    fn day(&mut self, date: Date) {
        self.instant(Timestamp::start_of_shanghai_day(date));
    }
}

/// Due since the warning day of the first month left without a valid visit (not before
/// enrolment), once that has come.
fn unvisited_since(
    rows: &ElderRows,
    coverage: &ElderCoverage,
    policy: &Policy,
    today: Date,
    next: &mut NextCheck,
) -> Option<Timestamp> {
    let month = Month::containing(today);
    if coverage.visited_in_month {
        next.day(policy.warnings.day_in(month.next()));
        return None;
    }
    let first_unvisited = match coverage.last_valid_visit_on {
        Some(last) => Month::containing(last).next(),
        None => Month::containing(rows.elder.enrolled_on),
    };
    let due_on = policy.warnings.day_in(first_unvisited).max(rows.elder.enrolled_on);
    if due_on <= today {
        Some(Timestamp::start_of_shanghai_day(due_on))
    } else {
        next.day(due_on);
        None
    }
}

/// Due from the first day past the high-risk interval since the last valid visit (or
/// enrolment), the day coverage first counts the elder overdue.
fn high_risk_overdue_since(
    rows: &ElderRows,
    coverage: &ElderCoverage,
    policy: &Policy,
    today: Date,
    next: &mut NextCheck,
) -> Option<Timestamp> {
    if coverage.tier != CareTier::HighRisk {
        return None;
    }
    let base = coverage.last_valid_visit_on.unwrap_or(rows.elder.enrolled_on);
    let overdue_on = base + chrono::Days::new(u64::try_from(policy.interval_days(CareTier::HighRisk) + 1).unwrap_or(1));
    if overdue_on <= today {
        Some(Timestamp::start_of_shanghai_day(overdue_on))
    } else {
        next.day(overdue_on);
        None
    }
}

/// Due since the earliest due time, among open follow-ups, that has passed.
fn follow_up_overdue_since(rows: &ElderRows, next: &mut NextCheck) -> Option<Timestamp> {
    let now = next.now;
    let mut earliest: Option<Timestamp> = None;
    for follow_up in rows.follow_ups.iter().map(|row| &row.follow_up).filter(|f| f.is_open()) {
        if follow_up.due_at < now {
            earliest = Some(earliest.map_or(follow_up.due_at, |e| e.min(follow_up.due_at)));
        } else {
            // Past due only once the clock is beyond the due time (as the roster says).
            next.instant(Timestamp::from_millis(follow_up.due_at.as_millis() + 1));
        }
    }
    earliest
}
