//! Early warnings kept in the `warnings` table, one open per elder and reason, by the
//! rules of `jinlin_shared::warning`, derived from the documents the server holds.
//!
//! Two things bring a warning up to date, and neither rescans the city:
//! - a push re-derives the warnings of the elders it writes, in its own transaction
//!   (like alerts), so a visit that syncs in closes its warning as it lands;
//! - time: each elder's row in `warning_checks` says when its warnings can next change
//!   with no new change (a warning day, an interval running out, a follow-up falling
//!   due). [`sweep`] re-derives only the elders whose time has come, from their stored
//!   documents, under their community's lock; the server runs it every minute and
//!   before it lists warnings.
//!
//! Each check row names the policy it was judged by: a server started with another
//! policy (or first started after the upgrade that brought warnings) sweeps every
//! elder once, in the background ([`start`]).

use std::collections::{BTreeMap, HashMap};

use jinlin_shared::area::{AreaTree, Scope};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::Place;
use jinlin_shared::time::Timestamp;
use jinlin_shared::warning::{WarningClosed, WarningClosure, WarningLevel, WarningReason, WarningView};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};

use crate::alerts::Listing;
use crate::db::entity::{document, warning, warning_check};
use crate::state::AppState;

/// Elders one sweep transaction re-derives at most.
const SWEEP_BATCH: u64 = 500;

/// How often the server sweeps when nothing asks it to.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What can stop the warnings being listed or brought up to date.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarningError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("a stored warning could not be read: {0}")]
    Corrupt(String),
}

/// Re-derives, at `now`, every elder whose warnings may have changed with time alone,
/// from its stored document: batch by batch, each community's elders in one
/// transaction under the community's lock (so a push of the same elder waits, and
/// neither writes warnings from a document the other has replaced). Returns how many
/// elders it re-derived.
pub async fn sweep(state: &AppState, now: Timestamp) -> Result<usize, WarningError> {
    let mut swept = 0;
    loop {
        let due: Vec<String> = warning_check::Entity::find()
            .select_only()
            .column(warning_check::Column::ElderId)
            .filter(warning_check::Column::NextAt.lte(now.as_millis()))
            .order_by(warning_check::Column::NextAt, Order::Asc)
            .limit(SWEEP_BATCH)
            .into_tuple()
            .all(&state.db)
            .await?;
        if due.is_empty() {
            return Ok(swept);
        }
        let placed: Vec<(String, String)> = document::Entity::find()
            .select_only()
            .columns([document::Column::ElderId, document::Column::CommunityId])
            .filter(document::Column::ElderId.is_in(due.clone()))
            .into_tuple()
            .all(&state.db)
            .await?;
        let mut by_community: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (elder, community) in placed {
            by_community.entry(community).or_default().push(elder);
        }
        let mut progressed = 0;
        for (community, elders) in by_community {
            progressed += sweep_community(state, &community, &elders, now).await?;
        }
        // A check with no document (never expected) would come up again and again.
        if progressed < due.len() {
            let txn = state.begin_write().await?;
            warning_check::Entity::delete_many()
                .filter(warning_check::Column::ElderId.is_in(due))
                .filter(warning_check::Column::ElderId.not_in_subquery(
                    Query::select().column(document::Column::ElderId).from(document::Entity).to_owned(),
                ))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
        }
        if progressed == 0 {
            // Nothing could be re-derived (each elder moved while being read): the
            // next sweep, a minute on, finds them in their new communities.
            return Ok(swept);
        }
        swept += progressed;
    }
}

/// Re-derives these elders of one community (any since moved away are the other
/// community's to sweep), each check moved on whatever its document holds.
async fn sweep_community(
    state: &AppState,
    community: &str,
    elders: &[String],
    now: Timestamp,
) -> Result<usize, WarningError> {
    let txn = state.begin_write().await?;
    crate::db::lock::community_by_id(&*txn, community).await?;
    let stored = document::Entity::find()
        .filter(document::Column::ElderId.is_in(elders.to_vec()))
        .filter(document::Column::CommunityId.eq(community))
        .all(&*txn)
        .await?;
    let mut rows = Vec::with_capacity(stored.len());
    let mut unreadable = Vec::new();
    for row in &stored {
        let read = ElderDocument::load(&row.snapshot, state.actor.clone()).and_then(|doc| materialise(&doc));
        match read {
            Ok(read) => rows.push(read),
            Err(error) => {
                // One bad document never stops the others: it is left unchecked (a
                // push that replaces it is judged again) and said in the log.
                tracing::error!(elder = %row.elder_id, %error, "a stored document could not be read for its warnings");
                unreadable.push(row.elder_id.clone());
            }
        }
    }
    let borrowed: Vec<&ElderRows> = rows.iter().collect();
    crate::sync::rows::warnings::reconcile(&*txn, &borrowed, (&state.policy, &state.policy_version), now).await?;
    if !unreadable.is_empty() {
        warning_check::Entity::update_many()
            .col_expr(warning_check::Column::NextAt, Expr::value(Option::<i64>::None))
            .filter(warning_check::Column::ElderId.is_in(unreadable))
            .exec(&*txn)
            .await?;
    }
    txn.commit().await?;
    Ok(stored.len())
}

