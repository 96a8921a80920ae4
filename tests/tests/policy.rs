//! A city's own visit policy reaches its workstations: the badges a workstation shows
//! agree with the server's monthly report elder by elder, the early warnings it
//! derives offline are the server's one by one, the visit form takes the city's
//! numbers, and a change of policy follows at the next sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use jinlin_desktop::{Clock, RosterView, Station};
use jinlin_shared::elder::CareTier;
use jinlin_shared::ids::ElderId;
use jinlin_shared::policy::Policy;
use jinlin_shared::roster::{RosterEntry, RosterQuery};
use jinlin_shared::time::{Date, Month};
use jinlin_shared::visit::RiskLevel;
use jinlin_shared::warning::WarningReason;
use jinlin_tests::{DEMO_PASSWORD, Scenario, home_visit};

/// Stricter than DOMAIN.md's defaults on every count that decides a badge.
const CITY_POLICY: &str = r#"
clockSkewMinutes = 30
redRiskFollowUpHours = 48

[intervals]
highRiskDays = 3
keyDays = 14
generalDays = 45

[tiers]
highRiskMinAge = 70

[validVisit]
countedModes = ["home"]
familyOnly = "never"

[warnings]
warningDay = 1
escalateAfterDays = 3
"#;

/// What a badge says of an elder who was due and not visited this month.
type Overdue = (CareTier, Option<Date>, i64);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citys_own_policy_reaches_the_workstation_whose_badges_then_agree_with_the_report() {
    let (scenario, server) = Scenario::start_with_policy(Some(CITY_POLICY)).await;
    let city = Policy::from_toml(CITY_POLICY).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let station = scenario.signed_in(dir.path(), &scenario.login, Clock::system()).await;

    // The first sync brought the city's policy.
    assert_eq!(station.policy().version, city.version());
    assert_eq!(station.policy().policy, city);

    // The roster's badges, and what DOMAIN.md's defaults would have said instead.
    let roster = station.roster(&RosterQuery::default()).await.unwrap();
    assert!(roster.lines.len() > 10, "the demo community's elders");
    let mut by_default_differs = 0;
    for line in &roster.lines {
        let page = station.elder(line.entry.elder_id).await.unwrap();
        assert_eq!(page.visit_rules, city.visit_rules(), "the visit form takes the city's numbers");
        let by_default = RosterEntry::new(&page.rows, &Policy::default(), station.now());
        let badge = |e: &RosterEntry| (e.tier, e.due_this_month, e.visited_this_month, e.days_overdue);
        by_default_differs += usize::from(badge(&by_default) != badge(&line.entry));
    }
    assert!(by_default_differs > 0, "the city's policy changes some badge, or this test would prove nothing");
    let overdue_here: BTreeMap<ElderId, Overdue> = roster
        .lines
        .iter()
        .filter(|line| line.entry.due_this_month && !line.entry.visited_this_month)
        .map(|line| (line.entry.elder_id, (line.entry.tier, line.entry.last_valid_visit_on, line.entry.days_overdue)))
        .collect();

    warnings_agree_and_new_ones_are_counted(&station, &scenario, &roster).await;

    // The street's supervisor reads the server's report of the same month.
    station.sign_out().await.unwrap();
    let street = scenario.street_code().await;
    station.sign_in(&format!("s{street}"), DEMO_PASSWORD).await.unwrap();
    let month = Month::containing(station.now().shanghai_date());
    let report = station.coverage(month, None).await.unwrap();
    let community = report.summary.iter().find(|line| line.area == Some(scenario.community)).expect("the community");
    assert_eq!(community.totals, roster.coverage, "the community's figures agree");
    let overdue_there: BTreeMap<ElderId, Overdue> = report
        .not_visited
        .iter()
        .map(|line| (line.elder_id, (line.tier, line.last_valid_visit_on, line.days_overdue)))
        .collect();
    assert!(!overdue_there.is_empty(), "some elders are overdue under the city's intervals");
    assert_eq!(overdue_here, overdue_there, "elder by elder, the workstation's badges are the report's");
    station.sign_out().await.unwrap();

    // The workstation judges a visit by the city's numbers: a red-risk visit whose
    // follow-up is due in 40 hours is within the city's 48 (DOMAIN.md's 24 would refuse
    // it), and the server stores it.
    station.sign_in(&scenario.login, DEMO_PASSWORD).await.unwrap();
    let elder = roster.lines[0].entry.elder_id;
    let mut red = home_visit("夜间胸闷，已叫家属陪同");
    red.record.risk = RiskLevel::Red;
    red.follow_up = Some(jinlin_desktop::forms::FollowUpForm {
        action: "后天上午复诊陪同".into(),
        due_at: station.now().plus_hours(40),
    });
    station.record_visit(elder, red).await.unwrap();
    let report = station.sync_once().await.unwrap();
    assert_eq!((report.pushed, report.rejected), (2, 0), "the server judges alike (this and the elder enrolled above)");

    // The city goes back to DOMAIN.md's rules: the next sync follows.
    drop(server);
    std::fs::write(scenario.policy.as_ref().unwrap(), "").unwrap();
    let _server = scenario.restart_server();
    station.sync_once().await.unwrap();
    assert_eq!(station.policy().version, Policy::default().version());
    let page = station.elder(elder).await.unwrap();
    assert_eq!(page.visit_rules, Policy::default().visit_rules());
}

/// The early warnings the workstation derives offline from its documents are the ones
/// the server derived from its own, for the same clock; the assistant's day counts
/// them; and what a desktop notification would count.
async fn warnings_agree_and_new_ones_are_counted(station: &Station, scenario: &Scenario, roster: &RosterView) {
    let here: BTreeSet<_> =
        station.derived_warnings().await.unwrap().into_iter().map(|w| (w.elder_id, w.reason, w.since)).collect();
    let there: BTreeSet<_> =
        station.area_warnings(false).await.unwrap().into_iter().map(|w| (w.elder_id, w.reason, w.since)).collect();
    assert!(
        here.iter().any(|(_, reason, _)| *reason == WarningReason::Unvisited),
        "from the city's warning day, the 1st, the elders not visited this month are due"
    );
    assert_eq!(here, there, "warning by warning, the workstation's are the server's");
    let overdue: BTreeSet<ElderId> = here
        .iter()
        .filter(|(_, reason, _)| matches!(reason, WarningReason::Unvisited | WarningReason::HighRiskOverdue))
        .map(|(elder, _, _)| *elder)
        .collect();
    assert_eq!(roster.day.overdue as usize, overdue.len());

    // What the desktop notification would count: nothing at the first look, then the
    // warning of an elder enrolled here and not yet visited.
    assert_eq!(station.new_warnings().await.unwrap(), 0, "the day panel shows these at sign-in");
    let now = station.now();
    let mut rng = jinlin_shared::synthetic::Rng::new(25);
    let mut profile =
        jinlin_shared::synthetic::enrolment(&mut rng, scenario.community, now.shanghai_date(), now).profile;
    profile.categories.insert(jinlin_shared::elder::HardshipCategory::LivingAlone);
    let form = jinlin_desktop::forms::EnrolmentForm { community: scenario.community, enrolled_on: None, profile };
    let enrolled = station.enrol_elder(form).await.unwrap().entry;
    assert!(enrolled.warnings.contains(&WarningReason::Unvisited), "{enrolled:?}");
    assert_eq!(station.new_warnings().await.unwrap(), 1 + u32::from(enrolled.warnings.len() > 1));
    assert_eq!(station.new_warnings().await.unwrap(), 0, "told once");
}
