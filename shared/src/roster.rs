//! The roster: a community's elders with the badges that tell an assistant who needs
//! a visit, filtered, searched (by name or pinyin initials) and sorted most urgent
//! first.
//!
//! Built from materialised rows and the coverage rules, so the workstation's badges
//! and the supervisor's report never disagree about who is due or overdue.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeSet;

use pinyin::ToPinyin as _;
use serde::{Deserialize, Serialize};

use crate::coverage::{counts_for, elder_coverage};
use crate::elder::{CareTier, ElderStatus, Gender, HardshipCategory};
use crate::ids::{CommunityId, ElderId};
use crate::materialise::ElderRows;
use crate::policy::Policy;
use crate::time::{Date, Month, Timestamp};
use crate::visit::RiskLevel;

/// One elder's line on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterEntry {
    pub elder_id: ElderId,
    pub community: CommunityId,
    pub name: String,
    /// The first letter of each character's pinyin, lower case ("王秀英" → "wxy").
    pub name_initials: String,
    pub gender: Gender,
    pub age: i32,
    pub status: ElderStatus,
    pub tier: CareTier,
    pub categories: BTreeSet<HardshipCategory>,
    /// In this month's denominator and not yet visited validly.
    pub due_this_month: bool,
    pub visited_this_month: bool,
    pub last_valid_visit_on: Option<Date>,
    /// Days beyond the tier's interval (0: not overdue).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_overdue: i64,
    /// The risk found at the latest visit that was not voided.
    pub latest_risk: Option<RiskLevel>,
    pub open_follow_ups: u32,
    /// Open follow-ups whose due time has passed.
    pub follow_ups_past_due: u32,
    pub open_conflicts: u32,
}

impl RosterEntry {
    /// The entry for `rows` seen at `now`.
    pub fn new(rows: &ElderRows, policy: &Policy, now: Timestamp) -> Self {
        let today = now.shanghai_date();
        let month = Month::containing(today);
        let coverage = elder_coverage(rows.into(), month, policy, today);
        let counted = counts_for(&rows.elder, month).is_some();
        let latest_risk = rows
            .visits
            .iter()
            .filter(|v| !v.visit.is_voided())
            .max_by_key(|v| (v.visit.visited_at, v.visit_id))
            .map(|v| v.visit.record.risk);
        let open: Vec<_> = rows.follow_ups.iter().filter(|f| f.follow_up.is_open()).collect();
        let profile = &rows.elder.profile;
        Self {
            elder_id: rows.elder.elder_id,
            community: rows.elder.community,
            name: profile.name.clone(),
            name_initials: initials(&profile.name),
            gender: profile.gender,
            age: profile.age_on(today),
            status: rows.elder.status,
            tier: coverage.tier,
            categories: profile.categories.clone(),
            due_this_month: counted && !coverage.visited_in_month,
            visited_this_month: coverage.visited_in_month,
            last_valid_visit_on: coverage.last_valid_visit_on,
            days_overdue: coverage.days_overdue,
            latest_risk,
            open_follow_ups: open.len() as u32,
            follow_ups_past_due: open.iter().filter(|f| f.follow_up.due_at < now).count() as u32,
            open_conflicts: rows.conflicts.len() as u32,
        }
    }

    /// Whether the search text matches: part of the name, or the start of the pinyin
    /// initials ("wxy" or "WX" for 王秀英). Blank text matches everyone.
    pub fn matches_search(&self, text: &str) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return true;
        }
        if self.name.contains(text) {
            return true;
        }
        let lower = text.to_lowercase();
        lower.chars().all(|c| c.is_ascii_alphabetic()) && self.name_initials.starts_with(&lower)
    }

    /// Whether the entry passes `filter`.
    pub fn passes(&self, filter: &RosterFilter) -> bool {
        match filter {
            RosterFilter::All => true,
            RosterFilter::DueThisMonth => self.due_this_month,
            RosterFilter::Overdue => self.days_overdue > 0,
            RosterFilter::VisitedThisMonth => self.visited_this_month,
            RosterFilter::Tier(tier) => self.tier == *tier,
            RosterFilter::Category(category) => self.categories.contains(category),
            RosterFilter::Risk(risk) => self.latest_risk == Some(*risk),
            RosterFilter::OpenConflicts => self.open_conflicts > 0,
            RosterFilter::OpenFollowUps => self.open_follow_ups > 0,
        }
    }

    /// How urgent the elder is, most urgent greatest: a follow-up past due, then red
    /// risk, then days overdue, then due this month; elders no longer on the roster
    /// (moved away, deceased) last.
    fn urgency(&self) -> (bool, bool, bool, i64, bool) {
        (
            self.status.is_on_roster(),
            self.follow_ups_past_due > 0,
            self.latest_risk == Some(RiskLevel::Red),
            self.days_overdue,
            self.due_this_month,
        )
    }
}

/// Most urgent first; then by name, then by id so the order is total.
pub fn by_urgency(a: &RosterEntry, b: &RosterEntry) -> Ordering {
    Reverse(a.urgency())
        .cmp(&Reverse(b.urgency()))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.elder_id.cmp(&b.elder_id))
}

/// One way of narrowing the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RosterFilter {
    #[default]
    All,
    DueThisMonth,
    Overdue,
    VisitedThisMonth,
    Tier(CareTier),
    Category(HardshipCategory),
    Risk(RiskLevel),
    OpenConflicts,
    OpenFollowUps,
}

/// What the roster is asked for: filters that must all pass, and search text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterQuery {
    #[serde(default)]
    pub filters: Vec<RosterFilter>,
    #[serde(default)]
    pub search: String,
}

impl RosterQuery {
    /// The entries that pass, most urgent first.
    pub fn select(&self, entries: impl IntoIterator<Item = RosterEntry>) -> Vec<RosterEntry> {
        let mut selected: Vec<RosterEntry> = entries
            .into_iter()
            .filter(|e| self.filters.iter().all(|f| e.passes(f)) && e.matches_search(&self.search))
            .collect();
        selected.sort_by(by_urgency);
        selected
    }
}

/// The first letter of each Chinese character's pinyin; other letters and digits
/// kept in lower case, anything else dropped.
pub fn initials(name: &str) -> String {
    name.chars()
        .zip(name.to_pinyin())
        .filter_map(|(c, pinyin)| match pinyin {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_pinyin_letter_of_each_character() {
        assert_eq!(initials("王秀英"), "wxy");
        assert_eq!(initials("陈 阿明2"), "cam2");
        assert_eq!(initials("Li 华"), "lih");
    }
}
