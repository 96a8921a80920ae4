//! The printed sheets' content: the round list names who is due and no one visited,
//! most pressing first; the visit record shows every visit, a voided one with its
//! reason; phones appear masked only.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use jinlin_shared::label::Language;
use jinlin_shared::materialise::ElderRows;
use jinlin_shared::policy::Policy;
use jinlin_shared::roster::RosterEntry;
use jinlin_shared::sheets::{round_list, visit_record};

fn elders() -> Vec<ElderRows> {
    vec![
        Elder::new(1).name("甲").phone("13800000001").met_at_home("2026-11-05T10:00:00+08:00").rows(),
        Elder::new(2).name("乙").phone("13800000002").met_at_home("2026-09-05T10:00:00+08:00").rows(),
        Elder::new(3).name("丙").phone("13800000003").met_at_home("2026-10-28T10:00:00+08:00").rows(),
        Elder::new(4).name("丁").met_at_home("2026-11-02T10:00:00+08:00").void_last_visit().rows(),
    ]
}

#[test]
fn the_round_list_names_who_is_due_most_overdue_first_and_masks_phones() {
    let now = at("2026-11-25T08:00:00+08:00");
    let rows = elders();
    let entries: Vec<(RosterEntry, &ElderRows)> =
        rows.iter().map(|r| (RosterEntry::new(r, &Policy::default(), now), r)).collect();
    let sheet = round_list(&entries, "助老员甲", now.shanghai_date(), now, Language::ZhCn);
    let table = &sheet.tables[0];
    let names: Vec<&str> = table.rows.iter().map(|row| row[1].as_str()).collect();
    // 甲 was visited this month. The others are all owed November's visit: 丁, whose
    // only visit was voided, has never been seen; then 乙 (September), then 丙 (October).
    assert_eq!(names, ["丁", "乙", "丙"]);
    assert!(table.rows.iter().all(|row| row[4].is_empty() || row[4].starts_with('*')), "masked: {:?}", table.rows);
    assert_eq!(table.rows[1][4], "*******0002");
    assert_eq!(table.rows[0][5], "从未");
    assert!(table.title.starts_with("待探访 3 人"));
    assert_eq!(sheet.file_name, "探访名单-2026-11-25.pdf");
}

#[test]
fn the_visit_record_lists_every_visit_a_voided_one_with_its_reason() {
    let rows = &elders()[3];
    let now = at("2026-11-25T08:00:00+08:00");
    let sheet = visit_record(rows, "一社区", &|_| "助老员甲".to_owned(), now, Language::ZhCn);
    assert_eq!(sheet.title, "特殊困难老年人探访记录表");
    assert!(sheet.heading.iter().any(|(label, value)| label == "所属社区" && value == "一社区"));
    let visits = &sheet.tables[0];
    assert_eq!(visits.rows.len(), 1);
    assert!(visits.rows[0][2].starts_with("已作废"), "{:?}", visits.rows[0]);
    assert_eq!(visits.rows[0][7], "助老员甲");
    let phoned = visit_record(&elders()[1], "一社区", &|_| String::new(), now, Language::En);
    let phone = phoned.heading.iter().find(|(label, _)| label == "Phone").unwrap();
    assert_eq!(phone.1, "*******0002");
    assert!(phoned.file_name.ends_with(".pdf") && phoned.file_name.contains('乙'));
}
