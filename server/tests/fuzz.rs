//! A short, seeded fuzz run over the change decoder, the checked apply and the push
//! handler: no panic and no 5xx; and the same run finds faults planted on purpose, so
//! it is known to look. The long run is `cargo bench -p jinlin-server --bench fuzz`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fuzz::{self, Corpus, Outcome, PushTarget};
use jinlin_shared::document::{ChunkError, summarise_change};

fn corpus() -> Corpus {
    let now = jinlin_server::state::now();
    let author = jinlin_shared::synthetic::author(&mut jinlin_shared::synthetic::Rng::new(3), now);
    let community = jinlin_shared::synthetic::city(&mut jinlin_shared::synthetic::Rng::new(4), 1, now).communities[0];
    Corpus::new(author, community, now)
}

#[test]
fn mutated_changes_never_panic_the_decoder_or_the_checked_apply() {
    let corpus = corpus();
    let decoded = fuzz::run(20_000, 1, &corpus, fuzz::decoder);
    assert_eq!(decoded.findings(), 0, "{decoded:?}");
    assert!(decoded.accepted > 0 && decoded.refused.len() > 3, "mutations reach both sides: {decoded:?}");
    let applied = fuzz::run(2_000, 2, &corpus, fuzz::apply_target(&corpus, jinlin_server::state::now()));
    assert_eq!(applied.findings(), 0, "{applied:?}");
    assert!(applied.accepted > 0 && applied.refused.contains_key("undecodable"), "{applied:?}");
}

#[test]
fn a_short_run_finds_a_panic_planted_in_the_decoder() {
    let corpus = corpus();
    let planted = |input: &[u8]| {
        if summarise_change(input) == Err(ChunkError::Malformed("a count larger than the bytes left")) {
            panic!("planted: a count past the end");
        }
        fuzz::decoder(input)
    };
    let tally = fuzz::run(20_000, 1, &corpus, planted);
    assert!(tally.panics > 0, "{tally:?}");
    assert!(tally.first_finding.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_pushes_never_get_a_5xx_and_a_planted_one_is_found() {
    let mut target = PushTarget::start().await;
    let corpus = Corpus::new(target.author(), target.community, jinlin_server::state::now());
    assert_eq!(target.push(corpus.elder, corpus.history.clone()).await, Outcome::Accepted, "the honest document lands");
    let tally = fuzz::fuzz_push(&target, &corpus, 300, 5).await;
    assert_eq!(tally.findings(), 0, "{tally:?}");
    assert!(tally.accepted > 0 && tally.refused.len() > 2, "{tally:?}");
    // A fault planted in front of the router: pushes holding a change cut short.
    target.planted = Some(|body| {
        let request: jinlin_shared::wire::PushRequest = serde_json::from_slice(body).unwrap();
        request
            .documents
            .iter()
            .flat_map(|d| &d.changes)
            .any(|c| summarise_change(c.as_bytes()) == Err(ChunkError::Malformed("truncated")))
    });
    let tally = fuzz::fuzz_push(&target, &corpus, 300, 5).await;
    assert!(tally.server_errors > 0, "{tally:?}");
}
