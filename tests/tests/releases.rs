//! The city's app releases as a workstation meets them: a minimum above this app stops
//! its sync (in words the window shows in zh-CN) while its work waits offline, and a
//! newer app offered is named while sync goes on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::{Clock, StationError, SyncErrorCode, SyncState};
use jinlin_shared::roster::RosterQuery;
use jinlin_shared::wire::AppStanding;
use jinlin_tests::{CentralDb, DEMO_PASSWORD, ServerOptions, ServerProcess, home_visit, station};

const DOWNLOAD: &str = "https://jinlin.xm.gov.cn/download";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_below_the_citys_minimum_stops_syncing_keeps_working_and_syncs_once_allowed() {
    let central = CentralDb::demo(0.002);
    let (login, _, _) = central.assistants().await;
    let server = ServerProcess::start(&central);
    let port = server.port;
    let dir = tempfile::tempdir().unwrap();
    let station = station(dir.path(), port, Clock::system()).await;
    station.sign_in(&login, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    assert_eq!(station.sync_status().app, AppStanding::UpToDate, "a city that says nothing");
    // The server goes down for its upgrade; the workstation meets it offline, and asks
    // about releases again when it is back.
    server.stop();
    assert!(matches!(station.sync_once().await, Err(StationError::Offline)));

    let too_old = [("JINLIN_MINIMUM_APP_VERSION", "99.0.0"), ("JINLIN_APP_DOWNLOAD_URL", DOWNLOAD)];
    let server = ServerProcess::start_with(
        &central,
        ServerOptions { port: Some(port), env: &too_old, ..ServerOptions::default() },
    );
    let refused = station.sync_once().await;
    assert!(
        matches!(&refused, Err(StationError::AppTooOld { minimum: Some(m), download: Some(d) }) if m.to_string() == "99.0.0" && d == DOWNLOAD),
        "{refused:?}"
    );
    let status = station.sync_status();
    assert!(matches!(status.state, SyncState::Error { code: SyncErrorCode::AppTooOld, .. }), "{status:?}");
    assert!(matches!(status.app, AppStanding::TooOld { .. }));
    // Work goes on, offline.
    let elder = station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id;
    station.record_visit(elder, home_visit("旧版本也能记录")).await.unwrap();
    assert_eq!(station.sync_status().pending, 1);
    server.stop();

    // The city lowers its minimum and offers a newer app: the visit goes, the offer is named.
    let offered = [("JINLIN_CURRENT_APP_VERSION", "99.0.0"), ("JINLIN_APP_DOWNLOAD_URL", DOWNLOAD)];
    let server = ServerProcess::start_with(
        &central,
        ServerOptions { port: Some(port), env: &offered, ..ServerOptions::default() },
    );
    assert_eq!(station.sync_once().await.unwrap().pushed, 1);
    assert!(
        matches!(station.sync_status().app, AppStanding::UpdateAvailable { ref download, .. } if download.as_deref() == Some(DOWNLOAD))
    );
    server.stop();
}
