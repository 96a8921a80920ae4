//! A session token goes only to the server that issued it. Pointing a workstation at
//! another address (in the settings screen, or in its settings file behind its back)
//! ends its sessions' use of the old server; what waits to be sent stays queued.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use jinlin_desktop::{Clock, Station, StationConfig, StationError};
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::{DEMO_PASSWORD, Scenario, home_visit, server_url, test_authority};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A server that records every request's head and answers each with 503 (busy), so
/// a workstation that knows the user signs in offline against it.
struct Impostor {
    address: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Impostor {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 64 * 1024];
                    let n = stream.read(&mut buffer).await.unwrap_or(0);
                    seen.lock().unwrap().push(String::from_utf8_lossy(&buffer[..n]).into_owned());
                    let body = r#"{"error":"unavailable","message":"busy"}"#;
                    let answer = format!(
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Self { address, heads }
    }

    fn saw_a_token(&self) -> bool {
        self.heads.lock().unwrap().iter().any(|head| head.to_ascii_lowercase().contains("authorization:"))
    }
}

async fn open(dir: &std::path::Path, server: &str) -> Station {
    Station::open(StationConfig {
        data_dir: dir.to_owned(),
        server: server.to_owned(),
        server_ca: Some(test_authority().certificate.clone()),
        device_name: "工作站".into(),
        clock: Clock::system(),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_server_address_ends_the_sessions_use_of_the_old_token_and_the_queue_waits() {
    let (scenario, server) = Scenario::start().await;
    let impostor = Impostor::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id;
    station.record_visit(elder, home_visit("改地址前记录")).await.unwrap();

    station.set_server(&impostor.address, None).unwrap();
    assert!(matches!(station.sync_once().await, Err(StationError::SessionExpired)));
    let month = jinlin_shared::time::Month::containing(station.now().shanghai_date());
    assert!(matches!(station.coverage(month, None).await, Err(StationError::Offline)));
    assert!(!impostor.saw_a_token(), "no token reached the other server");
    assert_eq!(station.sync_status().pending, 1, "the visit waits");

    // Back to the city's server: a sign-in with it, and the visit goes.
    station.set_server(&server_url(scenario.port), Some(&test_authority().certificate)).unwrap();
    assert!(matches!(station.sync_once().await, Err(StationError::SessionExpired)), "the old token was forgotten");
    station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    assert_eq!(station.sync_once().await.unwrap().pushed, 1);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_token_does_not_open_for_a_server_changed_behind_the_apps_back() {
    let (scenario, server) = Scenario::start().await;
    let impostor = Impostor::start().await;
    let dir = tempfile::tempdir().unwrap();
    drop(scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await);

    // The settings file now names another server; the user signs in offline there
    // (it answers "busy"), as they would with the city's server busy.
    let station = open(dir.path(), &impostor.address).await;
    let signed_in = station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    assert!(signed_in.offline.is_some(), "signed in on the workstation alone");
    let month = jinlin_shared::time::Month::containing(station.now().shanghai_date());
    assert!(matches!(station.coverage(month, None).await, Err(StationError::Offline)), "no token to send");
    assert!(!impostor.heads.lock().unwrap().is_empty(), "the sign-in did reach the other server");
    assert!(!impostor.saw_a_token(), "the stored token stayed sealed");

    // Pointed back at the city's server (down for now): the stored token opens for
    // it, so sync tries the network instead of asking for a sign-in.
    drop(station);
    server.stop();
    let station = open(dir.path(), &server_url(scenario.port)).await;
    station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    assert!(matches!(station.sync_once().await, Err(StationError::Offline)), "the token opened for its own server");
}
