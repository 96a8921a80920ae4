//! An assistant's handover over HTTP, on both databases: a street supervisor lists the
//! street's assistants, moves one to another community of the street, takes one off;
//! their sessions end; nothing outside the street, and no assistant, may do it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer};
use jinlin_shared::wire::AssistantHandover;

async fn a_street_supervisor_hands_assistants_over_within_the_street(backend: Backend) {
    let server = TestServer::start(backend).await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let heping = Client::sign_in(&server, "heping").await;
    let heping2 = Client::sign_in(&server, "heping2").await;
    assert_eq!(heping.get("/handover").await.status(), 403, "not an assistant's to do");

    let listed: Vec<AssistantHandover> = supervisor.get("/handover").await.json().await.unwrap();
    let logins: Vec<(&str, &str)> = listed.iter().map(|a| (a.login.as_str(), a.community.name.as_str())).collect();
    assert_eq!(logins, [("guangming", "光明社区"), ("heping", "和平社区"), ("heping2", "和平社区")]);
    assert!(listed.iter().all(|a| a.waiting.is_empty() && !a.disabled));

    let (guangming, xingfu) = (server.community("350203001002"), server.community("350206001001"));
    let move_to = |community| serde_json::json!({ "community": community });
    assert_eq!(supervisor.post("/handover/heping/move", &move_to(xingfu)).await.status(), 403, "another street");
    assert_eq!(supervisor.post("/handover/admin/move", &move_to(guangming)).await.status(), 404, "not an assistant");
    assert_eq!(supervisor.post("/handover/heping/move", &move_to(guangming)).await.status(), 204);
    assert_eq!(heping.get("/me").await.status(), 401, "the moved assistant's session has ended");
    assert_eq!(supervisor.post("/handover/heping2/take-off", &serde_json::json!({})).await.status(), 204);
    assert_eq!(heping2.get("/me").await.status(), 401, "taken off: the session has ended");

    let listed: Vec<AssistantHandover> = supervisor.get("/handover").await.json().await.unwrap();
    let now: Vec<(&str, &str, bool)> =
        listed.iter().map(|a| (a.login.as_str(), a.community.name.as_str(), a.disabled)).collect();
    assert_eq!(now, [("guangming", "光明社区", false), ("heping", "光明社区", false), ("heping2", "和平社区", true)]);
    let moves = server.text("SELECT CAST(COUNT(*) AS TEXT) AS v FROM user_standings").await;
    assert_eq!(moves, "2", "the standing each held until then is kept");
    server.stop().await;
}
on_both_databases!(
    a_street_supervisor_hands_assistants_over,
    super::a_street_supervisor_hands_assistants_over_within_the_street
);
