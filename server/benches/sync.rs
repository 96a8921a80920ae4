//! Sync server figures on SQLite and PostgreSQL: the demo city's initial upload, pull
//! and bootstrap of one community, and 50 workstations pushing one visit at once.
//! Prints figures; asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench sync` (JINLIN_BENCH_SCALE=0.1 for a tenth of
//! the city; JINLIN_BENCH_ROUNDS=10 for ten rounds of the fifty concurrent pushes, one
//! by default; JINLIN_BENCH_DATABASES=sqlite for one database; JINLIN_TEST_POSTGRES
//! names the PostgreSQL, as for the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use jinlin_server::{admin, db};
use jinlin_shared::ActorId;
use jinlin_shared::area::AreaLevel;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    AutomergeBytes, BootstrapRequest, BootstrapResponse, Cursor, DocumentPush, PullRequest, PullResponse, PushRequest,
    PushResponse,
};
use sea_orm::{ConnectionTrait, Statement};

mod support;

use jinlin_testkit::{Backend, TestDatabase};
use support::{PASSWORD, Server, sign_in};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// A signed-in JSON request and its JSON answer.
async fn post<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: &impl serde::Serialize,
) -> T {
    http.post(format!("{base}{path}")).bearer_auth(token).json(body).send().await.unwrap().json().await.unwrap()
}

struct City {
    documents: Vec<(CommunityId, ElderDocument)>,
    visits: usize,
}

/// The demo city's documents, built on both cores, every change by `author` (the
/// server binds each change to the one who sends it: here the uploading administrator).
fn build_city(scale: f64, now: Timestamp, author: Author) -> City {
    let mut rng = Rng::new(2026);
    let communities = ((525.0 * scale).round() as usize).max(1);
    let elders = ((14_000.0 * scale).round() as usize).max(communities);
    let city = synthetic::city(&mut rng, communities, now);
    let seeds: Vec<(usize, u64)> = (0..elders).map(|i| (i, rng.next_u64())).collect();
    let year_ago = now.plus_hours(-24 * 365);
    let build = |chunk: &[(usize, u64)]| -> Vec<(CommunityId, ElderDocument, usize)> {
        chunk
            .iter()
            .map(|(i, seed)| {
                let mut rng = Rng::new(*seed);
                let community = city.communities[i % city.communities.len()];
                let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
                let (mut doc, _) =
                    ElderDocument::enrol(enrolment, &Edit { author, at: year_ago }, ActorId::random()).unwrap();
                let mut visits = 0;
                for month in 0..12 {
                    let at = year_ago.plus_hours(24 * (30 * month + 3) + 10);
                    doc.record_visit(&Edit { author, at }, synthetic::visit(&mut rng, at), &Policy::default()).unwrap();
                    visits += 1;
                }
                (community, doc, visits)
            })
            .collect()
    };
    let (left, right) = seeds.split_at(seeds.len() / 2);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| build(left));
        let b = s.spawn(|| build(right));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut visits = 0;
    let documents = a
        .into_iter()
        .chain(b)
        .map(|(c, d, v)| {
            visits += v;
            (c, d)
        })
        .collect();
    City { documents, visits }
}

/// The database's size on disk: every file of a SQLite database (the write-ahead log
/// named apart), or what PostgreSQL says of its database.
async fn database_size(url: &str, dir: Option<&std::path::Path>) -> String {
    if let Some(dir) = dir {
        let (mut wal, mut total) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let size = entry.metadata().map_or(0, |m| m.len());
            total += size;
            if entry.file_name().to_string_lossy().ends_with("-wal") {
                wal += size;
            }
        }
        let mib = |bytes: u64| bytes as f64 / 1048576.0;
        return format!("{:.0} MiB ({:.1} MiB of it the write-ahead log)", mib(total), mib(wal));
    }
    format!("{:.0} MiB", postgres_size_mib(url).await)
}

async fn postgres_size_mib(url: &str) -> f64 {
    let db = db::connect(url, false).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT pg_database_size(current_database()) AS n".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as f64 / 1048576.0
}

