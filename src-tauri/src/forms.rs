//! What the window and the command line send to record or correct a visit and to
//! enrol an elder: the shared records plus the choices a person makes, turned into
//! the shared crate's operations with fresh ids and the workstation's clock.

use std::collections::BTreeSet;

use jinlin_shared::document::{Enrolment, NewFollowUp, NewVisit, ProfileChange};
use jinlin_shared::elder::{
    CareTier, ElderStatus, EmergencyContact, Gender, HardshipCategory, LivingArrangement, Profile, SeriousCondition,
};
use jinlin_shared::ids::{CommunityId, ContactId, ElderId, EntryId, FollowUpId, VisitId};
use jinlin_shared::insurance::CaseStep;
use jinlin_shared::time::{Date, Timestamp};
use jinlin_shared::visit::VisitRecord;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// A visit as the form fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct VisitForm {
    /// When the visit took place; now when left out.
    #[serde(default)]
    pub visited_at: Option<Timestamp>,
    #[serde(flatten)]
    pub record: VisitRecord,
    /// Required for a red-risk visit (the shared rules say by when).
    #[serde(default)]
    pub follow_up: Option<FollowUpForm>,
    /// Open follow-ups this visit completes: closed with it, in the same save.
    #[serde(default)]
    pub completes: Vec<FollowUpId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct FollowUpForm {
    pub action: String,
    pub due_at: Timestamp,
}

impl VisitForm {
    /// The visit to record, with new ids, at `now` unless the form says when (the
    /// follow-ups it completes are the caller's to close).
    pub fn into_new_visit(self, now: Timestamp) -> NewVisit {
        NewVisit {
            id: VisitId::from_parts(now.as_millis() as u64, random_tail()),
            visited_at: self.visited_at.unwrap_or(now),
            record: self.record,
            follow_up: self.follow_up.map(|f| f.into_new(now)),
        }
    }
}

impl FollowUpForm {
    pub fn into_new(self, now: Timestamp) -> NewFollowUp {
        NewFollowUp {
            id: FollowUpId::from_parts(now.as_millis() as u64, random_tail()),
            action: self.action,
            due_at: self.due_at,
        }
    }
}

/// A new elder as the enrolment form fills it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct EnrolmentForm {
    pub community: CommunityId,
    /// Today when left out.
    #[serde(default)]
    pub enrolled_on: Option<Date>,
    pub profile: Profile,
}

impl EnrolmentForm {
    pub fn into_enrolment(self, now: Timestamp) -> Enrolment {
        let millis = now.as_millis() as u64;
        Enrolment {
            elder: ElderId::from_parts(millis, random_tail()),
            community: self.community,
            enrolled_on: self.enrolled_on.unwrap_or(now.shanghai_date()),
            profile: self.profile,
            status_entry: EntryId::from_parts(millis, random_tail()),
            placement_entry: EntryId::from_parts(millis, random_tail()),
        }
    }
}

/// A fresh id for an entry of the status history or the placements.
pub(crate) fn new_entry(now: Timestamp) -> EntryId {
    EntryId::from_parts(now.as_millis() as u64, random_tail())
}

fn random_tail() -> [u8; 10] {
    let mut tail = [0u8; 10];
    rand::rng().fill_bytes(&mut tail);
    tail
}

/// One profile field to change, as the profile form sends it. There is no ID number
/// here: that goes to the server's identity record (`Station::submit_id_number`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub enum ProfileEdit {
    Name(String),
    Gender(Gender),
    BirthDate(Date),
    Phone(Option<String>),
    Address(String),
    LivingArrangement(LivingArrangement),
    Categories(BTreeSet<HardshipCategory>),
    Conditions(BTreeSet<SeriousCondition>),
    UnableToCommunicate(bool),
    /// Adds a contact (no id) or replaces one.
    SetContact {
        id: Option<ContactId>,
        contact: EmergencyContact,
    },
    RemoveContact(ContactId),
    Notes(String),
}

impl ProfileEdit {
    pub fn into_change(self, now: Timestamp) -> ProfileChange {
        match self {
            ProfileEdit::Name(v) => ProfileChange::Name(v),
            ProfileEdit::Gender(v) => ProfileChange::Gender(v),
            ProfileEdit::BirthDate(v) => ProfileChange::BirthDate(v),
            ProfileEdit::Phone(v) => ProfileChange::Phone(v),
            ProfileEdit::Address(v) => ProfileChange::Address(v),
            ProfileEdit::LivingArrangement(v) => ProfileChange::LivingArrangement(v),
            ProfileEdit::Categories(v) => ProfileChange::Categories(v),
            ProfileEdit::Conditions(v) => ProfileChange::Conditions(v),
            ProfileEdit::UnableToCommunicate(v) => ProfileChange::UnableToCommunicate(v),
            ProfileEdit::SetContact { id, contact } => ProfileChange::SetContact(
                id.unwrap_or_else(|| ContactId::from_parts(now.as_millis() as u64, random_tail())),
                contact,
            ),
            ProfileEdit::RemoveContact(id) => ProfileChange::RemoveContact(id),
            ProfileEdit::Notes(v) => ProfileChange::Notes(v),
        }
    }
}

/// A status change as the elder page fills it in: hospitalised, moved away, deceased
/// or active again, from a date, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct StatusForm {
    pub status: ElderStatus,
    pub effective_on: Date,
    #[serde(default)]
    pub note: String,
}

/// A move of the elder's record to another community of the user's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct MoveForm {
    pub community: CommunityId,
    pub effective_on: Date,
}

/// A tier set by hand with its reason, or (`tier: null`) the rule's proposal again.
/// One step of an insurance case: the incident visit whose case it moves, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct InsuranceStepForm {
    pub visit: VisitId,
    pub step: CaseStep,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct TierForm {
    pub tier: Option<CareTier>,
    #[serde(default)]
    pub reason: String,
}
