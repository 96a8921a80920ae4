//! Tests of the sync wire types: their JSON shapes, round trips and limits.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::*;
use crate::ChangeHash;
use crate::label::{Labelled, Language};

fn elder(n: u8) -> ElderId {
    ElderId::from_parts(1_700_000_000_000 + u64::from(n), [n; 10])
}

fn community(n: u8) -> CommunityId {
    CommunityId::from_parts(1_600_000_000_000 + u64::from(n), [n; 10])
}

fn hash(byte: u8) -> ChangeHash {
    format!("{byte:02x}").repeat(32).parse().expect("64 hex digits are a change hash")
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(value: &T) -> serde_json::Value {
    let text = serde_json::to_string(value).expect("wire types serialise");
    let back: T = serde_json::from_str(&text).expect("wire types read back what they wrote");
    assert_eq!(&back, value);
    serde_json::from_str(&text).expect("the text is JSON")
}

#[test]
fn push_request_round_trips_through_json_in_camel_case() {
    let request = PushRequest::new(vec![
        DocumentPush {
            elder: elder(1),
            changes: vec![AutomergeBytes::new(vec![0x85, 0x6f, 0x4a]), AutomergeBytes::new(vec![])],
        },
        DocumentPush { elder: elder(2), changes: vec![] },
    ]);

    let json = round_trip(&request);

    assert_eq!(
        json,
        json!({
            "protocol": 3,
            "documents": [
                { "elder": elder(1).to_string(), "changes": ["hW9K", ""] },
                { "elder": elder(2).to_string(), "changes": [] },
            ],
        })
    );
}

#[test]
fn push_response_round_trips_with_both_outcomes() {
    let response = PushResponse {
        results: vec![
            DocumentPushResult {
                elder: elder(1),
                outcome: PushOutcome::Accepted { heads: Heads::new(vec![hash(2), hash(1)]), stored: 3 },
            },
            DocumentPushResult {
                elder: elder(2),
                outcome: PushOutcome::Rejected {
                    code: RejectCode::MissingDependencies,
                    field: None,
                    reason: "the changes depend on 1 change(s) this document does not have".into(),
                    missing: Heads::new(vec![hash(7)]),
                },
            },
        ],
        generation: Some(crate::ids::Generation::from_parts(1_700_000_000_000, [3; 10])),
    };

    let json = round_trip(&response);
    assert_eq!(json["generation"], response.generation.expect("set").to_string());
    // A server of protocol 2 names no generation: its answers still read.
    let read: PushResponse = serde_json::from_value(json!({ "results": [] })).expect("an older server's answer");
    assert_eq!(read.generation, None);

    assert_eq!(
        json["results"][0]["outcome"],
        json!({ "kind": "accepted", "heads": ["01".repeat(32), "02".repeat(32)], "stored": 3 })
    );
    assert_eq!(json["results"][1]["outcome"]["kind"], "rejected");
    assert_eq!(json["results"][1]["outcome"]["missing"], json!(["07".repeat(32)]), "what the server lacks, named");
}

#[test]
fn rejected_outcome_serialises_as_kind_code_field_and_reason() {
    let error = ValidationError::InvalidField { field: "profile.name".into(), reason: "must not be blank".into() };

    let outcome = PushOutcome::from(&error);

    assert_eq!(
        serde_json::to_value(&outcome).expect("outcomes serialise"),
        json!({
            "kind": "rejected",
            "code": "invalidField",
            "field": "profile.name",
            "reason": "field profile.name: must not be blank",
        })
    );
    assert!(!outcome.is_accepted());
}

#[test]
fn a_rejection_without_a_field_carries_null_and_reads_back_without_one() {
    let error = ValidationError::MissingDependencies { missing: vec!["ab".repeat(32)] };

    let json = round_trip(&PushOutcome::from(&error));

    assert_eq!(json["code"], "missingDependencies");
    assert_eq!(json["field"], serde_json::Value::Null);
    let without_field: PushOutcome =
        serde_json::from_value(json!({ "kind": "rejected", "code": "schema", "reason": "r" }))
            .expect("field is optional");
    assert_eq!(
        without_field,
        PushOutcome::Rejected { code: RejectCode::Schema, field: None, reason: "r".into(), missing: Heads::default() }
    );
}

#[test]
fn pull_request_and_response_round_trip_through_json() {
    let cursor: Cursor = [(community(1), 41), (community(2), 7)].into_iter().collect();
    let request = PullRequest::new(cursor.clone(), DEFAULT_PULL_LIMIT);
    let response = PullResponse {
        documents: vec![PulledDocument {
            elder: elder(1),
            community: community(1),
            chunks: vec![AutomergeBytes::new(vec![1, 2, 3])],
        }],
        departed: vec![DepartedElder { elder: elder(2), from_community: community(2) }],
        next_cursor: [(community(1), 42), (community(2), 8)].into_iter().collect(),
        more: true,
        policy_version: Some(crate::policy::Policy::default().version()),
        generation: None,
        taken_off: Vec::new(),
    };

    let request_json = round_trip(&request);
    let response_json = round_trip(&response);
    assert_eq!(response_json["policyVersion"], crate::policy::Policy::default().version().as_str());
    // An older server names no policy version: its answers still read.
    let mut older = response_json.clone();
    older.as_object_mut().expect("an object").remove("policyVersion");
    let read: PullResponse = serde_json::from_value(older).expect("an older server's page");
    assert_eq!(read.policy_version, None);

    assert_eq!(request_json["cursor"][community(1).to_string()], 41);
    assert_eq!(request_json["limit"], DEFAULT_PULL_LIMIT);
    assert_eq!(
        response_json["departed"][0],
        json!({ "elder": elder(2).to_string(), "fromCommunity": community(2).to_string() })
    );
    assert_eq!(response_json["nextCursor"][community(2).to_string()], 8);
    assert_eq!(response_json["more"], true);
}

#[test]
fn bootstrap_request_and_response_round_trip_through_json() {
    let first = BootstrapRequest::new(None, DEFAULT_BOOTSTRAP_LIMIT);
    let later = BootstrapRequest::new(Some(elder(3)), 10);
    let response = BootstrapResponse {
        snapshots: vec![DocumentSnapshot {
            elder: elder(4),
            community: community(1),
            document: AutomergeBytes::new(b"saved document".to_vec()),
            heads: Heads::new(vec![hash(9)]),
        }],
        cursor: [(community(1), 100)].into_iter().collect(),
        next: Some(elder(4)),
        generation: None,
    };

    assert_eq!(round_trip(&first)["after"], serde_json::Value::Null);
    assert_eq!(round_trip(&later)["after"], elder(3).to_string());
    let json = round_trip(&response);
    assert_eq!(json["snapshots"][0]["document"], "c2F2ZWQgZG9jdW1lbnQ=");
    assert_eq!(json["next"], elder(4).to_string());
}

#[test]
fn server_version_round_trips_through_json() {
    let version = ServerVersion {
        protocol: PROTOCOL_VERSION,
        oldest_protocol: Some(OLDEST_PROTOCOL_VERSION),
        server: "jinlin-server 0.1.0".into(),
        releases: Releases {
            minimum_app: Some("0.1.0".parse().expect("a version")),
            current_app: None,
            download: Some("https://jinlin.xm.gov.cn/app".into()),
        },
    };

    assert_eq!(
        round_trip(&version),
        json!({
            "protocol": 3, "oldestProtocol": 2, "server": "jinlin-server 0.1.0",
            "minimumApp": "0.1.0", "currentApp": null, "download": "https://jinlin.xm.gov.cn/app",
        })
    );
    // A server of protocol 2 said only its protocol and build.
    let older: ServerVersion =
        serde_json::from_value(json!({ "protocol": 2, "server": "0.1.0" })).expect("an older server's answer");
    assert_eq!((older.oldest_protocol, older.releases), (None, Releases::default()));
}

#[test]
fn error_body_serialises_exactly_as_error_and_message() {
    let body = ErrorBody::new(ErrorCode::SessionExpired, "your session has expired");

    let json = round_trip(&body);

    assert_eq!(json, json!({ "error": "sessionExpired", "message": "your session has expired" }));
    assert_eq!(body.status(), 401);
}

#[test]
fn error_codes_have_camel_case_names_statuses_and_both_labels() {
    let expected = [
        (ErrorCode::BadRequest, "badRequest", 400),
        (ErrorCode::PayloadTooLarge, "payloadTooLarge", 413),
        (ErrorCode::Unauthorised, "unauthorised", 401),
        (ErrorCode::Forbidden, "forbidden", 403),
        (ErrorCode::WrongCredentials, "wrongCredentials", 403),
        (ErrorCode::NotFound, "notFound", 404),
        (ErrorCode::MethodNotAllowed, "methodNotAllowed", 405),
        (ErrorCode::Conflict, "conflict", 409),
        (ErrorCode::UnsupportedProtocol, "unsupportedProtocol", 400),
        (ErrorCode::RateLimited, "rateLimited", 429),
        (ErrorCode::SessionExpired, "sessionExpired", 401),
        (ErrorCode::DeviceRevoked, "deviceRevoked", 403),
        (ErrorCode::Unavailable, "unavailable", 503),
        (ErrorCode::Internal, "internal", 500),
    ];

    assert_eq!(ErrorCode::ALL.len(), expected.len());
    for (code, wire, status) in expected {
        assert_eq!(serde_json::to_value(code).expect("codes serialise"), json!(wire));
        assert_eq!(ErrorCode::parse(wire), Some(code));
        assert_eq!(code.status(), status, "{wire}");
        assert!(!code.label(Language::ZhCn).is_empty() && !code.label(Language::En).is_empty());
    }
    assert!(serde_json::from_value::<ErrorCode>(json!("Forbidden")).is_err());
    assert!(ErrorCode::Unavailable.is_retryable() && !ErrorCode::Forbidden.is_retryable());
}

#[test]
fn automerge_bytes_round_trip_through_standard_base64() {
    let every_byte = AutomergeBytes::new((0..=255).collect());

    let json = round_trip(&every_byte);

    let text = json.as_str().expect("bytes are a JSON string");
    assert_eq!(text, BASE64.encode((0..=255).collect::<Vec<u8>>()));
    assert!(text.contains('+') && text.contains('/'), "standard alphabet, not URL-safe");
    assert_eq!(round_trip(&AutomergeBytes::new(vec![0xff])), json!("/w=="));
    assert_eq!(format!("{every_byte:?}"), "AutomergeBytes(256 bytes)");
}

#[test]
fn invalid_base64_is_a_deserialisation_error_not_a_panic() {
    for bad in [json!("not base64!"), json!("/w"), json!("_w=="), json!("abc"), json!(42), json!(null)] {
        let result = serde_json::from_value::<AutomergeBytes>(bad.clone());
        assert!(result.is_err(), "{bad} was accepted");
    }
    let in_a_push = json!({ "protocol": 2, "documents": [{ "elder": elder(1).to_string(), "changes": ["%%%%"] }] });
    let error = serde_json::from_value::<PushRequest>(in_a_push).expect_err("a push with bad base64 is refused");
    assert!(error.to_string().contains("invalid base64"), "{error}");
}

#[test]
fn heads_are_sorted_without_repeats_and_refuse_what_is_not_a_hash() {
    let heads = Heads::new(vec![hash(3), hash(1), hash(3)]);

    assert_eq!(heads.as_slice(), &[hash(1), hash(3)]);
    let read: Heads = serde_json::from_value(json!(["03".repeat(32), "01".repeat(32)])).expect("hex hashes read");
    assert_eq!(read, heads);
    assert!(serde_json::from_value::<Heads>(json!(["abcd"])).is_err(), "too short");
    assert!(serde_json::from_value::<Heads>(json!(["zz".repeat(32)])).is_err(), "not hex");
    assert!(serde_json::from_value::<Heads>(json!("01".repeat(32))).is_err(), "not a list");
}

#[test]
fn a_real_change_and_saved_document_survive_the_wire() {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "name", "王秀兰").expect("a put on a fresh document succeeds");
    let change = doc.get_last_local_change().expect("the put made a change");
    let snapshot = DocumentSnapshot {
        elder: elder(1),
        community: community(1),
        document: AutomergeBytes::new(doc.save()),
        heads: Heads::new(doc.get_heads()),
    };
    let push =
        PushRequest::new(vec![DocumentPush { elder: elder(1), changes: vec![change.raw_bytes().to_vec().into()] }]);

    round_trip(&snapshot);
    let push_back: PushRequest =
        serde_json::from_str(&serde_json::to_string(&push).expect("serialises")).expect("reads");

    let decoded =
        automerge::Change::from_bytes(push_back.documents[0].changes[0].clone().into_vec()).expect("still a change");
    assert_eq!(decoded.hash(), change.hash());
    let mut loaded = AutoCommit::load(snapshot.document.as_bytes()).expect("still a document");
    assert_eq!(Heads::new(loaded.get_heads()), snapshot.heads);
}

