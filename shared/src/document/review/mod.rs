//! The review of changes someone else made, operation by operation: what the server
//! does with every new change of a push before it stores anything.
//!
//! Checking only the merged document would miss what history keeps: a value that lost
//! a conflict, or was overwritten later in the same push, stays in every replica
//! forever. So every operation of every new change is held against the document's
//! closed shape (`schema::shape`): its key must exist there, its value must have the
//! exact type and limits of that key, fields written once stay as written, nothing
//! kept for history is deleted or replaced, every person field names the change's
//! own author, and no text holds a full ID number. The review also reads what each
//! change *does*, in the role table's words (record a visit, void someone else's
//! visit, set the tier …), from the document at the change's own dependencies, so
//! that the caller can check the author's role.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Display;

use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};

mod insurance;
mod places;

use places::{Communities, Container, Objects, community_now};

use super::chunk::{ChangeOp, OpAction, OpKey, OpRef, OpValue, change_ops};
use super::schema::shape::{self, DateRule, InstantRule, Scalar, Shape, Write};
use super::{ReceivedChange, schema};
use crate::author::Author;
use crate::ids::{CommunityId, DeviceId, VisitId};
use crate::limits::{self, check_text};
use crate::policy::Policy;
use crate::privacy::contains_full_id_number;
use crate::roles::Operation;
use crate::time::{Date, Timestamp};
use crate::validate::ValidationError;

/// What one new change does, for the caller to hold against its author's role and area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeReview {
    pub hash: ChangeHash,
    pub author: Author,
    /// When its author's clock says it was made: the author is judged by the
    /// standing they had then (an assistant's work queued before they left lands).
    pub at: Timestamp,
    /// Each operation it performs, with the first field where it does.
    pub operations: BTreeMap<Operation, String>,
    /// The communities that held the elder just before and just after the change
    /// (one when it stayed; only the new one for an enrolment).
    pub communities: BTreeSet<CommunityId>,
}

/// The receiver's clock and rules.
pub(crate) struct Context<'a> {
    pub now: Timestamp,
    pub policy: &'a Policy,
    /// Whether the document is new to the receiver, so one change may enrol the elder.
    pub new_document: bool,
}

/// Reviews `new` (changes already merged into `doc`), in the order received.
pub(crate) fn review(
    doc: &Automerge,
    new: &[(Change, ReceivedChange)],
    context: &Context<'_>,
) -> Result<Vec<ChangeReview>, ValidationError> {
    let mut objects = Objects { doc, known: HashMap::new() };
    let mut reviews = Vec::with_capacity(new.len());
    let mut moves = false;
    for (change, received) in new {
        let first = change.deps().is_empty();
        if first && !(context.new_document && new.iter().filter(|(c, _)| c.deps().is_empty()).count() == 1) {
            return Err(invalid("", &received.hash, "a document has exactly one first change, its enrolment"));
        }
        let actors: Vec<&ActorId> = std::iter::once(change.actor_id()).chain(change.other_actor_ids()).collect();
        let mut reader = ChangeReader {
            doc,
            change,
            actors: &actors,
            author: received.author,
            named_user: received.author.user.to_string(),
            named_device: received.author.device.to_string(),
            first,
            context,
            operations: BTreeMap::new(),
            texts: HashMap::new(),
            typed: Typed::default(),
            own_visits: HashMap::new(),
            new_steps: Vec::new(),
        };
        let ops = change_ops(change.raw_bytes())
            .map_err(|e| ValidationError::Undecodable { index: 0, reason: e.to_string() })?;
        for (index, op) in ops.iter().enumerate() {
            let counter = change.start_op().get() + index as u64;
            let container = objects.resolve(op.obj, &actors, change)?;
            reader.op(op, &container, counter)?;
            if let (OpAction::Make(_), OpKey::Map(key)) = (op.action, op.key) {
                objects.made(&container, key, counter, change)?;
            }
        }
        reader.typed.flush()?;
        reader.check_texts()?;
        for (map, key) in &reader.new_steps {
            insurance::check_new_step(doc, change, map, key)?;
        }
        moves |= reader.operations.contains_key(&Operation::MoveElder) || first;
        reviews.push(ChangeReview {
            hash: change.hash(),
            author: received.author,
            at: Timestamp::from_millis(change.timestamp()),
            operations: reader.operations,
            communities: BTreeSet::new(),
        });
    }
    if !moves {
        // Only a move changes the community; without one every change sees the last.
        let last = community_now(doc)?;
        for review in &mut reviews {
            review.communities.extend(last);
        }
        return Ok(reviews);
    }
    let mut communities = Communities { doc, known: HashMap::new() };
    let placed_later = new.iter().zip(&reviews).any(|((change, _), review)| {
        !change.deps().is_empty() && review.operations.contains_key(&Operation::MoveElder)
    });
    if context.new_document && !placed_later {
        // A new elder placed by its enrolment alone: every other change descends from
        // it and writes nothing into the placements, so they are after it as they are
        // now (most of an initial upload, read without weighing clocks).
        if let Some((enrolment, _)) = new.iter().find(|(change, _)| change.deps().is_empty()) {
            communities.remember(enrolment.hash(), community_now(doc)?);
        }
    }
    for (review, (change, _)) in reviews.iter_mut().zip(new) {
        let before = communities.at(change.deps())?;
        // A change that writes nothing into the placements leaves the community as its
        // dependencies had it: the record at its hash differs from them only by its own
        // operations. (In a linear history this reads the placements once, not twice
        // per change.)
        let after = if change.deps().is_empty() || review.operations.contains_key(&Operation::MoveElder) {
            communities.at(&[change.hash()])?
        } else {
            communities.remember(change.hash(), before)
        };
        review.communities.extend(before);
        review.communities.extend(after);
    }
    Ok(reviews)
}

