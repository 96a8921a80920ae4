//! The elder: profile, hardship categories, care tier, status and placement history.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::author::Author;
use crate::ids::{CommunityId, ContactId};
use crate::label::labelled_enum;
use crate::time::{Date, Timestamp};

labelled_enum! {
    pub enum Gender {
        Female = "female" => ("女", "Female"),
        Male = "male" => ("男", "Male"),
    }
}

labelled_enum! {
    /// Who the elder lives with.
    pub enum LivingArrangement {
        Alone = "alone" => ("独自居住", "Alone"),
        SpouseOnly = "spouseOnly" => ("仅与配偶同住", "With spouse only"),
        WithFamily = "withFamily" => ("与子女或亲属同住", "With children or relatives"),
        WithCarer = "withCarer" => ("与护理人员同住", "With a carer"),
        Other = "other" => ("其他", "Other"),
    }
}

labelled_enum! {
    /// The hardship categories of DOMAIN.md; an elder may be in several.
    pub enum HardshipCategory {
        LivingAlone = "livingAlone" => ("独居", "Living alone"),
        EmptyNest = "emptyNest" => ("空巢", "Empty-nest"),
        LeftBehind = "leftBehind" => ("留守", "Left-behind"),
        Disabled = "disabled" => ("失能", "Disabled"),
        CognitivelyImpaired = "cognitivelyImpaired" => ("失智", "Cognitively impaired"),
        SeverelyDisabled = "severelyDisabled" => ("重残", "Severely disabled"),
        SpecialFamilyPlanning = "specialFamilyPlanning" => ("计划生育特殊家庭", "Special family-planning family"),
        MinimumLivingAllowance = "minimumLivingAllowance" => ("低保", "Minimum living allowance"),
        ExtremePoverty = "extremePoverty" => ("特困（分散供养）", "Extreme poverty (dispersed support)"),
        AdvancedAge = "advancedAge" => ("高龄", "Advanced age (80+)"),
    }
}

labelled_enum! {
    /// Serious illnesses that make an elder high-risk under the default rule.
    pub enum SeriousCondition {
        Dementia = "dementia" => ("认知症", "Dementia"),
        SevereHypertension = "severeHypertension" => ("重度高血压", "Severe hypertension"),
        HeartDisease = "heartDisease" => ("心脏病", "Heart disease"),
    }
}

labelled_enum! {
    /// Care tiers, most urgent first (the derived `Ord` sorts by urgency).
    pub enum CareTier {
        HighRisk = "highRisk" => ("高风险", "High risk"),
        Key = "key" => ("重点", "Key"),
        General = "general" => ("一般", "General"),
    }
}

labelled_enum! {
    pub enum ElderStatus {
        Active = "active" => ("在册", "Active"),
        Hospitalised = "hospitalised" => ("住院", "Hospitalised"),
        MovedAway = "movedAway" => ("已迁出", "Moved away"),
        Deceased = "deceased" => ("已故", "Deceased"),
    }
}

impl ElderStatus {
    /// Whether an elder in this status is still on the roster to be visited.
    pub fn is_on_roster(self) -> bool {
        matches!(self, ElderStatus::Active | ElderStatus::Hospitalised)
    }
}

/// A relative or neighbour to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EmergencyContact {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// The elder's profile as people edit it.
///
/// The full ID number is not here: the server keeps it in its identity record and
/// writes only the masked form into the document (see `privacy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Profile {
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    pub id_number_masked: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub living_arrangement: LivingArrangement,
    #[serde(with = "crate::set_as_map")]
    #[cfg_attr(feature = "ts", ts(type = "Partial<Record<HardshipCategory, true>>"))]
    pub categories: BTreeSet<HardshipCategory>,
    #[serde(with = "crate::set_as_map")]
    #[cfg_attr(feature = "ts", ts(type = "Partial<Record<SeriousCondition, true>>"))]
    pub conditions: BTreeSet<SeriousCondition>,
    /// Cannot speak for themselves: a visit that met only family then counts.
    pub unable_to_communicate: bool,
    pub emergency_contacts: BTreeMap<ContactId, EmergencyContact>,
    /// Free notes, kept as collaborative text because several people edit them.
    pub notes: String,
}

impl Profile {
    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> i32 {
        use chrono::Datelike;
        let mut age = on.year() - self.birth_date.year();
        if (on.month(), on.day()) < (self.birth_date.month(), self.birth_date.day()) {
            age -= 1;
        }
        age
    }

    /// A special-hardship elder is one in at least one hardship category.
    pub fn is_special_hardship(&self) -> bool {
        !self.categories.is_empty()
    }
}

/// One entry of the status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StatusChange {
    pub status: ElderStatus,
    pub effective_on: Date,
    pub note: String,
    pub recorded_at: Timestamp,
    pub recorded_by: Author,
}

/// The community that holds the elder's record from a date on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Placement {
    pub community: CommunityId,
    pub effective_on: Date,
    pub recorded_at: Timestamp,
    pub recorded_by: Author,
}

/// A tier set by hand by a supervisor; the automatic rule only proposes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TierOverride {
    pub tier: CareTier,
    pub reason: String,
    pub set_at: Timestamp,
    pub set_by: Author,
}
