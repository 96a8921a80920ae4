//! Early warnings at city scale, on SQLite and PostgreSQL, in process: the demo city
//! (14,000 elders, a year of visits) loaded on the 19th of a month; the sweeps of the
//! 19th evening and of the 20th (when every elder not visited that month falls due:
//! the one time of the month a sweep judges most of the city); then a sync batch of
//! 200 visits, whose warnings close in the push's own transaction, and the list read
//! after it. Prints figures; asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench warnings` (JINLIN_BENCH_SCALE=0.1 for a tenth
//! of the city; JINLIN_TEST_POSTGRES names the PostgreSQL, as for the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use jinlin_server::alerts::Listing;
use jinlin_server::db::entity::document;
use jinlin_server::sync::push::push_documents;
use jinlin_server::sync::push::sender::Sender;
use jinlin_server::{AppState, Limits};
use jinlin_shared::ActorId;
use jinlin_shared::area::Scope;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use sea_orm::{EntityTrait as _, QuerySelect as _};

fn at(text: &str) -> Timestamp {
    Timestamp::from_millis(chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis())
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1));
    kib.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

async fn run(name: &str, backend: jinlin_testkit::Backend, scale: f64) {
    let database = jinlin_testkit::TestDatabase::fresh(backend).await;
    let db = jinlin_server::db::connect(&database.url, true).await.unwrap();
    let state = AppState::new(db.clone(), Policy::default(), Limits::default());
    state.clock.set(at("2027-03-19T08:00:00+08:00"));
    let started = Instant::now();
    let city = jinlin_server::demo::load_demo_city(&state, scale, 25, &|_, _| {}).await.unwrap();
    println!(
        "  {name}: {} elders loaded in {:.1?} (their warnings derived as they landed)",
        city.elders,
        started.elapsed()
    );

    for (when, text) in [("19th, 20:00", "2027-03-19T20:00:00+08:00"), ("20th, 00:01", "2027-03-20T00:01:00+08:00")] {
        let now = at(text);
        let started = Instant::now();
        let swept = jinlin_server::warnings::sweep(&state, now).await.unwrap();
        println!(
            "  {name}: sweep of the {when}: {swept} elders judged in {:.0} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    state.clock.set(at("2027-03-21T10:00:00+08:00"));
    let tree = state.areas().await.unwrap();
    let started = Instant::now();
    let listed = jinlin_server::warnings::list(&state, &tree, Scope::City, Listing::Open, 20_000, state.now()).await;
    let listed = listed.unwrap().len();
    println!("  {name}: the city's {listed} open warnings listed in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);

    // A sync batch: 200 elders visited on the 21st.
    let rows = document::Entity::find().limit(200).all(&db).await.unwrap();
    let author = jinlin_shared::author::Author {
        user: jinlin_shared::ids::UserId::from_parts(1_800_000_000_000, [7; 10]),
        device: jinlin_shared::ids::DeviceId::from_parts(1_800_000_000_000, [8; 10]),
    };
    let pushes: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let mut doc = ElderDocument::load(&row.snapshot, ActorId::random()).unwrap();
            let heads = doc.heads();
            let mut visit = jinlin_testkit::builders::green_visit(n as u64, at("2027-03-21T09:30:00+08:00"));
            visit.record = jinlin_testkit::builders::home_visit("三月探访");
            let edit = Edit { author, at: at("2027-03-21T09:40:00+08:00") };
            doc.record_visit(&edit, visit, &Policy::default()).unwrap();
            (doc.elder_id(), doc.changes_since(&heads))
        })
        .collect();
    let started = Instant::now();
    let outcomes = push_documents(&state.push, Sender::Demo, &tree, pushes).await.unwrap();
    let pushed = started.elapsed();
    let accepted = outcomes.iter().filter(|o| o.outcome.is_accepted()).count();
    let started = Instant::now();
    let after = jinlin_server::warnings::list(&state, &tree, Scope::City, Listing::Open, 20_000, state.now()).await;
    let after = after.unwrap().len();
    println!(
        "  {name}: a batch of {accepted} visits pushed in {:.0} ms, warnings closed in the same transaction; \
         listed again in {:.0} ms: {listed} -> {after} open",
        pushed.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
    println!("  {name}: peak memory of the process so far {:.0} MiB", peak_mib());
    db.close().await.unwrap();
    database.remove().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = std::env::var("JINLIN_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    println!("warnings benchmark: the demo city at scale {scale}, March 2027 on a moved clock");
    run("SQLite", jinlin_testkit::Backend::Sqlite, scale).await;
    run("PostgreSQL", jinlin_testkit::Backend::Postgres, scale).await;
}
