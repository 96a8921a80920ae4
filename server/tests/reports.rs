//! The monthly report over HTTP, against the real server on SQLite and PostgreSQL: a
//! city built here with figures known in advance, month boundaries in Asia/Shanghai,
//! scope and unmasking refused where they must be, CSV with its byte-order mark, the
//! audit of every export, and the same report from both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::DateTime;
use common::{Backend, Client, TestServer, push_whole};
use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument, NewFollowUp, NewVisit};
use jinlin_shared::elder::HardshipCategory;
use jinlin_shared::ids::{CommunityId, ElderId, FollowUpId, VisitId};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::{Incident, IncidentKind, RiskLevel, VisitMode, VisitOutcome};

const ELDERS: u64 = 60;
const ID_MILLIS: u64 = 1_780_000_000_000;

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::from_millis(DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis())
}

/// Elder `i` lives in community `i % 3`; enrolled on 1 January 2026; visited at home on
/// the 10th of month `m` (January to October) unless `(i + m) % 4 == 0`.
fn visited(i: u64, month: u32) -> bool {
    !(i + u64::from(month)).is_multiple_of(4)
}

fn tail(kind: u8, i: u64, n: u32) -> [u8; 10] {
    let mut tail = [kind; 10];
    tail[1..9].copy_from_slice(&(i * 1000 + u64::from(n)).to_be_bytes());
    tail
}

/// The city's documents, authored by `client` (ids are the same on every server).
fn city(client: &Client, communities: [CommunityId; 3]) -> Vec<ElderDocument> {
    let author = client.author();
    let policy = Policy::default();
    (0..ELDERS)
        .map(|i| {
            let mut rng = Rng::new(i);
            let enrolled = at("2026-01-01T09:00:00+08:00");
            let mut enrolment =
                synthetic::enrolment(&mut rng, communities[(i % 3) as usize], enrolled.shanghai_date(), enrolled);
            enrolment.elder = ElderId::from_parts(ID_MILLIS, tail(1, i, 0));
            enrolment.profile.categories = [HardshipCategory::LivingAlone].into();
            enrolment.profile.phone = Some(format!("1390000{i:04}"));
            let (mut doc, _) =
                ElderDocument::enrol(enrolment, &Edit { author, at: enrolled }, ActorId::random()).unwrap();
            for month in 1..=10u32 {
                if !visited(i, month) {
                    continue;
                }
                let when = at(&format!("2026-{month:02}-10T10:00:00+08:00"));
                let mut visit = synthetic::visit(&mut rng, when);
                visit.id = VisitId::from_parts(ID_MILLIS, tail(2, i, month));
                visit.record.mode = VisitMode::Home;
                visit.record.outcome = VisitOutcome::MetElder;
                visit.record.risk = RiskLevel::Green;
                visit.record.incident = None;
                visit.follow_up = None;
                doc.record_visit(&Edit { author, at: when }, visit, &policy).unwrap();
            }
            doc
        })
        .collect()
}

fn visit_at(doc: &mut ElderDocument, client: &Client, when: &str, n: u32) -> VisitId {
    let when = at(when);
    let mut rng = Rng::new(u64::from(n));
    let mut visit: NewVisit = synthetic::visit(&mut rng, when);
    visit.id = VisitId::from_parts(ID_MILLIS, tail(3, 0, n));
    visit.record.mode = VisitMode::Home;
    visit.record.outcome = VisitOutcome::MetElder;
    visit.record.risk = RiskLevel::Green;
    visit.record.incident = None;
    visit.follow_up = None;
    let id = visit.id;
    doc.record_visit(&Edit { author: client.author(), at: when }, visit, &Policy::default()).unwrap();
    id
}

async fn get(client: &Client, query: &str) -> reqwest::Response {
    client.get(&format!("/reports/monthly?{query}")).await
}

