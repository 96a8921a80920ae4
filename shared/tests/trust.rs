//! Changes written by a second Automerge implementation (raw `automerge` calls, not
//! this crate's operations) are reviewed operation by operation: the closed shape,
//! exact types, limits, person fields, full ID numbers anywhere in history, and what
//! each change does, held against its author's role and area.
#![allow(clippy::unwrap_used)]

mod support;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use jinlin_shared::area::Scope;
use jinlin_shared::author::Author;
use jinlin_shared::authority::{Standing, check_authority};
use jinlin_shared::document::craft::{self, put_json};
use jinlin_shared::document::{ChangeReview, ElderDocument};
use jinlin_shared::ids::{CommunityId, DeviceId, EntryId, UserId};
use jinlin_shared::policy::Policy;
use jinlin_shared::roles::Operation;
use jinlin_shared::user::Role;
use jinlin_shared::validate::{RejectCode, ValidationError};
use serde_json::{Value as Json, json};
use support::*;

const FULL_ID: &str = "11010519491231002X";

/// A change made with raw Automerge calls on a copy of `doc`, authored as `by`.
fn raw(doc: &ElderDocument, by: Author, n: u8, write: impl FnOnce(&mut Transaction<'_>, &Automerge)) -> Vec<u8> {
    craft::raw_change(doc.automerge(), &by, actor(n), at_minutes(0).as_millis(), write)
}

fn map(doc: &Automerge, path: &[&str]) -> ObjId {
    craft::map_at(doc, path)
}

const VISIT_ID: &str = "019a3d7e-0000-7000-8000-0000000000a1";

/// A whole visit as a second implementation would write it.
fn visit(by: Author, minutes: i64) -> Json {
    json!({
        "assistant": by.user.to_string(),
        "device": by.device.to_string(),
        "visitedAt": at_minutes(minutes).as_millis(),
        "recordedAt": at_minutes(minutes).as_millis(),
        "mode": "home",
        "outcome": "metElder",
        "checks": {
            "health": "good", "healthNote": "", "economic": "good", "economicNote": "",
            "family": "good", "familyNote": "", "safety": "good", "safetyNote": "",
            "serviceNeeds": "good", "serviceNeedsNote": ""
        },
        "risk": "green",
        "referrals": {},
        "incident": null,
        "notes": "",
    })
}

fn server_copy(doc: &ElderDocument) -> ElderDocument {
    replica(doc, 9)
}

fn refused(doc: &ElderDocument, changes: &[Vec<u8>]) -> ValidationError {
    server_copy(doc).apply_checked(changes, at_minutes(60), &Policy::default()).unwrap_err()
}

fn reviewed(doc: &ElderDocument, changes: &[Vec<u8>]) -> Vec<ChangeReview> {
    server_copy(doc).apply_checked(changes, at_minutes(60), &Policy::default()).unwrap().reviews
}

/// Holds reviews against authors with `roles`, all signed in on author 2's device,
/// covering only community 1.
fn authority(reviews: &[ChangeReview], roles: &[(u8, Role)]) -> Result<(), ValidationError> {
    let standing = |user: UserId, _| {
        roles.iter().find(|(n, _)| author(*n).user == user).map(|(_, role)| Standing {
            role: *role,
            scope: Scope::Area(community(1)),
            signed_in_on_device: true,
        })
    };
    let covers = |scope: Scope, c: CommunityId| scope == Scope::Area(c);
    check_authority(reviews, author(2).device, standing, &Policy::default().roles, covers)
}

/// Author 2 on author 2's device.
fn assistant() -> Author {
    author(2)
}

/// Another user on author 2's device (a colleague on the shared workstation).
fn colleague() -> Author {
    Author { user: author(3).user, device: author(2).device }
}

#[test]
fn an_honest_visit_written_by_hand_is_accepted_and_read_as_recording_a_visit() {
    let doc = enrolled(1);
    let change =
        raw(&doc, assistant(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(assistant(), 0)));
    let reviews = reviewed(&doc, &[change]);
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].operations.keys().copied().collect::<Vec<_>>(), vec![Operation::RecordVisit]);
    assert_eq!(reviews[0].communities.len(), 1);
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]), Ok(()));
}

