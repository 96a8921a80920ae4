//! Workstation cores syncing through a faulty network: the real `Station`, several in
//! one process, record visits and sync through the kit's fault proxy to the real
//! server binary (one on SQLite, two replicas on PostgreSQL). Then the faults stop,
//! every workstation settles, and the run is tallied: every visit on the server
//! exactly once, every workstation's documents the server's, and the server's rows a
//! fresh materialisation of its documents (the kit's audit).
//!
//! The test command runs a short version (tests/faulted_sync.rs); the long run is a
//! benchmark printing its counts (benches/faulted_sync.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jinlin_desktop::{Clock, Station, StationConfig, StationError};
use jinlin_shared::ids::{ElderId, VisitId};
use jinlin_shared::materialise::{ElderRows, materialise};
use jinlin_shared::roster::RosterQuery;
use jinlin_testkit::fault_proxy::FaultProxy;
use jinlin_testkit::{Backend, ServeOptions, ServerProcess};

use crate::{CentralDb, DEMO_PASSWORD, binary, home_visit};

/// What a faulted run is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct FaultedRun {
    pub backend: Backend,
    pub workstations: usize,
    /// Sync rounds per workstation, each after recording one visit.
    pub rounds: usize,
    /// Percent of connections that meet a fault.
    pub percent: u64,
    pub seed: u64,
}

/// What it did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultedTally {
    /// Sync rounds run under faults, over all workstations.
    pub rounds: u64,
    /// Of those, rounds that ended in an error (the workstation retries later).
    pub failed_rounds: u64,
    pub connections: u64,
    /// Faults that struck, and of those: requests cut, answers cut, delays, requests
    /// held back until after their retry.
    pub faults: u64,
    pub cut_requests: u64,
    pub cut_responses: u64,
    pub delays: u64,
    pub holds: u64,
    pub visits: usize,
    /// Visits recorded on a workstation and absent from the server.
    pub lost: usize,
    /// Visits the server holds more than once.
    pub doubled: usize,
    /// (workstation, elder) pairs whose document differs from the server's.
    pub diverged: usize,
    /// Changes the server refused: none of these visits should be.
    pub refused: u64,
}

/// One workstation core with its own store, syncing through the proxy.
async fn open_station(dir: &Path, proxy: &FaultProxy, login: &str) -> Station {
    let station = Station::open(StationConfig {
        data_dir: dir.to_owned(),
        server: format!("http://127.0.0.1:{}", proxy.port),
        server_ca: None,
        device_name: format!("faulted workstation {}", dir.display()),
        clock: Clock::system(),
    })
    .await
    .unwrap();
    station.sign_in(login, DEMO_PASSWORD).await.unwrap();
    station.sync_once().await.unwrap();
    station
}

