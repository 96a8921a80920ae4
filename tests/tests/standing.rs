//! Status, move and tier through the workstation, against the real server: the role
//! table checked offline first and again by the server, the roster following the
//! status, and a moved elder leaving one community's workstations for the other's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_desktop::error::StationErrorCode;
use jinlin_desktop::forms::{MoveForm, StatusForm, TierForm};
use jinlin_desktop::{Clock, StationError};
use jinlin_shared::elder::{CareTier, ElderStatus};
use jinlin_shared::roles::Operation;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::Scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_move_and_tier_follow_the_role_table_and_a_moved_elder_changes_workstations() {
    let (scenario, _server) = Scenario::start_at(0.005, None).await;
    let (dir_a, dir_admin, dir_b) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let assistant = scenario.signed_in(dir_a.path(), &scenario.login, Clock::system()).await;
    let roster = assistant.roster(&RosterQuery::default()).await.unwrap();
    let elder = roster.lines[0].entry.elder_id;
    let today = assistant.now().shanghai_date();

    // An assistant records a status change but neither sets a tier nor moves an elder:
    // the page offers neither, and the workstation refuses both before saving.
    let page = assistant.elder(elder).await.unwrap();
    assert!(page.permitted.operations.contains(&Operation::ChangeStatus));
    assert!(!page.permitted.operations.contains(&Operation::SetTier));
    assert!(!page.permitted.operations.contains(&Operation::MoveElder));
    let tier = TierForm { tier: Some(CareTier::HighRisk), reason: "独居且近期跌倒".into() };
    let refused = assistant.set_tier(elder, tier.clone()).await.unwrap_err();
    assert_eq!(refused.code(), StationErrorCode::NotPermitted, "{refused}");
    assert_eq!(assistant.elder(elder).await.unwrap().unsynced, 0, "nothing refused is saved");

    // A date before the enrolment is refused, naming both dates.
    let enrolled_on = page.rows.elder.enrolled_on;
    let early = StatusForm {
        status: ElderStatus::Hospitalised,
        effective_on: enrolled_on.pred_opt().unwrap(),
        note: String::new(),
    };
    let refused = assistant.change_status(elder, early).await.unwrap_err();
    assert!(matches!(refused, StationError::Invalid(_)) && refused.to_string().contains("enrolment"), "{refused}");
    let said = jinlin_desktop::ErrorView::from(&refused);
    assert!(
        said.zh.as_deref().is_some_and(|zh| zh.contains("早于登记日期")),
        "the window says it in Chinese: {said:?}"
    );

    // In hospital: still on the roster, still owed a visit; the server agrees.
    let hospital = StatusForm { status: ElderStatus::Hospitalised, effective_on: today, note: "第一医院".into() };
    let page = assistant.change_status(elder, hospital).await.unwrap();
    assert_eq!(page.entry.status, ElderStatus::Hospitalised);
    assistant.sync_once().await.unwrap();
    assert_eq!(assistant.elder(elder).await.unwrap().unsynced, 0, "the server took it");
    let stored = scenario.central.text(&format!("SELECT status AS v FROM elders WHERE elder_id = '{elder}'")).await;
    assert_eq!(stored, "hospitalised");

    // The administrator (the whole city) sets the tier and moves the elder to a
    // community of another assistant.
    let (other_login, other_community) = scenario
        .central
        .assistant_logins()
        .await
        .into_iter()
        .find(|(_, community)| *community != scenario.community)
        .expect("a second community in the demo city");
    let admin = scenario.signed_in(dir_admin.path(), "admin", Clock::system()).await;
    let page = admin.set_tier(elder, tier).await.unwrap();
    assert_eq!(page.entry.tier, CareTier::HighRisk);
    assert!(page.communities.iter().any(|c| c.id == other_community), "the move offers the city's communities");
    let page = admin.move_elder(elder, MoveForm { community: other_community, effective_on: today }).await.unwrap();
    assert_eq!(page.rows.elder.community, other_community);
    let again = admin.move_elder(elder, MoveForm { community: other_community, effective_on: today }).await;
    assert!(matches!(again, Err(StationError::Invalid(_))), "already there: {again:?}");
    admin.sync_once().await.unwrap();
    assert_eq!(admin.elder(elder).await.unwrap().unsynced, 0, "the server took the move");

    // The old community's workstation drops the elder at its next pull; the new
    // community's receives the whole record, status and tier with it.
    assistant.sync_once().await.unwrap();
    let lines = assistant.roster(&RosterQuery::default()).await.unwrap().lines;
    assert!(!lines.iter().any(|line| line.entry.elder_id == elder), "moved out of this community");
    let receiving = scenario.signed_in(dir_b.path(), &other_login, Clock::system()).await;
    let page = receiving.elder(elder).await.unwrap();
    assert_eq!((page.entry.status, page.entry.tier), (ElderStatus::Hospitalised, CareTier::HighRisk));
    assert_eq!(page.rows.elder.status_history.len(), 2, "enrolment and hospital, nothing lost");

    // Deceased: no longer owed a visit, last on the roster; the tier is cleared by hand.
    let died = StatusForm { status: ElderStatus::Deceased, effective_on: today, note: String::new() };
    let page = receiving.change_status(elder, died).await.unwrap();
    assert!(page.entry.days_overdue == 0 && page.entry.status == ElderStatus::Deceased);
    let lines = receiving.roster(&RosterQuery::default()).await.unwrap().lines;
    assert_eq!(lines.last().unwrap().entry.elder_id, elder, "elders off the roster sort last");
    let page = admin.set_tier(elder, TierForm { tier: None, reason: String::new() }).await.unwrap();
    assert!(page.rows.elder.tier_override.is_none());
}