/// Makes every elder judged by another policy than `policy`, or never judged (a
/// database from before warnings), due for a sweep now. Returns how many.
pub async fn schedule_unjudged(db: &DatabaseConnection, policy: &Policy) -> Result<u64, DbErr> {
    let version = policy.version().to_string();
    let stale = warning_check::Entity::update_many()
        .col_expr(warning_check::Column::NextAt, Expr::value(0_i64))
        .filter(warning_check::Column::PolicyVersion.ne(version))
        .exec(db)
        .await?
        .rows_affected;
    let backend = db.get_database_backend();
    let unjudged = db
        .execute_raw(sea_orm::Statement::from_string(
            backend,
            "INSERT INTO warning_checks (elder_id, next_at, policy_version) \
             SELECT d.elder_id, 0, '' FROM documents d \
             WHERE NOT EXISTS (SELECT 1 FROM warning_checks c WHERE c.elder_id = d.elder_id)",
        ))
        .await?
        .rows_affected();
    Ok(stale + unjudged)
}

/// The warnings of the communities in `scope`, brought up to date first: open first,
/// those escalated longest first, then the newest.
pub async fn list(
    state: &AppState,
    tree: &AreaTree,
    scope: Scope,
    listing: Listing,
    limit: u64,
    now: Timestamp,
) -> Result<Vec<WarningView>, WarningError> {
    sweep(state, now).await?;
    let mut query = warning::Entity::find();
    if let Scope::Area(_) = scope {
        let communities: Vec<String> = tree.communities_in(scope).iter().map(ToString::to_string).collect();
        query = query.filter(warning::Column::CommunityId.is_in(communities));
    }
    if listing == Listing::Open {
        query = query.filter(warning::Column::ClosedAt.is_null());
    }
    // NULL sorts differently on SQLite and PostgreSQL: order by "is closed" instead.
    let rows = query
        .order_by(warning::Column::ClosedAt.is_not_null(), Order::Asc)
        .order_by(warning::Column::EscalatesAt, Order::Asc)
        .order_by(warning::Column::Id, Order::Desc)
        .limit(limit)
        .all(&state.db)
        .await?;
    let ids: Vec<String> = rows.iter().map(|w| w.elder_id.clone()).collect();
    let names = crate::alerts::elder_names(&state.db, &ids).await?;
    rows.into_iter().map(|w| view(tree, &names, w, now)).collect()
}

fn view(
    tree: &AreaTree,
    names: &HashMap<String, String>,
    row: warning::Model,
    now: Timestamp,
) -> Result<WarningView, WarningError> {
    let corrupt = |what: &str| WarningError::Corrupt(format!("warning {}: {what}", row.id));
    let place =
        row.community_id.parse().map(|community| Place::of(tree, community)).map_err(|_| corrupt("community"))?;
    let escalates_at = Timestamp::from_millis(row.escalates_at);
    let closed = match (row.closed_how.as_deref(), row.closed_at) {
        (Some(how), Some(at)) => Some(WarningClosed {
            how: WarningClosure::parse(how).ok_or_else(|| corrupt("closure"))?,
            at: Timestamp::from_millis(at),
        }),
        _ => None,
    };
    let level = WarningLevel::at(escalates_at, closed.map_or(now, |closed| closed.at));
    Ok(WarningView {
        elder_id: row.elder_id.parse().map_err(|_| corrupt("elder id"))?,
        elder_name: names.get(&row.elder_id).cloned().unwrap_or_default(),
        street: place.street,
        community: place.community,
        reason: WarningReason::parse(&row.reason).ok_or_else(|| corrupt("reason"))?,
        since: Timestamp::from_millis(row.since),
        escalates_at,
        level,
        opened_at: Timestamp::from_millis(row.opened_at),
        closed,
    })
}

/// The server's sweeper: first makes every elder judged by another policy (or never
/// judged) due, then sweeps every minute until `stop` says so. A failed sweep is said
/// in the log and tried again a minute on; it never stops the server.
pub async fn keep_up(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    match schedule_unjudged(&state.db, &state.policy).await {
        Ok(0) => {}
        Ok(elders) => tracing::info!(elders, "warnings: elders to judge by this policy"),
        Err(error) => tracing::error!(%error, "warnings: the elders to judge again could not be marked"),
    }
    loop {
        let started = std::time::Instant::now();
        match sweep(&state, state.now()).await {
            Ok(0) => {}
            Ok(elders) => tracing::info!(elders, took_ms = started.elapsed().as_millis() as u64, "warnings: swept"),
            Err(error) => tracing::error!(%error, "warnings: the sweep failed; trying again in a minute"),
        }
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => return,
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}
