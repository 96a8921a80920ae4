//! The elder document's operations, conflicts, loading and validation.
#![allow(clippy::unwrap_used)]

mod support;

use jinlin_shared::document::validate_record;
use jinlin_shared::document::{
    DocumentError, ElderDocument, InputError, NewFollowUp, ProfileChange, SCHEMA_VERSION, StoredDocument,
};
use jinlin_shared::elder::{CareTier, ElderStatus};
use jinlin_shared::ids::{EntryId, FollowUpId};
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::privacy::IdNumber;
use jinlin_shared::validate::{RejectCode, ValidationError};
use jinlin_shared::visit::{RiskLevel, VisitMode};
use serde_json::json;
use support::*;

#[test]
fn enrolling_creates_a_document_that_reads_back_the_profile() {
    let enrolment = enrolment(1);
    let (doc, _) = ElderDocument::enrol(enrolment.clone(), &edit(1, 0), actor(1)).unwrap();
    let record = doc.record();
    assert_eq!(record.schema_version, SCHEMA_VERSION);
    assert_eq!(record.elder_id, enrolment.elder);
    assert_eq!(record.profile, enrolment.profile);
    assert_eq!(doc.community().unwrap(), community(1));
    assert_eq!(record.status_history.values().next().unwrap().status, ElderStatus::Active);
    assert_eq!(doc.history().len(), 1);
    assert_eq!(doc.history()[0].author, Some(author(1)));
}

#[test]
fn enrolment_refuses_a_blank_name_and_writes_nothing() {
    let mut enrolment = enrolment(1);
    enrolment.profile.name = "  ".into();
    let err = ElderDocument::enrol(enrolment, &edit(1, 0), actor(1)).unwrap_err();
    assert_eq!(err, DocumentError::Input(InputError::Blank { field: "profile.name" }));
}

#[test]
fn recording_a_visit_stores_it_under_its_id_with_the_author_and_both_times() {
    let mut doc = enrolled(1);
    let visit = green_visit(2, 60);
    let id = visit.id;
    doc.record_visit(&edit(2, 90), visit.clone(), &Policy::default()).unwrap();
    let stored = &doc.record().visits[&id];
    assert_eq!(stored.assistant, author(2).user);
    assert_eq!(stored.device, author(2).device);
    assert_eq!(stored.visited_at, at_minutes(60));
    assert_eq!(stored.recorded_at, at_minutes(90));
    assert_eq!(stored.record, visit.record);
    assert!(!stored.is_voided());
}

#[test]
fn a_visit_dated_beyond_the_clock_skew_allowance_is_refused() {
    let mut doc = enrolled(1);
    let heads = doc.heads();
    let err = doc.record_visit(&edit(2, 0), green_visit(2, 11), &Policy::default()).unwrap_err();
    assert!(matches!(err, DocumentError::Input(InputError::VisitInFuture { .. })));
    assert_eq!(doc.heads(), heads, "a refused visit writes nothing");
    // Within the ten-minute allowance it is accepted.
    doc.record_visit(&edit(2, 0), green_visit(3, 9), &Policy::default()).unwrap();
}

#[test]
fn a_red_risk_visit_needs_a_follow_up_due_within_a_day() {
    let mut doc = enrolled(1);
    let mut visit = green_visit(2, 0);
    visit.record.risk = RiskLevel::Red;
    let err = doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap_err();
    assert_eq!(err, DocumentError::Input(InputError::RedRiskNeedsFollowUp { hours: 24 }));
    let follow_up = NewFollowUp {
        id: FollowUpId::from_parts(1, [9; 10]),
        action: "明天再上门".into(),
        due_at: at_minutes(24 * 60),
    };
    visit.follow_up = Some(follow_up.clone());
    doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    let record = doc.record();
    assert_eq!(record.follow_ups[&follow_up.id].origin_visit, Some(visit.id));
    assert!(record.follow_ups[&follow_up.id].is_open());
}

