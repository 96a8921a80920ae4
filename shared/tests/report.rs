//! The monthly report on a small district whose every figure was worked out by hand
//! from DOMAIN.md's rules (the comments say how), not by the code under test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use jinlin_shared::area::{Area, AreaLevel, AreaTree};
use jinlin_shared::author::Author;
use jinlin_shared::coverage::{CountedVisit, VisitFacts};
use jinlin_shared::document::Conflict;
use jinlin_shared::document::ConflictValue;
use jinlin_shared::elder::{CareTier, ElderStatus};
use jinlin_shared::ids::{AreaId, EntryId, FollowUpId};
use jinlin_shared::insurance::{self, CaseState, CaseStep, InsuranceCase, InsuranceStep};
use jinlin_shared::materialise::{ConflictRow, FollowUpRow, VisitRow};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::{MonthlyReport, ReportInput, SummaryLine, monthly_report};
use jinlin_shared::visit::{FollowUp, FollowUpResolution, IncidentKind, VisitMode, VisitOutcome};

mod common;

use common::*;

fn area(id: AreaId, code: &str, name: &str, level: AreaLevel, parent: Option<AreaId>) -> Area {
    Area { id, code: code.into(), name: name.into(), level, parent }
}

/// 思明区 > 鹭江街道 > {一社区 (1), 二社区 (2)}; 思明区 > 厦港街道 > {三社区 (3)}.
fn tree() -> AreaTree {
    let district = AreaId::from_parts(ID_MILLIS, [201; 10]);
    let (street1, street2) = (AreaId::from_parts(ID_MILLIS, [202; 10]), AreaId::from_parts(ID_MILLIS, [203; 10]));
    AreaTree::new([
        area(district, "350203", "思明区", AreaLevel::District, None),
        area(street1, "350203001", "鹭江街道", AreaLevel::Street, Some(district)),
        area(street2, "350203002", "厦港街道", AreaLevel::Street, Some(district)),
        area(community(1), "350203001001", "一社区", AreaLevel::Community, Some(street1)),
        area(community(2), "350203001002", "二社区", AreaLevel::Community, Some(street1)),
        area(community(3), "350203002001", "三社区", AreaLevel::Community, Some(street2)),
    ])
    .unwrap()
}

struct City {
    elders: Vec<Elder>,
    follow_ups: Vec<FollowUpRow>,
    conflicts: Vec<ConflictRow>,
    insurance: Vec<InsuranceCase>,
}

/// e3's injury of 1 August: reported on the 4th (3 days), paid 2,000.00 yuan in
/// September. e12's fall of 25 November: a lead on 30 November; the report recorded on
/// 3 December comes after the day the report counts to.
fn insurance(elders: &[Elder]) -> Vec<InsuranceCase> {
    let by = Author { user: user(7), device: author().device };
    let step = |elder: &Elder, n: u8, at_text: &str, step: CaseStep| {
        let step =
            InsuranceStep { visit: elder.last_visit().visit_id, step, recorded_at: at(at_text), recorded_by: by };
        (EntryId::from_parts(ID_MILLIS, [n; 10]), step)
    };
    let (e3, e12) = (&elders[2], &elders[11]);
    let reported = |on| CaseStep::Reported { reported_on: on, claim_number: "RB-1".into() };
    let steps = [
        (
            e3,
            vec![
                step(e3, 1, "2026-08-04T09:00:00+08:00", reported(date(2026, 8, 4))),
                step(
                    e3,
                    2,
                    "2026-09-10T09:00:00+08:00",
                    CaseStep::Paid { paid_on: date(2026, 9, 10), amount_fen: 200_000 },
                ),
            ],
        ),
        (e12, vec![step(e12, 3, "2026-12-03T09:00:00+08:00", reported(date(2026, 12, 3)))]),
    ];
    steps
        .into_iter()
        .flat_map(|(elder, steps)| {
            let visits = elder.visits.iter().map(|v| (&v.visit_id, &v.visit));
            insurance::cases(elder.id(), visits, &steps.into_iter().collect())
        })
        .collect()
}

