//! Alerts for supervisors, kept in the `alerts` table. A push raises and closes them
//! in its own transaction, by the rules of `jinlin_shared::alert`; a supervisor lists
//! those of their area (open first) and may close one with a note.

use std::collections::{BTreeMap, HashMap};

use jinlin_shared::alert::{AlertClosed, AlertClosure, AlertFacts, AlertView, MAX_NOTE_CHARS, alerts};
use jinlin_shared::area::{AreaTree, Scope};
use jinlin_shared::materialise::ElderRows;
use jinlin_shared::report::Place;
use jinlin_shared::roles::{Operation, RoleTable};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::IncidentKind;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::audit;
use crate::auth::Caller;
use crate::db::entity::{alert, elder, user, visit};

/// What can stop a supervisor's action on alerts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    #[error("no alert for visit {0}")]
    NotFound(String),
    #[error("only a supervisor or an administrator may close an alert")]
    NotSupervisor,
    #[error("the alert is already closed")]
    AlreadyClosed,
    #[error("say what was done (a note of 1 to {MAX_NOTE_CHARS} characters)")]
    BadNote,
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("a stored alert could not be read: {0}")]
    Corrupt(String),
}

/// Which alerts to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Open,
    All,
}

impl Listing {
    /// A list's `status` parameter: `open` (the default) or `all`.
    pub fn parse(status: Option<&str>) -> Result<Self, String> {
        match status {
            None | Some("open") => Ok(Self::Open),
            Some("all") => Ok(Self::All),
            Some(other) => Err(format!("{:?} is not a status (open, all)", other.chars().take(32).collect::<String>())),
        }
    }
}

/// Audit action of a supervisor's closing note.
pub const CLOSE_ACTION: &str = "alert.close";

/// Raises alerts for these elders' red-risk and incident visits and closes those
/// whose follow-up is done, inside the push's transaction (`now`: when it arrived).
/// A supervisor's note is final: these rows never reopen what it closed.
pub(crate) async fn raise_and_close<C: ConnectionTrait>(
    db: &C,
    elders: &[&ElderRows],
    now: Timestamp,
) -> Result<(), DbErr> {
    let ids: Vec<String> = elders.iter().map(|rows| rows.elder.elder_id.to_string()).collect();
    let mut stored: HashMap<String, Vec<alert::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for found in alert::Entity::find().filter(alert::Column::ElderId.is_in(chunk.to_vec())).all(db).await? {
            stored.entry(found.elder_id.clone()).or_default().push(found);
        }
    }
    let mut new = Vec::new();
    for rows in elders {
        let community = rows.elder.community.to_string();
        let before = stored.remove(&rows.elder.elder_id.to_string()).unwrap_or_default();
        let facts = alerts(rows);
        for fact in &facts {
            let wanted = row_of(fact, &community, now);
            match before.iter().find(|old| old.visit_id == wanted.visit_id) {
                None => new.push(wanted),
                Some(old) if old.closed_how.as_deref() == Some(AlertClosure::SupervisorNote.as_str()) => {
                    if old.community_id != community {
                        update(db, alert::Model { community_id: community.clone(), ..old.clone() }).await?;
                    }
                }
                Some(old) => {
                    let wanted = alert::Model { received_at: old.received_at, ..wanted };
                    if *old != wanted {
                        update(db, wanted).await?;
                    }
                }
            }
        }
        // Open alerts whose visit no longer alerts: corrected to neither.
        let still: Vec<String> = facts.iter().map(|fact| fact.visit_id.to_string()).collect();
        for old in before.iter().filter(|a| a.closed_at.is_none() && !still.contains(&a.visit_id)) {
            let closed = alert::Model {
                closed_how: Some(AlertClosure::Corrected.as_str().to_owned()),
                closed_at: Some(now.as_millis()),
                community_id: community.clone(),
                ..old.clone()
            };
            update(db, closed).await?;
        }
    }
    for chunk in new.chunks(500) {
        let models: Vec<alert::ActiveModel> = chunk.iter().cloned().map(active).collect();
        alert::Entity::insert_many(models).exec_without_returning(db).await?;
    }
    Ok(())
}

