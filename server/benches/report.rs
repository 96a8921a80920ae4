//! The city-wide monthly report on SQLite and PostgreSQL: the demo city (14,000
//! elders, a year of visits) exported by `jinlin-server export` in each format, with
//! the wall time and the export process's peak memory. Prints figures; asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench report` (JINLIN_BENCH_SCALE=0.1 for a tenth
//! of the city; JINLIN_TEST_POSTGRES names the PostgreSQL, as for the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jinlin-server"));
    command.env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// Runs an export, polling the child's peak resident memory until it ends.
fn export(url: &str, month: &str, format: &str, out: &std::path::Path) -> (Duration, f64, u64) {
    let started = Instant::now();
    let mut child = server()
        .args(["--database-url", url, "export", "--month", month, "--format", format, "--out"])
        .arg(out)
        .spawn()
        .unwrap();
    let mut peak_kib = 0.0_f64;
    loop {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the export of {format} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = started.elapsed();
    let size = if out.is_dir() {
        std::fs::read_dir(out).unwrap().map(|f| f.unwrap().metadata().unwrap().len()).sum()
    } else {
        std::fs::metadata(out).unwrap().len()
    };
    (elapsed, peak_kib / 1024.0, size)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let scale: f64 = std::env::var("JINLIN_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("city.db").display());
    let postgres_database = jinlin_testkit::TestDatabase::fresh(jinlin_testkit::Backend::Postgres).await;
    let postgres = postgres_database.url.clone();
    // The report's month: the last whole month, so every figure is final.
    let today = jinlin_server::state::now().shanghai_date();
    let month = jinlin_shared::time::Month::containing(today).previous().to_string();
    println!("report benchmark: the demo city at scale {scale}, month {month}, city-wide");
    for (name, url) in [("SQLite", sqlite.as_str()), ("PostgreSQL", postgres.as_str())] {
        let started = Instant::now();
        let loaded = server().args(["--database-url", url, "demo", "--scale", &scale.to_string()]).status().unwrap();
        assert!(loaded.success());
        println!("  {name}: demo city loaded in {:.1?}", started.elapsed());
        for format in ["json", "csv", "xlsx", "pdf"] {
            let out = dir.path().join(format!("{name}-report.{format}"));
            // The first run warms the database's caches; the second is reported.
            export(url, &month, format, &out);
            let (time, peak, size) = export(url, &month, format, &out);
            println!(
                "  {name} {format:>4}: {:>6.0} ms, peak memory {peak:>5.1} MiB, {} KiB written",
                time.as_secs_f64() * 1000.0,
                size / 1024
            );
        }
    }
    postgres_database.remove().await;
}
