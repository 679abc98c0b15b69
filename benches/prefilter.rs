//! The keyword prefilter against the `aho-corasick` crate's overlapping search
//! (the engine's previous prefilter), side by side in one run over the same bytes,
//! with every built-in rule's keywords:
//!
//!     cargo bench --bench prefilter [-- CORPUS_DIR [MEGABYTES]]
//!
//! CORPUS_DIR defaults to bench/out/corpus when it exists (`python3 bench/corpus.py
//! bench/out/corpus 256` makes it), else this repository's own files; at most
//! MEGABYTES (default 128) are read into memory first, so only matching is timed.

mod common;

use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use tokenhound::engine::keywords::KeywordMatcher;
use tokenhound::rules::RuleSet;

fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut hits = 0;
    for _ in 0..runs {
        let t = Instant::now();
        hits = f();
        best = best.min(t.elapsed());
    }
    (best, hits)
}

fn main() {
    let (dir, megabytes) = common::corpus_from_args();
    let mut data = common::read_files(&dir, megabytes << 20).concat();
    data.truncate(megabytes << 20);
    let set = RuleSet::builtin().expect("built-in rules load");
    let keywords = common::keywords(&set);

    let ours = KeywordMatcher::new(&keywords);
    let crate_ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&keywords)
        .expect("automaton builds");

    let mb = data.len() as f64 / (1 << 20) as f64;
    println!(
        "{:.1} MB from {}, {} keywords",
        mb,
        dir.display(),
        keywords.len()
    );
    let (t_ours, n_ours) = best_of(5, || {
        let mut n = 0;
        ours.for_each_hit(&data, |_, _, _| n += 1);
        n
    });
    let (t_crate, n_crate) = best_of(5, || crate_ac.find_overlapping_iter(&data).count());
    assert_eq!(n_ours, n_crate, "both report every overlapping hit");
    for (name, t) in [
        ("KeywordMatcher (interleaved DFA)", t_ours),
        ("aho-corasick DFA, overlapping", t_crate),
    ] {
        println!(
            "{name:34} {:8.1} ms {:8.0} MB/s",
            t.as_secs_f64() * 1e3,
            mb / t.as_secs_f64()
        );
    }
    println!(
        "{} hits each; KeywordMatcher is {:.2}x faster",
        n_ours,
        t_crate.as_secs_f64() / t_ours.as_secs_f64()
    );
}
