//! Roster files from civil affairs, checked and applied: `jinlin-server roster check`
//! and `roster import` at the console, `POST /roster/check` and `/roster/apply` for
//! the desktop app. Both read the file ([`file`]), hold it against the roster of the
//! importer's area (`jinlin_shared::roster_file::plan_roster`: the dry run), and
//! apply only what that check listed, named by its digest, through the batched push
//! path (`push_documents`), authored by the importer on the server's device.
//!
//! A bad row is listed and left out, never a reason to refuse the rest; an apply
//! whose digest no longer matches (the file or the roster changed since the check)
//! writes nothing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context as _;
use jinlin_shared::ActorId;
use jinlin_shared::area::AreaTree;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, Enrolment, ProfileChange};
use jinlin_shared::ids::{ElderId, EntryId};
use jinlin_shared::materialise::ElderRow;
use jinlin_shared::privacy::IdNumber;
use jinlin_shared::roles::Operation;
use jinlin_shared::roster_file::{
    CommunityLookup, KnownElder, RefusedRow, RosterAction, RosterApplied, RosterPlan, RosterRecord, SheetError,
    plan_roster,
};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::PushOutcome;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

pub mod console;
pub mod file;

use crate::auth::{Caller, SERVER_DEVICE};
use crate::db::entity::{document, elder, identity};
use crate::state::{AppState, now};
use crate::sync::push::sender::Sender;
use crate::sync::push::{PushError, push_documents};
pub use file::{FileError, MAX_FILE_BYTES, read_sheet};

/// Documents written per push: well inside a push's limits, and a progress step.
const BATCH: usize = 200;

/// Why a roster file is neither checked nor applied.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("your role may not import a roster")]
    NotPermitted,
    #[error("no enabled user has the login {0:?}")]
    UnknownUser(String),
    #[error("the roster or the file changed since the check; check it again before applying")]
    Stale,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for RosterError {
    fn from(error: sea_orm::DbErr) -> Self {
        RosterError::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl From<PushError> for RosterError {
    fn from(error: PushError) -> Self {
        RosterError::Internal(anyhow::anyhow!("{error}"))
    }
}

/// The enabled user `login` as the author of an import at the server's console.
pub async fn importer(state: &AppState, login: &str) -> Result<Caller, RosterError> {
    crate::auth::console_caller(&state.db, login).await?.ok_or_else(|| RosterError::UnknownUser(login.to_owned()))
}

/// How far an apply has come: documents written of all.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// Checks `bytes` as `caller` would import them: writes nothing.
pub async fn check_roster(state: &AppState, caller: &Caller, bytes: Vec<u8>) -> Result<RosterPlan, RosterError> {
    Ok(plan(state, caller, bytes).await?.0)
}

/// Applies what the check of `bytes` listed, if its digest is still `digest`.
pub async fn apply_roster(
    state: &AppState,
    caller: &Caller,
    bytes: Vec<u8>,
    digest: &str,
    progress: Progress<'_>,
) -> Result<RosterApplied, RosterError> {
    let (plan, areas) = plan(state, caller, bytes).await?;
    if plan.check.digest != digest {
        return Err(RosterError::Stale);
    }
    let lines: Vec<usize> = plan.actions.iter().map(line_of).collect();
    let total = plan.actions.len();
    let mut applied = RosterApplied::default();
    let mut done = 0;
    let mut actions = plan.actions.into_iter().zip(lines);
    loop {
        let batch: Vec<(RosterAction, usize)> = actions.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let count = batch.len();
        write_batch(state, caller, &areas, batch, &mut applied).await?;
        done += count;
        progress(done, total);
    }
    crate::audit::record(
        &state.db,
        now(),
        Some(&caller.user.to_string()),
        "roster.import",
        serde_json::json!({
            "enrolled": applied.enrolled,
            "updated": applied.updated,
            "refused": applied.refused.len(),
            "digest": digest,
        }),
    )
    .await?;
    Ok(applied)
}

/// The plan of `bytes` against the roster of `caller`'s area.
async fn plan(state: &AppState, caller: &Caller, bytes: Vec<u8>) -> Result<(RosterPlan, Arc<AreaTree>), RosterError> {
    if !state.policy.roles.permits(caller.role, Operation::ImportRoster) {
        return Err(RosterError::NotPermitted);
    }
    let sheet = tokio::task::spawn_blocking(move || read_sheet(&bytes)).await.context("the reading task")??;
    let areas = state.areas().await?;
    let known = known_elders(state, &areas, caller).await?;
    let (scope, tree) = (caller.scope, areas.clone());
    let today = now().shanghai_date();
    let plan = tokio::task::spawn_blocking(move || {
        plan_roster(&sheet, &known, &CommunityLookup { areas: &tree, scope }, today)
    })
    .await
    .context("the checking task")??;
    Ok((plan, areas))
}

/// The elders of `caller`'s area with the full ID numbers of their identity records.
async fn known_elders(state: &AppState, areas: &AreaTree, caller: &Caller) -> Result<Vec<KnownElder>, RosterError> {
    let communities: Vec<String> = areas.communities_in(caller.scope).iter().map(ToString::to_string).collect();
    let rows = elder::Entity::find().filter(elder::Column::CommunityId.is_in(communities)).all(&state.db).await?;
    let mut numbers: HashMap<String, String> =
        identity::Entity::find().all(&state.db).await?.into_iter().map(|i| (i.elder_id, i.id_number)).collect();
    rows.into_iter()
        .map(|row| {
            let parsed: ElderRow = serde_json::from_str(&row.row).context("a stored elder row")?;
            Ok(KnownElder { id_number: numbers.remove(&row.elder_id), row: parsed })
        })
        .collect()
}

fn line_of(action: &RosterAction) -> usize {
    match action {
        RosterAction::Enrol(record) => record.line,
        RosterAction::Update { line, .. } => *line,
    }
}

/// One document's changes on their way to the push path, with what the row brings.
struct Written {
    elder: ElderId,
    line: usize,
    enrolment: bool,
    changes: Vec<Vec<u8>>,
    id_number: Option<IdNumber>,
}

/// Writes one batch: documents made or edited off the runtime, identity records
/// first (a document never shows a masked number the server lacks), then one push;
/// a refused document's new identity record is taken back.
async fn write_batch(
    state: &AppState,
    caller: &Caller,
    areas: &Arc<AreaTree>,
    batch: Vec<(RosterAction, usize)>,
    applied: &mut RosterApplied,
) -> Result<(), RosterError> {
    let at = now();
    let edit = Edit { author: Author { user: caller.user, device: SERVER_DEVICE }, at };
    let updated: Vec<String> = batch
        .iter()
        .filter_map(|(action, _)| match action {
            RosterAction::Update { elder, .. } => Some(elder.to_string()),
            RosterAction::Enrol(_) => None,
        })
        .collect();
    let snapshots: HashMap<String, Vec<u8>> = document::Entity::find()
        .filter(document::Column::ElderId.is_in(updated))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.elder_id, d.snapshot))
        .collect();
    let actor = state.actor.clone();
    let written = tokio::task::spawn_blocking(move || {
        batch
            .into_iter()
            .map(|(action, line)| written(action, line, &edit, &snapshots, &actor))
            .collect::<anyhow::Result<Vec<Written>>>()
    })
    .await
    .context("the writing task")?;
    let written: Vec<Written> = written.map_err(RosterError::Internal)?;
    let numbered: Vec<&Written> = written.iter().filter(|w| w.id_number.is_some()).collect();
    store_identities(state, caller, at, &numbered).await?;
    let documents = written.iter().map(|w| (w.elder, w.changes.clone())).collect();
    let outcomes = push_documents(&state.push, Sender::Server(caller), areas, documents).await?;
    let mut taken_back = Vec::new();
    for (written, result) in written.iter().zip(outcomes) {
        match result.outcome {
            PushOutcome::Accepted { .. } if written.enrolment => applied.enrolled += 1,
            PushOutcome::Accepted { .. } => applied.updated += 1,
            PushOutcome::Rejected { reason, .. } => {
                applied.refused.push(RefusedRow { line: written.line, reason });
                if written.enrolment && written.id_number.is_some() {
                    taken_back.push(written.elder.to_string());
                }
            }
        }
    }
    if !taken_back.is_empty() {
        identity::Entity::delete_many().filter(identity::Column::ElderId.is_in(taken_back)).exec(&state.db).await?;
    }
    Ok(())
}

