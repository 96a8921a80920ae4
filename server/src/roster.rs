//! `jinlin-server roster import`: elders from a CSV file become documents on the
//! server, authored by an admin, through the same checked push path as a workstation.
//!
//! All or nothing at the row level: every row is checked first, and a file with any
//! bad row is refused whole with each bad row's line number. Re-running a file whose
//! rows carry ID numbers is safe: a number already on the roster is reported, not
//! enrolled twice.

use std::collections::{BTreeSet, HashSet};
use std::io::Write as _;

use anyhow::Context as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::{AreaLevel, AreaTree, Scope};
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, Enrolment};
use jinlin_shared::elder::{Gender, HardshipCategory, LivingArrangement, Profile, SeriousCondition};
use jinlin_shared::ids::{ElderId, EntryId, UserId};
use jinlin_shared::privacy::IdNumber;
use jinlin_shared::time::Date;
use jinlin_shared::user::Role;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::admin::AdminError;
use crate::auth::{Caller, SERVER_DEVICE};
use crate::db::entity::{identity, user};
use crate::state::{AppState, load_area_tree, now};
use crate::sync::push::push_document;
use crate::sync::sender::Sender;

pub const HEADER: [&str; 12] = [
    "community_code",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "living_arrangement",
    "categories",
    "conditions",
    "unable_to_communicate",
    "enrolled_on",
];

struct RosterRow {
    enrolment: Enrolment,
    id_number: Option<IdNumber>,
}

fn new_uuid() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

fn set_of<T: Ord>(text: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<BTreeSet<T>, String> {
    text.split([';', '、', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| format!("{s:?} is not a {what}")))
        .collect()
}

pub async fn import_roster(state: &AppState, csv_text: &str, admin_login: &str) -> Result<usize, AdminError> {
    let admin = user::Entity::find()
        .filter(user::Column::Login.eq(admin_login))
        .one(&state.db)
        .await?
        .filter(|u| u.role == Role::Admin.as_str() && !u.disabled)
        .ok_or_else(|| AdminError::UnknownUser(format!("{admin_login} (an enabled admin)")))?;
    let admin_id: UserId = admin.id.parse().context("a stored user id")?;
    let areas = std::sync::Arc::new(load_area_tree(&state.db).await?);
    let known_numbers: HashSet<String> =
        identity::Entity::find().all(&state.db).await?.into_iter().map(|i| i.id_number).collect();
    let today = now().shanghai_date();
    let at = now();

    let rows = parse_roster(csv_text, &areas, &known_numbers, today)?;

    let caller = Caller { user: admin_id, device: SERVER_DEVICE, role: Role::Admin, scope: Scope::City };
    let author = Author { user: admin_id, device: SERVER_DEVICE };
    let total = rows.len();
    for (done, row) in rows.into_iter().enumerate() {
        let elder = row.enrolment.elder;
        let edit = Edit { author, at };
        let changes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Vec<u8>>> {
            let (doc, _) = ElderDocument::enrol(row.enrolment, &edit, ActorId::random())?;
            Ok(doc.changes_since(&[]))
        })
        .await
        .context("the enrolment task failed")??;
        let outcome = push_document(state, Sender::Server(&caller), &areas, elder, changes).await?;
        if !outcome.is_accepted() {
            return Err(AdminError::Other(anyhow::anyhow!("elder {} was refused: {outcome:?}", done + 1)));
        }
        if let Some(number) = row.id_number {
            identity::Entity::insert(identity::ActiveModel {
                elder_id: Set(elder.to_string()),
                id_number: Set(number.reveal().to_owned()),
                updated_at: Set(at.as_millis()),
                updated_by: Set(admin_id.to_string()),
            })
            .on_conflict(OnConflict::column(identity::Column::ElderId).do_nothing().to_owned())
            .exec_without_returning(&state.db)
            .await?;
        }
        if (done + 1) % 100 == 0 || done + 1 == total {
            eprint!("\rroster: {} / {total} elders", done + 1);
            let _ = std::io::stderr().flush();
        }
    }
    if total > 0 {
        eprintln!();
    }
    crate::audit::record(&state.db, at, Some(&admin.id), "roster.import", serde_json::json!({ "elders": total }))
        .await?;
    Ok(total)
}