fn follow_up(elder: &Elder, n: u8, due: &str, resolved: Option<&str>) -> FollowUpRow {
    let by = Author { user: user(7), device: author().device };
    FollowUpRow {
        elder_id: elder.id(),
        follow_up_id: FollowUpId::from_parts(ID_MILLIS, [n; 10]),
        follow_up: FollowUp {
            origin_visit: Some(elder.last_visit().visit_id),
            action: "24小时内再次上门".into(),
            due_at: at(due),
            created_at: elder.last_visit().visit.visited_at,
            created_by: by,
            resolution: resolved.map(|r| FollowUpResolution { at: at(r), by, visit: None, note: "已上门".into() }),
        },
    }
}

fn city() -> City {
    use VisitMode::{Home, Phone};
    use VisitOutcome::{MetElder, MetFamilyOnly};
    let elders = vec![
        // 一社区: e1 home, e2 phone, e3 last seen in August, e4's only visit voided.
        Elder::new(1).name("甲").met_at_home("2026-11-05T10:00:00+08:00"),
        Elder::new(2).name("乙").visit("2026-11-10T10:00:00+08:00", Phone, MetElder),
        Elder::new(3)
            .name("丙")
            .phone("13800001234")
            .met_at_home("2026-08-01T10:00:00+08:00")
            .incident(IncidentKind::Injury, "烫伤"),
        Elder::new(4).name("丁").met_at_home("2026-11-12T10:00:00+08:00").void_last_visit(),
        // 二社区: e5 family only but unable to communicate (counts); e6 family only (does
        // not); e7 enrolled in December (not this month); e8 died in October (gone);
        // e9 died on 15 November (counts, owed nothing after).
        Elder::new(5).name("戊").unable_to_communicate().lives_in(community(2)).visit(
            "2026-11-08T10:00:00+08:00",
            Home,
            MetFamilyOnly,
        ),
        Elder::new(6).name("己").lives_in(community(2)).visit("2026-11-08T11:00:00+08:00", Home, MetFamilyOnly),
        Elder::new(7).name("庚").enrolled(date(2026, 12, 1)).lives_in(community(2)),
        Elder::new(8).name("辛").lives_in(community(2)).status(ElderStatus::Deceased, date(2026, 10, 15)),
        Elder::new(9).name("壬").lives_in(community(2)).status(ElderStatus::Deceased, date(2026, 11, 15)),
        // 三社区: e10 visited in 一社区, then moved here on 20 November (counts here);
        // e11 red risk followed up in 23 h; e12 red risk never followed up, and a fall.
        Elder::new(10).name("癸").met_at_home("2026-11-03T10:00:00+08:00").moves_to(community(3), date(2026, 11, 20)),
        Elder::new(11).name("子").lives_in(community(3)).met_at_home("2026-11-18T10:00:00+08:00").red(),
        Elder::new(12)
            .name("丑")
            .phone("13912345678")
            .lives_in(community(3))
            .met_at_home("2026-11-25T10:00:00+08:00")
            .red()
            .incident(IncidentKind::Fall, "浴室滑倒"),
    ];
    let follow_ups = vec![
        follow_up(&elders[10], 1, "2026-11-19T10:00:00+08:00", Some("2026-11-19T09:00:00+08:00")),
        follow_up(&elders[11], 2, "2026-11-26T10:00:00+08:00", None),
    ];
    let value = |v: &str| ConflictValue {
        value: serde_json::json!(v),
        author: Some(author()),
        at: at("2026-11-20T10:00:00+08:00"),
        winner: false,
    };
    let conflicts = vec![ConflictRow {
        elder_id: elders[1].id(),
        field: "profile.phone".into(),
        conflict: Conflict { path: vec!["profile".into(), "phone".into()], values: vec![value("1"), value("2")] },
    }];
    let insurance = insurance(&elders);
    City { elders, follow_ups, conflicts, insurance }
}

