//! A short faulted-sync run on each database (the long run is
//! `cargo bench -p jinlin-tests --bench faulted_sync`): workstations record visits and
//! sync through a proxy that cuts, slows and holds back a third of the connections;
//! nothing is lost, nothing doubled, every workstation ends with the server's
//! documents, and the tally notices a visit taken from the server behind its back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jinlin_testkit::Backend;
use jinlin_tests::faulted::{FaultedRun, count_visits, faulted_sync};

async fn a_faulty_network_loses_and_doubles_nothing(backend: Backend) {
    let run = FaultedRun { backend, workstations: 3, rounds: 12, percent: 35, seed: 20261129 };
    let (tally, central) = faulted_sync(run).await;
    println!("{}: {tally:?}", backend.name());
    assert_eq!(tally.rounds, 36, "{tally:?}");
    assert!(tally.faults >= 5, "the proxy faulted connections: {tally:?}");
    assert!(tally.failed_rounds > 0, "some rounds met a fault: {tally:?}");
    assert_eq!((tally.lost, tally.doubled, tally.diverged, tally.refused), (0, 0, 0, 0), "{tally:?}");

    // A planted loss: one visit row removed on the server is found by the tally.
    use jinlin_server::db::entity::visit;
    use sea_orm::EntityTrait;
    let db = central.connect().await;
    let victim = visit::Entity::find().one(&db).await.unwrap().expect("visits were stored");
    visit::Entity::delete_by_id(victim.visit_id.clone()).exec(&db).await.unwrap();
    db.close().await.unwrap();
    let (lost, doubled) = count_visits(&central, &[victim.visit_id.parse().unwrap()]).await;
    assert_eq!((lost, doubled), (1, 0), "the tally finds the visit taken away");
    central.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_a_faulty_network_loses_and_doubles_nothing() {
    a_faulty_network_loses_and_doubles_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_with_two_replicas_a_faulty_network_loses_and_doubles_nothing() {
    a_faulty_network_loses_and_doubles_nothing(Backend::Postgres).await;
}
