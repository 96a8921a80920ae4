//! The layout of an elder document: its keys, its version, and the typed record it
//! hydrates into. This file is the one place that names document keys.
//!
//! ```text
//! ROOT
//! ├─ schemaVersion   int
//! ├─ elderId         str
//! ├─ enrolledOn      "YYYY-MM-DD"
//! ├─ profile         map   (categories and conditions are maps value → true; notes is Text)
//! ├─ tierOverride    map | null
//! ├─ statusHistory   map   entry id → StatusChange
//! ├─ placements      map   entry id → Placement (which community holds the record)
//! ├─ visits          map   visit id → Visit
//! ├─ followUps       map   follow-up id → FollowUp
//! └─ insuranceSteps  map   entry id → InsuranceStep (added, never changed)
//! ```
//! `insuranceSteps` came after the first documents: older ones gain it with their first
//! step, so two workstations may each make it while apart. A reader takes every entry
//! of every such map (`union_of_made_twice`), and the review lets nobody replace it.
//! Collections are maps keyed by UUIDv7, never lists: concurrent adds on different
//! workstations then neither interleave nor collide.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::elder::{Placement, Profile, StatusChange, TierOverride};
use crate::ids::{ElderId, EntryId, FollowUpId, VisitId};
use crate::insurance::InsuranceStep;
use crate::time::Date;
use crate::visit::{FollowUp, Visit};

pub(crate) mod shape;

/// The schema this build writes. Readers accept this version and every earlier one.
/// A key added beside the others (as `insuranceSteps` was) keeps the version: older
/// readers ignore it and still read everything else; the version moves only when a
/// layout changes in a way an older reader would misread.
pub const SCHEMA_VERSION: u32 = 1;

pub(crate) const SCHEMA_VERSION_KEY: &str = "schemaVersion";
pub(crate) const ELDER_ID: &str = "elderId";
pub(crate) const ENROLLED_ON: &str = "enrolledOn";
pub(crate) const PROFILE: &str = "profile";
pub(crate) const PROFILE_NOTES: &str = "notes";
pub(crate) const PROFILE_CATEGORIES: &str = "categories";
pub(crate) const PROFILE_CONDITIONS: &str = "conditions";
pub(crate) const PROFILE_CONTACTS: &str = "emergencyContacts";
pub(crate) const TIER_OVERRIDE: &str = "tierOverride";
pub(crate) const STATUS_HISTORY: &str = "statusHistory";
pub(crate) const PLACEMENTS: &str = "placements";
pub(crate) const VISITS: &str = "visits";
pub(crate) const FOLLOW_UPS: &str = "followUps";
pub(crate) const INSURANCE_STEPS: &str = "insuranceSteps";
pub(crate) const VISIT_VOID: &str = "void";
pub(crate) const FOLLOW_UP_RESOLUTION: &str = "resolution";

/// The whole elder document, hydrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElderRecord {
    pub schema_version: u32,
    pub elder_id: ElderId,
    pub enrolled_on: Date,
    pub profile: Profile,
    pub tier_override: Option<TierOverride>,
    pub status_history: BTreeMap<EntryId, StatusChange>,
    pub placements: BTreeMap<EntryId, Placement>,
    pub visits: BTreeMap<VisitId, Visit>,
    pub follow_ups: BTreeMap<FollowUpId, FollowUp>,
    /// Absent from documents made before insurance cases were followed.
    #[serde(default)]
    pub insurance_steps: BTreeMap<EntryId, InsuranceStep>,
}

/// Brings a document of an earlier schema `version` to the current layout, in memory.
///
/// Documents are never rewritten to migrate them: a rewrite made on several replicas
/// at once would conflict with itself. Readers understand every earlier layout
/// instead. Version 1 is the first schema, so there is nothing to upgrade yet; each
/// later version adds a step here and a saved fixture in `tests/fixtures`.
pub(crate) fn upgrade(_json: &mut serde_json::Value, version: u64) {
    debug_assert!(version >= 1 && version <= u64::from(SCHEMA_VERSION));
}
