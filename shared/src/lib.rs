//! Jinlin's pure core, shared by the sync server and the workstation.
//!
//! It holds the domain (elders, visits, areas, the visit policy), the elder document
//! on Automerge and its rules, materialisation of documents into rows, the coverage
//! rules, and the sync wire types. It does no IO, reads no clock and draws no random
//! numbers: callers pass times, ids and actor ids in. That keeps it identical on both
//! sides of the wire and testable by property tests.

pub mod area;
pub mod author;
pub mod document;
pub mod elder;
pub mod ids;
pub mod label;
pub mod materialise;
pub mod policy;
pub mod privacy;
pub mod time;
pub mod validate;
pub mod visit;

pub use automerge::{ActorId, ChangeHash};
