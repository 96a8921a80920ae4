//! Insurance cases through the real server on SQLite and PostgreSQL: an assistant's
//! incident visit becomes a lead, an assistant may not move the case (the role table),
//! the street supervisor reports it and records the payment, and the monthly report
//! carries the case and the street's figures in JSON, CSV and XLSX.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer, enrol, now, push_whole};
use jinlin_server::db::entity::insurance_case;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::ids::{EntryId, VisitId};
use jinlin_shared::insurance::{CaseState, CaseStep};
use jinlin_shared::policy::Policy;
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Month;
use jinlin_shared::validate::RejectCode;
use jinlin_shared::visit::{Incident, IncidentKind, RiskLevel};
use jinlin_shared::wire::PushOutcome;
use sea_orm::EntityTrait as _;

const DAY: i64 = 24;

/// A fall recorded by `client` ten days ago.
fn fall(doc: &mut ElderDocument, client: &Client) -> VisitId {
    let when = now().plus_hours(-10 * DAY);
    let mut visit = synthetic::visit(&mut Rng::new(5), when);
    visit.record.risk = RiskLevel::Green;
    visit.record.incident = Some(Incident { kind: IncidentKind::Fall, note: "下楼梯摔倒".into() });
    visit.follow_up = None;
    doc.record_visit(&Edit { author: client.author(), at: when }, visit.clone(), &Policy::default()).unwrap();
    visit.id
}

/// Moves the case by one step as `client`, and pushes that change alone.
async fn step(doc: &mut ElderDocument, client: &Client, n: u8, visit: VisitId, step: CaseStep) -> PushOutcome {
    let before = doc.heads();
    let entry = EntryId::from_parts(1_790_000_000_000, [n; 10]);
    let mut copy = doc.clone();
    copy.record_insurance_step(&Edit { author: client.author(), at: now() }, entry, visit, step).unwrap();
    let outcome =
        client.push(vec![(copy.record().elder_id, copy.changes_since(&before))]).await.results[0].outcome.clone();
    if outcome.is_accepted() {
        *doc = copy;
    }
    outcome
}

async fn report(client: &Client, query: &str) -> reqwest::Response {
    let month = Month::containing(now().shanghai_date());
    let response = client.get(&format!("/reports/monthly?month={month}&{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    response
}

async fn a_fall_becomes_a_lead_and_the_supervisor_follows_it_to_payment(backend: Backend) {
    let server = TestServer::start(backend).await;
    let assistant = Client::sign_in(&server, "heping").await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let mut doc = enrol(&assistant, server.community("350203001001"), 3);
    let visit = fall(&mut doc, &assistant);
    push_whole(&assistant, [&doc]).await;

    let lead: MonthlyReport = report(&supervisor, "format=json").await.json().await.unwrap();
    assert_eq!(lead.insurance_cases.len(), 1);
    assert_eq!((lead.insurance_cases[0].visit_id, lead.insurance_cases[0].state), (visit, CaseState::Lead));

    let reported_on = now().plus_hours(-8 * DAY).shanghai_date();
    let report_step = || CaseStep::Reported { reported_on, claim_number: "PICC-350203-0001".into() };
    // The assistant may record the incident, not move the case.
    match step(&mut doc, &assistant, 1, visit, report_step()).await {
        PushOutcome::Rejected { code, .. } => assert_eq!(code, RejectCode::NotPermitted),
        accepted => panic!("an assistant moved an insurance case: {accepted:?}"),
    }
    assert!(step(&mut doc, &supervisor, 2, visit, report_step()).await.is_accepted());
    let paid = CaseStep::Paid { paid_on: now().plus_hours(-2 * DAY).shanghai_date(), amount_fen: 350_000 };
    assert!(step(&mut doc, &supervisor, 3, visit, paid).await.is_accepted());

    let row = insurance_case::Entity::find_by_id(visit.to_string()).one(&server.db).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.amount_fen), ("paid", Some(350_000)));
    assert_eq!(row.case().unwrap().steps.len(), 2, "the refused step left nothing behind");

    let month: MonthlyReport = report(&supervisor, "format=json").await.json().await.unwrap();
    let case = &month.insurance_cases[0];
    assert_eq!((case.state, case.days_to_report, case.amount_fen), (CaseState::Paid, Some(2), Some(350_000)));
    assert!(case.phone.as_deref().is_some_and(|p| p.starts_with('*')), "masked: {:?}", case.phone);
    let street = month.insurance_by_area.iter().find(|f| f.name == "鹭江街道").unwrap();
    assert_eq!((street.paid, street.total_paid_fen, street.median_days_to_report), (1, 350_000, Some(2.0)));
    let other = month.insurance_by_area.iter().find(|f| f.name == "光明社区").unwrap();
    assert_eq!((other.leads, other.paid, other.total_paid_fen), (0, 0, 0));

    let csv = report(&supervisor, "format=csv&section=insurance").await.text().await.unwrap();
    assert!(csv.contains("理赔编号") && csv.contains("PICC-350203-0001") && csv.contains("3500.00"), "{csv}");
    let csv = report(&supervisor, "format=csv&section=insurance-by-area&lang=en").await.text().await.unwrap();
    assert!(csv.contains("Total paid (yuan)") && csv.contains("3500.00"), "{csv}");
    let xlsx = report(&supervisor, "format=xlsx").await.bytes().await.unwrap();
    let book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    use calamine::Reader as _;
    assert!(book.sheet_names().iter().any(|s| s == "幸福安康险"));
    assert!(book.sheet_names().iter().any(|s| s == "幸福安康险分区统计"));
    server.stop().await;
}

on_both_databases!(
    a_fall_is_followed_to_payment,
    super::a_fall_becomes_a_lead_and_the_supervisor_follows_it_to_payment
);