#[test]
fn correcting_a_visit_writes_only_the_changed_fields() {
    let mut doc = enrolled(1);
    let visit = green_visit(2, 0);
    doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    let mut corrected = visit.record.clone();
    corrected.mode = VisitMode::Phone;
    let hash = doc
        .correct_visit(&edit(2, 5), visit.id, visit.visited_at, corrected.clone(), None, &Policy::default())
        .unwrap();
    assert!(hash.is_some());
    assert_eq!(doc.record().visits[&visit.id].record, corrected);
    // Correcting to the same values changes nothing.
    let again =
        doc.correct_visit(&edit(2, 6), visit.id, visit.visited_at, corrected, None, &Policy::default()).unwrap();
    assert_eq!(again, None);
}

#[test]
fn concurrent_corrections_of_different_fields_of_one_visit_both_survive() {
    let mut a = enrolled(1);
    let visit = green_visit(2, 0);
    a.record_visit(&edit(1, 0), visit.clone(), &Policy::default()).unwrap();
    let mut b = replica(&a, 2);
    let mut by_a = visit.record.clone();
    by_a.checks.health.note = "血压已正常".into();
    a.correct_visit(&edit(1, 5), visit.id, visit.visited_at, by_a, None, &Policy::default()).unwrap();
    let mut by_b = visit.record.clone();
    by_b.notes = "老人情绪良好".into();
    b.correct_visit(&edit(2, 5), visit.id, visit.visited_at, by_b, None, &Policy::default()).unwrap();
    a.merge(&b).unwrap();
    let merged = &a.record().visits[&visit.id].record;
    assert_eq!(merged.checks.health.note, "血压已正常");
    assert_eq!(merged.notes, "老人情绪良好");
    assert!(a.conflicts().is_empty());
}

#[test]
fn a_voided_visit_stays_in_history_with_who_when_and_why_and_cannot_be_edited() {
    let mut doc = enrolled(1);
    let visit = green_visit(2, 0);
    doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    doc.void_visit(&edit(3, 30), visit.id, "录入重复").unwrap();
    let stored = &doc.record().visits[&visit.id];
    let void = stored.void.as_ref().unwrap();
    assert_eq!((void.reason.as_str(), void.at, void.by), ("录入重复", at_minutes(30), author(3)));
    let err =
        doc.correct_visit(&edit(2, 40), visit.id, visit.visited_at, visit.record.clone(), None, &Policy::default());
    assert_eq!(err.unwrap_err(), DocumentError::Input(InputError::VisitVoided(visit.id)));
    assert_eq!(
        doc.void_visit(&edit(3, 41), visit.id, "again").unwrap_err(),
        DocumentError::Input(InputError::VisitVoided(visit.id))
    );
    assert_eq!(
        doc.void_visit(&edit(3, 41), green_visit(9, 0).id, "x").unwrap_err(),
        DocumentError::Input(InputError::UnknownVisit(green_visit(9, 0).id))
    );
}

#[test]
fn follow_ups_are_added_and_resolved_by_a_visit_or_a_note() {
    let mut doc = enrolled(1);
    let visit = green_visit(2, 0);
    doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    let first =
        NewFollowUp { id: FollowUpId::from_parts(1, [1; 10]), action: "联系子女".into(), due_at: at_minutes(600) };
    let second = NewFollowUp {
        id: FollowUpId::from_parts(1, [2; 10]),
        action: "申请适老化改造".into(),
        due_at: at_minutes(6000),
    };
    doc.add_follow_up(&edit(2, 1), first.clone(), Some(visit.id)).unwrap();
    doc.add_follow_up(&edit(2, 1), second.clone(), None).unwrap();
    doc.resolve_follow_up(&edit(2, 100), first.id, Some(visit.id), "").unwrap();
    assert_eq!(
        doc.resolve_follow_up(&edit(2, 100), second.id, None, " ").unwrap_err(),
        DocumentError::Input(InputError::Blank { field: "resolution.note" })
    );
    doc.resolve_follow_up(&edit(2, 100), second.id, None, "已提交街道").unwrap();
    let record = doc.record();
    assert_eq!(record.follow_ups[&first.id].resolution.as_ref().unwrap().visit, Some(visit.id));
    assert_eq!(record.follow_ups[&second.id].resolution.as_ref().unwrap().note, "已提交街道");
    assert_eq!(
        doc.resolve_follow_up(&edit(2, 101), first.id, None, "x").unwrap_err(),
        DocumentError::Input(InputError::FollowUpResolved(first.id))
    );
}

