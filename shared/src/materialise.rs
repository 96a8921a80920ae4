//! Materialisation: an elder document becomes the rows the central database and the
//! workstation's roster hold (elder, visits, follow-ups, conflicts, insurance cases).
//!
//! A pure function of the document, used on both sides, so a workstation's badges and
//! the supervisor's report can never disagree. Rows come in a stable order, and equal
//! documents give equal rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::document::{Conflict, DocumentError, ElderDocument, ElderRecord, current_community};
use crate::elder::{ElderStatus, Placement, Profile, StatusChange, TierOverride};
use crate::ids::{CommunityId, DeviceId, ElderId, FollowUpId, UserId, VisitId};
use crate::insurance::{self, InsuranceCase};
use crate::time::{Date, Timestamp};
use crate::visit::{
    Checks, FollowUp, Incident, Referral, RiskLevel, Visit, VisitMode, VisitOutcome, VisitRecord, VisitVoid,
};

/// The elder's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ElderRow {
    pub elder_id: ElderId,
    /// The community holding the record now.
    pub community: CommunityId,
    pub enrolled_on: Date,
    pub profile: Profile,
    /// The latest status by effective date.
    pub status: ElderStatus,
    /// Oldest first, by effective date then entry id.
    pub status_history: Vec<StatusChange>,
    /// Oldest first, by effective date then entry id.
    pub placements: Vec<Placement>,
    pub tier_override: Option<TierOverride>,
}

impl ElderRow {
    /// The status in force on `on` (before enrolment: none).
    pub fn status_on(&self, on: Date) -> Option<ElderStatus> {
        self.status_history.iter().rev().find(|s| s.effective_on <= on).map(|s| s.status)
    }

    /// Every status in force at some time during the days `[from, to]`.
    ///
    /// A status takes effect during its effective day, so the day it takes effect
    /// still saw the status before it: an elder who died on the 1st of a month was
    /// alive on part of that day (DOMAIN.md: gone *before* the month's first day).
    pub fn statuses_during(&self, from: Date, to: Date) -> Vec<ElderStatus> {
        let before = from.pred_opt().and_then(|eve| self.status_on(eve));
        let mut statuses: Vec<ElderStatus> = before.into_iter().collect();
        statuses.extend(
            self.status_history.iter().filter(|s| s.effective_on >= from && s.effective_on <= to).map(|s| s.status),
        );
        statuses
    }

    /// The community holding the record on `on`.
    pub fn community_on(&self, on: Date) -> Option<CommunityId> {
        self.placements.iter().rev().find(|p| p.effective_on <= on).map(|p| p.community)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitRow {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    #[serde(flatten)]
    pub visit: Visit,
}

/// The columns a central database files a visit row under, for its queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitKeys {
    pub elder_id: ElderId,
    pub visit_id: VisitId,
    pub assistant: UserId,
    pub device: DeviceId,
    pub visited_at: Timestamp,
    pub recorded_at: Timestamp,
    pub mode: VisitMode,
    pub outcome: VisitOutcome,
    pub risk: RiskLevel,
}

/// The rest of a visit row, stored beside its [`VisitKeys`] so that nothing is stored
/// twice; empty parts are left out. The JSON of a whole [`VisitRow`] reads as details
/// too, so rows stored whole before still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitDetails {
    #[serde(with = "checks_without_empty_notes")]
    pub checks: Checks,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub referrals: BTreeMap<Referral, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void: Option<VisitVoid>,
}

impl VisitRow {
    /// The row split into the columns it is filed under and the rest.
    pub fn split(&self) -> (VisitKeys, VisitDetails) {
        let (v, r) = (&self.visit, &self.visit.record);
        let keys = VisitKeys {
            elder_id: self.elder_id,
            visit_id: self.visit_id,
            assistant: v.assistant,
            device: v.device,
            visited_at: v.visited_at,
            recorded_at: v.recorded_at,
            mode: r.mode,
            outcome: r.outcome,
            risk: r.risk,
        };
        let details = VisitDetails {
            checks: r.checks.clone(),
            referrals: r.referrals.clone(),
            incident: r.incident.clone(),
            notes: r.notes.clone(),
            void: v.void.clone(),
        };
        (keys, details)
    }

    /// The row put back together from what [`Self::split`] gave.
    pub fn join(keys: VisitKeys, details: VisitDetails) -> Self {
        let record = VisitRecord {
            mode: keys.mode,
            outcome: keys.outcome,
            checks: details.checks,
            risk: keys.risk,
            referrals: details.referrals,
            incident: details.incident,
            notes: details.notes,
        };
        let visit = Visit {
            assistant: keys.assistant,
            device: keys.device,
            visited_at: keys.visited_at,
            recorded_at: keys.recorded_at,
            record,
            void: details.void,
        };
        Self { elder_id: keys.elder_id, visit_id: keys.visit_id, visit }
    }
}

