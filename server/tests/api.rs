//! The HTTP API against the real server on port 0, each test on SQLite and on
//! PostgreSQL with a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer, enrol, visit};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{
    AutomergeBytes, BootstrapRequest, BootstrapResponse, Cursor, DocumentPush, ErrorBody, ErrorCode, PullRequest,
    PullResponse, PushOutcome, PushRequest, PushResponse,
};

fn push_of(doc: &ElderDocument, changes: Vec<Vec<u8>>) -> PushRequest {
    PushRequest::new(vec![DocumentPush {
        elder: doc.elder_id(),
        changes: changes.into_iter().map(AutomergeBytes::new).collect(),
    }])
}

async fn push(client: &Client, request: &PushRequest) -> PushResponse {
    let response = client.post("/sync/push", request).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn pull(client: &Client, cursor: Cursor) -> PullResponse {
    let response = client.post("/sync/pull", &PullRequest::new(cursor, 1000)).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn expect_error(response: reqwest::Response, status: u16, code: ErrorCode) {
    assert_eq!(response.status(), status);
    let body: ErrorBody = response.json().await.expect("errors are JSON {error, message}");
    assert_eq!(body.error, code, "{}", body.message);
}

async fn health_and_version_answer(backend: Backend) {
    let server = TestServer::start(backend).await;
    let http = common::http();
    let health: serde_json::Value =
        http.get(format!("{}/health", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let version: serde_json::Value =
        http.get(format!("{}/version", server.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(version["protocol"], jinlin_shared::wire::PROTOCOL_VERSION);
    let missing = http.get(format!("{}/nowhere", server.base)).send().await.unwrap();
    expect_error(missing, 404, ErrorCode::NotFound).await;
    server.stop().await;
}
on_both_databases!(health_and_version_answer, super::health_and_version_answer);

/// The policy goes only to a signed-in workstation, and its version is the policy's
/// own digest (which the workstation recomputes rather than trust).
async fn the_policy_is_served_only_signed_in_with_its_own_version(backend: Backend) {
    let server = TestServer::start(backend).await;
    let http = common::http();
    let anonymous = http.get(format!("{}/policy", server.base)).send().await.unwrap();
    expect_error(anonymous, 401, ErrorCode::Unauthorised).await;
    let forged = http.get(format!("{}/policy", server.base)).bearer_auth("not-a-session-token").send().await.unwrap();
    // A token the server never gave reads as one that ran out: sign in again.
    expect_error(forged, 401, ErrorCode::SessionExpired).await;
    let client = Client::sign_in(&server, "heping").await;
    let response = client.get("/policy").await;
    assert_eq!(response.status(), 200);
    let served: jinlin_shared::wire::CityPolicy = response.json().await.unwrap();
    assert_eq!(served.version, served.policy.version(), "the version is the policy's digest");
    assert_eq!(served.policy, jinlin_shared::policy::Policy::default());
    server.stop().await;
}
on_both_databases!(
    the_policy_is_served_only_signed_in_with_its_own_version,
    super::the_policy_is_served_only_signed_in_with_its_own_version
);

async fn sign_in_gives_a_token_and_the_devices_key_to_every_user_of_its_area(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let me: serde_json::Value = client.get("/me").await.json().await.unwrap();
    assert_eq!(me["role"], "assistant");
    // The token is stored only as its hash.
    use sea_orm::EntityTrait;
    let sessions = jinlin_server::db::entity::session::Entity::find().all(&server.db).await.unwrap();
    assert_eq!(sessions.len(), 1, "one session before the others sign in");
    assert_ne!(sessions[0].token_hash, client.login.token);
    assert_eq!(sessions[0].token_hash, jinlin_server::auth::token_hash(&client.login.token));

    // Every user signing in on one device gets that device's data key; another
    // device gets another key.
    let http = common::http();
    let on_same_device = serde_json::json!({"protocol": jinlin_shared::wire::PROTOCOL_VERSION, "login": "heping2", "password": common::PASSWORD,
        "device": {"id": client.login.device, "name": "ignored for a known device"}});
    let second: jinlin_shared::wire::LoginResponse = http
        .post(format!("{}/auth/login", server.base))
        .json(&on_same_device)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second.device, client.login.device);
    assert_eq!(second.device_key, client.login.device_key);
    let elsewhere = Client::sign_in(&server, "heping2").await;
    assert_ne!(elsewhere.login.device_key, client.login.device_key);
    assert!(!format!("{:?}", client.login).contains(&client.login.token), "the token is never printed");

    let anonymous = http
        .post(format!("{}/sync/pull", server.base))
        .json(&PullRequest::new(Cursor::new(), 10))
        .send()
        .await
        .unwrap();
    expect_error(anonymous, 401, ErrorCode::Unauthorised).await;
    let forged = http
        .post(format!("{}/sync/pull", server.base))
        .bearer_auth("0".repeat(64))
        .json(&PullRequest::new(Cursor::new(), 10))
        .send()
        .await
        .unwrap();
    expect_error(forged, 401, ErrorCode::SessionExpired).await;

    let out = client.post("/auth/logout", &serde_json::json!({})).await;
    assert_eq!(out.status(), 200);
    let after = client.post("/sync/pull", &PullRequest::new(Cursor::new(), 10)).await;
    expect_error(after, 401, ErrorCode::SessionExpired).await;
    server.stop().await;
}
on_both_databases!(
    sign_in_gives_a_token_and_the_devices_key_to_every_user_of_its_area,
    super::sign_in_gives_a_token_and_the_devices_key_to_every_user_of_its_area
);

async fn a_pushed_visit_is_stored_materialised_and_pulled_by_the_other_workstation_and_a_replay_stores_nothing(
    backend: Backend,
) {
    let server = TestServer::start(backend).await;
    let community = server.community("350203001001");
    let first = Client::sign_in(&server, "heping").await;
    let second = Client::sign_in(&server, "heping2").await;
    let mut doc = enrol(&first, community, 1);
    let visit_id = visit(&mut doc, &first, 2);
    let request = push_of(&doc, doc.changes_since(&[]));

    let response = push(&first, &request).await;
    let PushOutcome::Accepted { heads, stored } = &response.results[0].outcome else {
        panic!("push refused: {:?}", response.results[0].outcome)
    };
    assert_eq!(*stored, 2);
    assert_eq!(heads.as_slice(), doc.heads().as_slice());
    assert_eq!(server.count("log_entries").await, 1, "one entry names both changes of the push");
    assert_eq!(server.count("elders").await, 1);
    assert_eq!(server.count("visits").await, 1);

    // Replaying the push, whole or in part, changes nothing.
    let replay = push(&first, &request).await;
    assert!(matches!(replay.results[0].outcome, PushOutcome::Accepted { stored: 0, .. }));
    let partial = push(&first, &push_of(&doc, doc.changes_since(&[]).split_off(1))).await;
    assert!(matches!(partial.results[0].outcome, PushOutcome::Accepted { stored: 0, .. }));
    assert_eq!(server.count("log_entries").await, 1);

    // The other workstation of the community pulls the document and reads the visit.
    let page = pull(&second, Cursor::new()).await;
    assert!(!page.more);
    assert_eq!(page.documents.len(), 1);
    let chunks: Vec<Vec<u8>> = page.documents[0].chunks.iter().map(|c| c.as_bytes().to_vec()).collect();
    assert_eq!(chunks, [server.snapshot(doc.elder_id()).await], "a first pull takes the stored document whole");
    let mut pulled = ElderDocument::from_changes(&chunks, jinlin_shared::ActorId::random()).unwrap();
    assert!(pulled.record().visits.contains_key(&visit_id));
    assert_eq!(page.next_cursor.get(community), 1);

    // A later visit reaches it as that one change, cut out of the stored document.
    let before = doc.heads();
    let later = visit(&mut doc, &first, 3);
    assert!(push(&first, &push_of(&doc, doc.changes_since(&before))).await.results[0].outcome.is_accepted());
    let next = pull(&second, page.next_cursor.clone()).await;
    assert_eq!(next.documents.len(), 1);
    let chunks: Vec<Vec<u8>> = next.documents[0].chunks.iter().map(|c| c.as_bytes().to_vec()).collect();
    assert_eq!(chunks, doc.changes_since(&before), "only the new change, byte for byte as it was made");
    pulled.apply_changes(&chunks).unwrap();
    assert!(pulled.record().visits.contains_key(&later));
    assert_eq!(pulled.heads(), doc.heads());
    // Pulling again from the new cursor returns nothing.
    let again = pull(&second, next.next_cursor.clone()).await;
    assert!(again.documents.is_empty() && !again.more);
    server.stop().await;
}
on_both_databases!(
    a_pushed_visit_is_stored_materialised_and_pulled,
    super::a_pushed_visit_is_stored_materialised_and_pulled_by_the_other_workstation_and_a_replay_stores_nothing
);

async fn a_pull_page_names_at_most_its_share_of_documents_and_the_next_page_goes_on(backend: Backend) {
    let limits = jinlin_server::state::Limits { pull_documents: 2, ..Default::default() };
    let server = TestServer::start_with(backend, limits).await;
    let community = server.community("350203001001");
    let (first, second) = (Client::sign_in(&server, "heping").await, Client::sign_in(&server, "heping2").await);
    // The log: elder a, elder b, a again (a visit), elder c.
    let mut a = enrol(&first, community, 1);
    let b = enrol(&first, community, 2);
    let c = enrol(&first, community, 3);
    for doc in [&a, &b] {
        assert!(push(&first, &push_of(doc, doc.changes_since(&[]))).await.results[0].outcome.is_accepted());
    }
    let before = a.heads();
    visit(&mut a, &first, 4);
    assert!(push(&first, &push_of(&a, a.changes_since(&before))).await.results[0].outcome.is_accepted());
    assert!(push(&first, &push_of(&c, c.changes_since(&[]))).await.results[0].outcome.is_accepted());

    let page = pull(&second, Cursor::new()).await;
    let mut elders: Vec<_> = page.documents.iter().map(|d| d.elder).collect();
    elders.sort();
    let mut expected = vec![a.elder_id(), b.elder_id()];
    expected.sort();
    assert_eq!(elders, expected, "two documents a page, a's two entries among them");
    assert!(page.more);
    assert_eq!(page.next_cursor.get(community), 3, "the page ends before the third elder's entry");
    let rest = pull(&second, page.next_cursor.clone()).await;
    assert_eq!(rest.documents.iter().map(|d| d.elder).collect::<Vec<_>>(), [c.elder_id()]);
    assert!(!rest.more);
    server.stop().await;
}
on_both_databases!(
    a_pull_page_names_at_most_its_share_of_documents,
    super::a_pull_page_names_at_most_its_share_of_documents_and_the_next_page_goes_on
);

async fn changes_outside_the_callers_community_are_refused_and_invisible(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let mut doc = enrol(&heping, server.community("350203001001"), 3);
    visit(&mut doc, &heping, 4);
    let request = push_of(&doc, doc.changes_since(&[]));

    let refused = push(&guangming, &request).await;
    assert!(matches!(refused.results[0].outcome, PushOutcome::Rejected { code: RejectCode::OutOfScope, .. }));
    assert_eq!(server.count("log_entries").await, 0);
    assert_eq!(server.count("documents").await, 0);

    assert!(push(&heping, &request).await.results[0].outcome.is_accepted());
    assert!(pull(&guangming, Cursor::new()).await.documents.is_empty());
    // The street supervisor sees the street's communities.
    assert_eq!(pull(&supervisor, Cursor::new()).await.documents.len(), 1);
    let bootstrap: BootstrapResponse =
        guangming.post("/sync/bootstrap", &BootstrapRequest::new(None, 10)).await.json().await.unwrap();
    assert!(bootstrap.snapshots.is_empty());
    server.stop().await;
}
on_both_databases!(
    changes_outside_the_callers_community_are_refused_and_invisible,
    super::changes_outside_the_callers_community_are_refused_and_invisible
);

async fn a_document_failing_validation_is_rejected_while_the_others_in_the_push_land(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let community = server.community("350203001001");
    let good = enrol(&client, community, 5);
    let mut future = enrol(&client, community, 6);
    // A visit dated next year, made by a workstation whose clock is a year ahead.
    let mut rng = jinlin_shared::synthetic::Rng::new(7);
    let mut next_year = jinlin_shared::synthetic::visit(&mut rng, common::now().plus_hours(24 * 365));
    next_year.record.risk = jinlin_shared::visit::RiskLevel::Green;
    next_year.follow_up = None;
    let skewed = jinlin_shared::document::Edit { author: client.author(), at: common::now().plus_hours(24 * 365) };
    future.record_visit(&skewed, next_year, &jinlin_shared::policy::Policy::default()).unwrap();

    let mut request = push_of(&good, good.changes_since(&[]));
    request.documents.extend(push_of(&future, future.changes_since(&[])).documents);
    let response = push(&client, &request).await;
    assert!(response.results[0].outcome.is_accepted());
    match &response.results[1].outcome {
        PushOutcome::Rejected { code, field, .. } => {
            assert_eq!(*code, RejectCode::VisitInFuture);
            assert!(field.as_deref().is_some_and(|f| f.ends_with(".visitedAt")));
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(server.count("documents").await, 1);
    assert_eq!(server.count("log_entries").await, 1);
    server.stop().await;
}
on_both_databases!(
    a_document_failing_validation_is_rejected_while_the_others_land,
    super::a_document_failing_validation_is_rejected_while_the_others_in_the_push_land
);

async fn malformed_truncated_oversized_and_hostile_bodies_get_json_errors_and_store_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let doc = enrol(&client, server.community("350203001001"), 8);
    let valid = serde_json::to_vec(&push_of(&doc, doc.changes_since(&[]))).unwrap();

    expect_error(client.post_raw("/sync/push", b"{not json".to_vec()).await, 400, ErrorCode::BadRequest).await;
    expect_error(client.post_raw("/sync/push", valid[..valid.len() / 2].to_vec()).await, 400, ErrorCode::BadRequest)
        .await;
    let wrong_protocol = serde_json::json!({"protocol": 99, "documents": []});
    expect_error(client.post("/sync/push", &wrong_protocol).await, 400, ErrorCode::UnsupportedProtocol).await;
    let too_big = vec![b' '; jinlin_shared::wire::MAX_REQUEST_BODY_BYTES + 10];
    expect_error(client.post_raw("/sync/push", too_big).await, 413, ErrorCode::PayloadTooLarge).await;

    // Well-formed JSON carrying bytes that are no Automerge change.
    let garbage = PushRequest::new(vec![DocumentPush {
        elder: doc.elder_id(),
        changes: vec![AutomergeBytes::new(vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
    }]);
    let response = push(&client, &garbage).await;
    assert!(matches!(response.results[0].outcome, PushOutcome::Rejected { code: RejectCode::Undecodable, .. }));
    // Changes that depend on changes the server never saw.
    let mut later = doc.clone();
    visit(&mut later, &client, 9);
    let orphan = push_of(&later, later.changes_since(&doc.heads()));
    let response = push(&client, &orphan).await;
    assert!(matches!(response.results[0].outcome, PushOutcome::Rejected { .. }), "{:?}", response.results[0].outcome);

    assert_eq!(server.count("log_entries").await, 0);
    assert_eq!(server.count("documents").await, 0);
    assert_eq!(server.count("log_entries").await, 0);
    server.stop().await;
}
on_both_databases!(
    malformed_and_hostile_bodies_get_json_errors_and_store_nothing,
    super::malformed_truncated_oversized_and_hostile_bodies_get_json_errors_and_store_nothing
);

async fn bootstrap_pages_through_the_scope_and_gives_a_cursor_to_follow(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = Client::sign_in(&server, "heping").await;
    let community = server.community("350203001001");
    let mut elders = Vec::new();
    for seed in 0..5 {
        let doc = enrol(&client, community, 100 + seed);
        assert!(push(&client, &push_of(&doc, doc.changes_since(&[]))).await.results[0].outcome.is_accepted());
        elders.push(doc.elder_id());
    }
    elders.sort();
    let mut seen = Vec::new();
    let mut after = None;
    let mut first_cursor = None;
    loop {
        let page: BootstrapResponse =
            client.post("/sync/bootstrap", &BootstrapRequest::new(after, 2)).await.json().await.unwrap();
        first_cursor.get_or_insert(page.cursor.clone());
        for snapshot in &page.snapshots {
            let doc = ElderDocument::load(snapshot.document.as_bytes(), jinlin_shared::ActorId::random()).unwrap();
            assert_eq!(doc.elder_id(), snapshot.elder);
            seen.push(snapshot.elder);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, elders);
    assert_eq!(first_cursor.unwrap().get(community), 5);
    server.stop().await;
}
on_both_databases!(
    bootstrap_pages_through_the_scope,
    super::bootstrap_pages_through_the_scope_and_gives_a_cursor_to_follow
);

async fn an_elder_moved_to_another_community_arrives_whole_there_and_departs_the_old_one(backend: Backend) {
    let server = TestServer::start(backend).await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let heping = Client::sign_in(&server, "heping").await;
    let (old, new) = (server.community("350203001001"), server.community("350203001002"));
    let mut doc = enrol(&heping, old, 10);
    visit(&mut doc, &heping, 11);
    assert!(push(&heping, &push_of(&doc, doc.changes_since(&[]))).await.results[0].outcome.is_accepted());
    let heping_cursor = pull(&heping, Cursor::new()).await.next_cursor;

    let before = doc.heads();
    let edit = jinlin_shared::document::Edit { author: supervisor.author(), at: common::now() };
    let entry = jinlin_shared::ids::EntryId::from_uuid(uuid::Uuid::now_v7()).unwrap();
    doc.move_to_community(&edit, entry, new, common::now().shanghai_date()).unwrap();
    let moved = push(&supervisor, &push_of(&doc, doc.changes_since(&before))).await;
    assert!(moved.results[0].outcome.is_accepted(), "{:?}", moved.results[0].outcome);

    let arrived = pull(&guangming, Cursor::new()).await;
    assert_eq!(arrived.documents.len(), 1);
    assert_eq!(
        arrived.documents[0].chunks,
        [server.snapshot(doc.elder_id()).await.into()],
        "the whole document arrives"
    );
    let departed = pull(&heping, heping_cursor).await;
    assert_eq!(departed.departed.len(), 1);
    assert_eq!(departed.departed[0].elder, doc.elder_id());
    assert!(departed.documents.is_empty());
    server.stop().await;
}
on_both_databases!(
    an_elder_moved_to_another_community_arrives_whole_there,
    super::an_elder_moved_to_another_community_arrives_whole_there_and_departs_the_old_one
);

async fn an_id_number_is_kept_whole_on_the_server_and_only_masked_in_the_document(backend: Backend) {
    use sea_orm::EntityTrait;
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let doc = enrol(&heping, server.community("350203001001"), 20);
    assert!(push(&heping, &push_of(&doc, doc.changes_since(&[]))).await.results[0].outcome.is_accepted());
    let path = format!("{}/elders/{}/identity", server.base, doc.elder_id());
    let put = |client: &Client, number: &str| {
        client.http.put(&path).bearer_auth(&client.login.token).json(&serde_json::json!({ "idNumber": number })).send()
    };

    expect_error(put(&heping, "110105194912310021").await.unwrap(), 400, ErrorCode::BadRequest).await;
    expect_error(put(&guangming, "11010519491231002X").await.unwrap(), 403, ErrorCode::Forbidden).await;
    let accepted: serde_json::Value = put(&heping, "11010519491231002X").await.unwrap().json().await.unwrap();
    assert_eq!(accepted["idNumberMasked"], "1101**********002X");

    let identity = jinlin_server::db::entity::identity::Entity::find_by_id(doc.elder_id().to_string())
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(identity.id_number, "11010519491231002X");
    let stored = jinlin_server::db::entity::document::Entity::find_by_id(doc.elder_id().to_string())
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let loaded = ElderDocument::load(&stored.snapshot, jinlin_shared::ActorId::random()).unwrap();
    assert_eq!(loaded.record().profile.id_number_masked.as_deref(), Some("1101**********002X"));
    assert!(!stored.snapshot.windows(18).any(|w| w == b"11010519491231002X"), "the full number is not in the document");
    let audit = jinlin_server::db::entity::audit::Entity::find().all(&server.db).await.unwrap();
    let entry = audit.iter().find(|a| a.action == "identity.set").expect("the identity change is audited");
    assert!(!entry.detail.contains("11010519491231002X"));
    let unknown = format!("{}/elders/{}/identity", server.base, jinlin_shared::ids::ElderId::from_parts(1, [1; 10]));
    let response = heping
        .http
        .put(unknown)
        .bearer_auth(&heping.login.token)
        .json(&serde_json::json!({"idNumber": "11010519491231002X"}))
        .send()
        .await
        .unwrap();
    expect_error(response, 404, ErrorCode::NotFound).await;
    server.stop().await;
}
on_both_databases!(
    an_id_number_is_kept_whole_on_the_server_and_only_masked_in_the_document,
    super::an_id_number_is_kept_whole_on_the_server_and_only_masked_in_the_document
);

async fn a_revoked_workstation_loses_its_sessions_and_cannot_sign_in_again(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let admin = Client::sign_in(&server, "admin").await;
    let revoke = format!("/devices/{}/revoke", heping.login.device);
    expect_error(heping.post(&revoke, &serde_json::json!({})).await, 403, ErrorCode::Forbidden).await;
    assert_eq!(admin.post(&revoke, &serde_json::json!({})).await.status(), 200);
    expect_error(heping.post("/sync/pull", &PullRequest::new(Cursor::new(), 10)).await, 403, ErrorCode::DeviceRevoked)
        .await;
    let again = serde_json::json!({"protocol": jinlin_shared::wire::PROTOCOL_VERSION, "login": "heping", "password": common::PASSWORD, "device": {"id": heping.login.device, "name": "x"}});
    let response = common::http().post(format!("{}/auth/login", server.base)).json(&again).send().await.unwrap();
    expect_error(response, 403, ErrorCode::DeviceRevoked).await;
    server.stop().await;
}
on_both_databases!(
    a_revoked_workstation_loses_its_sessions,
    super::a_revoked_workstation_loses_its_sessions_and_cannot_sign_in_again
);

async fn metrics_count_stored_changes_and_rejections_by_code(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let doc = enrol(&heping, server.community("350203001001"), 30);
    let request = push_of(&doc, doc.changes_since(&[]));
    assert!(push(&heping, &request).await.results[0].outcome.is_accepted());
    assert!(!push(&guangming, &request).await.results[0].outcome.is_accepted());
    let text = common::http().get(&server.metrics).send().await.unwrap().text().await.unwrap();
    // Not on the API's address: that is for workstations, not for operators.
    let base = server.base.trim_end_matches("/api/v1");
    assert_eq!(common::http().get(format!("{base}/metrics")).send().await.unwrap().status(), 404);
    assert!(text.lines().any(|l| l == "jinlin_changes_stored_total 1"), "{text}");
    assert!(text.lines().any(|l| l == "jinlin_rejects_total{code=\"outOfScope\"} 1"), "{text}");
    assert!(text.lines().any(|l| l == "jinlin_push_seconds_count 1"), "{text}");
    server.stop().await;
}
on_both_databases!(
    metrics_count_stored_changes_and_rejections,
    super::metrics_count_stored_changes_and_rejections_by_code
);
