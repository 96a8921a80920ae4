//! The operations people perform on an elder's document, each one transaction.

use std::collections::BTreeSet;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use serde::Serialize;
use serde_json::{Map as JsonMap, Value as Json};

use super::codec::{self, automerge_error, map_at};
use super::schema::{self, ElderRecord, SCHEMA_VERSION};
use super::{DocumentError, ElderDocument, InputError};
use crate::author::Author;
use crate::elder::{
    CareTier, ElderStatus, EmergencyContact, Gender, HardshipCategory, LivingArrangement, Placement, Profile,
    SeriousCondition, StatusChange, TierOverride,
};
use crate::ids::{CommunityId, ContactId, ElderId, EntryId, FollowUpId, VisitId};
use crate::policy::Policy;
use crate::privacy::IdNumber;
use crate::time::{Date, Timestamp};
use crate::visit::{FollowUp, FollowUpResolution, RiskLevel, Visit, VisitRecord, VisitVoid};

/// Who makes an edit and when, by their clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub author: Author,
    pub at: Timestamp,
}

/// Everything needed to put an elder on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub elder: ElderId,
    pub community: CommunityId,
    pub enrolled_on: Date,
    pub profile: Profile,
    /// Ids for the first status entry (active) and the first placement.
    pub status_entry: EntryId,
    pub placement_entry: EntryId,
}

/// One edit to one profile field. Several go into one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileChange {
    Name(String),
    Gender(Gender),
    BirthDate(Date),
    Phone(Option<String>),
    Address(String),
    LivingArrangement(LivingArrangement),
    Categories(BTreeSet<HardshipCategory>),
    Conditions(BTreeSet<SeriousCondition>),
    UnableToCommunicate(bool),
    SetContact(ContactId, EmergencyContact),
    RemoveContact(ContactId),
    Notes(String),
    /// The server writes the masked form of an ID number it holds in full; the full
    /// number cannot be written into a document by any operation.
    IdNumber(Option<IdNumber>),
}

/// A follow-up to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub id: FollowUpId,
    pub action: String,
    pub due_at: Timestamp,
}

/// A visit to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub id: VisitId,
    pub visited_at: Timestamp,
    pub record: VisitRecord,
    pub follow_up: Option<NewFollowUp>,
}

fn to_json<T: Serialize>(value: &T) -> Json {
    serde_json::to_value(value).expect("invariant: domain types serialise to JSON")
}

fn not_blank(field: &'static str, text: &str) -> Result<(), InputError> {
    if text.trim().is_empty() { Err(InputError::Blank { field }) } else { Ok(()) }
}

fn check_profile(profile: &Profile) -> Result<(), InputError> {
    not_blank("profile.name", &profile.name)?;
    not_blank("profile.address", &profile.address)
}

fn commit_options(edit: &Edit) -> CommitOptions {
    CommitOptions::default().with_message(edit.author.to_commit_message()).with_time(edit.at.as_millis())
}

fn map_obj(tx: &Transaction<'_>, path: &[&str]) -> Result<automerge::ObjId, DocumentError> {
    map_at(tx, path).ok_or_else(|| DocumentError::Schema { path: path.join("."), reason: "not a map".into() })
}

