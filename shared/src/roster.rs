//! The roster: a community's elders with the badges that tell an assistant who needs
//! a visit, filtered, searched (by name or pinyin initials) and sorted most urgent
//! first.
//!
//! Built from materialised rows and the coverage rules, so the workstation's badges
//! and the supervisor's report never disagree about who is due or overdue.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeSet;

use pinyin::ToPinyinMulti as _;
use serde::{Deserialize, Serialize};

use crate::coverage::{counts_for, elder_coverage};
use crate::elder::{CareTier, ElderStatus, Gender, HardshipCategory};
use crate::ids::{CommunityId, ElderId};
use crate::materialise::ElderRows;
use crate::policy::Policy;
use crate::time::{Date, Month, Timestamp};
use crate::visit::RiskLevel;
use crate::warning::{ElderWarnings, WarningReason, warnings, warnings_with};

/// One elder's line on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterEntry {
    pub elder_id: ElderId,
    pub community: CommunityId,
    pub name: String,
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
    /// The early warnings open now, as the server derives them (`warning`).
    pub warnings: Vec<WarningReason>,
    /// Not overdue now, but a visit falls due within the week: an unvisited or
    /// high-risk warning would open by this time next week if nobody visits.
    pub due_this_week: bool,
}

/// How far ahead "due this week" looks.
pub const DUE_SOON_DAYS: i64 = 7;

/// The assistant's day at a glance, over the whole roster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AssistantDay {
    /// Elders whose visit falls due within the week.
    pub due_this_week: u32,
    /// Elders warned as not visited this month or past the high-risk interval.
    pub overdue: u32,
    /// Elders with a follow-up past its due time.
    pub follow_ups_due: u32,
}