#[test]
fn unknown_keys_are_refused_at_every_level() {
    let doc = enrolled(1);
    let at_root = raw(&doc, assistant(), 2, |tx, _| tx.put(ROOT, "evil", "x").unwrap());
    assert_eq!(refused(&doc, &[at_root]), ValidationError::UnknownField { field: "evil".into() });
    let in_profile = raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "religion", "x").unwrap());
    assert_eq!(refused(&doc, &[in_profile]).code(), RejectCode::UnknownField);
    let mut with_extra = visit(assistant(), 0);
    with_extra["checks"]["mood"] = json!("fine");
    let deep = raw(&doc, assistant(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &with_extra));
    let error = refused(&doc, &[deep]);
    assert_eq!(error.field(), Some(format!("visits.{VISIT_ID}.checks.mood")), "{error:?}");
    let bad_key = raw(&doc, assistant(), 2, |tx, d| {
        put_json(tx, &map(d, &["visits"]), "not-an-id", &visit(assistant(), 0));
    });
    assert_eq!(refused(&doc, &[bad_key]).code(), RejectCode::UnknownField);
}

#[test]
fn values_must_have_their_exact_type() {
    let doc = enrolled(1);
    for wrong in [
        ScalarValue::Uint(at_minutes(0).as_millis() as u64),
        ScalarValue::F64(1.0),
        ScalarValue::Str("yesterday".into()),
        ScalarValue::Timestamp(0),
        ScalarValue::counter(1),
        ScalarValue::Bytes(vec![1]),
    ] {
        let change = raw(&doc, assistant(), 2, |tx, d| {
            let visits = map(d, &["visits"]);
            put_json(tx, &visits, VISIT_ID, &visit(assistant(), 0));
            let made = tx.get(&visits, VISIT_ID).unwrap().unwrap().1;
            tx.put(&made, "visitedAt", wrong.clone()).unwrap();
        });
        let error = refused(&doc, &[change]);
        assert!(matches!(error.code(), RejectCode::Schema), "{wrong:?}: {error:?}");
        assert_eq!(error.field(), Some(format!("visits.{VISIT_ID}.visitedAt")));
    }
    let listed = raw(&doc, assistant(), 2, |tx, _| {
        tx.put_object(ROOT, "tierOverride", ObjType::List).unwrap();
    });
    assert_eq!(refused(&doc, &[listed]).code(), RejectCode::Schema);
}

#[test]
fn texts_keep_their_limits_and_one_line_fields_hold_no_control_characters() {
    let doc = enrolled(1);
    let long_address =
        raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "address", "路".repeat(40_000)).unwrap());
    let error = refused(&doc, &[long_address]);
    assert_eq!((error.code(), error.field()), (RejectCode::InvalidField, Some("profile.address".into())));
    let nul = raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "name", "王\0秀英").unwrap());
    assert_eq!(refused(&doc, &[nul]).field(), Some("profile.name".into()));
    let mut long_notes = visit(assistant(), 0);
    long_notes["notes"] = json!("记".repeat(2_001));
    let notes = raw(&doc, assistant(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &long_notes));
    assert_eq!(refused(&doc, &[notes]).field(), Some(format!("visits.{VISIT_ID}.notes")));
    let born = raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "birthDate", "1850-01-01").unwrap());
    assert_eq!(refused(&doc, &[born]).field(), Some("profile.birthDate".into()));
    let status = raw(&doc, assistant(), 2, |tx, d| {
        let entry = json!({
            "status": "deceased", "effectiveOn": "2030-01-01", "note": "",
            "recordedAt": at_minutes(0).as_millis(),
            "recordedBy": { "user": assistant().user.to_string(), "device": assistant().device.to_string() },
        });
        put_json(tx, &map(d, &["statusHistory"]), VISIT_ID, &entry);
    });
    assert_eq!(refused(&doc, &[status]).field(), Some(format!("statusHistory.{VISIT_ID}.effectiveOn")));
}

