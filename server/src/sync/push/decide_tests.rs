//! `decide` on documents really prepared (applied and checked by Automerge), against
//! the stored versions a concurrent push may have left.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;

use jinlin_shared::ActorId;
use jinlin_shared::area::{AreaTree, Scope};
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::ids::{CommunityId, DeviceId, EntryId, UserId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{Heads, PushOutcome};

use super::{Decision, decide};
use crate::sync::push::prepare::{Judge, Prepared, apply_and_check};
use crate::sync::push::sender::Authors;
use crate::sync::push::stored::StoredVersion;

struct City {
    areas: Arc<AreaTree>,
    communities: Vec<CommunityId>,
    at: Timestamp,
}

fn city() -> City {
    let at = Timestamp::from_millis(1_780_000_000_000);
    let city = synthetic::city(&mut Rng::new(7), 12, at);
    City { areas: Arc::new(AreaTree::new(city.areas).unwrap()), communities: city.communities, at }
}

fn judge(city: &City, scope: Scope) -> Judge {
    Judge {
        areas: city.areas.clone(),
        policy: Arc::new(Policy::default()),
        actor: ActorId::random(),
        scope,
        device: None,
        authors: Authors::default(),
    }
}

fn edit(at: Timestamp) -> Edit {
    let author = Author { user: UserId::from_parts(1, [1; 10]), device: DeviceId::from_parts(1, [2; 10]) };
    Edit { author, at }
}

fn enrolled(city: &City, community: CommunityId) -> ElderDocument {
    enrolled_as(city, community, 3)
}

/// Another elder for every `seed`.
fn enrolled_as(city: &City, community: CommunityId, seed: u64) -> ElderDocument {
    let enrolment = synthetic::enrolment(&mut Rng::new(seed), community, city.at.shanghai_date(), city.at);
    ElderDocument::enrol(enrolment, &edit(city.at), ActorId::random()).unwrap().0
}

/// `changes` prepared against `base` (the stored document, or none), as the push does.
fn prepared(judge: &Judge, city: &City, base: Option<&ElderDocument>, changes: Vec<Vec<u8>>) -> Prepared {
    let now = city.at.plus_hours(72);
    let result = apply_and_check(base.map(ElderDocument::save), &changes, now, judge).unwrap();
    Prepared { base: base.map(|b| Heads::new(b.heads())), result }
}

fn stored(document: &ElderDocument) -> StoredVersion {
    StoredVersion { community: document.community().unwrap(), heads: Heads::new(document.heads()) }
}

fn with_visit(city: &City, document: &ElderDocument) -> ElderDocument {
    let mut visited = document.clone();
    let at = city.at.plus_hours(1);
    visited.record_visit(&edit(at), synthetic::visit(&mut Rng::new(5), at), &Policy::default()).unwrap();
    visited
}

#[test]
fn a_new_document_in_the_locked_community_is_written_whole() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let changes = document.changes_since(&[]);
    let decision =
        decide(&judge, document.elder_id(), city.communities[0], None, prepared(&judge, &city, None, changes));
    let Decision::Write(write) = decision else { panic!("written: {decision:?}") };
    assert_eq!(write.community, city.communities[0]);
    assert_eq!(write.moved_from, None);
    assert!(!write.known);
    assert_eq!(write.changes.len(), document.change_count());
    assert_eq!(write.heads, Heads::new(document.heads()));
    assert_eq!(write.rows.elder.elder_id, document.elder_id());
    assert!(!write.snapshot.is_empty());
}

#[test]
fn a_new_document_of_another_community_is_grouped_again() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[1]);
    let prepared = prepared(&judge, &city, None, document.changes_since(&[]));
    let decision = decide(&judge, document.elder_id(), city.communities[0], None, prepared);
    assert!(matches!(decision, Decision::Regroup), "{decision:?}");
}

