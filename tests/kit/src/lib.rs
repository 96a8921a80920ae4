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
//!
//! It depends on the shared crate only, so the server's own tests can use it without
//! building the server twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod builders;
pub mod database;
pub mod server;

pub use database::{Backend, TestDatabase};
pub use server::{ServeOptions, ServerProcess};
