//! A fuzz harness that runs on stable Rust: real Automerge changes (an enrolment,
//! visits, a void, a correction, typed notes, a conflict resolved) and hand-made bombs,
//! mutated byte by byte and change by change, fed to three targets:
//! - the change decoder (`summarise_change`, then Automerge's decoder behind the guard);
//! - the checked apply (`ElderDocument::apply_checked` on a stored document);
//! - the push handler (the real router, in process, on SQLite), whose answers must
//!   never be a 5xx.
//!
//! A panic anywhere, or a 5xx, is a finding. The test command runs a short, seeded run
//! (and shows that a planted fault is found); `cargo bench -p jinlin-server --bench
//! fuzz` runs the long one and prints the counts. (A module of the server's tests,
//! included by the benchmark too.)
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use axum::body::Body;
use jinlin_server::{AppState, Limits, admin, db};
use jinlin_shared::ActorId;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, ProfileChange, craft, summarise_change};
use jinlin_shared::ids::{CommunityId, ElderId};
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;
use jinlin_shared::user::Role;
use jinlin_shared::wire::{
    AutomergeBytes, DeviceRegistration, DocumentPush, LoginRequest, LoginResponse, PROTOCOL_VERSION, PushRequest,
    PushResponse,
};
use tower::ServiceExt as _;

/// What became of the inputs of one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub inputs: u64,
    pub accepted: u64,
    /// Refusals by code (or by the decoder's reason).
    pub refused: BTreeMap<String, u64>,
    pub panics: u64,
    /// Answers of 500 and above.
    pub server_errors: u64,
    /// The first input that panicked or answered a 5xx, to reproduce it.
    pub first_finding: Option<Vec<u8>>,
}

impl Tally {
    fn refuse(&mut self, why: impl Into<String>) {
        *self.refused.entry(why.into()).or_default() += 1;
    }

    fn found(&mut self, input: &[u8]) {
        if self.first_finding.is_none() {
            self.first_finding = Some(input.to_vec());
        }
    }

    pub fn findings(&self) -> u64 {
        self.panics + self.server_errors
    }
}

/// What a target made of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Refused(String),
    ServerError(u16),
}

/// The seed changes, made by `author` in `community` with the project's own
/// operations (these are the honest inputs mutation starts from) plus bombs.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Changes of one document in causal order: enrolment first.
    pub history: Vec<Vec<u8>>,
    pub elder: ElderId,
    pub bombs: Vec<Vec<u8>>,
}

impl Corpus {
    pub fn new(author: Author, community: CommunityId, now: Timestamp) -> Self {
        let mut rng = Rng::new(12);
        let start = now.plus_hours(-24 * 40);
        let policy = Policy::default();
        let enrolment = synthetic::enrolment(&mut rng, community, start.shanghai_date(), start);
        let edit = |hours: i64| Edit { author, at: start.plus_hours(hours) };
        let (mut doc, _) = ElderDocument::enrol(enrolment, &edit(0), ActorId::random()).expect("an enrolment");
        let mut red = synthetic::visit(&mut rng, start.plus_hours(24));
        red.record.risk = jinlin_shared::visit::RiskLevel::Red;
        let red_id = red.id;
        if red.follow_up.is_none() {
            red.follow_up = Some(jinlin_shared::document::NewFollowUp {
                id: jinlin_shared::ids::FollowUpId::from_parts(start.as_millis() as u64, rng.bytes10()),
                action: "次日复查".into(),
                due_at: start.plus_hours(30),
            });
        }
        doc.record_visit(&edit(24), red, &policy).expect("a red visit");
        let mut green = synthetic::visit(&mut rng, start.plus_hours(48));
        green.record.risk = jinlin_shared::visit::RiskLevel::Green;
        green.follow_up = None;
        let green_id = green.id;
        doc.record_visit(&edit(48), green, &policy).expect("a visit");
        doc.update_profile(&edit(50), &[ProfileChange::Notes("左耳听力弱，说话请大声。家住三楼。".into())])
            .expect("notes");
        doc.update_profile(&edit(51), &[ProfileChange::Phone(Some("13800000001".into()))]).expect("a phone");
        doc.void_visit(&edit(52), green_id, "录入重复").expect("a void");
        let mut corrected = doc.record().visits[&red_id].record.clone();
        corrected.notes = "更正：已联系家属".into();
        let visited_at = doc.record().visits[&red_id].visited_at;
        doc.correct_visit(&edit(53), red_id, visited_at, corrected, None, &policy).expect("a correction");
        let history = doc.changes_since(&[]);
        let bombs = vec![
            craft::deflate_bomb(4 << 20),
            craft::op_bomb(&author, 10_000_000),
            craft::pred_bomb(&author, 1 << 40),
            craft::compressed_chunk(&history[0][10..]),
        ];
        Self { history, elder: doc.elder_id(), bombs }
    }

