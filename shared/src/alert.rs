//! Alerts for supervisors: a red-risk visit or an incident (DOMAIN.md: "the supervisor
//! is alerted on the next sync"). The rules are a pure function of an elder's
//! materialised rows, so the server raises and closes alerts in the same transaction
//! that stores the visit, and any other reader would derive the same.
//!
//! An alert is closed by what follows it up:
//! - the follow-ups the visit called for, once every one is resolved (by a visit or a
//!   note), at the last resolution;
//! - when the visit called for none (an incident without red risk), the elder's next
//!   visit that is not voided;
//! - the visit being voided (it was recorded in error);
//! - the visit being corrected so it is neither red risk nor an incident;
//! - a supervisor's note (kept by the server; these rows never reopen it).

use serde::{Deserialize, Serialize};

use crate::ids::{ElderId, FollowUpId, VisitId};
use crate::label::labelled_enum;
use crate::materialise::ElderRows;
use crate::time::Timestamp;
use crate::visit::{IncidentKind, RiskLevel};

labelled_enum! {
    /// How an alert was closed.
    pub enum AlertClosure {
        FollowUpDone = "followUpDone" => ("已跟进", "Followed up"),
        LaterVisit = "laterVisit" => ("已再次探访", "Visited again"),
        Voided = "voided" => ("探访已作废", "Visit voided"),
        Corrected = "corrected" => ("更正后不再预警", "Corrected: no longer an alert"),
        SupervisorNote = "supervisorNote" => ("督导备注关闭", "Closed by a supervisor's note"),
    }
}

/// An alert as an elder's rows define it, keyed by the visit that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertFacts {
    pub visit_id: VisitId,
    pub elder_id: ElderId,
    /// When the visit took place.
    pub raised_at: Timestamp,
    pub red_risk: bool,
    pub incident: Option<IncidentKind>,
    /// The follow-ups the visit called for.
    pub follow_ups: Vec<FollowUpId>,
    /// Open alerts have none.
    pub closed: Option<(AlertClosure, Timestamp)>,
}

/// The alerts of one elder's visits. Visits that never alerted give none; a visit that
/// alerted once and was corrected gives none any more, and whoever stored its alert
/// closes it with [`AlertClosure::Corrected`].
pub fn alerts(rows: &ElderRows) -> Vec<AlertFacts> {
    rows.visits
        .iter()
        .filter(|row| row.visit.record.risk == RiskLevel::Red || row.visit.record.incident.is_some())
        .map(|row| {
            let visit = &row.visit;
            let follow_ups: Vec<_> =
                rows.follow_ups.iter().filter(|f| f.follow_up.origin_visit == Some(row.visit_id)).collect();
            let closed = if let Some(void) = &visit.void {
                Some((AlertClosure::Voided, void.at))
            } else if !follow_ups.is_empty() {
                follow_ups
                    .iter()
                    .map(|f| f.follow_up.resolution.as_ref().map(|r| r.at))
                    .collect::<Option<Vec<_>>>()
                    .and_then(|times| times.into_iter().max())
                    .map(|at| (AlertClosure::FollowUpDone, at))
            } else {
                rows.visits
                    .iter()
                    .find(|later| {
                        !later.visit.is_voided()
                            && later.visit_id != row.visit_id
                            && later.visit.visited_at > visit.visited_at
                    })
                    .map(|later| (AlertClosure::LaterVisit, later.visit.visited_at))
            };
            AlertFacts {
                visit_id: row.visit_id,
                elder_id: row.elder_id,
                raised_at: visit.visited_at,
                red_risk: visit.record.risk == RiskLevel::Red,
                incident: visit.record.incident.as_ref().map(|i| i.kind),
                follow_ups: follow_ups.iter().map(|f| f.follow_up_id).collect(),
                closed,
            }
        })
        .collect()
}

/// An alert as a supervisor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertView {
    pub visit_id: VisitId,
    pub elder_id: ElderId,
    pub elder_name: String,
    pub street: String,
    pub community: String,
    /// When the visit took place.
    pub raised_at: Timestamp,
    /// When the server received it: the alert's own start.
    pub received_at: Timestamp,
    pub red_risk: bool,
    pub incident: Option<IncidentKind>,
    /// Who recorded the visit.
    pub assistant: String,
    pub closed: Option<AlertClosed>,
}

/// How and when an alert was closed, and by whom when by a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertClosed {
    pub how: AlertClosure,
    pub at: Timestamp,
    pub by: Option<String>,
    pub note: Option<String>,
}

/// A supervisor closes an alert with a note saying what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloseAlert {
    pub note: String,
}

/// The longest note a supervisor may close an alert with, in characters: a reason,
/// like every other (`limits::FIELD_LIMITS`).
pub const MAX_NOTE_CHARS: usize = crate::limits::FIELD_LIMITS.reason;
