//! Crash loops: the server SIGKILLed at random moments while workstations upload, and
//! workstations (the `jinlin-station run` process) SIGKILLed at random moments while
//! they save and sync. After every kill the victim restarts, everything settles, and
//! the same checks run: every visit a workstation said was saved is on the server
//! exactly once, nothing was refused, and the central database holds up against
//! itself (the kit's audit).
//!
//! The test command runs a short loop (tests/crash_loops.rs); the long one is a
//! benchmark printing its counts (benches/crash_loops.rs).

use std::path::Path;
use std::time::Duration;

use jinlin_desktop::{SyncState, SyncStatus};
use jinlin_shared::ids::VisitId;
use jinlin_shared::synthetic::Rng;
use jinlin_testkit::Backend;

use crate::faulted::count_visits;
use crate::{CentralDb, ServerOptions, ServerProcess, StationProcess, home_visit, station_command};

/// The longest a workstation may take to settle after a kill: its back-off after the
/// server went away is at most 30 s.
const SETTLE: Duration = Duration::from_secs(60);

/// What a crash loop found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrashTally {
    pub server_kills: u64,
    pub workstation_kills: u64,
    /// Visits a workstation answered "saved" for.
    pub saved: usize,
    /// Of those, visits the server lacks once everything settled.
    pub lost: usize,
    /// Visits the server holds more than once.
    pub doubled: usize,
    /// Visits a workstation refused, or changes the server refused.
    pub refused: usize,
}

/// One workstation process, the visits it was sent that it has not answered yet,
/// and how far its sync has got since its last save.
struct Workstation {
    dir: tempfile::TempDir,
    login: String,
    process: Option<StationProcess>,
    unanswered: usize,
    since_save: SinceSave,
}

/// A status line can be older than the "saved" line printed before it (the event was
/// queued while the save ran), so "up to date" counts only after a sync that started
/// after the last save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SinceSave {
    /// Nothing saved since this process started.
    Nothing,
    /// Saved; no sync seen starting since.
    Saved,
    /// A sync started after the last save.
    Syncing,
}

impl Workstation {
    fn start(&mut self, port: u16) {
        self.process = Some(StationProcess::run(self.dir.path(), port, &self.login));
        self.unanswered = 0;
        self.since_save = SinceSave::Nothing;
    }

    fn process(&mut self) -> &mut StationProcess {
        self.process.as_mut().expect("the workstation runs")
    }

    /// Reads answers and statuses: each `saved` joins `saved`, each `refused` is
    /// counted. Answers whether the last line said the workstation is settled: every
    /// visit answered, and up to date with nothing waiting after its last save.
    fn read(&mut self, lines: Vec<String>, saved: &mut Vec<VisitId>, tally: &mut CrashTally) -> bool {
        let mut settled = false;
        for line in lines {
            settled = false;
            if let Some(id) = line.strip_prefix("saved ") {
                saved.push(id.trim().parse().expect("a visit id"));
                self.unanswered -= 1;
                self.since_save = SinceSave::Saved;
            } else if line.starts_with("refused ") {
                tally.refused += 1;
                self.unanswered -= 1;
            } else if let Some(status) = status(&line) {
                if status.state == SyncState::Syncing && self.since_save == SinceSave::Saved {
                    self.since_save = SinceSave::Syncing;
                }
                settled = self.unanswered == 0
                    && self.since_save != SinceSave::Saved
                    && status.state == SyncState::UpToDate
                    && status.pending == 0;
                if settled {
                    tally.refused += status.rejected as usize;
                }
            }
        }
        settled
    }

    /// Waits until the workstation is settled.
    fn settle(&mut self, saved: &mut Vec<VisitId>, tally: &mut CrashTally) {
        loop {
            let lines = self.process().lines_until(SETTLE, |line| {
                line.starts_with("saved ") || line.starts_with("refused ") || status(line).is_some()
            });
            if self.read(lines, saved, tally) {
                return;
            }
        }
    }
}

