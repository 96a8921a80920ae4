//! The engine's decisions tested on their own: push plans against the wire's limits,
//! pacing after each kind of ending, and what a refusal sets aside.

use jinlin_shared::document::Edit;
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::wire::{AutomergeBytes, DocumentPush, ErrorBody, ErrorCode, MAX_PUSH_OPS, PushRequest};

use super::*;

fn elder(n: u8) -> ElderId {
    ElderId::from_parts(1_700_000_000_000 + u64::from(n), [n; 10])
}

/// A plain change of `chars` characters typed by one author.
fn typed(chars: usize) -> Vec<u8> {
    use automerge::transaction::Transactable;
    let mut doc = automerge::Automerge::new();
    let mut tx = doc.transaction();
    let text = tx.put_object(automerge::ROOT, "t", automerge::ObjType::Text).expect("text");
    tx.splice_text(&text, 0, 0, &"x".repeat(chars)).expect("typing");
    tx.commit();
    doc.get_last_local_change().expect("a change").raw_bytes().to_vec()
}

/// The request a plan's push becomes, as the engine builds it.
fn request_of<T>(push: &[Waiting<T>]) -> PushRequest {
    PushRequest::new(
        push.iter()
            .map(|(elder, changes)| DocumentPush {
                elder: *elder,
                changes: changes.iter().map(|(bytes, _)| AutomergeBytes::new(bytes.clone())).collect(),
            })
            .collect(),
    )
}

#[test]
fn pushes_keep_to_the_wire_limits_and_cut_documents_to_their_oldest_changes() {
    // 201 small documents: two pushes, the first holding the most allowed.
    let small: Vec<_> = (0..201).map(|i| (elder(i as u8), vec![(typed(1), i)])).collect();
    let plans = plan_pushes(small);
    assert_eq!(plans.iter().map(Vec::len).collect::<Vec<_>>(), vec![MAX_DOCUMENTS_PER_PUSH, 1]);
    assert!(plans.iter().all(|push| request_of(push).check().is_ok()), "each is a request the server takes");

    // One document with more operations than a push may hold: cut to a prefix.
    let each = 20_000;
    let heavy: Vec<_> = (0..30).map(|i| (typed(each), i)).collect();
    let plans = plan_pushes(vec![(elder(1), heavy)]);
    assert_eq!(plans.len(), 1);
    let sent: Vec<usize> = plans[0][0].1.iter().map(|(_, i)| *i).collect();
    let fits = (MAX_PUSH_OPS / (each as u64 + 1)) as usize;
    assert_eq!(sent, (0..fits).collect::<Vec<_>>(), "the oldest changes, as many as fit");
    let request = request_of(&plans[0]);
    assert!(request.check().is_ok());
    let mut weight = PushWeight::default();
    for document in &request.documents {
        weight.add(&PushWeight::of(document.changes.iter().map(AutomergeBytes::as_bytes)).expect("weighable"));
    }
    assert!(weight.check_push().is_ok());

    // Two documents that each fit but not together go in two pushes.
    let half: Vec<_> = (0..((fits / 2) + 1)).map(|i| (typed(each), i)).collect();
    let plans = plan_pushes(vec![(elder(1), half.clone()), (elder(2), half)]);
    assert_eq!(plans.len(), 2);

    // A document with more changes than one push takes for it: its oldest go first.
    let many: Vec<_> = (0..MAX_CHANGES_PER_DOCUMENT_PUSH + 3).map(|i| (typed(1), i)).collect();
    let plans = plan_pushes(vec![(elder(1), many)]);
    assert_eq!(plans[0][0].1.len(), MAX_CHANGES_PER_DOCUMENT_PUSH);
    assert!(request_of(&plans[0]).check().is_ok());
}

fn settings() -> SyncSettings {
    SyncSettings {
        backoff_min: Duration::from_secs(1),
        backoff_max: Duration::from_secs(30),
        interval: Duration::from_secs(60),
        ..SyncSettings::default()
    }
}

#[test]
fn a_retryable_failure_backs_off_doubling_with_jitter_and_a_success_resets_the_pace() {
    let settings = settings();
    let mut pacing = Pacing::default();
    let waits: Vec<u64> = (0..7).map(|_| pacing.after(Ended::Retryable, &settings, 1.0).as_secs()).collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
    let jittered = pacing.after(Ended::Retryable, &settings, 0.5);
    assert_eq!(jittered, Duration::from_secs(15), "half of the ceiling at the least jitter");
    assert_eq!(pacing.after(Ended::Synced, &settings, 1.0), settings.interval);
    assert_eq!(pacing.after(Ended::Retryable, &settings, 1.0), Duration::from_secs(1), "counting starts again");
    assert_eq!(pacing.after(Ended::WaitingForSignIn, &settings, 1.0), settings.interval, "the sign-in wakes it");
    assert_eq!(pacing.after(Ended::NeedsSomeone, &settings, 1.0), settings.interval, "no hammering");
}

