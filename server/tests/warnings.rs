//! Early warnings over a month of the demo city, on SQLite and PostgreSQL, against a
//! moved server clock: none for the month before the 20th (only those carried over
//! from a month left unvisited), every unvisited elder due on the 20th, each closed
//! as its visit syncs in, the rest escalated to the district on the 25th; and at each
//! step the open warnings are exactly those recomputed from the stored documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Backend, Client, TestServer, http};
use jinlin_server::db::entity::document;
use jinlin_server::demo::{DEMO_PASSWORD, load_demo_city};
use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::ids::ElderId;
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Timestamp;
use jinlin_shared::warning::{WarningClosure, WarningLevel, WarningReason, WarningView, warnings};
use jinlin_shared::wire::{
    DeviceRegistration, DocumentPush, LoginRequest, PROTOCOL_VERSION, PushRequest, PushResponse,
};
use sea_orm::EntityTrait as _;

fn at(text: &str) -> Timestamp {
    Timestamp::from_millis(chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis())
}

/// A warning as both sides can name it.
type Key = (ElderId, WarningReason, Timestamp);

/// What the server lists as open now (listing brings warnings up to date first).
async fn listed(client: &Client) -> BTreeMap<Key, WarningView> {
    let response = client.get("/warnings?limit=2000").await;
    assert_eq!(response.status(), 200);
    let views: Vec<WarningView> = response.json().await.unwrap();
    views.into_iter().map(|w| ((w.elder_id, w.reason, w.since), w)).collect()
}

/// The warnings recomputed from every stored document at the server's clock.
async fn recomputed(server: &TestServer) -> BTreeSet<Key> {
    let now = server.state.now();
    let mut keys = BTreeSet::new();
    for row in document::Entity::find().all(&server.db).await.unwrap() {
        let doc = ElderDocument::load(&row.snapshot, ActorId::random()).unwrap();
        let rows = materialise(&doc).unwrap();
        for w in warnings(&rows, &Policy::default(), now).warnings {
            keys.insert((w.elder_id, w.reason, w.since));
        }
    }
    keys
}

/// The open warnings, checked against a recomputation from the documents.
async fn open_and_true(server: &TestServer, client: &Client) -> BTreeMap<Key, WarningView> {
    let open = listed(client).await;
    let keys: BTreeSet<Key> = open.keys().copied().collect();
    assert_eq!(keys, recomputed(server).await, "the open warnings are those the documents give");
    open
}

fn of(open: &BTreeMap<Key, WarningView>, reason: WarningReason) -> BTreeSet<ElderId> {
    open.keys().filter(|(_, r, _)| *r == reason).map(|(elder, _, _)| *elder).collect()
}

async fn demo_sign_in(server: &TestServer, login: &str) -> Client {
    let http = http();
    let request = LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: DEMO_PASSWORD.into(),
        device: DeviceRegistration { id: None, name: format!("{login}'s workstation") },
    };
    let response = http.post(format!("{}/auth/login", server.base)).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 200, "sign-in of {login}");
    Client { http, base: server.base.clone(), login: response.json().await.unwrap() }
}

