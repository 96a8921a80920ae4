//! The closed shape of an elder document, key by key: what each place may hold, its
//! exact Automerge type, its limits, and whether it may be written again once made.
//!
//! The typed records (`ElderRecord` and what it holds) say how a document *reads*;
//! this says what a change may *write*. The server's review of pushed changes walks
//! every operation against it (`document::review`), so an unknown key, a wrong type,
//! a text past its limit or a rewrite of a fixed field is refused at the operation
//! that wrote it, whether that value wins, loses a conflict or is overwritten later
//! in the same push.

use crate::elder::{CareTier, ElderStatus, Gender, HardshipCategory, LivingArrangement, SeriousCondition};
use crate::insurance::CaseState;
use crate::limits::{FIELD_LIMITS, TextKind};
use crate::visit::{CheckState, IncidentKind, Referral, RiskLevel, VisitMode, VisitOutcome};

/// What one place in the document holds.
#[derive(Debug)]
pub(crate) enum Shape {
    /// A map with exactly these fields (each may be absent until written).
    Record(&'static [Field]),
    /// A map of entries, keyed by an id or by a name of a closed set.
    Entries(Entries),
    /// Collaborative text (Automerge Text), at most this many characters.
    Text {
        max: usize,
    },
    /// Null, or the shape.
    Nullable(&'static Shape),
    Scalar(Scalar),
}

/// A field of a record.
#[derive(Debug)]
pub(crate) struct Field {
    pub key: &'static str,
    pub shape: Shape,
    pub write: Write,
}

/// When a field may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// By any change.
    Any,
    /// Only by the change that made the record holding it (for the root: the
    /// enrolment): who recorded a visit, when, the elder's id, a status entry.
    Once,
    /// By whichever change first needs it, and never again: a collection added to the
    /// schema after the first documents, which a replica makes when it first adds to it.
    WhileUnset,
}

#[derive(Debug)]
pub(crate) struct Entries {
    pub key: EntryKey,
    pub entry: &'static Shape,
    /// Whether an entry may be deleted (a set's member, a contact, a referral). Visits,
    /// follow-ups, status entries and placements never are: nothing is deleted.
    pub removable: bool,
    /// Whether an entry may be replaced by a new value at the same key. Records kept
    /// for history never are (a void or a correction changes them in place).
    pub replaceable: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum EntryKey {
    /// A UUIDv7 in its canonical form.
    Id,
    /// One of these names.
    Name(&'static [&'static str]),
}

/// Which dates a date field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateRule {
    /// 1900-01-01 to today.
    Birth,
    /// 1900-01-01 to today plus the clock-skew allowance.
    Effective,
}

/// Which instants an instant field may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InstantRule {
    /// When a visit took place: no later than now plus the clock-skew allowance.
    Visited,
    /// When the writer's clock said it wrote it; a wrong clock shows, within reason.
    Clock,
    /// A due date: up to a year ahead.
    Due,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar {
    Text {
        max: usize,
        kind: TextKind,
        blank: bool,
    },
    Enum(&'static [&'static str]),
    Id,
    /// The user of the change that writes it.
    AuthorUser,
    /// The device of the change that writes it.
    AuthorDevice,
    Date(DateRule),
    Instant(InstantRule),
    Bool,
    /// A set member's value.
    True,
    SchemaVersion,
    /// An amount of money in fen: 1 to the claim limit.
    Fen,
    Phone,
    /// The masked form of an ID number, written by the server only.
    MaskedIdNumber,
}

const fn field(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, write: Write::Any }
}

const fn once(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, write: Write::Once }
}

const fn while_unset(key: &'static str, shape: Shape) -> Field {
    Field { key, shape, write: Write::WhileUnset }
}

const fn line(max: usize) -> Shape {
    Shape::Scalar(Scalar::Text { max, kind: TextKind::OneLine, blank: false })
}

const fn notes(max: usize) -> Shape {
    Shape::Scalar(Scalar::Text { max, kind: TextKind::MultiLine, blank: true })
}

const fn required_notes(max: usize) -> Shape {
    Shape::Scalar(Scalar::Text { max, kind: TextKind::MultiLine, blank: false })
}

const fn one_of(names: &'static [&'static str]) -> Shape {
    Shape::Scalar(Scalar::Enum(names))
}

