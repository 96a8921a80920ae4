//! Administration on both databases: the area import (all or nothing), users, and the demo city.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestServer};
use jinlin_server::admin::{AdminError, import_areas};
use jinlin_server::{AppState, Limits};
use jinlin_shared::policy::Policy;

async fn an_area_file_with_a_bad_row_is_refused_whole(backend: Backend) {
    let server = TestServer::start(backend).await;
    let before = server.count("areas").await;
    let file = "district_code,district_name,street_code,street_name,community_code,community_name\n\
                350211,集美区,350211001,侨英街道,350211001001,凤凰社区\n\
                350211,集美区,350211001,侨英街道,,缺代码社区\n\
                350211,集美区,350203001001,冲突街道,350211001002,冲突社区\n";
    match import_areas(&server.db, file).await {
        Err(AdminError::BadRows(rows)) => assert_eq!(rows.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [3, 4]),
        other => panic!("expected the file to be refused, got {other:?}"),
    }
    assert_eq!(server.count("areas").await, before);
    let good = "district_code,district_name,street_code,street_name,community_code,community_name\n\
                350211,集美区,350211001,侨英街道,350211001001,凤凰社区\n";
    assert_eq!(import_areas(&server.db, good).await.unwrap().created, 3);
    assert_eq!(import_areas(&server.db, good).await.unwrap().created, 0, "importing again changes nothing");
    server.stop().await;
}
on_both_databases!(an_area_file_with_a_bad_row_is_refused_whole, super::an_area_file_with_a_bad_row_is_refused_whole);

async fn a_disabled_user_loses_access_and_a_new_password_replaces_the_old(backend: Backend) {
    use jinlin_server::admin::{set_disabled, set_password};
    let server = TestServer::start(backend).await;
    let client = common::Client::sign_in(&server, "heping").await;
    set_disabled(&server.db, "heping", true).await.unwrap();
    let pull = jinlin_shared::wire::PullRequest::new(jinlin_shared::wire::Cursor::new(), 10);
    assert_eq!(client.post("/sync/pull", &pull).await.status(), 401, "a disabled user's session stops working");
    let http = common::http();
    let login = |password: &str| serde_json::json!({"protocol": jinlin_shared::wire::PROTOCOL_VERSION, "login": "heping", "password": password, "device": {"id": null, "name": "x"}});
    let refused = http.post(format!("{}/auth/login", server.base)).json(&login(common::PASSWORD)).send().await.unwrap();
    assert_eq!(refused.status(), 403);

    set_disabled(&server.db, "heping", false).await.unwrap();
    set_password(&server.db, "heping", "a new long password".into()).await.unwrap();
    let old = http.post(format!("{}/auth/login", server.base)).json(&login(common::PASSWORD)).send().await.unwrap();
    assert_eq!(old.status(), 403);
    let new =
        http.post(format!("{}/auth/login", server.base)).json(&login("a new long password")).send().await.unwrap();
    assert_eq!(new.status(), 200);
    assert!(matches!(set_disabled(&server.db, "nobody", true).await, Err(AdminError::UnknownUser(_))));
    assert!(matches!(set_password(&server.db, "heping", "short".into()).await, Err(AdminError::Password(_))));
    server.stop().await;
}
on_both_databases!(
    a_disabled_user_loses_access_and_a_new_password_replaces_the_old,
    super::a_disabled_user_loses_access_and_a_new_password_replaces_the_old
);

async fn the_demo_city_is_loaded_through_the_push_path_with_every_visit_materialised(backend: Backend) {
    let server = TestServer::start(backend).await;
    let state = AppState::new(server.db.clone(), Policy::default(), Limits::default());
    let users_before = server.count("users").await;
    let heard = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, of: usize| heard.lock().unwrap().push((done, of));
    let summary = jinlin_server::demo::load_demo_city(&state, 0.004, 7, &progress).await.unwrap();
    assert_eq!(summary.communities, 2);
    // The progress bar starts at nothing, only moves forward, and ends at every elder.
    let heard = heard.into_inner().unwrap();
    assert_eq!(heard.first(), Some(&(0, 56)));
    assert_eq!(heard.last(), Some(&(56, 56)));
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0 && w[1].1 == 56), "{heard:?}");
    assert_eq!(summary.elders, 56);
    assert_eq!(server.count("documents").await, 56);
    assert_eq!(server.count("elders").await, 56);
    assert_eq!(server.count("visits").await, summary.visits as i64);
    assert!(summary.visits > 56 * 8, "about a visit a month for a year");
    // The existing admin is kept; the demo adds a supervisor per street of its city and
    // two assistants per community.
    let demo_users = server.count("users").await - users_before;
    assert!(demo_users >= 5, "{demo_users} demo users: a supervisor per street, two assistants per community");
    // A second load into a database that holds elders is refused, adding nothing.
    assert!(jinlin_server::demo::load_demo_city(&state, 0.004, 7, &|_, _| {}).await.is_err());
    assert_eq!(server.count("documents").await, 56);
    server.stop().await;
}
on_both_databases!(
    the_demo_city_is_loaded_through_the_push_path,
    super::the_demo_city_is_loaded_through_the_push_path_with_every_visit_materialised
);
