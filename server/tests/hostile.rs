//! The push path as an attacker tries it, on SQLite and PostgreSQL: every change here
//! is written with raw Automerge calls or by hand (`common::raw`, `document::craft`),
//! never with the project's own document functions, and sent over HTTP. Each test is
//! named in THREATS.md beside the threat it proves defended.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use automerge::transaction::Transactable;
use common::raw::{self, RawElder, new_id, person, void_json};
use common::{Backend, Client, TestServer};
use jinlin_shared::alert::AlertView;
use jinlin_shared::author::Author;
use jinlin_shared::document::craft::{self, put_json};
use jinlin_shared::ids::DeviceId;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::wire::{ErrorBody, ErrorCode, PushOutcome, PushResponse};
use serde_json::json;

const FULL_ID: &str = "11010519491231002X";

fn code(answer: &PushResponse, index: usize) -> Option<RejectCode> {
    match &answer.results[index].outcome {
        PushOutcome::Rejected { code, .. } => Some(*code),
        PushOutcome::Accepted { .. } => None,
    }
}

fn field(answer: &PushResponse, index: usize) -> Option<String> {
    match &answer.results[index].outcome {
        PushOutcome::Rejected { field, .. } => field.clone(),
        PushOutcome::Accepted { .. } => None,
    }
}

/// `client`'s own author, on another device.
fn elsewhere(client: &Client, device: DeviceId) -> Author {
    Author { user: client.login.user.id, device }
}

async fn open_alerts(client: &Client) -> Vec<AlertView> {
    client.get("/alerts?status=open").await.json().await.unwrap()
}

/// An assistant of another community (光明社区), signed in on their own workstation.
async fn heping2_in_street(server: &TestServer) -> Client {
    Client::sign_in(server, "guangming").await
}

/// An elder enrolled by `client` in 和平社区 and stored on the server.
async fn stored_elder(server: &TestServer, client: &Client) -> RawElder {
    let elder = raw::enrol(&client.author(), server.community("350203001001"));
    let answer = client.push(vec![(elder.elder, elder.changes.clone())]).await;
    assert_eq!(code(&answer, 0), None, "{answer:?}");
    elder
}

