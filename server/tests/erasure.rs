//! Erasure on request (PIPL art. 47) on both databases: only an administrator, with a
//! reason, for an elder in their area; the full ID number leaves the identity table,
//! the document keeps the phone's masked form only, and an unmasked export from then
//! on shows masked forms; the erasure is audited with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, Client, TestServer, enrol, now};
use jinlin_shared::document::ProfileChange;
use jinlin_shared::report::MonthlyReport;

const NUMBER: &str = "11010519491231002X";

async fn unmasked_report(admin: &Client) -> (MonthlyReport, String) {
    let month = jinlin_shared::time::Month::containing(now().shanghai_date());
    let query = format!("/reports/monthly?month={month}&unmasked=true&reason=erasure%20test");
    let response = admin.get(&query).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

async fn an_administrator_erases_an_identity_record_and_exports_show_masked_forms(backend: Backend) {
    let server = TestServer::start(backend).await;
    let heping = Client::sign_in(&server, "heping").await;
    let admin = Client::sign_in(&server, "admin").await;
    let supervisor = Client::sign_in(&server, "lujiang").await;
    let mut doc = enrol(&heping, server.community("350203001001"), 31);
    let edit = jinlin_shared::document::Edit { author: heping.author(), at: now() };
    doc.update_profile(&edit, &[ProfileChange::Phone(Some("13912345678".into()))]).unwrap();
    common::push_whole(&heping, [&doc]).await;
    let identity = format!("/elders/{}/identity", doc.elder_id());
    let set = heping.http.put(format!("{}{identity}", server.base)).bearer_auth(&heping.login.token);
    assert_eq!(set.json(&serde_json::json!({ "idNumber": NUMBER })).send().await.unwrap().status(), 200);
    let (_, before) = unmasked_report(&admin).await;
    assert!(before.contains("13912345678"), "the unmasked export shows the phone whole before");

    let erase = format!("{identity}/erase");
    let with = |reason: &str| serde_json::json!({ "reason": reason });
    assert_eq!(supervisor.post(&erase, &with("本人申请")).await.status(), 403, "administrators only");
    assert_eq!(admin.post(&erase, &with("  ")).await.status(), 400, "a reason is required");
    assert_eq!(
        admin.post("/elders/0192f2a0-0000-7000-8000-00000000dead/identity/erase", &with("x")).await.status(),
        404
    );
    assert_eq!(server.count("identities").await, 1, "nothing was erased by a refused request");

    let response = admin.post(&erase, &with("本人书面申请删除，2026-12-07")).await;
    assert_eq!(response.status(), 200);
    let erased: serde_json::Value = response.json().await.unwrap();
    assert_eq!(erased["idNumber"], true);
    assert_eq!(erased["phoneMasked"], "*******5678");
    assert_eq!(server.count("identities").await, 0);
    let stored = jinlin_shared::document::ElderDocument::load(
        &server.snapshot(doc.elder_id()).await,
        jinlin_shared::ActorId::random(),
    )
    .unwrap();
    assert_eq!(stored.record().profile.phone.as_deref(), Some("*******5678"));
    assert_eq!(stored.record().profile.id_number_masked.as_deref(), Some("1101**********002X"));
    let (report, text) = unmasked_report(&admin).await;
    assert!(!text.contains("13912345678") && !text.contains(NUMBER), "only masked forms after the erasure");
    let line = report.not_visited.iter().find(|l| l.elder_id == doc.elder_id());
    assert_eq!(line.and_then(|l| l.phone.as_deref()), Some("*******5678"));
    let audited = server.text("SELECT detail AS v FROM audit_log WHERE action = 'identity.erase'").await;
    assert!(audited.contains("本人书面申请删除") && !audited.contains(NUMBER), "{audited}");
    // Erasing again finds nothing more to erase, and says so.
    let again: serde_json::Value = admin.post(&erase, &with("重复申请")).await.json().await.unwrap();
    assert_eq!(again["idNumber"], false);
    server.stop().await;
}
on_both_databases!(
    an_administrator_erases_an_identity_record,
    super::an_administrator_erases_an_identity_record_and_exports_show_masked_forms
);
