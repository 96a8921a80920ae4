//! The real `jinlin-server` binary as child processes: two servers sharing one
//! PostgreSQL database under concurrent pushes, and a server killed mid-stream and
//! restarted on the same database. Every test ends by checking the database against
//! itself: the change log, the snapshots and the materialised rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use common::{AREAS_CSV, Backend, Client, PASSWORD, enrol, visit};
use jinlin_server::db;
use jinlin_server::db::entity::community_log;
use jinlin_shared::area::{AreaLevel, AreaTree};
use jinlin_shared::document::ElderDocument;
use jinlin_shared::ids::{CommunityId, ElderId, VisitId};
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    AutomergeBytes, Cursor, DeviceRegistration, DocumentPush, Heads, LoginRequest, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushOutcome, PushRequest, PushResponse,
};
use jinlin_shared::{ActorId, ChangeHash};
use jinlin_testkit::audit::check_database;
use jinlin_testkit::{ServeOptions, ServerProcess};
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::process::Command;

const SERVER: &str = env!("CARGO_BIN_EXE_jinlin-server");

/// The longest wait for anything a process should do at once: start, answer, exit.
const BOUND: Duration = Duration::from_secs(30);

/// The community of the test users "heping" and "heping2" (common::AREAS_CSV).
const HEPING: &str = "350203001001";

/// A fresh database holding the test city and its users, prepared before any server
/// process starts (so two servers never race to migrate it). On failure it is left
/// behind for inspection, as common::TestServer does.
struct TestDatabase {
    url: String,
    db: DatabaseConnection,
    areas: AreaTree,
    empty: jinlin_testkit::TestDatabase,
}

impl TestDatabase {
    /// Areas and users written in this process through the library.
    async fn prepared_in_process(backend: Backend) -> Self {
        let empty = jinlin_testkit::TestDatabase::fresh(backend).await;
        let url = empty.url.clone();
        let db = db::connect(&url, true).await.unwrap();
        jinlin_server::admin::import_areas(&db, AREAS_CSV).await.unwrap();
        for login in ["heping", "heping2"] {
            jinlin_server::admin::add_user(&db, login, login, Role::Assistant, Some(HEPING), PASSWORD.into())
                .await
                .unwrap();
        }
        let areas = jinlin_server::state::load_area_tree(&db).await.unwrap();
        Self { url, db, areas, empty }
    }

    /// Areas and users written by the binary's own `area import` and `user add`.
    async fn prepared_by_the_command_line(backend: Backend) -> Self {
        let empty = jinlin_testkit::TestDatabase::fresh(backend).await;
        let url = empty.url.clone();
        let csv = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(csv.path(), AREAS_CSV).unwrap();
        let imported = run_command(&url, &["area", "import", &csv.path().display().to_string()]).await;
        assert!(imported.starts_with("areas created: "), "{imported}");
        let added =
            run_command(&url, &["user", "add", "heping", "--name", "和平", "--role", "assistant", "--scope", HEPING])
                .await;
        assert!(added.starts_with("added heping"), "{added}");
        let db = db::connect(&url, false).await.unwrap();
        let areas = jinlin_server::state::load_area_tree(&db).await.unwrap();
        Self { url, db, areas, empty }
    }

    fn community(&self, code: &str) -> CommunityId {
        self.areas.areas().find(|a| a.code == code && a.level == AreaLevel::Community).unwrap().id
    }

    async fn remove(self) {
        self.db.close().await.unwrap();
        self.empty.remove().await;
    }
}

/// Runs one administration command of the binary to completion; returns its output.
async fn run_command(url: &str, args: &[&str]) -> String {
    let output = tokio::time::timeout(
        BOUND,
        Command::new(SERVER)
            .arg("--database-url")
            .arg(url)
            .args(args)
            .env("JINLIN_PASSWORD", PASSWORD)
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("JINLIN_POLICY")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("jinlin-server {args:?} did not finish within {BOUND:?}"))
    .expect("the server binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "jinlin-server {args:?} failed ({}): {stderr}", output.status);
    String::from_utf8(output.stdout).unwrap()
}

/// A `jinlin-server serve` child process on port 0 (the kit's).
fn serve(url: &str) -> ServerProcess {
    ServerProcess::start(Path::new(SERVER), ServeOptions::new(url))
}

/// SIGTERM, and the exit is clean.
fn stop(server: ServerProcess) {
    let log = server.log();
    let status = server.terminate();
    assert!(status.success(), "a server stopped by SIGTERM exits cleanly ({status}):\n{log}");
}

async fn sign_in(base: &str, login: &str) -> Client {
    let http = common::http_builder().timeout(BOUND).build().unwrap();
    let request = LoginRequest {
        protocol: PROTOCOL_VERSION,
        login: login.into(),
        password: PASSWORD.into(),
        device: DeviceRegistration { id: None, name: format!("{login}'s workstation") },
    };
    let response = http.post(format!("{base}/auth/login")).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 200, "sign-in of {login}");
    Client { http, base: base.to_owned(), login: response.json().await.unwrap() }
}