#[test]
fn cursor_advance_never_goes_backwards() {
    let mut cursor = Cursor::new();
    assert_eq!(cursor.get(community(1)), 0);

    cursor.advance(community(1), 10);
    cursor.advance(community(1), 4);
    cursor.advance(community(2), 0);

    assert_eq!(cursor.get(community(1)), 10);
    assert_eq!(cursor.get(community(2)), 0);
    assert_eq!(cursor.iter().collect::<Vec<_>>(), vec![(community(1), 10)], "a zero position adds no entry");
}

#[test]
fn cursor_merge_takes_the_larger_position_per_community() {
    let mut ours: Cursor = [(community(1), 10), (community(2), 3)].into_iter().collect();
    let theirs: Cursor = [(community(1), 7), (community(2), 5), (community(3), 1)].into_iter().collect();

    ours.merge(&theirs);

    let expected: Cursor = [(community(1), 10), (community(2), 5), (community(3), 1)].into_iter().collect();
    assert_eq!(ours, expected);
}

#[test]
fn cursor_is_a_json_map_from_community_id_to_sequence() {
    let cursor: Cursor = [(community(1), 3)].into_iter().collect();

    assert_eq!(round_trip(&cursor), json!({ community(1).to_string(): 3 }));
    assert!(serde_json::from_value::<Cursor>(json!({ "not-a-community": 3 })).is_err());
    assert!(serde_json::from_value::<Cursor>(json!({ community(1).to_string(): -1 })).is_err());
}