#[test]
fn every_person_field_names_the_changes_own_author() {
    let doc = enrolled(1);
    // The change is signed by the assistant but the visit names a colleague.
    let forged =
        raw(&doc, assistant(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let error = refused(&doc, &[forged]);
    assert_eq!((error.code(), error.field()), (RejectCode::WrongAuthor, Some(format!("visits.{VISIT_ID}.assistant"))));
    // Who recorded a visit is written once: a later change cannot take it over.
    let honest =
        raw(&doc, colleague(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let mut with_visit = server_copy(&doc);
    with_visit = with_visit.apply_checked(&[honest], at_minutes(60), &Policy::default()).unwrap().document;
    let takeover = raw(&with_visit, assistant(), 3, |tx, d| {
        tx.put(map(d, &["visits", VISIT_ID]), "assistant", assistant().user.to_string()).unwrap();
    });
    assert_eq!(refused(&with_visit, &[takeover]).field(), Some(format!("visits.{VISIT_ID}.assistant")));
}

#[test]
fn the_author_must_be_signed_in_on_the_sending_device_and_cover_the_elder() {
    let doc = enrolled(1);
    let from_elsewhere = Author { user: author(2).user, device: author(4).device };
    let change =
        raw(&doc, from_elsewhere, 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(from_elsewhere, 0)));
    let reviews = reviewed(&doc, &[change]);
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]).unwrap_err().code(), RejectCode::WrongAuthor);
    // A colleague who signed in on this workstation: their waiting visit goes through.
    let change =
        raw(&doc, colleague(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let reviews = reviewed(&doc, &[change]);
    assert_eq!(authority(&reviews, &[(2, Role::Assistant), (3, Role::Assistant)]), Ok(()));
    // Someone who never signed in there is refused.
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]).unwrap_err().code(), RejectCode::WrongAuthor);
    // Nor may an author outside the elder's area write to it.
    let standing =
        |_, _| Some(Standing { role: Role::Assistant, scope: Scope::Area(community(7)), signed_in_on_device: true });
    let error =
        check_authority(&reviews, author(2).device, standing, &Policy::default().roles, |s, c| s == Scope::Area(c));
    assert_eq!(error.unwrap_err().code(), RejectCode::OutOfScope);
}