async fn authorship_is_bound_to_the_device_and_the_users_who_signed_in_there(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let colleague = Client::sign_in(&server, "heping2").await;
    let mut elder = stored_elder(&server, &heping).await;

    // Named after the colleague on the colleague's own workstation, sent from heping's.
    let theirs = elder
        .attempt(&colleague.author(), |tx, d| tx.put(craft::map_at(d, &["profile"]), "phone", "13800000009").unwrap());
    let answer = heping.push(vec![(elder.elder, vec![theirs])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::WrongAuthor), "{answer:?}");

    // Named after the colleague on heping's workstation, where they never signed in.
    let on_this_device = Author { user: colleague.login.user.id, device: heping.login.device };
    let waiting =
        elder.attempt(&on_this_device, |tx, d| tx.put(craft::map_at(d, &["profile"]), "phone", "13800000008").unwrap());
    let answer = heping.push(vec![(elder.elder, vec![waiting.clone()])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::WrongAuthor));

    // Once the colleague has signed in there, the shared workstation pushes what they left.
    Client::sign_in_on(&server, "heping2", Some(heping.login.device)).await;
    let answer = heping.push(vec![(elder.elder, vec![waiting.clone()])]).await;
    assert_eq!(code(&answer, 0), None, "{answer:?}");
    let stored = jinlin_shared::document::ElderDocument::load(
        &server.snapshot(elder.elder).await,
        jinlin_shared::ActorId::random(),
    )
    .unwrap();
    let hash = automerge::Change::from_bytes(waiting.clone()).unwrap().hash();
    let stored_by = stored.history().into_iter().find(|c| c.hash == hash).and_then(|c| c.author);
    assert_eq!(stored_by, Some(on_this_device), "the change is the colleague's in the stored document");
    // A replay of a stored change is harmless whoever sends it.
    let answer = colleague.push(vec![(elder.elder, vec![waiting.clone()])]).await;
    assert!(matches!(answer.results[0].outcome, PushOutcome::Accepted { stored: 0, .. }), "{answer:?}");
    elder.doc.apply_changes([automerge::Change::from_bytes(waiting).unwrap()]).unwrap();
    // Once their account is disabled: what they left waiting, made while they were
    // allowed, still lands; a change dated after they left (beyond the clock-skew
    // allowance) does not.
    let left =
        elder.attempt(&on_this_device, |tx, d| tx.put(craft::map_at(d, &["profile"]), "address", "新地址1号").unwrap());
    jinlin_server::admin::set_disabled(&server.db, "heping2", true).await.unwrap();
    let later = common::now().plus_minutes(30).as_millis();
    let after = craft::raw_change(&elder.doc, &on_this_device, jinlin_shared::ActorId::random(), later, |tx, d| {
        tx.put(craft::map_at(d, &["profile"]), "address", "离开后补记2号").unwrap();
    });
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![after])]).await, 0), Some(RejectCode::WrongAuthor));
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![left.clone()])]).await, 0), None, "made while allowed");
    elder.doc.apply_changes([automerge::Change::from_bytes(left).unwrap()]).unwrap();

    // A visit that names another assistant than its change's author.
    let forged = elder.attempt(&heping.author(), |tx, d| {
        put_json(
            tx,
            &craft::map_at(d, &["visits"]),
            &new_id(),
            &raw::visit_json(&colleague.author(), common::now(), false),
        );
    });
    let answer = heping.push(vec![(elder.elder, vec![forged])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::WrongAuthor));
    assert!(field(&answer, 0).unwrap().ends_with(".assistant"));

    // Heping's own change made on another device.
    let other_device = elsewhere(&heping, colleague.login.device);
    let remote =
        elder.attempt(&other_device, |tx, d| tx.put(craft::map_at(d, &["profile"]), "phone", "13800000007").unwrap());
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![remote])]).await, 0), Some(RejectCode::WrongAuthor));

    // Only the server's own changes carry the server's device, and no workstation may claim it.
    let as_server = elsewhere(&heping, DeviceId::SERVER);
    let masked = elder.change(&as_server, |tx, d| {
        tx.put(craft::map_at(d, &["profile"]), "idNumberMasked", "1101**********002X").unwrap()
    });
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![masked])]).await, 0), Some(RejectCode::WrongAuthor));
    let claim = json!({"protocol": jinlin_shared::wire::PROTOCOL_VERSION, "login": "heping", "password": common::PASSWORD,
        "device": {"id": DeviceId::SERVER, "name": "I am the server"}});
    let refused = common::http().post(format!("{}/auth/login", server.base)).json(&claim).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<ErrorBody>().await.unwrap().error, ErrorCode::BadRequest);
    server.stop().await;
}
on_both_databases!(
    authorship_is_bound_to_the_device_and_the_users_who_signed_in_there,
    super::authorship_is_bound_to_the_device_and_the_users_who_signed_in_there
);

