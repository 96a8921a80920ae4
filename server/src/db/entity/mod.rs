//! sea-orm entities, one file per table.

pub mod alert;
pub mod area;
pub mod audit;
pub mod community_log;
pub mod conflict;
pub mod device;
pub mod document;
pub mod elder;
pub mod follow_up;
pub mod identity;
pub mod insurance_case;
pub mod log_entry;
pub mod server_identity;
pub mod session;
pub mod sign_in_failure;
pub mod user;
pub mod user_standing;
pub mod visit;
pub mod waiting_change;
pub mod warning;
pub mod warning_check;
