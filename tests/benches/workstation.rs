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
use jinlin_shared::roster::RosterQuery;
use jinlin_tests::bench::{BenchCity, PASSWORD};
use jinlin_tests::station;

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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let big = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let BenchCity { server, port, .. } = BenchCity::start(dir.path(), big).await;
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