/// The file's rows, every one checked; any bad row refuses the whole file, with the
/// line number and the reason of each.
fn parse_roster(
    csv_text: &str,
    areas: &AreaTree,
    known_numbers: &HashSet<String>,
    today: Date,
) -> Result<Vec<RosterRow>, AdminError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let mut bad = Vec::new();
    match reader.headers() {
        Ok(headers) if headers.iter().eq(HEADER.iter().copied()) => {}
        Ok(_) => bad.push((1, format!("the header must be {}", HEADER.join(",")))),
        Err(e) => bad.push((1, e.to_string())),
    }
    let mut rows = Vec::new();
    let mut seen_numbers = HashSet::new();
    if bad.is_empty() {
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let parsed = record
                .map_err(|e| e.to_string())
                .and_then(|record| parse_row(&record, areas, known_numbers, &mut seen_numbers, today));
            match parsed {
                Ok(row) => rows.push(row),
                Err(reason) => bad.push((line, reason)),
            }
        }
    }
    if !bad.is_empty() {
        return Err(AdminError::BadRows(bad));
    }
    Ok(rows)
}

/// One line of the file: a community of the tree, a valid profile, and an ID number
/// neither on the roster already nor seen earlier in the file.
fn parse_row(
    record: &csv::StringRecord,
    areas: &AreaTree,
    known_numbers: &HashSet<String>,
    seen_numbers: &mut HashSet<String>,
    today: Date,
) -> Result<RosterRow, String> {
    if record.len() != HEADER.len() {
        return Err(format!("expected {} fields, found {}", HEADER.len(), record.len()));
    }
    let field = |i: usize| record.get(i).unwrap_or_default();
    let community = areas
        .areas()
        .find(|a| a.code == field(0) && a.level == AreaLevel::Community)
        .ok_or_else(|| format!("no community has the code {:?}", field(0)))?;
    let date = |text: &str, what: &str| {
        Date::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{what} {text:?} is not a date YYYY-MM-DD"))
    };
    let id_number = match field(4) {
        "" => None,
        text => Some(IdNumber::parse(text).map_err(|e| e.to_string())?),
    };
    if let Some(number) = &id_number {
        if known_numbers.contains(number.reveal()) {
            return Err(format!("the elder with ID number {} is already on the roster", number.masked()));
        }
        if !seen_numbers.insert(number.reveal().to_owned()) {
            return Err(format!("ID number {} appears twice in the file", number.masked()));
        }
    }
    let enrolled_on = match field(11) {
        "" => today,
        text => date(text, "enrolled_on")?,
    };
    let profile = Profile {
        name: field(1).to_owned(),
        gender: Gender::from_text(field(2)).ok_or_else(|| format!("{:?} is not a gender", field(2)))?,
        birth_date: date(field(3), "birth_date")?,
        id_number_masked: id_number.as_ref().map(IdNumber::masked),
        phone: Some(field(5).to_owned()).filter(|p| !p.is_empty()),
        address: field(6).to_owned(),
        living_arrangement: LivingArrangement::from_text(field(7))
            .ok_or_else(|| format!("{:?} is not a living arrangement", field(7)))?,
        categories: set_of(field(8), HardshipCategory::from_text, "hardship category")?,
        conditions: set_of(field(9), SeriousCondition::from_text, "serious condition")?,
        unable_to_communicate: matches!(field(10), "yes" | "true" | "1" | "是"),
        emergency_contacts: Default::default(),
        notes: String::new(),
    };
    if profile.name.is_empty() || profile.address.is_empty() {
        return Err("name and address are required".into());
    }
    if profile.birth_date > enrolled_on {
        return Err("the birth date is after the enrolment date".into());
    }
    Ok(RosterRow {
        enrolment: Enrolment {
            elder: ElderId::from_uuid(new_uuid()).map_err(|e| e.to_string())?,
            community: community.id,
            enrolled_on,
            profile,
            status_entry: EntryId::from_uuid(new_uuid()).map_err(|e| e.to_string())?,
            placement_entry: EntryId::from_uuid(new_uuid()).map_err(|e| e.to_string())?,
        },
        id_number,
    })
}
