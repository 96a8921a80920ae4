//! Test elders and visits, made through the document calls a workstation makes, from
//! the seeded synthetic city (`jinlin_shared::synthetic`), so a seed gives the same
//! elder every run.

use jinlin_shared::ActorId;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, NewVisit};
use jinlin_shared::ids::{CommunityId, VisitId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::visit::{Checks, RiskLevel, VisitMode, VisitOutcome, VisitRecord};

/// A newly enrolled elder of `community`, authored by `author` at `at` (enrolled that
/// day), on an actor of its own.
pub fn enrolled(author: Author, community: CommunityId, seed: u64, at: Timestamp) -> ElderDocument {
    let mut rng = Rng::new(seed);
    let enrolment = synthetic::enrolment(&mut rng, community, at.shanghai_date(), at);
    ElderDocument::enrol(enrolment, &Edit { author, at }, ActorId::random()).unwrap().0
}

/// A plausible green visit at `visited_at`: nothing needs following up.
pub fn green_visit(seed: u64, visited_at: Timestamp) -> NewVisit {
    let mut rng = Rng::new(seed);
    let mut visit = synthetic::visit(&mut rng, visited_at);
    visit.record.risk = RiskLevel::Green;
    visit.follow_up = None;
    visit
}

/// Records [`green_visit`] on `doc`, as `author` at `at`, under the default policy.
pub fn record_green_visit(
    doc: &mut ElderDocument,
    author: Author,
    seed: u64,
    visited_at: Timestamp,
    at: Timestamp,
) -> VisitId {
    let visit = green_visit(seed, visited_at);
    let id = visit.id;
    doc.record_visit(&Edit { author, at }, visit, &Policy::default()).unwrap();
    id
}

/// A home visit that met the elder, every check left unchecked, green, with `notes`.
pub fn home_visit(notes: &str) -> VisitRecord {
    VisitRecord {
        mode: VisitMode::Home,
        outcome: VisitOutcome::MetElder,
        checks: Checks::not_checked(),
        risk: RiskLevel::Green,
        referrals: Default::default(),
        incident: None,
        notes: notes.into(),
    }
}
