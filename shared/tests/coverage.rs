//! The coverage rules of DOMAIN.md, one test per rule, on elder and visit rows built by hand.

use std::collections::{BTreeMap, BTreeSet};

use jinlin_shared::coverage::{
    CoverageTotals, ElderCoverage, ModeCounts, MonthlyCoverage, TierCounts, monthly_coverage,
};
use jinlin_shared::elder::{CareTier, ElderStatus, HardshipCategory, SeriousCondition};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::policy::Policy;
use jinlin_shared::time::Date;
use jinlin_shared::visit::{VisitMode, VisitOutcome};

use HardshipCategory::*;
use VisitMode::{Home, Phone, Video};
use VisitOutcome::{MetElder, MetFamilyOnly, NotAtHome};

mod common;

use common::*;

fn run(policy: &Policy, area: &[u8], elders: &[Elder], month_text: &str, as_of: Date) -> MonthlyCoverage {
    let area: BTreeSet<CommunityId> = area.iter().copied().map(community).collect();
    monthly_coverage(month(month_text), &area, elders.iter().map(Elder::input), policy, as_of)
}

/// The default policy over communities 1 and 2.
fn coverage(elders: &[Elder], month_text: &str, as_of: Date) -> MonthlyCoverage {
    run(&Policy::default(), &[1, 2], elders, month_text, as_of)
}

fn counted(coverage: &MonthlyCoverage) -> BTreeSet<ElderId> {
    coverage.elders.iter().map(|e| e.elder_id).collect()
}

fn visited(coverage: &MonthlyCoverage) -> BTreeSet<ElderId> {
    coverage.elders.iter().filter(|e| e.visited_in_month).map(|e| e.elder_id).collect()
}

fn only(coverage: &MonthlyCoverage) -> &ElderCoverage {
    assert_eq!(coverage.elders.len(), 1, "expected exactly one elder in {coverage:#?}");
    &coverage.elders[0]
}

fn ids(elders: &[&Elder]) -> BTreeSet<ElderId> {
    elders.iter().map(|e| e.id()).collect()
}

#[test]
fn months_are_shanghai_calendar_months_so_a_late_utc_evening_belongs_to_the_next_month() {
    let first_of_november = Elder::new(1).met_at_home("2026-10-31T16:30:00Z");
    let first_of_december = Elder::new(2).met_at_home("2026-11-30T16:00:00Z");
    let elders = [first_of_november, first_of_december];

    let october = coverage(&elders, "2026-10", date(2026, 10, 31));
    let november = coverage(&elders, "2026-11", date(2026, 11, 30));
    let december = coverage(&elders, "2026-12", date(2026, 12, 31));

    assert_eq!(visited(&october), BTreeSet::new());
    assert_eq!(visited(&november), ids(&[&elders[0]]));
    assert_eq!(visited(&december), ids(&[&elders[1]]));
    assert_eq!(november.totals.rate, Some(0.5));
}

#[test]
fn an_elder_enrolled_mid_month_counts_and_one_enrolled_after_the_month_does_not() {
    let mid_month = Elder::new(1).enrolled(date(2026, 11, 15));
    let next_month = Elder::new(2).enrolled(date(2026, 12, 1));
    let elders = [mid_month, next_month];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!(counted(&november), ids(&[&elders[0]]));
    assert_eq!(november.totals.denominator, 1);
}

#[test]
fn an_elder_who_moved_away_mid_month_counts_for_that_month_but_not_the_next() {
    let elders = [Elder::new(1).status(ElderStatus::MovedAway, date(2026, 11, 10))];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));
    let december = coverage(&elders, "2026-12", date(2026, 12, 31));

    assert_eq!(counted(&november), ids(&[&elders[0]]));
    assert_eq!(december.totals.denominator, 0);
}

#[test]
fn an_elder_who_moved_away_before_the_month_is_not_counted_but_one_who_left_on_its_first_day_is() {
    let in_october = Elder::new(1).status(ElderStatus::MovedAway, date(2026, 10, 31));
    let on_the_first = Elder::new(2).status(ElderStatus::MovedAway, date(2026, 11, 1));
    let elders = [in_october, on_the_first, Elder::new(3)];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!(counted(&november), ids(&[&elders[1], &elders[2]]));
}

#[test]
fn an_elder_who_died_mid_month_counts_and_one_who_died_before_the_month_does_not() {
    let mid_month = Elder::new(1).status(ElderStatus::Deceased, date(2026, 11, 12));
    let before = Elder::new(2).status(ElderStatus::Deceased, date(2026, 10, 30));
    let elders = [mid_month, before];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!(counted(&november), ids(&[&elders[0]]));
}

