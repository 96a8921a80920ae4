//! A roster file held against the roster: new elders to enrol, changed fields to
//! update (old → new), elders on the roster the file leaves out (for a supervisor to
//! decide; never deleted), and the rows that cannot be read. Matching is by ID number
//! (the server's identity record); a row without one matches by name, birth date and
//! community, and is left for a person when that is ambiguous.
//!
//! The plan is what a dry run shows and what applying writes, nothing else: its
//! digest names exactly the writes, so an apply made against a roster or file that
//! changed since the review is refused instead of writing something unreviewed.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::values::{CommunityLookup, RosterRecord, read_rows};
use super::{HeaderReading, Problem, RosterColumn, RowProblem, Sheet, SheetError, read_header};
use crate::area::AreaTree;
use crate::document::ProfileChange;
use crate::elder::{ElderStatus, Profile};
use crate::ids::{CommunityId, ElderId};
use crate::label::Language;
use crate::materialise::ElderRow;
use crate::privacy::{IdNumber, mask_phone};
use crate::time::Date;

/// An elder on the roster as the server holds them.
#[derive(Debug, Clone)]
pub struct KnownElder {
    pub row: ElderRow,
    /// The full ID number of the identity record, if any.
    pub id_number: Option<String>,
}

/// What a dry run shows, and what applying it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterCheck {
    pub header: HeaderReading,
    /// Rows read below the header (blank rows not counted).
    pub rows: usize,
    pub enrol: Vec<NewElderLine>,
    pub update: Vec<UpdateLine>,
    /// Rows that match an elder and change nothing.
    pub unchanged: usize,
    pub missing: Vec<MissingLine>,
    pub problems: Vec<RowProblem>,
    /// Names the writes exactly: applying must give it back.
    pub digest: String,
}

impl RosterCheck {
    /// Whether applying would write anything.
    pub fn writes_anything(&self) -> bool {
        !self.enrol.is_empty() || !self.update.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewElderLine {
    pub line: usize,
    pub name: String,
    pub community: CommunityId,
    pub birth_date: Date,
    pub id_number_masked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UpdateLine {
    pub line: usize,
    pub elder_id: ElderId,
    pub name: String,
    pub changes: Vec<FieldChange>,
}

/// One field's old and new value, as a person reads them (phones and ID numbers masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldChange {
    pub column: RosterColumn,
    pub old: String,
    pub new: String,
}

/// An elder on the roster of a community the file covers whom no row names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MissingLine {
    pub elder_id: ElderId,
    pub name: String,
    pub community: CommunityId,
    pub status: ElderStatus,
}

/// One write of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterAction {
    Enrol(RosterRecord),
    Update {
        line: usize,
        elder: ElderId,
        changes: Vec<ProfileChange>,
        move_to: Option<CommunityId>,
        /// An ID number for an elder whose identity record had none.
        id_number: Option<IdNumber>,
    },
}

/// The check with the writes it stands for, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterPlan {
    pub check: RosterCheck,
    pub actions: Vec<RosterAction>,
}

/// How a row found its elder.
enum Match<'a> {
    New,
    Known(&'a KnownElder),
    Ambiguous(usize),
}

/// The roster indexed the two ways a row finds its elder.
struct Index<'a> {
    by_number: HashMap<&'a str, &'a KnownElder>,
    by_person: HashMap<(&'a str, Date, CommunityId), Vec<&'a KnownElder>>,
}

impl<'a> Index<'a> {
    fn new(known: &'a [KnownElder]) -> Self {
        let by_number = known.iter().filter_map(|k| k.id_number.as_deref().map(|n| (n, k))).collect();
        let mut by_person: HashMap<_, Vec<&KnownElder>> = HashMap::new();
        for elder in known {
            let profile = &elder.row.profile;
            by_person.entry((profile.name.as_str(), profile.birth_date, elder.row.community)).or_default().push(elder);
        }
        Self { by_number, by_person }
    }

