//! Elder and visit rows built by hand, one fact at a time, for the coverage and
//! report tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate};
use jinlin_shared::author::Author;
use jinlin_shared::coverage::ElderCoverageInput;
use jinlin_shared::elder::{
    CareTier, ElderStatus, Gender, HardshipCategory, LivingArrangement, Placement, Profile, SeriousCondition,
    StatusChange, TierOverride,
};
use jinlin_shared::ids::{CommunityId, DeviceId, ElderId, FollowUpId, UserId, VisitId};
use jinlin_shared::materialise::{ElderRow, ElderRows, FollowUpRow, VisitRow};
use jinlin_shared::time::{Date, Month, Timestamp};
use jinlin_shared::visit::{Checks, RiskLevel, Visit, VisitMode, VisitOutcome, VisitRecord, VisitVoid};

use HardshipCategory::*;
use VisitMode::Home;
use VisitOutcome::MetElder;

pub const ID_MILLIS: u64 = 1_700_000_000_000;

pub fn date(year: i32, month: u32, day: u32) -> Date {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date")
}

pub fn at(rfc3339: &str) -> Timestamp {
    let instant = DateTime::parse_from_rfc3339(rfc3339).expect("an RFC 3339 test instant");
    Timestamp::from_millis(instant.timestamp_millis())
}

pub fn month(text: &str) -> Month {
    text.parse().expect("a YYYY-MM test month")
}

pub fn community(n: u8) -> CommunityId {
    CommunityId::from_parts(ID_MILLIS, [n; 10])
}

pub fn author() -> Author {
    Author { user: UserId::from_parts(ID_MILLIS, [1; 10]), device: DeviceId::from_parts(ID_MILLIS, [2; 10]) }
}

/// An elder with their visits. `Elder::new(n)` is on the roster of community 1 since
/// 2026-01-01, aged 76, on minimum living allowance only (special-hardship, general
/// tier) and able to communicate; the other methods change one fact each.
#[derive(Debug)]
pub struct Elder {
    /// The number the elder's ids are made from.
    pub n: u8,
    pub row: ElderRow,
    pub visits: Vec<VisitRow>,
    pub follow_ups: Vec<FollowUpRow>,
}

impl Elder {
    pub fn new(n: u8) -> Self {
        let enrolled_on = date(2026, 1, 1);
        let profile = Profile {
            name: format!("老人{n}"),
            gender: Gender::Female,
            birth_date: date(1950, 6, 15),
            id_number_masked: None,
            phone: None,
            address: String::new(),
            living_arrangement: LivingArrangement::Alone,
            categories: [MinimumLivingAllowance].into(),
            conditions: BTreeSet::new(),
            unable_to_communicate: false,
            emergency_contacts: BTreeMap::new(),
            notes: String::new(),
        };
        let row = ElderRow {
            elder_id: ElderId::from_parts(ID_MILLIS, [n; 10]),
            community: community(1),
            enrolled_on,
            profile,
            status: ElderStatus::Active,
            status_history: Vec::new(),
            placements: Vec::new(),
            tier_override: None,
        };
        Self { n, row, visits: Vec::new(), follow_ups: Vec::new() }
            .status(ElderStatus::Active, enrolled_on)
            .moves_to(community(1), enrolled_on)
    }

    pub fn id(&self) -> ElderId {
        self.row.elder_id
    }

    /// Enrolment moves the first status and the first placement with it.
    pub fn enrolled(mut self, on: Date) -> Self {
        self.row.enrolled_on = on;
        self.row.status_history[0].effective_on = on;
        self.row.placements[0].effective_on = on;
        self
    }

    pub fn born(mut self, on: Date) -> Self {
        self.row.profile.birth_date = on;
        self
    }

    pub fn categories(mut self, categories: &[HardshipCategory]) -> Self {
        self.row.profile.categories = categories.iter().copied().collect();
        self
    }

    pub fn condition(mut self, condition: SeriousCondition) -> Self {
        self.row.profile.conditions.insert(condition);
        self
    }

    pub fn unable_to_communicate(mut self) -> Self {
        self.row.profile.unable_to_communicate = true;
        self
    }

    pub fn tier_set_to(mut self, tier: CareTier) -> Self {
        let reason = "督导调整".into();
        self.row.tier_override =
            Some(TierOverride { tier, reason, set_at: at("2026-09-01T09:00:00+08:00"), set_by: author() });
        self
    }

    pub fn status(mut self, status: ElderStatus, effective_on: Date) -> Self {
        let (recorded_at, recorded_by) = (at("2026-01-01T09:00:00+08:00"), author());
        self.row.status_history.push(StatusChange {
            status,
            effective_on,
            note: String::new(),
            recorded_at,
            recorded_by,
        });
        self.row.status = status;
        self
    }

