//! The test kit: one harness per kind, shared by the server's tests and benchmarks and
//! the end-to-end scenarios (`tests/`).
//!
//! - [`server`]: the real `jinlin-server` binary as a child process. It listens on
//!   port 0 and says where on its first line, so no test picks a port and races
//!   another for it.
//! - [`database`]: a fresh central database, SQLite in a temporary directory or a new
//!   PostgreSQL database on the test PostgreSQL, dropped afterwards.
//! - [`builders`]: test elders and visits, made through the same document calls a
//!   workstation makes.
//! - [`audit`]: the central database checked against itself: the change log, the
//!   snapshots, and the materialised rows against a fresh materialisation.
//! - [`fault_proxy`]: a TCP proxy that cuts, slows and holds back connections.
//!
//! The server's integration tests use it as a dev-dependency: they link the same
//! server library it does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod audit;
pub mod builders;
pub mod database;
pub mod fault_proxy;
pub mod server;

pub use database::{Backend, TestDatabase};
pub use server::{ServeOptions, ServerProcess};
