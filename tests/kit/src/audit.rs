//! The central database checked against itself, after processes were killed and
//! restarted over it, or connections cut under them.

use std::collections::{BTreeMap, BTreeSet};

use jinlin_server::db::entity::{
    community_log, conflict, document, elder, follow_up, insurance_case, log_entry, visit as visit_row,
};
use jinlin_shared::ActorId;
use jinlin_shared::document::ElderDocument;
use jinlin_shared::materialise::{ElderRows, VisitRow, materialise};
use jinlin_shared::wire::Heads;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

/// What the database holds, after checking it against itself:
/// - each community's log is numbered 1..=last_seq without gaps or duplicates;
/// - every document's snapshot loads, and every change it holds is logged once, under
///   its elder (no change logged without its document, none held but never logged);
/// - the materialised rows (elder, visits, follow-ups, conflicts, insurance cases) equal a fresh
///   materialisation of the snapshot.
#[derive(Debug)]
pub struct Stored {
    /// Change hashes (hex) per elder, as its document holds them.
    pub changes: BTreeMap<String, BTreeSet<String>>,
    /// Heads of each elder's stored document.
    pub heads: BTreeMap<String, Heads>,
    pub visits: BTreeSet<String>,
    pub log_entries: usize,
}

impl Stored {
    pub fn all_changes(&self) -> BTreeSet<String> {
        self.changes.values().flatten().cloned().collect()
    }
}

pub async fn check_database(db: &DatabaseConnection) -> Stored {
    // One snapshot of every table: workstations may still be syncing while the audit
    // reads, and tables read one after another outside a transaction would disagree
    // (a push committed between two reads). On PostgreSQL a read transaction needs
    // REPEATABLE READ for one snapshot; on SQLite (WAL) every read transaction has one.
    let isolation = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => Some(sea_orm::IsolationLevel::RepeatableRead),
        _ => None,
    };
    let txn = db.begin_with_config(isolation, None).await.unwrap();
    let stored = check_in(&txn).await;
    txn.commit().await.unwrap();
    stored
}

async fn check_in(db: &impl ConnectionTrait) -> Stored {
    let entries = log_entry::Entity::find().all(db).await.unwrap();
    let logs = community_log::Entity::find().all(db).await.unwrap();
    let mut seqs: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for entry in &entries {
        seqs.entry(entry.community_id.as_str()).or_default().push(entry.seq);
    }
    for log in &logs {
        let mut numbers = seqs.remove(log.community_id.as_str()).unwrap_or_default();
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=log.last_seq).collect();
        assert_eq!(numbers, expected, "the log of community {} is numbered 1..={}", log.community_id, log.last_seq);
    }
    assert!(seqs.is_empty(), "log entries of communities without a log row: {seqs:?}");
    let documents = document::Entity::find().all(db).await.unwrap();
    let mut by_elder: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut heads = BTreeMap::new();
    let mut visits = BTreeSet::new();
    for stored in &documents {
        let id = &stored.elder_id;
        let doc = ElderDocument::load(&stored.snapshot, ActorId::random())
            .unwrap_or_else(|error| panic!("the snapshot of {id} does not load: {error}"));
        let history: BTreeSet<String> = doc.history().iter().map(|c| c.hash.to_string()).collect();
        assert_eq!(stored.change_count, history.len() as i64, "change_count of {id}");
        by_elder.insert(id.clone(), history);
        let stored_heads: Heads = serde_json::from_str(&stored.heads).unwrap();
        assert_eq!(stored_heads, Heads::new(doc.heads()), "the heads column of {id}");
        assert_eq!(doc.elder_id().to_string(), *id);
        assert_eq!(doc.community().map(|c| c.to_string()).as_ref(), Some(&stored.community_id));
        heads.insert(id.clone(), stored_heads);

        let rows = materialise(&doc).unwrap();
        let elder_row = elder::Entity::find_by_id(id.clone()).one(db).await.unwrap().expect("the elder's row");
        assert_eq!(json(&elder_row.row), serde_json::to_value(&rows.elder).unwrap(), "the elders row of {id}");
        assert_eq!(elder_row.community_id, stored.community_id);

        let stored_visits: BTreeMap<String, serde_json::Value> = visit_row::Entity::find()
            .filter(visit_row::Column::ElderId.eq(id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|v| (v.visit_id.clone(), stored_visit(&v)))
            .collect();
        let fresh_visits: BTreeMap<String, serde_json::Value> =
            rows.visits.iter().map(|v| (v.visit_id.to_string(), fresh_visit(v))).collect();
        assert_same_rows("visits", id, &stored_visits, &fresh_visits);
        visits.extend(stored_visits.into_keys());

        check_other_rows(db, id, &rows).await;
    }
    check_log_names_each_change_once(&entries, &by_elder);
    assert_eq!(elder::Entity::find().all(db).await.unwrap().len(), documents.len(), "one elders row per document");
    assert_eq!(
        visit_row::Entity::find().all(db).await.unwrap().len(),
        visits.len(),
        "no visits rows of unknown elders"
    );
    Stored { changes: by_elder, heads, visits, log_entries: entries.len() }
}

