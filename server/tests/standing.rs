//! An elder's status and community over time, against the real server on SQLite and
//! PostgreSQL: the monthly report's denominator follows DOMAIN.md's rule, each case
//! with dates on both sides of a month boundary (enrolled by the month's last day;
//! not moved away or deceased before its first; hospitalised still counted; active
//! again; moved between communities, counted where the month ends).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{Backend, Client, TestServer, now, push_whole};
use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::elder::{ElderStatus, HardshipCategory};
use jinlin_shared::ids::{CommunityId, ElderId, EntryId};
use jinlin_shared::report::MonthlyReport;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Date;

fn day(text: &str) -> Date {
    Date::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn entry(seed: u64, n: u8) -> EntryId {
    EntryId::from_parts(1_780_000_000_000 + seed, [n; 10])
}

/// What happens to one elder: enrolled on a day in `home`, then each event in order.
enum Event {
    Status(ElderStatus, &'static str),
    Move(CommunityId, &'static str),
}

fn elder(admin: &Client, seed: u64, home: CommunityId, enrolled: &str, events: &[Event]) -> ElderDocument {
    let edit = Edit { author: admin.author(), at: now() };
    let mut enrolment = synthetic::enrolment(&mut Rng::new(seed), home, day(enrolled), now());
    enrolment.profile.categories.insert(HardshipCategory::LivingAlone);
    let (mut doc, _) = ElderDocument::enrol(enrolment, &edit, ActorId::random()).unwrap();
    for (n, event) in events.iter().enumerate() {
        let n = n as u8 + 1;
        match *event {
            Event::Status(status, on) => doc.change_status(&edit, entry(seed, n), status, day(on), "").unwrap(),
            Event::Move(to, on) => doc.move_to_community(&edit, entry(seed, n), to, day(on)).unwrap(),
        };
    }
    doc
}

/// The elders a month's report of `area` counts (none was visited, so every one
/// counted is listed as not visited).
async fn counted(client: &Client, month: &str, area: &str) -> BTreeSet<ElderId> {
    let response = client.get(&format!("/reports/monthly?month={month}&area={area}")).await;
    assert_eq!(response.status(), 200);
    let report: MonthlyReport = response.json().await.unwrap();
    let denominator = report.summary[0].totals.denominator as usize;
    let listed: BTreeSet<ElderId> = report.not_visited.iter().map(|line| line.elder_id).collect();
    assert_eq!(listed.len(), denominator, "{month} {area}: every counted elder is unvisited");
    listed
}

async fn the_denominator_follows_effective_dates_across_month_boundaries(backend: Backend) {
    use ElderStatus::*;
    use Event::*;
    let server = TestServer::start(backend).await;
    let admin = Client::sign_in(&server, "admin").await;
    let (a, b) = (server.community("350203001001"), server.community("350203001002"));
    let cases = [
        ("enrolled on October's last day", elder(&admin, 1, a, "2026-10-31", &[])),
        ("enrolled on November's first day", elder(&admin, 2, a, "2026-11-01", &[])),
        ("died on October 1st", elder(&admin, 3, a, "2026-01-05", &[Status(Deceased, "2026-10-01")])),
        ("died on September 30th", elder(&admin, 4, a, "2026-01-05", &[Status(Deceased, "2026-09-30")])),
        ("moved away on October 1st", elder(&admin, 5, a, "2026-01-05", &[Status(MovedAway, "2026-10-01")])),
        ("moved away on September 30th", elder(&admin, 6, a, "2026-01-05", &[Status(MovedAway, "2026-09-30")])),
        ("in hospital since September", elder(&admin, 7, a, "2026-01-05", &[Status(Hospitalised, "2026-09-15")])),
        (
            "away from August, back on October 31st",
            elder(&admin, 8, a, "2026-01-05", &[Status(MovedAway, "2026-08-01"), Status(Active, "2026-10-31")]),
        ),
        ("moved to the other community on October 15th", elder(&admin, 9, a, "2026-01-05", &[Move(b, "2026-10-15")])),
        ("moved to the other community on November 1st", elder(&admin, 10, a, "2026-01-05", &[Move(b, "2026-11-01")])),
    ];
    push_whole(&admin, cases.iter().map(|(_, doc)| doc)).await;
    let id = |n: usize| cases[n - 1].1.elder_id();
    let expect = |ids: &[usize]| ids.iter().map(|&n| id(n)).collect::<BTreeSet<_>>();

    // (month, community, the cases it counts): each case is on one side of a boundary.
    let expected = [
        ("2026-09", "350203001001", expect(&[3, 4, 5, 6, 7, 9, 10])),
        ("2026-09", "350203001002", expect(&[])),
        ("2026-10", "350203001001", expect(&[1, 3, 5, 7, 8, 10])),
        ("2026-10", "350203001002", expect(&[9])),
        ("2026-11", "350203001001", expect(&[1, 2, 7, 8])),
        ("2026-11", "350203001002", expect(&[9, 10])),
    ];
    for (month, area, wanted) in expected {
        let got = counted(&admin, month, area).await;
        let name = |ids: &BTreeSet<ElderId>| -> Vec<&str> {
            cases.iter().filter(|(_, doc)| ids.contains(&doc.elder_id())).map(|(what, _)| *what).collect()
        };
        assert_eq!(name(&got), name(&wanted), "{month} in {area}");
    }
    // The street counts each elder once, wherever the month ended.
    let street = counted(&admin, "2026-10", "350203001").await;
    assert_eq!(street, expect(&[1, 3, 5, 7, 8, 9, 10]));
    server.stop().await;
}
on_both_databases!(
    the_denominator_follows_effective_dates,
    super::the_denominator_follows_effective_dates_across_month_boundaries
);
