//! Jinlin's pure core, shared by the sync server and the workstation.
//!
//! It holds the domain (elders, visits, areas, the visit policy), the elder document
//! on Automerge and its rules, materialisation of documents into rows, the coverage
//! rules, and the sync wire types. It does no IO, reads no clock and draws no random
//! numbers: callers pass times, ids and actor ids in. That keeps it identical on both
//! sides of the wire and testable by property tests.
//!
//! Two workstations record visits to one elder while apart; after exchanging changes
//! they hold the same document and the same rows:
//!
//! ```
//! use jinlin_shared::ActorId;
//! use jinlin_shared::document::{Edit, ElderDocument};
//! use jinlin_shared::materialise::materialise;
//! use jinlin_shared::policy::Policy;
//! use jinlin_shared::synthetic::{self, Rng};
//! use jinlin_shared::time::Timestamp;
//!
//! let mut rng = Rng::new(1);
//! let now = Timestamp::from_millis(1_793_462_400_000); // 2026-11-01T00:00+08:00
//! let community = synthetic::city(&mut rng, 1, now).communities[0];
//! let enrolment = synthetic::enrolment(&mut rng, community, now.shanghai_date(), now);
//! let (assistant_a, assistant_b) = (synthetic::author(&mut rng, now), synthetic::author(&mut rng, now));
//!
//! let edit = Edit { author: assistant_a, at: now };
//! let (mut a, _) = ElderDocument::enrol(enrolment, &edit, ActorId::from(vec![1; 16])).unwrap();
//! let mut b = ElderDocument::load(&a.save(), ActorId::from(vec![2; 16])).unwrap();
//!
//! let later = now.plus_hours(2);
//! let visit_a = synthetic::visit(&mut rng, later);
//! let visit_b = synthetic::visit(&mut rng, later);
//! a.record_visit(&Edit { author: assistant_a, at: later }, visit_a, &Policy::default()).unwrap();
//! b.record_visit(&Edit { author: assistant_b, at: later }, visit_b, &Policy::default()).unwrap();
//!
//! let from_a = a.changes_since(&[]);
//! let from_b = b.changes_since(&[]);
//! a.apply_changes(&from_b).unwrap();
//! b.apply_changes(&from_a).unwrap();
//! assert_eq!(a.heads(), b.heads());
//! assert_eq!(materialise(&a).unwrap(), materialise(&b).unwrap());
//! assert_eq!(a.record().visits.len(), 2);
//! ```

pub mod alert;
pub mod area;
pub mod author;
pub mod authority;
pub mod coverage;
pub mod document;
pub mod elder;
pub mod ids;
pub mod insurance;
pub mod label;
pub mod limits;
pub mod materialise;
pub mod policy;
pub mod privacy;
pub mod report;
pub mod roles;
pub mod roster;
pub mod roster_file;
pub mod set_as_map;
pub mod sheets;
pub mod synthetic;
pub mod time;
pub mod user;
pub mod validate;
pub mod visit;
pub mod warning;
pub mod wire;

pub use automerge::{ActorId, ChangeHash};