/// One change's operations, read in order.
struct ChangeReader<'a> {
    doc: &'a Automerge,
    change: &'a Change,
    /// The actors its operations name by index: its own first.
    actors: &'a [&'a ActorId],
    author: Author,
    /// The author's user and device as person fields name them, written once per change.
    named_user: String,
    named_device: String,
    first: bool,
    context: &'a Context<'a>,
    operations: BTreeMap<Operation, String>,
    /// Text objects this change typed into, with their field and limit.
    texts: HashMap<ObjId, (String, usize)>,
    /// The run of characters being typed.
    typed: Typed,
    /// Per visit voided by this change, whether its author recorded it.
    own_visits: HashMap<ObjId, bool>,
    /// The insurance steps this change adds: the map holding each, and its key.
    new_steps: Vec<(ObjId, String)>,
}

impl ChangeReader<'_> {
    fn op(&mut self, op: &ChangeOp<'_>, container: &Container, counter: u64) -> Result<(), ValidationError> {
        match (op.key, container.shape) {
            (OpKey::Map(key), Shape::Record(_) | Shape::Entries(_)) => self.map_op(op, container, key),
            (OpKey::Seq(after), Shape::Text { max }) => self.text_op(op, container, *max, after, counter),
            _ => Err(unknown(&container.path, "")),
        }
    }

    fn made_here(&self, obj: &ObjId) -> bool {
        match obj {
            ObjId::Root => self.first,
            ObjId::Id(counter, actor, _) => {
                actor == self.change.actor_id()
                    && (self.change.start_op().get()..=self.change.max_op()).contains(counter)
            }
        }
    }

    fn map_op(&mut self, op: &ChangeOp<'_>, container: &Container, key: &str) -> Result<(), ValidationError> {
        let field = Field { path: &container.path, key };
        let (child, write) = container.shape.child(key).ok_or_else(|| unknown(&container.path, key))?;
        if write == Write::Once && !self.made_here(&container.id) {
            return Err(invalid(field, &self.change.hash(), "is written once, when its record is made"));
        }
        if write == Write::WhileUnset && op.preds > 0 {
            return Err(invalid(field, &self.change.hash(), "is made once and never replaced or deleted"));
        }
        let entries = match container.shape {
            Shape::Entries(entries) => Some(entries),
            _ => None,
        };
        let mut resolves = op.preds >= 2;
        match op.action {
            OpAction::Delete => {
                // Keeping one of several values written at once deletes the others:
                // a resolution, not a deletion, when a value stays.
                let before = self.doc.get_all_at(&container.id, key, self.change.deps()).map_or(0, |v| v.len());
                let keeps_one = before as u64 > op.preds;
                resolves |= keeps_one && before >= 2;
                if !keeps_one && !entries.is_some_and(|e| e.removable) {
                    return Err(invalid(field, &self.change.hash(), "cannot be deleted: nothing is deleted"));
                }
            }
            OpAction::Put(value) => {
                self.not_replacing(op, entries, field)?;
                self.scalar(child, value, field)?;
            }
            OpAction::Make(kind) => {
                self.not_replacing(op, entries, field)?;
                if container.path.len() == 1 && container.path[0] == schema::INSURANCE_STEPS {
                    self.new_steps.push((container.id.clone(), key.to_owned()));
                }
                let fits = match child.not_null() {
                    Shape::Record(_) | Shape::Entries(_) => kind == ObjType::Map,
                    Shape::Text { .. } => kind == ObjType::Text,
                    Shape::Nullable(_) | Shape::Scalar(_) => false,
                };
                if !fits {
                    return Err(schema_error(field, &format!("must not be a {kind:?}")));
                }
            }
            OpAction::Increment | OpAction::Mark => {
                return Err(schema_error(field, "counters and marks are not part of an elder's record"));
            }
        }
        let operation = self.classify(container, key, op.action)?;
        self.operations.entry(operation).or_insert_with(|| field.to_string());
        if resolves {
            // Writing over several values at once resolves a conflict.
            let resolution = if container.path.first().map(String::as_str) == Some(schema::PROFILE) {
                Operation::ResolveProfileConflict
            } else {
                Operation::ResolveAnyConflict
            };
            self.operations.entry(resolution).or_insert_with(|| field.to_string());
        }
        Ok(())
    }

    /// Refuses writing a new value over an entry kept for history.
    fn not_replacing(
        &self,
        op: &ChangeOp<'_>,
        entries: Option<&shape::Entries>,
        field: Field<'_>,
    ) -> Result<(), ValidationError> {
        if entries.is_some_and(|e| !e.replaceable) && op.preds > 0 {
            return Err(invalid(field, &self.change.hash(), "cannot be replaced: it is kept for history"));
        }
        Ok(())
    }

    fn text_op(
        &mut self,
        op: &ChangeOp<'_>,
        container: &Container,
        max: usize,
        after: Option<OpRef>,
        counter: u64,
    ) -> Result<(), ValidationError> {
        let field = Field { path: &container.path, key: "" };
        match op.action {
            OpAction::Put(OpValue::Str(typed)) => {
                // Characters typed one after another form a run, checked whole: an ID
                // number typed and deleted in one change never shows in the text.
                let follows = op.insert
                    && matches!(after, Some(prev) if self.actors.get(prev.actor) == Some(&self.change.actor_id())
                        && prev.counter + 1 == counter && self.typed.last == Some(prev.counter));
                if !follows {
                    self.typed.flush()?;
                    self.typed.field = field.to_string();
                }
                self.typed.text.push_str(typed);
                self.typed.last = Some(counter);
            }
            OpAction::Delete => {}
            _ => return Err(schema_error(field, "text holds only characters")),
        }
        if !self.texts.contains_key(&container.id) {
            self.texts.insert(container.id.clone(), (field.to_string(), max));
        }
        let operation = if self.first { Operation::Enrol } else { Operation::EditProfile };
        self.operations.entry(operation).or_insert_with(|| field.to_string());
        Ok(())
    }

    /// Each text this change typed into, as it stood after the change: within its
    /// limit and free of full ID numbers (which could be typed a few digits a change).
    fn check_texts(&self) -> Result<(), ValidationError> {
        for (text, (field, max)) in &self.texts {
            let value =
                self.doc.text_at(text, &[self.change.hash()]).map_err(|e| schema_error(field, &e.to_string()))?;
            check_text(&value, *max, limits::TextKind::MultiLine)
                .map_err(|e| ValidationError::InvalidField { field: field.clone(), reason: e.to_string() })?;
            if contains_full_id_number(&value) {
                return Err(ValidationError::FullIdNumber { field: field.clone() });
            }
        }
        Ok(())
    }

    /// What writing `key` of `container` does, in the role table's words.
    fn classify(
        &mut self,
        container: &Container,
        key: &str,
        action: OpAction<'_>,
    ) -> Result<Operation, ValidationError> {
        let path: Vec<&str> = container.path.iter().map(String::as_str).chain([key]).collect();
        let top = path[0];
        if top == schema::TIER_OVERRIDE {
            let clearing = path.len() == 1 && matches!(action, OpAction::Put(OpValue::Null));
            return Ok(if self.first && clearing { Operation::Enrol } else { Operation::SetTier });
        }
        if top == schema::VISITS && path.len() >= 2 {
            let visit = container.chain.get(2).unwrap_or(&container.id);
            if path.len() == 2 || self.made_here(visit) {
                return Ok(Operation::RecordVisit);
            }
            if path[2] == schema::VISIT_VOID {
                return self.void_of(visit);
            }
            return Ok(Operation::CorrectVisit);
        }
        if top == schema::INSURANCE_STEPS && (path.len() >= 2 || !self.first) {
            return Ok(Operation::MoveInsuranceCase);
        }
        if top == schema::FOLLOW_UPS && path.len() >= 2 {
            let made = path.len() == 2 || container.chain.get(2).is_some_and(|f| self.made_here(f));
            let closing = path.get(2) == Some(&schema::FOLLOW_UP_RESOLUTION);
            return Ok(if closing && !made { Operation::CloseFollowUp } else { Operation::AddFollowUp });
        }
        if self.first {
            return Ok(Operation::Enrol);
        }
        Ok(match top {
            schema::PROFILE => Operation::EditProfile,
            schema::STATUS_HISTORY => Operation::ChangeStatus,
            schema::PLACEMENTS => Operation::MoveElder,
            // Other root keys are written once, at enrolment (refused above otherwise).
            _ => Operation::Enrol,
        })
    }

    /// Voiding a visit: one's own, or someone else's, as the visit stood when the
    /// change was made (its dependencies).
    fn void_of(&mut self, visit: &ObjId) -> Result<Operation, ValidationError> {
        let own = match self.own_visits.get(visit) {
            Some(own) => *own,
            None => {
                let recorded_by = self.doc.get_at(visit, "assistant", self.change.deps()).ok().flatten();
                let own = matches!(recorded_by, Some((Value::Scalar(s), _))
                    if matches!(s.as_ref(), ScalarValue::Str(user) if user.as_str() == self.named_user));
                self.own_visits.insert(visit.clone(), own);
                own
            }
        };
        Ok(if own { Operation::VoidOwnVisit } else { Operation::VoidAnyVisit })
    }

    /// Checks a date written at `field`: canonical, and within its rule's bounds.
    fn date(&self, rule: DateRule, text: &str, field: Field<'_>) -> Result<(), ValidationError> {
        let context = self.context;
        let bad = |reason: &str| ValidationError::InvalidField { field: field.to_string(), reason: reason.to_owned() };
        let date: Date = text.parse().map_err(|_| schema_error(field, "must be a date (YYYY-MM-DD)"))?;
        let latest = match rule {
            DateRule::Birth => context.now.shanghai_date(),
            DateRule::Effective => context.now.plus_minutes(context.policy.clock_skew_minutes).shanghai_date(),
        };
        if date.to_string() != text || date < limits::earliest_date() || date > latest {
            return Err(bad(&format!("must be a date from {} to {latest}", limits::earliest_date())));
        }
        Ok(())
    }

    /// Checks a time written at `field` (at `path`): within its rule's bounds, a visit
    /// no further ahead of the receiver's clock than the policy allows.
    fn instant(&self, rule: InstantRule, millis: i64, field: Field<'_>) -> Result<(), ValidationError> {
        let context = self.context;
        let instant = Timestamp::from_millis(millis);
        let latest = match rule {
            InstantRule::Visited => context.now.plus_minutes(context.policy.clock_skew_minutes),
            InstantRule::Clock | InstantRule::Due => limits::latest_instant(context.now),
        };
        let visit = field.path.get(1).and_then(|id| id.parse::<VisitId>().ok());
        if let (InstantRule::Visited, Some(visit)) = (rule, visit)
            && instant > latest
        {
            return Err(ValidationError::VisitInFuture { visit, visited_at: instant, latest });
        }
        if instant < limits::earliest_instant() || instant > latest {
            return Err(ValidationError::InvalidField {
                field: field.to_string(),
                reason: format!("must be a time from {} to {latest}", limits::earliest_instant()),
            });
        }
        Ok(())
    }

    /// Checks a scalar written at `field` against its shape.
    fn scalar(&self, shape: &'static Shape, value: OpValue<'_>, field: Field<'_>) -> Result<(), ValidationError> {
        if let OpValue::Str(text) = value
            && contains_full_id_number(text)
        {
            return Err(ValidationError::FullIdNumber { field: field.to_string() });
        }
        let rule = match (shape, value) {
            (Shape::Nullable(_), OpValue::Null) => return Ok(()),
            (Shape::Nullable(inner), _) => return self.scalar(inner, value, field),
            (Shape::Scalar(rule), _) => rule,
            _ => return Err(schema_error(field, "must be a map or text, not a value")),
        };
        let bad = |reason: &str| ValidationError::InvalidField { field: field.to_string(), reason: reason.to_owned() };
        let wrong_type = |expected: &str| schema_error(field, &format!("must be {expected}"));
        match (rule, value) {
            (Scalar::Text { max, kind, blank }, OpValue::Str(text)) => {
                check_text(text, *max, *kind).map_err(|e| bad(&e.to_string()))?;
                if !blank && text.trim().is_empty() {
                    return Err(bad("must not be blank"));
                }
            }
            (Scalar::Enum(names), OpValue::Str(text)) if names.contains(&text) => {}
            (Scalar::Enum(names), _) => return Err(wrong_type(&format!("one of {}", names.join(", ")))),
            (Scalar::Id, OpValue::Str(text)) if shape::is_canonical_id(text) => {}
            (Scalar::AuthorUser, OpValue::Str(text)) => {
                if text != self.named_user {
                    return Err(self.wrong_author(field, "names a user other than the change's author"));
                }
            }
            (Scalar::AuthorDevice, OpValue::Str(text)) => {
                if text != self.named_device {
                    return Err(self.wrong_author(field, "names a device other than the change's"));
                }
            }
            (Scalar::Date(rule), OpValue::Str(text)) => self.date(*rule, text, field)?,
            (Scalar::Instant(rule), OpValue::Int(millis)) => self.instant(*rule, millis, field)?,
            (Scalar::Bool, OpValue::Bool(_)) | (Scalar::True, OpValue::Bool(true)) => {}
            (Scalar::SchemaVersion, OpValue::Int(v)) if (1..=i64::from(schema::SCHEMA_VERSION)).contains(&v) => {}
            (Scalar::Fen, OpValue::Int(fen)) if (1..=crate::insurance::max_amount_fen()).contains(&fen) => {}
            (Scalar::Phone, OpValue::Str(text)) => {
                check_text(text, limits::FIELD_LIMITS.phone, limits::TextKind::OneLine)
                    .map_err(|e| bad(&e.to_string()))?;
                // A masked phone is what an erasure leaves (`privacy::looks_masked_phone`).
                if !limits::is_phone(text) && !crate::privacy::looks_masked_phone(text) {
                    return Err(bad("must be a phone number: digits, spaces, hyphens and a leading +"));
                }
            }
            (Scalar::MaskedIdNumber, OpValue::Str(text)) => {
                if self.author.device != DeviceId::SERVER {
                    return Err(self.wrong_author(field, "only the server writes an ID number's masked form"));
                }
                if !crate::privacy::looks_masked(text) {
                    return Err(bad("must be masked: only the first and last four characters shown"));
                }
            }
            (Scalar::Text { .. } | Scalar::Id | Scalar::AuthorUser | Scalar::AuthorDevice, _)
            | (Scalar::Date(_) | Scalar::Phone | Scalar::MaskedIdNumber, _) => {
                return Err(wrong_type("a string of the right form"));
            }
            (Scalar::Instant(_) | Scalar::SchemaVersion | Scalar::Fen, _) => {
                return Err(wrong_type("an integer in range"));
            }
            (Scalar::Bool, _) => return Err(wrong_type("true or false")),
            (Scalar::True, _) => return Err(wrong_type("true")),
        }
        Ok(())
    }

    fn wrong_author(&self, field: Field<'_>, reason: &str) -> ValidationError {
        ValidationError::WrongAuthor {
            change: self.change.hash().to_string(),
            field: Some(field.to_string()),
            reason: format!("field {field} {reason}"),
        }
    }
}