    fn pick<'a>(&'a self, rng: &mut Rng) -> &'a [u8] {
        let changes = if rng.chance(5) { &self.bombs } else { &self.history };
        let picked: &Vec<u8> = rng.pick(changes);
        picked
    }
}

/// One change mutated: bytes flipped, set to edge values, inserted, removed,
/// duplicated, spliced from another change, or a length turned huge; most of the
/// time the chunk's length is then made to fit again, so the mutation reaches the
/// change's contents instead of being refused at its frame.
pub fn mutate(rng: &mut Rng, corpus: &Corpus) -> Vec<u8> {
    let bytes = mutate_bytes(rng, corpus);
    if rng.chance(75) { reframe(bytes) } else { bytes }
}

/// Rewrites a chunk's length field to the bytes that follow it.
fn reframe(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() < 10 {
        return bytes;
    }
    let mut end = 9;
    while end < bytes.len() && bytes[end] & 0x80 != 0 && end < 19 {
        end += 1;
    }
    let data = &bytes[(end + 1).min(bytes.len())..];
    let mut out = bytes[..9].to_vec();
    craft::uleb(&mut out, data.len() as u64);
    out.extend_from_slice(data);
    out
}

fn mutate_bytes(rng: &mut Rng, corpus: &Corpus) -> Vec<u8> {
    let mut bytes = corpus.pick(rng).to_vec();
    for _ in 0..=rng.below(3) {
        let len = bytes.len().max(1) as u64;
        let at = rng.below(len) as usize;
        match rng.below(9) {
            0 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = *rng.pick(&[0x00, 0x01, 0x7f, 0x80, 0xff]);
                }
            }
            2 => {
                let extra: Vec<u8> = (0..=rng.below(8)).map(|_| rng.next_u64() as u8).collect();
                bytes.splice(at.min(bytes.len())..at.min(bytes.len()), extra);
            }
            3 => {
                let end = (at + 1 + rng.below(16) as usize).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            4 => bytes.truncate(at),
            5 => {
                let end = (at + 1 + rng.below(32) as usize).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                bytes.splice(at.min(bytes.len())..at.min(bytes.len()), copy);
            }
            6 => {
                let other = corpus.pick(rng);
                let from = rng.below(other.len().max(1) as u64) as usize;
                bytes.truncate(at);
                bytes.extend_from_slice(&other[from.min(other.len())..]);
            }
            7 => {
                // A LEB128 that claims the most it can.
                let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
                bytes.splice(at.min(bytes.len())..(at + 1).min(bytes.len()), huge);
            }
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = b.wrapping_add(rng.below(5) as u8).wrapping_sub(2);
                }
            }
        }
    }
    bytes
}