fn report(city: &City, tree: &AreaTree, area: Option<&Area>) -> MonthlyReport {
    let rows: Vec<_> = city.elders.iter().map(|e| e.row.clone()).collect();
    let visits: Vec<VisitRow> = city.elders.iter().flat_map(|e| e.visits.clone()).collect();
    let facts: Vec<VisitFacts> = visits.iter().map(CountedVisit::facts).collect();
    let people = BTreeMap::from([(author().user, "助老员甲".to_owned()), (user(7), "助老员乙".to_owned())]);
    let assistants = BTreeMap::from([(community(1), vec!["助老员甲".to_owned(), "助老员乙".to_owned()])]);
    monthly_report(&ReportInput {
        month: month("2026-11"),
        as_of: date(2026, 11, 30),
        now: at("2026-12-01T09:00:00+08:00"),
        tree,
        area,
        elders: &rows,
        visits: &facts,
        listed_visits: &visits,
        follow_ups: &city.follow_ups,
        conflicts: &city.conflicts,
        insurance_cases: &city.insurance,
        people: &people,
        assistants: &assistants,
        unmasked_id_numbers: None,
        policy: &Policy::default(),
    })
}

fn line<'a>(report: &'a MonthlyReport, name: &str) -> &'a SummaryLine {
    report.summary.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("a summary line for {name}"))
}

#[test]
fn the_summary_counts_each_community_and_adds_them_up() {
    let tree = tree();
    let report = report(&city(), &tree, None);
    let names: Vec<&str> = report.summary.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["全市", "思明区", "鹭江街道", "一社区", "二社区", "厦港街道", "三社区"], "depth first");
    // (denominator, visited) worked out above.
    let expected = [
        ("一社区", 4, 2),
        ("二社区", 3, 1),
        ("三社区", 3, 3),
        ("鹭江街道", 7, 3),
        ("厦港街道", 3, 3),
        ("思明区", 10, 6),
        ("全市", 10, 6),
    ];
    for (name, denominator, visited) in expected {
        let totals = &line(&report, name).totals;
        assert_eq!((totals.denominator, totals.visited), (denominator, visited), "{name}");
        assert_eq!(totals.rate, Some(f64::from(visited) / f64::from(denominator)), "{name}");
    }
    // Valid visits: homes by e1, e5, e10, e11, e12; a phone call by e2.
    let district = &line(&report, "思明区").totals;
    assert_eq!((district.valid_visits_by_mode.home, district.valid_visits_by_mode.phone), (5, 1));
    assert_eq!(district.home_visit_share, Some(5.0 / 6.0));
    assert_eq!(
        (line(&report, "一社区").street.as_str(), line(&report, "一社区").district.as_str()),
        ("鹭江街道", "思明区")
    );
}

