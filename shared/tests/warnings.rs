//! The early-warning rules of DOMAIN.md, one test per rule, with instants on both sides
//! of each boundary (the warning day, the escalation, the high-risk interval, a
//! follow-up's due time), and the promise the server's sweep rests on: warnings do not
//! change between now and the next check unless a change arrives.

use jinlin_shared::elder::{ElderStatus, HardshipCategory};
use jinlin_shared::policy::Policy;
use jinlin_shared::roster::{AssistantDay, RosterEntry, RosterFilter, RosterQuery};
use jinlin_shared::synthetic::Rng;
use jinlin_shared::time::Timestamp;
use jinlin_shared::warning::{ElderWarnings, WarningClosure, WarningLevel, WarningReason, closure, warnings};

mod common;

use common::*;

fn reasons(found: &ElderWarnings) -> Vec<WarningReason> {
    found.warnings.iter().map(|w| w.reason).collect()
}

fn seen(elder: &Elder, instant: &str) -> ElderWarnings {
    warnings(&elder.rows(), &Policy::default(), at(instant))
}

#[test]
fn an_unvisited_elder_is_due_from_the_twentieth_not_before() {
    let elder = Elder::new(1).met_at_home("2026-10-05T10:00:00+08:00");

    let on_the_19th = seen(&elder, "2026-11-19T23:59:59+08:00");
    let on_the_20th = seen(&elder, "2026-11-20T00:00:00+08:00");

    assert_eq!(reasons(&on_the_19th), []);
    assert_eq!(on_the_19th.next_check, Some(at("2026-11-20T00:00:00+08:00")));
    assert_eq!(reasons(&on_the_20th), [WarningReason::Unvisited]);
    assert_eq!(on_the_20th.warnings[0].since, at("2026-11-20T00:00:00+08:00"));
}

#[test]
fn a_valid_visit_this_month_ends_the_warning_and_the_next_one_is_next_months_twentieth() {
    let elder = Elder::new(1).met_at_home("2026-11-21T10:00:00+08:00");

    let found = seen(&elder, "2026-11-21T10:05:00+08:00");

    assert_eq!(reasons(&found), []);
    assert_eq!(found.next_check, Some(at("2026-12-20T00:00:00+08:00")));
}

#[test]
fn a_visit_that_does_not_count_leaves_the_elder_due() {
    let family_only = Elder::new(1).visit(
        "2026-11-21T10:00:00+08:00",
        jinlin_shared::visit::VisitMode::Home,
        jinlin_shared::visit::VisitOutcome::MetFamilyOnly,
    );
    let voided = Elder::new(2).met_at_home("2026-11-21T10:00:00+08:00").void_last_visit();

    assert_eq!(reasons(&seen(&family_only, "2026-11-22T10:00:00+08:00")), [WarningReason::Unvisited]);
    assert_eq!(reasons(&seen(&voided, "2026-11-22T10:00:00+08:00")), [WarningReason::Unvisited]);
}

#[test]
fn the_warning_escalates_to_the_district_five_days_after_it_opened() {
    let elder = Elder::new(1).met_at_home("2026-10-05T10:00:00+08:00");

    let warning = seen(&elder, "2026-11-22T10:00:00+08:00").warnings.remove(0);

    assert_eq!(warning.escalates_at, at("2026-11-25T00:00:00+08:00"));
    assert_eq!(warning.level(at("2026-11-24T23:59:59+08:00")), WarningLevel::Street);
    assert_eq!(warning.level(at("2026-11-25T00:00:00+08:00")), WarningLevel::District);
}

#[test]
fn an_elder_left_unvisited_through_a_month_stays_due_and_escalated_into_the_next() {
    let elder = Elder::new(1).met_at_home("2026-09-05T10:00:00+08:00");

    let found = seen(&elder, "2026-11-02T10:00:00+08:00");

    assert_eq!(reasons(&found), [WarningReason::Unvisited]);
    assert_eq!(found.warnings[0].since, at("2026-10-20T00:00:00+08:00"));
    assert_eq!(found.warnings[0].level(at("2026-11-02T10:00:00+08:00")), WarningLevel::District);
}

#[test]
fn an_elder_enrolled_after_the_warning_day_is_due_from_enrolment() {
    let elder = Elder::new(1).enrolled(date(2026, 11, 24));

    let on_the_23rd = seen(&elder, "2026-11-23T12:00:00+08:00");
    let on_the_24th = seen(&elder, "2026-11-24T00:00:00+08:00");

    assert_eq!(reasons(&on_the_23rd), []);
    assert_eq!(on_the_23rd.next_check, Some(at("2026-11-24T00:00:00+08:00")));
    assert_eq!(on_the_24th.warnings[0].since, at("2026-11-24T00:00:00+08:00"));
}