/// A document's changes mutated as a whole: one change mutated, changes dropped,
/// repeated or reordered.
pub fn mutate_history(rng: &mut Rng, corpus: &Corpus) -> Vec<Vec<u8>> {
    let mut changes = corpus.history.clone();
    match rng.below(4) {
        0 | 1 => {
            let at = rng.below(changes.len() as u64) as usize;
            changes[at] = mutate(rng, corpus);
        }
        2 => {
            let at = rng.below(changes.len() as u64) as usize;
            let change = changes.remove(at);
            if rng.chance(50) {
                changes.push(change);
            }
        }
        _ => {
            let at = rng.below(changes.len() as u64) as usize;
            changes.insert(at, mutate(rng, corpus));
        }
    }
    changes
}

thread_local! {
    /// Set while this thread fuzzes: the panics it provokes (and catches) on purpose
    /// are counted, not printed, while other threads' panics still print.
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once, a panic hook that stays quiet on fuzzing threads.
fn quiet_while_fuzzing() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `target` on `inputs` mutated inputs, catching panics.
pub fn run(inputs: u64, seed: u64, corpus: &Corpus, mut target: impl FnMut(&[u8]) -> Outcome) -> Tally {
    quiet_while_fuzzing();
    FUZZING.with(|f| f.set(true));
    let tally = run_quietly(inputs, seed, corpus, &mut target);
    FUZZING.with(|f| f.set(false));
    tally
}

fn run_quietly(inputs: u64, seed: u64, corpus: &Corpus, target: &mut impl FnMut(&[u8]) -> Outcome) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    for _ in 0..inputs {
        let input = mutate(&mut rng, corpus);
        tally.inputs += 1;
        match catch_unwind(AssertUnwindSafe(|| target(&input))) {
            Ok(Outcome::Accepted) => tally.accepted += 1,
            Ok(Outcome::Refused(why)) => tally.refuse(why),
            Ok(Outcome::ServerError(_)) => {
                tally.server_errors += 1;
                tally.found(&input);
            }
            Err(_) => {
                tally.panics += 1;
                tally.found(&input);
            }
        }
    }
    tally
}

/// The change decoder: the measure taken before decoding, then Automerge's decoder
/// on what passes it (through the guarded path every reader uses).
pub fn decoder(input: &[u8]) -> Outcome {
    match summarise_change(input) {
        Err(error) => Outcome::Refused(format!("measured: {error}")),
        Ok(_) => match ElderDocument::from_changes(&[input.to_vec()], ActorId::random()) {
            Ok(_) => Outcome::Accepted,
            Err(error) => {
                Outcome::Refused(format!("decoded: {}", error.to_string().chars().take(40).collect::<String>()))
            }
        },
    }
}

/// The checked apply, on the corpus document stored up to its second change; `now`
/// is the receiver's clock.
pub fn apply_target(corpus: &Corpus, now: Timestamp) -> impl FnMut(&[u8]) -> Outcome + '_ {
    let stored = ElderDocument::from_changes(&corpus.history[..2], ActorId::random()).expect("the corpus document");
    let policy = Policy::default();
    move |input| {
        let mut changes = corpus.history[2..].to_vec();
        changes.push(input.to_vec());
        match stored.apply_checked(&changes, now, &policy) {
            Ok(_) => Outcome::Accepted,
            Err(rejection) => Outcome::Refused(rejection.code().as_str().to_owned()),
        }
    }
}

/// The real router on a fresh SQLite database with one assistant signed in, driven in
/// process: every request goes through the same layers, extractors and push path as
/// over the network.
#[derive(Debug)]
pub struct PushTarget {
    state: AppState,
    pub login: LoginResponse,
    pub community: CommunityId,
    /// A fault planted in front of the router (a test of the harness itself): a
    /// request whose body it holds is answered 500.
    pub planted: Option<fn(&[u8]) -> bool>,
    _dir: tempfile::TempDir,
}