/// The checks as [`VisitDetails`] store them: every area's state, and a note only where
/// there is one (most visits have none, and ten empty notes were half a stored row).
mod checks_without_empty_notes {
    use serde::{Deserialize as _, Deserializer, Serialize as _, Serializer, de::Error as _, ser::Error as _};
    use serde_json::{Map, Value};

    use crate::visit::{CheckArea, Checks, FlatChecks};

    fn note_key(area: CheckArea) -> String {
        format!("{}Note", area.as_str())
    }

    pub fn serialize<S: Serializer>(checks: &Checks, serializer: S) -> Result<S::Ok, S::Error> {
        let mut flat = serde_json::to_value(FlatChecks::from(checks.clone())).map_err(S::Error::custom)?;
        if let Some(map) = flat.as_object_mut() {
            for area in CheckArea::ALL {
                if checks.get(*area).note.is_empty() {
                    map.remove(&note_key(*area));
                }
            }
        }
        flat.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Checks, D::Error> {
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        for area in CheckArea::ALL {
            map.entry(note_key(*area)).or_insert_with(|| Value::String(String::new()));
        }
        serde_json::from_value::<FlatChecks>(Value::Object(map)).map(Checks::from).map_err(D::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpRow {
    pub elder_id: ElderId,
    pub follow_up_id: FollowUpId,
    #[serde(flatten)]
    pub follow_up: FollowUp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictRow {
    pub elder_id: ElderId,
    /// Dotted field path, e.g. `profile.phone`.
    pub field: String,
    #[serde(flatten)]
    pub conflict: Conflict,
}

/// Everything one document materialises into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ElderRows {
    pub elder: ElderRow,
    /// By visit time, then id.
    pub visits: Vec<VisitRow>,
    /// By due time, then id.
    pub follow_ups: Vec<FollowUpRow>,
    /// By field path.
    pub conflicts: Vec<ConflictRow>,
    /// One per visit recording an incident (not voided), by incident time.
    #[serde(default)]
    pub insurance_cases: Vec<InsuranceCase>,
}

/// Materialises one document.
pub fn materialise(document: &ElderDocument) -> Result<ElderRows, DocumentError> {
    materialise_record(document.record().clone(), document.conflicts().to_vec())
}

/// Materialises an already hydrated record with its conflicts.
pub fn materialise_record(record: ElderRecord, conflicts: Vec<Conflict>) -> Result<ElderRows, DocumentError> {
    let elder_id = record.elder_id;
    let community = current_community(&record)
        .ok_or_else(|| DocumentError::Schema { path: "placements".into(), reason: "no placement".into() })?;
    let mut status_history: Vec<_> = record.status_history.into_iter().collect();
    status_history.sort_by_key(|(id, s)| (s.effective_on, *id));
    let mut placements: Vec<_> = record.placements.into_iter().collect();
    placements.sort_by_key(|(id, p)| (p.effective_on, *id));
    let status_history: Vec<StatusChange> = status_history.into_iter().map(|(_, s)| s).collect();
    let status = status_history
        .last()
        .map(|s| s.status)
        .ok_or_else(|| DocumentError::Schema { path: "statusHistory".into(), reason: "empty".into() })?;

    let insurance_cases = insurance::cases(elder_id, &record.visits, &record.insurance_steps);
    let mut visits: Vec<VisitRow> =
        record.visits.into_iter().map(|(visit_id, visit)| VisitRow { elder_id, visit_id, visit }).collect();
    visits.sort_by_key(|v| (v.visit.visited_at, v.visit_id));
    let mut follow_ups: Vec<FollowUpRow> = record
        .follow_ups
        .into_iter()
        .map(|(follow_up_id, follow_up)| FollowUpRow { elder_id, follow_up_id, follow_up })
        .collect();
    follow_ups.sort_by_key(|f| (f.follow_up.due_at, f.follow_up_id));
    let conflicts = conflicts
        .into_iter()
        .map(|conflict| ConflictRow { elder_id, field: conflict.dotted_path(), conflict })
        .collect();

    Ok(ElderRows {
        elder: ElderRow {
            elder_id,
            community,
            enrolled_on: record.enrolled_on,
            profile: record.profile,
            status,
            status_history,
            placements: placements.into_iter().map(|(_, p)| p).collect(),
            tier_override: record.tier_override,
        },
        visits,
        follow_ups,
        conflicts,
        insurance_cases,
    })
}
