//! The operations read from a change's columns are the ones Automerge decodes from it
//! (`Change::decode`, the legacy form), for every kind of operation a document can
//! hold; and bytes that do not read are refused, never a panic.

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, Change, ObjType, ROOT, ScalarValue};
use proptest::prelude::*;

use super::*;
use crate::document::craft;

/// The operations `change` holds, as Automerge's legacy decoder reads them, in the
/// reader's form (borrowing from `expanded`).
fn decoded_by_automerge<'a>(change: &Change, expanded: &'a automerge::ExpandedChange) -> Vec<ChangeOp<'a>> {
    let actors: Vec<&ActorId> = std::iter::once(change.actor_id()).chain(change.other_actor_ids()).collect();
    let named = |id: &OpId| OpRef {
        actor: actors.iter().position(|a| *a == id.actor()).expect("an actor of the change"),
        counter: id.counter(),
    };
    expanded
        .operations
        .iter()
        .map(|op| ChangeOp {
            obj: match &op.obj {
                ObjectId::Root => None,
                ObjectId::Id(id) => Some(named(id)),
            },
            key: match &op.key {
                Key::Map(key) => OpKey::Map(key.as_str()),
                Key::Seq(ElementId::Head) => OpKey::Seq(None),
                Key::Seq(ElementId::Id(id)) => OpKey::Seq(Some(named(id))),
            },
            insert: op.insert,
            action: match &op.action {
                OpType::Make(kind) => OpAction::Make(*kind),
                OpType::Delete => OpAction::Delete,
                OpType::Increment(_) => OpAction::Increment,
                OpType::MarkBegin(_) | OpType::MarkEnd(_) => OpAction::Mark,
                OpType::Put(value) => OpAction::Put(op_value(value)),
            },
            preds: op.pred.len() as u64,
        })
        .collect()
}

/// A scalar as the reader tells scalars apart.
fn op_value(value: &ScalarValue) -> OpValue<'_> {
    match value {
        ScalarValue::Null => OpValue::Null,
        ScalarValue::Boolean(b) => OpValue::Bool(*b),
        ScalarValue::Int(i) => OpValue::Int(*i),
        ScalarValue::Uint(u) => OpValue::Uint(*u),
        ScalarValue::Str(s) => OpValue::Str(s.as_str()),
        ScalarValue::F64(_) => OpValue::Other("a float"),
        ScalarValue::Bytes(_) => OpValue::Other("bytes"),
        ScalarValue::Counter(_) => OpValue::Other("a counter"),
        ScalarValue::Timestamp(_) => OpValue::Other("a timestamp"),
        ScalarValue::Unknown { .. } => OpValue::Other("a value of an unknown type"),
    }
}

fn assert_reads_as_automerge(doc: &Automerge) {
    let changes = doc.get_changes(&[]);
    assert!(!changes.is_empty());
    for change in &changes {
        let expanded = change.decode();
        let expected = decoded_by_automerge(change, &expanded);
        assert_eq!(expected.len(), change.len());
        let read = change_ops(change.raw_bytes()).expect("a change Automerge made reads");
        assert_eq!(read, expected, "change {}", change.hash());
    }
}

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn commit(tx: automerge::transaction::Transaction<'_>) {
    tx.commit_with(CommitOptions::default().with_message("a change"));
}