impl PushTarget {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let database = db::connect(&url, true).await.expect("the database");
        let areas = "district_code,district_name,street_code,street_name,community_code,community_name\n\
                     350203,思明区,350203001,鹭江街道,350203001001,和平社区\n";
        admin::import_areas(&database, areas).await.expect("areas");
        let password = "fuzzing password";
        admin::add_user(&database, "fuzz", "fuzz", Role::Assistant, Some("350203001001"), password.into())
            .await
            .expect("a user");
        let tree = jinlin_server::state::load_area_tree(&database).await.expect("the area tree");
        let community = tree.areas().find(|a| a.code == "350203001001").expect("the community").id;
        let state = AppState::new(database, Policy::default(), Limits::default());
        let login = LoginRequest {
            protocol: PROTOCOL_VERSION,
            login: "fuzz".into(),
            password: password.into(),
            device: DeviceRegistration { id: None, name: "fuzzer".into() },
        };
        let body = serde_json::to_vec(&login).unwrap_or_default();
        let (status, body) = send(&state, None, "/api/v1/auth/login", None, body).await;
        assert_eq!(status, 200, "the fuzzer signs in");
        let login: LoginResponse = serde_json::from_slice(&body).expect("a sign-in answer");
        Self { state, login, community, planted: None, _dir: dir }
    }

    pub fn author(&self) -> Author {
        Author { user: self.login.user.id, device: self.login.device }
    }

    /// Pushes `changes` of `elder`; the outcome of the one document.
    pub async fn push(&self, elder: ElderId, changes: Vec<Vec<u8>>) -> Outcome {
        let request = PushRequest::new(vec![DocumentPush {
            elder,
            changes: changes.into_iter().map(AutomergeBytes::new).collect(),
        }]);
        let body = serde_json::to_vec(&request).unwrap_or_default();
        let (status, answer) =
            send(&self.state, self.planted, "/api/v1/sync/push", Some(&self.login.token), body).await;
        if status >= 500 {
            return Outcome::ServerError(status);
        }
        match serde_json::from_slice::<PushResponse>(&answer).ok().and_then(|a| a.results.into_iter().next()) {
            Some(result) if result.outcome.is_accepted() => Outcome::Accepted,
            Some(result) => match result.outcome {
                jinlin_shared::wire::PushOutcome::Rejected { code, .. } => Outcome::Refused(code.as_str().to_owned()),
                jinlin_shared::wire::PushOutcome::Accepted { .. } => Outcome::Accepted,
            },
            None => Outcome::Refused(format!("http {status}")),
        }
    }
}

async fn send(
    state: &AppState,
    planted: Option<fn(&[u8]) -> bool>,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    if planted.is_some_and(|fault| fault(&body)) {
        return (500, Vec::new());
    }
    let mut request = axum::http::Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request.body(Body::from(body)).expect("a request");
    // In process there is no connection: the sign-in throttle reads this address.
    let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 9));
    let router = jinlin_server::http::router(state.clone()).layer(axum::extract::connect_info::MockConnectInfo(peer));
    // Run on its own task: a panic in a handler is a finding, not the harness's end.
    let answer = tokio::spawn(async move {
        let response = router.oneshot(request).await.expect("the router answers");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
        (status, bytes)
    })
    .await;
    answer.unwrap_or((599, Vec::new()))
}

/// Pushes `inputs` mutated histories of the corpus document.
pub async fn fuzz_push(target: &PushTarget, corpus: &Corpus, inputs: u64, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    for _ in 0..inputs {
        let changes = mutate_history(&mut rng, corpus);
        tally.inputs += 1;
        match target.push(corpus.elder, changes.clone()).await {
            Outcome::Accepted => tally.accepted += 1,
            Outcome::Refused(why) => tally.refuse(why),
            Outcome::ServerError(status) => {
                // 599: the handler's task panicked.
                if status == 599 {
                    tally.panics += 1;
                } else {
                    tally.server_errors += 1;
                }
                tally.found(&changes.concat());
            }
        }
    }
    tally
}