async fn roles_decide_who_may_void_set_a_tier_or_move_an_elder(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let colleague = Client::sign_in(&server, "heping2").await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let mut elder = stored_elder(&server, &heping).await;
    let red = elder.visit(&heping.author(), &heping.author(), 2, true);
    assert_eq!(code(&heping.push(vec![(elder.elder, elder.changes.clone())]).await, 0), None);
    assert_eq!(open_alerts(&supervisor).await.len(), 1);

    // A colleague voids heping's red-risk visit: only a supervisor may, and the alert stays.
    let void = |by: &Client| {
        let by = by.author();
        elder
            .attempt(&by, |tx, d| put_json(tx, &craft::map_at(d, &["visits", &red]), "void", &void_json(&by, "录错了")))
    };
    let answer = colleague.push(vec![(elder.elder, vec![void(&colleague)])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::NotPermitted), "{answer:?}");
    assert_eq!(field(&answer, 0), Some(format!("visits.{red}.void")));
    assert_eq!(open_alerts(&supervisor).await.len(), 1, "the alert stays open");

    // An assistant may not set the tier; the street's supervisor may.
    let tier = |by: &Client| {
        let by = by.author();
        let value = json!({ "tier": "highRisk", "reason": "独居高龄", "setAt": common::now().as_millis(), "setBy": person(&by) });
        elder.attempt(&by, |tx, _| put_json(tx, &automerge::ROOT, "tierOverride", &value))
    };
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![tier(&heping)])]).await, 0), Some(RejectCode::NotPermitted));
    assert_eq!(code(&supervisor.push(vec![(elder.elder, vec![tier(&supervisor)])]).await, 0), None);

    // The supervisor voids the colleague-refused visit: the alert closes.
    assert_eq!(code(&supervisor.push(vec![(elder.elder, vec![void(&supervisor)])]).await, 0), None);
    assert!(open_alerts(&supervisor).await.is_empty());

    // Moving an elder to another community of the street is a supervisor's, not an assistant's.
    let (bright, on) = (server.community("350203001002"), common::now().shanghai_date().to_string());
    let move_to = |by: &Client| {
        let by = by.author();
        let entry = json!({ "community": bright.to_string(), "effectiveOn": on, "recordedAt": common::now().as_millis(), "recordedBy": person(&by) });
        elder.attempt(&by, |tx, d| put_json(tx, &craft::map_at(d, &["placements"]), &new_id(), &entry))
    };
    let answer = heping.push(vec![(elder.elder, vec![move_to(&heping)])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::OutOfScope), "光明社区 is outside heping's area: {answer:?}");
    let within = move_to(&heping2_in_street(&server).await);
    let answer = supervisor.push(vec![(elder.elder, vec![within])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::WrongAuthor), "signed by someone else: {answer:?}");
    assert_eq!(code(&supervisor.push(vec![(elder.elder, vec![move_to(&supervisor)])]).await, 0), None);
    let now_in: String =
        server.text(&format!("SELECT community_id AS v FROM documents WHERE elder_id = '{}'", elder.elder)).await;
    assert_eq!(now_in, bright.to_string());
    server.stop().await;
}
on_both_databases!(
    roles_decide_who_may_void_set_a_tier_or_move_an_elder,
    super::roles_decide_who_may_void_set_a_tier_or_move_an_elder
);

async fn the_schema_is_closed_bounded_and_one_long_address_cannot_break_a_report(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let colleague = Client::sign_in(&server, "heping2").await;
    let admin = Client::sign_in(&server, "admin").await;
    let elder = stored_elder(&server, &heping).await;
    let stored = server.count("log_entries").await;
    let by = heping.author();
    let attempts = [
        ("evil", RejectCode::UnknownField, elder.attempt(&by, |tx, _| tx.put(automerge::ROOT, "evil", "x").unwrap())),
        (
            "profile.address",
            RejectCode::InvalidField,
            elder.attempt(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "address", "路".repeat(40_000)).unwrap()),
        ),
        (
            "profile.name",
            RejectCode::InvalidField,
            elder.attempt(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "name", "林\0阿婆").unwrap()),
        ),
        (
            "profile.unableToCommunicate",
            RejectCode::Schema,
            elder.attempt(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "unableToCommunicate", "yes").unwrap()),
        ),
        (
            "statusHistory",
            RejectCode::InvalidField,
            elder.attempt(&by, |tx, _| {
                tx.put_object(automerge::ROOT, "statusHistory", automerge::ObjType::Map).unwrap();
            }),
        ),
    ];
    for (expected_field, expected, change) in attempts {
        let answer = heping.push(vec![(elder.elder, vec![change])]).await;
        assert_eq!(
            (code(&answer, 0), field(&answer, 0)),
            (Some(expected), Some(expected_field.to_owned())),
            "{answer:?}"
        );
    }
    // A visit's notes with a NUL (which PostgreSQL's text cannot hold) is refused, not a 500.
    let mut notes = raw::visit_json(&by, common::now(), false);
    notes["notes"] = json!("门锁坏了\0");
    let nul = elder.attempt(&by, |tx, d| put_json(tx, &craft::map_at(d, &["visits"]), &new_id(), &notes));
    assert_eq!(code(&heping.push(vec![(elder.elder, vec![nul])]).await, 0), Some(RejectCode::InvalidField));
    assert_eq!(server.count("log_entries").await, stored, "nothing refused was stored");
    // The evil key reached nobody.
    let page: jinlin_shared::wire::PullResponse = colleague
        .post("/sync/pull", &jinlin_shared::wire::PullRequest::new(Default::default(), 100))
        .await
        .json()
        .await
        .unwrap();
    use jinlin_shared::document::ElderDocument;
    let pulled: Vec<ElderDocument> = page
        .documents
        .iter()
        .map(|d| {
            let chunks: Vec<Vec<u8>> = d.chunks.iter().map(|c| c.as_bytes().to_vec()).collect();
            ElderDocument::from_changes(&chunks, jinlin_shared::ActorId::random()).unwrap()
        })
        .collect();
    assert_eq!(pulled.iter().map(ElderDocument::change_count).sum::<usize>(), 1, "only the enrolment");
    let month = common::now().shanghai_date().format("%Y-%m").to_string();
    for format in ["xlsx", "csv", "pdf", "json"] {
        let report = admin.get(&format!("/reports/monthly?month={month}&format={format}")).await;
        assert_eq!(report.status(), 200, "{format}");
    }
    server.stop().await;
}
on_both_databases!(
    the_schema_is_closed_bounded_and_one_long_address_cannot_break_a_report,
    super::the_schema_is_closed_bounded_and_one_long_address_cannot_break_a_report
);

