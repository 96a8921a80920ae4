//! The typed read gives what the JSON read gives (`codec::read_map`, then serde over
//! the JSON): the same record, the same conflicts, the same refusal, on documents made
//! through the document's own edits and on documents written with raw Automerge calls.

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ROOT};

use super::*;
use crate::document::{ElderDocument, ElderRecord};

/// Both reads of `doc`, conflicts sorted by path.
fn both(doc: &Automerge) -> [Result<(ElderRecord, Vec<RawConflict>), DocumentError>; 2] {
    let sorted = |mut found: Vec<RawConflict>| {
        found.sort_by(|a, b| a.path.cmp(&b.path));
        found
    };
    let mut typed = Vec::new();
    let typed = read_record::<ElderRecord>(doc, &mut typed).map(|record| (record, sorted(typed)));
    let mut json = Vec::new();
    let json = ElderDocument::read_upgraded(doc, &mut json).map(|record| (record, sorted(json)));
    [typed, json]
}

fn assert_read_alike(doc: &Automerge) -> Result<(ElderRecord, Vec<RawConflict>), DocumentError> {
    let [typed, json] = both(doc);
    assert_eq!(typed, json);
    typed
}

/// The schema's fixture: every part of the record (contacts, notes, visits one voided
/// and one red with its follow-up, a resolved follow-up, a status change, a move, a
/// tier) and an open conflict.
fn lived_in() -> Automerge {
    Automerge::load(include_bytes!("../../../tests/fixtures/elder-v1.automerge")).expect("the fixture loads")
}

