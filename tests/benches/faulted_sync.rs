//! The long faulted-sync run: on SQLite (one server) and PostgreSQL (two replicas),
//! workstations record visits and sync through the fault proxy for at least 1,000
//! sync rounds each; prints rounds, faults injected, lost and doubled.
//!
//! `cargo build -p jinlin-server && cargo bench --profile dev -p jinlin-tests --bench faulted_sync`
//! (the run waits on the network, not the processor: the dev build measures the same)
//! (JINLIN_FAULT_ROUNDS sets the rounds per workstation; JINLIN_TEST_POSTGRES the
//! PostgreSQL.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use jinlin_testkit::Backend;
use jinlin_tests::faulted::{FaultedRun, faulted_sync};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::var("JINLIN_FAULT_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(250);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let started = Instant::now();
        let run = FaultedRun { backend, workstations: 4, rounds, percent: 35, seed: 7 };
        let (tally, central) = faulted_sync(run).await;
        println!(
            "{}: {} sync rounds ({} ended in a fault), {} connections, {} faults injected ({} requests cut, {} answers cut, {} delays, {} held past their retry), {} visits: {} lost, {} doubled, {} diverged, {} refused ({:.0?})",
            backend.name(),
            tally.rounds,
            tally.failed_rounds,
            tally.connections,
            tally.faults,
            tally.cut_requests,
            tally.cut_responses,
            tally.delays,
            tally.holds,
            tally.visits,
            tally.lost,
            tally.doubled,
            tally.diverged,
            tally.refused,
            started.elapsed()
        );
        assert_eq!((tally.lost, tally.doubled, tally.diverged, tally.refused), (0, 0, 0, 0));
        central.remove().await;
    }
}