async fn bombs_are_refused_before_anything_decodes_them_and_the_others_land(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let elder = stored_elder(&server, &heping).await;
    let good = raw::enrol(&heping.author(), server.community("350203001001"));
    let bombs = vec![
        craft::deflate_bomb(100 << 20),
        craft::op_bomb(&heping.author(), 10_000_000),
        craft::pred_bomb(&heping.author(), 1 << 40),
    ];
    let mut documents = vec![(good.elder, good.changes.clone())];
    for bomb in &bombs {
        documents.push((elder.elder, vec![bomb.clone()]));
        let answer = heping.push(documents.clone()).await;
        assert_eq!(code(&answer, 0), None, "the good document lands beside a bomb");
        assert_eq!(code(&answer, 1), Some(RejectCode::TooLarge), "{answer:?}");
        documents.pop();
    }
    // Each change within its limit, the push as a whole past its own.
    let heavy: Vec<Vec<u8>> = (0..20).map(|_| craft::op_bomb(&heping.author(), 25_000)).collect();
    let response = heping.post("/sync/push", &push_request(vec![(elder.elder, heavy)])).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.json::<ErrorBody>().await.unwrap().error, ErrorCode::PayloadTooLarge);
    server.stop().await;
}
on_both_databases!(
    bombs_are_refused_before_anything_decodes_them_and_the_others_land,
    super::bombs_are_refused_before_anything_decodes_them_and_the_others_land
);

fn push_request(documents: Vec<(jinlin_shared::ids::ElderId, Vec<Vec<u8>>)>) -> jinlin_shared::wire::PushRequest {
    jinlin_shared::wire::PushRequest::new(
        documents
            .into_iter()
            .map(|(elder, changes)| jinlin_shared::wire::DocumentPush {
                elder,
                changes: changes.into_iter().map(jinlin_shared::wire::AutomergeBytes::new).collect(),
            })
            .collect(),
    )
}

/// A change whose header and columns measure fine but whose one operation has an
/// action Automerge does not know: it fails only when decoded.
fn undecodable(by: &Author) -> Vec<u8> {
    let run = |value: u64| {
        let mut bytes = Vec::new();
        craft::sleb(&mut bytes, 1);
        craft::uleb(&mut bytes, value);
        bytes
    };
    let columns = vec![(craft::column::ACTION, run(99))];
    craft::change_chunk(&craft::Contents::first(by, columns).encode())
}

async fn a_stored_document_outside_the_area_is_refused_before_its_changes_are_decoded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let elder = stored_elder(&server, &heping).await;
    let broken = undecodable(&guangming.author());
    let answer = guangming.push(vec![(elder.elder, vec![broken.clone()])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::OutOfScope), "{answer:?}");
    // The same bytes, where the scope allows decoding them, do not decode.
    let answer = heping.push(vec![(elder.elder, vec![undecodable(&heping.author())])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::Undecodable), "{answer:?}");
    server.stop().await;
}
on_both_databases!(
    a_stored_document_outside_the_area_is_refused_before_its_changes_are_decoded,
    super::a_stored_document_outside_the_area_is_refused_before_its_changes_are_decoded
);