#[test]
fn the_lists_name_who_was_not_visited_and_what_needs_attention() {
    let tree = tree();
    let report = report(&city(), &tree, None);
    let policy = Policy::default();

    // Not visited: 丙 (last seen 1 August: 121 days), 丁 (voided) and 己 (family only),
    // never validly visited since enrolment on 1 January (333 days), and 壬, who died
    // on 15 November and is owed nothing. All are in the general tier.
    let mut not_visited: Vec<(&str, i64)> =
        report.not_visited.iter().map(|l| (l.name.as_str(), l.days_overdue)).collect();
    not_visited.sort();
    let overdue = |days: i64| (days - policy.interval_days(CareTier::General)).max(0);
    let mut expected = vec![("丁", overdue(333)), ("丙", overdue(121)), ("壬", 0), ("己", overdue(333))];
    expected.sort();
    assert_eq!(not_visited, expected);
    let c3 = report.not_visited.iter().find(|l| l.name == "丙").unwrap();
    assert_eq!((c3.days_since, c3.last_valid_visit_on), (121, Some(date(2026, 8, 1))));
    assert_eq!(c3.phone.as_deref(), Some("*******1234"), "phones are masked by default");
    assert_eq!(c3.assistants, "助老员甲、助老员乙");
    assert_eq!((c3.place.community.as_str(), c3.place.street.as_str()), ("一社区", "鹭江街道"));

    // Red risk: 丑 (never followed up) before 子 (followed up in 23 h).
    let red: Vec<(&str, bool)> =
        report.red_risk_visits.iter().map(|l| (l.name.as_str(), l.followed_up_in_time)).collect();
    assert_eq!(red, [("丑", false), ("子", true)]);
    let past_due: Vec<(&str, i64)> =
        report.follow_ups_past_due.iter().map(|l| (l.name.as_str(), l.days_past_due)).collect();
    assert_eq!(past_due, [("丑", 4)], "due 26 Nov 10:00, now 1 Dec 09:00");
    assert_eq!(report.follow_ups_past_due[0].created_by, "助老员乙");

    let voided: Vec<(&str, &str)> = report.voided_visits.iter().map(|l| (l.name.as_str(), l.reason.as_str())).collect();
    assert_eq!(voided, [("丁", "录错老人")]);
    let incidents: Vec<_> = report.incidents.iter().map(|l| (l.name.as_str(), l.kind, l.note.as_str())).collect();
    assert_eq!(incidents, [("丑", IncidentKind::Fall, "浴室滑倒")]);
    assert_eq!(report.incidents[0].phone.as_deref(), Some("*******5678"));
    let conflicts: Vec<(&str, &str, usize)> =
        report.open_conflicts.iter().map(|l| (l.name.as_str(), l.field.as_str(), l.values)).collect();
    assert_eq!(conflicts, [("乙", "profile.phone", 2)]);
    assert!(report.masked);
}

#[test]
fn the_trend_covers_twelve_months_ending_with_the_report_month() {
    let tree = tree();
    let report = report(&city(), &tree, None);
    let months: Vec<String> = report.trend.iter().map(|p| p.month.to_string()).collect();
    assert_eq!(months.first().map(String::as_str), Some("2025-12"));
    assert_eq!(months.last().map(String::as_str), Some("2026-11"));
    assert_eq!(months.len(), 12);
    let point = |m: &str| report.trend.iter().find(|p| p.month.to_string() == m).unwrap();
    // December 2025: everyone enrolled on 1 January 2026; nobody counts, no rate.
    assert_eq!((point("2025-12").denominator, point("2025-12").rate), (0, None));
    // August: eleven on the roster (all but 庚), and only 丙 was visited.
    assert_eq!((point("2026-08").denominator, point("2026-08").visited), (11, 1));
    // October: 辛 died mid-month and still counts; nobody was visited.
    assert_eq!((point("2026-10").denominator, point("2026-10").visited, point("2026-10").rate), (11, 0, Some(0.0)));
    assert_eq!((point("2026-11").denominator, point("2026-11").visited), (10, 6));

    // Each area of the summary has its own twelve months: the city's equal the report's,
    // and August's visit (丙, of 一社区) is 鹭江街道's and 一社区's alone.
    assert_eq!(report.trend_by_area.len(), report.summary.len());
    let of = |name: &str| {
        let code = &line(&report, name).code;
        &report.trend_by_area.iter().find(|t| &t.code == code).unwrap().points
    };
    assert_eq!(of("全市"), &report.trend);
    let august =
        |name: &str| of(name).iter().find(|p| p.month.to_string() == "2026-08").map(|p| (p.denominator, p.visited));
    assert_eq!(august("鹭江街道"), Some((9, 1)));
    // 一社区 in August: 甲, 乙, 丙, 丁 and 癸 (who moved to 三社区 only in November).
    assert_eq!(august("一社区"), Some((5, 1)));
    assert_eq!(august("厦港街道"), Some((2, 0)));
    let november = of("一社区").last().unwrap();
    let summary = &line(&report, "一社区").totals;
    assert_eq!((november.denominator, november.visited), (summary.denominator, summary.visited));
}

