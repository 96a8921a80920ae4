//! Sign-in as an attacker tries it, on SQLite and PostgreSQL: wrong passwords slow the
//! login and the address they come from instead of locking the account; an unknown
//! login gets the very answer a known one does; hashing is bounded; a workstation's
//! data key goes only to users of its area; a new password or a disabled account ends
//! every session; administration is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::IpAddr;

use common::{Backend, Client, PASSWORD, TestServer};
use jinlin_shared::ids::DeviceId;
use jinlin_shared::wire::{ErrorBody, ErrorCode, PROTOCOL_VERSION};
use serde_json::json;

/// A sign-in of `login` from `address` (any 127.x.y.z is this machine) on `device`.
async fn attempt(
    server: &TestServer,
    address: [u8; 4],
    login: &str,
    password: &str,
    device: Option<DeviceId>,
) -> reqwest::Response {
    let http = common::http_builder().local_address(IpAddr::from(address)).build().unwrap();
    let body = json!({ "protocol": PROTOCOL_VERSION, "login": login, "password": password,
        "device": { "id": device, "name": "工作站" } });
    http.post(format!("{}/auth/login", server.base)).json(&body).send().await.unwrap()
}

async fn error_of(response: reqwest::Response) -> (u16, ErrorCode, String, Option<String>) {
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let body: ErrorBody = response.json().await.expect("errors are JSON");
    (status, body.error, body.message, retry)
}

/// Moves every failure of `subject` an hour back, as if the delay had passed.
async fn let_time_pass(server: &TestServer, subject: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = server.db.get_database_backend();
    let past = common::now().plus_minutes(-30).as_millis();
    let sql = format!("UPDATE sign_in_failures SET last_failure_at = {past} WHERE subject = '{subject}'");
    server.db.execute_raw(Statement::from_string(backend, sql)).await.unwrap();
}

async fn wrong_passwords_slow_the_login_and_the_address_and_never_lock_the_account(backend: Backend) {
    let server = TestServer::start(backend).await;
    let home = [127, 0, 0, 1];
    for _ in 0..3 {
        let (status, code, ..) = error_of(attempt(&server, home, "guangming", "wrong password", None).await).await;
        assert_eq!((status, code), (403, ErrorCode::WrongCredentials));
    }
    // The fourth failure starts the delays; during one, even the right password waits.
    attempt(&server, home, "guangming", "wrong password", None).await;
    let (status, code, _, retry) = error_of(attempt(&server, home, "guangming", PASSWORD, None).await).await;
    assert_eq!((status, code), (429, ErrorCode::RateLimited));
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    // From another address the login is still delayed (guessing from many machines
    // gains nothing), and another login from this one is too.
    let (status, ..) = error_of(attempt(&server, [127, 0, 0, 2], "guangming", PASSWORD, None).await).await;
    assert_eq!(status, 429);
    let (status, ..) = error_of(attempt(&server, home, "heping", PASSWORD, None).await).await;
    assert_eq!(status, 429, "the address made four failures");
    // Once the delay has passed, the right password signs in: nothing was locked.
    let_time_pass(&server, "login:guangming").await;
    let_time_pass(&server, "address:127.0.0.1").await;
    assert_eq!(attempt(&server, home, "guangming", PASSWORD, None).await.status(), 200);
    assert_eq!(server.count("sign_in_failures").await, 1, "the login's count is forgotten; the address's stays");
    // The delay doubles with each failure past the free ones.
    for _ in 0..7 {
        let_time_pass(&server, "address:127.0.0.3").await;
        let_time_pass(&server, "login:nobody").await;
        attempt(&server, [127, 0, 0, 3], "nobody", "x", None).await;
    }
    let (status, _, _, retry) = error_of(attempt(&server, [127, 0, 0, 3], "nobody", "x", None).await).await;
    assert_eq!(status, 429);
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 16, "2, 4, 8, 16 s …");
    server.stop().await;
}
on_both_databases!(
    wrong_passwords_slow_the_login_and_the_address_and_never_lock_the_account,
    super::wrong_passwords_slow_the_login_and_the_address_and_never_lock_the_account
);

