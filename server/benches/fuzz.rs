//! The long fuzz run: mutated changes through the decoder, the checked apply and the
//! push handler, printing inputs tried, panics and 5xx per target. Asserts nothing.
//!
//! `cargo bench -p jinlin-server --bench fuzz` (`JINLIN_FUZZ_INPUTS` sets the decoder's
//! inputs, 10,000,000 by default; the apply target runs a fiftieth of that and the
//! push handler a five-hundredth; `JINLIN_FUZZ_SEED` the seed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

#[path = "../tests/common/fuzz.rs"]
mod fuzz;

use fuzz::{Corpus, PushTarget, Tally};

fn report(name: &str, tally: &Tally, seconds: f64) {
    println!(
        "  {name:<14} {:>11} inputs in {seconds:>7.1} s ({:>9.0}/s): {} accepted, {} refused ({} kinds), {} panics, {} 5xx",
        tally.inputs,
        tally.inputs as f64 / seconds,
        tally.accepted,
        tally.refused.values().sum::<u64>(),
        tally.refused.len(),
        tally.panics,
        tally.server_errors
    );
    if let Some(input) = &tally.first_finding {
        println!(
            "    first finding ({} bytes): {}",
            input.len(),
            input.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
    }
}

fn main() {
    let inputs: u64 = std::env::var("JINLIN_FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let seed: u64 = std::env::var("JINLIN_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let target = runtime.block_on(PushTarget::start());
    let now = jinlin_server::state::now();
    let corpus = Corpus::new(target.author(), target.community, now);
    println!("fuzz, seed {seed}: {} seed changes, {} bombs", corpus.history.len(), corpus.bombs.len());

    let started = Instant::now();
    let decoded = fuzz::run(inputs, seed, &corpus, fuzz::decoder);
    report("decoder", &decoded, started.elapsed().as_secs_f64());

    let started = Instant::now();
    let applied = fuzz::run(inputs / 50, seed + 1, &corpus, fuzz::apply_target(&corpus, now));
    report("checked apply", &applied, started.elapsed().as_secs_f64());

    let started = Instant::now();
    let pushed = runtime.block_on(async {
        assert_eq!(target.push(corpus.elder, corpus.history.clone()).await, fuzz::Outcome::Accepted);
        fuzz::fuzz_push(&target, &corpus, inputs / 500, seed + 2).await
    });
    report("push handler", &pushed, started.elapsed().as_secs_f64());
    let total = decoded.inputs + applied.inputs + pushed.inputs;
    let findings = decoded.findings() + applied.findings() + pushed.findings();
    println!("  total          {total:>11} inputs, {findings} panics or 5xx");
}
