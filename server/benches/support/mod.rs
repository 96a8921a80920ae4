//! What the server's benchmarks share: the real server binary on a port of its own,
//! its memory as the kernel counts it, and signing in.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use jinlin_testkit::server::{MemoryField, ServeOptions, ServerProcess};

use jinlin_shared::wire::{DeviceRegistration, LoginRequest, LoginResponse, PROTOCOL_VERSION};

pub const PASSWORD: &str = "benchmark password";

/// The real server binary serving `url` on port 0 (the test kit's), stopped when
/// dropped.
pub struct Server {
    process: ServerProcess,
    pub base: String,
}

impl Server {
    pub fn start(url: &str) -> Server {
        let process = ServerProcess::start(Path::new(env!("CARGO_BIN_EXE_jinlin-server")), ServeOptions::new(url));
        let base = process.base();
        Server { process, base }
    }

    /// The server's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_memory_mib(&self) -> f64 {
        self.process.memory_mib(MemoryField::Peak)
    }

    /// The CPU time the server process has used so far (user and system), in seconds,
    /// as `/proc/PID/stat` counts it (0 where there is none).
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&self.process.pid().to_string())
    }

    /// The server's resident memory now (VmRSS), in MiB.
    pub fn memory_mib(&self) -> f64 {
        self.process.memory_mib(MemoryField::Now)
    }
}

/// A field of a `/proc/…/status` file, in MiB (0 where there is none).
pub fn memory_mib(status_file: &str, field: &str) -> f64 {
    let status = std::fs::read_to_string(status_file).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The code of the one community of [`one_community`].
pub const COMMUNITY: &str = "350203001001";

/// A fresh SQLite database in `dir` holding one community (和平社区) and `users`
/// assistants of it (`a0`, `a1`, …, all with [`PASSWORD`]); its URL and the
/// community's id.
pub async fn one_community(dir: &std::path::Path, users: usize) -> (String, jinlin_shared::ids::CommunityId) {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let database = jinlin_server::db::connect(&url, true).await.unwrap();
    jinlin_server::admin::import_areas(
        &database,
        "district_code,district_name,street_code,street_name,community_code,community_name\n\
         350203,思明区,350203001,鹭江街道,350203001001,和平社区\n",
    )
    .await
    .unwrap();
    // One hash for every account: hundreds of argon2 hashes would take minutes.
    let hash = jinlin_server::auth::hash_password(PASSWORD.to_owned()).await.unwrap();
    for i in 0..users {
        let login = format!("a{i}");
        let role = jinlin_shared::user::Role::Assistant;
        jinlin_server::admin::add_user_with_hash(&database, &login, "assistant", role, Some(COMMUNITY), &hash)
            .await
            .unwrap();
    }
    let tree = jinlin_server::state::load_area_tree(&database).await.unwrap();
    let community = tree.areas().find(|a| a.code == COMMUNITY).unwrap().id;
    database.close().await.unwrap();
    (url, community)
}

/// An HTTP client (reqwest has rustls and no crypto provider of its own: ring's is
/// installed here).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Signs `login` in (with [`PASSWORD`]) from a new device.
pub async fn sign_in(http: &reqwest::Client, base: &str, login: &str) -> LoginResponse {
    let request = LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: "bench".into() },
    };
    http.post(format!("{base}/auth/login")).json(&request).send().await.unwrap().json().await.unwrap()
}

/// The CPU time (user and system) of process `pid` (or `self`) so far, in seconds.
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

/// The kernel's clock ticks per second, which `/proc/PID/stat` counts in (`getconf CLK_TCK`).
fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}
