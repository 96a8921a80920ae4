//! The city's elder accident insurance (老年人幸福安康险): every incident a visit
//! records (a fall, an injury, a hospital stay) opens a case, which a supervisor moves
//! from lead to reported (date, claim number) to paid (date, amount) or declined
//! (reason).
//!
//! A case is not stored: it is derived from the incident visit and the steps people
//! recorded against it. Steps are kept in the elder's document as entries that are
//! only ever added (`insuranceSteps`, keyed by entry id), so two supervisors moving a
//! case on two workstations while apart both keep their step; the case reads its steps
//! in the order they were recorded, and a later step of a kind replaces what an
//! earlier one said (a corrected claim number, a revised amount). Whether a step may
//! follow the case as it stood when it was recorded is [`check_step`], the one rule the
//! workstation (before it writes) and the server (on each pushed change, at the
//! change's own dependencies) both apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::author::Author;
use crate::ids::{ElderId, EntryId, VisitId};
use crate::label::{Language, labelled_enum};
use crate::limits::{FIELD_LIMITS, TextError, TextKind, check_text};
use crate::time::{Date, Timestamp};
use crate::visit::{IncidentKind, Visit};

labelled_enum! {
    /// Where an insurance case stands.
    pub enum CaseState {
        /// An incident was recorded; nobody has reported it to the insurer yet.
        Lead = "lead" => ("待报案", "Lead"),
        Reported = "reported" => ("已报案", "Reported"),
        Paid = "paid" => ("已赔付", "Paid"),
        Declined = "declined" => ("不予赔付", "Declined"),
    }
}

impl CaseState {
    /// The wire names of the states a step moves a case to (all but the lead).
    pub const STEP_NAMES: &'static [&'static str] = &["reported", "paid", "declined"];

    /// Whether nothing more is expected of anyone.
    pub fn is_settled(self) -> bool {
        matches!(self, CaseState::Paid | CaseState::Declined)
    }
}

/// What one step says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CaseStep {
    /// The case was reported to the insurer on this day, under this claim number.
    Reported { reported_on: Date, claim_number: String },
    /// The insurer paid this amount, in fen (分), on this day.
    Paid {
        paid_on: Date,
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        amount_fen: i64,
    },
    /// The insurer declined the claim, for this reason.
    Declined { reason: String },
}

impl CaseStep {
    /// The state the case is in after this step.
    pub fn state(&self) -> CaseState {
        match self {
            CaseStep::Reported { .. } => CaseState::Reported,
            CaseStep::Paid { .. } => CaseState::Paid,
            CaseStep::Declined { .. } => CaseState::Declined,
        }
    }
}

/// A step as the document keeps it: the case it moves, what it says, who recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InsuranceStep {
    /// The incident visit that opened the case.
    pub visit: VisitId,
    #[serde(flatten)]
    pub step: CaseStep,
    pub recorded_at: Timestamp,
    pub recorded_by: Author,
}

/// One case, as it stands after its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InsuranceCase {
    pub elder_id: ElderId,
    /// The incident visit: the case's id.
    pub visit_id: VisitId,
    pub kind: IncidentKind,
    /// When the visit that recorded the incident took place.
    pub incident_at: Timestamp,
    pub state: CaseState,
    pub reported_on: Option<Date>,
    pub claim_number: Option<String>,
    pub paid_on: Option<Date>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub amount_fen: Option<i64>,
    pub declined_reason: Option<String>,
    /// In the order they were recorded.
    pub steps: Vec<InsuranceStep>,
}

impl InsuranceCase {
    /// The case of an incident visit before any step.
    fn opened(elder_id: ElderId, visit_id: VisitId, kind: IncidentKind, incident_at: Timestamp) -> Self {
        InsuranceCase {
            elder_id,
            visit_id,
            kind,
            incident_at,
            state: CaseState::Lead,
            reported_on: None,
            claim_number: None,
            paid_on: None,
            amount_fen: None,
            declined_reason: None,
            steps: Vec::new(),
        }
    }

    /// Takes one more step: it sets what it says, and the state.
    fn take(&mut self, step: &InsuranceStep) {
        match &step.step {
            CaseStep::Reported { reported_on, claim_number } => {
                self.reported_on = Some(*reported_on);
                self.claim_number = Some(claim_number.clone());
                // A corrected report leaves a settled case settled.
                if !self.state.is_settled() {
                    self.state = CaseState::Reported;
                }
            }
            CaseStep::Paid { paid_on, amount_fen } => {
                self.paid_on = Some(*paid_on);
                self.amount_fen = Some(*amount_fen);
                self.declined_reason = None;
                self.state = CaseState::Paid;
            }
            CaseStep::Declined { reason } => {
                self.declined_reason = Some(reason.clone());
                self.paid_on = None;
                self.amount_fen = None;
                self.state = CaseState::Declined;
            }
        }
        self.steps.push(step.clone());
    }

    /// Whole days from the incident to its report to the insurer (Shanghai dates).
    pub fn days_to_report(&self) -> Option<i64> {
        self.reported_on.map(|on| (on - self.incident_at.shanghai_date()).num_days())
    }

    /// The case as it stood at the end of `day`: only the steps recorded by then.
    pub fn as_of(&self, day: Date) -> InsuranceCase {
        let end = Timestamp::start_of_shanghai_day(day.succ_opt().unwrap_or(day));
        let mut case = InsuranceCase::opened(self.elder_id, self.visit_id, self.kind, self.incident_at);
        for step in self.steps.iter().filter(|s| s.recorded_at < end) {
            case.take(step);
        }
        case
    }
}