async fn an_unknown_login_is_answered_exactly_as_a_wrong_password(backend: Backend) {
    let server = TestServer::start(backend).await;
    let unknown = error_of(attempt(&server, [127, 0, 0, 4], "no-such-user", "x", None).await).await;
    let wrong = error_of(attempt(&server, [127, 0, 0, 5], "heping", "x", None).await).await;
    assert_eq!(unknown, wrong);
    let disabled = {
        jinlin_server::admin::set_disabled(&server.db, "heping2", true).await.unwrap();
        error_of(attempt(&server, [127, 0, 0, 6], "heping2", PASSWORD, None).await).await
    };
    assert_eq!(disabled, wrong, "a disabled account says no more than a wrong password");
    server.stop().await;
}
on_both_databases!(
    an_unknown_login_is_answered_exactly_as_a_wrong_password,
    super::an_unknown_login_is_answered_exactly_as_a_wrong_password
);

async fn password_hashes_are_bounded_and_past_the_bound_a_sign_in_is_told_to_retry(backend: Backend) {
    let server = TestServer::start(backend).await;
    let all = server.state.limits.concurrent_password_hashes as u32;
    let held = server.state.hash_slots.hold(all).await.unwrap();
    let (status, code, _, retry) = error_of(attempt(&server, [127, 0, 0, 1], "heping", PASSWORD, None).await).await;
    assert_eq!((status, code, retry.as_deref()), (503, ErrorCode::Unavailable, Some("1")));
    drop(held);
    assert_eq!(attempt(&server, [127, 0, 0, 1], "heping", PASSWORD, None).await.status(), 200);
    server.stop().await;
}
on_both_databases!(
    password_hashes_are_bounded_and_past_the_bound_a_sign_in_is_told_to_retry,
    super::password_hashes_are_bounded_and_past_the_bound_a_sign_in_is_told_to_retry
);

async fn a_workstations_key_goes_only_to_users_whose_area_covers_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    // Registered by 和平社区's assistant: a 和平 workstation.
    let heping = Client::sign_in(&server, "heping").await;
    let device = Some(heping.login.device);
    let (status, code, message, _) =
        error_of(attempt(&server, [127, 0, 0, 1], "guangming", PASSWORD, device).await).await;
    assert_eq!((status, code), (403, ErrorCode::Forbidden), "光明社区's assistant: {message}");
    for covering in ["heping2", "lujiang", "admin"] {
        let answer: jinlin_shared::wire::LoginResponse =
            attempt(&server, [127, 0, 0, 1], covering, PASSWORD, device).await.json().await.unwrap();
        assert_eq!(answer.device_key, heping.login.device_key, "{covering} covers 和平社区");
    }
    // A street supervisor's workstation is not a community assistant's.
    let street = Client::sign_in(&server, "lujiang").await;
    let refused = attempt(&server, [127, 0, 0, 1], "heping", PASSWORD, Some(street.login.device)).await;
    assert_eq!(refused.status(), 403);
    server.stop().await;
}
on_both_databases!(
    a_workstations_key_goes_only_to_users_whose_area_covers_it,
    super::a_workstations_key_goes_only_to_users_whose_area_covers_it
);

async fn a_new_password_or_a_disabled_account_ends_every_session_and_administration_is_audited(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (first, second) = (Client::sign_in(&server, "heping").await, Client::sign_in(&server, "heping").await);
    jinlin_server::admin::set_password(&server.db, "heping", "a new long password".into()).await.unwrap();
    for client in [&first, &second] {
        assert_eq!(client.get("/me").await.status(), 401, "every session of the account ended");
    }
    let other = Client::sign_in(&server, "heping2").await;
    jinlin_server::admin::set_disabled(&server.db, "heping2", true).await.unwrap();
    jinlin_server::admin::set_disabled(&server.db, "heping2", false).await.unwrap();
    assert_eq!(other.get("/me").await.status(), 401, "re-enabling does not bring old sessions back");
    // An account for anyone but an administrator needs its area said outright.
    let without = jinlin_server::admin::add_user(
        &server.db,
        "x1",
        "x",
        jinlin_shared::user::Role::Assistant,
        None,
        "long enough".into(),
    );
    assert!(matches!(without.await, Err(jinlin_server::admin::AdminError::ScopeRequired)));
    jinlin_server::admin::add_user(&server.db, "x2", "x", jinlin_shared::user::Role::Admin, None, "long enough".into())
        .await
        .unwrap();
    for action in ["user.add", "user.passwd", "user.disable", "user.enable", "device.register"] {
        let found =
            server.text(&format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM audit_log WHERE action = '{action}'")).await;
        assert!(found.parse::<i64>().unwrap() >= 1, "{action} is audited");
    }
    server.stop().await;
}
on_both_databases!(
    a_new_password_or_a_disabled_account_ends_every_session_and_administration_is_audited,
    super::a_new_password_or_a_disabled_account_ends_every_session_and_administration_is_audited
);
