//! Alerts against the real server on SQLite and PostgreSQL: a red-risk or incident
//! visit raises one for the supervisors of its area in the push that brings it; its
//! follow-up, a later visit, voiding or correcting it closes it; a supervisor closes
//! one with a note, audited; scope and roles are kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer, enrol, now, push_whole};
use jinlin_shared::alert::{AlertClosure, AlertView, CloseAlert};
use jinlin_shared::document::{Edit, ElderDocument, NewFollowUp};
use jinlin_shared::ids::{FollowUpId, VisitId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::visit::{Incident, IncidentKind, RiskLevel, VisitMode, VisitOutcome};

/// Records a visit `hours_ago`: red risk with a follow-up due in 20 hours, and/or an
/// incident, or neither.
fn visit(
    doc: &mut ElderDocument,
    client: &Client,
    seed: u64,
    hours_ago: i64,
    red: bool,
    incident: bool,
) -> (VisitId, Option<FollowUpId>) {
    let when = now().plus_hours(-hours_ago);
    let mut visit = synthetic::visit(&mut Rng::new(seed), when);
    visit.record.mode = VisitMode::Home;
    visit.record.outcome = VisitOutcome::MetElder;
    visit.record.risk = if red { RiskLevel::Red } else { RiskLevel::Green };
    visit.record.incident = incident.then(|| Incident { kind: IncidentKind::Fall, note: "卫生间滑倒".into() });
    visit.follow_up = red.then(|| NewFollowUp {
        id: FollowUpId::from_parts(when.as_millis() as u64, [seed as u8; 10]),
        action: "次日上门复查".into(),
        due_at: when.plus_hours(20),
    });
    let ids = (visit.id, visit.follow_up.as_ref().map(|f| f.id));
    doc.record_visit(&Edit { author: client.author(), at: when }, visit, &Policy::default()).unwrap();
    ids
}

async fn close(client: &Client, visit: VisitId, note: &str) -> reqwest::Response {
    client.post(&format!("/alerts/{visit}/close"), &CloseAlert { note: note.into() }).await
}

async fn list(client: &Client, query: &str) -> Vec<AlertView> {
    let response = client.get(&format!("/alerts?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn find(alerts: &[AlertView], visit: VisitId) -> &AlertView {
    alerts.iter().find(|a| a.visit_id == visit).unwrap_or_else(|| panic!("an alert for {visit}: {alerts:#?}"))
}

fn how(alert: &AlertView) -> Option<AlertClosure> {
    alert.closed.as_ref().map(|c| c.how)
}

async fn alerts_raised_by_red_risk_and_incidents_close_with_their_follow_up(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let lujiang = Client::sign_in(&server, "lujiang").await;
    let admin = Client::sign_in(&server, "admin").await;
    let (hp, xf) = (server.community("350203001001"), server.community("350206001001"));
    let edit = |client: &Client| Edit { author: client.author(), at: now() };

    // 甲: red risk; 乙: a fall, no red risk; 丙: a quiet visit; 丁: red, voided later;
    // 戊: red, corrected to green later; 己 in 湖里区: red, another district.
    let mut docs: Vec<ElderDocument> = (0..5).map(|i| enrol(&heping, hp, 10 + i)).collect();
    let mut other = enrol(&admin, xf, 20);
    let (red, red_follow_up) = visit(&mut docs[0], &heping, 1, 5, true, false);
    let (fall, _) = visit(&mut docs[1], &heping, 2, 5, false, true);
    visit(&mut docs[2], &heping, 3, 5, false, false);
    let (voided, _) = visit(&mut docs[3], &heping, 4, 5, true, false);
    let (corrected, _) = visit(&mut docs[4], &heping, 5, 5, true, false);
    let (elsewhere, elsewhere_follow_up) = visit(&mut other, &admin, 6, 5, true, true);
    let received = now();
    push_whole(&heping, &docs).await;
    push_whole(&admin, [&other]).await;

    // As soon as they sync in: open, for the street's supervisor, newest first.
    let open = list(&lujiang, "").await;
    let visits: Vec<VisitId> = open.iter().map(|a| a.visit_id).collect();
    assert_eq!(visits.len(), 4, "甲, 乙, 丁, 戊; not 丙, not 湖里区: {open:#?}");
    for wanted in [red, fall, voided, corrected] {
        assert!(visits.contains(&wanted));
    }
    assert!(open.windows(2).all(|w| w[0].raised_at >= w[1].raised_at), "newest first");
    let a = find(&open, red);
    assert!(a.red_risk && a.incident.is_none() && a.closed.is_none());
    assert_eq!((a.community.as_str(), a.street.as_str(), a.assistant.as_str()), ("和平社区", "鹭江街道", "heping"));
    assert_eq!(a.elder_name, docs[0].record().profile.name);
    assert!(a.received_at >= received, "raised when it arrived");
    assert_eq!(find(&open, fall).incident, Some(IncidentKind::Fall));
    assert!(!find(&open, fall).red_risk);
    // The whole city for an administrator; the assistant sees their community's.
    assert_eq!(list(&admin, "").await.len(), 5);
    assert_eq!(list(&heping, "").await.len(), 4);

    // Follow-ups: 甲's is resolved by a visit; 乙 is visited again; 丁's visit is voided;
    // 戊's is corrected to green.
    let (next, _) = visit(&mut docs[0], &heping, 7, 2, false, false);
    docs[0].resolve_follow_up(&edit(&heping), red_follow_up.unwrap(), Some(next), "已上门，血压平稳").unwrap();
    visit(&mut docs[1], &heping, 8, 1, false, false);
    docs[3].void_visit(&edit(&heping), voided, "录错老人").unwrap();
    let record = docs[4].record().visits[&corrected].record.clone();
    let visited_at = docs[4].record().visits[&corrected].visited_at;
    docs[4]
        .correct_visit(
            &edit(&heping),
            corrected,
            visited_at,
            jinlin_shared::visit::VisitRecord { risk: RiskLevel::Green, ..record },
            None,
            &Policy::default(),
        )
        .unwrap();
    push_whole(&heping, &docs).await;
    assert!(list(&lujiang, "").await.is_empty(), "every alert of the street is closed");
    let all = list(&lujiang, "status=all").await;
    assert_eq!(all.len(), 4);
    assert_eq!(how(find(&all, red)), Some(AlertClosure::FollowUpDone));
    assert_eq!(how(find(&all, fall)), Some(AlertClosure::LaterVisit));
    assert_eq!(how(find(&all, voided)), Some(AlertClosure::Voided));
    assert_eq!(how(find(&all, corrected)), Some(AlertClosure::Corrected));

    // A supervisor's note: not an assistant's, not out of scope, not blank, not twice.
    assert_eq!(close(&heping, elsewhere, "已处理").await.status(), 403);
    assert_eq!(close(&lujiang, elsewhere, "已处理").await.status(), 404, "another district reads as unknown");
    assert_eq!(close(&admin, elsewhere, "  ").await.status(), 400);
    let closed = close(&admin, elsewhere, "已电话联系家属，送医").await;
    assert_eq!(closed.status(), 200);
    let closed: AlertView = closed.json().await.unwrap();
    let note = closed.closed.as_ref().unwrap();
    assert_eq!(
        (note.how, note.by.as_deref(), note.note.as_deref()),
        (AlertClosure::SupervisorNote, Some("admin"), Some("已电话联系家属，送医"))
    );
    assert_eq!(close(&admin, elsewhere, "再次").await.status(), 409);
    assert_eq!(server.count("audit_log WHERE action = 'alert.close'").await, 1, "the note is audited");
    // A later sync of the same elder (its follow-up resolved) leaves the note's closure.
    other.resolve_follow_up(&edit(&admin), elsewhere_follow_up.unwrap(), None, "已随访").unwrap();
    push_whole(&admin, [&other]).await;
    let all = list(&admin, "status=all").await;
    assert_eq!(how(find(&all, elsewhere)), Some(AlertClosure::SupervisorNote));
    assert_eq!(find(&all, elsewhere).closed.as_ref().unwrap().at, closed.closed.as_ref().unwrap().at);

    // Bad listings.
    assert_eq!(lujiang.get("/alerts?status=maybe").await.status(), 400);
    server.stop().await;
}
on_both_databases!(alerts, super::alerts_raised_by_red_risk_and_incidents_close_with_their_follow_up);
