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

use std::path::{Path, PathBuf};
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

fn read_blobs(root: &Path, limit: usize) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        if total >= limit {
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
            total += bytes.len();
            blobs.push(bytes);
        }
    }
    blobs
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
    let blobs = read_blobs(&dir, megabytes << 20);
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
    // that more keywords add before any rule runs.
    let automata = [&starter, &full].map(|set| {
        let mut keywords: Vec<String> = set
            .rules
            .iter()
            .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        keywords.sort();
        keywords.dedup();
        KeywordMatcher::new(&keywords)
    });

    let mut best = [Duration::MAX; 2];
    let mut best_kw = [Duration::MAX; 2];
    let mut found = [0usize; 2];
    let mut hits = [0usize; 2];
    for _ in 0..7 {
        for (i, (_, engine)) in engines.iter().enumerate() {
            let t = Instant::now();
            found[i] = blobs.iter().map(|b| engine.scan(b).len()).sum();
            best[i] = best[i].min(t.elapsed());
            let t = Instant::now();
            let mut n = 0;
            for b in &blobs {
                automata[i].for_each_hit(b, |_, _, _| n += 1);
            }
            hits[i] = n;
            best_kw[i] = best_kw[i].min(t.elapsed());
        }
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
        "full pack costs {:+.0}% over the starter rules",
        (best[1].as_secs_f64() / best[0].as_secs_f64() - 1.0) * 100.0
    );
}