/// The changes of `doc` the server is not known to hold, in causal order.
fn pending(doc: &ElderDocument, on_server: &HashSet<ChangeHash>) -> Vec<(ChangeHash, Vec<u8>)> {
    doc.changes_with_hashes().into_iter().filter(|(hash, _)| !on_server.contains(hash)).collect()
}

/// Pushes one document's changes. An error is a failure to reach the server or to
/// read its whole answer: the changes are then not acknowledged. Any answer other than
/// 200 fails the test, since these tests push only valid changes.
async fn push_changes(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    elder: ElderId,
    changes: Vec<Vec<u8>>,
) -> Result<PushOutcome, reqwest::Error> {
    let request =
        PushRequest::new(vec![DocumentPush { elder, changes: changes.into_iter().map(AutomergeBytes::new).collect() }]);
    let response = http.post(format!("{base}/sync/push")).bearer_auth(token).json(&request).send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    assert_eq!(status, 200, "push of {elder}: {}", String::from_utf8_lossy(&body));
    let mut answer: PushResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer.results.len(), 1);
    Ok(answer.results.remove(0).outcome)
}

/// One workstation: its replica of each document, what its server is known to hold,
/// and the visits it recorded.
struct Workstation {
    client: Client,
    docs: BTreeMap<ElderId, ElderDocument>,
    on_server: HashSet<ChangeHash>,
    cursor: Cursor,
    visits: Vec<VisitId>,
}

impl Workstation {
    fn new(client: Client) -> Self {
        Self { client, docs: BTreeMap::new(), on_server: HashSet::new(), cursor: Cursor::new(), visits: Vec::new() }
    }

    /// Pushes every document's pending changes, one request per document, all at once;
    /// each must be accepted.
    async fn push_all(&mut self) {
        let mut pushes = tokio::task::JoinSet::new();
        for (&elder, doc) in &self.docs {
            let (hashes, changes): (Vec<ChangeHash>, Vec<Vec<u8>>) = pending(doc, &self.on_server).into_iter().unzip();
            if changes.is_empty() {
                continue;
            }
            let http = self.client.http.clone();
            let base = self.client.base.clone();
            let token = self.client.login.token.clone();
            pushes.spawn(async move {
                let outcome = push_changes(&http, &base, &token, elder, changes).await;
                (elder, hashes, outcome)
            });
        }
        while let Some(done) = pushes.join_next().await {
            let (elder, hashes, outcome) = done.unwrap();
            match outcome.unwrap_or_else(|error| panic!("push of {elder} to {}: {error}", self.client.base)) {
                PushOutcome::Accepted { .. } => self.on_server.extend(hashes),
                refused => panic!("push of {elder} refused: {refused:?}"),
            }
        }
    }

    /// Pulls the log after the cursor and merges every page into the replicas.
    async fn pull(&mut self) {
        loop {
            let response = self
                .client
                .http
                .post(format!("{}/sync/pull", self.client.base))
                .bearer_auth(&self.client.login.token)
                .json(&PullRequest::new(self.cursor.clone(), 1000))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let page: PullResponse = response.json().await.unwrap();
            for pulled in page.documents {
                let chunks: Vec<Vec<u8>> = pulled.chunks.iter().map(|c| c.as_bytes().to_vec()).collect();
                match self.docs.get_mut(&pulled.elder) {
                    Some(doc) => doc.apply_changes(&chunks).unwrap(),
                    None => {
                        let doc = ElderDocument::from_changes(&chunks, ActorId::random()).unwrap();
                        self.docs.insert(pulled.elder, doc);
                    }
                }
            }
            assert!(page.departed.is_empty());
            self.cursor = page.next_cursor;
            if !page.more {
                break;
            }
        }
        assert!(self.docs.values().all(|doc| doc.missing_dependencies().is_empty()), "a pull left changes waiting");
    }

