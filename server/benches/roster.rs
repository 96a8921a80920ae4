//! Roster files at a city's size, on SQLite and PostgreSQL: a 14,000-row workbook with
//! Chinese headers (Xiamen's special-hardship elders) checked, applied, checked again
//! (nothing to do), and next month's workbook (1 % changed, 1 % new) checked and
//! applied. Prints wall times and the process's peak memory; asserts only that each
//! step did what it says. The targets: a check within 10 s, an apply within 60 s.
//!
//! `cargo bench -p jinlin-server --bench roster` (JINLIN_BENCH_ROWS for another size;
//! JINLIN_TEST_POSTGRES names the PostgreSQL, as for the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Instant;

use jinlin_server::auth::{Caller, SERVER_DEVICE};
use jinlin_server::roster::{apply_roster, check_roster};
use jinlin_server::{AppState, Limits};
use jinlin_shared::area::Scope;
use jinlin_shared::policy::Policy;
use jinlin_shared::user::Role;

const COMMUNITIES: usize = 40;

fn areas_csv() -> String {
    let mut csv = String::from("district_code,district_name,street_code,street_name,community_code,community_name\n");
    for c in 0..COMMUNITIES {
        let street = 1 + c / 10;
        csv.push_str(&format!("350203,思明区,350203{street:03},第{street}街道,350203{street:03}{c:03},第{c}社区\n"));
    }
    csv
}

/// An 18-character ID number of a person born on `born` (YYYYMMDD), the `n`th.
fn id_number(born: &str, n: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("350203{born}{:03}", n % 1000);
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(d, w)| d.to_digit(10).unwrap() * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// The workbook of `rows` elders; `month` changes the phone of every hundredth elder
/// and adds one new elder in a hundred.
fn workbook(rows: usize, month: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write(0, 0, "厦门市特殊困难老年人花名册").unwrap();
    let header = [
        "序号",
        "姓名",
        "性别",
        "出生日期",
        "公民身份号码",
        "联系电话",
        "居住地址",
        "困难类别",
        "居住状况",
        "所属社区",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write(1, c as u16, *h).unwrap();
    }
    let extra = if month > 0 { rows / 100 } else { 0 };
    for i in 0..rows + extra {
        let born = format!("19{:02}{:02}{:02}", 30 + i % 35, 1 + i % 12, 1 + i % 28);
        let phone = if month > 0 && i % 100 == 0 { format!("1370000{i:04}") } else { format!("1390000{i:04}") };
        let community = format!("第{}社区", i % COMMUNITIES);
        let cells = [
            (i + 1).to_string(),
            format!("老人{i:05}"),
            if i % 2 == 0 { "女" } else { "男" }.to_owned(),
            format!("{}-{}-{}", &born[..4], &born[4..6], &born[6..]),
            id_number(&born, i),
            phone,
            format!("鹭江路{i}号"),
            ["独居", "空巢、高龄", "低保", "失能"][i % 4].to_owned(),
            ["独居", "空巢", "与子女同住"][i % 3].to_owned(),
            community,
        ];
        for (c, cell) in cells.iter().enumerate() {
            sheet.write(i as u32 + 2, c as u16, cell.as_str()).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn peak_mib() -> f64 {
    support::memory_mib("/proc/self/status", "VmHWM:")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::var("JINLIN_BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(14_000);
    let first = workbook(rows, 0);
    let next = workbook(rows, 1);
    println!("roster benchmark: {rows} rows in {COMMUNITIES} communities, workbook {} KiB", first.len() / 1024);
    let dir = tempfile::tempdir().unwrap();
    let postgres = jinlin_testkit::TestDatabase::fresh(jinlin_testkit::Backend::Postgres).await;
    let sqlite = format!("sqlite://{}", dir.path().join("roster.db").display());
    for (name, url) in [("SQLite", sqlite.as_str()), ("PostgreSQL", postgres.url.as_str())] {
        let db = jinlin_server::db::connect(url, true).await.unwrap();
        jinlin_server::admin::import_areas(&db, &areas_csv()).await.unwrap();
        let admin = jinlin_server::admin::add_user(&db, "admin", "admin", Role::Admin, None, support::PASSWORD.into())
            .await
            .unwrap();
        let state = AppState::new(db, Policy::default(), Limits::default());
        let caller = Caller { user: admin, device: SERVER_DEVICE, role: Role::Admin, scope: Scope::City };

        let started = Instant::now();
        let check = check_roster(&state, &caller, first.clone()).await.unwrap().check;
        let checked = started.elapsed();
        assert_eq!((check.enrol.len(), check.problems.len()), (rows, 0));
        let started = Instant::now();
        let applied = apply_roster(&state, &caller, first.clone(), &check.digest, &|_, _| {}).await.unwrap();
        let written = started.elapsed();
        assert_eq!(applied.enrolled, rows);
        let started = Instant::now();
        let again = check_roster(&state, &caller, first.clone()).await.unwrap().check;
        let rechecked = started.elapsed();
        assert_eq!(again.unchanged, rows);
        let started = Instant::now();
        let changed = check_roster(&state, &caller, next.clone()).await.unwrap().check;
        let next_checked = started.elapsed();
        let started = Instant::now();
        let next_applied = apply_roster(&state, &caller, next.clone(), &changed.digest, &|_, _| {}).await.unwrap();
        let next_written = started.elapsed();
        assert_eq!((next_applied.enrolled, next_applied.updated), (rows / 100, rows / 100));
        println!(
            "  {name:>10}: check {:>5.2} s, apply {:>5.1} s, same file again {:>5.2} s; next month check {:>5.2} s, apply ({} new, {} changed) {:>5.2} s; peak memory {:.0} MiB",
            checked.as_secs_f64(),
            written.as_secs_f64(),
            rechecked.as_secs_f64(),
            next_checked.as_secs_f64(),
            next_applied.enrolled,
            next_applied.updated,
            next_written.as_secs_f64(),
            peak_mib()
        );
    }
    postgres.remove().await;
}