/// `write` made on two forks of `doc` at once, merged.
fn concurrently(doc: &Automerge, write: impl Fn(&mut automerge::transaction::Transaction<'_>, u8)) -> Automerge {
    let mut merged = doc.fork().with_actor(ActorId::from([8; 16]));
    let mut other = doc.fork().with_actor(ActorId::from([9; 16]));
    for (replica, n) in [(&mut merged, 1), (&mut other, 2)] {
        let mut tx = replica.transaction();
        write(&mut tx, n);
        tx.commit();
    }
    merged.merge(&mut other).expect("a merge");
    merged
}

#[test]
fn a_lived_in_record_and_its_conflicts_read_alike() {
    let (record, conflicts) = assert_read_alike(&lived_in()).expect("reads");
    assert_eq!(record.visits.len(), 2);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
}

#[test]
fn unknown_fields_their_conflicts_and_lists_read_alike() {
    let doc = lived_in();
    let doc = concurrently(&doc, |tx, n| {
        let extra = tx.put_object(ROOT, "extra", ObjType::Map).expect("a map");
        tx.put(&extra, "k", i64::from(n)).expect("a value");
        let list = tx.put_object(&extra, "list", ObjType::List).expect("a list");
        tx.insert(&list, 0, "a").expect("an item");
    });
    let (_, conflicts) = assert_read_alike(&doc).expect("reads");
    let paths: Vec<_> = conflicts.iter().map(|c| c.path.join(".")).collect();
    assert_eq!(paths.len(), 2, "the fixture's and the one under the unknown key: {paths:?}");
    assert!(paths.contains(&"extra".to_owned()));
}

#[test]
fn insurance_steps_made_twice_read_as_one_collection_alike() {
    let doc = lived_in();
    let doc = concurrently(&doc, |tx, _| {
        tx.put_object(ROOT, schema::INSURANCE_STEPS, ObjType::Map).expect("a map");
    });
    let (_, conflicts) = assert_read_alike(&doc).expect("reads");
    assert_eq!(conflicts.len(), 1, "only the phone: the steps are one collection");
    // A conflict inside the winning map is read by both, and so is its refusal.
    let steps = crate::document::codec::map_at(&doc, &[schema::INSURANCE_STEPS]).expect("the steps");
    let doc = concurrently(&doc, |tx, n| {
        tx.put(&steps, "not-an-entry-id", i64::from(n)).expect("a value");
    });
    assert!(assert_read_alike(&doc).is_err());
}

#[test]
fn refusals_read_alike() {
    let doc = lived_in();
    let wrong_type = concurrently(&doc, |tx, _| {
        let profile = crate::document::codec::map_at(tx, &[schema::PROFILE]).expect("the profile");
        tx.put(&profile, "name", 5_i64).expect("a number for a name");
    });
    let refused = assert_read_alike(&wrong_type).expect_err("a name must be text");
    assert!(matches!(&refused, DocumentError::Schema { path, .. } if path == "profile.name"), "{refused:?}");

    let mut deep = doc.fork();
    let mut tx = deep.transaction();
    let mut obj = tx.put_object(ROOT, "deep", ObjType::Map).expect("a map");
    for _ in 0..MAX_DEPTH + 2 {
        obj = tx.put_object(&obj, "d", ObjType::Map).expect("a map");
    }
    tx.commit();
    let refused = assert_read_alike(&deep).expect_err("too deep");
    assert!(matches!(&refused, DocumentError::Schema { reason, .. } if reason.contains("nested deeper")));

    let mut counter = doc.fork();
    let mut tx = counter.transaction();
    tx.put(ROOT, "tally", automerge::ScalarValue::counter(1)).expect("a counter");
    tx.commit();
    assert!(assert_read_alike(&counter).is_err(), "a counter is no value of a record");
}

#[test]
fn a_map_at_past_heads_reads_alike() {
    use std::collections::BTreeMap;

    use crate::elder::Placement;
    use crate::ids::{EntryId, VisitId};
    use crate::visit::Visit;

    let doc = lived_in();
    let typed_and_json = |key: &str, heads: &[automerge::ChangeHash]| {
        let obj = crate::document::codec::map_at(&doc, &[key]).expect("the map");
        let json = codec::read_map(&doc, &obj, Some(heads), &mut vec![key.to_owned()], None).expect("reads");
        (obj, json)
    };
    let mut seen_visits = 0;
    for change in doc.get_changes(&[]) {
        let heads = [change.hash()];
        let (obj, json) = typed_and_json(schema::VISITS, &heads);
        let typed: BTreeMap<VisitId, Visit> = read_at(&doc, obj, &[schema::VISITS], Some(&heads)).expect("reads");
        assert_eq!(typed, serde_json::from_value::<BTreeMap<VisitId, Visit>>(json).expect("types"));
        seen_visits = seen_visits.max(typed.len());
        let (obj, json) = typed_and_json(schema::PLACEMENTS, &heads);
        let typed: BTreeMap<EntryId, Placement> =
            read_at(&doc, obj, &[schema::PLACEMENTS], Some(&heads)).expect("reads");
        assert_eq!(typed, serde_json::from_value::<BTreeMap<EntryId, Placement>>(json).expect("types"));
    }
    assert_eq!(seen_visits, 2, "the visits were read as they grew");
    // Read as it is now, a map reads as it does at the document's own heads.
    let (obj, _) = typed_and_json(schema::VISITS, &doc.get_heads());
    let now: BTreeMap<VisitId, Visit> = read_at(&doc, obj.clone(), &[schema::VISITS], None).expect("reads");
    let at_heads: BTreeMap<VisitId, Visit> =
        read_at(&doc, obj, &[schema::VISITS], Some(&doc.get_heads())).expect("reads");
    assert_eq!((now.len(), &now), (2, &at_heads));
    // A refusal at past heads names the field from the root.
    let mut broken = doc.fork();
    let placements = crate::document::codec::map_at(&broken, &[schema::PLACEMENTS]).expect("the placements");
    let mut tx = broken.transaction();
    tx.put(&placements, "not-an-entry", 1_i64).expect("a value");
    tx.commit();
    let heads = broken.get_heads();
    let refused = read_at::<BTreeMap<EntryId, Placement>>(&broken, placements, &[schema::PLACEMENTS], Some(&heads))
        .expect_err("not a placement");
    assert!(matches!(&refused, DocumentError::Schema { path, .. } if path.starts_with("placements")), "{refused:?}");
}