#[test]
fn status_changes_and_tier_overrides_are_recorded_with_dates() {
    let mut doc = enrolled(1);
    let entry = EntryId::from_parts(1, [5; 10]);
    doc.change_status(&edit(1, 0), entry, ElderStatus::Hospitalised, date(2026, 11, 3), "肺炎住院").unwrap();
    doc.set_tier(&edit(9, 0), Some((CareTier::HighRisk, "独居且近期跌倒"))).unwrap();
    let rows = materialise(&doc).unwrap();
    assert_eq!(rows.elder.status, ElderStatus::Hospitalised);
    assert_eq!(rows.elder.status_on(date(2026, 11, 2)), Some(ElderStatus::Active));
    assert_eq!(rows.elder.tier_override.as_ref().unwrap().tier, CareTier::HighRisk);
    doc.set_tier(&edit(9, 1), None).unwrap();
    assert_eq!(doc.record().tier_override, None);
}

#[test]
fn the_document_holds_only_the_masked_id_number() {
    let mut doc = enrolled(1);
    let id = IdNumber::parse("11010519491231002X").unwrap();
    doc.update_profile(&edit(1, 0), &[ProfileChange::IdNumber(Some(id))]).unwrap();
    assert_eq!(doc.record().profile.id_number_masked.as_deref(), Some("1101**********002X"));
    let saved = doc.save();
    let needle = b"11010519491231002X";
    assert!(!saved.windows(needle.len()).any(|w| w == needle), "the full number must not be in the saved bytes");
}

#[test]
fn profile_edits_touch_only_the_fields_named() {
    use jinlin_shared::elder::HardshipCategory::*;
    let mut a = enrolled(1);
    let mut b = replica(&a, 2);
    a.update_profile(&edit(1, 0), &[ProfileChange::Categories([LivingAlone, Disabled].into())]).unwrap();
    b.update_profile(
        &edit(2, 0),
        &[ProfileChange::Address("鹭江路1号".into()), ProfileChange::Notes("喜欢下棋".into())],
    )
    .unwrap();
    a.merge(&b).unwrap();
    let profile = &a.record().profile;
    assert_eq!(profile.categories, [LivingAlone, Disabled].into());
    assert_eq!(profile.address, "鹭江路1号");
    assert_eq!(profile.notes, "喜欢下棋");
}

#[test]
fn two_phones_written_apart_converge_to_one_winner_and_show_a_conflict_with_both_authors() {
    let mut a = enrolled(1);
    let mut b = replica(&a, 2);
    a.update_profile(&edit(1, 10), &[ProfileChange::Phone(Some("13911111111".into()))]).unwrap();
    b.update_profile(&edit(2, 20), &[ProfileChange::Phone(Some("13922222222".into()))]).unwrap();
    let mut a2 = a.clone();
    a2.merge(&b).unwrap();
    b.merge(&a).unwrap();
    assert_eq!(a2.record().profile.phone, b.record().profile.phone);
    let conflicts = a2.conflicts().to_vec();
    assert_eq!(conflicts, b.conflicts());
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.dotted_path(), "profile.phone");
    let mut seen: Vec<_> = conflict.values.iter().map(|v| (v.value.clone(), v.author, v.at)).collect();
    seen.sort_by_key(|(_, _, at)| *at);
    assert_eq!(
        seen,
        vec![
            (json!("13911111111"), Some(author(1)), at_minutes(10)),
            (json!("13922222222"), Some(author(2)), at_minutes(20)),
        ]
    );
    assert_eq!(conflict.values.iter().filter(|v| v.winner).count(), 1);

    // Resolving on one replica clears the conflict on both once merged.
    a2.resolve_conflict(&edit(1, 30), &conflict.path, &json!("13911111111")).unwrap();
    assert!(a2.conflicts().is_empty());
    b.merge(&a2).unwrap();
    assert!(b.conflicts().is_empty());
    assert_eq!(b.record().profile.phone.as_deref(), Some("13911111111"));
}