#[test]
fn a_high_risk_elder_warns_the_day_after_the_weekly_interval_runs_out() {
    let elder = Elder::new(1)
        .born(date(1940, 1, 1))
        .categories(&[HardshipCategory::LivingAlone])
        .met_at_home("2026-11-02T10:00:00+08:00");

    let day_seven = seen(&elder, "2026-11-09T23:00:00+08:00");
    let day_eight = seen(&elder, "2026-11-10T00:00:00+08:00");

    assert_eq!(reasons(&day_seven), []);
    assert_eq!(day_seven.next_check, Some(at("2026-11-10T00:00:00+08:00")));
    assert_eq!(reasons(&day_eight), [WarningReason::HighRiskOverdue]);
}

#[test]
fn a_follow_up_warns_once_past_its_due_time_and_not_once_resolved() {
    let open = Elder::new(1).met_at_home("2026-11-02T10:00:00+08:00").follow_up("2026-11-03T10:00:00+08:00", false);
    let resolved = Elder::new(2).met_at_home("2026-11-02T10:00:00+08:00").follow_up("2026-11-03T10:00:00+08:00", true);

    let at_due = seen(&open, "2026-11-03T10:00:00+08:00");
    let past_due = seen(&open, "2026-11-03T10:00:01+08:00");

    assert_eq!(reasons(&at_due), []);
    assert!(at_due.next_check.is_some_and(|next| next <= at("2026-11-03T10:00:01+08:00")));
    assert_eq!(reasons(&past_due), [WarningReason::FollowUpOverdue]);
    assert_eq!(reasons(&seen(&resolved, "2026-11-04T10:00:00+08:00")), []);
}

#[test]
fn an_elder_off_the_roster_has_no_warnings_and_theirs_close_as_left() {
    let elder =
        Elder::new(1).met_at_home("2026-09-05T10:00:00+08:00").status(ElderStatus::Deceased, date(2026, 11, 10));

    let before = seen(&elder, "2026-11-09T12:00:00+08:00");
    let after = seen(&elder, "2026-11-10T12:00:00+08:00");

    assert_eq!(reasons(&before), [WarningReason::Unvisited]);
    assert_eq!(before.next_check, Some(at("2026-11-10T00:00:00+08:00")));
    assert_eq!(reasons(&after), []);
    let how = closure(&elder.rows(), WarningReason::Unvisited, &Policy::default(), at("2026-11-10T12:00:00+08:00"));
    assert_eq!(how, WarningClosure::LeftRoster);
}

#[test]
fn a_hospitalised_elder_is_still_due() {
    let elder =
        Elder::new(1).met_at_home("2026-10-05T10:00:00+08:00").status(ElderStatus::Hospitalised, date(2026, 11, 3));

    assert_eq!(reasons(&seen(&elder, "2026-11-20T08:00:00+08:00")), [WarningReason::Unvisited]);
}

#[test]
fn the_warning_day_and_escalation_are_the_policys() {
    let policy = Policy::from_toml("[warnings]\nwarningDay = 15\nescalateAfterDays = 2\n").unwrap();
    let elder = Elder::new(1).met_at_home("2026-10-05T10:00:00+08:00");

    let found = warnings(&elder.rows(), &policy, at("2026-11-15T08:00:00+08:00"));

    assert_eq!(found.warnings[0].since, at("2026-11-15T00:00:00+08:00"));
    assert_eq!(found.warnings[0].escalates_at, at("2026-11-17T00:00:00+08:00"));
    assert!(Policy::from_toml("[warnings]\nwarningDay = 29\n").is_err(), "not every month has a 29th");
    assert!(Policy::from_toml("[warnings]\nwarningDay = 0\n").is_err());
    assert!(Policy::from_toml("[warnings]\nescalateAfterDays = -1\n").is_err());
}