async fn report(client: &Client, query: &str) -> MonthlyReport {
    let response = get(client, query).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

/// Builds the city on `server`, with two elders at Shanghai's month boundary and one
/// red-risk visit with a fall.
async fn load(server: &TestServer) -> (Client, Vec<ElderDocument>) {
    let admin = Client::sign_in(server, "admin").await;
    let communities =
        [server.community("350203001001"), server.community("350203001002"), server.community("350206001001")];
    let mut docs = city(&admin, communities);
    // Neither elder 10 (光明) nor elder 6 (和平) had October's planned visit.
    // Elder 10: 23:30 on 31 October in Shanghai: October's.
    visit_at(&mut docs[10], &admin, "2026-10-31T23:30:00+08:00", 1);
    // Elder 6: 00:10 on 1 November in Shanghai, still 31 October in UTC: November's.
    visit_at(&mut docs[6], &admin, "2026-11-01T00:10:00+08:00", 2);
    // Elder 2 (幸福): red risk with a fall on 2 November, followed up the next day.
    let red = visit_at(&mut docs[2], &admin, "2026-11-02T10:00:00+08:00", 3);
    let follow_up = FollowUpId::from_parts(ID_MILLIS, tail(4, 2, 0));
    let edit = Edit { author: admin.author(), at: at("2026-11-02T10:05:00+08:00") };
    let recorded = docs[2].record().visits[&red].record.clone();
    docs[2]
        .correct_visit(
            &edit,
            red,
            at("2026-11-02T10:00:00+08:00"),
            jinlin_shared::visit::VisitRecord {
                risk: RiskLevel::Red,
                incident: Some(Incident { kind: IncidentKind::Fall, note: "楼梯摔倒".into() }),
                ..recorded
            },
            Some(NewFollowUp { id: follow_up, action: "次日上门".into(), due_at: at("2026-11-03T10:00:00+08:00") }),
            &Policy::default(),
        )
        .unwrap();
    docs[2]
        .resolve_follow_up(
            &Edit { author: admin.author(), at: at("2026-11-03T09:00:00+08:00") },
            follow_up,
            None,
            "已上门",
        )
        .unwrap();
    push_whole(&admin, &docs).await;
    (admin, docs)
}

#[expect(clippy::too_many_lines, reason = "one scenario: a city month, then every question a supervisor asks of it")]
async fn a_report_counts_by_shanghai_month_keeps_to_scope_and_audits_every_export(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (admin, _) = load(&server).await;

    // October: the month's planned visits, plus elder 10 at 23:30 on the 31st. Were
    // months cut in UTC, elder 6 (00:10 on 1 November) would count here too.
    assert!(!visited(10, 10) && !visited(6, 10));
    let october = report(&admin, "month=2026-10").await;
    let planned = (0..ELDERS).filter(|&i| visited(i, 10)).count() as u32;
    assert_eq!((october.summary[0].totals.denominator, october.summary[0].totals.visited), (60, planned + 1));
    // November: only elder 6 (00:10 on the 1st in Shanghai) and elder 2 (the red visit).
    let november = report(&admin, "month=2026-11").await;
    assert_eq!((november.summary[0].totals.denominator, november.summary[0].totals.visited), (60, 2));
    assert_eq!(november.not_visited.len(), 58);
    assert_eq!(november.red_risk_visits.len(), 1);
    assert!(november.red_risk_visits[0].followed_up_in_time, "followed up 23 h later");
    assert_eq!(november.incidents.len(), 1);
    assert_eq!(november.incidents[0].phone.as_deref(), Some("*******0002"), "masked by default");
    // The trend: January to September as planned, October and November as above.
    for point in &november.trend {
        let month = point.month.to_string();
        let expected = match month.as_str() {
            "2025-12" => (0, 0),
            "2026-10" => (60, planned + 1),
            "2026-11" => (60, 2),
            _ => (60, (0..ELDERS).filter(|&i| visited(i, point.month.month())).count() as u32),
        };
        assert_eq!((point.denominator, point.visited), expected, "{month}");
    }

    // A street supervisor sees the street; not another district, and nothing unmasked.
    let lujiang = Client::sign_in(&server, "lujiang").await;
    let street = report(&lujiang, "month=2026-11").await;
    assert_eq!(street.area.name, "鹭江街道");
    let names: Vec<&str> = street.summary.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["鹭江街道", "和平社区", "光明社区"]);
    assert_eq!((street.summary[0].totals.denominator, street.summary[0].totals.visited), (40, 1), "elder 6");
    assert_eq!(get(&lujiang, "month=2026-11&area=350206").await.status(), 403);
    assert_eq!(get(&lujiang, "month=2026-11&area=city").await.status(), 403);
    assert_eq!(get(&lujiang, "month=2026-11&unmasked=true&reason=保险理赔").await.status(), 403);
    let heping = Client::sign_in(&server, "heping").await;
    assert_eq!(report(&heping, "month=2026-11").await.summary[0].name, "和平社区");
    assert_eq!(get(&heping, "month=2026-11&area=350203001002").await.status(), 403);
    assert_eq!(get(&heping, "month=2026-13").await.status(), 400);
    assert_eq!(get(&heping, "month=2026-11&area=999").await.status(), 404);
    assert_eq!(get(&heping, "month=2026-11&format=pdfx").await.status(), 400);

    // Unmasked: an administrator, with a reason.
    assert_eq!(get(&admin, "month=2026-11&unmasked=true").await.status(), 400);
    let whole = report(&admin, "month=2026-11&unmasked=true&reason=%E4%BF%9D%E9%99%A9%E7%90%86%E8%B5%94").await;
    assert!(!whole.masked);
    assert_eq!(whole.incidents[0].phone.as_deref(), Some("13900000002"));

    // CSV: a byte-order mark, then the section with its headers.
    let response = get(&admin, "month=2026-11&format=csv&section=incidents&lang=en").await;
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let body = response.bytes().await.unwrap();
    assert_eq!(&body[..3], b"\xEF\xBB\xBF");
    let mut rows = csv::Reader::from_reader(&body[3..]);
    assert_eq!(rows.headers().unwrap().get(0), Some("Name"));
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    assert!(records[0].iter().any(|cell| cell == "Fall") && records[0].iter().any(|cell| cell == "*******0002"));

    // XLSX: a sheet per section, read back and checked cell by cell against the tables.
    let response = get(&admin, "month=2026-11&format=xlsx").await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    check_workbook(&bytes, &november);

    // PDF: one page, its text the month's figures, in Chinese.
    let response = get(&admin, "month=2026-11&format=pdf").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    check_pdf(&response.bytes().await.unwrap(), &november, &["全市 2026-11 月度探访报告", "各区", "思明区", "湖里区"]);

    // A report shown on a screen is audited as a view, not listed among the exports.
    let viewed = report(&lujiang, "month=2026-11&purpose=view").await;
    assert_eq!(viewed.summary[0].name, "鹭江街道");
    assert_eq!(server.count("audit_log WHERE action = 'report.view'").await, 1);
    assert_eq!(get(&lujiang, "month=2026-11&purpose=peek").await.status(), 400);

    // Every export is in the audit log: who, which area, masked or not, and why.
    assert_eq!(lujiang.get("/reports/exports").await.status(), 403);
    let exports: Vec<serde_json::Value> = admin.get("/reports/exports").await.json().await.unwrap();
    // Admin: October, November, unmasked, CSV, XLSX, PDF; lujiang: the street; heping:
    // the community.
    assert_eq!(exports.len(), 8, "every successful export, no refused one: {exports:#?}");
    let unmasked: Vec<&serde_json::Value> = exports.iter().filter(|e| e["masked"] == false).collect();
    assert_eq!(unmasked.len(), 1);
    assert_eq!((unmasked[0]["by"].as_str(), unmasked[0]["reason"].as_str()), (Some("admin"), Some("保险理赔")));
    assert!(exports.iter().any(|e| e["by"] == "lujiang" && e["area"] == "鹭江街道" && e["masked"] == true));

    // The command line: every section as a CSV file, refusals with exit code 2, and
    // the export in the audit log.
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jinlin-server"))
            .args(["--database-url", &server.url])
            .args(args)
            .output()
            .unwrap()
    };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("november");
    let done = cli(&["export", "--month", "2026-11", "--format", "csv", "--out", dir.to_str().unwrap()]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("60 elders, 2 visited"));
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|f| f.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files.len(), 10, "{files:?}");
    let summary = std::fs::read(dir.join("summary.csv")).unwrap();
    assert!(summary.starts_with(b"\xEF\xBB\xBF\xE5\xB1\x82\xE7\xBA\xA7"), "BOM, then 层级");
    let json = out.path().join("street.json");
    let done = cli(&["export", "--month", "2026-11", "--area", "350203001", "--out", json.to_str().unwrap()]);
    assert!(done.status.success());
    let street: MonthlyReport = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!((street.summary[0].totals.denominator, street.summary[0].totals.visited), (40, 1));
    let pdf = out.path().join("street.pdf");
    let pdf_args = ["--area", "350203001", "--format", "pdf", "--lang", "en", "--out", pdf.to_str().unwrap()];
    let done = cli(&[&["export", "--month", "2026-11"][..], &pdf_args].concat());
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    check_pdf(
        &std::fs::read(&pdf).unwrap(),
        &street,
        &["鹭江街道: monthly visit report, 2026-11", "By community", "和平社区"],
    );
    assert_eq!(cli(&["export", "--month", "2026-11", "--area", "999", "--out", "/dev/null"]).status.code(), Some(2));
    let blank = cli(&["export", "--month", "2026-11", "--unmasked-reason", " ", "--out", "/dev/null"]);
    assert_eq!(blank.status.code(), Some(2));
    let listed = String::from_utf8(cli(&["exports"]).stdout).unwrap();
    assert_eq!(listed.lines().count(), 11, "{listed}");
    assert!(listed.lines().next().unwrap().contains("(command line)\t鹭江街道 350203001"), "newest first: {listed}");
    server.stop().await;
}
on_both_databases!(
    a_report_counts_by_shanghai_month,
    super::a_report_counts_by_shanghai_month_keeps_to_scope_and_audits_every_export
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgresql_give_the_same_report() {
    let mut reports = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let server = TestServer::start(backend).await;
        let (admin, _) = load(&server).await;
        let mut both = Vec::new();
        for month in ["2026-10", "2026-11"] {
            let mut json: serde_json::Value = get(&admin, &format!("month={month}")).await.json().await.unwrap();
            // Area ids are made at import, so each database has its own; codes agree.
            for list in ["summary", "insuranceByArea"] {
                for line in json[list].as_array_mut().unwrap() {
                    line["area"] = serde_json::Value::Null;
                }
            }
            both.push(json);
        }
        reports.push(serde_json::Value::Array(both));
        server.stop().await;
    }
    assert_eq!(first_difference(&reports[0], &reports[1], "report"), None);
    assert!(reports[0][1]["summary"][0]["visited"] == 2, "the reports are not empty");
}

