//! Builders shared by the shared crate's integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use jinlin_shared::ActorId;
use jinlin_shared::author::Author;
use jinlin_shared::document::{ElderDocument, Enrolment, NewVisit};
use jinlin_shared::ids::{AreaId, DeviceId, UserId};
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::{Date, Timestamp};

/// 2026-11-01T00:00:00+08:00.
pub const NOV_1: i64 = 1_793_462_400_000;

pub fn at_minutes(minutes: i64) -> Timestamp {
    Timestamp::from_millis(NOV_1).plus_minutes(minutes)
}

pub fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).unwrap()
}

/// Actor ids must differ per process start; tests number them.
pub fn actor(n: u8) -> ActorId {
    ActorId::from(vec![n; 16])
}

pub fn author(n: u8) -> Author {
    Author {
        user: UserId::from_parts(1_700_000_000_000, [n; 10]),
        device: DeviceId::from_parts(1_700_000_000_001, [n; 10]),
    }
}

pub fn edit(n: u8, minutes: i64) -> jinlin_shared::document::Edit {
    jinlin_shared::document::Edit { author: author(n), at: at_minutes(minutes) }
}

pub fn community(n: u8) -> AreaId {
    AreaId::from_parts(1_600_000_000_000, [n; 10])
}

pub fn enrolment(seed: u64) -> Enrolment {
    let mut rng = Rng::new(seed);
    let mut enrolment = synthetic::enrolment(&mut rng, community(1), date(2025, 1, 10), at_minutes(-1000));
    enrolment.profile.phone = Some("13900000000".into());
    enrolment
}

/// A freshly enrolled elder's document, made by author 1 on actor 1.
pub fn enrolled(seed: u64) -> ElderDocument {
    ElderDocument::enrol(enrolment(seed), &edit(1, -1000), actor(1)).unwrap().0
}

/// A plausible green visit (no follow-up needed) at `minutes` after 1 November.
pub fn green_visit(seed: u64, minutes: i64) -> NewVisit {
    let mut rng = Rng::new(seed);
    let mut visit = synthetic::visit(&mut rng, at_minutes(minutes));
    visit.record.risk = jinlin_shared::visit::RiskLevel::Green;
    visit.follow_up = None;
    visit
}

/// A replica of `doc` on another process.
pub fn replica(doc: &ElderDocument, n: u8) -> ElderDocument {
    ElderDocument::load(&doc.save(), actor(n)).unwrap()
}