impl ElderDocument {
    /// Creates the document of a newly enrolled elder. The first change of every
    /// elder document is made here, once, by whoever enrols the elder; other
    /// replicas receive it, so they share the root objects instead of racing to
    /// create them.
    pub fn enrol(enrolment: Enrolment, edit: &Edit, actor: ActorId) -> Result<(Self, ChangeHash), DocumentError> {
        check_profile(&enrolment.profile)?;
        if enrolment.profile.birth_date > enrolment.enrolled_on {
            return Err(InputError::BornAfterEnrolment {
                birth_date: enrolment.profile.birth_date,
                enrolled_on: enrolment.enrolled_on,
            }
            .into());
        }
        let mut doc = Automerge::new().with_actor(actor);
        let status = StatusChange {
            status: ElderStatus::Active,
            effective_on: enrolment.enrolled_on,
            note: String::new(),
            recorded_at: edit.at,
            recorded_by: edit.author,
        };
        let placement = Placement {
            community: enrolment.community,
            effective_on: enrolment.enrolled_on,
            recorded_at: edit.at,
            recorded_by: edit.author,
        };
        let hash = Self::transact_raw(&mut doc, edit, |tx| {
            tx.put(ROOT, schema::SCHEMA_VERSION_KEY, i64::from(SCHEMA_VERSION))
                .map_err(|e| automerge_error(&vec![], e))?;
            codec::put_new(tx, &ROOT, schema::ELDER_ID, &to_json(&enrolment.elder))?;
            codec::put_new(tx, &ROOT, schema::ENROLLED_ON, &to_json(&enrolment.enrolled_on))?;
            put_profile(tx, &enrolment.profile)?;
            codec::put_new(tx, &ROOT, schema::TIER_OVERRIDE, &Json::Null)?;
            let history = JsonMap::from_iter([(enrolment.status_entry.to_string(), to_json(&status))]);
            codec::put_new(tx, &ROOT, schema::STATUS_HISTORY, &Json::Object(history))?;
            let placements = JsonMap::from_iter([(enrolment.placement_entry.to_string(), to_json(&placement))]);
            codec::put_new(tx, &ROOT, schema::PLACEMENTS, &Json::Object(placements))?;
            codec::put_new(tx, &ROOT, schema::VISITS, &Json::Object(JsonMap::new()))?;
            codec::put_new(tx, &ROOT, schema::FOLLOW_UPS, &Json::Object(JsonMap::new()))?;
            codec::put_new(tx, &ROOT, schema::INSURANCE_STEPS, &Json::Object(JsonMap::new()))?;
            Ok(())
        })?
        .ok_or_else(|| DocumentError::Schema { path: String::new(), reason: "enrolment wrote nothing".into() })?;
        Ok((Self::wrap(doc)?, hash))
    }

    /// Edits profile fields, all in one change. Fields not named are untouched.
    pub fn update_profile(
        &mut self,
        edit: &Edit,
        changes: &[ProfileChange],
    ) -> Result<Option<ChangeHash>, DocumentError> {
        for change in changes {
            match change {
                ProfileChange::Name(name) => not_blank("profile.name", name)?,
                ProfileChange::Address(address) => not_blank("profile.address", address)?,
                ProfileChange::SetContact(_, contact) => not_blank("profile.emergencyContacts.name", &contact.name)?,
                _ => {}
            }
        }
        self.transact(edit, |tx| {
            let profile = map_obj(tx, &[schema::PROFILE])?;
            for change in changes {
                apply_profile_change(tx, &profile, change)?;
            }
            Ok(())
        })
    }

