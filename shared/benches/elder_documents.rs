//! City-scale figures for the elder document: 14,000 elders with a year of monthly
//! visits each. Prints figures; asserts nothing.
//!
//! `cargo bench -p jinlin-shared --bench elder_documents` (set JINLIN_BENCH_ELDERS to
//! run a smaller city).

use std::time::{Duration, Instant};

use jinlin_shared::ActorId;
use jinlin_shared::document::{Edit, ElderDocument};
use jinlin_shared::materialise::materialise;
use jinlin_shared::policy::Policy;
use jinlin_shared::synthetic::{self, Rng};
use jinlin_shared::time::{Date, Timestamp};

const SERVER_NOW: i64 = 1_796_054_400_000; // 2026-12-01T00:00:00+08:00

fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn per_item(total: Duration, n: usize) -> String {
    format!("{:.1} µs each", total.as_secs_f64() * 1e6 / n as f64)
}

#[expect(clippy::too_many_lines, reason = "one benchmark run, measured step after step as it prints")]
fn main() {
    let elders: usize = std::env::var("JINLIN_BENCH_ELDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(14_000);
    let visits_per_elder: i64 = std::env::var("JINLIN_BENCH_VISITS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let policy = Policy::default();
    let mut rng = Rng::new(2026);
    let now = Timestamp::from_millis(SERVER_NOW);
    let city = synthetic::city(&mut rng, 525, now);
    let enrolled_on = Date::from_ymd_opt(2025, 11, 1).expect("a date");
    println!("elder documents: {elders} elders, 12 visits each, {} communities", city.communities.len());

    // Create: enrolment plus twelve monthly visits by the community's assistant.
    let started = Instant::now();
    let mut saves = Vec::with_capacity(elders);
    for i in 0..elders {
        let community = city.communities[i % city.communities.len()];
        let assistant = synthetic::author(&mut rng, now);
        let enrolment = synthetic::enrolment(&mut rng, community, enrolled_on, now);
        let first = Timestamp::start_of_shanghai_day(enrolled_on);
        let (mut doc, _) =
            ElderDocument::enrol(enrolment, &Edit { author: assistant, at: first }, ActorId::from(rng.actor_bytes()))
                .expect("enrolment");
        for month in 0..visits_per_elder {
            let visited_at = first.plus_hours(24 * (30 * month + 3) + 10);
            let visit = synthetic::visit(&mut rng, visited_at);
            doc.record_visit(&Edit { author: assistant, at: visited_at.plus_minutes(20) }, visit, &policy)
                .expect("visit");
        }
        saves.push(doc.save());
    }
    let created = started.elapsed();
    println!("  create + save      {:>9.2?}  ({})", created, per_item(created, elders));

    let mut sizes: Vec<usize> = saves.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    let total: usize = sizes.iter().sum();
    println!(
        "  saved size         mean {} B, median {} B, max {} B, total {:.1} MiB",
        total / elders,
        sizes[elders / 2],
        sizes[elders - 1],
        total as f64 / 1048576.0
    );

    // Save alone, on loaded documents.
    let docs: Vec<ElderDocument> = saves
        .iter()
        .take(1000.min(elders))
        .map(|b| ElderDocument::load(b, ActorId::from(vec![1; 16])).expect("load"))
        .collect();
    let started = Instant::now();
    for doc in &docs {
        std::hint::black_box(doc.save());
    }
    println!("  save               {}", per_item(started.elapsed(), docs.len()));

    // A new elder as the server receives it: built from its thirteen changes, checked.
    let changes: Vec<Vec<Vec<u8>>> = docs.iter().take(300).map(|d| d.changes_since(&[])).collect();
    let started = Instant::now();
    for elder in &changes {
        std::hint::black_box(
            ElderDocument::from_changes_checked(elder, ActorId::from(vec![4; 16]), now, &policy).expect("accepted"),
        );
    }
    println!(
        "  build from changes {}  (a new elder's 13 changes, checked, as a push delivers them)",
        per_item(started.elapsed(), changes.len())
    );

    // Load alone, then load + materialise, streaming as a server re-materialising would.
    let started = Instant::now();
    for bytes in &saves {
        std::hint::black_box(automerge::Automerge::load(bytes).expect("load"));
    }
    let raw = started.elapsed();
    println!("  automerge load     {:>9.2?}  ({})", raw, per_item(raw, elders));
    let started = Instant::now();
    for bytes in &saves {
        std::hint::black_box(automerge::Automerge::load_unverified_heads(bytes).expect("load"));
    }
    let raw = started.elapsed();
    println!("  automerge load unverified    {:>9.2?}  ({})", raw, per_item(raw, elders));
    let started = Instant::now();
    for bytes in &saves {
        std::hint::black_box(ElderDocument::load(bytes, ActorId::from(vec![2; 16])).expect("load"));
    }
    let load = started.elapsed();
    println!("  load all           {:>9.2?}  ({})", load, per_item(load, elders));

    let started = Instant::now();
    let mut visits = 0;
    for bytes in &saves {
        let doc = ElderDocument::load(bytes, ActorId::from(vec![2; 16])).expect("load");
        visits += materialise(&doc).expect("rows").visits.len();
    }
    let both = started.elapsed();
    println!("  load + materialise {:>9.2?}  ({}; {visits} visit rows)  [one thread]", both, per_item(both, elders));

    let started = Instant::now();
    let halves = saves.split_at(elders / 2);
    std::thread::scope(|scope| {
        for half in [halves.0, halves.1] {
            scope.spawn(move || {
                for bytes in half {
                    let doc = ElderDocument::load(bytes, ActorId::from(vec![3; 16])).expect("load");
                    std::hint::black_box(materialise(&doc).expect("rows"));
                }
            });
        }
    });
    println!("  load + materialise {:>9.2?}  [two threads]", started.elapsed());

    // One new visit's changes applied to a loaded document: trusted (a pull) and
    // checked (a push received by the server: decode, apply, validate).
    let mut trusted = Vec::new();
    let mut checked = Vec::new();
    let mut chunk_bytes = Vec::new();
    for (i, doc) in docs.iter().take(500).enumerate() {
        let mut workstation = doc.clone();
        let heads = workstation.heads();
        let at = now.plus_minutes(-(i as i64) - 30);
        let visit = synthetic::visit(&mut rng, at);
        workstation
            .record_visit(&Edit { author: synthetic::author(&mut rng, now), at }, visit, &policy)
            .expect("visit");
        let changes = workstation.changes_since(&heads);
        chunk_bytes.push(changes.iter().map(Vec::len).sum::<usize>());
        let mut target = doc.clone();
        let started = Instant::now();
        target.apply_changes(&changes).expect("apply");
        trusted.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(doc.apply_checked(&changes, now, &policy).expect("accepted"));
        checked.push(started.elapsed());
    }
    trusted.sort_unstable();
    checked.sort_unstable();
    chunk_bytes.sort_unstable();
    println!(
        "  apply one visit    trusted median {:?} p95 {:?}; checked median {:?} p95 {:?}; change {} B median",
        percentile(&trusted, 0.5),
        percentile(&trusted, 0.95),
        percentile(&checked, 0.5),
        percentile(&checked, 0.95),
        chunk_bytes[chunk_bytes.len() / 2]
    );
    println!("  peak memory        {:.0} MiB (VmHWM, whole process, saves of all {elders} held)", peak_memory_mib());
}