/// Characters typed one after another in a change.
#[derive(Default)]
struct Typed {
    field: String,
    text: String,
    /// The counter of the last character's operation.
    last: Option<u64>,
}

impl Typed {
    fn flush(&mut self) -> Result<(), ValidationError> {
        let found = contains_full_id_number(&self.text);
        self.text.clear();
        self.last = None;
        if found {
            return Err(ValidationError::FullIdNumber { field: self.field.clone() });
        }
        Ok(())
    }
}

/// Where a value is written, named only when something needs the name (an error, the
/// first field of an operation): the review passes over every operation of a push.
#[derive(Clone, Copy)]
struct Field<'a> {
    path: &'a [String],
    key: &'a str,
}

impl Display for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&dotted(self.path, self.key))
    }
}

fn dotted(path: &[String], key: &str) -> String {
    path.iter().map(String::as_str).chain([key]).filter(|k| !k.is_empty()).collect::<Vec<_>>().join(".")
}

fn unknown(path: &[String], key: &str) -> ValidationError {
    ValidationError::UnknownField { field: dotted(path, key) }
}

fn schema_error(field: impl Display, reason: &str) -> ValidationError {
    ValidationError::Schema { field: field.to_string(), reason: reason.to_owned() }
}

fn invalid(field: impl Display, change: &ChangeHash, reason: &str) -> ValidationError {
    let field = field.to_string();
    let field = if field.is_empty() { "(document)".to_owned() } else { field };
    ValidationError::InvalidField { field, reason: format!("{reason} (change {change})") }
}
