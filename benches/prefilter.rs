//! The keyword prefilter against the `aho-corasick` crate's overlapping search
//! (the engine's previous prefilter), side by side in one run over the same bytes,
//! with every built-in rule's keywords:
//!
//!     cargo bench --bench prefilter [-- CORPUS_DIR [MEGABYTES]]
//!
//! CORPUS_DIR defaults to bench/out/corpus when it exists (`python3 bench/corpus.py
//! bench/out/corpus 256` makes it), else this repository's own files; at most
//! MEGABYTES (default 128) are read into memory first, so only matching is timed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use tokenhound::engine::keywords::KeywordMatcher;
use tokenhound::rules::RuleSet;

fn read_tree(root: &Path, limit: usize) -> Vec<u8> {
    let mut data = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if data.len() >= limit {
            break;
        }
        if p.file_name().is_some_and(|n| n == ".git" || n == "target") {
            continue;
        }
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                entries.sort();
                stack.extend(entries.into_iter().rev());
            }
        } else if let Ok(bytes) = std::fs::read(&p) {
            data.extend_from_slice(&bytes);
        }
    }
    data.truncate(limit);
    data
}

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
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let default = Path::new(root).join("bench/out/corpus");
    let dir = match args.first() {
        Some(d) => PathBuf::from(d),
        None if default.is_dir() => default,
        None => PathBuf::from(root),
    };
    let megabytes: usize = args.get(1).and_then(|m| m.parse().ok()).unwrap_or(128);
    let data = read_tree(&dir, megabytes << 20);
    let set = RuleSet::builtin().expect("built-in rules load");
    let mut keywords: Vec<String> = set
        .rules
        .iter()
        .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
        .collect();
    keywords.sort();
    keywords.dedup();

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
