//! The load generator behind `jinlin-load`: many workstation cores (the real
//! `Station`) in one process, each signed in as an assistant of its own community,
//! recording visits at a steady rate and syncing, for a set time, against the real
//! server binary (one process, or several replicas on one PostgreSQL). Prints the
//! server's memory as it goes; answers sync latencies, errors and the memory series.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jinlin_desktop::{Clock, Station, StationConfig};
use jinlin_shared::ids::{ElderId, VisitId};
use jinlin_shared::roster::RosterQuery;
use jinlin_shared::synthetic::Rng;
use jinlin_testkit::server::MemoryField;
use jinlin_testkit::{ServeOptions, ServerProcess};
use tokio::sync::{Mutex, Semaphore};

use crate::{CentralDb, DEMO_PASSWORD, binary, home_visit};

/// What to run.
#[derive(Debug, Clone)]
pub struct Load {
    pub database_url: String,
    pub replicas: usize,
    pub workstations: usize,
    pub duration: Duration,
    /// Each workstation records a visit and syncs this often (with jitter).
    pub every: Duration,
    /// Where the workstations keep their stores.
    pub dir: std::path::PathBuf,
}

/// What it measured.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Every sync's duration, sorted.
    pub latencies: Vec<Duration>,
    pub errors: u64,
    /// The first error of each kind seen, to say what went wrong.
    pub first_errors: Vec<String>,
    /// (seconds since the start, each replica's resident MiB).
    pub memory: Vec<(u64, Vec<f64>)>,
    pub peak_mib: Vec<f64>,
    pub visits: Vec<VisitId>,
    pub sign_in: Duration,
}

impl LoadReport {
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        self.latencies[((self.latencies.len() - 1) as f64 * p).round() as usize]
    }
}

/// The workstations and what they share.
struct Fleet {
    stations: Vec<(Arc<Station>, Vec<ElderId>)>,
    report: Mutex<LoadReport>,
}

async fn sign_in_all(load: &Load, servers: &[ServerProcess], central: &CentralDb) -> Vec<(Arc<Station>, Vec<ElderId>)> {
    let assistants = central.assistant_logins().await;
    assert!(!assistants.is_empty(), "the city has assistants");
    // Sign-ins hash passwords; a few at a time, as a morning's logins arrive.
    let gate = Arc::new(Semaphore::new(8));
    let mut opening = tokio::task::JoinSet::new();
    for n in 0..load.workstations {
        let (login, _) = assistants[n % assistants.len()].clone();
        let server = servers[n % servers.len()].address.clone();
        let dir = load.dir.join(format!("station-{n:04}"));
        let gate = Arc::clone(&gate);
        opening.spawn(async move {
            let _turn = gate.acquire().await.unwrap();
            let station = Station::open(StationConfig {
                data_dir: dir,
                server,
                server_ca: None,
                device_name: format!("load workstation {n}"),
                clock: Clock::system(),
            })
            .await
            .unwrap();
            station.sign_in(&login, DEMO_PASSWORD).await.unwrap();
            station.sync_once().await.unwrap();
            let elders = station.roster(&RosterQuery::default()).await.unwrap().lines;
            (n, Arc::new(station), elders.iter().map(|l| l.entry.elder_id).collect::<Vec<_>>())
        });
    }
    let mut stations = Vec::new();
    while let Some(opened) = opening.join_next().await {
        stations.push(opened.unwrap());
    }
    stations.sort_by_key(|(n, _, _)| *n);
    stations.into_iter().map(|(_, station, elders)| (station, elders)).collect()
}

/// One workstation's day: a visit and a sync every `every`, until `until`.
async fn work(fleet: Arc<Fleet>, n: usize, every: Duration, until: Instant) {
    let (station, elders) = &fleet.stations[n];
    let mut rng = Rng::new(n as u64);
    // Spread the first visits over the first interval.
    tokio::time::sleep(every.mul_f64(rng.below(1000) as f64 / 1000.0)).await;
    while Instant::now() < until {
        let elder = *rng.pick(elders);
        let (visit, _) = station.record_visit(elder, home_visit("定时探访")).await.unwrap();
        let started = Instant::now();
        let synced = station.sync_once().await;
        let took = started.elapsed();
        {
            let mut report = fleet.report.lock().await;
            report.visits.push(visit);
            report.latencies.push(took);
            if let Err(error) = synced {
                report.errors += 1;
                let text = format!("{error:?}");
                if report.first_errors.len() < 5 && !report.first_errors.contains(&text) {
                    report.first_errors.push(text);
                }
            }
        }
        let jitter = 0.8 + rng.below(400) as f64 / 1000.0;
        tokio::time::sleep(every.mul_f64(jitter)).await;
    }
}

/// Runs the load; prints a line of progress every ten seconds.
pub async fn run(load: Load) -> LoadReport {
    let central = CentralDb::at(load.database_url.clone());
    let servers: Vec<ServerProcess> = (0..load.replicas)
        .map(|_| ServerProcess::start(&binary("jinlin-server"), ServeOptions::new(&load.database_url)))
        .collect();
    let started = Instant::now();
    let stations = sign_in_all(&load, &servers, &central).await;
    let sign_in = started.elapsed();
    println!("{} workstations signed in and synced in {sign_in:.1?}", stations.len());
    let fleet = Arc::new(Fleet { stations, report: Mutex::new(LoadReport { sign_in, ..LoadReport::default() }) });
    let begin = Instant::now();
    let until = begin + load.duration;
    let mut workers = tokio::task::JoinSet::new();
    for n in 0..fleet.stations.len() {
        workers.spawn(work(Arc::clone(&fleet), n, load.every, until));
    }
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(10).min(until.saturating_duration_since(Instant::now()))).await;
        let memory: Vec<f64> = servers.iter().map(|s| s.memory_mib(MemoryField::Now)).collect();
        let seconds = begin.elapsed().as_secs();
        let mut report = fleet.report.lock().await;
        println!(
            "  {seconds:>4} s: {} syncs, {} errors, server {}",
            report.latencies.len(),
            report.errors,
            memory.iter().map(|m| format!("{m:.0} MiB")).collect::<Vec<_>>().join(" + ")
        );
        report.memory.push((seconds, memory));
    }
    while workers.join_next().await.is_some() {}
    let mut report = std::mem::take(&mut *fleet.report.lock().await);
    report.latencies.sort();
    report.peak_mib = servers.iter().map(|s| s.memory_mib(MemoryField::Peak)).collect();
    report
}