/// The promise the server's sweep keeps: with no new change, an elder's warnings at
/// any instant before the next check are those seen now. Random elders (tiers,
/// statuses, visits, follow-ups), random instants across two years.
#[test]
fn warnings_do_not_change_before_the_next_check() {
    let policy = Policy::default();
    let mut rng = Rng::new(25);
    for n in 0..1_500u32 {
        let elder = random_elder(&mut rng, (n % 250) as u8);
        let rows = elder.rows();
        let start = at("2026-01-01T00:00:00+08:00").as_millis();
        let now = Timestamp::from_millis(start + rng.below(700 * 86_400_000) as i64);
        let found = warnings(&rows, &policy, now);
        let until = found.next_check.map_or(now.as_millis() + 400 * 86_400_000, Timestamp::as_millis);
        for _ in 0..12 {
            let later =
                Timestamp::from_millis(now.as_millis() + rng.below((until - now.as_millis()).max(1) as u64) as i64);
            let seen_later = warnings(&rows, &policy, later);
            assert_eq!(
                seen_later.warnings, found.warnings,
                "elder {n} at {now:?}, again at {later:?} (next {:?})",
                found.next_check
            );
        }
        if let Some(next) = found.next_check {
            assert!(next > now, "the next check lies ahead");
        }
    }
}

/// An elder of any tier, sometimes turning 80 or leaving the roster, with visits and
/// follow-ups at random times of 2026 and 2027.
fn random_elder(rng: &mut Rng, n: u8) -> Elder {
    fn day(rng: &mut Rng, year: i32) -> jinlin_shared::time::Date {
        let month = 1 + rng.below(12) as u32;
        date(year, month, 1 + rng.below(28) as u32)
    }
    let enrolled = day(rng, 2026);
    let mut elder = Elder::new(n).enrolled(enrolled);
    elder = match rng.below(4) {
        0 => elder.born(date(1940, 5, 5)).categories(&[HardshipCategory::LivingAlone]),
        1 => elder.born(date(1946, 1 + rng.below(12) as u32, 9)).categories(&[HardshipCategory::EmptyNest]),
        2 => elder.tier_set_to(jinlin_shared::elder::CareTier::HighRisk),
        _ => elder,
    };
    for _ in 0..rng.below(8) {
        let year = 2026 + rng.below(2) as i32;
        let when = day(rng, year);
        let text = format!("{when}T{:02}:30:00+08:00", 8 + rng.below(10));
        elder = if rng.chance(80) {
            elder.met_at_home(&text)
        } else {
            elder.visit(&text, jinlin_shared::visit::VisitMode::Phone, jinlin_shared::visit::VisitOutcome::NotAtHome)
        };
        if rng.chance(30) {
            let year = 2026 + rng.below(2) as i32;
            let due = day(rng, year);
            elder = elder.follow_up(&format!("{due}T18:00:00+08:00"), rng.chance(50));
        }
    }
    if rng.chance(25) {
        let status = *rng.pick(&[ElderStatus::Hospitalised, ElderStatus::MovedAway, ElderStatus::Deceased]);
        let year = 2026 + rng.below(2) as i32;
        elder = elder.status(status, day(rng, year));
    }
    elder
}

#[test]
fn the_assistants_day_counts_what_is_due_this_week_overdue_and_follow_ups_by_the_same_rules() {
    let policy = Policy::default();
    let now = at("2026-11-16T09:00:00+08:00");
    let elders = [
        // Visited in October: due on the 20th, within the week.
        Elder::new(1).met_at_home("2026-10-05T10:00:00+08:00"),
        // Not visited since September: overdue since 20 October.
        Elder::new(2).met_at_home("2026-09-05T10:00:00+08:00"),
        // Visited this month: nothing.
        Elder::new(3).met_at_home("2026-11-02T10:00:00+08:00"),
        // Visited this month, a follow-up past due.
        Elder::new(4).met_at_home("2026-11-02T10:00:00+08:00").follow_up("2026-11-10T18:00:00+08:00", false),
    ];
    let entries: Vec<RosterEntry> = elders.iter().map(|e| RosterEntry::new(&e.rows(), &policy, now)).collect();

    assert_eq!(AssistantDay::of(&entries), AssistantDay { due_this_week: 1, overdue: 1, follow_ups_due: 1 });
    assert!(entries[0].due_this_week && entries[0].warnings.is_empty());
    assert_eq!(entries[1].warnings, [WarningReason::Unvisited]);
    assert!(!entries[1].due_this_week, "already overdue is not due this week");
    assert_eq!(entries[3].warnings, [WarningReason::FollowUpOverdue]);
    let overdue = RosterQuery { filters: vec![RosterFilter::Overdue], search: String::new() };
    assert_eq!(overdue.select(entries.clone()).len(), 1);
}