fn row_of(fact: &AlertFacts, community: &str, now: Timestamp) -> alert::Model {
    let follow_ups: Vec<String> = fact.follow_ups.iter().map(ToString::to_string).collect();
    alert::Model {
        visit_id: fact.visit_id.to_string(),
        elder_id: fact.elder_id.to_string(),
        community_id: community.to_owned(),
        raised_at: fact.raised_at.as_millis(),
        received_at: now.as_millis(),
        red_risk: fact.red_risk,
        incident: fact.incident.map(|kind| kind.as_str().to_owned()),
        follow_ups: serde_json::to_string(&follow_ups).unwrap_or_else(|_| "[]".into()),
        closed_how: fact.closed.map(|(how, _)| how.as_str().to_owned()),
        closed_at: fact.closed.map(|(_, at)| at.as_millis()),
        closed_by: None,
        note: None,
    }
}

fn active(model: alert::Model) -> alert::ActiveModel {
    alert::ActiveModel {
        visit_id: Set(model.visit_id),
        elder_id: Set(model.elder_id),
        community_id: Set(model.community_id),
        raised_at: Set(model.raised_at),
        received_at: Set(model.received_at),
        red_risk: Set(model.red_risk),
        incident: Set(model.incident),
        follow_ups: Set(model.follow_ups),
        closed_how: Set(model.closed_how),
        closed_at: Set(model.closed_at),
        closed_by: Set(model.closed_by),
        note: Set(model.note),
    }
}

async fn update<C: ConnectionTrait>(db: &C, model: alert::Model) -> Result<(), DbErr> {
    alert::Entity::update(active(model)).exec(db).await.map(|_| ())
}

/// The alerts of the communities in `scope`: open first, then the newest.
pub async fn list(
    db: &DatabaseConnection,
    tree: &AreaTree,
    scope: Scope,
    listing: Listing,
    limit: u64,
) -> Result<Vec<AlertView>, AlertError> {
    let mut query = alert::Entity::find();
    if let Scope::Area(_) = scope {
        let communities: Vec<String> = tree.communities_in(scope).iter().map(ToString::to_string).collect();
        query = query.filter(alert::Column::CommunityId.is_in(communities));
    }
    if listing == Listing::Open {
        query = query.filter(alert::Column::ClosedAt.is_null());
    }
    // NULL sorts differently on SQLite and PostgreSQL: order by "is closed" instead.
    let rows = query
        .order_by(alert::Column::ClosedAt.is_not_null(), Order::Asc)
        .order_by(alert::Column::RaisedAt, Order::Desc)
        .order_by(alert::Column::VisitId, Order::Asc)
        .limit(limit)
        .all(db)
        .await?;
    views(db, tree, rows).await
}