#[test]
fn requests_accept_and_ignore_unknown_fields_for_forward_compatibility() {
    let push = json!({
        "protocol": PROTOCOL_VERSION,
        "priority": "high",
        "documents": [{ "elder": elder(1).to_string(), "changes": [], "note": "from a newer client" }],
    });
    let pull = json!({ "protocol": PROTOCOL_VERSION, "cursor": {}, "limit": 10, "since": "yesterday" });
    let bootstrap = json!({ "protocol": PROTOCOL_VERSION, "after": null, "limit": 5, "communities": [] });

    let push: PushRequest = serde_json::from_value(push).expect("unknown fields are ignored");
    let pull: PullRequest = serde_json::from_value(pull).expect("unknown fields are ignored");
    let bootstrap: BootstrapRequest = serde_json::from_value(bootstrap).expect("unknown fields are ignored");

    assert_eq!(push, PushRequest::new(vec![DocumentPush { elder: elder(1), changes: vec![] }]));
    assert_eq!(pull, PullRequest::new(Cursor::new(), 10));
    assert_eq!(bootstrap, BootstrapRequest::new(None, 5));
}

#[test]
fn a_request_without_its_protocol_is_a_deserialisation_error() {
    let result = serde_json::from_value::<PullRequest>(json!({ "cursor": {}, "limit": 10 }));

    assert!(result.is_err());
}