#[test]
fn resolving_refuses_paths_without_conflict_and_values_not_in_it() {
    let mut a = enrolled(1);
    let mut b = replica(&a, 2);
    a.update_profile(&edit(1, 10), &[ProfileChange::Phone(Some("1".into()))]).unwrap();
    b.update_profile(&edit(2, 10), &[ProfileChange::Phone(Some("2".into()))]).unwrap();
    a.merge(&b).unwrap();
    let path = vec!["profile".to_owned(), "phone".to_owned()];
    assert!(matches!(
        a.resolve_conflict(&edit(1, 11), &path, &json!("3")),
        Err(DocumentError::Input(InputError::NotAConflictValue { .. }))
    ));
    let name = vec!["profile".to_owned(), "name".to_owned()];
    assert!(matches!(
        a.resolve_conflict(&edit(1, 11), &name, &json!("x")),
        Err(DocumentError::Input(InputError::NotInConflict { .. }))
    ));
}

#[test]
fn a_document_loads_from_a_full_save_followed_by_incremental_chunks() {
    let mut doc = enrolled(1);
    let saved = doc.save();
    let heads = doc.heads();
    doc.record_visit(&edit(2, 0), green_visit(2, 0), &Policy::default()).unwrap();
    let chunk = doc.save_after(&heads);
    let mut concatenated = saved.clone();
    concatenated.extend_from_slice(&chunk);
    let loaded = ElderDocument::load(&concatenated, actor(3)).unwrap();
    assert_eq!(loaded.heads(), doc.heads());
    let mut incremental = ElderDocument::load(&saved, actor(4)).unwrap();
    incremental.load_incremental(&chunk).unwrap();
    assert_eq!(materialise(&incremental).unwrap(), materialise(&doc).unwrap());
    let from_changes = ElderDocument::from_changes(&doc.changes_since(&[]), actor(5)).unwrap();
    assert_eq!(from_changes.heads(), doc.heads());
}

#[test]
fn a_pull_carries_a_whole_save_or_changes_cut_out_of_one_and_both_apply() {
    let mut doc = enrolled(1);
    let first = doc.heads();
    doc.record_visit(&edit(2, 0), green_visit(2, 0), &Policy::default()).unwrap();
    let second = doc.heads();
    doc.record_visit(&edit(2, 5), green_visit(3, 5), &Policy::default()).unwrap();
    let save = doc.save();
    // A first pull: the save alone.
    let whole = ElderDocument::from_changes(std::slice::from_ref(&save), actor(3)).unwrap();
    assert_eq!(materialise(&whole).unwrap(), materialise(&doc).unwrap());
    // A later one: the changes after what the workstation holds, cut out of the save.
    let mut behind = ElderDocument::from_changes(&doc.changes_since(&[])[..1], actor(4)).unwrap();
    assert_eq!(behind.heads(), first);
    let wanted: Vec<_> = doc.history().iter().skip(1).map(|c| c.hash).collect();
    let cut = jinlin_shared::document::changes_in_save(&save, &wanted).unwrap();
    assert_eq!(cut, doc.changes_since(&first), "byte for byte the changes as made");
    behind.apply_changes(&cut[1..]).unwrap();
    assert_eq!(behind.heads(), first, "a change waits for its dependency");
    behind.apply_changes(&cut[..1]).unwrap();
    assert_eq!(behind.heads(), doc.heads());
    // A save over changes already held, and a save beside a change, are harmless.
    let mut ahead = ElderDocument::from_changes(&doc.changes_since(&[])[..2], actor(5)).unwrap();
    assert_eq!(ahead.heads(), second);
    ahead.apply_changes(&[save.clone(), cut[1].clone()]).unwrap();
    assert_eq!(materialise(&ahead).unwrap(), materialise(&doc).unwrap());
    // A hash the save does not hold is an error, not a shorter answer.
    let foreign = enrolled(9).heads()[0];
    assert!(jinlin_shared::document::changes_in_save(&save, &[wanted[0], foreign]).is_err());
}