#[test]
fn every_kind_of_operation_reads_as_automerge_decodes_it() {
    let mut doc = Automerge::new().with_actor(actor(1));
    let mut tx = doc.transaction();
    let profile = tx.put_object(ROOT, "profile", ObjType::Map).expect("a map");
    tx.put(&profile, "name", "陈秀英").expect("a string");
    tx.put(&profile, "long", "x".repeat(300)).expect("a long string");
    tx.put(&profile, "born", -42_i64).expect("an int");
    tx.put(&profile, "count", 7_u64).expect("a uint");
    tx.put(&profile, "ratio", 0.5_f64).expect("a float");
    tx.put(&profile, "flag", true).expect("a bool");
    tx.put(&profile, "off", false).expect("a bool");
    tx.put(&profile, "none", ScalarValue::Null).expect("a null");
    tx.put(&profile, "raw", ScalarValue::Bytes(vec![1, 2, 3])).expect("bytes");
    tx.put(&profile, "at", ScalarValue::Timestamp(1_700_000_000_000)).expect("a timestamp");
    tx.put(&profile, "counter", ScalarValue::counter(3)).expect("a counter");
    let notes = tx.put_object(&profile, "notes", ObjType::Text).expect("a text");
    tx.splice_text(&notes, 0, 0, "独居，每周三探访").expect("typing");
    let list = tx.put_object(ROOT, "list", ObjType::List).expect("a list");
    tx.insert(&list, 0, "a").expect("an insert");
    tx.insert(&list, 1, 2_i64).expect("an insert");
    tx.put_object(ROOT, "table", ObjType::Table).expect("a table");
    commit(tx);

    // A second actor edits concurrently: a conflict on "name", then a resolution
    // that names both values, deletions in text and map, an increment and a mark.
    let mut other = doc.fork().with_actor(actor(2));
    let mut tx = other.transaction();
    tx.put(&profile, "name", "陈秀英（母）").expect("a concurrent write");
    commit(tx);
    let mut tx = doc.transaction();
    tx.put(&profile, "name", "陈 秀英").expect("a concurrent write");
    commit(tx);
    doc.merge(&mut other).expect("a merge");
    let mut tx = doc.transaction();
    tx.put(&profile, "name", "陈秀英").expect("the resolution");
    tx.splice_text(&notes, 2, 3, "").expect("deleting characters");
    tx.splice_text(&notes, 0, 0, "注：").expect("typing at the head");
    tx.delete(&profile, "none").expect("a deletion");
    tx.increment(&profile, "counter", 2).expect("an increment");
    tx.mark(&notes, automerge::marks::Mark::new("bold".into(), true, 0, 2), automerge::marks::ExpandMark::Both)
        .expect("a mark");
    commit(tx);
    // A change by a third actor writing into objects both others made.
    let mut third = doc.fork().with_actor(actor(3));
    let mut tx = third.transaction();
    tx.put(&profile, "name", "third").expect("a write");
    tx.splice_text(&notes, 1, 0, "三").expect("typing after another's character");
    commit(tx);
    doc.merge(&mut third).expect("a merge");
    assert_reads_as_automerge(&doc);
}