    /// Records a visit made by the edit's author on the edit's device.
    pub fn record_visit(
        &mut self,
        edit: &Edit,
        visit: NewVisit,
        policy: &Policy,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let latest = edit.at.plus_minutes(policy.clock_skew_minutes);
        if visit.visited_at > latest {
            return Err(InputError::VisitInFuture { visited_at: visit.visited_at, latest }.into());
        }
        check_red_risk(&visit.record, visit.visited_at, visit.follow_up.as_ref(), policy)?;
        if let Some(follow_up) = &visit.follow_up {
            not_blank("followUp.action", &follow_up.action)?;
        }
        let record = self.record();
        if record.visits.contains_key(&visit.id) {
            return Err(InputError::DuplicateVisit(visit.id).into());
        }
        if let Some(follow_up) = &visit.follow_up
            && record.follow_ups.contains_key(&follow_up.id)
        {
            return Err(InputError::DuplicateFollowUp(follow_up.id).into());
        }
        let stored = Visit {
            assistant: edit.author.user,
            device: edit.author.device,
            visited_at: visit.visited_at,
            recorded_at: edit.at,
            record: visit.record,
            void: None,
        };
        let follow_up = visit.follow_up.as_ref().map(|new| (new.id, follow_up_of(edit, new, Some(visit.id))));
        let written = |tx: &mut Transaction<'_>| {
            let visits = map_obj(tx, &[schema::VISITS])?;
            codec::put_new(tx, &visits, &visit.id.to_string(), &to_json(&stored))?;
            if let Some((id, follow_up)) = &follow_up {
                put_built_follow_up(tx, *id, follow_up)?;
            }
            Ok(())
        };
        // Two new keys, written by this process alone: the record gains exactly these
        // values, so it is updated in place rather than read again whole (the read is
        // most of a visit's cost when a year of visits is recorded in a row).
        self.transact_then(edit, written, |record| {
            record.visits.insert(visit.id, stored.clone());
            if let Some((id, follow_up)) = follow_up.clone() {
                record.follow_ups.insert(id, follow_up);
            }
        })
    }

    /// Corrects a visit: writes only the fields whose value changed, so a concurrent
    /// correction of other fields on another workstation is kept.
    pub fn correct_visit(
        &mut self,
        edit: &Edit,
        visit_id: VisitId,
        visited_at: Timestamp,
        record: VisitRecord,
        follow_up: Option<NewFollowUp>,
        policy: &Policy,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let current = self.record();
        let existing = current.visits.get(&visit_id).ok_or(InputError::UnknownVisit(visit_id))?;
        if existing.is_voided() {
            return Err(InputError::VisitVoided(visit_id).into());
        }
        let latest = edit.at.plus_minutes(policy.clock_skew_minutes);
        if visited_at > latest {
            return Err(InputError::VisitInFuture { visited_at, latest }.into());
        }
        let has_open_follow_up = current.follow_ups.values().any(|f| {
            f.origin_visit == Some(visit_id) && f.due_at <= visited_at.plus_hours(policy.red_risk_follow_up_hours)
        });
        if !has_open_follow_up {
            check_red_risk(&record, visited_at, follow_up.as_ref(), policy)?;
        }
        self.transact(edit, |tx| {
            let visit = map_obj(tx, &[schema::VISITS, &visit_id.to_string()])?;
            codec::merge_into(tx, &visit, "visitedAt", &to_json(&visited_at))?;
            let mut fields = match to_json(&record) {
                Json::Object(fields) => fields,
                _ => unreachable!("invariant: a VisitRecord serialises to an object"),
            };
            // Referrals are a keyed collection: removed kinds are deleted one by one.
            if let Some(Json::Object(referrals)) = fields.remove("referrals") {
                codec::write_map_exact(tx, &visit, "referrals", &referrals)?;
            }
            for (field, value) in &fields {
                codec::merge_into(tx, &visit, field, value)?;
            }
            if let Some(follow_up) = &follow_up {
                put_follow_up(tx, edit, follow_up, Some(visit_id))?;
            }
            Ok(())
        })
    }

    /// Voids a visit entered by mistake. It stays in the document, marked with who
    /// voided it, when and why, and no longer counts.
    pub fn void_visit(
        &mut self,
        edit: &Edit,
        visit_id: VisitId,
        reason: &str,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        not_blank("void.reason", reason)?;
        let current = self.record();
        let visit = current.visits.get(&visit_id).ok_or(InputError::UnknownVisit(visit_id))?;
        if visit.is_voided() {
            return Err(InputError::VisitVoided(visit_id).into());
        }
        let void = VisitVoid { reason: reason.trim().to_owned(), at: edit.at, by: edit.author };
        self.transact(edit, |tx| {
            let visit = map_obj(tx, &[schema::VISITS, &visit_id.to_string()])?;
            codec::put_new(tx, &visit, schema::VISIT_VOID, &to_json(&void))
        })
    }

    pub fn add_follow_up(
        &mut self,
        edit: &Edit,
        follow_up: NewFollowUp,
        origin: Option<VisitId>,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        not_blank("followUp.action", &follow_up.action)?;
        let current = self.record();
        if current.follow_ups.contains_key(&follow_up.id) {
            return Err(InputError::DuplicateFollowUp(follow_up.id).into());
        }
        if let Some(visit) = origin
            && !current.visits.contains_key(&visit)
        {
            return Err(InputError::UnknownVisit(visit).into());
        }
        self.transact(edit, |tx| put_follow_up(tx, edit, &follow_up, origin))
    }

    /// Closes a follow-up, by a later visit or by a note.
    pub fn resolve_follow_up(
        &mut self,
        edit: &Edit,
        id: FollowUpId,
        visit: Option<VisitId>,
        note: &str,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let current = self.record();
        let follow_up = current.follow_ups.get(&id).ok_or(InputError::UnknownFollowUp(id))?;
        if !follow_up.is_open() {
            return Err(InputError::FollowUpResolved(id).into());
        }
        match visit {
            Some(v) if !current.visits.contains_key(&v) => return Err(InputError::UnknownVisit(v).into()),
            None => not_blank("resolution.note", note)?,
            Some(_) => {}
        }
        let resolution = FollowUpResolution { at: edit.at, by: edit.author, visit, note: note.trim().to_owned() };
        self.transact(edit, |tx| {
            let obj = map_obj(tx, &[schema::FOLLOW_UPS, &id.to_string()])?;
            codec::put_new(tx, &obj, schema::FOLLOW_UP_RESOLUTION, &to_json(&resolution))
        })
    }

    /// Adds an entry to the status history (hospitalised, moved away, deceased, active again).
    pub fn change_status(
        &mut self,
        edit: &Edit,
        entry: EntryId,
        status: ElderStatus,
        effective_on: Date,
        note: &str,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        if self.record().status_history.contains_key(&entry) {
            return Err(InputError::DuplicateEntry(entry).into());
        }
        self.check_effective(effective_on)?;
        let change = StatusChange {
            status,
            effective_on,
            note: note.trim().to_owned(),
            recorded_at: edit.at,
            recorded_by: edit.author,
        };
        self.transact(edit, |tx| {
            let history = map_obj(tx, &[schema::STATUS_HISTORY])?;
            codec::put_new(tx, &history, &entry.to_string(), &to_json(&change))
        })
    }

    /// Moves the elder's record to another community from `effective_on`.
    pub fn move_to_community(
        &mut self,
        edit: &Edit,
        entry: EntryId,
        community: CommunityId,
        effective_on: Date,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let record = self.record();
        if record.placements.contains_key(&entry) {
            return Err(InputError::DuplicateEntry(entry).into());
        }
        self.check_effective(effective_on)?;
        let latest = record.placements.values().max_by_key(|p| (p.effective_on, p.recorded_at));
        if latest.is_some_and(|p| p.community == community) {
            return Err(InputError::AlreadyInCommunity(community).into());
        }
        let placement = Placement { community, effective_on, recorded_at: edit.at, recorded_by: edit.author };
        self.transact(edit, |tx| {
            let placements = map_obj(tx, &[schema::PLACEMENTS])?;
            codec::put_new(tx, &placements, &entry.to_string(), &to_json(&placement))
        })
    }

    /// Refuses a status or a move said to take effect before the elder was enrolled.
    fn check_effective(&self, effective_on: Date) -> Result<(), DocumentError> {
        let enrolled_on = self.record().enrolled_on;
        if effective_on < enrolled_on {
            return Err(InputError::EffectiveBeforeEnrolment { effective_on, enrolled_on }.into());
        }
        Ok(())
    }

    /// A supervisor sets the elder's tier by hand, or (`None`) returns to the rule's proposal.
    pub fn set_tier(
        &mut self,
        edit: &Edit,
        tier: Option<(CareTier, &str)>,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let value = match tier {
            Some((tier, reason)) => {
                not_blank("tierOverride.reason", reason)?;
                to_json(&TierOverride { tier, reason: reason.trim().to_owned(), set_at: edit.at, set_by: edit.author })
            }
            None => Json::Null,
        };
        self.transact(edit, |tx| codec::put_new(tx, &ROOT, schema::TIER_OVERRIDE, &value))
    }

    /// Runs `f` as one transaction committed with the edit's author and time. The
    /// hash is `None` when the edit changed nothing (e.g. a correction to equal values).
    pub(super) fn transact(
        &mut self,
        edit: &Edit,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocumentError>,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let hash = Self::transact_raw(&mut self.doc, edit, f)?;
        if hash.is_some() {
            self.refresh()?;
        }
        Ok(hash)
    }

    /// Runs `f` as one change, then brings the record up to date with `update` instead
    /// of reading it again: for edits whose outcome is known exactly (new keys, no
    /// conflicts possible). Debug builds check the update against a fresh read.
    fn transact_then(
        &mut self,
        edit: &Edit,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocumentError>,
        update: impl FnOnce(&mut ElderRecord),
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let hash = Self::transact_raw(&mut self.doc, edit, f)?;
        if hash.is_some() {
            update(&mut self.record);
            #[cfg(debug_assertions)]
            {
                let (record, conflicts) = Self::read(&self.doc)?;
                assert!(record == self.record && conflicts == self.conflicts, "an edit's update differs from a read");
            }
        }
        Ok(hash)
    }

    fn transact_raw(
        doc: &mut Automerge,
        edit: &Edit,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocumentError>,
    ) -> Result<Option<ChangeHash>, DocumentError> {
        let success = doc.transact_with(|_| commit_options(edit), f).map_err(|failure| failure.error)?;
        Ok(success.hash)
    }
}

