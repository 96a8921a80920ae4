//! Versions that overlap: a workstation of the previous protocol keeps syncing with the
//! new server while a city rolls the new app out; older and newer ones are refused with
//! a code they can read; `GET version` says which protocols are spoken.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, PASSWORD, TestServer, enrol, visit};
use jinlin_shared::wire::{ErrorBody, ErrorCode, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, ServerVersion};
use serde_json::{Value, json};

async fn post(http: &reqwest::Client, url: String, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = http.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn a_previous_protocol_workstation_signs_in_pushes_pulls_and_bootstraps(backend: Backend) {
    let server = TestServer::start(backend).await;
    let version: ServerVersion =
        common::http().get(format!("{}/version", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!((version.protocol, version.oldest_protocol), (PROTOCOL_VERSION, Some(OLDEST_PROTOCOL_VERSION)));

    // Everything as the app before this one sends it: protocol 2, by hand.
    let old = OLDEST_PROTOCOL_VERSION;
    assert_eq!(old, PROTOCOL_VERSION - 1);
    let http = common::http();
    let device = json!({ "id": null, "name": "旧版工作站" });
    let (status, login) = post(
        &http,
        format!("{}/auth/login", server.base),
        None,
        &json!({ "protocol": old, "login": "heping", "password": PASSWORD, "device": device }),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().unwrap().to_owned();
    let client =
        Client { http: http.clone(), base: server.base.clone(), login: serde_json::from_value(login).unwrap() };
    let mut doc = enrol(&client, server.community("350203001001"), 11);
    visit(&mut doc, &client, 12);
    let changes: Vec<String> = doc
        .changes_since(&[])
        .into_iter()
        .map(jinlin_shared::wire::AutomergeBytes::new)
        .map(|bytes| serde_json::to_value(bytes).unwrap().as_str().unwrap().to_owned())
        .collect();
    let push = json!({ "protocol": old, "documents": [{ "elder": doc.elder_id().to_string(), "changes": changes }] });
    let (status, pushed) = post(&http, format!("{}/sync/push", server.base), Some(&token), &push).await;
    assert_eq!(status, 200, "{pushed}");
    assert_eq!(pushed["results"][0]["outcome"]["kind"], "accepted", "{pushed}");
    let (status, pulled) = post(
        &http,
        format!("{}/sync/pull", server.base),
        Some(&token),
        &json!({ "protocol": old, "cursor": {}, "limit": 100 }),
    )
    .await;
    assert_eq!(status, 200, "{pulled}");
    assert!(pulled["documents"].as_array().unwrap().iter().any(|d| d["elder"] == doc.elder_id().to_string()));
    let (status, page) = post(
        &http,
        format!("{}/sync/bootstrap", server.base),
        Some(&token),
        &json!({ "protocol": old, "after": null, "limit": 10 }),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["snapshots"].as_array().unwrap().len(), 1);

    // One older, one newer: refused, in words and a code the app can read.
    for refused in [old - 1, PROTOCOL_VERSION + 1] {
        let (status, body) = post(
            &http,
            format!("{}/sync/pull", server.base),
            Some(&token),
            &json!({ "protocol": refused, "cursor": {}, "limit": 1 }),
        )
        .await;
        assert_eq!(status, 400);
        let body: ErrorBody = serde_json::from_value(body).unwrap();
        assert_eq!(body.error, ErrorCode::UnsupportedProtocol);
        assert!(body.message.contains(&format!("{old} to {PROTOCOL_VERSION}")), "{}", body.message);
    }
    server.stop().await;
}
on_both_databases!(
    a_previous_protocol_workstation_signs_in_pushes_pulls_and_bootstraps,
    super::a_previous_protocol_workstation_signs_in_pushes_pulls_and_bootstraps
);