#[test]
fn roles_decide_tiers_voids_moves_and_conflicts() {
    let doc = enrolled(1);
    let tier = raw(&doc, assistant(), 2, |tx, _| {
        let by = json!({ "user": assistant().user.to_string(), "device": assistant().device.to_string() });
        let value =
            json!({ "tier": "highRisk", "reason": "家中无人", "setAt": at_minutes(0).as_millis(), "setBy": by });
        put_json(tx, &ROOT, "tierOverride", &value);
    });
    let reviews = reviewed(&doc, std::slice::from_ref(&tier));
    let error = authority(&reviews, &[(2, Role::Assistant)]).unwrap_err();
    assert!(matches!(error, ValidationError::NotPermitted { operation: Operation::SetTier, .. }), "{error:?}");
    assert_eq!(error.field(), Some("tierOverride".into()));
    assert_eq!(authority(&reviews, &[(2, Role::Supervisor)]), Ok(()));

    // A colleague's red-risk visit, then the assistant voids it: only a supervisor may.
    let theirs =
        raw(&doc, colleague(), 3, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let with_visit = server_copy(&doc).apply_checked(&[theirs], at_minutes(60), &Policy::default()).unwrap().document;
    let void = |by: Author| {
        raw(&with_visit, by, 4, |tx, d| {
            let value = json!({
                "reason": "录错了", "at": at_minutes(1).as_millis(),
                "by": { "user": by.user.to_string(), "device": by.device.to_string() },
            });
            put_json(tx, &map(d, &["visits", VISIT_ID]), "void", &value);
        })
    };
    let reviews = reviewed(&with_visit, &[void(assistant())]);
    assert!(reviews[0].operations.contains_key(&Operation::VoidAnyVisit));
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]).unwrap_err().code(), RejectCode::NotPermitted);
    assert_eq!(authority(&reviews, &[(2, Role::Supervisor)]), Ok(()));
    let reviews = reviewed(&with_visit, &[void(colleague())]);
    assert!(reviews[0].operations.contains_key(&Operation::VoidOwnVisit));
    assert_eq!(authority(&reviews, &[(3, Role::Assistant)]), Ok(()));

    // Moving the elder is a supervisor's.
    let moved = raw(&doc, assistant(), 2, |tx, d| {
        let entry = json!({
            "community": community(1).to_string(), "effectiveOn": "2026-10-31",
            "recordedAt": at_minutes(0).as_millis(),
            "recordedBy": { "user": assistant().user.to_string(), "device": assistant().device.to_string() },
        });
        put_json(tx, &map(d, &["placements"]), VISIT_ID, &entry);
    });
    let reviews = reviewed(&doc, &[moved]);
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]).unwrap_err().code(), RejectCode::NotPermitted);
}

#[test]
fn resolving_a_conflict_outside_the_profile_is_a_supervisors() {
    let doc = enrolled(1);
    let theirs =
        raw(&doc, colleague(), 3, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let base = server_copy(&doc).apply_checked(&[theirs], at_minutes(60), &Policy::default()).unwrap().document;
    // Two concurrent corrections of the visit's notes, and of the phone.
    let a = raw(&base, colleague(), 5, |tx, d| {
        tx.put(map(d, &["visits", VISIT_ID]), "notes", "甲").unwrap();
        tx.put(map(d, &["profile"]), "phone", "13800000001").unwrap();
    });
    let b = raw(&base, assistant(), 6, |tx, d| {
        tx.put(map(d, &["visits", VISIT_ID]), "notes", "乙").unwrap();
        tx.put(map(d, &["profile"]), "phone", "13800000002").unwrap();
    });
    let both = server_copy(&base).apply_checked(&[a, b], at_minutes(60), &Policy::default()).unwrap().document;
    assert_eq!(both.conflicts().len(), 2);
    let profile = raw(&both, assistant(), 7, |tx, d| tx.put(map(d, &["profile"]), "phone", "13800000002").unwrap());
    let reviews = reviewed(&both, &[profile]);
    assert!(reviews[0].operations.contains_key(&Operation::ResolveProfileConflict));
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]), Ok(()));
    let notes = raw(&both, assistant(), 7, |tx, d| tx.put(map(d, &["visits", VISIT_ID]), "notes", "乙").unwrap());
    let reviews = reviewed(&both, &[notes]);
    assert!(reviews[0].operations.contains_key(&Operation::ResolveAnyConflict));
    assert_eq!(authority(&reviews, &[(2, Role::Assistant)]).unwrap_err().code(), RejectCode::NotPermitted);
    assert_eq!(authority(&reviews, &[(2, Role::Supervisor)]), Ok(()));
}