#[test]
fn a_hospitalised_elder_counts_and_can_be_overdue() {
    let elders = [Elder::new(1)
        .categories(&[Disabled])
        .status(ElderStatus::Hospitalised, date(2026, 10, 1))
        .visit("2026-10-05T10:00:00+08:00", Home, VisitOutcome::InHospital)
        .met_at_home("2026-09-30T10:00:00+08:00")];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert_eq!(elder.status, Some(ElderStatus::Hospitalised));
    assert_eq!(elder.last_valid_visit_on, Some(date(2026, 9, 30)));
    assert_eq!((elder.days_since, elder.days_overdue), (61, 30));
    assert_eq!(november.totals.overdue_by_tier.key, 1);
}

#[test]
fn an_elder_who_moved_between_communities_counts_for_the_community_holding_them_at_month_end() {
    let elders = [Elder::new(1).met_at_home("2026-11-05T10:00:00+08:00").moves_to(community(2), date(2026, 11, 20))];
    let policy = Policy::default();

    let november_in_old = run(&policy, &[1], &elders, "2026-11", date(2026, 11, 30));
    let november_in_new = run(&policy, &[2], &elders, "2026-11", date(2026, 11, 30));
    let october_in_old = run(&policy, &[1], &elders, "2026-10", date(2026, 10, 31));
    let november_in_both = run(&policy, &[1, 2], &elders, "2026-11", date(2026, 11, 30));

    assert_eq!(november_in_old.totals.denominator, 0);
    assert_eq!((november_in_new.totals.denominator, november_in_new.totals.visited), (1, 1));
    assert_eq!(only(&november_in_new).community, community(2));
    assert_eq!(counted(&october_in_old), ids(&[&elders[0]]));
    assert_eq!(november_in_both.by_community().keys().copied().collect::<Vec<_>>(), vec![community(2)]);
}

#[test]
fn voided_visits_never_count() {
    let elders = [Elder::new(1).met_at_home("2026-11-20T10:00:00+08:00").void_last_visit()];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert!(!elder.visited_in_month);
    assert_eq!(elder.last_valid_visit_on, None);
    assert_eq!(november.totals.valid_visits_by_mode, ModeCounts::default());
}

#[test]
fn a_visit_that_met_only_family_counts_only_for_an_elder_unable_to_communicate() {
    let family_only = "2026-11-20T10:00:00+08:00";
    let unable = Elder::new(1).unable_to_communicate().visit(family_only, Home, MetFamilyOnly);
    let able = Elder::new(2).visit(family_only, Home, MetFamilyOnly);
    let elders = [unable, able];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!(visited(&november), ids(&[&elders[0]]));
    assert_eq!(november.totals.valid_visits_by_mode.home, 1);
}

#[test]
fn phone_and_video_visits_count_but_lower_the_home_visit_share() {
    let elders = [
        Elder::new(1).visit("2026-11-03T10:00:00+08:00", Phone, MetElder),
        Elder::new(2).visit("2026-11-04T10:00:00+08:00", Video, MetElder),
        Elder::new(3).met_at_home("2026-11-05T10:00:00+08:00").met_at_home("2026-11-25T10:00:00+08:00"),
    ];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!((november.totals.visited, november.totals.rate), (3, Some(1.0)));
    assert_eq!(november.totals.valid_visits_by_mode, ModeCounts { home: 2, phone: 1, video: 1 });
    assert_eq!(november.totals.home_visit_share, Some(0.5));
}

#[test]
fn a_visit_that_found_nobody_at_home_does_not_count() {
    let elders = [Elder::new(1).visit("2026-11-20T10:00:00+08:00", Home, NotAtHome)];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!((november.totals.denominator, november.totals.visited), (1, 0));
    assert_eq!(november.totals.rate, Some(0.0));
    assert_eq!(november.totals.home_visit_share, None);
    assert_eq!(only(&november).last_valid_visit_on, None);
}

#[test]
fn elders_in_no_hardship_category_are_not_counted() {
    let elders = [Elder::new(1).categories(&[]).met_at_home("2026-11-20T10:00:00+08:00"), Elder::new(2)];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    assert_eq!(counted(&november), ids(&[&elders[1]]));
    assert_eq!((november.totals.visited, november.totals.valid_visits_by_mode.total()), (0, 0));
}

