//! The visit (探访记录) and the follow-up it may call for.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::author::Author;
use crate::ids::{DeviceId, UserId, VisitId};
use crate::label::labelled_enum;
use crate::time::Timestamp;

labelled_enum! {
    pub enum VisitMode {
        Home = "home" => ("上门", "Home visit"),
        Phone = "phone" => ("电话", "Phone"),
        Video = "video" => ("视频", "Video"),
    }
}

labelled_enum! {
    pub enum VisitOutcome {
        MetElder = "metElder" => ("见到本人", "Met the elder"),
        MetFamilyOnly = "metFamilyOnly" => ("仅见家属", "Met family only"),
        NotAtHome = "notAtHome" => ("未在家", "Not at home"),
        Refused = "refused" => ("拒绝探访", "Refused"),
        InHospital = "inHospital" => ("住院", "In hospital"),
        MovedAway = "movedAway" => ("已迁出", "Moved away"),
        Deceased = "deceased" => ("已故", "Deceased"),
    }
}

labelled_enum! {
    /// The five areas the national guidance asks a visit to check.
    pub enum CheckArea {
        Health = "health" => ("身体状况", "Health"),
        Economic = "economic" => ("经济状况", "Economic"),
        Family = "family" => ("家庭赡养", "Family support"),
        Safety = "safety" => ("居家安全", "Home safety"),
        ServiceNeeds = "serviceNeeds" => ("服务需求", "Service needs"),
    }
}

labelled_enum! {
    pub enum CheckState {
        NotChecked = "notChecked" => ("未检查", "Not checked"),
        Good = "good" => ("良好", "Good"),
        Concern = "concern" => ("需关注", "Needs attention"),
        Serious = "serious" => ("严重", "Serious"),
    }
}

labelled_enum! {
    /// Risk after the visit; red calls for a follow-up within the policy's window
    /// (`Policy::red_risk_follow_up_hours`, 24 by default).
    pub enum RiskLevel {
        Green = "green" => ("绿色", "Green"),
        Yellow = "yellow" => ("黄色", "Yellow"),
        Red = "red" => ("红色", "Red"),
    }
}

labelled_enum! {
    pub enum Referral {
        CommunityHealthCentre = "communityHealthCentre" => ("社区卫生服务中心", "Community health centre"),
        DayCareCentre = "dayCareCentre" => ("日间照料中心", "Day-care centre"),
        HomeCareStation = "homeCareStation" => ("居家养老服务站", "Home-care station"),
        SocialWorker = "socialWorker" => ("社工", "Social worker"),
        PoliceOrEmergency = "policeOrEmergency" => ("公安或急救", "Police or emergency services"),
        Other = "other" => ("其他", "Other"),
    }
}

