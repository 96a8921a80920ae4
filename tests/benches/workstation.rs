//! Workstation figures against the real server binary: cold start to the roster of
//! 1,000 elders, a durable save of one visit, a sync of one new visit among 1,000
//! documents (time and bytes each way), and bootstraps of one community and of 1,000
//! elders. Prints figures; asserts nothing.
//!
//! `cargo build --release -p jinlin-server && cargo bench -p jinlin-tests --bench workstation`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jinlin_desktop::Clock;
use jinlin_shared::ActorId;
use jinlin_shared::area::AreaLevel;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::policy::Policy;
use jinlin_shared::roster::RosterQuery;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    AutomergeBytes, DeviceRegistration, DocumentPush, LoginRequest, LoginResponse, PROTOCOL_VERSION, PushRequest,
    PushResponse,
};
use jinlin_tests::{ServerProcess, free_port, station};

const PASSWORD: &str = "benchmark password";

fn visit() -> jinlin_desktop::forms::VisitForm {
    jinlin_tests::home_visit("上门看望")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A TCP relay counting the bytes each way, to see what a sync costs on the wire.
struct Relay {
    port: u16,
    sent: Arc<AtomicU64>,
    received: Arc<AtomicU64>,
}

impl Relay {
    async fn start(target: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (sent, received) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (s, r) = (sent.clone(), received.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = tokio::net::TcpStream::connect(("127.0.0.1", target)).await.unwrap();
                let (s, r) = (s.clone(), r.clone());
                tokio::spawn(async move {
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    tokio::join!(
                        pipe(&mut client_read, &mut server_write, &s),
                        pipe(&mut server_read, &mut client_write, &r)
                    );
                });
            }
        });
        Self { port, sent, received }
    }
}

