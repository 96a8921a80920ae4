//! The logs of a whole scenario, the server's and the workstation's, hold what a
//! support person needs (a line per request; each sign-in and sync) and never a
//! password, a session token, an ID number or a phone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::Clock;
use jinlin_shared::document::ProfileChange;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::{CentralDb, DEMO_PASSWORD, ServerOptions, ServerProcess, home_visit, station};

const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13987654321";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_scenarios_logs_say_what_happened_and_never_a_secret_or_an_elders_details() {
    let central = CentralDb::demo(0.002);
    let (login, _, _) = central.assistants().await;
    let dir = tempfile::tempdir().unwrap();
    let (server_log, station_logs) = (dir.path().join("server.log"), dir.path().join("station-logs"));
    let server = ServerProcess::start_with(&central, ServerOptions { log: Some(&server_log), ..Default::default() });
    let port = server.port;
    let guard = jinlin_desktop::logging::init(&station_logs).unwrap();

    // A wrong password, then the right one; the elder's phone and ID number; a visit.
    let data = tempfile::tempdir().unwrap();
    let station = station(data.path(), port, Clock::system()).await;
    assert!(station.sign_in(&login, "a wrong password!").await.is_err());
    station.sign_in(&login, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    let elder = station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id;
    station.update_profile(elder, vec![ProfileChange::Phone(Some(PHONE.into()))]).await.unwrap();
    station.submit_id_number(elder, ID_NUMBER).await.unwrap();
    station.record_visit(elder, home_visit(&format!("电话 {PHONE}"))).await.unwrap();
    station.sync_once().await.unwrap();
    // A token, seen on the wire by this test only.
    let http = jinlin_tests::http_builder().build().unwrap();
    let answer: jinlin_shared::wire::LoginResponse = http
        .post(format!("{}/api/v1/auth/login", jinlin_tests::server_url(port)))
        .json(&serde_json::json!({ "protocol": jinlin_shared::wire::PROTOCOL_VERSION, "login": login,
            "password": DEMO_PASSWORD, "device": { "id": null, "name": "x" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let me = http.get(format!("{}/api/v1/me?token={}", jinlin_tests::server_url(port), answer.token));
    assert_eq!(me.bearer_auth(&answer.token).send().await.unwrap().status(), 200);
    server.stop();
    drop(guard);

    let server_text = std::fs::read_to_string(&server_log).unwrap();
    let mut station_text = String::new();
    for file in std::fs::read_dir(&station_logs).unwrap() {
        station_text.push_str(&std::fs::read_to_string(file.unwrap().path()).unwrap());
    }
    // What a support person needs.
    assert!(server_text.contains("route=/api/v1/sync/push") && server_text.contains("status=200"), "{server_text}");
    assert!(server_text.contains("route=/api/v1/auth/login") && server_text.contains("status=403"));
    assert!(station_text.contains("signed in") && station_text.contains("synced"), "{station_text}");
    // Never a secret or an elder's details.
    let middle = &ID_NUMBER[4..14];
    for (name, secret) in [
        ("the password", DEMO_PASSWORD),
        ("the wrong password", "a wrong password!"),
        ("the token", answer.token.as_str()),
        ("the ID number", ID_NUMBER),
        ("the ID number's middle", middle),
        ("the phone", PHONE),
    ] {
        assert!(!server_text.contains(secret), "{name} is in the server's log");
        assert!(!station_text.contains(secret), "{name} is in the workstation's log");
    }
}