async fn a_month_of_the_demo_city(backend: Backend) {
    let server = TestServer::start(backend).await;
    server.state.clock.set(at("2027-03-01T08:00:00+08:00"));
    let summary = load_demo_city(&server.state, 0.005, 25, &|_, _| {}).await.unwrap();
    assert!(summary.elders >= 60, "{summary:?}");
    let admin = Client::sign_in(&server, "admin").await;

    // The 19th: only elders left unvisited through February are due (since 20 February).
    server.state.clock.set(at("2027-03-19T23:59:00+08:00"));
    let open = open_and_true(&server, &admin).await;
    let carried = of(&open, WarningReason::Unvisited);
    assert!(
        open.values()
            .filter(|w| w.reason == WarningReason::Unvisited)
            .all(|w| w.since < at("2027-03-01T00:00:00+08:00") && w.level == WarningLevel::District),
        "before the 20th only February's unvisited are due, escalated"
    );

    // The 20th: every elder on the roster without a valid visit in March.
    server.state.clock.set(at("2027-03-20T08:00:00+08:00"));
    let open = open_and_true(&server, &admin).await;
    let due = of(&open, WarningReason::Unvisited);
    assert_eq!(due.len(), summary.elders, "nobody was visited in March yet");
    assert!(due.is_superset(&carried));
    let fresh: Vec<&WarningView> =
        open.values().filter(|w| w.reason == WarningReason::Unvisited && !carried.contains(&w.elder_id)).collect();
    assert!(fresh.iter().all(|w| w.since == at("2027-03-20T00:00:00+08:00") && w.level == WarningLevel::Street));

    // An assistant visits half of their community's elders on the 21st; each warning
    // closes as the visit lands.
    server.state.clock.set(at("2027-03-21T10:00:00+08:00"));
    let code = summary.first_assistant.trim_start_matches('c').trim_end_matches('a').to_owned();
    let assistant = demo_sign_in(&server, &summary.first_assistant).await;
    let community = server.state.areas().await.unwrap().areas().find(|a| a.code == code).unwrap().id;
    let theirs: Vec<document::Model> = document::Entity::find()
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.community_id == community.to_string())
        .collect();
    assert!(theirs.len() >= 4, "the community has elders to visit");
    let mut docs = Vec::new();
    for (n, row) in theirs.iter().step_by(2).enumerate() {
        let mut doc = ElderDocument::load(&row.snapshot, ActorId::random()).unwrap();
        let (visited_at, recorded_at) = (at("2027-03-21T09:30:00+08:00"), at("2027-03-21T09:40:00+08:00"));
        let mut visit = jinlin_testkit::builders::green_visit(n as u64, visited_at);
        visit.record = jinlin_testkit::builders::home_visit("三月探访");
        doc.record_visit(&Edit { author: assistant.author(), at: recorded_at }, visit, &Policy::default()).unwrap();
        docs.push(doc);
    }
    let visited: BTreeSet<ElderId> = docs.iter().map(ElderDocument::elder_id).collect();
    push(&assistant, &docs).await;
    let open = open_and_true(&server, &admin).await;
    assert!(of(&open, WarningReason::Unvisited).is_disjoint(&visited));
    let all: Vec<WarningView> = admin.get("/warnings?status=all&limit=2000").await.json().await.unwrap();
    let closed: BTreeSet<ElderId> = all
        .iter()
        .filter(|w| w.reason == WarningReason::Unvisited)
        .filter(|w| w.closed.is_some_and(|c| c.how == WarningClosure::Visited))
        .map(|w| w.elder_id)
        .collect();
    assert_eq!(closed, visited, "each visited elder's warning closed as visited");

    // The 25th: the rest go to the district.
    server.state.clock.set(at("2027-03-25T00:00:00+08:00"));
    let open = open_and_true(&server, &admin).await;
    assert_eq!(of(&open, WarningReason::Unvisited).len(), summary.elders - visited.len());
    assert!(open.values().filter(|w| w.reason == WarningReason::Unvisited).all(|w| w.level == WarningLevel::District));

    // An assistant's list holds their community's warnings and no other.
    let ours: BTreeSet<ElderId> = theirs.iter().map(|row| row.elder_id.parse().unwrap()).collect();
    let seen = listed(&assistant).await;
    assert!(!seen.is_empty());
    assert!(seen.keys().all(|(elder, _, _)| ours.contains(elder)));
    assert_eq!(seen.len(), open.keys().filter(|(elder, _, _)| ours.contains(elder)).count());
    server.stop().await;
}

on_both_databases!(a_month_of_the_demo_city_warns_escalates_and_closes, super::a_month_of_the_demo_city);

async fn push(client: &Client, docs: &[ElderDocument]) {
    let request = PushRequest::new(docs.iter().map(DocumentPush::whole).collect());
    let answer: PushResponse = client.post("/sync/push", &request).await.json().await.unwrap();
    assert!(answer.results.iter().all(|r| r.outcome.is_accepted()), "{answer:?}");
}

/// The warnings `policy` gives for every stored document at `now`.
async fn recomputed_by(server: &TestServer, policy: &Policy, now: Timestamp) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    for row in document::Entity::find().all(&server.db).await.unwrap() {
        let rows = materialise(&ElderDocument::load(&row.snapshot, ActorId::random()).unwrap()).unwrap();
        keys.extend(warnings(&rows, policy, now).warnings.into_iter().map(|w| (w.elder_id, w.reason, w.since)));
    }
    keys
}

/// The open warnings as stored.
async fn stored_open(server: &TestServer) -> BTreeSet<Key> {
    use jinlin_server::db::entity::warning;
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let rows = warning::Entity::find().filter(warning::Column::ClosedAt.is_null()).all(&server.db).await.unwrap();
    rows.into_iter()
        .map(|w| {
            (w.elder_id.parse().unwrap(), WarningReason::parse(&w.reason).unwrap(), Timestamp::from_millis(w.since))
        })
        .collect()
}

