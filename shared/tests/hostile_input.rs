//! Bad input: truncated, random and hostile bytes return errors and never panic, and
//! well-formed Automerge that is not an elder document is refused naming the field.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use jinlin_shared::document::{DocumentError, ElderDocument};
use jinlin_shared::policy::Policy;
use jinlin_shared::validate::RejectCode;
use proptest::prelude::*;
use support::*;

fn document_with_visits() -> ElderDocument {
    let mut doc = enrolled(7);
    for i in 0..3 {
        doc.record_visit(&edit(2, i), green_visit(100 + i as u64, i), &Policy::default()).unwrap();
    }
    doc
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate { len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Mutation::Remove { at, len }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip { at, mask } => {
                if let Some(b) = bytes.get_mut(at % len) {
                    *b ^= mask;
                }
            }
            Mutation::Truncate { len: keep } => bytes.truncate(keep % len),
            Mutation::Insert { at, bytes: extra } => {
                let at = at % len;
                bytes.splice(at.min(bytes.len())..at.min(bytes.len()), extra.iter().copied());
            }
            Mutation::Remove { at, len: n } => {
                let at = (at % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_saves_load_or_fail_cleanly(mutations in prop::collection::vec(mutation(), 1..4)) {
        let doc = document_with_visits();
        let bytes = mutate(doc.save(), &mutations);
        // Either an error, or (rarely, when the mutation hit nothing that matters) a
        // document that still reads as an elder document.
        if let Ok(loaded) = ElderDocument::load(&bytes, actor(3)) {
            prop_assert!(jinlin_shared::materialise::materialise(&loaded).is_ok());
        }
    }

    #[test]
    fn mutated_changes_are_refused_or_applied_never_a_panic(mutations in prop::collection::vec(mutation(), 1..4), which in 0..3usize) {
        let doc = document_with_visits();
        let server = ElderDocument::load(&enrolled(7).save(), actor(9)).unwrap();
        let mut changes = doc.changes_since(&server.heads());
        let target = which % changes.len();
        changes[target] = mutate(changes[target].clone(), &mutations);
        match server.apply_checked(&changes, at_minutes(60), &Policy::default()) {
            Ok(applied) => prop_assert!(applied.document.record().visits.len() <= 3),
            Err(rejection) => prop_assert!(matches!(
                rejection.code(),
                RejectCode::Undecodable | RejectCode::MissingDependencies | RejectCode::MissingAuthor | RejectCode::Schema
                    // A flipped byte in a key or value: the review names the field.
                    | RejectCode::UnknownField | RejectCode::InvalidField | RejectCode::WrongAuthor
                    | RejectCode::TooLarge
            ), "{rejection:?}"),
        }
    }

    #[test]
    fn random_bytes_are_never_a_document_or_a_change(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(ElderDocument::load(&bytes, actor(3)).is_err());
        prop_assert!(ElderDocument::from_changes(std::slice::from_ref(&bytes), actor(3)).is_err());
        let doc = enrolled(1);
        prop_assert_eq!(doc.apply_checked(&[bytes], at_minutes(0), &Policy::default()).unwrap_err().code(), RejectCode::Undecodable);
    }
}

#[test]
fn every_truncation_of_a_save_is_refused_or_reads_whole() {
    let saved = document_with_visits().save();
    for len in 0..saved.len() {
        if let Ok(doc) = ElderDocument::load(&saved[..len], actor(2)) {
            assert!(
                jinlin_shared::materialise::materialise(&doc).is_ok(),
                "a truncated save at {len} loaded as a broken document"
            );
        }
    }
}

fn hostile(build: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Vec<u8> {
    let mut raw = Automerge::new();
    let mut tx = raw.transaction();
    build(&mut tx);
    tx.commit_with(CommitOptions::default().with_message(author(1).to_commit_message()));
    raw.save()
}

#[test]
fn well_formed_automerge_that_is_not_an_elder_document_is_refused_naming_the_field() {
    let valid = enrolled(1);
    // Start from a real elder document and break one thing in each case.
    let broken = |f: &dyn Fn(&mut automerge::transaction::Transaction<'_>, &Automerge)| {
        let mut raw = valid.automerge().clone();
        let snapshot = raw.clone();
        let mut tx = raw.transaction();
        f(&mut tx, &snapshot);
        tx.commit_with(CommitOptions::default().with_message(author(1).to_commit_message()));
        ElderDocument::load(&raw.save(), actor(5)).unwrap_err()
    };
    let profile = |doc: &Automerge| doc.get(ROOT, "profile").unwrap().unwrap().1;

    let err = broken(&|tx, _| {
        tx.put_object(ROOT, "visits", ObjType::List).unwrap();
    });
    assert!(matches!(err, DocumentError::Schema { ref path, .. } if path == "visits"), "{err:?}");

    let err = broken(&|tx, doc| {
        tx.delete(profile(doc), "birthDate").unwrap();
    });
    assert!(matches!(err, DocumentError::Schema { ref path, .. } if path == "profile"), "{err:?}");

    let err = broken(&|tx, doc| {
        tx.put(profile(doc), "birthDate", "1950-02-30").unwrap();
    });
    assert!(matches!(err, DocumentError::Schema { ref path, .. } if path == "profile.birthDate"), "{err:?}");

    let err = broken(&|tx, doc| {
        tx.put(profile(doc), "unableToCommunicate", automerge::ScalarValue::Bytes(vec![1, 2])).unwrap();
    });
    assert!(matches!(err, DocumentError::Schema { ref path, .. } if path == "profile.unableToCommunicate"), "{err:?}");

    // An empty document and one nested absurdly deep are refused too.
    assert!(ElderDocument::load(&hostile(|_| {}), actor(5)).is_err());
    let deep = hostile(|tx| {
        let mut obj = ROOT;
        for _ in 0..10_000 {
            obj = tx.put_object(&obj, "x", ObjType::Map).unwrap();
        }
    });
    assert!(matches!(ElderDocument::load(&deep, actor(5)), Err(DocumentError::Schema { .. })));
}
