//! The visit policy: care-tier rules, required visit intervals, what makes a visit
//! valid, and the time allowances. It is data (TOML or JSON), with DOMAIN.md's local
//! rules as the default, because each city sets its own. The role table (who may do
//! what) is part of it.

use std::collections::BTreeSet;

use chrono::Datelike as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::elder::{CareTier, HardshipCategory, Profile, SeriousCondition, TierOverride};
use crate::label::labelled_enum;
use crate::roles::RoleTable;
use crate::time::{Date, Month};
use crate::visit::{Visit, VisitMode, VisitOutcome};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Policy {
    pub tiers: TierRules,
    pub intervals: VisitIntervals,
    pub valid_visit: ValidVisitRule,
    /// How far past the receiver's clock a visit's time may lie (workstation clocks drift).
    pub clock_skew_minutes: i64,
    /// A red-risk visit needs a follow-up due within this many hours of the visit.
    pub red_risk_follow_up_hours: i64,
    /// Which roles may do what (DOMAIN.md's table by default).
    pub roles: RoleTable,
    /// When an unvisited elder warns, and when a warning escalates.
    pub warnings: WarningRules,
}

/// The automatic tier proposal (a supervisor may override it per elder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TierRules {
    /// Elders at least this old and in one of `high_risk_categories` are high-risk.
    pub high_risk_min_age: i32,
    pub high_risk_categories: BTreeSet<HardshipCategory>,
    /// Any of these illnesses makes an elder high-risk whatever the age.
    pub high_risk_conditions: BTreeSet<SeriousCondition>,
    /// Any of these categories makes an elder (not already high-risk) key.
    pub key_categories: BTreeSet<HardshipCategory>,
}

/// The longest gap between valid visits, in days, per tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct VisitIntervals {
    pub high_risk_days: i64,
    pub key_days: i64,
    pub general_days: i64,
}

/// The warning rules of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct WarningRules {
    /// The day of the month (1–28) from which an unvisited elder is due.
    pub warning_day: u32,
    /// Days a warning stays open before it goes to the district.
    pub escalate_after_days: i64,
}

impl Default for WarningRules {
    fn default() -> Self {
        Self { warning_day: 20, escalate_after_days: 5 }
    }
}

/// The last warning day a policy may set: every month has it.
pub const LATEST_WARNING_DAY: u32 = 28;

impl WarningRules {
    /// The warning day of `month`.
    pub fn day_in(&self, month: Month) -> Date {
        let day = self.warning_day.clamp(1, LATEST_WARNING_DAY);
        month.first_day().with_day(day).unwrap_or_else(|| month.first_day())
    }
}

