//! A restore that heals: the central database is backed up, three workstations record
//! and sync 60 visits, the old backup is restored, and when they reconnect every visit
//! is on the server again, once, with the rows equal to a fresh materialisation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use jinlin_desktop::{Clock, Station};
use jinlin_shared::roster::RosterQuery;
use jinlin_testkit::Backend;
use jinlin_testkit::audit::check_database;
use jinlin_tests::{CentralDb, DEMO_PASSWORD, ServerOptions, ServerProcess, binary, home_visit, station};

const VISITS_EACH: usize = 20;

/// `jinlin-server ARGS` on the central database, to completion.
fn server_command(central: &CentralDb, args: &[&str]) -> String {
    let output = Command::new(binary("jinlin-server"))
        .arg("--database-url")
        .arg(&central.url)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "jinlin-server {args:?}: {said}");
    said
}

/// Which of `visits` the central database holds as rows.
async fn on_server(central: &CentralDb, visits: &BTreeSet<String>) -> usize {
    let stored = check_database(&central.connect().await).await;
    visits.iter().filter(|visit| stored.visits.contains(*visit)).count()
}

async fn restoring_an_older_backup_loses_no_visit_the_workstations_hold(backend: Backend) {
    let central = CentralDb::demo_on(backend, 0.002).await;
    let (first, second, _) = central.assistants().await;
    let server = ServerProcess::start(&central);
    let port = server.port;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut stations: Vec<Station> = Vec::new();
    // Two assistants, the first on two workstations.
    for (dir, login) in dirs.iter().zip([&first, &second, &first]) {
        let station = station(dir.path(), port, Clock::system()).await;
        station.sign_in(login, DEMO_PASSWORD).await.unwrap();
        station.sync_once().await.unwrap();
        stations.push(station);
    }
    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("jinlin-before.backup");
    let said = server_command(&central, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(said.contains("backed up"), "{said}");

    // Sixty visits, synced as they go, so each workstation builds on the others'.
    let mut visits = BTreeSet::new();
    for round in 0..VISITS_EACH {
        for (n, station) in stations.iter().enumerate() {
            let roster = station.roster(&RosterQuery::default()).await.unwrap();
            let elder = roster.lines[(round + n) % roster.lines.len()].entry.elder_id;
            let (visit, _) = station.record_visit(elder, home_visit(&format!("恢复前 {n}-{round}"))).await.unwrap();
            visits.insert(visit.to_string());
            if round % 5 == 4 {
                station.sync_once().await.unwrap();
            }
        }
    }
    for station in &stations {
        station.sync_once().await.unwrap();
    }
    assert_eq!(on_server(&central, &visits).await, 60, "every visit reached the server");

    server.stop();
    let said = server_command(&central, &["restore", backup.to_str().unwrap(), "--yes"]);
    assert!(said.contains("new generation"), "{said}");
    assert_eq!(on_server(&central, &visits).await, 0, "the backup was made before any of them");
    let server = ServerProcess::start_with(&central, ServerOptions { port: Some(port), ..ServerOptions::default() });

    // They reconnect: each round, every workstation syncs; a change built on a
    // colleague's waits until the colleague's workstation has sent it back.
    let started = std::time::Instant::now();
    loop {
        for station in &stations {
            station.sync_once().await.unwrap();
        }
        let waiting: u32 = stations.iter().map(|s| s.sync_status().pending).sum();
        if waiting == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{waiting} changes still wait");
    }
    assert_eq!(on_server(&central, &visits).await, 60, "60 of 60 on the server again");
    for station in &stations {
        assert_eq!(station.sync_status().rejected, 0, "nothing refused");
        // Each workstation holds each visit once, and all of them.
        let held: usize = {
            let roster = station.roster(&RosterQuery::default()).await.unwrap();
            let mut count = 0;
            for line in roster.lines {
                let page = station.elder(line.entry.elder_id).await.unwrap();
                count += page.rows.visits.iter().filter(|v| visits.contains(&v.visit_id.to_string())).count();
            }
            count
        };
        assert_eq!(held, 60);
    }
    // The rows equal a fresh materialisation of every stored document, and the log is
    // numbered without gaps (check_database asserts both).
    let stored = check_database(&central.connect().await).await;
    assert_eq!(stored.visits.iter().filter(|v| visits.contains(*v)).count(), 60);
    server.stop();
    central.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    restoring_an_older_backup_loses_no_visit_the_workstations_hold(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    restoring_an_older_backup_loses_no_visit_the_workstations_hold(Backend::Postgres).await;
}