#[test]
fn a_full_id_number_is_refused_wherever_history_would_keep_it() {
    let doc = enrolled(1);
    // Written, then overwritten by a later change of the same push.
    let first =
        raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "address", format!("{FULL_ID} 号")).unwrap());
    let mut after_first = doc.automerge().clone();
    after_first.apply_changes([automerge::Change::from_bytes(first.clone()).unwrap()]).unwrap();
    let after_first = ElderDocument::load(&after_first.save(), actor(2)).unwrap();
    let second =
        raw(&after_first, assistant(), 3, |tx, d| tx.put(map(d, &["profile"]), "address", "大同路1号").unwrap());
    let error = refused(&doc, &[first, second]);
    assert_eq!((error.code(), error.field()), (RejectCode::FullIdNumber, Some("profile.address".into())));
    // A losing concurrent value.
    let loser = raw(&doc, assistant(), 4, |tx, d| tx.put(map(d, &["profile"]), "name", FULL_ID).unwrap());
    let winner = raw(&doc, colleague(), 5, |tx, d| tx.put(map(d, &["profile"]), "name", "王秀英").unwrap());
    assert_eq!(refused(&doc, &[winner, loser]).code(), RejectCode::FullIdNumber);
    // In any field, the masked one included.
    let masked = raw(&doc, assistant(), 2, |tx, d| tx.put(map(d, &["profile"]), "idNumberMasked", FULL_ID).unwrap());
    assert_eq!(refused(&doc, &[masked]).code(), RejectCode::FullIdNumber);
    // Typed into the notes and deleted again in the same change.
    let typed = raw(&doc, assistant(), 2, |tx, d| {
        let notes = map(d, &["profile", "notes"]);
        tx.splice_text(&notes, 0, 0, FULL_ID).unwrap();
        tx.splice_text(&notes, 0, FULL_ID.len() as isize, "").unwrap();
    });
    assert_eq!(refused(&doc, &[typed]).field(), Some("profile.notes".into()));
    // Typed a few digits a change.
    let halves = {
        let first = raw(&doc, assistant(), 2, |tx, d| {
            tx.splice_text(map(d, &["profile", "notes"]), 0, 0, &FULL_ID[..9]).unwrap()
        });
        let mut half = server_copy(&doc);
        half.apply_changes(std::slice::from_ref(&first)).unwrap();
        let second = raw(&half, assistant(), 3, |tx, d| {
            tx.splice_text(map(d, &["profile", "notes"]), 9, 0, &FULL_ID[9..]).unwrap()
        });
        vec![first, second]
    };
    assert_eq!(refused(&doc, &halves).code(), RejectCode::FullIdNumber);
}

#[test]
fn only_the_servers_device_writes_the_masked_id_number() {
    let doc = enrolled(1);
    let masked = raw(&doc, assistant(), 2, |tx, d| {
        tx.put(map(d, &["profile"]), "idNumberMasked", "1101**********002X").unwrap()
    });
    let error = refused(&doc, &[masked]);
    assert_eq!((error.code(), error.field()), (RejectCode::WrongAuthor, Some("profile.idNumberMasked".into())));
    let server = Author { user: assistant().user, device: DeviceId::SERVER };
    let masked =
        raw(&doc, server, 2, |tx, d| tx.put(map(d, &["profile"]), "idNumberMasked", "1101**********002X").unwrap());
    assert!(reviewed(&doc, &[masked])[0].operations.contains_key(&Operation::EditProfile));
}

