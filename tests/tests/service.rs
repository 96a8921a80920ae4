//! `jinlin-station run` as a service manager and a shell run it: with no standard
//! input, or one that ends, it keeps syncing idle until a signal stops it, and a
//! signal stops it within seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jinlin_desktop::{SyncState, SyncStatus};
use jinlin_tests::{Scenario, StationProcess, station_command};

const LIMIT: Duration = Duration::from_secs(30);

/// How long a stopped workstation may take: its sync in flight finishes first.
const STOP_WITHIN: Duration = Duration::from_secs(10);

fn is_up_to_date(line: &str) -> bool {
    line.strip_prefix("status ")
        .and_then(|json| serde_json::from_str::<SyncStatus>(json).ok())
        .is_some_and(|s| s.state == SyncState::UpToDate)
}

/// The CPU time the process has used so far (user and system), from `/proc`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // Linux reports in USER_HZ, 100 per second on every architecture it runs on.
    Duration::from_millis(ticks * 10)
}

/// Starts `run`, lets it reach the server, and checks that it then sits idle.
fn idle_station(process: StationProcess) -> StationProcess {
    process.expect_line(LIMIT, is_up_to_date);
    let before = cpu_time(process.pid());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time(process.pid()) - before;
    assert!(used < Duration::from_millis(500), "an idle workstation used {used:?} of CPU in 2 s");
    process
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_no_standard_input_syncs_idle_and_stops_within_seconds_on_sigterm() {
    let (scenario, server) = Scenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let signed_in = station_command(dir.path(), scenario.port, &scenario.login).arg("sign-in").output().unwrap();
    assert!(signed_in.status.success(), "{}", String::from_utf8_lossy(&signed_in.stderr));

    let process = StationProcess::run_without_input(dir.path(), scenario.port, &scenario.login);
    let mut process = idle_station(process);
    let status = process.signal_and_wait("TERM", STOP_WITHIN).expect("SIGTERM stopped jinlin-station");
    assert!(status.success(), "{status}");

    // A pipe that ends (`echo … | jinlin-station run`), then Ctrl-C.
    let mut process = StationProcess::run(dir.path(), scenario.port, &scenario.login);
    process.close_input();
    let mut process = idle_station(process);
    let status = process.signal_and_wait("INT", STOP_WITHIN).expect("Ctrl-C stopped jinlin-station");
    assert!(status.success(), "{status}");
    server.stop();
}