#[test]
fn a_visit_row_splits_into_its_columns_and_details_and_joins_back() {
    let mut doc = enrolled(1);
    let mut visit = green_visit(2, 0);
    visit.record.notes.clear();
    visit.record.referrals.clear();
    let checks = &mut visit.record.checks;
    for check in [&mut checks.health, &mut checks.economic, &mut checks.family, &mut checks.service_needs] {
        check.note.clear();
    }
    checks.safety.note = "燃气软管老化".into();
    doc.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    doc.void_visit(&edit(3, 30), visit.id, "录入重复").unwrap();
    let row = materialise(&doc).unwrap().visits.remove(0);
    let (keys, details) = row.split();
    assert_eq!((keys.visit_id, keys.assistant, keys.risk), (visit.id, author(2).user, visit.record.risk));
    let stored = serde_json::to_value(&details).unwrap();
    for key in ["visitId", "elderId", "assistant", "device", "visitedAt", "mode", "risk", "referrals", "notes"] {
        assert!(stored.get(key).is_none(), "{key} is a column or empty, so not in the details: {stored}");
    }
    assert_eq!(stored["void"]["reason"], "录入重复");
    let checks = stored["checks"].as_object().unwrap();
    assert_eq!(checks.len(), 6, "the five states and the one note written, no empty notes: {stored}");
    assert_eq!(checks["safetyNote"], "燃气软管老化");
    let back = jinlin_shared::materialise::VisitRow::join(keys.clone(), serde_json::from_value(stored).unwrap());
    assert_eq!(back, row);
    // A row stored whole (before the split) still reads as its details.
    let whole: jinlin_shared::materialise::VisitDetails =
        serde_json::to_value(&row).and_then(serde_json::from_value).unwrap();
    assert_eq!(jinlin_shared::materialise::VisitRow::join(keys, whole), row);
}

#[test]
fn applying_changes_is_idempotent_and_reports_what_was_new() {
    let mut origin = enrolled(1);
    let server = replica(&origin, 9);
    let heads = origin.heads();
    origin.record_visit(&edit(2, 0), green_visit(2, 0), &Policy::default()).unwrap();
    let changes = origin.changes_since(&heads);
    let applied = server.apply_checked(&changes, at_minutes(1), &Policy::default()).unwrap();
    assert_eq!(applied.new_changes.len(), 1);
    assert_eq!(applied.new_changes[0].author, author(2));
    let replay = applied.document.apply_checked(&changes, at_minutes(2), &Policy::default()).unwrap();
    assert!(replay.new_changes.is_empty());
    assert_eq!(replay.document.heads(), applied.document.heads());
}

#[test]
fn a_stored_document_takes_a_push_as_the_document_itself_does() {
    let mut origin = enrolled(1);
    let saved = replica(&origin, 9).save();
    let stored = || StoredDocument::load(&saved, actor(9)).unwrap();
    let heads = origin.heads();
    origin.record_visit(&edit(2, 0), green_visit(2, 0), &Policy::default()).unwrap();
    let changes = origin.changes_since(&heads);
    let loaded = ElderDocument::load(&saved, actor(9)).unwrap();
    let expected = loaded.apply_checked(&changes, at_minutes(1), &Policy::default()).unwrap();
    let applied = stored().apply_checked(&changes, at_minutes(1), &Policy::default()).unwrap();
    assert_eq!(applied.new_changes, expected.new_changes);
    assert_eq!(applied.reviews, expected.reviews);
    assert_eq!(applied.document.record(), expected.document.record());
    assert_eq!(applied.document.heads(), expected.document.heads());
    // What it refuses, it refuses alike: the same push read by a clock an hour behind.
    let refused = stored().apply_checked(&changes, at_minutes(-60), &Policy::default()).unwrap_err();
    let expected = loaded.apply_checked(&changes, at_minutes(-60), &Policy::default()).unwrap_err();
    assert_eq!(refused.code(), RejectCode::VisitInFuture);
    assert_eq!(refused, expected);
    // A replay gives the stored document back, read.
    let replay = stored().apply_checked(&origin.changes_since(&[])[..1], at_minutes(2), &Policy::default()).unwrap();
    assert!(replay.new_changes.is_empty());
    assert_eq!(replay.document.record(), loaded.record());
    // Bytes that are no document do not load.
    assert!(matches!(StoredDocument::load(b"not a save", actor(9)), Err(DocumentError::Undecodable(_))));
}