#[test]
fn an_elder_of_80_living_alone_is_high_risk_and_overdue_after_seven_days() {
    let last_visit = "2026-11-20T10:00:00+08:00";
    let eighty = Elder::new(1).born(date(1946, 11, 15)).categories(&[LivingAlone]).met_at_home(last_visit);
    let seventy_nine = Elder::new(2).born(date(1946, 12, 15)).categories(&[LivingAlone]).met_at_home(last_visit);
    let elders = [eighty, seventy_nine];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let [first, second] = &november.elders[..] else { panic!("expected two elders: {november:#?}") };
    assert_eq!(
        (first.elder_id, first.tier, first.days_since, first.days_overdue),
        (elders[0].id(), CareTier::HighRisk, 10, 3)
    );
    assert_eq!((second.elder_id, second.tier, second.days_overdue), (elders[1].id(), CareTier::General, 0));
    assert_eq!(november.totals.overdue_by_tier, TierCounts { high_risk: 1, key: 0, general: 0 });
}

#[test]
fn a_serious_condition_makes_an_elder_high_risk_at_any_age() {
    let elders = [Elder::new(1)
        .born(date(1956, 3, 1))
        .condition(SeriousCondition::HeartDisease)
        .met_at_home("2026-11-22T10:00:00+08:00")];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert_eq!((elder.tier, elder.days_since, elder.days_overdue), (CareTier::HighRisk, 8, 1));
}

#[test]
fn a_disabled_elder_is_key_and_overdue_after_31_days_counted_from_a_visit_in_an_earlier_month() {
    let elders = [Elder::new(1).categories(&[Disabled]).met_at_home("2026-10-20T10:00:00+08:00")];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert_eq!(elder.tier, CareTier::Key);
    assert_eq!(elder.last_valid_visit_on, Some(date(2026, 10, 20)));
    assert_eq!((elder.visited_in_month, elder.days_since, elder.days_overdue), (false, 41, 10));
}

#[test]
fn other_special_hardship_elders_are_general_and_overdue_after_92_days() {
    let elders = [Elder::new(1).met_at_home("2026-08-01T10:00:00+08:00")];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert_eq!((elder.tier, elder.days_since, elder.days_overdue), (CareTier::General, 121, 29));
    assert_eq!(november.totals.overdue_by_tier.general, 1);
}

#[test]
fn a_supervisor_override_wins_over_the_proposed_tier() {
    let last_visit = "2026-11-20T10:00:00+08:00";
    let lowered = Elder::new(1)
        .born(date(1940, 1, 1))
        .categories(&[LivingAlone])
        .tier_set_to(CareTier::General)
        .met_at_home(last_visit);
    let raised = Elder::new(2).tier_set_to(CareTier::HighRisk).met_at_home(last_visit);
    let elders = [lowered, raised];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let by_id: BTreeMap<ElderId, &ElderCoverage> = november.elders.iter().map(|e| (e.elder_id, e)).collect();
    assert_eq!((by_id[&elders[0].id()].tier, by_id[&elders[0].id()].days_overdue), (CareTier::General, 0));
    assert_eq!((by_id[&elders[1].id()].tier, by_id[&elders[1].id()].days_overdue), (CareTier::HighRisk, 3));
}

#[test]
fn an_elder_never_visited_counts_days_from_enrolment() {
    let elders = [Elder::new(1).categories(&[Disabled]).enrolled(date(2026, 11, 1))];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));
    let mid_december = coverage(&elders, "2026-12", date(2026, 12, 15));

    let (in_november, in_december) = (only(&november), only(&mid_december));
    assert_eq!(in_november.last_valid_visit_on, None);
    assert_eq!((in_november.days_since, in_november.days_overdue), (29, 0));
    assert_eq!((in_december.days_since, in_december.days_overdue), (44, 13));
}

#[test]
fn visits_after_as_of_are_not_the_last_valid_visit() {
    let elders = [Elder::new(1).met_at_home("2026-11-03T10:00:00+08:00").met_at_home("2026-11-25T10:00:00+08:00")];

    let november_so_far = coverage(&elders, "2026-11", date(2026, 11, 20));

    let elder = only(&november_so_far);
    assert_eq!((elder.last_valid_visit_on, elder.days_since), (Some(date(2026, 11, 3)), 17));
}

#[test]
fn an_elder_no_longer_on_the_roster_is_counted_for_the_month_but_never_overdue() {
    let elders = [Elder::new(1)
        .categories(&[Disabled])
        .met_at_home("2026-09-01T10:00:00+08:00")
        .status(ElderStatus::Deceased, date(2026, 11, 10))];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let elder = only(&november);
    assert_eq!((elder.status, elder.days_since, elder.days_overdue), (Some(ElderStatus::Deceased), 90, 0));
    assert_eq!(november.totals.overdue_by_tier.total(), 0);
}

