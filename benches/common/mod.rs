//! What the benchmarks share: which corpus to read, reading it, and the rule
//! pack's keywords.

use std::path::{Path, PathBuf};

use tokenhound::rules::RuleSet;

/// `[CORPUS_DIR [MEGABYTES]]` from the command line (cargo's own `--bench` flag
/// is skipped): CORPUS_DIR defaults to bench/out/corpus when it exists, else this
/// repository's own files; MEGABYTES to 128.
pub fn corpus_from_args() -> (PathBuf, usize) {
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
    let megabytes = args.get(1).and_then(|m| m.parse().ok()).unwrap_or(128);
    (dir, megabytes)
}

/// The files under `root` in path order (skipping `.git` and `target`), one
/// blob each, until `limit` bytes are read; unreadable files are skipped.
pub fn read_files(root: &Path, limit: usize) -> Vec<Vec<u8>> {
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

/// Every keyword of the set, lower-cased, each once: what the engine's keyword
/// automaton is built from.
pub fn keywords(set: &RuleSet) -> Vec<String> {
    let mut keywords: Vec<String> = set
        .rules
        .iter()
        .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
        .collect();
    keywords.sort();
    keywords.dedup();
    keywords
}
