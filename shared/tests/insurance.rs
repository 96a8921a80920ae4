//! Insurance cases (幸福安康险): an incident visit opens a case, steps move it, the
//! rules refuse steps out of order on the workstation and on the server alike, a
//! document made before cases were followed gains its steps without losing any when
//! two workstations start it at once, and changes written by hand are held to the same
//! rules and the role table.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;

use jinlin_shared::document::craft::{self, put_json};
use jinlin_shared::document::{DocumentError, ElderDocument, InputError};
use jinlin_shared::ids::{EntryId, VisitId};
use jinlin_shared::insurance::{CaseState, CaseStep, StepError, max_amount_fen};
use jinlin_shared::label::Language;
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::roles::{Operation, RoleTable};
use jinlin_shared::user::Role;
use jinlin_shared::validate::ValidationError;
use jinlin_shared::visit::{Incident, IncidentKind};
use serde_json::json;
use support::*;

fn entry(n: u8) -> EntryId {
    EntryId::from_parts(1_800_000_000_000, [n; 10])
}

fn reported(on: (i32, u32, u32), claim: &str) -> CaseStep {
    CaseStep::Reported { reported_on: date(on.0, on.1, on.2), claim_number: claim.into() }
}

fn paid(on: (i32, u32, u32), fen: i64) -> CaseStep {
    CaseStep::Paid { paid_on: date(on.0, on.1, on.2), amount_fen: fen }
}

/// An elder with one incident visit (a fall on 1 November) and one plain visit.
fn with_incident() -> (ElderDocument, VisitId, VisitId) {
    let mut doc = enrolled(7);
    let mut fall = green_visit(8, 10);
    fall.record.incident = Some(Incident { kind: IncidentKind::Fall, note: "浴室滑倒".into() });
    doc.record_visit(&edit(2, 20), fall.clone(), &Policy::default()).unwrap();
    let plain = green_visit(9, 30);
    doc.record_visit(&edit(2, 40), plain.clone(), &Policy::default()).unwrap();
    (doc, fall.id, plain.id)
}

fn refusal(result: Result<Option<jinlin_shared::ChangeHash>, DocumentError>) -> StepError {
    match result {
        Err(DocumentError::Input(InputError::Insurance(error))) => error,
        other => panic!("expected a refused step, got {other:?}"),
    }
}

#[test]
fn an_incident_opens_a_lead_and_steps_move_it_to_paid() {
    let (mut doc, fall, _) = with_incident();
    let cases = doc.insurance_cases();
    assert_eq!(cases.len(), 1, "only the incident visit opens a case");
    assert_eq!((cases[0].visit_id, cases[0].state, cases[0].kind), (fall, CaseState::Lead, IncidentKind::Fall));

    doc.record_insurance_step(&edit(3, 100), entry(1), fall, reported((2026, 11, 3), " PICC-2026-001 ")).unwrap();
    let case = &doc.insurance_cases()[0];
    assert_eq!(case.state, CaseState::Reported);
    assert_eq!(case.claim_number.as_deref(), Some("PICC-2026-001"), "trimmed as written");
    assert_eq!(case.days_to_report(), Some(2));

    doc.record_insurance_step(&edit(3, 200), entry(2), fall, paid((2026, 11, 20), 150_050)).unwrap();
    // A corrected claim number after payment keeps the case paid.
    doc.record_insurance_step(&edit(3, 300), entry(3), fall, reported((2026, 11, 3), "PICC-2026-001A")).unwrap();
    let rows = materialise(&doc).unwrap();
    let case = &rows.insurance_cases[0];
    assert_eq!(case.state, CaseState::Paid);
    assert_eq!((case.amount_fen, case.claim_number.as_deref()), (Some(150_050), Some("PICC-2026-001A")));
    assert_eq!(case.steps.len(), 3, "every step is kept, in the order recorded");
    assert_eq!(case.as_of(date(2026, 10, 31)).state, CaseState::Lead, "the case as it stood before its steps");

    // Steps survive a save and a load, and read the same on another replica.
    let copy = replica(&doc, 5);
    assert_eq!(copy.insurance_cases(), doc.insurance_cases());
}