/// Every case of one elder: one per visit that records an incident and is not voided
/// (a visit entered by mistake opens no case; its steps stay in the document), by
/// incident time. Steps are taken in the order recorded, then by entry id.
pub fn cases<'a>(
    elder_id: ElderId,
    visits: impl IntoIterator<Item = (&'a VisitId, &'a Visit)>,
    steps: &BTreeMap<EntryId, InsuranceStep>,
) -> Vec<InsuranceCase> {
    let mut open: BTreeMap<VisitId, InsuranceCase> = visits
        .into_iter()
        .filter(|(_, visit)| !visit.is_voided())
        .filter_map(|(id, visit)| {
            let incident = visit.record.incident.as_ref()?;
            Some((*id, InsuranceCase::opened(elder_id, *id, incident.kind, visit.visited_at)))
        })
        .collect();
    let mut ordered: Vec<(&EntryId, &InsuranceStep)> = steps.iter().collect();
    ordered.sort_by_key(|(id, step)| (step.recorded_at, **id));
    for (_, step) in ordered {
        if let Some(case) = open.get_mut(&step.visit) {
            case.take(step);
        }
    }
    let mut all: Vec<InsuranceCase> = open.into_values().collect();
    all.sort_by_key(|c| (c.incident_at, c.visit_id));
    all
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("visit {0} records no incident, so there is no insurance case to move")]
    NoCase(VisitId),
    #[error("a case must be reported before it is paid or declined")]
    NotReported,
    #[error("the report date {reported_on} is before the incident visit of {incident_on}")]
    ReportedBeforeIncident { reported_on: Date, incident_on: Date },
    #[error("the payment date {paid_on} is before the report date {reported_on}")]
    PaidBeforeReport { paid_on: Date, reported_on: Date },
    #[error("the amount must be from 0.01 to {max} yuan")]
    Amount { max: usize },
    #[error("{field} must not be blank")]
    Blank { field: &'static str },
    #[error("{field} {error}")]
    Text { field: &'static str, error: TextError },
}

impl StepError {
    /// The sentence for a person in `language` (English is the error's own).
    pub fn message(&self, language: Language) -> String {
        if language == Language::En {
            return self.to_string();
        }
        match self {
            StepError::NoCase(_) => "这次探访没有记录意外事件，没有可推进的保险案件。".into(),
            StepError::NotReported => "案件要先报案，才能记录赔付或不予赔付。".into(),
            StepError::ReportedBeforeIncident { reported_on, incident_on } => {
                format!("报案日期 {reported_on} 早于记录意外的探访日期 {incident_on}。")
            }
            StepError::PaidBeforeReport { paid_on, reported_on } => {
                format!("赔付日期 {paid_on} 早于报案日期 {reported_on}。")
            }
            StepError::Amount { max } => format!("赔付金额须在 0.01 至 {max} 元之间。"),
            StepError::Blank { field } => format!("“{}”不能为空。", field_zh(field)),
            StepError::Text { field, error: TextError::TooLong { max, .. } } => {
                format!("“{}”最多 {max} 个字。", field_zh(field))
            }
            StepError::Text { field, .. } => format!("“{}”含有不允许的控制字符。", field_zh(field)),
        }
    }
}

fn field_zh(field: &str) -> &str {
    match field {
        "claimNumber" => "理赔编号",
        "reason" => "不予赔付原因",
        other => other,
    }
}

/// The most a claim pays, in fen: well above any payment of the scheme, so a slip of
/// the keyboard (an amount in fen typed as yuan twice over) is caught.
pub fn max_amount_fen() -> i64 {
    FIELD_LIMITS.claim_yuan as i64 * 100
}

/// Whether `step` may follow `case` as it stands (`None`: the visit opens no case).
pub fn check_step(case: Option<&InsuranceCase>, visit: VisitId, step: &CaseStep) -> Result<(), StepError> {
    let case = case.ok_or(StepError::NoCase(visit))?;
    match step {
        CaseStep::Reported { reported_on, claim_number } => {
            text("claimNumber", claim_number, FIELD_LIMITS.claim_number, TextKind::OneLine)?;
            let incident_on = case.incident_at.shanghai_date();
            if *reported_on < incident_on {
                return Err(StepError::ReportedBeforeIncident { reported_on: *reported_on, incident_on });
            }
        }
        CaseStep::Paid { paid_on, amount_fen } => {
            let reported_on = case.reported_on.ok_or(StepError::NotReported)?;
            if *paid_on < reported_on {
                return Err(StepError::PaidBeforeReport { paid_on: *paid_on, reported_on });
            }
            if !(1..=max_amount_fen()).contains(amount_fen) {
                return Err(StepError::Amount { max: FIELD_LIMITS.claim_yuan });
            }
        }
        CaseStep::Declined { reason } => {
            case.reported_on.ok_or(StepError::NotReported)?;
            text("reason", reason, FIELD_LIMITS.reason, TextKind::MultiLine)?;
        }
    }
    Ok(())
}

fn text(field: &'static str, value: &str, max: usize, kind: TextKind) -> Result<(), StepError> {
    check_text(value, max, kind).map_err(|error| StepError::Text { field, error })?;
    if value.trim().is_empty() {
        return Err(StepError::Blank { field });
    }
    Ok(())
}