/// A database from before warnings (documents, no checks) is judged whole at the
/// first start; a server started with another policy judges every elder again by it.
async fn an_upgrade_or_a_new_policy_judges_every_elder_again(backend: Backend) {
    use jinlin_server::db::entity::{warning, warning_check};
    let server = TestServer::start(backend).await;
    server.state.clock.set(at("2027-03-22T08:00:00+08:00"));
    let summary = load_demo_city(&server.state, 0.003, 7, &|_, _| {}).await.unwrap();
    let now = server.state.now();
    assert_eq!(stored_open(&server).await, recomputed_by(&server, &Policy::default(), now).await);

    // As a database upgraded from before warnings: documents and nothing else.
    warning::Entity::delete_many().exec(&server.db).await.unwrap();
    warning_check::Entity::delete_many().exec(&server.db).await.unwrap();
    let marked = jinlin_server::warnings::schedule_unjudged(&server.db, &server.state.policy).await.unwrap();
    assert_eq!(marked as usize, summary.elders);
    let swept = jinlin_server::warnings::sweep(&server.state, now).await.unwrap();
    assert_eq!(swept, summary.elders);
    assert_eq!(stored_open(&server).await, recomputed_by(&server, &Policy::default(), now).await);
    assert_eq!(jinlin_server::warnings::sweep(&server.state, now).await.unwrap(), 0, "nothing is due twice");

    // The city moves its warning day to the 25th: restarted with it, the server
    // judges every elder again, and the March warnings of the 20th are gone.
    let later = Policy::from_toml("[warnings]\nwarningDay = 25\n").unwrap();
    let restarted = jinlin_server::AppState::new(server.db.clone(), later.clone(), jinlin_server::Limits::default());
    restarted.clock.set(now);
    let marked = jinlin_server::warnings::schedule_unjudged(&restarted.db, &restarted.policy).await.unwrap();
    assert_eq!(marked as usize, summary.elders);
    jinlin_server::warnings::sweep(&restarted, now).await.unwrap();
    let expected = recomputed_by(&server, &later, now).await;
    assert_ne!(expected, recomputed_by(&server, &Policy::default(), now).await, "the policies differ here");
    assert_eq!(stored_open(&server).await, expected);
    server.stop().await;
}

on_both_databases!(
    an_upgrade_or_a_new_policy_judges_every_elder_again,
    super::an_upgrade_or_a_new_policy_judges_every_elder_again
);

/// One stored document that cannot be read (a disk fault, a hand edit) never stops the
/// sweep: the others are judged, it is left unchecked and said in the log, and the
/// next sweep does not trip on it again.
async fn an_unreadable_document_never_stops_the_sweep(backend: Backend) {
    use jinlin_server::db::entity::warning_check;
    use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, QueryFilter as _};
    let server = TestServer::start(backend).await;
    server.state.clock.set(at("2027-03-10T08:00:00+08:00"));
    let summary = load_demo_city(&server.state, 0.003, 11, &|_, _| {}).await.unwrap();
    let rows = document::Entity::find().all(&server.db).await.unwrap();
    let broken = rows[0].elder_id.clone();
    document::ActiveModel { snapshot: Set(b"not an automerge document".to_vec()), ..rows[0].clone().into() }
        .update(&server.db)
        .await
        .unwrap();
    warning_check::Entity::update_many()
        .col_expr(warning_check::Column::NextAt, sea_orm::sea_query::Expr::value(0_i64))
        .exec(&server.db)
        .await
        .unwrap();

    let now = at("2027-03-20T08:00:00+08:00");
    let swept = jinlin_server::warnings::sweep(&server.state, now).await.unwrap();
    assert_eq!(swept, summary.elders, "every elder was read, the broken one included");
    let unchecked = warning_check::Entity::find()
        .filter(warning_check::Column::ElderId.eq(broken.clone()))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchecked.next_at, None, "the broken one is left unchecked");
    let mut expected = BTreeSet::new();
    for row in rows.iter().filter(|row| row.elder_id != broken) {
        let doc = materialise(&ElderDocument::load(&row.snapshot, ActorId::random()).unwrap()).unwrap();
        expected.extend(
            warnings(&doc, &Policy::default(), now).warnings.into_iter().map(|w| (w.elder_id, w.reason, w.since)),
        );
    }
    let broken_id: ElderId = broken.parse().unwrap();
    let judged: BTreeSet<Key> =
        stored_open(&server).await.into_iter().filter(|(elder, _, _)| *elder != broken_id).collect();
    assert!(expected.len() > summary.elders / 2, "most elders are due on the 20th");
    assert_eq!(judged, expected, "every other elder is judged");
    assert_eq!(jinlin_server::warnings::sweep(&server.state, now).await.unwrap(), 0, "and it is not tried again");
    server.stop().await;
}

on_both_databases!(an_unreadable_document_never_stops_the_sweep, super::an_unreadable_document_never_stops_the_sweep);