    pub fn moves_to(mut self, community: CommunityId, effective_on: Date) -> Self {
        let (recorded_at, recorded_by) = (at("2026-01-01T09:00:00+08:00"), author());
        self.row.placements.push(Placement { community, effective_on, recorded_at, recorded_by });
        self.row.community = community;
        self
    }

    pub fn visit(mut self, visited_at: &str, mode: VisitMode, outcome: VisitOutcome) -> Self {
        let visited_at = at(visited_at);
        let nth = u8::try_from(self.visits.len()).expect("few visits per test elder");
        let visit = Visit {
            assistant: author().user,
            device: author().device,
            visited_at,
            recorded_at: visited_at,
            record: VisitRecord {
                mode,
                outcome,
                checks: Checks::not_checked(),
                risk: RiskLevel::Green,
                referrals: BTreeMap::new(),
                incident: None,
                notes: String::new(),
            },
            void: None,
        };
        // Unique across elders: the elder's number, then the visit's.
        let mut tail = [nth; 10];
        tail[0] = self.n;
        let visit_id = VisitId::from_parts(ID_MILLIS, tail);
        self.visits.push(VisitRow { elder_id: self.row.elder_id, visit_id, visit });
        self
    }

    /// A home visit that met the elder: the ordinary valid visit.
    pub fn met_at_home(self, visited_at: &str) -> Self {
        self.visit(visited_at, Home, MetElder)
    }

    pub fn void_last_visit(mut self) -> Self {
        let void = VisitVoid { reason: "录错老人".into(), at: at("2026-11-21T09:00:00+08:00"), by: author() };
        if let Some(row) = self.visits.last_mut() {
            row.visit.void = Some(void);
        }
        self
    }

    pub fn input(&self) -> ElderCoverageInput<'_> {
        ElderCoverageInput { elder: &self.row, visits: &self.visits }
    }
}

impl Elder {
    /// The last visit found red risk.
    pub fn red(mut self) -> Self {
        if let Some(row) = self.visits.last_mut() {
            row.visit.record.risk = RiskLevel::Red;
        }
        self
    }

    /// The last visit found an incident.
    pub fn incident(mut self, kind: jinlin_shared::visit::IncidentKind, note: &str) -> Self {
        if let Some(row) = self.visits.last_mut() {
            row.visit.record.incident = Some(jinlin_shared::visit::Incident { kind, note: note.into() });
        }
        self
    }

    pub fn name(mut self, name: &str) -> Self {
        self.row.profile.name = name.into();
        self
    }

    pub fn phone(mut self, phone: &str) -> Self {
        self.row.profile.phone = Some(phone.into());
        self
    }

    pub fn last_visit(&self) -> &VisitRow {
        self.visits.last().expect("a visit")
    }
}

/// A user id from a number, for authors and assistants.
pub fn user(n: u8) -> UserId {
    UserId::from_parts(ID_MILLIS, [n; 10])
}

impl Elder {
    /// Held by `community` since enrolment (instead of community 1).
    pub fn lives_in(mut self, community: CommunityId) -> Self {
        self.row.placements[0].community = community;
        self.row.community = community;
        self
    }
}

impl Elder {
    /// The elder's rows, as a document would materialise them.
    pub fn rows(&self) -> ElderRows {
        ElderRows {
            elder: self.row.clone(),
            visits: self.visits.clone(),
            follow_ups: self.follow_ups.clone(),
            conflicts: Vec::new(),
            insurance_cases: Vec::new(),
        }
    }

    /// A follow-up of the last visit due at `due_at`, resolved (by a note) or open.
    pub fn follow_up(mut self, due_at: &str, resolved: bool) -> Self {
        let nth = u8::try_from(self.follow_ups.len()).expect("few follow-ups per test elder");
        let mut tail = [nth; 10];
        tail[0] = self.n;
        let due_at = at(due_at);
        let resolution = resolved.then(|| jinlin_shared::visit::FollowUpResolution {
            at: due_at.plus_hours(-1),
            by: author(),
            visit: None,
            note: "已电话确认".into(),
        });
        let follow_up = jinlin_shared::visit::FollowUp {
            origin_visit: self.visits.last().map(|v| v.visit_id),
            action: "复诊".into(),
            due_at,
            created_at: due_at.plus_hours(-24),
            created_by: author(),
            resolution,
        };
        self.follow_ups.push(FollowUpRow {
            elder_id: self.row.elder_id,
            follow_up_id: FollowUpId::from_parts(ID_MILLIS, tail),
            follow_up,
        });
        self
    }
}