#[test]
fn every_request_speaks_this_protocol_and_the_one_before_and_refuses_the_rest() {
    // Version 1 is the protocol before the server bound authors and added their
    // refusal codes: an app that old cannot read the answers, so it is refused. Version
    // 2 (before generations) is still spoken while a city rolls the new app out.
    let mut push = PushRequest::new(vec![]);
    push.protocol = 1;
    let mut pull = PullRequest::new(Cursor::new(), 1);
    pull.protocol = 0;
    let mut bootstrap = BootstrapRequest::new(None, 1);
    bootstrap.protocol = PROTOCOL_VERSION + 1;

    let error = push.check().expect_err("version 1 is no longer spoken");

    assert_eq!(error, RequestError::UnsupportedProtocol { requested: 1, oldest: 2, newest: 3 });
    assert_eq!(
        serde_json::to_value(ErrorBody::from(&error)).expect("serialises"),
        json!({ "error": "unsupportedProtocol", "message": "protocol version 1 is not supported; this server speaks 2 to 3" })
    );
    assert!(pull.check().is_err() && bootstrap.check().is_err(), "too old, and too new");
    let mut previous = PullRequest::new(Cursor::new(), 1);
    previous.protocol = OLDEST_PROTOCOL_VERSION;
    assert_eq!(previous.check(), Ok(()), "the protocol before is spoken");
    assert_eq!(PullRequest::new(Cursor::new(), 1).check(), Ok(()));
}