/// Syncs until a round ends cleanly with nothing waiting; the faults are off by now.
async fn settle(station: &Station) {
    for _ in 0..20 {
        if station.sync_once().await.is_ok() && station.sync_status().pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("a workstation did not settle once the faults stopped: {:?}", station.sync_status());
}

/// Runs `run` and tallies it. Panics only where the harness itself fails (a server
/// that does not start, a store that does not open); what the run finds is counted.
pub async fn faulted_sync(run: FaultedRun) -> (FaultedTally, CentralDb) {
    let central = CentralDb::demo_on(run.backend, 0.002).await;
    let replicas = if run.backend == Backend::Postgres { 2 } else { 1 };
    let servers: Vec<ServerProcess> = (0..replicas)
        .map(|_| ServerProcess::start(&binary("jinlin-server"), ServeOptions::new(&central.url)))
        .collect();
    let proxy = FaultProxy::start(servers.iter().map(ServerProcess::socket_address).collect(), 0, run.seed).await;
    let (first, second, _) = central.assistants().await;
    let dirs: Vec<tempfile::TempDir> = (0..run.workstations).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut stations = Vec::new();
    for (n, dir) in dirs.iter().enumerate() {
        let login = if n % 2 == 0 { &first } else { &second };
        stations.push(Arc::new(open_station(dir.path(), &proxy, login).await));
    }
    let elders: Vec<ElderId> =
        stations[0].roster(&RosterQuery::default()).await.unwrap().lines.iter().map(|l| l.entry.elder_id).collect();

    proxy.set_faults(run.percent);
    let mut tally = FaultedTally::default();
    let mut recorded: Vec<VisitId> = Vec::new();
    for round in 0..run.rounds {
        let mut turns = tokio::task::JoinSet::new();
        for (n, station) in stations.iter().enumerate() {
            let station = Arc::clone(station);
            let elder = elders[(round * run.workstations + n) % elders.len()];
            turns.spawn(async move {
                let (visit, _) = station.record_visit(elder, home_visit("网络不稳时记录")).await.unwrap();
                let synced: Result<_, StationError> = station.sync_once().await;
                (visit, synced.is_ok())
            });
        }
        while let Some(turn) = turns.join_next().await {
            let (visit, synced) = turn.unwrap();
            recorded.push(visit);
            tally.rounds += 1;
            tally.failed_rounds += u64::from(!synced);
        }
    }
    proxy.set_faults(0);
    for station in &stations {
        settle(station).await;
    }
    // A second pass, so each has pulled what the others pushed while it settled.
    for station in &stations {
        settle(station).await;
    }
    let counts = proxy.counts();
    let read = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    tally.connections = read(&counts.connections);
    tally.faults = counts.faults();
    (tally.cut_requests, tally.cut_responses) = (read(&counts.cut_requests), read(&counts.cut_responses));
    (tally.delays, tally.holds) = (read(&counts.delays), read(&counts.holds));
    tally.visits = recorded.len();
    tally.refused = stations.iter().map(|s| u64::from(s.sync_status().rejected)).sum();
    let (lost, doubled) = count_visits(&central, &recorded).await;
    (tally.lost, tally.doubled) = (lost, doubled);
    let db = central.connect().await;
    jinlin_testkit::audit::check_database(&db).await;
    db.close().await.unwrap();
    tally.diverged = diverged(&central, &stations, &elders).await;
    drop(proxy);
    for server in servers {
        let log = server.log();
        let status = server.terminate();
        assert!(status.success(), "a server stopped by SIGTERM exits cleanly ({status}):\n{log}");
    }
    (tally, central)
}

/// How many recorded visits the server lacks, and how many it holds more than once
/// (a visit row per visit id, and no row of a visit nobody recorded twice).
pub async fn count_visits(central: &CentralDb, recorded: &[VisitId]) -> (usize, usize) {
    use jinlin_server::db::entity::visit;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let db = central.connect().await;
    let wanted: Vec<String> = recorded.iter().map(ToString::to_string).collect();
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in wanted.chunks(500) {
        let ids: Vec<String> = visit::Entity::find()
            .select_only()
            .column(visit::Column::VisitId)
            .filter(visit::Column::VisitId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        for id in ids {
            *held.entry(id).or_default() += 1;
        }
    }
    db.close().await.unwrap();
    let lost = wanted.iter().filter(|id| !held.contains_key(*id)).count();
    let doubled = held.values().filter(|n| **n > 1).count();
    (lost, doubled)
}

/// (workstation, elder) pairs whose rows differ from a materialisation of the
/// server's document; the server's rows themselves are held to that by the audit.
async fn diverged(central: &CentralDb, stations: &[Arc<Station>], elders: &[ElderId]) -> usize {
    use jinlin_server::db::entity::document;
    use sea_orm::EntityTrait;
    let db = central.connect().await;
    let mut on_server: BTreeMap<ElderId, ElderRows> = BTreeMap::new();
    for stored in document::Entity::find().all(&db).await.unwrap() {
        let doc =
            jinlin_shared::document::ElderDocument::load(&stored.snapshot, jinlin_shared::ActorId::random()).unwrap();
        on_server.insert(doc.elder_id(), materialise(&doc).unwrap());
    }
    db.close().await.unwrap();
    let mut differing = BTreeSet::new();
    for (n, station) in stations.iter().enumerate() {
        for elder in elders {
            let here = station.elder(*elder).await.unwrap().rows;
            if on_server.get(elder) != Some(&here) {
                differing.insert((n, *elder));
            }
        }
    }
    differing.len()
}
