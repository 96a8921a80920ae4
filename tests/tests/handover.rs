//! An assistant's handover: every workstation tells the server, at each pull, how many
//! changes still wait there and whose; `jinlin-server user waiting` and `user disable`
//! say so before anything is done, workstation by workstation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::Clock;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::{DEMO_PASSWORD, Scenario, binary, home_visit};

fn server_command(url: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(binary("jinlin-server"))
        .args(["--database-url", url])
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?}: {said}{}", String::from_utf8_lossy(&output.stderr));
    said
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_says_how_many_of_an_assistants_changes_wait_on_which_workstation() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id;
    let url = scenario.central.url.clone();
    let said = server_command(&url, &["user", "waiting", &scenario.login]);
    assert!(said.contains("no workstation reports"), "{said}");

    // Behind a proxy that refuses pushes, two visits wait; the pull still reports them.
    let proxy = jinlin_tests::proxy_refusing_pushes(scenario.port).await;
    station.set_server(&format!("http://127.0.0.1:{proxy}"), None).unwrap();
    station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    station.record_visit(elder, home_visit("交接前待同步 1")).await.unwrap();
    station.record_visit(elder, home_visit("交接前待同步 2")).await.unwrap();
    assert!(station.sync_once().await.is_err(), "the push was refused");
    let said = server_command(&url, &["user", "waiting", &scenario.login]);
    assert!(said.contains(&format!("2 changes of {} wait to sync on 1 workstations", scenario.login)), "{said}");
    assert!(said.contains(": 2 changes, as it said at"), "{said}");
    assert!(server_command(&url, &["user", "waiting", &scenario.other]).contains("no workstation reports"));

    // Taking the assistant off says the same first. A colleague signs in at the same
    // workstation: the visits, made while the assistant was allowed, arrive under
    // their name; the workstation forgets the assistant's key slot, so they cannot
    // sign in there offline any more; nothing waits.
    let disabled = server_command(&url, &["user", "disable", &scenario.login]);
    assert!(disabled.contains("2 changes of") && disabled.contains("taken off"), "{disabled}");
    let authority = jinlin_tests::test_authority().certificate.clone();
    station.set_server(&jinlin_tests::server_url(scenario.port), Some(&authority)).unwrap();
    station.sign_in(&scenario.other, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    assert_eq!(station.elder(elder).await.unwrap().unsynced, 0, "the visits were stored");
    let known: Vec<String> = station.known_users().await.unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(known, std::slice::from_ref(&scenario.other), "the assistant taken off is forgotten here");
    let said = server_command(&url, &["user", "waiting", &scenario.login]);
    assert!(said.contains("no workstation reports"), "{said}");
    station.sign_out().await.unwrap();
    server.stop();
    let refused = station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap_err();
    assert!(matches!(refused, jinlin_desktop::StationError::FirstSignInNeedsServer { .. }), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assistant_moved_to_another_community_loses_the_session_but_not_the_visits_queued_before() {
    let (scenario, server) = Scenario::start_at(0.005, None).await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id;
    // Offline, the assistant records two visits; then they are moved to another
    // community, which ends their sessions.
    server.stop();
    station.record_visit(elder, home_visit("调走前记录 1")).await.unwrap();
    station.record_visit(elder, home_visit("调走前记录 2")).await.unwrap();
    let url = scenario.central.url.clone();
    let (_, elsewhere) =
        scenario.central.assistant_logins().await.into_iter().find(|(_, c)| *c != scenario.community).unwrap();
    let code = scenario.central.text(&format!("SELECT code AS v FROM areas WHERE id = '{elsewhere}'")).await;
    let moved = server_command(&url, &["user", "move", &scenario.login, "--to", &code]);
    assert!(moved.contains("sessions have ended"), "{moved}");
    let server = scenario.restart_server();

    // Their own session is over; a colleague at the same workstation sends the visits,
    // which land under the moved assistant's name: they were made while allowed.
    assert!(station.sync_once().await.is_err(), "the moved assistant's session has ended");
    station.sign_out().await.unwrap();
    station.sign_in(&scenario.other, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    assert_eq!(station.elder(elder).await.unwrap().unsynced, 0, "both visits were stored");
    let stored =
        scenario.central.text("SELECT CAST(COUNT(*) AS TEXT) AS v FROM visits WHERE row LIKE '%调走前记录%'").await;
    assert_eq!(stored, "2");
    assert!(station.rejected_changes().await.unwrap().is_empty(), "nothing refused");
    server.stop();
}