fn check_red_risk(
    record: &VisitRecord,
    visited_at: Timestamp,
    follow_up: Option<&NewFollowUp>,
    policy: &Policy,
) -> Result<(), InputError> {
    let hours = policy.red_risk_follow_up_hours;
    let due_in_time = follow_up.is_some_and(|f| f.due_at <= visited_at.plus_hours(hours));
    if record.risk == RiskLevel::Red && !due_in_time {
        return Err(InputError::RedRiskNeedsFollowUp { hours });
    }
    Ok(())
}

fn put_follow_up(
    tx: &mut Transaction<'_>,
    edit: &Edit,
    new: &NewFollowUp,
    origin: Option<VisitId>,
) -> Result<(), DocumentError> {
    put_built_follow_up(tx, new.id, &follow_up_of(edit, new, origin))
}

fn put_built_follow_up(tx: &mut Transaction<'_>, id: FollowUpId, follow_up: &FollowUp) -> Result<(), DocumentError> {
    let follow_ups = map_obj(tx, &[schema::FOLLOW_UPS])?;
    codec::put_new(tx, &follow_ups, &id.to_string(), &to_json(follow_up))
}

/// A new follow-up as it is stored.
fn follow_up_of(edit: &Edit, new: &NewFollowUp, origin: Option<VisitId>) -> FollowUp {
    FollowUp {
        origin_visit: origin,
        action: new.action.trim().to_owned(),
        due_at: new.due_at,
        created_at: edit.at,
        created_by: edit.author,
        resolution: None,
    }
}

