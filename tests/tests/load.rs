//! A few seconds of `jinlin-load` (the real run is the binary: 500 workstations for
//! ten minutes): workstation cores record and sync at a steady rate with no error and
//! nothing lost, and the report measures what it says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jinlin_tests::CentralDb;
use jinlin_tests::faulted::count_visits;
use jinlin_tests::load::{Load, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_load_of_workstations_syncs_without_errors_and_loses_nothing() {
    let central = CentralDb::demo(0.002);
    let dir = tempfile::tempdir().unwrap();
    let load = Load {
        database_url: central.url.clone(),
        replicas: 1,
        workstations: 6,
        duration: Duration::from_secs(6),
        every: Duration::from_secs(1),
        dir: dir.path().to_owned(),
    };
    let report = run(load).await;
    assert!(report.latencies.len() >= 18, "each workstation synced several times: {}", report.latencies.len());
    assert_eq!(report.errors, 0, "{:?}", report.first_errors);
    assert!(report.latencies.windows(2).all(|w| w[0] <= w[1]), "latencies are sorted for the percentiles");
    assert!(report.percentile(0.5) <= report.percentile(0.99));
    assert!(!report.memory.is_empty() && report.peak_mib[0] > 1.0, "the server's memory was sampled");
    assert_eq!(count_visits(&central, &report.visits).await, (0, 0), "every visit arrived once");
}
