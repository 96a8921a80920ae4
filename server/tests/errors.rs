//! Every error is JSON: bad query strings and paths, unknown routes, wrong methods,
//! missing or wrong content types and requests that run out of time all answer
//! `{"error": code, "message": text}` with their status, sent here with raw reqwest
//! against the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Backend, Client, PASSWORD, TestServer};
use jinlin_server::Limits;
use jinlin_shared::wire::{DeviceRegistration, ErrorBody, ErrorCode, LoginRequest, PROTOCOL_VERSION};

/// Checks the status, that the body is exactly an [`ErrorBody`] with `code`, and
/// gives back its message.
async fn expect_error(response: reqwest::Response, status: u16, code: ErrorCode) -> String {
    assert_eq!(response.status(), status, "{}", response.url());
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "{}", response.url());
    let body: serde_json::Value = response.json().await.unwrap();
    let object = body.as_object().expect("an object");
    assert_eq!(object.len(), 2, "only error and message: {body}");
    let parsed: ErrorBody = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(parsed.error, code, "{}", parsed.message);
    assert!(!parsed.message.is_empty(), "a message for people: {body}");
    parsed.message
}

fn login_request(login: &str) -> LoginRequest {
    LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: "front desk".into() },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_paths_routes_methods_and_content_types_answer_json_errors() {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = Client::sign_in(&server, "admin").await;
    let http = common::http();
    let origin = server.base.trim_end_matches("/api/v1").to_owned();

    // Query strings the report's query does not fit.
    let message = expect_error(admin.get("/reports/monthly").await, 400, ErrorCode::BadRequest).await;
    assert!(message.contains("month"), "says what is missing: {message}");
    let message =
        expect_error(admin.get("/reports/monthly?month=2026-11&unmasked=maybe").await, 400, ErrorCode::BadRequest)
            .await;
    assert!(message.contains("unmasked"), "{message}");
    expect_error(admin.get("/alerts?limit=many").await, 400, ErrorCode::BadRequest).await;

    // A path segment that is not UTF-8.
    let bad_path = admin
        .http
        .post(format!("{}/alerts/%FF%FE/close", server.base))
        .bearer_auth(&admin.login.token)
        .json(&serde_json::json!({ "note": "已处理" }))
        .send()
        .await
        .unwrap();
    expect_error(bad_path, 400, ErrorCode::BadRequest).await;

    // Unknown routes, inside the API and outside it.
    expect_error(admin.get("/no-such-thing").await, 404, ErrorCode::NotFound).await;
    expect_error(http.get(format!("{origin}/no-such-thing")).send().await.unwrap(), 404, ErrorCode::NotFound).await;

    // A wrong method: 405 with its Allow header kept.
    let wrong_method =
        http.delete(format!("{}/reports/monthly", server.base)).bearer_auth(&admin.login.token).send().await.unwrap();
    let allow = wrong_method.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    assert!(allow.as_deref().is_some_and(|allow| allow.contains("GET")), "Allow: {allow:?}");
    let message = expect_error(wrong_method, 405, ErrorCode::MethodNotAllowed).await;
    assert!(message.contains("DELETE"), "{message}");
    expect_error(
        http.get(format!("{}/auth/login", server.base)).send().await.unwrap(),
        405,
        ErrorCode::MethodNotAllowed,
    )
    .await;

    // A JSON endpoint sent no content type, or the wrong one.
    let body = serde_json::to_vec(&login_request("admin")).unwrap();
    let untyped = http.post(format!("{}/auth/login", server.base)).body(body.clone()).send().await.unwrap();
    expect_error(untyped, 400, ErrorCode::BadRequest).await;
    let as_text = http
        .post(format!("{}/auth/login", server.base))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_error(as_text, 400, ErrorCode::BadRequest).await;

    // Bad input never reaches a 500, and a well-formed report still answers.
    assert_eq!(admin.get("/reports/monthly?month=2026-11").await.status(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_runs_out_of_time_answers_a_json_503() {
    let limits = Limits { request_timeout: Duration::from_secs(1), ..Limits::default() };
    let server = TestServer::start_with(Backend::Sqlite, limits).await;
    let http = common::http();
    let login = || http.post(format!("{}/auth/login", server.base)).json(&login_request("admin")).send();

    // While the test holds this process's SQLite writing turn, a sign-in (which
    // writes its session) waits for it until the time limit stops the request.
    let turn = server.state.begin_write().await.unwrap();
    let message = expect_error(login().await.unwrap(), 503, ErrorCode::Unavailable).await;
    assert!(message.contains("1 s"), "says how long it waited: {message}");
    drop(turn);

    // The turn given back, the server answers again and the sign-in did not half land.
    assert_eq!(http.get(format!("{}/version", server.base)).send().await.unwrap().status(), 200);
    assert_eq!(server.count("sessions").await, 0);
    server.stop().await;
}