async fn a_database_fault_caused_by_one_document_refuses_only_that_document(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let community = server.community("350203001001");
    let by = heping.author();
    // Two new elders whose visits share one id (the visits table keys visits by id),
    // and a third that is fine, in one push to one community.
    let visit_id = new_id();
    let mut elders: Vec<RawElder> = (0..3).map(|_| raw::enrol(&by, community)).collect();
    for elder in &mut elders[..2] {
        let value = raw::visit_json(&by, common::now(), false);
        elder.change(&by, |tx, d| put_json(tx, &craft::map_at(d, &["visits"]), &visit_id, &value));
    }
    let answer = heping.push(elders.iter().map(|e| (e.elder, e.changes.clone())).collect()).await;
    assert_eq!(code(&answer, 0), None, "{answer:?}");
    assert_eq!(code(&answer, 1), Some(RejectCode::IdInUse), "{answer:?}");
    assert_eq!(code(&answer, 2), None, "{answer:?}");
    assert_eq!(server.count("documents").await, 2);
    assert_eq!(server.count("visits").await, 1);
    // The log of the community is numbered without a gap.
    let last: String = server
        .text(&format!("SELECT CAST(MAX(seq) AS TEXT) AS v FROM log_entries WHERE community_id = '{community}'"))
        .await;
    assert_eq!(last.parse::<i64>().unwrap(), server.count("log_entries").await);
    server.stop().await;
}
on_both_databases!(
    a_database_fault_caused_by_one_document_refuses_only_that_document,
    super::a_database_fault_caused_by_one_document_refuses_only_that_document
);

/// On SQLite the pushes waiting for the writer are written in one transaction (group
/// commit); each still gets its own outcome, a database fault caused by one document
/// refuses only that one, and every community's log stays numbered without a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_waiting_for_the_sqlite_writer_land_together_each_with_its_own_outcome() {
    let server = TestServer::start(Backend::Sqlite).await;
    let heping = Client::sign_in(&server, "heping").await;
    let guangming = Client::sign_in(&server, "guangming").await;
    let (a, b) = (server.community("350203001001"), server.community("350203001002"));
    let mut pushes = Vec::new();
    for _ in 0..4 {
        pushes.push((&heping, raw::enrol(&heping.author(), a)));
        pushes.push((&guangming, raw::enrol(&guangming.author(), b)));
    }
    // Two more elders of one community whose visits share an id: whichever is written
    // second, the database refuses.
    let visit_id = new_id();
    for _ in 0..2 {
        let by = heping.author();
        let mut elder = raw::enrol(&by, a);
        let value = raw::visit_json(&by, common::now(), false);
        elder.change(&by, |tx, d| put_json(tx, &craft::map_at(d, &["visits"]), &visit_id, &value));
        pushes.push((&heping, elder));
    }
    let turn = server.state.begin_write().await.unwrap();
    let sent = futures_util::future::join_all(
        pushes.iter().map(|(client, elder)| client.push(vec![(elder.elder, elder.changes.clone())])),
    );
    // Every push waits for the turn the test holds; then the turn is given back.
    let release = async {
        let waited = std::time::Instant::now();
        while server.state.writes_waiting() < pushes.len() {
            assert!(waited.elapsed() < std::time::Duration::from_secs(20), "the pushes did not all wait");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        drop(turn);
    };
    let (answers, ()) = tokio::join!(sent, release);
    let codes: Vec<Option<RejectCode>> = answers.iter().map(|answer| code(answer, 0)).collect();
    assert_eq!(codes.iter().filter(|c| c.is_none()).count(), 9, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == Some(RejectCode::IdInUse)).count(), 1, "{codes:?}");
    assert_eq!(server.count("documents").await, 9);
    for (community, logged) in [(a, 5), (b, 4)] {
        let entries = |what: &str| {
            format!("SELECT CAST({what} AS TEXT) AS v FROM log_entries WHERE community_id = '{community}'")
        };
        assert_eq!(server.text(&entries("COUNT(DISTINCT seq)")).await, logged.to_string());
        assert_eq!(server.text(&entries("MAX(seq)")).await, logged.to_string());
    }
    server.stop().await;
}

