//! The matching engine alone, over blobs already in memory: the full rule pack
//! against the core scanner's 18 starter rules (issue 3's rule-pack cost), side by
//! side in one run, so the cost of the pack is seen without file reading and
//! decode layers around it:
//!
//!     cargo bench --bench engine [-- CORPUS_DIR [MEGABYTES]]
//!
//! CORPUS_DIR defaults to bench/out/corpus when it exists (`python3 bench/corpus.py
//! bench/out/corpus 256` makes it), else this repository's own files. Each file is
//! one blob, as the scanner sees it; at most MEGABYTES (default 128) are read.
//! Prints the best of 7 runs per rule set, alternating sets between runs.

mod common;

use std::time::{Duration, Instant};

use tokenhound::engine::keywords::KeywordMatcher;
use tokenhound::engine::Engine;
use tokenhound::rules::RuleSet;

/// The rules the core scanner shipped with, before the pack (same list as
/// bench/rule_pack_cost.sh).
const STARTER: &[&str] = &[
    "aws-temporary-access-key-id",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "github-pat-classic",
    "github-oauth-token",
    "github-user-to-server-token",
    "github-installation-token",
    "github-refresh-token",
    "github-fine-grained-pat",
    "gitlab-pat",
    "gitlab-pat-routable",
    "gitlab-runner-token",
    "jwt",
    "private-key",
    "slack-bot-token",
    "slack-user-token",
    "slack-webhook",
];

fn main() {
    let (dir, megabytes) = common::corpus_from_args();
    let blobs = common::read_files(&dir, megabytes << 20);
    let bytes: usize = blobs.iter().map(Vec::len).sum();
    let mb = bytes as f64 / (1 << 20) as f64;

    let full = RuleSet::builtin().expect("built-in rules load");
    let mut starter = RuleSet::builtin().expect("built-in rules load");
    starter.rules.retain(|r| STARTER.contains(&r.id.as_str()));
    assert_eq!(
        starter.rules.len(),
        STARTER.len(),
        "starter rules are in the pack"
    );
    let engines = [
        ("starter", Engine::new(&starter).expect("engine")),
        ("full pack", Engine::new(&full).expect("engine")),
    ];
    println!(
        "{mb:.1} MB in {} blobs from {}; rules: starter {}, full pack {}",
        blobs.len(),
        dir.display(),
        starter.rules.len(),
        full.rules.len()
    );

    // The keyword pass alone (hits counted, nothing run): the part of the cost
    // that more keywords add before any rule runs. The engine's own automaton,
    // which looks past the generic rules' keywords (src/engine/follow.rs); the
    // plain keywords' automaton is timed too, to show what that saves.
    let plain = KeywordMatcher::new(&common::keywords(&full));

    let mut best = [Duration::MAX; 2];
    let mut best_kw = [Duration::MAX; 2];
    let mut found = [0usize; 2];
    let mut hits = [0usize; 2];
    let (mut best_plain, mut plain_hits) = (Duration::MAX, 0);
    for _ in 0..7 {
        for (i, (_, engine)) in engines.iter().enumerate() {
            let t = Instant::now();
            found[i] = blobs.iter().map(|b| engine.scan(b).len()).sum();
            best[i] = best[i].min(t.elapsed());
            let t = Instant::now();
            let mut n = 0;
            for b in &blobs {
                engine.keyword_pass().for_each_hit(b, |_, _, _| n += 1);
            }
            hits[i] = n;
            best_kw[i] = best_kw[i].min(t.elapsed());
        }
        let t = Instant::now();
        let mut n = 0;
        for b in &blobs {
            plain.for_each_hit(b, |_, _, _| n += 1);
        }
        plain_hits = n;
        best_plain = best_plain.min(t.elapsed());
    }
    for (i, (name, _)) in engines.iter().enumerate() {
        println!(
            "{name:10} {:8.1} ms {:8.0} MB/s {:6} matches; keyword pass alone {:6.1} ms, {} hits",
            best[i].as_secs_f64() * 1e3,
            mb / best[i].as_secs_f64(),
            found[i],
            best_kw[i].as_secs_f64() * 1e3,
            hits[i]
        );
    }
    println!(
        "full pack's plain keywords, not looked past: keyword pass alone {:6.1} ms, {plain_hits} hits",
        best_plain.as_secs_f64() * 1e3
    );
    println!(
        "full pack costs {:+.0}% over the starter rules",
        (best[1].as_secs_f64() / best[0].as_secs_f64() - 1.0) * 100.0
    );
}
