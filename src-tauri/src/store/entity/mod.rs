//! The workstation store's tables, one file each.

pub mod document;
pub mod key_slot;
pub mod pending_change;
pub mod rejected_change;
pub mod station;