const ID: Shape = Shape::Scalar(Scalar::Id);
const VISITED: Shape = Shape::Scalar(Scalar::Instant(InstantRule::Visited));
const CLOCK: Shape = Shape::Scalar(Scalar::Instant(InstantRule::Clock));
const DUE: Shape = Shape::Scalar(Scalar::Instant(InstantRule::Due));
const EFFECTIVE: Shape = Shape::Scalar(Scalar::Date(DateRule::Effective));
const REASON: usize = FIELD_LIMITS.reason;

const fn set_of(names: &'static [&'static str]) -> Shape {
    Shape::Entries(Entries {
        key: EntryKey::Name(names),
        entry: &Shape::Scalar(Scalar::True),
        removable: true,
        replaceable: true,
    })
}

/// Who wrote a record: always the change's own author.
const AUTHOR: Shape = Shape::Record(&[
    once("user", Shape::Scalar(Scalar::AuthorUser)),
    once("device", Shape::Scalar(Scalar::AuthorDevice)),
]);

const CONTACT: Shape = Shape::Record(&[
    field("name", line(FIELD_LIMITS.name)),
    field("relation", Shape::Scalar(Scalar::Text { max: FIELD_LIMITS.relation, kind: TextKind::OneLine, blank: true })),
    field("phone", Shape::Scalar(Scalar::Phone)),
]);

const PROFILE: Shape = Shape::Record(&[
    field("name", line(FIELD_LIMITS.name)),
    field("gender", one_of(Gender::WIRE_NAMES)),
    field("birthDate", Shape::Scalar(Scalar::Date(DateRule::Birth))),
    field("idNumberMasked", Shape::Nullable(&Shape::Scalar(Scalar::MaskedIdNumber))),
    field("phone", Shape::Nullable(&Shape::Scalar(Scalar::Phone))),
    field("address", line(FIELD_LIMITS.address)),
    field("livingArrangement", one_of(LivingArrangement::WIRE_NAMES)),
    field("categories", set_of(HardshipCategory::WIRE_NAMES)),
    field("conditions", set_of(SeriousCondition::WIRE_NAMES)),
    field("unableToCommunicate", Shape::Scalar(Scalar::Bool)),
    field(
        "emergencyContacts",
        Shape::Entries(Entries { key: EntryKey::Id, entry: &CONTACT, removable: true, replaceable: true }),
    ),
    field("notes", Shape::Text { max: FIELD_LIMITS.profile_notes }),
]);

const TIER_OVERRIDE: Shape = Shape::Record(&[
    once("tier", one_of(CareTier::WIRE_NAMES)),
    once("reason", required_notes(REASON)),
    once("setAt", CLOCK),
    once("setBy", AUTHOR),
]);

const STATUS_CHANGE: Shape = Shape::Record(&[
    once("status", one_of(ElderStatus::WIRE_NAMES)),
    once("effectiveOn", EFFECTIVE),
    once("note", notes(REASON)),
    once("recordedAt", CLOCK),
    once("recordedBy", AUTHOR),
]);

const PLACEMENT: Shape = Shape::Record(&[
    once("community", ID),
    once("effectiveOn", EFFECTIVE),
    once("recordedAt", CLOCK),
    once("recordedBy", AUTHOR),
]);

const CHECKS: Shape = Shape::Record(&[
    field("health", one_of(CheckState::WIRE_NAMES)),
    field("healthNote", notes(FIELD_LIMITS.check_note)),
    field("economic", one_of(CheckState::WIRE_NAMES)),
    field("economicNote", notes(FIELD_LIMITS.check_note)),
    field("family", one_of(CheckState::WIRE_NAMES)),
    field("familyNote", notes(FIELD_LIMITS.check_note)),
    field("safety", one_of(CheckState::WIRE_NAMES)),
    field("safetyNote", notes(FIELD_LIMITS.check_note)),
    field("serviceNeeds", one_of(CheckState::WIRE_NAMES)),
    field("serviceNeedsNote", notes(FIELD_LIMITS.check_note)),
]);

const INCIDENT: Shape = Shape::Record(&[field("kind", one_of(IncidentKind::WIRE_NAMES)), field("note", notes(REASON))]);

const VOID: Shape = Shape::Record(&[once("reason", required_notes(REASON)), once("at", CLOCK), once("by", AUTHOR)]);

