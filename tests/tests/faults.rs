//! Faults between the real processes: the workstation killed right after it said
//! "saved", and the server killed in the middle of a sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jinlin_desktop::{Clock, SyncState};
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::{Scenario, StationProcess, home_visit, station_command, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

fn is_up_to_date_with_nothing_waiting(line: &str) -> bool {
    line.strip_prefix("status ")
        .and_then(|json| serde_json::from_str::<jinlin_desktop::SyncStatus>(json).ok())
        .is_some_and(|s| s.state == SyncState::UpToDate && s.pending == 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workstation_killed_right_after_saved_keeps_the_visit_and_syncs_it_on_restart() {
    let (scenario, server) = Scenario::start().await;
    let (central, port, login) = (&scenario.central, scenario.port, scenario.login.clone());
    let dir = tempfile::tempdir().unwrap();
    let signed_in = station_command(dir.path(), port, &login).arg("sign-in").output().unwrap();
    assert!(signed_in.status.success(), "{}", String::from_utf8_lossy(&signed_in.stderr));
    let roster = station_command(dir.path(), port, &login).args(["--json", "roster"]).output().unwrap();
    let roster: serde_json::Value = serde_json::from_slice(&roster.stdout).unwrap();
    let elder = roster["lines"][0]["elderId"].as_str().unwrap().to_owned();
    server.stop();

    // The server is down, so the visit can only be on the workstation's disk.
    let mut app = StationProcess::run(dir.path(), port, &login);
    let line = serde_json::json!({ "elder": elder, "visit": home_visit("保存后立即断电") });
    app.send(&line.to_string());
    let saved = app.expect_line(LIMIT, |l| l.starts_with("saved ") || l.starts_with("refused "));
    app.kill();
    let visit = saved.strip_prefix("saved ").unwrap_or_else(|| panic!("the visit was saved: {saved}")).to_owned();

    let server = scenario.restart_server();
    let app = StationProcess::run(dir.path(), port, &login);
    app.expect_line(LIMIT, is_up_to_date_with_nothing_waiting);
    app.stop();
    assert_eq!(central.count_where("visits", "visit_id", &visit).await, 1, "the visit arrived once");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_killed_in_the_middle_of_a_sync_loses_nothing_and_doubles_nothing() {
    let (scenario, server) = Scenario::start().await;
    let central = &scenario.central;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    server.stop();

    // Two visits to every elder, made offline.
    let elders: Vec<_> =
        station.roster(&RosterQuery::default()).await.unwrap().lines.iter().map(|l| l.entry.elder_id).collect();
    let mut visits = Vec::new();
    for elder in &elders {
        for n in 0..2 {
            visits.push(station.record_visit(*elder, home_visit(&format!("离线记录 {n}"))).await.unwrap().0);
        }
    }
    assert_eq!(station.sync_status().pending as usize, visits.len());

    // The server comes back and is killed as soon as the workstation starts syncing.
    let server = scenario.restart_server();
    let mut events = station.subscribe();
    let engine = jinlin_desktop::SyncEngine::start(&station, jinlin_tests::quick_sync());
    tokio::time::timeout(LIMIT, async { while events.recv().await.unwrap().state != SyncState::Syncing {} })
        .await
        .unwrap();
    server.kill();

    let server = scenario.restart_server();
    wait_for("everything to be acknowledged", LIMIT, || async {
        let status = station.sync_status();
        (status.state == SyncState::UpToDate && status.pending == 0).then_some(())
    })
    .await;
    engine.stop().await;
    for visit in &visits {
        assert_eq!(central.count_where("visits", "visit_id", &visit.to_string()).await, 1, "visit {visit}");
    }
    // Every change each document holds is logged once, and the rows match the documents.
    let db = central.connect().await;
    let stored = jinlin_testkit::audit::check_database(&db).await;
    db.close().await.unwrap();
    for elder in &elders {
        // The enrolment and at least the two visits, each logged once (the audit checks the log).
        assert!(stored.changes[&elder.to_string()].len() >= 3, "every change of {elder} is stored");
    }
    // Nothing is left waiting or refused on the workstation.
    let status = station.sync_status();
    assert_eq!((status.pending, status.rejected), (0, 0));
    server.stop();
}