#[test]
fn steps_out_of_order_or_out_of_bounds_are_refused_with_a_chinese_message() {
    let (mut doc, fall, plain) = with_incident();
    let e = edit(3, 100);
    assert_eq!(
        refusal(doc.record_insurance_step(&e, entry(1), plain, reported((2026, 11, 3), "X"))),
        StepError::NoCase(plain)
    );
    assert_eq!(
        refusal(doc.record_insurance_step(&e, entry(1), fall, paid((2026, 11, 3), 100))),
        StepError::NotReported
    );
    let declined = CaseStep::Declined { reason: "不在保障范围".into() };
    assert_eq!(refusal(doc.record_insurance_step(&e, entry(1), fall, declined)), StepError::NotReported);
    let early = refusal(doc.record_insurance_step(&e, entry(1), fall, reported((2026, 10, 31), "X")));
    assert!(matches!(early, StepError::ReportedBeforeIncident { .. }), "{early:?}");
    let blank = refusal(doc.record_insurance_step(&e, entry(1), fall, reported((2026, 11, 3), "  ")));
    assert_eq!(blank, StepError::Blank { field: "claimNumber" });
    assert!(blank.message(Language::ZhCn).contains("理赔编号"), "{}", blank.message(Language::ZhCn));
    let long = "号".repeat(41);
    let too_long = refusal(doc.record_insurance_step(&e, entry(1), fall, reported((2026, 11, 3), &long)));
    assert!(too_long.message(Language::ZhCn).contains("最多 40 个字"));

    doc.record_insurance_step(&e, entry(1), fall, reported((2026, 11, 3), "X-1")).unwrap();
    let before_report = refusal(doc.record_insurance_step(&e, entry(2), fall, paid((2026, 11, 2), 100)));
    assert!(matches!(before_report, StepError::PaidBeforeReport { .. }));
    for fen in [0, -5, max_amount_fen() + 1] {
        let amount = refusal(doc.record_insurance_step(&e, entry(2), fall, paid((2026, 11, 9), fen)));
        assert_eq!(amount.message(Language::ZhCn), "赔付金额须在 0.01 至 1000000 元之间。");
    }
    let again = doc.record_insurance_step(&e, entry(1), fall, paid((2026, 11, 9), 100));
    assert_eq!(again, Err(DocumentError::Input(InputError::DuplicateEntry(entry(1)))));
    assert_eq!(doc.insurance_cases()[0].steps.len(), 1, "nothing refused was written");
}

#[test]
fn a_voided_incident_visit_opens_no_case() {
    let (mut doc, fall, _) = with_incident();
    doc.void_visit(&edit(2, 50), fall, "录错老人").unwrap();
    assert!(doc.insurance_cases().is_empty());
    assert!(materialise(&doc).unwrap().insurance_cases.is_empty());
}

/// A document saved before insurance cases were followed (no `insuranceSteps`), with
/// an incident added to its first visit.
fn old_document_with_incident() -> (ElderDocument, VisitId) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/elder-v1.automerge");
    let mut doc = ElderDocument::load(&std::fs::read(path).unwrap(), actor(40)).unwrap();
    assert!(doc.automerge_has_no_insurance_steps(), "the fixture predates insurance steps");
    let (id, visit) = doc.record().visits.iter().find(|(_, v)| !v.is_voided()).map(|(i, v)| (*i, v.clone())).unwrap();
    let mut record = visit.record.clone();
    record.incident = Some(Incident { kind: IncidentKind::HospitalStay, note: "肺炎住院".into() });
    record.risk = jinlin_shared::visit::RiskLevel::Green;
    doc.correct_visit(&edit(2, 60), id, visit.visited_at, record, None, &Policy::default()).unwrap();
    (doc, id)
}

trait NoSteps {
    fn automerge_has_no_insurance_steps(&self) -> bool;
}

impl NoSteps for ElderDocument {
    fn automerge_has_no_insurance_steps(&self) -> bool {
        use automerge::ReadDoc as _;
        self.automerge().get(automerge::ROOT, "insuranceSteps").unwrap().is_none()
    }
}

#[test]
fn two_workstations_starting_the_steps_of_an_old_document_at_once_keep_both() {
    let (doc, visit) = old_document_with_incident();
    let (mut a, mut b) = (replica(&doc, 41), replica(&doc, 42));
    let day = doc.record().visits[&visit].visited_at.shanghai_date();
    let report = CaseStep::Reported { reported_on: day, claim_number: "A-1".into() };
    a.record_insurance_step(&edit(3, 100), entry(1), visit, report).unwrap();
    let report_b = CaseStep::Reported { reported_on: day, claim_number: "B-1".into() };
    b.record_insurance_step(&edit(4, 101), entry(2), visit, report_b).unwrap();

    // Each made the map; after the exchange both steps are read, and nobody is asked
    // to resolve a conflict over the map itself.
    a.apply_changes(&b.changes_since(&doc.heads())).unwrap();
    b.apply_changes(&a.changes_since(&doc.heads())).unwrap();
    for merged in [&a, &b] {
        assert_eq!(merged.record().insurance_steps.len(), 2);
        assert!(merged.conflicts().iter().all(|c| c.path.first().map(String::as_str) != Some("insuranceSteps")));
        let case = merged.insurance_cases().into_iter().find(|c| c.visit_id == visit).unwrap();
        assert_eq!(case.claim_number.as_deref(), Some("B-1"), "the later report is the one in force");
    }
    assert_eq!(materialise(&a).unwrap(), materialise(&b).unwrap());

    // The server accepts both, each checked at its own dependencies.
    let server = replica(&doc, 9);
    let pushed: Vec<Vec<u8>> = a.changes_since(&doc.heads());
    let applied = server.apply_checked(&pushed, at_minutes(600), &Policy::default()).unwrap();
    assert!(applied.reviews.iter().any(|r| r.operations.contains_key(&Operation::MoveInsuranceCase)));
}