#[test]
fn push_check_refuses_oversized_pushes_as_payload_too_large() {
    let document = |n: u8, changes: usize, size: usize| DocumentPush {
        elder: elder(n),
        changes: vec![AutomergeBytes::new(vec![0; size]); changes],
    };
    let at_the_limits =
        PushRequest::new(vec![document(1, MAX_CHANGES_PER_DOCUMENT_PUSH, 1), document(2, 1, MAX_CHANGE_BYTES)]);
    // The same elder throughout: the count is checked before repeats.
    let too_many_documents = PushRequest::new(vec![document(1, 0, 0); MAX_DOCUMENTS_PER_PUSH + 1]);
    let too_many_changes = PushRequest::new(vec![document(1, MAX_CHANGES_PER_DOCUMENT_PUSH + 1, 1)]);
    let too_large = PushRequest::new(vec![DocumentPush {
        elder: elder(1),
        changes: vec![AutomergeBytes::new(vec![1]), AutomergeBytes::new(vec![0; MAX_CHANGE_BYTES + 1])],
    }]);

    assert_eq!(at_the_limits.check(), Ok(()));
    assert_eq!(
        too_many_documents.check(),
        Err(RequestError::TooManyDocuments { count: MAX_DOCUMENTS_PER_PUSH + 1, max: MAX_DOCUMENTS_PER_PUSH })
    );
    assert_eq!(
        too_many_changes.check(),
        Err(RequestError::TooManyChanges {
            elder: elder(1),
            count: MAX_CHANGES_PER_DOCUMENT_PUSH + 1,
            max: MAX_CHANGES_PER_DOCUMENT_PUSH
        })
    );
    let error = too_large.check().expect_err("an oversized change is refused");
    assert!(matches!(error, RequestError::ChangeTooLarge { index: 1, .. }));
    assert_eq!(error.code(), ErrorCode::PayloadTooLarge);
    assert_eq!(ErrorBody::from(&error).status(), 413);
}

#[test]
fn push_check_refuses_an_elder_named_twice() {
    let twice = PushRequest::new(vec![
        DocumentPush { elder: elder(1), changes: vec![] },
        DocumentPush { elder: elder(2), changes: vec![] },
        DocumentPush { elder: elder(1), changes: vec![] },
    ]);

    let error = twice.check().expect_err("a repeated elder is refused");

    assert_eq!(error, RequestError::DuplicateElder { elder: elder(1) });
    assert_eq!(error.code(), ErrorCode::BadRequest);
}

#[test]
fn page_limits_are_clamped_to_at_least_one_and_at_most_the_maximum() {
    assert_eq!(PullRequest::new(Cursor::new(), 0).effective_limit(), 1);
    assert_eq!(PullRequest::new(Cursor::new(), 250).effective_limit(), 250);
    assert_eq!(PullRequest::new(Cursor::new(), u32::MAX).effective_limit(), MAX_PULL_LIMIT);
    assert_eq!(BootstrapRequest::new(None, 0).effective_limit(), 1);
    assert_eq!(BootstrapRequest::new(None, u32::MAX).effective_limit(), MAX_BOOTSTRAP_LIMIT);
}

fn arbitrary_cursor() -> impl Strategy<Value = Cursor> {
    prop::collection::vec((0u8..6, 0u64..1_000), 0..8)
        .prop_map(|positions| positions.into_iter().map(|(c, seq)| (community(c), seq)).collect())
}

proptest! {
    #[test]
    fn cursor_merge_is_commutative_idempotent_and_never_moves_back(a in arbitrary_cursor(), b in arbitrary_cursor()) {
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        let mut twice = ab.clone();
        twice.merge(&b);

        prop_assert_eq!(&ab, &ba);
        prop_assert_eq!(&twice, &ab);
        for n in 0u8..6 {
            prop_assert_eq!(ab.get(community(n)), a.get(community(n)).max(b.get(community(n))));
        }
    }
}

#[test]
fn a_pull_reports_the_waiting_changes_of_a_bounded_number_of_authors() {
    let author = |n: u64| WaitingChanges { user: crate::ids::UserId::from_parts(n, [1; 10]), changes: 3 };
    let mut pull = PullRequest::new(Cursor::new(), 10);
    pull.waiting = (0..MAX_WAITING_AUTHORS as u64).map(author).collect();
    assert!(pull.check().is_ok());
    pull.waiting.push(author(999));
    assert!(matches!(pull.check(), Err(RequestError::TooManyWaitingAuthors { .. })));
    // An older app sends none; the field is left out when empty.
    let old: PullRequest = serde_json::from_str(r#"{"protocol":2,"cursor":{},"limit":5}"#).unwrap();
    assert!(old.waiting.is_empty());
    assert!(!serde_json::to_string(&PullRequest::new(Cursor::new(), 5)).unwrap().contains("waiting"));
}
