//! The long crash loop: at least 200 SIGKILLs on each database, of the server during
//! uploads and of the workstations during saves and syncs, each followed by the
//! checks; prints kills, visits saved, lost, doubled and refused.
//!
//! `cargo build -p jinlin-server -p jinlin-desktop && cargo bench --profile dev -p jinlin-tests --bench crash_loops`
//! (JINLIN_KILLS sets the kills per database; JINLIN_TEST_POSTGRES the PostgreSQL.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use jinlin_testkit::Backend;
use jinlin_tests::crashes::crash_loop;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let kills: usize = std::env::var("JINLIN_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(200);
    let backends = match std::env::var("JINLIN_BACKEND").as_deref() {
        Ok("sqlite") => vec![Backend::Sqlite],
        Ok("postgres") => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    for backend in backends {
        let started = Instant::now();
        let (tally, central) = crash_loop(backend, kills, 11).await;
        println!(
            "{}: {} kills ({} of the server, {} of a workstation), {} visits saved: {} lost, {} doubled, {} refused ({:.0?})",
            backend.name(),
            tally.server_kills + tally.workstation_kills,
            tally.server_kills,
            tally.workstation_kills,
            tally.saved,
            tally.lost,
            tally.doubled,
            tally.refused,
            started.elapsed()
        );
        assert_eq!((tally.lost, tally.doubled, tally.refused), (0, 0, 0));
        central.remove().await;
    }
}
