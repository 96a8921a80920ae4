//! Documents saved by earlier schema versions keep loading and materialising to the
//! same rows. Each schema version adds a fixture here; none is ever removed.
//!
//! The fixture is made by `JINLIN_BLESS_FIXTURES=1 cargo test -p jinlin-shared --test
//! schema_fixtures`, once, when its schema version is current; afterwards the test only reads it.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;

use jinlin_shared::document::{ElderDocument, NewFollowUp, ProfileChange};
use jinlin_shared::elder::{CareTier, ElderStatus, EmergencyContact};
use jinlin_shared::ids::{ContactId, EntryId, FollowUpId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::policy::Policy;
use jinlin_shared::visit::RiskLevel;
use support::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A document exercising every part of the schema: profile with contacts and notes,
/// visits (one voided, one red with its follow-up), a resolved follow-up, a status
/// change, a move, a tier override and an open conflict.
fn rich_document() -> ElderDocument {
    let policy = Policy::default();
    let mut a = enrolled(11);
    a.update_profile(
        &edit(1, 1),
        &[
            ProfileChange::SetContact(
                ContactId::from_parts(1, [1; 10]),
                EmergencyContact { name: "陈小明".into(), relation: "儿子".into(), phone: "13800000001".into() },
            ),
            ProfileChange::Notes("左耳听力弱，说话请大声".into()),
        ],
    )
    .unwrap();
    let first = green_visit(20, 2);
    a.record_visit(&edit(2, 3), first.clone(), &policy).unwrap();
    let mut red = green_visit(21, 4);
    red.record.risk = RiskLevel::Red;
    red.follow_up = Some(NewFollowUp {
        id: FollowUpId::from_parts(5, [5; 10]),
        action: "明日上门".into(),
        due_at: at_minutes(600),
    });
    a.record_visit(&edit(2, 5), red, &policy).unwrap();
    a.void_visit(&edit(3, 6), first.id, "录入重复").unwrap();
    a.resolve_follow_up(&edit(2, 7), FollowUpId::from_parts(5, [5; 10]), None, "已电话确认安全").unwrap();
    a.change_status(
        &edit(1, 8),
        EntryId::from_parts(8, [8; 10]),
        ElderStatus::Hospitalised,
        date(2026, 10, 20),
        "肺炎",
    )
    .unwrap();
    a.move_to_community(&edit(1, 9), EntryId::from_parts(9, [9; 10]), community(2), date(2026, 10, 25)).unwrap();
    a.set_tier(&edit(3, 10), Some((CareTier::HighRisk, "近期住院"))).unwrap();
    let mut b = replica(&a, 2);
    a.update_profile(&edit(1, 11), &[ProfileChange::Phone(Some("13911112222".into()))]).unwrap();
    b.update_profile(&edit(2, 11), &[ProfileChange::Phone(Some("13933334444".into()))]).unwrap();
    a.merge(&b).unwrap();
    a
}

#[test]
fn schema_version_1_documents_keep_loading_with_the_same_rows() {
    let (bytes_path, rows_path) = (fixture("elder-v1.automerge"), fixture("elder-v1.rows.json"));
    if std::env::var_os("JINLIN_BLESS_FIXTURES").is_some() {
        let doc = rich_document();
        std::fs::write(&bytes_path, doc.save()).unwrap();
        let rows = serde_json::to_string_pretty(&materialise(&doc).unwrap()).unwrap();
        std::fs::write(&rows_path, rows + "\n").unwrap();
    }
    let saved = std::fs::read(&bytes_path).expect("the v1 fixture is committed");
    let expected: ElderRows = serde_json::from_str(&std::fs::read_to_string(&rows_path).unwrap()).unwrap();
    let doc = ElderDocument::load(&saved, actor(42)).unwrap();
    let rows = materialise(&doc).unwrap();
    assert_eq!(rows, expected);
    // The fixture really covers the schema: a voided visit, a follow-up, a conflict.
    assert!(rows.visits.iter().any(|v| v.visit.is_voided()));
    assert!(!rows.follow_ups.is_empty());
    assert_eq!(rows.conflicts.len(), 1);
    assert_eq!(rows.elder.placements.len(), 2);
}