    /// By ID number; else the person, among elders who have no number yet (one with
    /// another number is another person).
    fn find(&self, record: &RosterRecord) -> Match<'a> {
        if let Some(elder) = record.id_number.as_ref().and_then(|n| self.by_number.get(n.reveal())) {
            return Match::Known(elder);
        }
        let person = (record.profile.name.as_str(), record.profile.birth_date, record.community);
        let candidates: Vec<&KnownElder> = self
            .by_person
            .get(&person)
            .into_iter()
            .flatten()
            .copied()
            .filter(|k| record.id_number.is_none() || k.id_number.is_none())
            .collect();
        match candidates.as_slice() {
            [] => Match::New,
            [one] => Match::Known(one),
            several => Match::Ambiguous(several.len()),
        }
    }
}

/// Reads `sheet` and holds it against `known` (the roster of the importing user's
/// area); `today` bounds the dates.
pub fn plan_roster(
    sheet: &Sheet,
    known: &[KnownElder],
    lookup: &CommunityLookup<'_>,
    today: Date,
) -> Result<RosterPlan, SheetError> {
    let (header, mapped) = read_header(sheet)?;
    let (records, mut problems) = read_rows(sheet, header.line, &mapped, lookup, today);
    let rows = records.len() + problems.iter().map(|p| p.line).collect::<BTreeSet<_>>().len();
    let index = Index::new(known);
    let mut check = RosterCheck { header, rows, ..RosterCheck::default() };
    let mut actions = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut matched: HashMap<ElderId, usize> = HashMap::new();
    let mut covered: BTreeSet<CommunityId> = BTreeSet::new();
    for record in records {
        covered.insert(record.community);
        let person_key = format!("{}|{}|{}", record.profile.name, record.profile.birth_date, record.community);
        let key = record.id_number.as_ref().map_or(person_key, |n| n.reveal().to_owned());
        if let Some(&first) = first_line.get(&key) {
            problems.push(RowProblem::new(record.line, None, Problem::RepeatedInFile { first_line: first }));
            continue;
        }
        first_line.insert(key, record.line);
        match index.find(&record) {
            Match::New => {
                check.enrol.push(NewElderLine {
                    line: record.line,
                    name: record.profile.name.clone(),
                    community: record.community,
                    birth_date: record.profile.birth_date,
                    id_number_masked: record.profile.id_number_masked.clone(),
                });
                actions.push(RosterAction::Enrol(record));
            }
            Match::Ambiguous(elders) => {
                problems.push(RowProblem::new(record.line, None, Problem::AmbiguousMatch { elders }));
            }
            Match::Known(elder) => {
                if let Some(first) = matched.insert(elder.row.elder_id, record.line) {
                    problems.push(RowProblem::new(record.line, None, Problem::RepeatedInFile { first_line: first }));
                    continue;
                }
                match differences(&record, elder, lookup.areas) {
                    (line, Some(action)) => {
                        check.update.push(line);
                        actions.push(action);
                    }
                    (_, None) => check.unchanged += 1,
                }
            }
        }
    }
    check.missing = missing(known, &covered, &matched);
    problems.sort_by_key(|p| p.line);
    check.problems = problems;
    check.digest = digest(&actions);
    Ok(RosterPlan { check, actions })
}

/// Elders on the roster of the communities the file covers whom no row matched.
fn missing(
    known: &[KnownElder],
    covered: &BTreeSet<CommunityId>,
    matched: &HashMap<ElderId, usize>,
) -> Vec<MissingLine> {
    known
        .iter()
        .filter(|k| covered.contains(&k.row.community) && k.row.status.is_on_roster())
        .filter(|k| !matched.contains_key(&k.row.elder_id))
        .map(|k| MissingLine {
            elder_id: k.row.elder_id,
            name: k.row.profile.name.clone(),
            community: k.row.community,
            status: k.row.status,
        })
        .collect()
}

/// The fields a row changes: as a person reads them, and as writes. A column the row
/// leaves blank changes nothing.
struct Differences<'a> {
    given: &'a BTreeSet<RosterColumn>,
    shown: Vec<FieldChange>,
    writes: Vec<ProfileChange>,
}

impl Differences<'_> {
    fn field<T: PartialEq + Clone>(
        &mut self,
        column: RosterColumn,
        (old, new): (&T, &T),
        show: impl Fn(&T) -> String,
        write: impl FnOnce(T) -> ProfileChange,
    ) {
        if self.given.contains(&column) && old != new {
            self.shown.push(FieldChange { column, old: show(old), new: show(new) });
            self.writes.push(write(new.clone()));
        }
    }
}

