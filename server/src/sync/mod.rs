//! The sync endpoints' work, free of HTTP: push (apply, check and store a document's
//! changes), pull (the log after a cursor) and bootstrap (whole documents).

pub mod bootstrap;
mod group;
mod prepare;
pub mod pull;
pub mod push;
mod rows;
pub mod sender;
mod write;

/// Kinds of entries in a community's log.
pub(crate) mod log_kind {
    /// The changes one push added to a document of the community.
    pub const CHANGE: &str = "change";
    /// An elder moved into the community: the whole document is sent.
    pub const ARRIVAL: &str = "arrival";
    /// An elder moved out of the community.
    pub const DEPARTURE: &str = "departure";
}