fn put_profile(tx: &mut Transaction<'_>, profile: &Profile) -> Result<(), DocumentError> {
    let mut fields = match to_json(profile) {
        Json::Object(fields) => fields,
        _ => unreachable!("invariant: a Profile serialises to an object"),
    };
    fields.remove(schema::PROFILE_NOTES);
    codec::put_new(tx, &ROOT, schema::PROFILE, &Json::Object(fields))?;
    let obj = map_obj(tx, &[schema::PROFILE])?;
    let notes = tx.put_object(&obj, schema::PROFILE_NOTES, ObjType::Text).map_err(|e| automerge_error(&vec![], e))?;
    tx.update_text(&notes, &profile.notes).map_err(|e| automerge_error(&vec![schema::PROFILE_NOTES.into()], e))
}

fn set_json<T: Serialize>(members: &BTreeSet<T>) -> JsonMap<String, Json> {
    members.iter().map(|m| (to_json(m).as_str().unwrap_or_default().to_owned(), Json::Bool(true))).collect()
}

fn apply_profile_change(
    tx: &mut Transaction<'_>,
    profile: &automerge::ObjId,
    change: &ProfileChange,
) -> Result<(), DocumentError> {
    let scalar = |key: &str, value: Json| (key.to_owned(), value);
    let (key, value) = match change {
        ProfileChange::Name(v) => scalar("name", to_json(&v.trim())),
        ProfileChange::Gender(v) => scalar("gender", to_json(v)),
        ProfileChange::BirthDate(v) => scalar("birthDate", to_json(v)),
        ProfileChange::Phone(v) => scalar("phone", to_json(&v.as_deref().map(str::trim))),
        ProfileChange::Address(v) => scalar("address", to_json(&v.trim())),
        ProfileChange::LivingArrangement(v) => scalar("livingArrangement", to_json(v)),
        ProfileChange::UnableToCommunicate(v) => scalar("unableToCommunicate", to_json(v)),
        ProfileChange::IdNumber(v) => scalar("idNumberMasked", to_json(&v.as_ref().map(IdNumber::masked))),
        ProfileChange::Categories(set) => {
            return codec::write_map_exact(tx, profile, schema::PROFILE_CATEGORIES, &set_json(set));
        }
        ProfileChange::Conditions(set) => {
            return codec::write_map_exact(tx, profile, schema::PROFILE_CONDITIONS, &set_json(set));
        }
        ProfileChange::SetContact(id, contact) => {
            let contacts = match tx.get(profile, schema::PROFILE_CONTACTS).map_err(|e| automerge_error(&vec![], e))? {
                Some((automerge::Value::Object(ObjType::Map), id)) => id,
                _ => tx
                    .put_object(profile, schema::PROFILE_CONTACTS, ObjType::Map)
                    .map_err(|e| automerge_error(&vec![], e))?,
            };
            return codec::merge_into(tx, &contacts, &id.to_string(), &to_json(contact));
        }
        ProfileChange::RemoveContact(id) => {
            if let Some((_, contacts)) =
                tx.get(profile, schema::PROFILE_CONTACTS).map_err(|e| automerge_error(&vec![], e))?
            {
                tx.delete(&contacts, id.to_string()).map_err(|e| automerge_error(&vec![], e))?;
            }
            return Ok(());
        }
        ProfileChange::Notes(text) => {
            let notes = match tx.get(profile, schema::PROFILE_NOTES).map_err(|e| automerge_error(&vec![], e))? {
                Some((automerge::Value::Object(ObjType::Text), id)) => id,
                _ => tx
                    .put_object(profile, schema::PROFILE_NOTES, ObjType::Text)
                    .map_err(|e| automerge_error(&vec![], e))?,
            };
            return tx.update_text(&notes, text).map_err(|e| automerge_error(&vec![schema::PROFILE_NOTES.into()], e));
        }
    };
    codec::merge_into(tx, profile, &key, &value)
}