#[test]
fn what_may_pass_later_is_retried_and_what_needs_someone_is_said() {
    let refused = |code| StationError::Server(ErrorBody::new(code, "…"));
    let cases = [
        (StationError::Offline, Ended::Retryable),
        (refused(ErrorCode::Unavailable), Ended::Retryable),
        (refused(ErrorCode::RateLimited), Ended::Retryable),
        (refused(ErrorCode::Internal), Ended::Retryable),
        (refused(ErrorCode::UnsupportedProtocol), Ended::NeedsSomeone),
        (refused(ErrorCode::Forbidden), Ended::NeedsSomeone),
        (StationError::SessionExpired, Ended::WaitingForSignIn),
        (StationError::DeviceRevoked, Ended::WaitingForSignIn),
        (StationError::SignedOut, Ended::WaitingForSignIn),
        (StationError::Internal("a bug".into()), Ended::NeedsSomeone),
    ];
    for (error, ended) in &cases {
        assert_eq!(Ended::of(Err(error)), *ended, "{error}");
        assert_eq!(refused(ErrorCode::Unavailable).code(), crate::error::StationErrorCode::ServerRefused);
    }
    assert_eq!(Ended::of(Ok(())), Ended::Synced);
    assert_eq!(error_code(&StationError::SessionExpired), SyncErrorCode::SessionExpired);
    assert_eq!(error_code(&refused(ErrorCode::UnsupportedProtocol)), SyncErrorCode::ServerRefused);
}

#[test]
fn a_refusal_sets_aside_the_refused_changes_and_exactly_those_built_on_them() {
    let mut rng = Rng::new(7);
    let at = Timestamp::from_millis(1_780_000_000_000);
    let author = synthetic::author(&mut rng, at);
    let community = rng.area_id(at);
    let edit = Edit { author, at };
    let enrolment = synthetic::enrolment(&mut rng, community, at.shanghai_date(), at);
    let (mut doc, enrolled) = ElderDocument::enrol(enrolment, &edit, jinlin_shared::ActorId::random()).unwrap();
    let mut visit = |doc: &mut ElderDocument| {
        doc.record_visit(&edit, synthetic::visit(&mut rng, at), &Policy::default()).unwrap().expect("a change")
    };
    let first = visit(&mut doc);
    let second = visit(&mut doc);
    let refusal = Refusal {
        code: jinlin_shared::validate::RejectCode::InvalidField,
        field: Some("visits".into()),
        reason: "no".into(),
    };

    // The first visit refused: the second, made after it, goes too; the enrolment stays.
    let rebuilt = doc.without_changes(&[first]).unwrap();
    let aside = set_aside(vec!["first"], vec![(second, "second")], &refusal, rebuilt.as_ref());
    assert_eq!(aside.iter().map(|(c, _)| *c).collect::<Vec<_>>(), ["first", "second"]);
    assert_eq!(aside[0].1, refusal);
    assert!(aside[1].1.reason.starts_with("built on a change the server refused"));
    assert!(rebuilt.as_ref().is_some_and(|d| d.contains_change(&enrolled)));

    // The last visit refused: nothing else was built on it.
    let rebuilt = doc.without_changes(&[second]).unwrap();
    let aside = set_aside(vec!["second"], vec![(first, "first")], &refusal, rebuilt.as_ref());
    assert_eq!(aside.iter().map(|(c, _)| *c).collect::<Vec<_>>(), ["second"]);

    // The enrolment refused: nothing of the document is left, so everything goes.
    let aside = set_aside(vec!["enrolment"], vec![(first, "first"), (second, "second")], &refusal, None);
    assert_eq!(aside.len(), 3);
}

#[test]
fn what_builds_on_a_change_the_server_lacks_waits_and_the_rest_goes() {
    let hash = |n: u8| ChangeHash([n; 32]);
    // 1 ← 2 ← 3 (own, in a line); 4 builds on a colleague's 9, which the server lacks;
    // 5 builds on 4; 6 on 1 only.
    let waiting = vec![
        (hash(1), vec![], "one"),
        (hash(2), vec![hash(1)], "two"),
        (hash(3), vec![hash(2)], "three"),
        (hash(4), vec![hash(3), hash(9)], "four"),
        (hash(5), vec![hash(4)], "five"),
        (hash(6), vec![hash(1)], "six"),
    ];
    assert_eq!(not_building_on(waiting.clone(), &[hash(9)]), ["one", "two", "three", "six"]);
    assert_eq!(not_building_on(waiting.clone(), &[hash(1)]), ["one"], "what builds on 1, even through others, waits");
    assert_eq!(not_building_on(waiting, &[]).len(), 6, "nothing missing: everything goes");
}