const VISIT: Shape = Shape::Record(&[
    once("assistant", Shape::Scalar(Scalar::AuthorUser)),
    once("device", Shape::Scalar(Scalar::AuthorDevice)),
    field("visitedAt", VISITED),
    once("recordedAt", CLOCK),
    field("mode", one_of(VisitMode::WIRE_NAMES)),
    field("outcome", one_of(VisitOutcome::WIRE_NAMES)),
    field("checks", CHECKS),
    field("risk", one_of(RiskLevel::WIRE_NAMES)),
    field(
        "referrals",
        Shape::Entries(Entries {
            key: EntryKey::Name(Referral::WIRE_NAMES),
            entry: &notes(REASON),
            removable: true,
            replaceable: true,
        }),
    ),
    field("incident", Shape::Nullable(&INCIDENT)),
    field("notes", notes(FIELD_LIMITS.visit_notes)),
    field("void", VOID),
]);

const RESOLUTION: Shape = Shape::Record(&[
    once("at", CLOCK),
    once("by", AUTHOR),
    once("visit", Shape::Nullable(&ID)),
    once("note", notes(REASON)),
]);

const FOLLOW_UP: Shape = Shape::Record(&[
    once("originVisit", Shape::Nullable(&ID)),
    once("action", required_notes(REASON)),
    once("dueAt", DUE),
    once("createdAt", CLOCK),
    once("createdBy", AUTHOR),
    field("resolution", Shape::Nullable(&RESOLUTION)),
]);

/// A step of an insurance case: written whole, once (`insurance`). Which fields a
/// step holds depends on its kind; reading it as a step checks they are there.
const INSURANCE_STEP: Shape = Shape::Record(&[
    once("visit", ID),
    once("step", one_of(CaseState::STEP_NAMES)),
    once("reportedOn", EFFECTIVE),
    once("claimNumber", line(FIELD_LIMITS.claim_number)),
    once("paidOn", EFFECTIVE),
    once("amountFen", Shape::Scalar(Scalar::Fen)),
    once("reason", required_notes(REASON)),
    once("recordedAt", CLOCK),
    once("recordedBy", AUTHOR),
]);

/// Entries kept for history: added, changed in place, never deleted or replaced.
const fn history(entry: &'static Shape) -> Shape {
    Shape::Entries(Entries { key: EntryKey::Id, entry, removable: false, replaceable: false })
}

/// The whole document.
pub(crate) static ROOT: Shape = Shape::Record(&[
    once("schemaVersion", Shape::Scalar(Scalar::SchemaVersion)),
    once("elderId", ID),
    once("enrolledOn", EFFECTIVE),
    once("profile", PROFILE),
    field("tierOverride", Shape::Nullable(&TIER_OVERRIDE)),
    once("statusHistory", history(&STATUS_CHANGE)),
    once("placements", history(&PLACEMENT)),
    once("visits", history(&VISIT)),
    once("followUps", history(&FOLLOW_UP)),
    while_unset("insuranceSteps", history(&INSURANCE_STEP)),
]);

impl Shape {
    /// The shape of `key` inside this one, and when it may be written; `None` when this
    /// shape holds no such key.
    pub(crate) fn child(&'static self, key: &str) -> Option<(&'static Shape, Write)> {
        match self {
            Shape::Record(fields) => fields.iter().find(|f| f.key == key).map(|f| (&f.shape, f.write)),
            Shape::Entries(entries) => entries.key.admits(key).then_some((entries.entry, Write::Any)),
            Shape::Nullable(inner) => inner.child(key),
            Shape::Text { .. } | Shape::Scalar(_) => None,
        }
    }

    /// The shape without its nullability.
    pub(crate) fn not_null(&'static self) -> &'static Shape {
        match self {
            Shape::Nullable(inner) => inner.not_null(),
            other => other,
        }
    }
}

impl EntryKey {
    fn admits(self, key: &str) -> bool {
        match self {
            EntryKey::Id => is_canonical_id(key),
            EntryKey::Name(names) => names.contains(&key),
        }
    }
}

/// A UUIDv7 written as Jinlin writes ids: lower-case and hyphenated, so that one id
/// cannot appear under two keys.
pub(crate) fn is_canonical_id(text: &str) -> bool {
    text.parse::<crate::ids::ElderId>().is_ok_and(|id| id.to_string() == text)
}
