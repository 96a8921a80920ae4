//! Workstations against the real server binary on loopback: offline work arriving by
//! itself, two workstations apart merging and resolving a conflict, a refused change
//! kept in sight, and a revoked workstation wiped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jinlin_desktop::{Clock, Station, StationError, SyncState, SyncStatus};
use jinlin_shared::document::ProfileChange;
use jinlin_shared::ids::ElderId;
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::{CentralDb, DEMO_PASSWORD, Scenario, ServerProcess, home_visit, station};

const LIMIT: Duration = Duration::from_secs(20);

async fn first_elder(station: &Station) -> ElderId {
    station.roster(&RosterQuery::default()).await.unwrap().lines[0].entry.elder_id
}

/// Collects status events until `done` holds for one, failing after the limit.
async fn statuses_until(
    events: &mut tokio::sync::broadcast::Receiver<SyncStatus>,
    done: impl Fn(&SyncStatus) -> bool,
) -> Vec<SyncStatus> {
    let mut seen = Vec::new();
    tokio::time::timeout(LIMIT, async {
        loop {
            match events.recv().await {
                Ok(status) => {
                    let finished = done(&status);
                    seen.push(status);
                    if finished {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(error) => panic!("the status stream ended: {error}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out; statuses so far: {seen:?}"));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visits_recorded_with_the_server_down_arrive_by_themselves_once_it_starts() {
    let (scenario, server) = Scenario::start().await;
    let (central, login) = (&scenario.central, scenario.login.clone());
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &login, Clock::system()).await;
    assert!(station.roster(&RosterQuery::default()).await.unwrap().lines.len() >= 20, "the community arrives whole");
    server.stop();

    let mut events = station.subscribe();
    let engine = jinlin_desktop::SyncEngine::start(&station, jinlin_tests::quick_sync());
    let elder = first_elder(&station).await;
    let (first, _) = station.record_visit(elder, home_visit("上门看望，身体尚可")).await.unwrap();
    let (second, page) = station.record_visit(elder, home_visit("再次上门")).await.unwrap();
    assert_eq!(page.unsynced, 2, "both visits wait on the workstation");
    assert!(
        page.rows.visits.iter().any(|v| v.visit_id == first) && page.rows.visits.iter().any(|v| v.visit_id == second)
    );
    statuses_until(&mut events, |s| s.state == SyncState::Offline && s.pending == 2).await;

    let server = scenario.restart_server();
    let seen = statuses_until(&mut events, |s| s.state == SyncState::UpToDate && s.pending == 0).await;
    let states: Vec<&SyncState> = seen.iter().map(|s| &s.state).collect();
    let syncing = states.iter().position(|s| **s == SyncState::Syncing).expect("a syncing state was published");
    assert!(states[syncing..].contains(&&SyncState::UpToDate), "offline → syncing → up to date: {states:?}");
    assert!(station.sync_status().last_success.is_some());
    for visit in [first, second] {
        assert_eq!(central.count_where("visits", "visit_id", &visit.to_string()).await, 1);
    }
    engine.stop().await;
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workstations_apart_keep_both_visits_and_a_phone_conflict_resolved_on_one_clears_everywhere() {
    let (scenario, server) = Scenario::start().await;
    let central = &scenario.central;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = scenario.signed_in(dir_a.path(), &scenario.login, Clock::system()).await;
    let b = scenario.signed_in(dir_b.path(), &scenario.other, Clock::system()).await;
    let elder = first_elder(&a).await;

    // Apart: neither syncs while both write.
    let (visit_a, _) = a.record_visit(elder, home_visit("A 站记录")).await.unwrap();
    let (visit_b, _) = b.record_visit(elder, home_visit("B 站记录")).await.unwrap();
    a.update_profile(elder, vec![ProfileChange::Phone(Some("13800000001".into()))]).await.unwrap();
    b.update_profile(elder, vec![ProfileChange::Phone(Some("13900000002".into()))]).await.unwrap();
    a.sync_once().await.unwrap();
    b.sync_once().await.unwrap();
    a.sync_once().await.unwrap();

    let (page_a, page_b) = (a.elder(elder).await.unwrap(), b.elder(elder).await.unwrap());
    for page in [&page_a, &page_b] {
        let visits: Vec<_> = page.rows.visits.iter().map(|v| v.visit_id).collect();
        assert!(visits.contains(&visit_a) && visits.contains(&visit_b), "both visits on both workstations");
        assert_eq!(page.rows.conflicts.len(), 1, "the phone conflict is shown");
        assert_eq!(page.rows.conflicts[0].field, "profile.phone");
        let mut shown = page.masked_conflicts["profile.phone"].clone();
        shown.sort();
        assert_eq!(shown, ["*******0001", "*******0002"], "the competing phones show masked");
        assert_eq!(page.unsynced, 0);
    }
    assert_eq!(page_a.rows.elder.profile.phone, page_b.rows.elder.profile.phone, "the same phone wins on both");
    assert_eq!(central.count_where("conflicts", "elder_id", &elder.to_string()).await, 1);

    a.resolve_conflict(elder, "profile.phone", serde_json::json!("13800000001")).await.unwrap();
    a.sync_once().await.unwrap();
    b.sync_once().await.unwrap();
    for station in [&a, &b] {
        let page = station.elder(elder).await.unwrap();
        assert!(page.rows.conflicts.is_empty(), "resolved everywhere");
        assert_eq!(page.rows.elder.profile.phone.as_deref(), Some("13800000001"));
        assert_eq!(page.phone_masked.as_deref(), Some("*******0001"), "the page shows the phone masked");
    }
    assert_eq!(central.count_where("conflicts", "elder_id", &elder.to_string()).await, 0);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_the_server_refuses_stays_visible_with_its_reason_and_the_rest_goes_on() {
    let (scenario, server) = Scenario::start().await;
    let central = &scenario.central;
    let dir = tempfile::tempdir().unwrap();
    // A workstation whose clock is a year ahead dates its visits next year.
    let year = Duration::from_secs(365 * 24 * 3600);
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::off_by(year, true)).await;
    let elder = first_elder(&station).await;

    let (visit, _) = station.record_visit(elder, home_visit("时钟错误")).await.unwrap();
    let report = station.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (0, 1));

    let page = station.elder(elder).await.unwrap();
    assert_eq!(page.rejected.len(), 1, "the refused change is kept and shown");
    assert_eq!(page.rejected[0].code, jinlin_shared::validate::RejectCode::VisitInFuture);
    assert!(!page.rejected[0].reason.is_empty());
    assert!(page.rows.visits.iter().all(|v| v.visit_id != visit), "the document goes on without it");
    assert_eq!(page.unsynced, 0);
    let status = station.sync_status();
    assert_eq!((status.pending, status.rejected), (0, 1));
    assert_eq!(central.count_where("visits", "visit_id", &visit.to_string()).await, 0);

    // Later edits are not held back by the refused one.
    let later = station.update_profile(elder, vec![ProfileChange::Address("思明区新地址 1 号".into())]).await.unwrap();
    assert_eq!(later.unsynced, 1);
    let report = station.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (1, 0));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_workstation_is_wiped_at_its_next_contact() {
    let (scenario, server) = Scenario::start().await;
    let (central, login) = (&scenario.central, scenario.login.clone());
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &login, Clock::system()).await;
    let elder = first_elder(&station).await;
    station.record_visit(elder, home_visit("撤销前")).await.unwrap();

    let device = {
        use sea_orm::EntityTrait;
        let db = central.connect().await;
        let devices = jinlin_server::db::entity::device::Entity::find().all(&db).await.unwrap();
        let ours = devices.into_iter().find(|d| d.name.starts_with("test workstation")).unwrap();
        db.close().await.unwrap();
        ours.id
    };
    let revoked = std::process::Command::new(jinlin_tests::binary("jinlin-server"))
        .args(["--database-url", &central.url, "device", "revoke", &device])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(revoked.success());

    assert!(matches!(station.sync_once().await, Err(StationError::DeviceRevoked)));
    assert!(station.known_users().await.unwrap().is_empty(), "no user is left on the workstation");
    assert!(matches!(station.roster(&RosterQuery::default()).await, Err(StationError::SignedOut)));
    assert_eq!(station.sync_status().pending, 0, "nothing of the elders is left either");
    let store = jinlin_desktop::store::Store::open(dir.path()).await.unwrap();
    assert!(store.documents(None).await.unwrap().is_empty(), "no document is left");
    assert_eq!(store.device_id().await.unwrap(), None);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_offline_needs_an_earlier_online_sign_in_and_the_right_password() {
    let (scenario, server) = Scenario::start().await;
    let (login, other) = (&scenario.login, &scenario.other);
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), login, Clock::system()).await;
    station.sign_out().await.unwrap();
    server.stop();

    assert!(matches!(station.sign_in(login, "not the password").await, Err(StationError::WrongPassword)));
    assert!(matches!(station.sign_in(other, DEMO_PASSWORD).await, Err(StationError::FirstSignInNeedsServer { .. })));
    let user = station.sign_in(login, DEMO_PASSWORD).await.unwrap().user;
    assert_eq!(&user.login, login);
    let roster = station.roster(&RosterQuery::default()).await.unwrap();
    assert!(roster.lines.len() >= 20, "the roster opens offline");
    let elder = roster.lines[0].entry.elder_id;
    station.record_visit(elder, home_visit("离线登录后记录")).await.unwrap();
    // Signed out, the server still down: the session token is gone, so sync must wait
    // for a sign-in with the server, and says so; the visit waits safely.
    assert!(matches!(station.sync_once().await, Err(StationError::SessionExpired)));
    assert_eq!(station.sync_status().pending, 1);
    let server = scenario.restart_server();
    station.sign_in(login, DEMO_PASSWORD).await.unwrap();
    let report = station.sync_once().await.unwrap();
    assert_eq!(report.pushed, 1);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workstation_belongs_to_its_area_and_users_of_another_get_neither_its_key_nor_its_records() {
    let central = CentralDb::demo(0.004);
    let server = ServerProcess::start(&central);
    let port = server.port;
    let logins = central.assistant_logins().await;
    let (first, second) = (&logins[0], logins.iter().find(|(_, c)| *c != logins[0].1).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let station = station(dir.path(), port, Clock::system()).await;

    station.sign_in(&first.0, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    let roster = station.roster(&RosterQuery::default()).await.unwrap();
    assert!(!roster.lines.is_empty());
    assert!(roster.lines.iter().all(|l| l.entry.community == first.1), "{} sees only {}", first.0, first.1);
    let seen = roster.lines.len();
    station.sign_out().await.unwrap();
    // An assistant of another community is refused here: no key, no records.
    let refused = station.sign_in(&second.0, DEMO_PASSWORD).await.unwrap_err();
    assert!(
        matches!(&refused, StationError::Server(body) if body.error == jinlin_shared::wire::ErrorCode::Forbidden),
        "{refused:?}"
    );
    assert_eq!(station.known_users().await.unwrap().len(), 1);
    // Back to the first: still only their own, from the same store.
    station.sign_in(&first.0, DEMO_PASSWORD).await.unwrap();
    let roster = station.roster(&RosterQuery::default()).await.unwrap();
    assert_eq!(roster.lines.len(), seen);
    assert!(roster.lines.iter().all(|l| l.entry.community == first.1));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elder_enrolled_here_reaches_the_server_and_an_id_number_stays_whole_only_there() {
    let (scenario, server) = Scenario::start().await;
    let (central, community) = (&scenario.central, scenario.community);
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;

    let now = station.now();
    let mut rng = jinlin_shared::synthetic::Rng::new(11);
    let profile = jinlin_shared::synthetic::enrolment(&mut rng, community, now.shanghai_date(), now).profile;
    let page = station
        .enrol_elder(jinlin_desktop::forms::EnrolmentForm { community, enrolled_on: None, profile: profile.clone() })
        .await
        .unwrap();
    let elder = page.entry.elder_id;
    assert_eq!(page.rows.elder.profile.name, profile.name);
    let (visit, _) = station.record_visit(elder, home_visit("新建档后首访")).await.unwrap();
    station.void_visit(elder, visit, "录错了老人").await.unwrap();
    station.sync_once().await.unwrap();
    assert_eq!(central.count_where("elders", "elder_id", &elder.to_string()).await, 1);
    assert_eq!(central.count_where("visits", "visit_id", &visit.to_string()).await, 1);

    let masked = station.submit_id_number(elder, "11010519491231002X").await.unwrap();
    assert_eq!(masked, "1101**********002X");
    station.sync_once().await.unwrap();
    let page = station.elder(elder).await.unwrap();
    assert_eq!(page.rows.elder.profile.id_number_masked.as_deref(), Some(masked.as_str()));
    assert_eq!(central.count_where("identities", "id_number", "11010519491231002X").await, 1);
    let voided = page.rows.visits.iter().find(|v| v.visit_id == visit).unwrap();
    assert_eq!(voided.visit.void.as_ref().map(|v| v.reason.as_str()), Some("录错了老人"));
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_risk_follow_up_is_closed_by_the_next_visit_or_by_a_note_and_the_server_agrees() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = first_elder(&station).await;
    let open_follow_ups = |page: &jinlin_desktop::ElderPage| {
        page.rows
            .follow_ups
            .iter()
            .filter(|f| f.follow_up.resolution.is_none())
            .map(|f| f.follow_up_id)
            .collect::<Vec<_>>()
    };
    let already_open = open_follow_ups(&station.elder(elder).await.unwrap());

    let mut red = home_visit("老人摔倒后行动不便");
    red.record.risk = jinlin_shared::visit::RiskLevel::Red;
    red.follow_up = Some(jinlin_desktop::forms::FollowUpForm {
        action: "明天上午再次上门".into(),
        due_at: station.now().plus_hours(20),
    });
    let (_, page) = station.record_visit(elder, red.clone()).await.unwrap();
    let new: Vec<_> = open_follow_ups(&page).into_iter().filter(|f| !already_open.contains(f)).collect();
    assert_eq!(new.len(), 1, "the red-risk visit opened its follow-up");

    // The next visit says it completes the follow-up: one save closes it.
    let mut next = home_visit("再次上门，情况稳定");
    next.completes = new.clone();
    let (second, page) = station.record_visit(elder, next).await.unwrap();
    let closed = page.rows.follow_ups.iter().find(|f| f.follow_up_id == new[0]).unwrap();
    assert_eq!(closed.follow_up.resolution.as_ref().and_then(|r| r.visit), Some(second));

    // A follow-up that is already closed, or unknown, refuses the whole visit.
    let mut again = home_visit("不应保存");
    again.completes = new.clone();
    assert!(matches!(station.record_visit(elder, again).await, Err(StationError::Invalid(_))));
    assert!(!station.elder(elder).await.unwrap().rows.visits.iter().any(|v| v.visit.record.notes == "不应保存"));

    // Closed without a visit, a note is required.
    let (_, page) = station.record_visit(elder, red).await.unwrap();
    let other = open_follow_ups(&page).into_iter().find(|f| !already_open.contains(f)).unwrap();
    assert!(matches!(station.resolve_follow_up(elder, other, "  ").await, Err(StationError::Invalid(_))));
    let page = station.resolve_follow_up(elder, other, "已电话联系家属，送医").await.unwrap();
    assert!(!open_follow_ups(&page).contains(&other));

    station.sync_once().await.unwrap();
    let db = scenario.central.connect().await;
    use sea_orm::{ConnectionTrait, Statement};
    for (id, expected) in [(new[0], second.to_string()), (other, "已电话联系家属".to_owned())] {
        let sql = format!("SELECT row FROM follow_ups WHERE follow_up_id = '{id}'");
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        let row: String = row.try_get("", "row").unwrap();
        assert!(row.contains(&expected), "the server's follow-up {id} is closed as here: {row}");
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_sees_the_streets_coverage_and_alerts_closes_one_and_saves_the_report() {
    use jinlin_shared::alert::AlertClosure;
    use jinlin_shared::area::AreaLevel;
    use jinlin_shared::label::Language;
    use jinlin_shared::report::ReportFormat as ExportFormat;
    use jinlin_shared::time::Month;
    use jinlin_shared::visit::{Incident, IncidentKind, RiskLevel};

    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = first_elder(&station).await;
    // The assistant records a red-risk visit with a fall; it syncs in.
    let mut red = home_visit("卫生间跌倒，膝盖擦伤");
    red.record.risk = RiskLevel::Red;
    red.record.incident = Some(Incident { kind: IncidentKind::Fall, note: "卫生间跌倒".into() });
    red.follow_up = Some(jinlin_desktop::forms::FollowUpForm {
        action: "明天上午再次上门".into(),
        due_at: station.now().plus_hours(20),
    });
    let (visit, _) = station.record_visit(elder, red).await.unwrap();
    station.sync_once().await.unwrap();
    station.sign_out().await.unwrap();

    // The street's supervisor signs in at the same workstation.
    let street = scenario.street_code().await;
    station.sign_in(&format!("s{street}"), DEMO_PASSWORD).await.unwrap();
    let month = Month::containing(station.now().shanghai_date());
    let coverage = station.coverage(month, None).await.unwrap();
    assert_eq!((coverage.area.level, coverage.area.code.as_str()), (Some(AreaLevel::Street), street.as_str()));
    let levels: Vec<Option<AreaLevel>> = coverage.summary.iter().map(|line| line.level).collect();
    assert_eq!(levels, [Some(AreaLevel::Street), Some(AreaLevel::Community)], "one community in this street");
    assert_eq!(coverage.summary[0].totals, coverage.summary[1].totals, "the street is its one community");
    assert!(coverage.summary[0].totals.visited >= 1);
    assert!(!coverage.not_visited.iter().any(|line| line.elder_id == elder), "visited this month");
    assert_eq!(coverage.trend.len(), 12);
    let views = scenario.central.count_where("audit_log", "action", "report.view").await;
    assert_eq!(views, 1, "what the screen shows is audited as a view, not an export");
    assert!(matches!(station.coverage(month, Some("999")).await, Err(StationError::Server(_))));

    // The alert is there, open; a blank note is refused; a note closes it.
    let open = station.alerts(false).await.unwrap();
    let alert = open.iter().find(|a| a.visit_id == visit).expect("the red-risk visit's alert");
    assert!(alert.red_risk && alert.incident == Some(IncidentKind::Fall) && alert.closed.is_none());
    assert!(matches!(station.close_alert(visit, "  ").await, Err(StationError::Invalid(_))));
    let closed = station.close_alert(visit, "已电话联系家属，次日上门").await.unwrap();
    assert_eq!(closed.closed.as_ref().map(|c| c.how), Some(AlertClosure::SupervisorNote));
    assert!(!station.alerts(false).await.unwrap().iter().any(|a| a.visit_id == visit));
    assert!(station.alerts(true).await.unwrap().iter().any(|a| a.visit_id == visit));

    // Saved reports: named by the server, a number added when the name is taken, and
    // never a half-written file.
    let folder = tempfile::tempdir().unwrap();
    let save = |format| station.export_report(month, None, format, Language::ZhCn, folder.path());
    let xlsx = save(ExportFormat::Xlsx).await.unwrap();
    assert_eq!(xlsx.file_name().unwrap().to_string_lossy(), format!("jinlin-{month}-{street}.xlsx"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "a zip: the workbook");
    let again = save(ExportFormat::Xlsx).await.unwrap();
    assert_eq!(again.file_name().unwrap().to_string_lossy(), format!("jinlin-{month}-{street} (2).xlsx"));
    assert!(std::fs::read(save(ExportFormat::Pdf).await.unwrap()).unwrap().starts_with(b"%PDF-"));
    assert!(std::fs::read(save(ExportFormat::Csv).await.unwrap()).unwrap().starts_with(b"\xEF\xBB\xBF"));
    let mut files: Vec<String> =
        std::fs::read_dir(folder.path()).unwrap().map(|f| f.unwrap().file_name().to_string_lossy().into()).collect();
    files.sort();
    assert_eq!(files.len(), 4, "no partial file left: {files:?}");

    // Without the server these say so.
    server.stop();
    assert!(matches!(station.coverage(month, None).await, Err(StationError::Offline)));
    assert!(matches!(save(ExportFormat::Pdf).await, Err(StationError::Offline)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_role_may_not_do_is_refused_on_the_workstation_offline_and_nothing_is_saved() {
    let (scenario, server) = Scenario::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = scenario.signed_in(dir_a.path(), &scenario.login, Clock::system()).await;
    let b = scenario.signed_in(dir_b.path(), &scenario.other, Clock::system()).await;
    let elder = first_elder(&a).await;
    let (theirs, _) = a.record_visit(elder, home_visit("A 站记录")).await.unwrap();
    a.sync_once().await.unwrap();
    b.sync_once().await.unwrap();
    server.stop();

    // Offline, the colleague's visit cannot be voided here: the role table says so.
    let page = b.elder(elder).await.unwrap();
    assert!(!page.permitted.voidable.contains(&theirs), "the window offers no void for it");
    let refused = b.void_visit(elder, theirs, "录错了").await.unwrap_err();
    assert_eq!(refused.code(), jinlin_desktop::error::StationErrorCode::NotPermitted, "{refused}");
    // Notes past the limit are refused before anything is saved, naming the field.
    let mut long = home_visit("");
    long.record.notes = "记".repeat(jinlin_shared::limits::FIELD_LIMITS.visit_notes + 1);
    let refused = b.record_visit(elder, long).await.unwrap_err();
    assert!(matches!(refused, StationError::Refused(_)) && refused.to_string().contains("notes"), "{refused}");
    assert_eq!(b.elder(elder).await.unwrap().unsynced, 0, "nothing refused waits to be sent");
    // Their own visit they may void.
    let (own, page) = b.record_visit(elder, home_visit("B 站记录")).await.unwrap();
    assert!(page.permitted.voidable.contains(&own));
    b.void_visit(elder, own, "重复记录").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_workstation_sends_what_a_colleague_left_waiting_under_the_colleagues_name() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    let elder = first_elder(&station).await;
    let (visit, _) = station.record_visit(elder, home_visit("交班前记录")).await.unwrap();
    let first = station.current_user().unwrap().id;
    station.sign_out().await.unwrap();
    // The colleague signs in at the same workstation and syncs: the visit goes under
    // the name of the assistant who made it.
    station.sign_in(&scenario.other, DEMO_PASSWORD).await.unwrap();
    let report = station.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (1, 0));
    let recorded_by: String =
        scenario.central.text(&format!("SELECT assistant_id AS v FROM visits WHERE visit_id = '{visit}'")).await;
    assert_eq!(recorded_by, first.to_string());
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_refused_as_a_whole_does_not_keep_the_workstation_from_pulling() {
    let (scenario, server) = Scenario::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = scenario.signed_in(dir_a.path(), &scenario.login, Clock::system()).await;
    let b = scenario.signed_in(dir_b.path(), &scenario.other, Clock::system()).await;
    let elder = first_elder(&a).await;
    let proxy = jinlin_tests::proxy_refusing_pushes(scenario.port).await;
    b.set_server(&format!("http://127.0.0.1:{proxy}"), None).unwrap();
    // Another address: the token goes only to the server that issued it, so B signs in
    // through the proxy (which passes sign-ins on).
    b.sign_in(&scenario.other, DEMO_PASSWORD).await.unwrap();

    let (waiting, _) = b.record_visit(elder, home_visit("B 站待发送")).await.unwrap();
    let (arrived, _) = a.record_visit(elder, home_visit("A 站已发送")).await.unwrap();
    a.sync_once().await.unwrap();
    let failed = b.sync_once().await.unwrap_err();
    assert!(matches!(failed, StationError::Server(_)), "the push failed: {failed}");
    let page = b.elder(elder).await.unwrap();
    assert!(page.rows.visits.iter().any(|v| v.visit_id == arrived), "A's visit was pulled all the same");
    assert!(page.rows.visits.iter().any(|v| v.visit_id == waiting) && page.unsynced == 1, "B's waits, kept");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_the_server_slows_down_falls_back_to_the_workstation_and_says_why() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;
    station.sign_out().await.unwrap();
    // Someone tries wrong passwords until the server slows the login down.
    for _ in 0..4 {
        assert!(matches!(station.sign_in(&scenario.login, "not the password").await, Err(StationError::WrongPassword)));
    }
    let signed_in = station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    assert_eq!(signed_in.offline, Some(jinlin_desktop::OfflineReason::Throttled), "the assistant works on, offline");
    assert!(!station.roster(&RosterQuery::default()).await.unwrap().lines.is_empty());
    station.sign_out().await.unwrap();
    // Someone never signed in here gets the server's own answer: this address is
    // slowed down too.
    let refused = station.sign_in(&scenario.other, DEMO_PASSWORD).await;
    assert!(
        matches!(&refused, Err(StationError::Server(body)) if body.error == jinlin_shared::wire::ErrorCode::RateLimited),
        "{refused:?}"
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_certificate_is_not_trusted_is_named_so_and_not_taken_for_offline() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = jinlin_desktop::StationConfig {
        data_dir: dir.path().to_owned(),
        server: jinlin_tests::server_url(scenario.port),
        // The city's authority is not in these settings.
        server_ca: None,
        device_name: "没有证书的工作站".into(),
        clock: Clock::system(),
    };
    let station = Station::open(config).await.unwrap();
    let refused = station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap_err();
    assert_eq!(refused.code(), jinlin_desktop::StationErrorCode::UntrustedServer, "{refused}");
    server.stop();
}