async fn a_full_id_number_anywhere_in_a_push_is_refused_and_nothing_is_stored(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let mut elder = stored_elder(&server, &heping).await;
    let stored = server.count("log_entries").await;
    let by = heping.author();
    let as_stored = elder.doc.clone();
    // Written, then overwritten in a later change of the same push.
    let before = elder.changes.len();
    elder.change(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "address", format!("{FULL_ID}号")).unwrap());
    elder.change(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "address", "大同路2号").unwrap());
    let answer = heping.push(vec![(elder.elder, elder.changes[before..].to_vec())]).await;
    assert_eq!((code(&answer, 0), field(&answer, 0)), (Some(RejectCode::FullIdNumber), Some("profile.address".into())));
    // A value that loses to a concurrent one.
    let base = RawElder { elder: elder.elder, doc: as_stored.clone(), changes: Vec::new() };
    let loser = base.attempt(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "name", FULL_ID).unwrap());
    let winner = base.attempt(&by, |tx, d| tx.put(craft::map_at(d, &["profile"]), "name", "林秀英").unwrap());
    let answer = heping.push(vec![(elder.elder, vec![winner, loser])]).await;
    assert_eq!(code(&answer, 0), Some(RejectCode::FullIdNumber), "{answer:?}");
    // Typed into the notes in pieces.
    let notes = craft::map_at(&as_stored, &["profile", "notes"]);
    let attempt = {
        let mut typing = RawElder { elder: elder.elder, doc: as_stored, changes: Vec::new() };
        typing.change(&by, |tx, _| tx.splice_text(&notes, 0, 0, &FULL_ID[..10]).unwrap());
        typing.change(&by, |tx, _| tx.splice_text(&notes, 10, 0, &FULL_ID[10..]).unwrap());
        typing.changes
    };
    let answer = heping.push(vec![(elder.elder, attempt)]).await;
    assert_eq!((code(&answer, 0), field(&answer, 0)), (Some(RejectCode::FullIdNumber), Some("profile.notes".into())));
    assert_eq!(server.count("log_entries").await, stored);
    server.stop().await;
}
on_both_databases!(
    a_full_id_number_anywhere_in_a_push_is_refused_and_nothing_is_stored,
    super::a_full_id_number_anywhere_in_a_push_is_refused_and_nothing_is_stored
);

async fn a_document_past_the_stored_size_is_refused_and_the_stored_one_stays(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let mut elder = stored_elder(&server, &heping).await;
    let by = heping.author();
    // Visits with full notes of characters that do not compress, until the document
    // saves past the limit; each push is within the push limits.
    let mut seed: u32 = 7;
    let mut text = || -> String {
        (0..jinlin_shared::limits::FIELD_LIMITS.visit_notes)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                char::from_u32(0x4e00 + (seed >> 16) % 0x51a5).unwrap()
            })
            .collect()
    };
    let mut refused = None;
    for _ in 0..4 {
        let from = elder.changes.len();
        for _ in 0..250 {
            let mut value = raw::visit_json(&by, common::now(), false);
            value["notes"] = json!(text());
            elder.change(&by, |tx, d| put_json(tx, &craft::map_at(d, &["visits"]), &new_id(), &value));
        }
        let answer = heping.push(vec![(elder.elder, elder.changes[from..].to_vec())]).await;
        if let Some(code) = code(&answer, 0) {
            refused = Some(code);
            break;
        }
    }
    assert_eq!(refused, Some(RejectCode::TooLarge), "the document grew past the limit and was refused");
    let stored: String = server
        .text(&format!("SELECT CAST(change_count AS TEXT) AS v FROM documents WHERE elder_id = '{}'", elder.elder))
        .await;
    assert!(stored.parse::<usize>().unwrap() < elder.changes.len(), "the refused push stored nothing");
    server.stop().await;
}
on_both_databases!(
    a_document_past_the_stored_size_is_refused_and_the_stored_one_stays,
    super::a_document_past_the_stored_size_is_refused_and_the_stored_one_stays
);
