//! Roster files from civil affairs on both databases: an XLSX made by openpyxl (a
//! title row, Chinese headers, real date cells) and next month's CSV in GBK
//! (`fixtures/roster/generate.py` made both). A check writes nothing; applying writes
//! what the check listed and nothing else; the same file twice changes nothing; the
//! next file is a reviewed difference (changed fields, a move, an elder left out).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer};
use jinlin_server::auth::{Caller, SERVER_DEVICE};
use jinlin_server::roster::{RosterError, apply_roster, check_roster, importer};
use jinlin_server::{AppState, Limits};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::policy::Policy;
use jinlin_shared::roster_file::{Problem, RosterColumn};
use sea_orm::EntityTrait;

const XLSX: &[u8] = include_bytes!("fixtures/roster/roster-2026-11.xlsx");
const GBK_CSV: &[u8] = include_bytes!("fixtures/roster/roster-2026-12-gbk.csv");

async fn caller(state: &AppState, login: &str) -> Caller {
    importer(state, login).await.unwrap()
}

async fn stored(server: &TestServer, name: &str) -> ElderDocument {
    use jinlin_server::db::entity::{document, elder};
    use sea_orm::{ColumnTrait, QueryFilter};
    let row = elder::Entity::find().filter(elder::Column::Name.eq(name)).one(&server.db).await.unwrap().unwrap();
    let doc = document::Entity::find_by_id(row.elder_id).one(&server.db).await.unwrap().unwrap();
    ElderDocument::load(&doc.snapshot, jinlin_shared::ActorId::random()).unwrap()
}

async fn a_civil_affairs_workbook_then_next_months_gbk_file_are_reviewed_differences(backend: Backend) {
    let server = TestServer::start(backend).await;
    let state = AppState::new(server.db.clone(), Policy::default(), Limits::default());
    let admin = caller(&state, "admin").await;
    let quiet = |_: usize, _: usize| {};

    // The check lists four new elders and the two bad rows by line and column, and
    // writes nothing.
    let check = check_roster(&state, &admin, XLSX.to_vec()).await.unwrap().check;
    assert_eq!(check.header.line, 2, "below the title row");
    assert_eq!(check.rows, 6);
    let names: Vec<&str> = check.enrol.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["陈秀英", "林建国", "黄金花", "张阿婆"]);
    assert_eq!(check.enrol[0].birth_date.to_string(), "1938-05-02", "an Excel date cell");
    let problems: Vec<(usize, Option<RosterColumn>)> = check.problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(problems, [(6, Some(RosterColumn::IdNumber)), (7, Some(RosterColumn::Community))]);
    assert!(matches!(check.problems[0].problem, Problem::BadCheckDigit { .. }));
    assert!(check.problems[0].zh.contains("校验位") && check.problems[0].en.contains("check digit"));
    assert!(check.problems[1].zh.contains("不存在社区"));
    assert_eq!(server.count("documents").await, 0, "a check writes nothing");

    // A digest that is not the check's writes nothing either.
    let stale = apply_roster(&state, &admin, XLSX.to_vec(), "0000", &quiet).await;
    assert!(matches!(stale, Err(RosterError::Stale)), "{stale:?}");
    assert_eq!(server.count("documents").await, 0);

    // Applied: the four, with the two ID numbers in the identity table only.
    let heard = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, of: usize| heard.lock().unwrap().push((done, of));
    let applied = apply_roster(&state, &admin, XLSX.to_vec(), &check.digest, &progress).await.unwrap();
    assert_eq!((applied.enrolled, applied.updated, applied.refused.len()), (4, 0, 0));
    assert_eq!(heard.into_inner().unwrap().last(), Some(&(4, 4)));
    assert_eq!(server.count("documents").await, 4);
    let identities = jinlin_server::db::entity::identity::Entity::find().all(&server.db).await.unwrap();
    assert_eq!(identities.len(), 2);
    let chen = stored(&server, "陈秀英").await;
    let masked = chen.record().profile.id_number_masked.clone().unwrap();
    assert!(
        masked.contains('*')
            && !chen.save().windows(18).any(|w| identities.iter().any(|i| i.id_number.as_bytes() == w))
    );
    let imports = server.text("SELECT CAST(COUNT(*) AS TEXT) AS v FROM audit_log WHERE action = 'roster.import'").await;
    assert_eq!(imports, "1");

    // The same file again: nothing new, nothing changed, nothing to write.
    let again = check_roster(&state, &admin, XLSX.to_vec()).await.unwrap().check;
    assert!(again.enrol.is_empty() && again.update.is_empty() && !again.writes_anything());
    assert_eq!(again.unchanged, 4);
    let log_before = server.count("log_entries").await;
    let nothing = apply_roster(&state, &admin, XLSX.to_vec(), &again.digest, &quiet).await.unwrap();
    assert_eq!((nothing.enrolled, nothing.updated), (0, 0));
    assert_eq!(server.count("log_entries").await, log_before);

    // Next month's file, in GBK: 林建国 (no ID number, matched by name, birth date and
    // community) has a phone and a new address; 黄金花 moved to 和平社区; 陈秀英 is
    // left out, for a supervisor to decide, and nothing is deleted.
    let next = check_roster(&state, &admin, GBK_CSV.to_vec()).await.unwrap().check;
    assert!(next.enrol.is_empty() && next.problems.is_empty(), "{next:?}");
    let changes: Vec<(&str, Vec<RosterColumn>)> =
        next.update.iter().map(|u| (u.name.as_str(), u.changes.iter().map(|c| c.column).collect())).collect();
    assert_eq!(
        changes,
        [("林建国", vec![RosterColumn::Phone, RosterColumn::Address]), ("黄金花", vec![RosterColumn::Community])]
    );
    assert_eq!(next.update[0].changes[0].new, "*******4444", "phones shown masked");
    assert_eq!(next.update[0].changes[1].old, "中华路2号");
    let moved = &next.update[1].changes[0];
    assert_eq!((moved.old.as_str(), moved.new.as_str()), ("光明社区", "和平社区"), "communities by name");
    assert_eq!(next.missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["陈秀英"]);
    let applied = apply_roster(&state, &admin, GBK_CSV.to_vec(), &next.digest, &quiet).await.unwrap();
    assert_eq!((applied.enrolled, applied.updated), (0, 2));
    assert_eq!(stored(&server, "林建国").await.record().profile.address, "中华路22号");
    let heping = server.community("350203001001");
    let moved = jinlin_shared::materialise::materialise(&stored(&server, "黄金花").await).unwrap();
    assert_eq!(moved.elder.community, heping);
    assert_eq!(server.count("documents").await, 4, "陈秀英 is still there");
    server.stop().await;
}
on_both_databases!(
    a_civil_affairs_workbook_then_next_months_gbk_file,
    super::a_civil_affairs_workbook_then_next_months_gbk_file_are_reviewed_differences
);