    /// Records a visit on every replica, pushes them all, then pulls what the other
    /// workstation pushed meanwhile, `rounds` times.
    async fn record_push_and_pull(mut self, rounds: u64, seed: u64) -> Self {
        for round in 0..rounds {
            for (index, doc) in self.docs.values_mut().enumerate() {
                let id = visit(doc, &self.client, seed + round * 100 + index as u64);
                self.visits.push(id);
            }
            self.push_all().await;
            self.pull().await;
            // Every change of the replicas is now acknowledged or came from the server.
            self.on_server.extend(self.docs.values().flat_map(|doc| doc.history()).map(|c| c.hash));
        }
        self
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgres_store_every_concurrent_change_once() {
    const ELDERS: u64 = 6;
    const ROUNDS: u64 = 4;
    let database = TestDatabase::prepared_in_process(Backend::Postgres).await;
    let community = database.community(HEPING);
    let (first_server, second_server) = (serve(&database.url), serve(&database.url));
    let mut first = Workstation::new(sign_in(&first_server.base(), "heping").await);
    let mut second = Workstation::new(sign_in(&second_server.base(), "heping2").await);
    for seed in 0..ELDERS {
        let doc = enrol(&first.client, community, 500 + seed);
        first.docs.insert(doc.elder_id(), doc);
    }
    first.push_all().await;
    second.pull().await;
    assert_eq!(second.docs.len(), ELDERS as usize, "the second server serves what the first stored");

    // Both workstations edit the same elders at once, each through its own server.
    let first = tokio::spawn(first.record_push_and_pull(ROUNDS, 10_000));
    let second = tokio::spawn(second.record_push_and_pull(ROUNDS, 20_000));
    let (mut first, mut second) = (first.await.unwrap(), second.await.unwrap());
    first.pull().await;
    second.pull().await;

    let stored = check_database(&database.db).await;
    let mut produced = BTreeSet::new();
    for (elder, doc) in first.docs.iter().chain(&second.docs) {
        produced.extend(doc.history().iter().map(|c| c.hash.to_string()));
        let heads = &stored.heads[&elder.to_string()];
        assert_eq!(heads, &Heads::new(doc.heads()), "both replicas of {elder} converge on the server's document");
    }
    let expected_changes = ELDERS * (1 + 2 * ROUNDS);
    assert_eq!(produced.len() as u64, expected_changes);
    assert_eq!(stored.all_changes(), produced, "every change pushed is stored");
    // Each change is logged once (the audit checks it), a push's changes of one
    // document in one entry: at least one entry per elder, at most one per change.
    let entries = stored.log_entries as u64;
    assert!((ELDERS..=expected_changes).contains(&entries), "{entries} log entries");
    let log = community_log::Entity::find_by_id(community.to_string()).one(&database.db).await.unwrap().unwrap();
    assert_eq!(log.last_seq as u64, entries);
    let recorded: BTreeSet<String> = first.visits.iter().chain(&second.visits).map(|v| v.to_string()).collect();
    assert_eq!(recorded.len() as u64, ELDERS * ROUNDS * 2);
    assert_eq!(stored.visits, recorded, "every visit recorded is materialised");

    drop((first, second));
    for server in [first_server, second_server] {
        stop(server);
    }
    database.remove().await;
}

/// How many kills the streams live through.
const KILLS: usize = 3;
/// Acknowledged pushes in each stretch of the streams before the server is killed.
const ACKS_BEFORE_KILL: usize = 6;
/// Failed pushes after which a stream's stretch ends.
const FAILURES_PER_STRETCH: usize = 3;

/// One elder's stream of visits from the workstation: its replica, the changes the
/// server acknowledged, and the visits recorded.
struct Lane {
    doc: ElderDocument,
    acknowledged: HashSet<ChangeHash>,
    recorded: BTreeSet<String>,
    seed: u64,
}

impl Lane {
    /// Pushes every change not acknowledged yet; true when the server acknowledged them.
    async fn push(&mut self, client: &Client) -> bool {
        let elder = self.doc.elder_id();
        let (hashes, changes): (Vec<ChangeHash>, Vec<Vec<u8>>) =
            pending(&self.doc, &self.acknowledged).into_iter().unzip();
        match push_changes(&client.http, &client.base, &client.login.token, elder, changes).await {
            Ok(PushOutcome::Accepted { .. }) => {
                self.acknowledged.extend(hashes);
                true
            }
            Ok(refused) => panic!("push of {elder} refused: {refused:?}"),
            Err(_) => false,
        }
    }

    /// Records a visit and pushes it, one push per visit, until
    /// [`FAILURES_PER_STRETCH`] pushes have failed; counts acknowledged pushes in `acks`.
    async fn stream(mut self, client: Arc<Client>, acks: Arc<tokio::sync::watch::Sender<usize>>) -> (Self, usize) {
        let mut failed = 0;
        for _ in 0..500 {
            self.seed += 1;
            self.recorded.insert(visit(&mut self.doc, &client, self.seed).to_string());
            if self.push(&client).await {
                acks.send_modify(|n| *n += 1);
            } else {
                failed += 1;
                if failed == FAILURES_PER_STRETCH {
                    break;
                }
            }
        }
        (self, failed)
    }
}

async fn a_server_killed_mid_stream_restarts_with_every_acknowledged_change_and_no_half_document(backend: Backend) {
    let database = TestDatabase::prepared_by_the_command_line(backend).await;
    let community = database.community(HEPING);
    let mut server = serve(&database.url);
    let mut client = Arc::new(sign_in(&server.base(), "heping").await);
    let mut lanes = Vec::new();
    for elder in 0..2 {
        let doc = enrol(&client, community, 700 + elder);
        let mut lane = Lane { doc, acknowledged: HashSet::new(), recorded: BTreeSet::new(), seed: 1_000 * (elder + 1) };
        assert!(lane.push(&client).await, "the enrolment is accepted");
        lanes.push(lane);
    }

    for stretch in 0..KILLS {
        // Each elder's stream pushes at its own pace, so the kill finds the other
        // stream's push anywhere between sending and reading the answer.
        let acks = Arc::new(tokio::sync::watch::channel(0).0);
        let mut acks_seen = acks.subscribe();
        let killer = tokio::spawn(async move {
            let reached = tokio::time::timeout(BOUND, acks_seen.wait_for(|n| *n >= ACKS_BEFORE_KILL)).await;
            assert!(reached.is_ok_and(|r| r.is_ok()), "the streams never got {ACKS_BEFORE_KILL} pushes acknowledged");
            server.kill()
        });
        let streams: Vec<_> =
            lanes.drain(..).map(|lane| tokio::spawn(lane.stream(client.clone(), acks.clone()))).collect();
        for stream in streams {
            let (lane, failed) = stream.await.unwrap();
            assert_eq!(failed, FAILURES_PER_STRETCH, "stretch {stretch}: the server was not killed mid-stream");
            lanes.push(lane);
        }
        let status = killer.await.unwrap();
        assert_eq!(status.signal(), Some(9), "the server died of SIGKILL ({status})");

        server = serve(&database.url);
        // The workstation keeps its session: it was committed before it was given out.
        client = Arc::new(Client { http: client.http.clone(), base: server.base(), login: client.login.clone() });
        let stored = check_database(&database.db).await;
        let all = stored.all_changes();
        for lane in &lanes {
            let lost: Vec<String> =
                lane.acknowledged.iter().map(|h| h.to_string()).filter(|h| !all.contains(h)).collect();
            assert!(lost.is_empty(), "stretch {stretch}: acknowledged changes lost in the kill: {lost:?}");
        }

        // The workstation sends what was not acknowledged again.
        for lane in &mut lanes {
            assert!(!pending(&lane.doc, &lane.acknowledged).is_empty());
            assert!(lane.push(&client).await, "the restarted server accepts the rest");
        }
        let stored = check_database(&database.db).await;
        let mut recorded = BTreeSet::new();
        for lane in &lanes {
            let id = lane.doc.elder_id().to_string();
            let history: BTreeSet<String> = lane.doc.history().iter().map(|c| c.hash.to_string()).collect();
            assert_eq!(stored.changes[&id], history, "stretch {stretch}: every change of {id} is stored");
            assert_eq!(stored.heads[&id], Heads::new(lane.doc.heads()));
            recorded.extend(lane.recorded.iter().cloned());
        }
        assert_eq!(stored.visits, recorded, "stretch {stretch}: every visit recorded is materialised");
    }
    drop(client);
    stop(server);
    database.remove().await;
}
on_both_databases!(
    a_server_killed_mid_stream_restarts_with_every_acknowledged_change_and_no_half_document,
    super::a_server_killed_mid_stream_restarts_with_every_acknowledged_change_and_no_half_document
);