#[test]
fn a_document_moved_since_it_was_grouped_is_grouped_again() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let visited = with_visit(&city, &document);
    let prepared = prepared(&judge, &city, Some(&document), visited.changes_since(&document.heads()));
    let elsewhere = StoredVersion { community: city.communities[1], ..stored(&document) };
    let decision = decide(&judge, document.elder_id(), city.communities[0], Some(&elsewhere), prepared);
    assert!(matches!(decision, Decision::Regroup), "{decision:?}");
}

#[test]
fn a_document_prepared_on_a_version_no_longer_stored_is_prepared_again() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let visited = with_visit(&city, &document);
    let mine = prepared(&judge, &city, Some(&document), visited.changes_since(&document.heads()));
    // Another push stored a newer version meanwhile.
    let decision = decide(&judge, document.elder_id(), city.communities[0], Some(&stored(&visited)), mine);
    assert!(matches!(decision, Decision::PrepareAgain), "{decision:?}");
    // And a document prepared as new, found stored under the lock.
    let fresh = prepared(&judge, &city, None, document.changes_since(&[]));
    let decision = decide(&judge, document.elder_id(), city.communities[0], Some(&stored(&document)), fresh);
    assert!(matches!(decision, Decision::PrepareAgain), "{decision:?}");
}

#[test]
fn a_refusal_prepared_on_the_stored_version_is_the_answer() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let visited = with_visit(&city, &document);
    // The visit's change without the enrolment it depends on: refused as missing.
    let refused = prepared(&judge, &city, None, visited.changes_since(&document.heads()));
    let decision = decide(&judge, document.elder_id(), city.communities[0], None, refused);
    let Decision::Done(PushOutcome::Rejected { code, .. }) = decision else { panic!("refused: {decision:?}") };
    assert_eq!(code, RejectCode::MissingDependencies);
}

#[test]
fn a_replay_is_answered_with_nothing_stored() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let replay = prepared(&judge, &city, Some(&document), document.changes_since(&[]));
    let decision = decide(&judge, document.elder_id(), city.communities[0], Some(&stored(&document)), replay);
    let Decision::Done(PushOutcome::Accepted { heads, stored }) = decision else { panic!("accepted: {decision:?}") };
    assert_eq!((heads, stored), (Heads::new(document.heads()), 0));
}

#[test]
fn changes_of_another_elder_are_refused() {
    let city = city();
    let judge = judge(&city, Scope::City);
    let document = enrolled(&city, city.communities[0]);
    let other = enrolled_as(&city, city.communities[0], 4);
    let prepared = prepared(&judge, &city, None, document.changes_since(&[]));
    let decision = decide(&judge, other.elder_id(), city.communities[0], None, prepared);
    let Decision::Done(PushOutcome::Rejected { code, .. }) = decision else { panic!("refused: {decision:?}") };
    assert_eq!(code, RejectCode::ElderChanged);
}

#[test]
fn a_move_is_written_from_the_locked_community_and_refused_outside_the_senders_area() {
    let city = city();
    let everywhere = judge(&city, Scope::City);
    let (from, to) = (city.communities[0], city.communities[1]);
    let document = enrolled(&city, from);
    let mut moved = document.clone();
    // Two days on, so that the new placement is the one in force.
    let at = city.at.plus_hours(48);
    moved.move_to_community(&edit(at), EntryId::from_parts(2, [9; 10]), to, at.shanghai_date()).unwrap();
    let changes = moved.changes_since(&document.heads());
    let decision = decide(
        &everywhere,
        document.elder_id(),
        from,
        Some(&stored(&document)),
        prepared(&everywhere, &city, Some(&document), changes.clone()),
    );
    let Decision::Write(write) = decision else { panic!("written: {decision:?}") };
    assert_eq!((write.community, write.moved_from, write.known), (to, Some(from), true));

    let only_from = judge(&city, Scope::Area(from));
    let decision = decide(
        &only_from,
        document.elder_id(),
        from,
        Some(&stored(&document)),
        prepared(&everywhere, &city, Some(&document), changes),
    );
    let Decision::Done(PushOutcome::Rejected { code, .. }) = decision else { panic!("refused: {decision:?}") };
    assert_eq!(code, RejectCode::OutOfScope);
}