#[test]
fn a_street_report_keeps_to_its_street_and_counts_the_elder_who_moved_out_elsewhere() {
    let tree = tree();
    let street = tree.areas().find(|a| a.name == "鹭江街道").unwrap().clone();
    let report = report(&city(), &tree, Some(&street));
    let names: Vec<&str> = report.summary.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["鹭江街道", "一社区", "二社区"]);
    assert_eq!((report.summary[0].totals.denominator, report.summary[0].totals.visited), (7, 3));
    assert_eq!(report.area.name, "鹭江街道");
    // 癸 was visited in 一社区 but belongs to 三社区 at the month's end: not here.
    assert!(report.red_risk_visits.is_empty() && report.incidents.is_empty());
    assert!(report.not_visited.iter().all(|l| l.place.street == "鹭江街道"));
    assert_eq!(report.trend.last().map(|p| (p.denominator, p.visited)), Some((7, 3)));
}

#[test]
fn every_section_is_a_table_with_a_header_for_each_cell_in_both_languages() {
    use jinlin_shared::label::Language;
    use jinlin_shared::report::tables::{Cell, Section, table, tables};
    let tree = tree();
    let report = report(&city(), &tree, None);
    for language in [Language::ZhCn, Language::En] {
        let all = tables(&report, language);
        assert_eq!(all.len(), Section::ALL.len());
        for table in &all {
            assert!(!table.title.is_empty() && table.title.chars().count() <= 31, "a sheet name Excel takes");
            for row in &table.rows {
                assert_eq!(row.len(), table.headers.len(), "{:?}", table.section);
            }
        }
    }
    let summary = table(&report, Section::Summary, Language::ZhCn);
    assert_eq!(summary.headers[7], "月探访率");
    let district = summary.rows.iter().find(|r| r[2] == Cell::Text("思明区".into())).unwrap();
    assert_eq!((district[5].text(), district[6].text(), district[7].text()), ("10".into(), "6".into(), "60.0%".into()));
    let english = table(&report, Section::Summary, Language::En);
    assert_eq!(english.rows[0][2], Cell::Text("Whole city".into()));
    let red = table(&report, Section::RedRisk, Language::En);
    assert_eq!(red.rows[0].last().map(Cell::text), Some("No".into()));
    assert_eq!(red.rows[0][4].text(), "2026-11-25 10:00", "times in Asia/Shanghai");
    assert_eq!(Section::from_slug("not-visited"), Some(Section::NotVisited));
}