/// Closes an alert with a supervisor's note, and audits it.
pub async fn close(
    db: &DatabaseConnection,
    tree: &AreaTree,
    roles: &RoleTable,
    caller: &Caller,
    visit: &str,
    note: &str,
    now: Timestamp,
) -> Result<AlertView, AlertError> {
    let (by, scope) = (caller.user, caller.scope);
    if !roles.permits(caller.role, Operation::CloseAlert) {
        return Err(AlertError::NotSupervisor);
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > MAX_NOTE_CHARS {
        return Err(AlertError::BadNote);
    }
    let txn = db.begin().await?;
    let found = alert::Entity::find_by_id(visit.to_owned()).one(&txn).await?;
    // Out of scope reads as unknown: a supervisor learns nothing of other areas.
    let Some(old) = found.filter(|a| a.community_id.parse().is_ok_and(|c| tree.scope_contains(scope, c))) else {
        return Err(AlertError::NotFound(visit.to_owned()));
    };
    if old.closed_at.is_some() {
        return Err(AlertError::AlreadyClosed);
    }
    let closed = alert::Model {
        closed_how: Some(AlertClosure::SupervisorNote.as_str().to_owned()),
        closed_at: Some(now.as_millis()),
        closed_by: Some(by.to_string()),
        note: Some(note.to_owned()),
        ..old
    };
    update(&txn, closed.clone()).await?;
    let detail = serde_json::json!({ "visit": visit, "elder": closed.elder_id, "note": note });
    audit::record(&txn, now, Some(&by.to_string()), CLOSE_ACTION, detail).await?;
    txn.commit().await?;
    let mut view = views(db, tree, vec![closed]).await?;
    view.pop().ok_or_else(|| AlertError::NotFound(visit.to_owned()))
}

/// The names of these elders, by stored id (for the alert and warning lists).
pub(crate) async fn elder_names(db: &DatabaseConnection, ids: &[String]) -> Result<HashMap<String, String>, DbErr> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String)> = elder::Entity::find()
            .select_only()
            .columns([elder::Column::ElderId, elder::Column::Name])
            .filter(elder::Column::ElderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(found);
    }
    Ok(names)
}

/// Names the elders, places, assistants and closers of these rows.
async fn views(
    db: &DatabaseConnection,
    tree: &AreaTree,
    rows: Vec<alert::Model>,
) -> Result<Vec<AlertView>, AlertError> {
    let elder_ids: Vec<String> = rows.iter().map(|a| a.elder_id.clone()).collect();
    let visit_ids: Vec<String> = rows.iter().map(|a| a.visit_id.clone()).collect();
    let elders = elder_names(db, &elder_ids).await?;
    let mut assistants: HashMap<String, String> = HashMap::new();
    for chunk in visit_ids.chunks(500) {
        let found: Vec<(String, String)> = visit::Entity::find()
            .select_only()
            .columns([visit::Column::VisitId, visit::Column::AssistantId])
            .filter(visit::Column::VisitId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        assistants.extend(found);
    }
    let named: Vec<String> =
        assistants.values().chain(rows.iter().filter_map(|a| a.closed_by.as_ref())).cloned().collect();
    let people: BTreeMap<String, String> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::DisplayName])
        .filter(user::Column::Id.is_in(named))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let name = |id: Option<&String>| id.and_then(|id| people.get(id)).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|a| {
            let corrupt = |what: &str| AlertError::Corrupt(format!("alert {}: {what}", a.visit_id));
            let place =
                a.community_id.parse().map(|community| Place::of(tree, community)).map_err(|_| corrupt("community"))?;
            let closed = match (a.closed_how.as_deref(), a.closed_at) {
                (Some(how), Some(at)) => Some(AlertClosed {
                    how: AlertClosure::parse(how).ok_or_else(|| corrupt("closure"))?,
                    at: Timestamp::from_millis(at),
                    by: a.closed_by.as_ref().map(|id| name(Some(id))),
                    note: a.note.clone(),
                }),
                _ => None,
            };
            Ok(AlertView {
                visit_id: a.visit_id.parse().map_err(|_| corrupt("visit id"))?,
                elder_id: a.elder_id.parse().map_err(|_| corrupt("elder id"))?,
                elder_name: elders.get(&a.elder_id).cloned().unwrap_or_default(),
                street: place.street,
                community: place.community,
                raised_at: Timestamp::from_millis(a.raised_at),
                received_at: Timestamp::from_millis(a.received_at),
                red_risk: a.red_risk,
                incident: match a.incident.as_deref() {
                    Some(kind) => Some(IncidentKind::parse(kind).ok_or_else(|| corrupt("incident"))?),
                    None => None,
                },
                assistant: name(assistants.get(&a.visit_id)),
                closed,
            })
        })
        .collect()
}