#[expect(clippy::too_many_lines, reason = "one benchmark run, phase after phase, printing as it goes")]
async fn run(backend: &str, scale: f64, now: Timestamp) {
    let database = TestDatabase::fresh(if backend == "sqlite" { Backend::Sqlite } else { Backend::Postgres }).await;
    let url = database.url.clone();
    let db = db::connect(&url, true).await.unwrap();
    let areas = synthetic::city(&mut Rng::new(2026), ((525.0 * scale).round() as usize).max(1), now).areas;
    admin::import_area_list(&db, &areas).await.unwrap();
    admin::add_user(&db, "admin", "admin", Role::Admin, Some("city"), PASSWORD.into()).await.unwrap();
    let tree = jinlin_server::state::load_area_tree(&db).await.unwrap();
    let communities: Vec<_> =
        tree.areas().filter(|a| a.level == AreaLevel::Community).map(|a| (a.id, a.code.clone())).collect();
    let workstations = 50.min(communities.len() * 2);
    for (i, (_, code)) in communities.iter().cycle().take(workstations).enumerate() {
        admin::add_user(&db, &format!("a{i}"), "assistant", Role::Assistant, Some(code), PASSWORD.into())
            .await
            .unwrap();
    }
    db.close().await.unwrap();

    let server = Server::start(&url);
    let http = support::http();
    let admin_session = sign_in(&http, &server.base, "admin").await;
    let started = Instant::now();
    let uploader = Author { user: admin_session.user.id, device: admin_session.device };
    let city = build_city(scale, now, uploader);
    println!("  [{backend}] city built in {:.1?}", started.elapsed());
    if backend == "sqlite" {
        framing(&city);
    }

    // Initial upload: four workstations at once, each pushing its own community's
    // documents, up to 100 per push.
    let changes: usize = city.documents.iter().map(|(_, d)| d.history().len()).sum();
    let mut by_community: Vec<&(CommunityId, ElderDocument)> = city.documents.iter().collect();
    by_community.sort_by_key(|(community, _)| *community);
    let bodies: Vec<PushRequest> = by_community
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|community| community.chunks(100))
        .map(|chunk| PushRequest::new(chunk.iter().map(|(_, d)| DocumentPush::whole(d)).collect()))
        .collect();
    let started = Instant::now();
    let (cpu_before, client_before) = (server.cpu_seconds(), support::cpu_seconds("self"));
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(bodies));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (queue, http, base, token) =
            (queue.clone(), http.clone(), server.base.clone(), admin_session.token.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(body) = queue.lock().await.pop() else { break };
                let response: PushResponse = post(&http, &base, "/sync/push", &token, &body).await;
                if let Some(refused) = response.results.iter().find(|r| !r.outcome.is_accepted()) {
                    panic!("upload refused: {refused:?}");
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let upload = started.elapsed().as_secs_f64();
    let server_cpu = server.cpu_seconds() - cpu_before;
    let client_cpu = support::cpu_seconds("self") - client_before;
    println!(
        "  [{backend}] initial upload: server CPU {server_cpu:.1} s, {:.2} ms per elder document; the uploading clients (this process) {client_cpu:.1} s",
        server_cpu * 1000.0 / city.documents.len() as f64
    );
    println!(
        "  [{backend}] initial upload: {} elders, {changes} changes, {} visits in {upload:.1} s ({:.0} changes/s, {:.0} visits/s); server peak {:.0} MiB; database {}",
        city.documents.len(),
        city.visits,
        changes as f64 / upload,
        city.visits as f64 / upload,
        server.peak_memory_mib(),
        database_size(&url, database.dir()).await
    );

    // One community's pull from zero and bootstrap, as its first workstation.
    let first = sign_in(&http, &server.base, "a0").await;
    let started = Instant::now();
    let mut cursor = Cursor::new();
    let mut pulled = 0;
    loop {
        let page: PullResponse =
            post(&http, &server.base, "/sync/pull", &first.token, &PullRequest::new(cursor.clone(), 5000)).await;
        pulled += page.documents.len();
        cursor = page.next_cursor;
        if !page.more {
            break;
        }
    }
    let pull_time = started.elapsed();
    let started = Instant::now();
    let mut after: Option<ElderId> = None;
    let mut snapshots = 0;
    let mut bytes = 0;
    loop {
        let response = http
            .post(format!("{}/sync/bootstrap", server.base))
            .bearer_auth(&first.token)
            .json(&BootstrapRequest::new(after, 500))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        bytes += response.len();
        let page: BootstrapResponse = serde_json::from_slice(&response).unwrap();
        snapshots += page.snapshots.len();
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    println!(
        "  [{backend}] one community: pull from zero {pull_time:.2?} ({pulled} documents); bootstrap {:.2?} ({snapshots} snapshots, {} KiB)",
        started.elapsed(),
        bytes / 1024
    );

    // Fifty workstations push one new visit each, at once.
    let mut sessions = Vec::new();
    for i in 0..workstations {
        sessions.push(sign_in(&http, &server.base, &format!("a{i}")).await);
    }
    // Each workstation's copy of its elder, a visit more each round.
    let mut copies: Vec<ElderDocument> = (0..workstations)
        .map(|i| {
            let community = communities[i % communities.len()].0;
            let mut of_community = city.documents.iter().filter(|(c, _)| *c == community);
            of_community.nth(i / communities.len()).unwrap().1.clone()
        })
        .collect();
    let rounds: usize = std::env::var("JINLIN_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let cpu_before = server.cpu_seconds();
    let mut latencies = Vec::new();
    for round in 0..rounds {
        let mut pushes = Vec::new();
        for (i, (session, doc)) in sessions.iter().zip(&mut copies).enumerate() {
            let heads = doc.heads();
            let author = Author { user: session.user.id, device: session.device };
            let at = jinlin_server::state::now().plus_minutes(-5);
            let mut rng = Rng::new((round * workstations + i) as u64);
            doc.record_visit(&Edit { author, at }, synthetic::visit(&mut rng, at), &Policy::default()).unwrap();
            pushes.push(PushRequest::new(vec![DocumentPush {
                elder: doc.elder_id(),
                changes: doc.changes_since(&heads).into_iter().map(AutomergeBytes::new).collect(),
            }]));
        }
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(workstations));
        let mut tasks = Vec::new();
        for (session, body) in sessions.iter().zip(pushes) {
            let (http, base, barrier, token) =
                (http.clone(), server.base.clone(), barrier.clone(), session.token.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let started = Instant::now();
                let response: PushResponse = post(&http, &base, "/sync/push", &token, &body).await;
                assert!(response.results[0].outcome.is_accepted(), "{:?}", response.results[0].outcome);
                started.elapsed()
            }));
        }
        for task in tasks {
            latencies.push(task.await.unwrap());
        }
    }
    let server_cpu = server.cpu_seconds() - cpu_before;
    latencies.sort();
    println!(
        "  [{backend}] {workstations} concurrent one-visit pushes ({rounds} rounds): median {:.1?}, p95 {:.1?}, max {:.1?}; server CPU {:.2} ms per push",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies[latencies.len() - 1],
        server_cpu * 1000.0 / latencies.len() as f64
    );
    drop(server);
    // The benchmark's PostgreSQL database goes with it.
    database.remove().await;
}

