//! Sign-ins against the real server process: 500 workstations signing in at once (each
//! retrying after `Retry-After` when the hashing slots are full), with the time they
//! took and the server's peak memory; and a known login with a wrong password timed
//! against an unknown login, which must cost the same. Prints figures; asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench sign_ins`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use jinlin_shared::wire::PROTOCOL_VERSION;
use support::{PASSWORD, Server};

const WORKSTATIONS: usize = 500;
const TIMED: usize = 100;

fn login_body(login: &str, password: &str) -> serde_json::Value {
    serde_json::json!({ "protocol": PROTOCOL_VERSION, "login": login, "password": password,
        "device": { "id": null, "name": "bench" } })
}

/// A client whose connections come from `address` (any 127.x.y.z is this machine), so
/// the per-address throttle sees many machines.
fn client_from(address: IpAddr) -> reqwest::Client {
    let _ = support::http();
    reqwest::Client::builder().local_address(address).build().unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = support::one_community(dir.path(), WORKSTATIONS + TIMED).await;
    let server = Server::start(&url);
    println!("sign-in benchmark (SQLite; argon2id 19 MiB per hash; at rest {:.0} MiB)", server.memory_mib());

    // 500 at once, each retrying after the server's Retry-After.
    let clients: Vec<_> = (0..WORKSTATIONS).map(|_| client_from(IpAddr::from([127, 0, 0, 1]))).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, http) in clients.into_iter().enumerate() {
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut busy = 0;
            loop {
                let answer = http
                    .post(format!("{base}/auth/login"))
                    .json(&login_body(&format!("a{i}"), PASSWORD))
                    .send()
                    .await
                    .unwrap();
                match answer.status().as_u16() {
                    200 => return (started.elapsed(), busy),
                    503 => {
                        busy += 1;
                        let wait = answer.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
                        tokio::time::sleep(Duration::from_secs(wait.unwrap_or(1))).await;
                    }
                    other => panic!("sign-in {i}: HTTP {other}"),
                }
            }
        }));
    }
    let mut times = Vec::new();
    let mut busy = 0;
    for task in tasks {
        let (took, refused) = task.await.unwrap();
        times.push(took);
        busy += refused;
    }
    times.sort();
    println!(
        "  {WORKSTATIONS} concurrent sign-ins: all in {:.1?}; each p50 {:.1?}, p95 {:.1?}, max {:.1?}; {busy} answered 503 and retried; server peak {:.0} MiB",
        started.elapsed(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1],
        server.peak_memory_mib()
    );

    // A known login with a wrong password against an unknown login, one at a time,
    // each from its own address so no throttle delays them.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..TIMED {
        // Interleaved, so whatever else the machine does weighs on both alike.
        for (login, network, times) in
            [(format!("a{}", WORKSTATIONS + i), 1, &mut known), (format!("nobody{i}"), 2, &mut unknown)]
        {
            let http = client_from(IpAddr::from([127, network, 0, (i % 250) as u8 + 2]));
            let started = Instant::now();
            let answer = http
                .post(format!("{}/auth/login", server.base))
                .json(&login_body(&login, "wrong password"))
                .send()
                .await
                .unwrap();
            times.push(started.elapsed());
            assert_eq!(answer.status(), 403);
        }
    }
    let mean = |times: &[Duration]| times.iter().sum::<Duration>() / times.len() as u32;
    let (known_mean, unknown_mean) = (mean(&known), mean(&unknown));
    known.sort();
    unknown.sort();
    println!(
        "  a wrong password for a known login: mean {known_mean:.2?}, median {:.2?}; an unknown login: mean {unknown_mean:.2?}, median {:.2?}; difference {:+.1} %",
        percentile(&known, 0.5),
        percentile(&unknown, 0.5),
        (unknown_mean.as_secs_f64() / known_mean.as_secs_f64() - 1.0) * 100.0
    );
}