async fn a_supervisor_imports_within_their_street_and_an_assistant_not_at_all(backend: Backend) {
    let server = TestServer::start(backend).await;
    let state = AppState::new(server.db.clone(), Policy::default(), Limits::default());
    let street = caller(&state, "lujiang").await;
    let check = check_roster(&state, &street, XLSX.to_vec()).await.unwrap().check;
    let outside = check.problems.iter().find(|p| p.line == 8).expect("幸福社区 is in another street");
    assert!(matches!(outside.problem, Problem::CommunityOutOfScope { .. }));
    assert_eq!(check.enrol.len(), 3);
    let assistant = caller(&state, "heping").await;
    assert!(matches!(check_roster(&state, &assistant, XLSX.to_vec()).await, Err(RosterError::NotPermitted)));
    assert!(matches!(importer(&state, "nobody").await, Err(RosterError::UnknownUser(_))));

    // Files that are not rosters: refused with a reason, nothing written.
    let forged = Caller { device: SERVER_DEVICE, ..street };
    for (bytes, what) in [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "a picture"),
        (Vec::new(), "an empty file"),
        ("序号,备注\n1,无\n".as_bytes().to_vec(), "a sheet with no roster header"),
    ] {
        let refused = check_roster(&state, &forged, bytes).await;
        assert!(matches!(refused, Err(RosterError::File(_) | RosterError::Sheet(_))), "{what}: {refused:?}");
    }
    assert_eq!(server.count("documents").await, 0);
    server.stop().await;
}
on_both_databases!(
    a_supervisor_imports_within_their_street,
    super::a_supervisor_imports_within_their_street_and_an_assistant_not_at_all
);

async fn the_routes_check_and_apply_a_file_and_refuse_what_they_must(backend: Backend) {
    use jinlin_shared::roster_file::{RosterApplied, RosterReading};
    let server = TestServer::start(backend).await;
    let admin = common::Client::sign_in(&server, "admin").await;
    let assistant = common::Client::sign_in(&server, "heping").await;
    assert_eq!(assistant.post_raw("/roster/check", XLSX.to_vec()).await.status(), 403);

    let picture: RosterReading =
        admin.post_raw("/roster/check", b"\x89PNG\r\n\x1a\n\0\0".to_vec()).await.json().await.unwrap();
    assert!(
        matches!(&picture, RosterReading::Refused { zh, en } if zh.contains("XLSX") && en.contains("XLSX")),
        "{picture:?}"
    );
    let reading: RosterReading = admin.post_raw("/roster/check", XLSX.to_vec()).await.json().await.unwrap();
    let RosterReading::Checked { check } = reading else { panic!("{reading:?}") };
    assert_eq!(check.enrol.len(), 4);

    let apply = |digest: &str| format!("/roster/apply?digest={digest}");
    assert_eq!(admin.post_raw(&apply("stale"), XLSX.to_vec()).await.status(), 409);
    assert_eq!(server.count("documents").await, 0);
    let applied: RosterApplied = admin.post_raw(&apply(&check.digest), XLSX.to_vec()).await.json().await.unwrap();
    assert_eq!(applied.enrolled, 4);
    // The same digest again is stale: the roster now holds the four.
    assert_eq!(admin.post_raw(&apply(&check.digest), XLSX.to_vec()).await.status(), 409);
    assert_eq!(server.count("documents").await, 4);
    server.stop().await;
}
on_both_databases!(
    the_routes_check_and_apply_a_file,
    super::the_routes_check_and_apply_a_file_and_refuse_what_they_must
);