labelled_enum! {
    /// When a visit that met only family counts as valid.
    pub enum FamilyOnlyRule {
        Never = "never" => ("不计入", "Never counts"),
        WhenUnableToCommunicate = "whenUnableToCommunicate" => ("仅当老人无法交流时计入", "Counts when the elder cannot communicate"),
        Always = "always" => ("计入", "Always counts"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ValidVisitRule {
    pub counted_modes: BTreeSet<VisitMode>,
    pub family_only: FamilyOnlyRule,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            tiers: TierRules::default(),
            intervals: VisitIntervals::default(),
            valid_visit: ValidVisitRule::default(),
            clock_skew_minutes: 10,
            red_risk_follow_up_hours: 24,
            roles: RoleTable::default(),
            warnings: WarningRules::default(),
        }
    }
}

impl Default for TierRules {
    fn default() -> Self {
        use HardshipCategory::*;
        Self {
            high_risk_min_age: 80,
            high_risk_categories: [LivingAlone, EmptyNest, LeftBehind].into(),
            high_risk_conditions: SeriousCondition::ALL.iter().copied().collect(),
            key_categories: [Disabled, CognitivelyImpaired, SeverelyDisabled, ExtremePoverty, SpecialFamilyPlanning]
                .into(),
        }
    }
}

impl Default for VisitIntervals {
    /// A week, a month and a quarter, as whole days (our choice: 7, 31 and 92, the
    /// longest month and quarter, so an elder visited on the same date each month is
    /// never counted overdue).
    fn default() -> Self {
        Self { high_risk_days: 7, key_days: 31, general_days: 92 }
    }
}

impl Default for ValidVisitRule {
    fn default() -> Self {
        Self {
            counted_modes: VisitMode::ALL.iter().copied().collect(),
            family_only: FamilyOnlyRule::WhenUnableToCommunicate,
        }
    }
}

/// Which policy this is: a digest of its JSON. The server names its policy's version
/// in every pull, so a workstation sees a change without fetching the policy each
/// time, and keeps the version beside the policy it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyVersion(String);

impl PolicyVersion {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PolicyVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The policy's numbers a visit form checks as the assistant types (the core checks
/// the whole policy again when the visit is saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitRules {
    /// How far past this computer's clock a visit's time may lie.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub clock_skew_minutes: i64,
    /// A red-risk visit's follow-up is due within this many hours of the visit.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub red_risk_follow_up_hours: i64,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("the policy file is not valid TOML for a policy: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("the policy is not valid JSON for a policy: {0}")]
    Json(#[from] serde_json::Error),
    #[error("policy value {field} must be positive, not {value}")]
    NotPositive { field: &'static str, value: i64 },
    #[error("the policy counts no visit mode at all")]
    NoCountedMode,
    #[error("the warning day must be a day every month has (1 to {LATEST_WARNING_DAY}), not {0}")]
    WarningDay(u32),
}

impl Policy {
    /// Reads a policy from TOML; keys left out keep their default.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let policy: Self = toml::from_str(text)?;
        policy.checked()
    }

    /// Reads a policy from JSON; keys left out keep their default.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let policy: Self = serde_json::from_str(text)?;
        policy.checked()
    }

    /// The policy if its numbers make sense (positive intervals, a counted mode…).
    pub fn checked(self) -> Result<Self, PolicyError> {
        let positive = [
            ("intervals.highRiskDays", self.intervals.high_risk_days),
            ("intervals.keyDays", self.intervals.key_days),
            ("intervals.generalDays", self.intervals.general_days),
            ("redRiskFollowUpHours", self.red_risk_follow_up_hours),
        ];
        if let Some((field, value)) = positive.into_iter().find(|(_, v)| *v <= 0) {
            return Err(PolicyError::NotPositive { field, value });
        }
        if !(1..=LATEST_WARNING_DAY).contains(&self.warnings.warning_day) {
            return Err(PolicyError::WarningDay(self.warnings.warning_day));
        }
        if self.warnings.escalate_after_days < 0 {
            let value = self.warnings.escalate_after_days;
            return Err(PolicyError::NotPositive { field: "warnings.escalateAfterDays", value });
        }
        if self.clock_skew_minutes < 0 {
            return Err(PolicyError::NotPositive { field: "clockSkewMinutes", value: self.clock_skew_minutes });
        }
        if self.valid_visit.counted_modes.is_empty() {
            return Err(PolicyError::NoCountedMode);
        }
        Ok(self)
    }

    /// This policy's version: the first 16 hex digits of the SHA-256 of its JSON
    /// (struct fields in order, sets and maps sorted, so equal policies have equal
    /// versions).
    pub fn version(&self) -> PolicyVersion {
        // A policy is plain data: serialising it cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&json);
        PolicyVersion(digest.iter().take(8).map(|byte| format!("{byte:02x}")).collect())
    }

    pub fn visit_rules(&self) -> VisitRules {
        VisitRules {
            clock_skew_minutes: self.clock_skew_minutes,
            red_risk_follow_up_hours: self.red_risk_follow_up_hours,
        }
    }

    /// The tier the automatic rule proposes for `profile` on date `on`.
    pub fn proposed_tier(&self, profile: &Profile, on: Date) -> CareTier {
        let rules = &self.tiers;
        let old_and_alone = profile.age_on(on) >= rules.high_risk_min_age
            && profile.categories.iter().any(|c| rules.high_risk_categories.contains(c));
        let seriously_ill = profile.conditions.iter().any(|c| rules.high_risk_conditions.contains(c));
        if old_and_alone || seriously_ill {
            CareTier::HighRisk
        } else if profile.categories.iter().any(|c| rules.key_categories.contains(c)) {
            CareTier::Key
        } else {
            CareTier::General
        }
    }

    /// The tier in force: a supervisor's override, else the proposal.
    pub fn tier(&self, profile: &Profile, tier_override: Option<&TierOverride>, on: Date) -> CareTier {
        tier_override.map(|o| o.tier).unwrap_or_else(|| self.proposed_tier(profile, on))
    }

    pub fn interval_days(&self, tier: CareTier) -> i64 {
        match tier {
            CareTier::HighRisk => self.intervals.high_risk_days,
            CareTier::Key => self.intervals.key_days,
            CareTier::General => self.intervals.general_days,
        }
    }

    /// Whether `visit` counts towards coverage for the elder with `profile`.
    pub fn is_valid_visit(&self, visit: &Visit, profile: &Profile) -> bool {
        self.counts(visit.record.mode, visit.record.outcome, visit.is_voided(), profile)
    }

    /// The same rule on a visit's facts alone (what the server's reports read).
    pub fn counts(&self, mode: VisitMode, outcome: VisitOutcome, voided: bool, profile: &Profile) -> bool {
        if voided || !self.valid_visit.counted_modes.contains(&mode) {
            return false;
        }
        match outcome {
            VisitOutcome::MetElder => true,
            VisitOutcome::MetFamilyOnly => match self.valid_visit.family_only {
                FamilyOnlyRule::Never => false,
                FamilyOnlyRule::WhenUnableToCommunicate => profile.unable_to_communicate,
                FamilyOnlyRule::Always => true,
            },
            _ => false,
        }
    }
}