// ---- Written by hand, as an attacker would ------------------------------------------

fn by_hand_step(doc: &ElderDocument, n: u8, key: &str, step: serde_json::Value) -> Vec<u8> {
    let by = author(n);
    craft::raw_change(doc.automerge(), &by, actor(n), at_minutes(200).as_millis(), |tx, d| {
        let mut value = step;
        value["recordedAt"] = json!(at_minutes(200).as_millis());
        value["recordedBy"] = json!({ "user": by.user.to_string(), "device": by.device.to_string() });
        put_json(tx, &craft::map_at(d, &["insuranceSteps"]), key, &value);
    })
}

fn server_review(doc: &ElderDocument, change: Vec<u8>) -> Result<Vec<Operation>, ValidationError> {
    let applied = replica(doc, 9).apply_checked(&[change], at_minutes(600), &Policy::default())?;
    Ok(applied.reviews.iter().flat_map(|r| r.operations.keys().copied()).collect())
}

#[test]
fn steps_written_by_hand_are_held_to_the_same_rules_and_the_role_table() {
    let (doc, fall, plain) = with_incident();
    let key = entry(1).to_string();
    let report = |visit: VisitId| json!({ "visit": visit.to_string(), "step": "reported", "reportedOn": "2026-11-01", "claimNumber": "C-9" });

    let honest = server_review(&doc, by_hand_step(&doc, 3, &key, report(fall))).unwrap();
    assert_eq!(honest, vec![Operation::MoveInsuranceCase]);
    assert!(!RoleTable::default().permits(Role::Assistant, Operation::MoveInsuranceCase));
    assert!(RoleTable::default().permits(Role::Supervisor, Operation::MoveInsuranceCase));

    let refused = |change| server_review(&doc, change).unwrap_err().to_string();
    // No case behind the visit; paid with no report at the change's dependencies.
    assert!(refused(by_hand_step(&doc, 3, &key, report(plain))).contains("no incident"));
    let paid = json!({ "visit": fall.to_string(), "step": "paid", "paidOn": "2026-11-01", "amountFen": 100 });
    assert!(refused(by_hand_step(&doc, 3, &key, paid)).contains("reported before"));
    // Amounts out of range, or not integers; a step missing its fields; an unknown kind.
    for amount in [json!(0), json!(max_amount_fen() + 1), json!(12.5), json!("100")] {
        let bad = json!({ "visit": fall.to_string(), "step": "paid", "paidOn": "2026-11-01", "amountFen": amount });
        assert!(refused(by_hand_step(&doc, 3, &key, bad)).contains("amountFen: must be an integer in range"));
    }
    let bare = json!({ "visit": fall.to_string(), "step": "reported" });
    assert!(refused(by_hand_step(&doc, 3, &key, bare)).contains("missing field `reportedOn`"));
    let forgiven = json!({ "visit": fall.to_string(), "step": "forgiven" });
    assert!(refused(by_hand_step(&doc, 3, &key, forgiven)).contains("must be one of reported, paid, declined"));
    // Someone else named as the recorder.
    let mut forged = report(fall);
    forged["recordedBy"] = json!({ "user": author(1).user.to_string(), "device": author(3).device.to_string() });
    let by = author(3);
    let forged = craft::raw_change(doc.automerge(), &by, actor(3), at_minutes(200).as_millis(), |tx, d| {
        let mut value = forged.clone();
        value["recordedAt"] = json!(at_minutes(200).as_millis());
        put_json(tx, &craft::map_at(d, &["insuranceSteps"]), &key, &value);
    });
    assert!(refused(forged).contains("author"));
}

#[test]
fn nobody_replaces_deletes_or_rewrites_the_steps() {
    let (mut doc, fall, _) = with_incident();
    doc.record_insurance_step(&edit(3, 100), entry(1), fall, reported((2026, 11, 3), "K-1")).unwrap();
    let by = author(3);
    let change = |write: &dyn Fn(&mut automerge::transaction::Transaction<'_>, &automerge::Automerge)| {
        craft::raw_change(doc.automerge(), &by, actor(3), at_minutes(200).as_millis(), write)
    };
    use automerge::transaction::Transactable as _;
    let replace_map = change(&|tx, _| {
        tx.put_object(automerge::ROOT, "insuranceSteps", automerge::ObjType::Map).unwrap();
    });
    let delete_map = change(&|tx, _| tx.delete(automerge::ROOT, "insuranceSteps").unwrap());
    let delete_step = change(&|tx, d| tx.delete(craft::map_at(d, &["insuranceSteps"]), entry(1).to_string()).unwrap());
    let rewrite = change(&|tx, d| {
        tx.put(craft::map_at(d, &["insuranceSteps", &entry(1).to_string()]), "claimNumber", "K-2").unwrap();
    });
    for hostile in [replace_map, delete_map, delete_step, rewrite] {
        assert!(server_review(&doc, hostile).is_err());
    }
    assert_eq!(doc.insurance_cases()[0].claim_number.as_deref(), Some("K-1"));
}