impl AssistantDay {
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a RosterEntry>) -> Self {
        let mut day = Self::default();
        for entry in entries {
            day.due_this_week += u32::from(entry.due_this_week);
            day.overdue += u32::from(entry.passes(&RosterFilter::Overdue));
            day.follow_ups_due += u32::from(entry.passes(&RosterFilter::FollowUpsDue));
        }
        day
    }
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
        let warned = warnings_with(rows, &coverage, policy, now);
        let visit_due =
            |found: &ElderWarnings| found.has(WarningReason::Unvisited) || found.has(WarningReason::HighRiskOverdue);
        let due_this_week =
            !visit_due(&warned) && visit_due(&warnings(rows, policy, now.plus_hours(24 * DUE_SOON_DAYS)));
        let profile = &rows.elder.profile;
        Self {
            elder_id: rows.elder.elder_id,
            community: rows.elder.community,
            name: profile.name.clone(),
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
            warnings: warned.warnings.iter().map(|w| w.reason).collect(),
            due_this_week,
        }
    }

    /// Whether the search text matches: part of the name, or the start of the pinyin
    /// initials under any reading ("wxy" or "WX" for 王秀英; "zwb" or "cwb" for 曾文彬).
    /// Blank text matches everyone. The window sends its search text in a
    /// [`RosterQuery`] rather than matching by itself, so this is the rule's one home.
    pub fn matches_search(&self, text: &str) -> bool {
        let text = text.trim();
        text.is_empty() || self.name.contains(text) || initials_start_with(&self.name, text)
    }

    /// Whether the entry passes `filter`.
    pub fn passes(&self, filter: &RosterFilter) -> bool {
        match filter {
            RosterFilter::All => true,
            RosterFilter::DueThisMonth => self.due_this_month,
            RosterFilter::Overdue => {
                self.warnings.iter().any(|w| matches!(w, WarningReason::Unvisited | WarningReason::HighRiskOverdue))
            }
            RosterFilter::DueThisWeek => self.due_this_week,
            RosterFilter::FollowUpsDue => self.warnings.contains(&WarningReason::FollowUpOverdue),
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
    /// Warned as not visited this month or past the high-risk interval (the server's
    /// warnings, derived here offline).
    Overdue,
    DueThisWeek,
    /// Warned of a follow-up past its due time.
    FollowUpsDue,
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

/// Whether `typed` starts the initials of `name` under some choice of readings: the
/// first letter of a reading of each Chinese character, and ASCII letters and digits
/// as they are, in either case (曾文彬 by "zwb" and by "cwb"; "Li 华" by "LIH").
///
/// Readings are chosen independently per character, so the typed letters are matched
/// position by position against each character's set of first letters: one step per
/// typed letter, where listing every combination would grow as 3^n for n characters
/// of three readings each.
pub fn initials_start_with(name: &str, typed: &str) -> bool {
    let mut positions = name.chars().filter_map(Initials::of);
    typed.chars().all(|letter| positions.next().is_some_and(|initials| initials.contains(letter)))
}

/// The letters one character of a name may be typed as, a bit each for a–z and 0–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Initials(u64);

impl Initials {
    /// The first letters of every reading of a Chinese character (曾: z for zēng, c for
    /// céng), or an ASCII letter or digit itself; `None` for what no one types as an
    /// initial (spaces, punctuation, other scripts), which then takes no position.
    fn of(c: char) -> Option<Self> {
        match c.to_pinyin_multi() {
            Some(readings) => Some(
                readings
                    .into_iter()
                    .filter_map(|reading| reading.first_letter().chars().next())
                    .fold(Self(0), Self::with),
            ),
            None if c.is_ascii_alphanumeric() => Some(Self(0).with(c)),
            None => None,
        }
    }

    fn with(self, letter: char) -> Self {
        Self(self.0 | bit(letter))
    }

    fn contains(self, letter: char) -> bool {
        self.0 & bit(letter) != 0
    }
}

/// The bit of an ASCII letter (either case) or digit; none for anything else.
fn bit(c: char) -> u64 {
    match c.to_ascii_lowercase() {
        c @ 'a'..='z' => 1 << (u32::from(c) - u32::from('a')),
        c @ '0'..='9' => 1 << (26 + u32::from(c) - u32::from('0')),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heteronym_is_typed_by_the_first_letter_of_any_of_its_readings() {
        for typed in ["zwb", "cwb", "ZWB", "Cw", "z", "c"] {
            assert!(initials_start_with("曾文彬", typed), "曾文彬 by {typed}");
        }
        for (name, typed) in [("单", "sdc"), ("解", "xj"), ("朴", "p"), ("区", "oq"), ("仇", "qc")] {
            for letter in typed.chars() {
                assert!(initials_start_with(name, &letter.to_string()), "{name} by {letter}");
            }
        }
    }

    #[test]
    fn letters_no_reading_starts_with_do_not_match() {
        for typed in ["xwb", "zwx", "wb", "zwbb", "zw b", "曾wb"] {
            assert!(!initials_start_with("曾文彬", typed), "曾文彬 by {typed}");
        }
    }

    #[test]
    fn ascii_letters_and_digits_count_as_themselves_in_either_case() {
        assert!(initials_start_with("王秀英", "wxy"));
        assert!(initials_start_with("陈 阿明2", "CAM"));
        assert!(initials_start_with("陈 阿明2", "cam2"));
        assert!(initials_start_with("Li 华", "LIH"));
        assert!(!initials_start_with("Li 华", "lh"));
        assert!(!initials_start_with("陈 阿明2", "cam3"));
    }

    #[test]
    fn a_long_name_of_heteronyms_is_matched_letter_by_letter() {
        // 50 characters of three readings each: 3^50 spellings, far too many to list.
        let name = "单".repeat(50);
        let typed: String = "sdc".chars().cycle().take(50).collect();
        assert!(initials_start_with(&name, &typed));
        let wrong_last: String = typed.chars().take(49).chain(['x']).collect();
        assert!(!initials_start_with(&name, &wrong_last));
    }
}