/// Where two JSON values first differ, if they do.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let field = |map: &serde_json::Map<String, Value>, k: &str| map.get(k).cloned().unwrap_or(Value::Null);
            x.keys().chain(y.keys()).find_map(|k| first_difference(&field(x, k), &field(y, k), &format!("{path}.{k}")))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]")))
        }
        _ => (a != b).then(|| format!("{path}: {a} ≠ {b}")),
    }
}

/// Reads the PDF back: one A4 page whose text holds `expected` and the area's rate.
fn check_pdf(bytes: &[u8], report: &MonthlyReport, expected: &[&str]) {
    use jinlin_shared::report::tables::Cell;
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let document = lopdf::Document::load_mem(bytes).unwrap();
    let pages = document.get_pages();
    assert_eq!(pages.len(), 1, "one page");
    let text = document.extract_text(&[1]).unwrap();
    let rate = Cell::Rate(report.summary[0].totals.rate).text();
    for wanted in expected.iter().copied().chain([rate.as_str()]) {
        assert!(text.contains(wanted), "{wanted:?} on the page: {text}");
    }
}

/// Reads the workbook back and compares every cell of every sheet with the report's
/// tables: text as text, counts and rates as numbers, times as Excel dates.
fn check_workbook(bytes: &[u8], report: &MonthlyReport) {
    use calamine::{Data, Reader, Xlsx};
    use jinlin_shared::label::Language;
    use jinlin_shared::report::tables::{Cell, tables};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let expected = tables(report, Language::ZhCn);
    let names: Vec<String> = book.sheet_names().clone();
    assert_eq!(names, expected.iter().map(|t| t.title.clone()).collect::<Vec<_>>());
    assert_eq!(names[0], "汇总");
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap().and_hms_opt(0, 0, 0).unwrap();
    for table in &expected {
        let range = book.worksheet_range(&table.title).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        // The summary sheet opens with the area, the month, the day counted to, the
        // time of generation and the masking, then a blank row.
        let header_row = if table.title == "汇总" {
            assert_eq!(rows[0][0], Data::String("地区".into()));
            assert_eq!(rows[0][1], Data::String("全市".into()));
            assert_eq!(rows[1][1], Data::String("2026-11".into()));
            assert!(matches!(&rows[3][1], Data::String(at) if at.len() == 16), "generated at: {:?}", rows[3][1]);
            assert_eq!(rows[4][1], Data::String("已打码".into()));
            6
        } else {
            0
        };
        let headers: Vec<String> = rows[header_row].iter().map(|c| c.to_string()).collect();
        assert_eq!(headers, table.headers, "{}", table.title);
        assert_eq!(rows.len() - header_row - 1, table.rows.len(), "{}", table.title);
        for (r, row) in table.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let got = rows[header_row + 1 + r].get(c).cloned().unwrap_or(Data::Empty);
                let place = format!("{} row {} column {}", table.title, r + 1, c + 1);
                match cell {
                    Cell::Text(text) if text.is_empty() => {
                        assert!(matches!(got, Data::Empty | Data::String(_)), "{place}")
                    }
                    Cell::Text(text) => assert_eq!(got, Data::String(text.clone()), "{place}"),
                    Cell::Count(n) => assert_eq!(got, Data::Float(*n as f64), "{place}"),
                    Cell::Rate(Some(rate)) => assert_eq!(got, Data::Float(*rate), "{place}"),
                    Cell::Date(Some(date)) => {
                        let serial = (date.and_hms_opt(0, 0, 0).unwrap() - epoch).num_seconds() as f64 / 86_400.0;
                        assert!(
                            matches!(&got, Data::DateTime(d) if (d.as_f64() - serial).abs() < 1e-6),
                            "{place}: {got:?}"
                        );
                    }
                    Cell::Time(Some(at)) => {
                        let serial = (at.to_shanghai().naive_local() - epoch).num_seconds() as f64 / 86_400.0;
                        assert!(
                            matches!(&got, Data::DateTime(d) if (d.as_f64() - serial).abs() < 1e-6),
                            "{place}: {got:?}"
                        );
                    }
                    Cell::Rate(None) | Cell::Date(None) | Cell::Time(None) => assert_eq!(got, Data::Empty, "{place}"),
                }
            }
        }
    }
}
