//! The rules a whole document must keep, checked on the result of applying someone's
//! changes: what a record needs, and what a visit or a follow-up may not be.

use super::{ChunkError, DocumentError, ElderRecord};
use crate::policy::Policy;
use crate::time::Timestamp;
use crate::validate::ValidationError;
use crate::visit::RiskLevel;

impl From<DocumentError> for ValidationError {
    fn from(error: DocumentError) -> Self {
        match error {
            DocumentError::Schema { path, reason } => Self::Schema { field: path, reason },
            DocumentError::UnsupportedSchemaVersion { found, supported } => {
                Self::UnsupportedSchemaVersion { found, supported }
            }
            DocumentError::UndecodableChange { index, reason } => Self::Undecodable { index, reason },
            DocumentError::Chunk { index, error: ChunkError::TooLarge { what, max } } => {
                Self::TooLarge(format!("change {index} holds more than {max} {what}"))
            }
            DocumentError::Chunk { index, error } => Self::Undecodable { index, reason: error.to_string() },
            other => Self::Undecodable { index: 0, reason: other.to_string() },
        }
    }
}

fn invalid(field: impl Into<String>, reason: &str) -> ValidationError {
    ValidationError::InvalidField { field: field.into(), reason: reason.into() }
}

/// Checks a whole record against the rules. `now` is the checker's clock: visits
/// may not lie beyond it by more than the policy's clock-skew allowance.
pub fn validate_record(record: &ElderRecord, now: Timestamp, policy: &Policy) -> Result<(), ValidationError> {
    let profile = &record.profile;
    if profile.name.trim().is_empty() {
        return Err(invalid("profile.name", "must not be blank"));
    }
    if profile.address.trim().is_empty() {
        return Err(invalid("profile.address", "must not be blank"));
    }
    if let Some(id_number) = &profile.id_number_masked
        && !crate::privacy::looks_masked(id_number)
    {
        return Err(invalid("profile.idNumberMasked", "must be masked: only the first and last four characters shown"));
    }
    if profile.birth_date > record.enrolled_on {
        return Err(invalid("profile.birthDate", "is after the enrolment date"));
    }
    if record.status_history.is_empty() {
        return Err(invalid("statusHistory", "must hold at least the enrolment"));
    }
    if record.placements.is_empty() {
        return Err(invalid("placements", "must name the community holding the record"));
    }
    let latest = now.plus_minutes(policy.clock_skew_minutes);
    for (id, visit) in &record.visits {
        if visit.visited_at > latest {
            return Err(ValidationError::VisitInFuture { visit: *id, visited_at: visit.visited_at, latest });
        }
        if let Some(void) = &visit.void
            && void.reason.trim().is_empty()
        {
            return Err(invalid(format!("visits.{id}.void.reason"), "must not be blank"));
        }
        let followed_up = record.follow_ups.values().any(|f| f.origin_visit == Some(*id));
        if visit.record.risk == RiskLevel::Red && !visit.is_voided() && !followed_up {
            return Err(invalid(format!("visits.{id}.risk"), "a red-risk visit needs a follow-up"));
        }
    }
    for (id, follow_up) in &record.follow_ups {
        if follow_up.action.trim().is_empty() {
            return Err(invalid(format!("followUps.{id}.action"), "must not be blank"));
        }
        if let Some(visit) = follow_up.origin_visit
            && !record.visits.contains_key(&visit)
        {
            return Err(invalid(format!("followUps.{id}.originVisit"), "names a visit not in this document"));
        }
    }
    for (id, step) in &record.insurance_steps {
        if !record.visits.contains_key(&step.visit) {
            return Err(invalid(format!("insuranceSteps.{id}.visit"), "names a visit not in this document"));
        }
    }
    Ok(())
}