labelled_enum! {
    /// Incidents are leads for the city's elder accident insurance.
    pub enum IncidentKind {
        Fall = "fall" => ("跌倒", "Fall"),
        Injury = "injury" => ("意外伤害", "Accidental injury"),
        HospitalStay = "hospitalStay" => ("住院", "Hospital stay"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Check {
    pub state: CheckState,
    pub note: String,
}

impl Check {
    pub fn not_checked() -> Self {
        Self { state: CheckState::NotChecked, note: String::new() }
    }
}

/// The five checked areas; a struct rather than a map so none can be missing.
///
/// Stored flat (`health`, `healthNote`, `economic`, …) in one map rather than as five
/// nested maps: a visit then costs Automerge two objects instead of seven, which is
/// most of what loading a year of visits costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FlatChecks", into = "FlatChecks")]
pub struct Checks {
    pub health: Check,
    pub economic: Check,
    pub family: Check,
    pub safety: Check,
    pub service_needs: Check,
}

/// The wire form of [`Checks`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "Checks"))]
pub struct FlatChecks {
    pub health: CheckState,
    pub health_note: String,
    pub economic: CheckState,
    pub economic_note: String,
    pub family: CheckState,
    pub family_note: String,
    pub safety: CheckState,
    pub safety_note: String,
    pub service_needs: CheckState,
    pub service_needs_note: String,
}

impl From<FlatChecks> for Checks {
    fn from(flat: FlatChecks) -> Self {
        let check = |state, note| Check { state, note };
        Self {
            health: check(flat.health, flat.health_note),
            economic: check(flat.economic, flat.economic_note),
            family: check(flat.family, flat.family_note),
            safety: check(flat.safety, flat.safety_note),
            service_needs: check(flat.service_needs, flat.service_needs_note),
        }
    }
}

impl From<Checks> for FlatChecks {
    fn from(checks: Checks) -> Self {
        Self {
            health: checks.health.state,
            health_note: checks.health.note,
            economic: checks.economic.state,
            economic_note: checks.economic.note,
            family: checks.family.state,
            family_note: checks.family.note,
            safety: checks.safety.state,
            safety_note: checks.safety.note,
            service_needs: checks.service_needs.state,
            service_needs_note: checks.service_needs.note,
        }
    }
}

impl Checks {
    pub fn get(&self, area: CheckArea) -> &Check {
        match area {
            CheckArea::Health => &self.health,
            CheckArea::Economic => &self.economic,
            CheckArea::Family => &self.family,
            CheckArea::Safety => &self.safety,
            CheckArea::ServiceNeeds => &self.service_needs,
        }
    }

    pub fn not_checked() -> Self {
        Self {
            health: Check::not_checked(),
            economic: Check::not_checked(),
            family: Check::not_checked(),
            safety: Check::not_checked(),
            service_needs: Check::not_checked(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Incident {
    pub kind: IncidentKind,
    pub note: String,
}

/// Why, when and by whom a visit entered by mistake was voided. It stays in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitVoid {
    pub reason: String,
    pub at: Timestamp,
    pub by: Author,
}

/// What an assistant records about one visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitRecord {
    pub mode: VisitMode,
    pub outcome: VisitOutcome,
    #[cfg_attr(feature = "ts", ts(as = "FlatChecks"))]
    pub checks: Checks,
    pub risk: RiskLevel,
    /// Referral kind → a note (for `Other`, what it was).
    pub referrals: BTreeMap<Referral, String>,
    pub incident: Option<Incident>,
    pub notes: String,
}

/// A visit as the document holds it: one flat map, the record's fields beside the
/// visit's own (read through [`VisitFields`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Visit {
    pub assistant: UserId,
    pub device: DeviceId,
    /// When the visit took place (entered by the assistant).
    pub visited_at: Timestamp,
    /// When the workstation recorded it (its clock); the server adds when it arrived.
    pub recorded_at: Timestamp,
    #[serde(flatten)]
    pub record: VisitRecord,
    /// Absent until the visit is voided (a visit is never un-voided).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void: Option<VisitVoid>,
}

impl Visit {
    pub fn is_voided(&self) -> bool {
        self.void.is_some()
    }
}

/// A visit's fields as the flat map holds them. Serde reads a `flatten`ed field by
/// buffering the whole map first, which was a third of reading an elder's record;
/// reading these fields and regrouping them costs no buffer. Unknown fields are
/// ignored, as they were.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VisitFields {
    assistant: UserId,
    device: DeviceId,
    visited_at: Timestamp,
    recorded_at: Timestamp,
    mode: VisitMode,
    outcome: VisitOutcome,
    checks: Checks,
    risk: RiskLevel,
    referrals: BTreeMap<Referral, String>,
    incident: Option<Incident>,
    notes: String,
    #[serde(default)]
    void: Option<VisitVoid>,
}

impl<'de> Deserialize<'de> for Visit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fields = VisitFields::deserialize(deserializer)?;
        Ok(Visit {
            assistant: fields.assistant,
            device: fields.device,
            visited_at: fields.visited_at,
            recorded_at: fields.recorded_at,
            record: VisitRecord {
                mode: fields.mode,
                outcome: fields.outcome,
                checks: fields.checks,
                risk: fields.risk,
                referrals: fields.referrals,
                incident: fields.incident,
                notes: fields.notes,
            },
            void: fields.void,
        })
    }
}

/// How a follow-up was closed: by a later visit or by a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpResolution {
    pub at: Timestamp,
    pub by: Author,
    pub visit: Option<VisitId>,
    pub note: String,
}

/// An action with a due time, usually called for by a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUp {
    pub origin_visit: Option<VisitId>,
    pub action: String,
    pub due_at: Timestamp,
    pub created_at: Timestamp,
    pub created_by: Author,
    pub resolution: Option<FollowUpResolution>,
}

impl FollowUp {
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(voided: bool) -> Visit {
        let author = Author { user: UserId::from_parts(1, [1; 10]), device: DeviceId::from_parts(2, [2; 10]) };
        let mut checks = Checks::not_checked();
        checks.health = Check { state: CheckState::Concern, note: "血压偏高".into() };
        Visit {
            assistant: author.user,
            device: author.device,
            visited_at: Timestamp::from_millis(1_790_000_000_000),
            recorded_at: Timestamp::from_millis(1_790_000_060_000),
            record: VisitRecord {
                mode: VisitMode::Home,
                outcome: VisitOutcome::MetElder,
                checks,
                risk: RiskLevel::Yellow,
                referrals: [(Referral::Other, "社区医生".into())].into(),
                incident: Some(Incident { kind: IncidentKind::Fall, note: "在家摔倒".into() }),
                notes: "下周复访".into(),
            },
            void: voided
                .then(|| VisitVoid { reason: "录入错误".into(), at: Timestamp::from_millis(1), by: author }),
        }
    }

    #[test]
    fn a_visit_is_one_flat_map_and_reads_back_whole() {
        for voided in [false, true] {
            let visit = visit(voided);
            let json = serde_json::to_value(&visit).expect("serialises");
            assert!(
                json.get("record").is_none()
                    && json.get("mode").is_some()
                    && json["checks"].get("healthNote").is_some()
            );
            assert_eq!(json.get("void").is_some(), visit.void.is_some());
            assert_eq!(serde_json::from_value::<Visit>(json.clone()).expect("reads"), visit);
            // Fields this build does not know are ignored, as the document's reader requires.
            let mut extra = json;
            extra["addedLater"] = serde_json::json!(1);
            assert_eq!(serde_json::from_value::<Visit>(extra).expect("reads"), visit);
        }
    }
}