#[test]
fn the_printed_page_carries_the_months_figures_and_the_areas_one_level_down() {
    use jinlin_shared::label::Language;
    use jinlin_shared::report::page::{PAGE_ROWS, summary_page};
    use jinlin_shared::report::tables::Cell;
    let tree = tree();
    let generated = at("2026-12-01T09:00:00+08:00");
    let whole = report(&city(), &tree, None);
    let page = summary_page(&whole, generated, Language::ZhCn);
    assert_eq!(page.title, "全市 2026-11 月度探访报告");
    let figures: Vec<(&str, &str, bool)> =
        page.figures.iter().map(|f| (f.label.as_str(), f.value.as_str(), f.alert)).collect();
    // As worked out above: 10 due, 6 visited; 5 of 6 valid visits at home; 丙, 丁 and
    // 己 overdue (壬 died and is owed nothing); 丑's red visit never followed up, 子's in
    // 23 h; one fall; 丑's follow-up past due; 乙's phone in conflict; 丁's visit voided;
    // 丑's fall a lead, 丙's injury paid 2,000.00 yuan, reported 3 days after it.
    assert_eq!(
        figures,
        [
            ("应探访老人", "10", false),
            ("已探访", "6", false),
            ("月探访率", "60.0%", true),
            ("上门探访占比", "83.3%", false),
            ("逾期未探访", "3", true),
            ("红色风险（24小时内跟进）", "2 (1)", true),
            ("意外事件", "1", true),
            ("逾期未跟进", "1", true),
            ("待处理冲突", "1", true),
            ("作废记录", "1", false),
            ("保险：待报案", "1", true),
            ("保险：已报案", "0", false),
            ("保险：已赔付", "1", false),
            ("保险：赔付总额（元）", "2000.00", false),
            ("保险：事件至报案天数中位数", "3.0", false),
        ]
    );
    assert_eq!(page.table_title, "各区");
    assert_eq!(
        page.rows,
        [vec![
            Cell::Text("思明区".into()),
            Cell::Count(10),
            Cell::Count(6),
            Cell::Rate(Some(0.6)),
            Cell::Rate(Some(5.0 / 6.0)),
            Cell::Count(3),
        ]]
    );
    assert_eq!(page.omitted, None);
    let labels: Vec<&str> = page.trend.iter().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels.first().copied(), Some("12月"));
    assert_eq!(labels.last().copied(), Some("11月"));
    assert_eq!(page.trend.last().map(|(_, rate)| *rate), Some(Some(0.6)));

    // A street's page lists its communities; in English the labels are English.
    let street_area = tree.areas().find(|a| a.name == "鹭江街道").unwrap().clone();
    let mut street = report(&city(), &tree, Some(&street_area));
    let page = summary_page(&street, generated, Language::En);
    assert_eq!(page.title, "鹭江街道: monthly visit report, 2026-11");
    assert_eq!(page.table_title, "By community");
    let names: Vec<String> = page.rows.iter().map(|row| row[0].text()).collect();
    assert_eq!(names, ["一社区", "二社区"]);
    assert_eq!((page.trend[0].0.as_str(), page.trend[11].0.as_str()), ("Dec", "Nov"));

    // More communities than a page holds: the lowest rates stay, and the page says so.
    let template = street.summary[1].clone();
    for n in 0..30u32 {
        let mut extra = template.clone();
        extra.name = format!("社区{n}");
        extra.totals.denominator = 100;
        extra.totals.visited = 70 + n;
        extra.totals.rate = Some(f64::from(70 + n) / 100.0);
        street.summary.push(extra);
    }
    let page = summary_page(&street, generated, Language::ZhCn);
    assert_eq!(page.rows.len(), PAGE_ROWS);
    let rates: Vec<String> = page.rows.iter().map(|row| row[3].text()).collect();
    assert_eq!((rates[0].as_str(), rates[1].as_str()), ("33.3%", "50.0%"), "二社区: 1 of 3; 一社区: 2 of 4");
    assert!(
        rates.windows(2).all(|w| w[0].trim_end_matches('%').parse::<f64>().unwrap()
            <= w[1].trim_end_matches('%').parse::<f64>().unwrap()),
        "{rates:?}"
    );
    assert_eq!(page.omitted.as_deref(), Some("按探访率由低到高列出 24 个，共 32 个；完整名单见 XLSX。"));
}

#[test]
fn the_insurance_sheet_lists_each_case_as_it_stood_and_counts_them_by_area() {
    let tree = tree();
    let report = report(&city(), &tree, None);
    let cases: Vec<_> = report.insurance_cases.iter().map(|l| (l.name.as_str(), l.state, l.days_to_report)).collect();
    // Leads first; e12's report came after 30 November, so it is still a lead here.
    assert_eq!(cases, [("丑", CaseState::Lead, None), ("丙", CaseState::Paid, Some(3))]);
    assert_eq!(report.insurance_cases[1].phone.as_deref(), Some("*******1234"), "masked");
    let figures = |name: &str| {
        let f = report.insurance_by_area.iter().find(|f| f.name == name).unwrap();
        (f.leads, f.reported, f.paid, f.declined, f.total_paid_fen, f.median_days_to_report)
    };
    assert_eq!(figures("思明区"), (1, 0, 1, 0, 200_000, Some(3.0)));
    assert_eq!(figures("鹭江街道"), (0, 0, 1, 0, 200_000, Some(3.0)));
    assert_eq!(figures("厦港街道"), (1, 0, 0, 0, 0, None));
    assert_eq!(report.insurance_by_area.len(), report.summary.len(), "one line per line of the summary");
    let sheet = jinlin_shared::report::tables::table(
        &report,
        jinlin_shared::report::tables::Section::InsuranceByArea,
        jinlin_shared::label::Language::ZhCn,
    );
    assert_eq!(sheet.rows[1][7].text(), "2000.00", "yuan, two decimals");
}