#[test]
fn changes_with_missing_dependencies_are_refused_with_the_missing_hashes() {
    let mut origin = enrolled(1);
    let server = replica(&origin, 9);
    let heads = origin.heads();
    origin.record_visit(&edit(2, 0), green_visit(2, 0), &Policy::default()).unwrap();
    origin.record_visit(&edit(2, 1), green_visit(3, 1), &Policy::default()).unwrap();
    let changes = origin.changes_since(&heads);
    let err = server.apply_checked(&changes[1..], at_minutes(5), &Policy::default()).unwrap_err();
    assert_eq!(err.code(), RejectCode::MissingDependencies);
}

#[test]
fn a_change_dated_in_the_future_by_the_servers_clock_is_refused_naming_the_field() {
    let mut origin = enrolled(1);
    let server = replica(&origin, 9);
    let heads = origin.heads();
    let visit = green_visit(2, 0);
    origin.record_visit(&edit(2, 0), visit.clone(), &Policy::default()).unwrap();
    // The server's clock says it is an hour earlier than the workstation thought.
    let err = server.apply_checked(&origin.changes_since(&heads), at_minutes(-60), &Policy::default()).unwrap_err();
    assert_eq!(err.code(), RejectCode::VisitInFuture);
    assert_eq!(err.field(), Some(format!("visits.{}.visitedAt", visit.id)));
}

#[test]
fn an_edit_made_after_seeing_the_void_is_refused_but_a_concurrent_one_merges() {
    let mut a = enrolled(1);
    let visit = green_visit(2, 0);
    a.record_visit(&edit(1, 0), visit.clone(), &Policy::default()).unwrap();
    let mut b = replica(&a, 2);
    let server = replica(&a, 9);
    let base = a.heads();
    a.void_visit(&edit(1, 5), visit.id, "录错老人").unwrap();

    // b corrects the visit without having seen the void: accepted, stays voided.
    let mut by_b = visit.record.clone();
    by_b.notes = "补充说明".into();
    b.correct_visit(&edit(2, 6), visit.id, visit.visited_at, by_b.clone(), None, &Policy::default()).unwrap();
    let mut both = a.changes_since(&base);
    both.extend(b.changes_since(&base));
    let merged = server.apply_checked(&both, at_minutes(10), &Policy::default()).unwrap();
    assert!(merged.document.record().visits[&visit.id].is_voided());

    // A change built on top of the void that edits the visit is refused. The public
    // API refuses such an edit, so build it below the API, as a hostile client would.
    let mut hostile = a.automerge().clone();
    {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let (_, visits) = hostile.get(automerge::ROOT, "visits").unwrap().unwrap();
        let (_, v) = hostile.get(&visits, visit.id.to_string()).unwrap().unwrap();
        let mut tx = hostile.transaction();
        tx.put(&v, "notes", "偷偷修改").unwrap();
        tx.commit_with(automerge::transaction::CommitOptions::default().with_message(author(1).to_commit_message()));
    }
    let hostile_changes: Vec<Vec<u8>> = hostile.get_changes(&[]).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    let err = server.apply_checked(&hostile_changes, at_minutes(10), &Policy::default()).unwrap_err();
    assert!(matches!(err, ValidationError::VoidedVisitEdited { visit: v, .. } if v == visit.id), "{err:?}");
}

