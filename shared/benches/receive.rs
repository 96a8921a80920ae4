//! What the server does with an elder document new to it (most of a city's initial
//! upload), stage by stage, beside what Automerge alone takes for the same bytes.
//! Prints figures; asserts nothing. One thread.
//!
//! `cargo bench -p jinlin-shared --bench receive` (JINLIN_BENCH_ELDERS: how many
//! documents, 2,000 by default; each an enrolment and twelve monthly visits).

use std::time::{Duration, Instant};

use automerge::{Automerge, Change};
use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::Timestamp;

const SERVER_NOW: i64 = 1_796_054_400_000; // 2026-12-01T00:00:00+08:00

fn each(total: Duration, n: usize) -> String {
    format!("{:>7.1} µs", total.as_secs_f64() * 1e6 / n as f64)
}

fn time<T>(label: &str, n: usize, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    println!("  {label:<44} {} per document", each(started.elapsed(), n));
    out
}

/// `elders` new documents, each an enrolment and twelve monthly visits, as changes.
fn documents(elders: usize, now: Timestamp, policy: &Policy) -> Vec<Vec<Vec<u8>>> {
    let mut rng = Rng::new(2026);
    let city = synthetic::city(&mut rng, 525, now);
    let year_ago = now.plus_hours(-24 * 365);
    (0..elders)
        .map(|i| {
            let author = synthetic::author(&mut rng, year_ago);
            let community = city.communities[i % city.communities.len()];
            let enrolment = synthetic::enrolment(&mut rng, community, year_ago.shanghai_date(), year_ago);
            let edit = Edit { author, at: year_ago };
            let (mut doc, _) =
                ElderDocument::enrol(enrolment, &edit, ActorId::from(rng.actor_bytes())).expect("enrols");
            for month in 0..12 {
                let at = year_ago.plus_hours(24 * (30 * month + 3) + 10);
                doc.record_visit(&Edit { author, at }, synthetic::visit(&mut rng, at), policy).expect("a visit");
            }
            doc.changes_since(&[])
        })
        .collect()
}

fn main() {
    let elders: usize = std::env::var("JINLIN_BENCH_ELDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let policy = Policy::default();
    let now = Timestamp::from_millis(SERVER_NOW);
    let documents = documents(elders, now, &policy);
    let changes: usize = documents.iter().map(Vec::len).sum();
    let bytes: usize = documents.iter().flatten().map(Vec::len).sum();
    println!(
        "receive: {elders} new documents, {:.1} changes and {} bytes each",
        changes as f64 / elders as f64,
        bytes / elders
    );

    println!("Automerge alone:");
    let decoded: Vec<Vec<Change>> = time("decode the changes", elders, || {
        documents
            .iter()
            .map(|doc| doc.iter().map(|c| Change::from_bytes(c.clone()).expect("decodes")).collect())
            .collect()
    });
    let applied: Vec<Automerge> = time("apply them one by one to an empty document", elders, || {
        decoded
            .into_iter()
            .map(|changes| {
                let mut doc = Automerge::new();
                doc.apply_changes(changes).expect("applies");
                doc
            })
            .collect()
    });
    let whole: Vec<Vec<u8>> = documents.iter().map(|doc| doc.concat()).collect();
    time("load the changes as a whole", elders, || {
        whole.iter().map(|bytes| Automerge::load(bytes).expect("loads").get_heads().len()).sum::<usize>()
    });
    let saves: Vec<Vec<u8>> = time("save", elders, || applied.iter().map(Automerge::save).collect());
    let loaded: Vec<Automerge> =
        time("load a save", elders, || saves.iter().map(|bytes| Automerge::load(bytes).expect("loads")).collect());
    time("load a save, heads unverified", elders, || {
        saves
            .iter()
            .map(|bytes| Automerge::load_unverified_heads(bytes).expect("loads").get_heads().len())
            .sum::<usize>()
    });
    time("the changes of a loaded save", elders, || loaded.iter().map(|doc| doc.get_changes(&[]).len()).sum::<usize>());

    println!("The server's work:");
    time("load a save and read its record", elders, || {
        saves
            .iter()
            .map(|bytes| ElderDocument::load(bytes, ActorId::random()).expect("reads").change_count())
            .sum::<usize>()
    });
    let received: Vec<ElderDocument> = time("checked receive (decode, apply, review, read)", elders, || {
        documents
            .iter()
            .map(|doc| {
                ElderDocument::from_changes_checked(doc, ActorId::random(), now, &policy).expect("accepted").document
            })
            .collect()
    });
    time("save", elders, || received.iter().map(|doc| doc.save().len()).sum::<usize>());
    time("materialise", elders, || {
        received.iter().map(|doc| materialise(doc).expect("rows").visits.len()).sum::<usize>()
    });
    time("all three, as a push does", elders, || {
        documents
            .iter()
            .map(|doc| {
                let applied = ElderDocument::from_changes_checked(doc, ActorId::random(), now, &policy).expect("ok");
                let saved = applied.document.save();
                let rows = materialise(&applied.document).expect("rows");
                saved.len() + rows.visits.len()
            })
            .sum::<usize>()
    });
}