/// Every change a document holds is in a community's log exactly once, under its
/// own elder, and the logs name no change that no document holds.
/// The follow-up, conflict and insurance case rows of elder `id` equal `rows`'.
async fn check_other_rows(db: &impl ConnectionTrait, id: &str, rows: &ElderRows) {
    let stored_follow_ups: BTreeMap<String, serde_json::Value> = follow_up::Entity::find()
        .filter(follow_up::Column::ElderId.eq(id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.follow_up_id, json(&f.row)))
        .collect();
    let fresh_follow_ups: BTreeMap<String, serde_json::Value> =
        rows.follow_ups.iter().map(|f| (f.follow_up_id.to_string(), serde_json::to_value(f).unwrap())).collect();
    assert_same_rows("follow_ups", id, &stored_follow_ups, &fresh_follow_ups);

    let stored_conflicts: BTreeMap<String, serde_json::Value> = conflict::Entity::find()
        .filter(conflict::Column::ElderId.eq(id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.field, json(&c.row)))
        .collect();
    let fresh_conflicts: BTreeMap<String, serde_json::Value> =
        rows.conflicts.iter().map(|c| (c.field.clone(), serde_json::to_value(c).unwrap())).collect();
    assert_same_rows("conflicts", id, &stored_conflicts, &fresh_conflicts);

    let stored_cases: BTreeMap<String, serde_json::Value> = insurance_case::Entity::find()
        .filter(insurance_case::Column::ElderId.eq(id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.visit_id.clone(), serde_json::to_value(c.case().unwrap()).unwrap()))
        .collect();
    let fresh_cases: BTreeMap<String, serde_json::Value> =
        rows.insurance_cases.iter().map(|c| (c.visit_id.to_string(), serde_json::to_value(c).unwrap())).collect();
    assert_same_rows("insurance_cases", id, &stored_cases, &fresh_cases);
}

fn check_log_names_each_change_once(entries: &[log_entry::Model], by_elder: &BTreeMap<String, BTreeSet<String>>) {
    let mut logged: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries {
        for hash in entry.changes().unwrap() {
            let hash = hash.to_string();
            *logged.entry(hash.clone()).or_default() += 1;
            assert!(
                by_elder.get(&entry.elder_id).is_some_and(|hashes| hashes.contains(&hash)),
                "log entry {}#{} names change {hash} of elder {}, which that elder's document does not hold",
                entry.community_id,
                entry.seq,
                entry.elder_id
            );
        }
    }
    let repeated: Vec<_> = logged.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "changes logged more than once: {repeated:?}");
    let held: usize = by_elder.values().map(BTreeSet::len).sum();
    assert_eq!(logged.len(), held, "every change the documents hold is in a log");
}

/// A stored visit row, columns and details, as one value to compare.
fn stored_visit(row: &visit_row::Model) -> serde_json::Value {
    serde_json::json!({
        "elder": row.elder_id, "visit": row.visit_id,
        "assistant": row.assistant_id, "device": row.device_id,
        "visitedAt": row.visited_at, "recordedAt": row.recorded_at,
        "mode": row.mode, "outcome": row.outcome, "risk": row.risk,
        "incident": row.incident, "voided": row.voided, "details": json(&row.row),
    })
}

/// What a freshly materialised visit row should be stored as, in [`stored_visit`]'s form.
fn fresh_visit(row: &VisitRow) -> serde_json::Value {
    let (keys, details) = row.split();
    serde_json::json!({
        "elder": keys.elder_id.to_string(), "visit": keys.visit_id.to_string(),
        "assistant": keys.assistant.to_string(), "device": keys.device.to_string(),
        "visitedAt": keys.visited_at.as_millis(), "recordedAt": keys.recorded_at.as_millis(),
        "mode": keys.mode.as_str(), "outcome": keys.outcome.as_str(), "risk": keys.risk.as_str(),
        "incident": details.incident.as_ref().map(|i| i.kind.as_str()), "voided": details.void.is_some(),
        "details": serde_json::to_value(&details).unwrap(),
    })
}

/// Compares an elder's stored rows of `table` with fresh ones: first the keys, then
/// each row, so a failure names the row that differs.
fn assert_same_rows(
    table: &str,
    elder: &str,
    stored: &BTreeMap<String, serde_json::Value>,
    fresh: &BTreeMap<String, serde_json::Value>,
) {
    let stored_keys: Vec<&String> = stored.keys().collect();
    let fresh_keys: Vec<&String> = fresh.keys().collect();
    assert_eq!(stored_keys, fresh_keys, "the {table} rows of elder {elder}: stored, then materialised afresh");
    for (key, row) in stored {
        assert_eq!(row, &fresh[key], "{table} row {key} of elder {elder}: stored, then materialised afresh");
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}