/// JSON with base64 against a binary framing, for a typical 100-document push: the
/// size on the wire and the time to encode and decode it.
fn framing(city: &City) {
    let docs: Vec<_> = city.documents.iter().take(100).collect();
    let request = PushRequest::new(docs.iter().map(|(_, d)| DocumentPush::whole(d)).collect());
    let started = Instant::now();
    let json = serde_json::to_vec(&request).unwrap();
    let encode = started.elapsed();
    let started = Instant::now();
    let decoded: PushRequest = serde_json::from_slice(&json).unwrap();
    let decode = started.elapsed();
    assert_eq!(decoded.documents.len(), docs.len());
    // The binary alternative: per document 16 bytes of id, then length-prefixed changes.
    let started = Instant::now();
    let mut binary = Vec::new();
    for document in &request.documents {
        binary.extend_from_slice(document.elder.as_uuid().as_bytes());
        binary.extend_from_slice(&(document.changes.len() as u32).to_le_bytes());
        for change in &document.changes {
            binary.extend_from_slice(&(change.len() as u32).to_le_bytes());
            binary.extend_from_slice(change.as_bytes());
        }
    }
    let binary_encode = started.elapsed();
    println!(
        "  framing, 100-document push: JSON+base64 {} KiB (encode {encode:.2?}, decode {decode:.2?}); binary {} KiB (encode {binary_encode:.2?})",
        json.len() / 1024,
        binary.len() / 1024
    );
}

fn main() {
    let scale: f64 = std::env::var("JINLIN_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let now = jinlin_server::state::now();
    println!("sync server benchmark, scale {scale}");
    let databases = std::env::var("JINLIN_BENCH_DATABASES").unwrap_or_else(|_| "sqlite,postgres".into());
    for backend in ["sqlite", "postgres"].into_iter().filter(|b| databases.split(',').any(|d| d.trim() == *b)) {
        runtime.block_on(run(backend, scale, now));
    }
}
