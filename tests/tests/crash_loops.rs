//! A short crash loop on each database (the long one is
//! `cargo bench -p jinlin-tests --bench crash_loops`): the server and the workstations
//! SIGKILLed at random moments of saving and syncing; after each kill every visit
//! said to be saved is on the server once and the database holds up against itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_testkit::Backend;
use jinlin_tests::crashes::crash_loop;

async fn kills_lose_and_double_nothing(backend: Backend) {
    let (tally, central) = crash_loop(backend, 6, 20261129).await;
    println!("{}: {tally:?}", backend.name());
    assert_eq!(tally.server_kills + tally.workstation_kills, 6, "{tally:?}");
    assert!(tally.server_kills > 0 && tally.workstation_kills > 0, "both kinds of kill happened: {tally:?}");
    assert!(tally.saved >= 12, "most visits were answered before a kill: {tally:?}");
    assert_eq!((tally.lost, tally.doubled, tally.refused), (0, 0, 0), "{tally:?}");
    central.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_kills_of_the_server_and_the_workstations_lose_and_double_nothing() {
    kills_lose_and_double_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_kills_of_the_server_and_the_workstations_lose_and_double_nothing() {
    kills_lose_and_double_nothing(Backend::Postgres).await;
}