/// The changes one action makes: a new document, or edits to the stored one.
fn written(
    action: RosterAction,
    line: usize,
    edit: &Edit,
    snapshots: &HashMap<String, Vec<u8>>,
    actor: &ActorId,
) -> anyhow::Result<Written> {
    match action {
        RosterAction::Enrol(record) => {
            let id_number = record.id_number.clone();
            let (enrolment, elder) = enrolment_of(record, edit.at)?;
            let (doc, _) = ElderDocument::enrol(enrolment, edit, ActorId::random())?;
            Ok(Written { elder, line, enrolment: true, changes: doc.changes_since(&[]), id_number })
        }
        RosterAction::Update { elder, mut changes, move_to, id_number, .. } => {
            let snapshot = snapshots.get(&elder.to_string()).context("the stored document of a matched elder")?;
            let mut doc = ElderDocument::load(snapshot, actor.clone())?;
            let before = doc.heads();
            if let Some(number) = &id_number {
                changes.push(ProfileChange::IdNumber(Some(number.clone())));
            }
            if !changes.is_empty() {
                doc.update_profile(edit, &changes)?;
            }
            if let Some(community) = move_to {
                doc.move_to_community(edit, new_entry()?, community, edit.at.shanghai_date())?;
            }
            Ok(Written { elder, line, enrolment: false, changes: doc.changes_since(&before), id_number })
        }
    }
}

fn new_entry() -> anyhow::Result<EntryId> {
    Ok(EntryId::from_uuid(uuid::Uuid::now_v7())?)
}

fn enrolment_of(record: RosterRecord, at: Timestamp) -> anyhow::Result<(Enrolment, ElderId)> {
    let elder = ElderId::from_uuid(uuid::Uuid::now_v7())?;
    let enrolment = Enrolment {
        elder,
        community: record.community,
        enrolled_on: record.enrolled_on.unwrap_or(at.shanghai_date()),
        profile: record.profile,
        status_entry: new_entry()?,
        placement_entry: new_entry()?,
    };
    Ok((enrolment, elder))
}

/// Keeps the full numbers in the identity record, in one transaction.
async fn store_identities(
    state: &AppState,
    caller: &Caller,
    at: Timestamp,
    numbered: &[&Written],
) -> Result<(), RosterError> {
    if numbered.is_empty() {
        return Ok(());
    }
    let mut seen = HashSet::new();
    let rows: Vec<identity::ActiveModel> = numbered
        .iter()
        .filter(|w| seen.insert(w.elder))
        .filter_map(|w| {
            w.id_number.as_ref().map(|number| identity::ActiveModel {
                elder_id: Set(w.elder.to_string()),
                id_number: Set(number.reveal().to_owned()),
                updated_at: Set(at.as_millis()),
                updated_by: Set(caller.user.to_string()),
            })
        })
        .collect();
    let txn = state.begin_write().await?;
    for chunk in rows.chunks(100) {
        identity::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(identity::Column::ElderId)
                    .update_columns([identity::Column::IdNumber, identity::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}
