//! The roster's badges, filters, search and order, on documents built with the
//! document operations and materialised as the workstation does.

use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument, NewVisit};
use jinlin_shared::elder::CareTier;
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::roster::{RosterEntry, RosterFilter, RosterQuery};
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::{RiskLevel, VisitMode, VisitOutcome};

/// 2026-11-20T10:00+08:00.
const NOW: i64 = 1_795_140_000_000;

struct Round {
    rng: Rng,
    community: jinlin_shared::ids::CommunityId,
    now: Timestamp,
}

impl Round {
    fn new() -> Self {
        let mut rng = Rng::new(7);
        let now = Timestamp::from_millis(NOW);
        let community = synthetic::city(&mut rng, 1, now).communities[0];
        Self { rng, community, now }
    }

    /// An elder enrolled a year ago, named `name`, with visits `days_ago` with `risk`.
    fn elder(&mut self, name: &str, visits: &[(i64, RiskLevel)]) -> ElderDocument {
        let year_ago = self.now.plus_hours(-24 * 365);
        let mut enrolment = synthetic::enrolment(&mut self.rng, self.community, year_ago.shanghai_date(), year_ago);
        enrolment.profile.name = name.into();
        let author = synthetic::author(&mut self.rng, year_ago);
        let (mut doc, _) = ElderDocument::enrol(enrolment, &Edit { author, at: year_ago }, ActorId::random())
            .expect("a synthetic enrolment is valid");
        for &(days_ago, risk) in visits {
            let at = self.now.plus_hours(-24 * days_ago);
            let mut visit: NewVisit = synthetic::visit(&mut self.rng, at);
            visit.record.mode = VisitMode::Home;
            visit.record.outcome = VisitOutcome::MetElder;
            visit.record.risk = risk;
            visit.follow_up = (risk == RiskLevel::Red).then(|| jinlin_shared::document::NewFollowUp {
                id: self.rng.follow_up_id(at),
                action: "再次上门".into(),
                due_at: at.plus_hours(24),
            });
            doc.record_visit(&Edit { author, at }, visit, &Policy::default()).expect("a valid visit");
        }
        doc
    }

    fn entry(&self, doc: &ElderDocument) -> RosterEntry {
        RosterEntry::new(&materialise(doc).expect("materialises"), &Policy::default(), self.now)
    }
}

#[test]
fn badges_say_who_was_visited_who_is_due_and_who_is_overdue() {
    let mut round = Round::new();
    let visited = round.elder("王秀英", &[(40, RiskLevel::Green), (3, RiskLevel::Green)]);
    let never = round.elder("陈阿明", &[]);
    let red = round.elder("李桂兰", &[(3, RiskLevel::Red)]);

    let visited = round.entry(&visited);
    assert!(visited.visited_this_month && !visited.due_this_month);
    assert_eq!(visited.days_overdue, 0);
    assert_eq!(visited.latest_risk, Some(RiskLevel::Green));

    let never = round.entry(&never);
    assert!(!never.visited_this_month && never.due_this_month);
    assert_eq!(never.last_valid_visit_on, None);
    assert!(never.days_overdue > 300, "a year without a visit: {} days overdue", never.days_overdue);

    let red = round.entry(&red);
    assert_eq!(red.latest_risk, Some(RiskLevel::Red));
    assert_eq!((red.open_follow_ups, red.follow_ups_past_due), (1, 1));
}

#[test]
fn the_most_urgent_come_first_and_filters_and_search_narrow_the_list() {
    let mut round = Round::new();
    let documents = [
        round.elder("王秀英", &[(3, RiskLevel::Green)]),
        round.elder("陈阿明", &[]),
        round.elder("李桂兰", &[(3, RiskLevel::Red)]),
        round.elder("张建国", &[(20, RiskLevel::Yellow)]),
    ];
    let entries: Vec<RosterEntry> = documents.iter().map(|d| round.entry(d)).collect();
    let names =
        |query: RosterQuery| -> Vec<String> { query.select(entries.clone()).into_iter().map(|e| e.name).collect() };

    assert_eq!(names(RosterQuery::default()), ["李桂兰", "陈阿明", "张建国", "王秀英"]);
    let due = RosterQuery { filters: vec![RosterFilter::DueThisMonth], ..Default::default() };
    assert_eq!(names(due), ["陈阿明", "张建国"]);
    let visited = RosterQuery { filters: vec![RosterFilter::VisitedThisMonth], ..Default::default() };
    assert_eq!(names(visited), ["李桂兰", "王秀英"]);
    let red = RosterQuery { filters: vec![RosterFilter::Risk(RiskLevel::Red)], ..Default::default() };
    assert_eq!(names(red), ["李桂兰"]);
    let by_initials = RosterQuery { search: "Cam".into(), ..Default::default() };
    assert_eq!(names(by_initials), ["陈阿明"]);
    let by_name = RosterQuery { search: "建国".into(), ..Default::default() };
    assert_eq!(names(by_name), ["张建国"]);
    let none =
        RosterQuery { filters: vec![RosterFilter::Overdue, RosterFilter::VisitedThisMonth], ..Default::default() };
    assert_eq!(names(none), Vec::<String>::new());
    let tier = entries[1].tier;
    let same_tier = RosterQuery { filters: vec![RosterFilter::Tier(tier)], ..Default::default() };
    assert!(names(same_tier).contains(&"陈阿明".to_owned()));
    assert!(matches!(tier, CareTier::HighRisk | CareTier::Key | CareTier::General));
}

#[test]
fn search_finds_an_elder_by_any_reading_of_a_heteronym_in_the_name() {
    let mut round = Round::new();
    let documents = [round.elder("曾文彬", &[]), round.elder("王秀英", &[])];
    let entries: Vec<RosterEntry> = documents.iter().map(|d| round.entry(d)).collect();
    let found = |search: &str| -> Vec<String> {
        let query = RosterQuery { search: search.into(), ..Default::default() };
        query.select(entries.clone()).into_iter().map(|e| e.name).collect()
    };

    for search in ["zwb", "cwb", "CWB", " zw ", "曾", "文彬"] {
        assert_eq!(found(search), ["曾文彬"], "searching {search:?}");
    }
    assert_eq!(found("xwb"), Vec::<String>::new());
    assert_eq!(found("wxy"), ["王秀英"]);
}