/// The fields the row changes on `elder`, as a person reads them and as writes.
fn differences(record: &RosterRecord, elder: &KnownElder, areas: &AreaTree) -> (UpdateLine, Option<RosterAction>) {
    use RosterColumn as C;
    let (old, new) = (&elder.row.profile, &record.profile);
    let mut d = Differences { given: &record.given, shown: Vec::new(), writes: Vec::new() };
    let zh = |label: &dyn crate::label::Labelled| label.label(Language::ZhCn).to_owned();
    d.field(C::Name, (&old.name, &new.name), String::clone, ProfileChange::Name);
    d.field(C::Gender, (&old.gender, &new.gender), |g| zh(g), ProfileChange::Gender);
    d.field(C::BirthDate, (&old.birth_date, &new.birth_date), Date::to_string, ProfileChange::BirthDate);
    let masked = |phone: &Option<String>| phone.as_deref().map(mask_phone).unwrap_or_default();
    d.field(C::Phone, (&old.phone, &new.phone), masked, ProfileChange::Phone);
    d.field(C::Address, (&old.address, &new.address), String::clone, ProfileChange::Address);
    let living = (&old.living_arrangement, &new.living_arrangement);
    d.field(C::LivingArrangement, living, |l| zh(l), ProfileChange::LivingArrangement);
    d.field(C::Categories, (&old.categories, &new.categories), labels, ProfileChange::Categories);
    d.field(C::Conditions, (&old.conditions, &new.conditions), labels, ProfileChange::Conditions);
    let unable = (&old.unable_to_communicate, &new.unable_to_communicate);
    d.field(C::UnableToCommunicate, unable, |u| yes_no(*u), ProfileChange::UnableToCommunicate);
    let Differences { mut shown, writes: changes, .. } = d;
    let move_to = (record.community != elder.row.community).then_some(record.community);
    if let Some(to) = move_to {
        let name = |id: CommunityId| areas.get(id).map_or_else(|| id.to_string(), |area| area.name.clone());
        shown.push(FieldChange { column: C::Community, old: name(elder.row.community), new: name(to) });
    }
    let id_number = record.id_number.clone().filter(|_| elder.id_number.is_none());
    if let Some(number) = &id_number {
        shown.push(FieldChange { column: C::IdNumber, old: String::new(), new: number.masked() });
    }
    let line = UpdateLine { line: record.line, elder_id: elder.row.elder_id, name: old.name.clone(), changes: shown };
    let writes_anything = !changes.is_empty() || move_to.is_some() || id_number.is_some();
    let action = writes_anything.then_some(RosterAction::Update {
        line: record.line,
        elder: elder.row.elder_id,
        changes,
        move_to,
        id_number,
    });
    (line, action)
}

fn labels<T: crate::label::Labelled>(set: &BTreeSet<T>) -> String {
    set.iter().map(|v| v.label(Language::ZhCn)).collect::<Vec<_>>().join("、")
}

fn yes_no(value: bool) -> String {
    (if value { "是" } else { "否" }).to_owned()
}

/// A digest of the writes, in order: the full values each would write.
fn digest(actions: &[RosterAction]) -> String {
    let mut hasher = Sha256::new();
    for action in actions {
        let value = match action {
            RosterAction::Enrol(record) => serde_json::json!([
                "enrol",
                record.line,
                record.community,
                profile_json(&record.profile),
                record.id_number.as_ref().map(IdNumber::reveal),
                record.enrolled_on,
            ]),
            RosterAction::Update { elder, changes, move_to, id_number, .. } => serde_json::json!([
                "update",
                elder,
                format!("{changes:?}"),
                move_to,
                id_number.as_ref().map(IdNumber::reveal),
            ]),
        };
        hasher.update(value.to_string().as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn profile_json(profile: &Profile) -> serde_json::Value {
    serde_json::to_value(profile).unwrap_or_default()
}

impl Default for RosterCheck {
    fn default() -> Self {
        Self {
            header: HeaderReading { line: 0, columns: Vec::new() },
            rows: 0,
            enrol: Vec::new(),
            update: Vec::new(),
            unchanged: 0,
            missing: Vec::new(),
            problems: Vec::new(),
            digest: String::new(),
        }
    }
}