#[test]
fn a_change_without_an_author_is_refused() {
    let doc = enrolled(1);
    let mut raw = doc.automerge().clone();
    {
        use automerge::transaction::Transactable;
        let mut tx = raw.transaction();
        tx.put(automerge::ROOT, "stray", 1).unwrap();
        tx.commit();
    }
    let changes: Vec<Vec<u8>> = raw.get_changes(&doc.heads()).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    let err = doc.apply_checked(&changes, at_minutes(0), &Policy::default()).unwrap_err();
    assert_eq!(err.code(), RejectCode::MissingAuthor);
}

#[test]
fn a_document_that_fails_validation_is_reported_with_the_field_at_fault() {
    let doc = enrolled(1);
    let mut raw = doc.automerge().clone();
    {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let (_, profile) = raw.get(automerge::ROOT, "profile").unwrap().unwrap();
        let mut tx = raw.transaction();
        tx.put(&profile, "gender", "unknown").unwrap();
        tx.commit_with(automerge::transaction::CommitOptions::default().with_message(author(1).to_commit_message()));
    }
    let changes: Vec<Vec<u8>> = raw.get_changes(&doc.heads()).into_iter().map(|c| c.raw_bytes().to_vec()).collect();
    let err = doc.apply_checked(&changes, at_minutes(0), &Policy::default()).unwrap_err();
    assert_eq!(err.code(), RejectCode::Schema);
    assert_eq!(err.field().as_deref(), Some("profile.gender"));

    let mut record = doc.record().clone();
    record.profile.id_number_masked = Some("11010519491231002X".into());
    let err = validate_record(&record, at_minutes(0), &Policy::default()).unwrap_err();
    assert_eq!(err.field().as_deref(), Some("profile.idNumberMasked"));
}

#[test]
fn a_document_of_a_newer_schema_is_refused_and_one_without_a_version_too() {
    let doc = enrolled(1);
    for (value, expected) in [(Some(SCHEMA_VERSION as i64 + 1), "unsupported"), (None, "schema")] {
        let mut raw = doc.automerge().clone();
        {
            use automerge::transaction::Transactable;
            let mut tx = raw.transaction();
            match value {
                Some(v) => tx.put(automerge::ROOT, "schemaVersion", v).unwrap(),
                None => tx.delete(automerge::ROOT, "schemaVersion").unwrap(),
            }
            tx.commit();
        }
        let err = ElderDocument::load(&raw.save(), actor(2)).unwrap_err();
        match expected {
            "unsupported" => assert!(
                matches!(err, DocumentError::UnsupportedSchemaVersion { found, .. } if found == SCHEMA_VERSION as u64 + 1)
            ),
            _ => assert!(matches!(err, DocumentError::Schema { ref path, .. } if path == "schemaVersion"), "{err:?}"),
        }
    }
}

#[test]
fn dropping_a_rejected_change_drops_what_was_built_on_it_and_keeps_the_rest() {
    let mut doc = enrolled(1);
    let kept = green_visit(2, 60);
    doc.record_visit(&edit(2, 90), kept.clone(), &Policy::default()).unwrap();
    let rejected = green_visit(3, 100);
    let rejected_hash = doc.record_visit(&edit(2, 110), rejected.clone(), &Policy::default()).unwrap().unwrap();
    let built_on = green_visit(4, 120);
    doc.record_visit(&edit(2, 130), built_on.clone(), &Policy::default()).unwrap();

    let rebuilt = doc.without_changes(&[rejected_hash]).unwrap().unwrap();
    let visits = &rebuilt.record().visits;
    assert!(visits.contains_key(&kept.id));
    assert!(!visits.contains_key(&rejected.id) && !visits.contains_key(&built_on.id));
    assert_eq!(rebuilt.change_count(), 2, "the enrolment and the kept visit");

    let enrolment_hash = doc.history()[0].hash;
    assert!(doc.without_changes(&[enrolment_hash]).unwrap().is_none(), "nothing is left without the enrolment");
}