fn status(line: &str) -> Option<SyncStatus> {
    line.strip_prefix("status ").and_then(|json| serde_json::from_str(json).ok())
}

fn signed_in(dir: &Path, port: u16, login: &str) -> Vec<String> {
    let out = station_command(dir, port, login).arg("sign-in").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let roster = station_command(dir, port, login).args(["--json", "roster"]).output().unwrap();
    let roster: serde_json::Value = serde_json::from_slice(&roster.stdout).unwrap();
    roster["lines"].as_array().unwrap().iter().map(|l| l["elderId"].as_str().unwrap().to_owned()).collect()
}

/// `kills` SIGKILLs, of the server and of two workstations in turn, each at a random
/// moment.
pub async fn crash_loop(backend: Backend, kills: usize, seed: u64) -> (CrashTally, CentralDb) {
    let central = CentralDb::demo_on(backend, 0.002).await;
    let mut server = ServerProcess::start(&central);
    let port = server.port;
    let restart =
        || ServerProcess::start_with(&central, ServerOptions { port: Some(port), ..ServerOptions::default() });
    let (first, second, _) = central.assistants().await;
    let mut workstations: Vec<Workstation> = [first, second]
        .into_iter()
        .map(|login| Workstation {
            dir: tempfile::tempdir().unwrap(),
            login,
            process: None,
            unanswered: 0,
            since_save: SinceSave::Nothing,
        })
        .collect();
    let elders = signed_in(workstations[0].dir.path(), port, &workstations[0].login);
    signed_in(workstations[1].dir.path(), port, &workstations[1].login);
    for workstation in &mut workstations {
        workstation.start(port);
    }

    let mut rng = Rng::new(seed);
    let (mut tally, mut saved) = (CrashTally::default(), Vec::new());
    for kill in 0..kills {
        // A burst of saves on every workstation, each nudging a sync.
        for (n, workstation) in workstations.iter_mut().enumerate() {
            for visit in 0..2 {
                let elder = &elders[(kill * 4 + n * 2 + visit) % elders.len()];
                let line = serde_json::json!({ "elder": elder, "visit": home_visit("断电重启之间记录") });
                workstation.process().send(&line.to_string());
                workstation.unanswered += 1;
            }
        }
        // Half the kills land while the saves are being made, half anywhere in the
        // uploads that follow.
        let pause = if rng.chance(50) { rng.below(15) } else { rng.below(600) };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        // The victims take turns (the server, then each workstation); the moment is random.
        let victim = kill as u64 % 3;
        match victim {
            0 => {
                server.kill();
                tally.server_kills += 1;
                server = restart();
            }
            victim => {
                let workstation = &mut workstations[victim as usize - 1];
                let lines = workstation.process().lines_now();
                let _ = workstation.read(lines, &mut saved, &mut tally);
                workstation.process.take().expect("the workstation runs").kill();
                tally.workstation_kills += 1;
                workstation.start(port);
            }
        }
        for workstation in &mut workstations {
            workstation.settle(&mut saved, &mut tally);
        }
        let (lost, doubled) = count_visits(&central, &saved).await;
        if lost > tally.lost {
            let victim = if victim == 0 { "the server".to_owned() } else { format!("workstation {victim}") };
            eprintln!(
                "crash loop: after kill {kill} (of {victim}, {pause} ms after the saves), {lost} saved visits are not on the server"
            );
        }
        (tally.lost, tally.doubled) = (tally.lost.max(lost), tally.doubled.max(doubled));
        let db = central.connect().await;
        jinlin_testkit::audit::check_database(&db).await;
        db.close().await.unwrap();
    }
    tally.saved = saved.len();
    for workstation in workstations {
        if let Some(process) = workstation.process {
            process.stop();
        }
    }
    server.stop();
    (tally, central)
}
