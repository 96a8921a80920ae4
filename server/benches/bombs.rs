//! Bombs against the real server process: a deflated change that inflates past 100
//! MiB, a run-length change of ten million operations and one whose single operation
//! names 2⁴⁰ predecessors, each pushed beside an honest document. Prints how long the
//! server took to answer and its peak memory (VmHWM) before and after; and, for
//! scale, what Automerge alone spends on a run-length bomb a tenth that size when
//! nothing measures it first. Asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench bombs`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use jinlin_shared::ActorId;
use jinlin_shared::author::Author;
use jinlin_shared::document::{Edit, ElderDocument, craft};
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::wire::{AutomergeBytes, DocumentPush, LoginResponse, PushRequest, PushResponse};

mod support;

use support::{Server, sign_in};

fn self_peak_mib() -> f64 {
    support::memory_mib("/proc/self/status", "VmHWM:")
}

async fn setup() -> (Server, LoginResponse, tempfile::TempDir, jinlin_shared::ids::CommunityId) {
    let dir = tempfile::tempdir().unwrap();
    let (url, community) = support::one_community(dir.path(), 1).await;
    let server = Server::start(&url);
    let login = sign_in(&support::http(), &server.base, "a0").await;
    (server, login, dir, community)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (server, login, _dir, community) = setup().await;
    let author = Author { user: login.user.id, device: login.device };
    let http = support::http();
    let now = jinlin_server::state::now();
    let mut rng = Rng::new(1);
    println!("bombs against the server (SQLite); peak memory is the server process's VmHWM");
    println!("  at rest: {:.1} MiB resident, peak {:.1} MiB", server.memory_mib(), server.peak_memory_mib());
    let bombs = [
        ("deflate bomb, 100 MiB inflated", craft::deflate_bomb(100 << 20)),
        ("run-length bomb, 10^7 operations", craft::op_bomb(&author, 10_000_000)),
        ("predecessor bomb, 2^40 references", craft::pred_bomb(&author, 1 << 40)),
    ];
    for (name, bomb) in bombs {
        let at = now.plus_hours(-24);
        let enrolment = synthetic::enrolment(&mut rng, community, at.shanghai_date(), at);
        let (good, _) = ElderDocument::enrol(enrolment, &Edit { author, at }, ActorId::random()).unwrap();
        // The bomb rides as a second document, an elder of its own.
        let elder = synthetic::enrolment(&mut rng, community, at.shanghai_date(), at).elder;
        let request = PushRequest::new(vec![
            DocumentPush::whole(&good),
            DocumentPush { elder, changes: vec![AutomergeBytes::new(bomb.clone())] },
        ]);
        let started = Instant::now();
        let answer: PushResponse = http
            .post(format!("{}/sync/push", server.base))
            .bearer_auth(&login.token)
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let took = started.elapsed();
        println!(
            "  {name:<36} {:>6} bytes on the wire: answered in {took:>8.2?}; honest document {}, bomb {}; server peak {:.1} MiB",
            bomb.len(),
            if answer.results[0].outcome.is_accepted() { "stored" } else { "REFUSED" },
            match &answer.results[1].outcome {
                jinlin_shared::wire::PushOutcome::Rejected { code, .. } => code.as_str(),
                jinlin_shared::wire::PushOutcome::Accepted { .. } => "ACCEPTED",
            },
            server.peak_memory_mib()
        );
    }
    // What the measure spares: Automerge decoding and applying a run-length bomb of a
    // million operations (a tenth of the one above) with nothing in front of it.
    let bomb = craft::op_bomb(&author, 1_000_000);
    let before = self_peak_mib();
    let started = Instant::now();
    let change = automerge::Change::from_bytes(bomb).unwrap();
    let decoded = started.elapsed();
    let mut doc = automerge::Automerge::new();
    doc.apply_changes([change]).unwrap();
    println!(
        "  for scale, Automerge alone on a 10^6-operation run-length bomb: decoded in {decoded:.2?}, applied in {:.2?} in all, peak memory +{:.0} MiB",
        started.elapsed(),
        self_peak_mib() - before
    );
}