/// Copies one direction of a connection, counting bytes as they pass (connections
/// are kept alive, so counting at the end would count nothing).
async fn pipe(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    counter: &AtomicU64,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                counter.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

async fn sign_in(http: &reqwest::Client, base: &str, login: &str) -> LoginResponse {
    let request = LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: "bench uploader".into() },
    };
    http.post(format!("{base}/api/v1/auth/login")).json(&request).send().await.unwrap().json().await.unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let big = 1_000;
    let now = jinlin_desktop::Clock::system().now();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("central.db").display());

    // Two communities: one of 1,000 elders, one of a usual 27, each with a year of visits.
    let mut rng = Rng::new(2026);
    let city = synthetic::city(&mut rng, 2, now);
    let (large, small) = (city.communities[0], city.communities[1]);
    let year_ago = now.plus_hours(-24 * 365);
    let documents: Vec<ElderDocument> = (0..big + 27)
        .map(|i| {
            let community = if i < big { large } else { small };
            let author = synthetic::author(&mut rng, now);
            let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
            let (mut doc, _) =
                ElderDocument::enrol(enrolment, &Edit { author, at: year_ago }, ActorId::random()).unwrap();
            for month in 0..12 {
                let at = year_ago.plus_hours(24 * (30 * month + 3) + 10);
                doc.record_visit(&Edit { author, at }, synthetic::visit(&mut rng, at), &Policy::default()).unwrap();
            }
            doc
        })
        .collect();
    let db = jinlin_server::db::connect(&url, true).await.unwrap();
    jinlin_server::admin::import_area_list(&db, &city.areas).await.unwrap();
    let tree = jinlin_server::state::load_area_tree(&db).await.unwrap();
    let code = |id| tree.areas().find(|a| a.id == id && a.level == AreaLevel::Community).unwrap().code.clone();
    jinlin_server::admin::add_user(&db, "admin", "admin", Role::Admin, None, PASSWORD.into()).await.unwrap();
    jinlin_server::admin::add_user(&db, "large", "大社区助老员", Role::Assistant, Some(&code(large)), PASSWORD.into())
        .await
        .unwrap();
    jinlin_server::admin::add_user(&db, "small", "小社区助老员", Role::Assistant, Some(&code(small)), PASSWORD.into())
        .await
        .unwrap();
    db.close().await.unwrap();

    let port = free_port();
    let central = jinlin_tests::CentralDb::at(url.clone());
    let server = ServerProcess::start(&central, port);
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let admin = sign_in(&http, &base, "admin").await;
    for chunk in documents.chunks(100) {
        let push = PushRequest::new(
            chunk
                .iter()
                .map(|d| DocumentPush {
                    elder: d.elder_id(),
                    changes: d.changes_since(&[]).into_iter().map(AutomergeBytes::new).collect(),
                })
                .collect(),
        );
        let answer: PushResponse = http
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(&admin.token)
            .json(&push)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer.results.iter().all(|r| r.outcome.is_accepted()));
    }
    println!("workstation benchmark: {} elders in one community, 27 in another, 12 visits each", big);

    let relay = Relay::start(port).await;
    let small_dir = tempfile::tempdir().unwrap();
    let small_station = station(small_dir.path(), relay.port, Clock::system()).await;
    small_station.sign_in("small", PASSWORD).await.unwrap();
    let started = Instant::now();
    let report = small_station.sync_once().await.unwrap();
    println!("  bootstrap of one community: {:.1?} ({} documents)", started.elapsed(), report.bootstrapped_documents);

    let large_dir = tempfile::tempdir().unwrap();
    let workstation = station(large_dir.path(), relay.port, Clock::system()).await;
    workstation.sign_in("large", PASSWORD).await.unwrap();
    let started = Instant::now();
    let report = workstation.sync_once().await.unwrap();
    println!(
        "  bootstrap of {} elders: {:.1?}; received {} KiB",
        report.bootstrapped_documents,
        started.elapsed(),
        relay.received.load(Ordering::Relaxed) / 1024
    );
    drop(workstation);

    // Cold start: open the store, sign in (online, as in the morning), show the roster.
    let started = Instant::now();
    let workstation = station(large_dir.path(), relay.port, Clock::system()).await;
    let opened = started.elapsed();
    workstation.sign_in("large", PASSWORD).await.unwrap();
    let signed_in = started.elapsed();
    let roster = workstation.roster(&RosterQuery::default()).await.unwrap();
    let shown = started.elapsed();
    println!(
        "  cold start to roster of {} elders: {shown:.1?} (store open {opened:.1?}, sign-in {:.1?}, roster {:.1?})",
        roster.lines.len(),
        signed_in - opened,
        shown - signed_in
    );
    let started = Instant::now();
    workstation.roster(&RosterQuery::default()).await.unwrap();
    println!("  roster again (warm): {:.1?}", started.elapsed());

    // Durable saves, each a committed transaction (synchronous = FULL).
    let elders: Vec<_> = roster.lines.iter().map(|l| l.entry.elder_id).collect();
    let mut saves = Vec::new();
    for elder in elders.iter().take(200) {
        let started = Instant::now();
        workstation.record_visit(*elder, visit()).await.unwrap();
        saves.push(started.elapsed());
    }
    saves.sort();
    println!(
        "  durable save of one visit: median {:.1?}, p95 {:.1?} ({} saves)",
        percentile(&saves, 0.5),
        percentile(&saves, 0.95),
        saves.len()
    );
    workstation.sync_once().await.unwrap();

    // One new visit among 1,000 documents.
    let mut times = Vec::new();
    let (mut sent, mut received) = (Vec::new(), Vec::new());
    for elder in elders.iter().skip(300).take(20) {
        workstation.record_visit(*elder, visit()).await.unwrap();
        let (s0, r0) = (relay.sent.load(Ordering::Relaxed), relay.received.load(Ordering::Relaxed));
        let started = Instant::now();
        let report = workstation.sync_once().await.unwrap();
        times.push(started.elapsed());
        assert_eq!(report.pushed, 1);
        sent.push(relay.sent.load(Ordering::Relaxed) - s0);
        received.push(relay.received.load(Ordering::Relaxed) - r0);
    }
    times.sort();
    sent.sort();
    received.sort();
    println!(
        "  sync of one new visit among {} documents: median {:.1?}, p95 {:.1?}; sent {} B, received {} B (medians)",
        elders.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        sent[sent.len() / 2],
        received[received.len() / 2]
    );
    server.stop();
}