#[test]
fn an_empty_area_has_denominator_zero_and_no_rate() {
    let elders = [Elder::new(1).met_at_home("2026-11-20T10:00:00+08:00")];

    let november = run(&Policy::default(), &[3], &elders, "2026-11", date(2026, 11, 30));

    assert_eq!(november.totals, CoverageTotals::default());
    assert_eq!((november.totals.rate, november.totals.home_visit_share), (None, None));
    assert!(november.elders.is_empty());
    let json = serde_json::to_value(&november).expect("coverage serialises");
    assert_eq!(json["rate"], serde_json::Value::Null);
}

#[test]
fn a_policy_from_toml_with_a_longer_key_interval_lowers_days_overdue() {
    let elders = [Elder::new(1).categories(&[Disabled]).met_at_home("2026-10-20T10:00:00+08:00")];
    let policy = Policy::from_toml("[intervals]\nkeyDays = 35\n").expect("a valid policy");

    let by_default = coverage(&elders, "2026-11", date(2026, 11, 30));
    let by_toml = run(&policy, &[1, 2], &elders, "2026-11", date(2026, 11, 30));

    assert_eq!(only(&by_default).days_overdue, 10);
    assert_eq!(only(&by_toml).days_overdue, 6);
}

#[test]
fn a_policys_version_names_its_content_whatever_the_file_looked_like() {
    let default = Policy::default();
    let written_out = Policy::from_toml("clockSkewMinutes = 10\n[intervals]\nkeyDays = 31\n").expect("a valid policy");
    assert_eq!(written_out.version(), default.version(), "the same rules, spelled out, are the same version");
    let stricter = Policy::from_toml("[intervals]\nkeyDays = 14\n").expect("a valid policy");
    assert_ne!(stricter.version(), default.version());
    let roles = Policy::from_toml("[roles]\nsetTier = [\"admin\"]\n").expect("a valid policy");
    assert_ne!(roles.version(), default.version(), "the role table is part of the policy");
    assert_eq!(default.version().as_str().len(), 16);
}

#[test]
fn elders_are_listed_most_overdue_first_then_by_elder_id() {
    let elders = [
        Elder::new(1).enrolled(date(2026, 11, 1)),
        Elder::new(2).categories(&[Disabled]).met_at_home("2026-10-20T10:00:00+08:00"),
        Elder::new(3).met_at_home("2026-11-20T10:00:00+08:00"),
        Elder::new(4).met_at_home("2026-08-01T10:00:00+08:00"),
    ];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let order: Vec<(ElderId, i64)> = november.elders.iter().map(|e| (e.elder_id, e.days_overdue)).collect();
    let expected = vec![(elders[3].id(), 29), (elders[1].id(), 10), (elders[0].id(), 0), (elders[2].id(), 0)];
    assert_eq!(order, expected);
}

#[test]
fn community_totals_roll_up_to_the_area_totals() {
    let visit = "2026-11-20T10:00:00+08:00";
    let elders = [
        Elder::new(1).met_at_home(visit),
        Elder::new(2),
        Elder::new(3).moves_to(community(2), date(2026, 6, 1)).visit(visit, Phone, MetElder),
    ];

    let november = coverage(&elders, "2026-11", date(2026, 11, 30));
    let communities = november.by_community();

    assert_eq!((communities[&community(1)].denominator, communities[&community(1)].rate), (2, Some(0.5)));
    assert_eq!((communities[&community(2)].denominator, communities[&community(2)].rate), (1, Some(1.0)));
    assert_eq!(CoverageTotals::combine(communities.values()), november.totals);
    assert_eq!(november.totals.rate, Some(2.0 / 3.0));
}

#[test]
fn the_monthly_coverage_round_trips_through_camel_case_json() {
    let elders = [Elder::new(1).categories(&[Disabled]).visit("2026-10-20T10:00:00+08:00", Video, MetElder)];
    let november = coverage(&elders, "2026-11", date(2026, 11, 30));

    let json = serde_json::to_value(&november).expect("coverage serialises");
    let back: MonthlyCoverage = serde_json::from_value(json.clone()).expect("coverage deserialises");

    assert_eq!(back, november);
    assert_eq!(json["month"], "2026-11");
    assert_eq!(json["denominator"], 1);
    assert_eq!(json["overdueByTier"]["key"], 1);
    assert_eq!(json["elders"][0]["lastValidVisitOn"], "2026-10-20");
    assert_eq!(json["elders"][0]["daysOverdue"], 10);
    assert_eq!(json["elders"][0]["tier"], "key");
}