#[test]
fn nothing_kept_for_history_is_deleted_replaced_or_written_again_after_enrolment() {
    let doc = enrolled(1);
    let with_visit = {
        let change =
            raw(&doc, assistant(), 2, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(assistant(), 0)));
        server_copy(&doc).apply_checked(&[change], at_minutes(60), &Policy::default()).unwrap().document
    };
    let deleted = raw(&with_visit, assistant(), 3, |tx, d| tx.delete(map(d, &["visits"]), VISIT_ID).unwrap());
    assert_eq!(refused(&with_visit, &[deleted]).field(), Some(format!("visits.{VISIT_ID}")));
    let replaced =
        raw(&with_visit, assistant(), 3, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(assistant(), 5)));
    assert_eq!(refused(&with_visit, &[replaced]).field(), Some(format!("visits.{VISIT_ID}")));
    let wiped = raw(&with_visit, assistant(), 3, |tx, _| {
        tx.put_object(ROOT, "visits", ObjType::Map).unwrap();
    });
    assert_eq!(refused(&with_visit, &[wiped]).field(), Some("visits".into()));
    let renamed =
        raw(&doc, assistant(), 3, |tx, _| tx.put(ROOT, "elderId", "019a3d7e-0000-7000-8000-0000000000ff").unwrap());
    assert_eq!(refused(&doc, &[renamed]).field(), Some("elderId".into()));
    // A second first change (no dependencies) in a document that exists.
    let mut stray = Automerge::new().with_actor(actor(8));
    let mut tx = stray.transaction();
    tx.put(ROOT, "schemaVersion", 1).unwrap();
    tx.commit_with(CommitOptions::default().with_message(assistant().to_commit_message()));
    let stray = stray.get_last_local_change().unwrap().raw_bytes().to_vec();
    assert_eq!(refused(&doc, &[stray]).code(), RejectCode::InvalidField);
    // Set members, referrals and contacts may be removed.
    let removed = raw(&doc, assistant(), 3, |tx, d| {
        let categories = map(d, &["profile", "categories"]);
        let first = d.keys(&categories).next().unwrap();
        tx.delete(&categories, first.as_str()).unwrap();
    });
    assert!(reviewed(&doc, &[removed])[0].operations.contains_key(&Operation::EditProfile));
}

#[test]
fn replays_are_harmless_whoever_made_them() {
    let doc = enrolled(1);
    let change =
        raw(&doc, colleague(), 3, |tx, d| put_json(tx, &map(d, &["visits"]), VISIT_ID, &visit(colleague(), 0)));
    let stored =
        server_copy(&doc).apply_checked(std::slice::from_ref(&change), at_minutes(60), &Policy::default()).unwrap();
    let again = stored.document.apply_checked(&[change], at_minutes(60), &Policy::default()).unwrap();
    assert!(again.new_changes.is_empty() && again.reviews.is_empty());
    assert_eq!(authority(&again.reviews, &[]), Ok(()));
}

/// The communities each change of `doc`'s history names, received by a server new to it.
fn communities_of_each_change(doc: &ElderDocument) -> Vec<Vec<CommunityId>> {
    let applied =
        ElderDocument::from_changes_checked(&doc.changes_since(&[]), actor(9), at_minutes(60), &Policy::default())
            .unwrap();
    applied.reviews.iter().map(|r| r.communities.iter().copied().collect()).collect()
}

#[test]
fn each_change_of_a_new_elders_history_names_the_communities_it_was_made_in_across_a_move() {
    let policy = Policy::default();
    let mut doc = enrolled(1);
    doc.record_visit(&edit(2, 0), green_visit(1, 0), &policy).unwrap();
    doc.move_to_community(&edit(4, 10), EntryId::from_parts(9, [9; 10]), community(2), date(2026, 10, 25)).unwrap();
    doc.record_visit(&edit(5, 20), green_visit(2, 20), &policy).unwrap();
    doc.record_visit(&edit(5, 30), green_visit(3, 30), &policy).unwrap();
    let communities = communities_of_each_change(&doc);
    let mut both = vec![community(1), community(2)];
    both.sort();
    // The enrolment and the visit before the move are in the first community, the move
    // in both (its author must cover each), the visits after it in the new one.
    assert_eq!(communities, vec![vec![community(1)], vec![community(1)], both, vec![community(2)], vec![community(2)]]);
}

#[test]
fn each_change_of_a_new_elders_history_without_a_move_names_its_one_community() {
    let policy = Policy::default();
    let mut doc = enrolled(1);
    doc.record_visit(&edit(2, 0), green_visit(1, 0), &policy).unwrap();
    doc.record_visit(&edit(5, 20), green_visit(2, 20), &policy).unwrap();
    let communities = communities_of_each_change(&doc);
    assert_eq!(communities, vec![vec![community(1)]; 3]);
}