proptest! {
    /// Random edits by random actors, merged: every change reads as Automerge reads it.
    #[test]
    fn random_edits_read_as_automerge_decodes_them(edits in prop::collection::vec((0u8..3, 0u8..6, 0u16..500), 1..40)) {
        let mut docs: Vec<Automerge> = (1..=3).map(|n| Automerge::new().with_actor(actor(n))).collect();
        let mut tx = docs[0].transaction();
        let map = tx.put_object(ROOT, "m", ObjType::Map).expect("a map");
        let text = tx.put_object(ROOT, "t", ObjType::Text).expect("a text");
        commit(tx);
        let first = docs[0].clone();
        for doc in &mut docs[1..] {
            doc.merge(&mut first.clone()).expect("a merge");
        }
        for (who, what, n) in edits {
            let doc = &mut docs[usize::from(who)];
            let mut tx = doc.transaction();
            let key = format!("k{}", n % 7);
            let length = automerge::ReadDoc::length(&tx, &text);
            match what {
                0 => { tx.put(&map, key, i64::from(n) - 250).expect("put"); }
                1 => { tx.put(&map, key, "值".repeat(usize::from(n % 40))).expect("put"); }
                2 => { let _ = tx.delete(&map, key); }
                3 => { tx.splice_text(&text, usize::from(n) % (length + 1), 0, &"字".repeat(usize::from(n % 9) + 1)).expect("type"); }
                4 if length > 0 => { let at = usize::from(n) % length; tx.splice_text(&text, at, (length - at).min(3) as isize, "").expect("delete"); }
                _ => { tx.put_object(&map, key, ObjType::Map).expect("make"); }
            }
            commit(tx);
            if n % 3 == 0 {
                let (a, b) = (usize::from(who), (usize::from(who) + 1) % 3);
                let mut theirs = docs[b].clone();
                docs[a].merge(&mut theirs).expect("a merge");
            }
        }
        let mut all = docs[0].clone();
        for doc in &mut docs[1..] {
            all.merge(doc).expect("a merge");
        }
        assert_reads_as_automerge(&all);
    }

    /// Any bytes at all: an error or operations, never a panic, and never more
    /// operations than the bytes could hold.
    #[test]
    fn damaged_changes_are_refused_without_panic(flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let mut doc = Automerge::new().with_actor(actor(1));
        let mut tx = doc.transaction();
        let notes = tx.put_object(ROOT, "notes", ObjType::Text).expect("a text");
        tx.splice_text(&notes, 0, 0, "每周三探访").expect("typing");
        tx.put(ROOT, "name", "陈秀英").expect("put");
        commit(tx);
        let mut bytes = doc.get_last_local_change().expect("a change").raw_bytes().to_vec();
        for (at, byte) in flips {
            let at = at % bytes.len();
            bytes[at] ^= byte;
        }
        bytes.truncate(bytes.len() - cut % 4);
        if let Ok(ops) = change_ops(&bytes) {
            prop_assert!(ops.len() <= bytes.len() * 64);
        }
    }
}

#[test]
fn an_actor_index_past_the_change_s_actors_is_refused() {
    let author = crate::author::Author {
        user: crate::ids::UserId::from_parts(1, [1; 10]),
        device: crate::ids::DeviceId::from_parts(2, [2; 10]),
    };
    let one = |value: u64| {
        let mut bytes = Vec::new();
        craft::sleb(&mut bytes, 1);
        craft::uleb(&mut bytes, value);
        bytes
    };
    let write = |obj_actor: u64| {
        let columns = vec![
            (column::OBJ_ACTOR, one(obj_actor)),
            (column::OBJ_COUNTER, one(1)),
            (column::KEY_STRING, {
                let mut key = one(1);
                key.push(b'k');
                key
            }),
            (column::INSERT, vec![1]),
            (column::ACTION, one(1)),
            (column::VALUE_META, one(0)),
            (column::PRED_GROUP, one(0)),
        ];
        craft::change_chunk(&craft::Contents::first(&author, columns).encode())
    };
    let own = write(0);
    let ops = change_ops(&own).expect("actor 0 is the change's own");
    assert_eq!(ops[0].obj, Some(OpRef { actor: 0, counter: 1 }));
    assert_eq!(ops[0].key, OpKey::Map("k"));
    assert_eq!(change_ops(&write(1)), Err(ChunkError::Malformed("an actor index past the change's actors")));
}

#[test]
fn a_column_that_ends_before_the_actions_is_refused() {
    let author = crate::author::Author {
        user: crate::ids::UserId::from_parts(1, [1; 10]),
        device: crate::ids::DeviceId::from_parts(2, [2; 10]),
    };
    let run = |count: i64, value: u64| {
        let mut bytes = Vec::new();
        craft::sleb(&mut bytes, count);
        craft::uleb(&mut bytes, value);
        bytes
    };
    let mut key = run(2, 1);
    key.push(b'k');
    // Two operations by their actions, one value between them.
    let columns = vec![
        (column::KEY_STRING, key),
        (column::INSERT, vec![2]),
        (column::ACTION, run(2, 1)),
        (column::VALUE_META, run(1, 0)),
        (column::PRED_GROUP, run(2, 0)),
    ];
    let chunk = craft::change_chunk(&craft::Contents::first(&author, columns).encode());
    assert_eq!(change_ops(&chunk), Err(SHORT));
}
