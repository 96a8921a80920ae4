//! `jinlin-load`: many workstation cores in one process against the real server, each
//! signed in to its own community, recording visits at a steady rate and syncing for a
//! set time. Prints the server's memory every ten seconds, then sync latency
//! (p50/p95/p99), errors, visits lost or doubled, and the memory's range.
//!
//! ```text
//! cargo build -p jinlin-server -p jinlin-tests --bin jinlin-load
//! target/debug/jinlin-server --database-url sqlite:///tmp/city.db demo --scale 0.3
//! target/debug/jinlin-load --database-url sqlite:///tmp/city.db --workstations 500 --minutes 10
//! ```
//! (`--replicas 2` with a PostgreSQL URL serves it from two server processes.)

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use jinlin_tests::faulted::count_visits;
use jinlin_tests::load::{Load, run};

#[derive(Debug, Parser)]
#[command(name = "jinlin-load", about = "Many Jinlin workstations at once against the real server")]
struct Cli {
    /// The central database, already holding a city (`jinlin-server demo`).
    #[arg(long)]
    database_url: String,
    /// Server processes serving it (more than one needs PostgreSQL).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    #[arg(long, default_value_t = 500)]
    workstations: usize,
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Each workstation records a visit and syncs this often, in seconds.
    #[arg(long, default_value_t = 30.0)]
    every: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = tempfile::tempdir().expect("a temporary directory for the workstations' stores");
    let load = Load {
        database_url: cli.database_url.clone(),
        replicas: cli.replicas,
        workstations: cli.workstations,
        duration: Duration::from_secs_f64(cli.minutes * 60.0),
        every: Duration::from_secs_f64(cli.every),
        dir: dir.path().to_owned(),
    };
    println!(
        "jinlin-load: {} workstations, a visit and a sync each every {} s, for {} min, {} server process(es)",
        cli.workstations, cli.every, cli.minutes, cli.replicas
    );
    let report = run(load).await;
    let central = jinlin_tests::CentralDb::at(cli.database_url);
    let (lost, doubled) = count_visits(&central, &report.visits).await;
    let memory: Vec<f64> = report.memory.iter().map(|(_, m)| m.iter().sum()).collect();
    let (low, high) = memory.iter().fold((f64::MAX, 0.0f64), |(lo, hi), m| (lo.min(*m), hi.max(*m)));
    println!(
        "syncs {}: p50 {:.0?}, p95 {:.0?}, p99 {:.0?}; errors {}; visits {}: lost {lost}, doubled {doubled}",
        report.latencies.len(),
        report.percentile(0.5),
        report.percentile(0.95),
        report.percentile(0.99),
        report.errors,
        report.visits.len()
    );
    println!(
        "server memory (all replicas): {low:.0}–{high:.0} MiB over the run, peak {}",
        report.peak_mib.iter().map(|m| format!("{m:.0} MiB")).collect::<Vec<_>>().join(" + ")
    );
    for error in &report.first_errors {
        println!("  error: {error}");
    }
    if report.errors == 0 && lost == 0 && doubled == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
