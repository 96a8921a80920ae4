//! The sync endpoints' work, free of HTTP: push (apply, check and store a document's
//! changes), pull (the log after a cursor) and bootstrap (whole documents), and the
//! rows a stored document is materialised into.
//!
//! Nothing here reads the server's whole state: each step is handed what it uses (the
//! push its [`push::PushPath`]), so the state can own the push path's queue.

pub mod bootstrap;
pub mod pull;
pub mod push;
pub(crate) mod rows;

/// Kinds of entries in a community's log.
pub(crate) mod log_kind {
    /// The changes one push added to a document of the community.
    pub const CHANGE: &str = "change";
    /// An elder moved into the community: the whole document is sent.
    pub const ARRIVAL: &str = "arrival";
    /// An elder moved out of the community.
    pub const DEPARTURE: &str = "departure";
}
