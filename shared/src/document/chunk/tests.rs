//! Measuring changes before decoding: real ones as Automerge counts them, and bombs
//! written by hand refused from their headers and columns.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, Change, ObjType, ROOT};

use super::*;
use crate::document::craft;
use crate::ids::{DeviceId, UserId};

fn author() -> Author {
    Author { user: UserId::from_parts(1, [1; 10]), device: DeviceId::from_parts(2, [2; 10]) }
}

/// A real change of `text_chars` characters typed into a text object.
fn typed(text_chars: usize) -> Change {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(ROOT, "notes", ObjType::Text).expect("a text object");
    tx.splice_text(&text, 0, 0, &"记".repeat(text_chars)).expect("typing");
    tx.commit_with(CommitOptions::default().with_message(author().to_commit_message()));
    doc.get_last_local_change().expect("the change just made")
}

#[test]
fn a_real_change_is_measured_as_automerge_counts_it() {
    let mut change = typed(300);
    let summary = summarise_change(change.raw_bytes()).expect("a plain change");
    assert_eq!(summary.ops, change.len() as u64);
    assert_eq!(summary.author, Some(author()));
    // The chunk's contents: all of it but the magic, checksum, type and length.
    let header = change.raw_bytes().len() - summary.inflated_bytes;
    assert!((10..=13).contains(&header), "{summary:?}");
    // The same change compressed reads the same.
    let compressed = change.bytes().into_owned();
    assert_ne!(compressed, change.raw_bytes(), "automerge compresses a change this size");
    let again = summarise_change(&compressed).expect("a compressed change");
    assert_eq!(again.ops, summary.ops);
    assert_eq!(again.author, Some(author()));
}

#[test]
fn a_change_naming_no_author_is_measured_with_none() {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "k", 1).expect("a put");
    tx.commit();
    let change = doc.get_last_local_change().expect("a change");
    assert_eq!(summarise_change(change.raw_bytes()).expect("a change").author, None);
}

#[test]
fn a_deflate_bomb_is_refused_after_inflating_no_more_than_the_limit() {
    let bomb = craft::deflate_bomb(100 << 20);
    assert!(bomb.len() < super::MAX_CHANGE_BYTES, "the bomb fits under the wire limit: {}", bomb.len());
    assert_eq!(
        summarise_change(&bomb),
        Err(ChunkError::TooLarge { what: "bytes once inflated", max: MAX_CHANGE_INFLATED_BYTES as u64 })
    );
}

#[test]
fn a_run_length_op_bomb_is_refused_from_its_columns() {
    let bomb = craft::op_bomb(&author(), 10_000_000);
    assert!(bomb.len() < 200, "ten million operations in {} bytes", bomb.len());
    assert_eq!(summarise_change(&bomb), Err(ChunkError::TooLarge { what: "operations", max: MAX_CHANGE_OPS }));
    let pred_bomb = craft::pred_bomb(&author(), 1 << 40);
    assert_eq!(
        summarise_change(&pred_bomb),
        Err(ChunkError::TooLarge { what: "predecessor references", max: MAX_CHANGE_PREDS })
    );
}

#[test]
fn a_hand_written_change_under_the_limits_is_counted_as_automerge_counts_it() {
    // The crafted columns are read by Automerge itself the same way.
    let small = craft::op_bomb(&author(), 100);
    assert_eq!(summarise_change(&small).expect("within limits").ops, 100);
    let decoded = Change::from_bytes(small).expect("automerge reads the hand-written change");
    assert_eq!(decoded.len(), 100);
    let one = craft::pred_bomb(&author(), 0);
    assert_eq!(summarise_change(&one).expect("within limits").preds, 0);
}

#[test]
fn other_chunks_and_broken_bytes_are_refused_without_a_panic() {
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "k", 1).map(|_| ())).expect("a put");
    assert_eq!(summarise_change(&doc.save()), Err(ChunkError::NotAChange(0)));
    let real = typed(10);
    let bytes = real.raw_bytes();
    for len in 0..bytes.len() {
        assert!(summarise_change(&bytes[..len]).is_err(), "a truncation at {len} was read");
    }
    let mut extra = bytes.to_vec();
    extra.push(0);
    assert_eq!(summarise_change(&extra), Err(ChunkError::Malformed("bytes after the change")));
    // A count claiming more items than bytes left never loops.
    let mut contents = Vec::new();
    craft::uleb(&mut contents, u64::MAX >> 1);
    assert!(summarise_change(&craft::change_chunk(&contents)).is_err());
}
