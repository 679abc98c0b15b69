//! Full history: every distinct blob reachable from the selected commits, scanned
//! once whatever the number of commits and paths that hold it, and reported
//! with the commit that first brought it in.
//!
//! Three steps, each its own module:
//! 1. **Commits** ([`super::commits`]): the selection in libgit2's topological
//!    order (parents before children), read once each (commit-graph where
//!    present), replacement refs honoured.
//! 2. **Walk** ([`super::walk`]): every commit's tree diffed against its first
//!    parent's on N threads; the changes give every blob's first commit and
//!    path ([`super::provenance`]), stored as integers and interned paths.
//! 3. **Blobs** ([`super::blobs`]): each selected blob decoded once (pack by
//!    pack, delta chains resolved from their bases down, on N threads) and
//!    handed straight to [`blob_matches`]; nothing is held. The few blobs that
//!    matched are read again and reported with their provenance
//!    ([`report_blob`]), versions of one secret merged into one finding.
//!
//! A range (`A..B`, `--since-commit`, `--since`) scans only what the range added:
//! trees and blobs already in the commits just outside it are left out.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use gix::ObjectId;
use serde::Serialize;

use super::blobs::{self, Outcome};
use super::commits;
use super::objects::{FastMap, FastSet, Odb};
use super::provenance::{head_blobs, Paths, Provenance};
use super::{is_lfs_pointer, looks_binary, open, walk};
use crate::engine::reuse::DeltaReuse;
use crate::finding::{Finding, GitOrigin, Provenance as FindingOrigin};
use crate::pipeline::Scanner;
use crate::sources::content;

/// Which commits to scan.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Revisions whose history is scanned; empty means every ref (and HEAD).
    pub include: Vec<String>,
    /// Revisions whose history is left out (`A` of `A..B`, `--since-commit`).
    pub exclude: Vec<String>,
    /// Only commits committed at or after this time (Unix seconds).
    pub since: Option<i64>,
}

/// How the history is scanned.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    pub selection: Selection,
    /// Blobs larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Scan blobs that look binary.
    pub scan_binary: bool,
    /// Worker threads for reading and scanning blobs.
    pub threads: usize,
    /// A thread pool to read and scan blobs on, shared by the scans of many
    /// repositories (an `audit work` process scans one per unit); `None`
    /// starts one of `threads` threads for this scan.
    pub pool: Option<std::sync::Arc<rayon::ThreadPool>>,
}

/// The `stats.git` object of a history scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HistoryStats {
    pub mode: &'static str,
    pub repository: String,
    pub bare: bool,
    /// The repository is a shallow clone: history before its boundary is not there.
    pub shallow: bool,
    /// The repository is a partial clone: blobs filtered out of it are listed in
    /// `stats.errors` as not scanned (never fetched).
    pub partial_clone: bool,
    pub commits: u64,
    /// Distinct (tree, path) pairs walked.
    pub trees: u64,
    /// Distinct blobs found (each read once).
    pub blobs: u64,
    pub blobs_scanned: u64,
    pub binary_skipped: u64,
    pub lfs_pointers_skipped: u64,
    pub too_large_skipped: u64,
    /// Submodule entries seen (not followed).
    pub submodules_skipped: u64,
    /// Time spent walking commits and trees, then reading and scanning blobs.
    pub walk_ms: u64,
    pub scan_ms: u64,
}

/// Per-phase wall and CPU time as notes when `TOKENHOUND_GIT_TIMINGS` is set:
/// on a shared machine CPU time tells where the work goes when wall time cannot.
struct Phases<'s, 'p> {
    scanner: &'s Scanner<'p>,
    on: bool,
    last: (std::time::Instant, f64),
}

impl<'s, 'p> Phases<'s, 'p> {
    fn new(scanner: &'s Scanner<'p>) -> Self {
        Phases {
            scanner,
            on: std::env::var_os("TOKENHOUND_GIT_TIMINGS").is_some(),
            last: (std::time::Instant::now(), cpu_seconds()),
        }
    }

    fn done(&mut self, phase: &str) {
        if self.on {
            let now = (std::time::Instant::now(), cpu_seconds());
            self.scanner.note(format!(
                "timing: {phase}: {} ms wall, {} ms CPU",
                (now.0 - self.last.0).as_millis(),
                ((now.1 - self.last.1) * 1000.0) as u64
            ));
            self.last = now;
        }
    }
}

/// Hands memory freed by the walk back to the system (glibc keeps freed
/// blocks in its per-thread arenas otherwise, and the blob pass would count
/// them in its peak).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it touches no live block.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// CPU time of this process so far (user + system), in seconds.
#[cfg(unix)]
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

#[cfg(not(unix))]
fn cpu_seconds() -> f64 {
    0.0
}

#[derive(Default)]
struct Counters {
    scanned: AtomicU64,
    binary: AtomicU64,
    lfs: AtomicU64,
    too_large: AtomicU64,
}

/// Scans the history of the repository at `path`. Bad objects are reported with
/// `scanner.error` and the rest is scanned; only a repository that cannot be
/// opened, or a revision that does not resolve, is a fatal error.
pub fn scan_history(path: &Path, scanner: &Scanner, opts: &HistoryOptions) -> Result<HistoryStats> {
    let started = std::time::Instant::now();
    let mut phases = Phases::new(scanner);
    let repo = open(path)?;
    let mut stats = HistoryStats {
        mode: "history",
        repository: repo
            .workdir()
            .unwrap_or_else(|| repo.path())
            .display()
            .to_string(),
        bare: repo.is_bare(),
        shallow: repo.is_shallow(),
        partial_clone: super::is_partial_clone(&repo),
        ..HistoryStats::default()
    };
    if stats.partial_clone {
        scanner.note(format!(
            "{} is a partial clone: objects it does not hold are listed as errors, never \
             fetched (tokenhound does not use the network)",
            stats.repository
        ));
    }
    if stats.shallow {
        scanner.note(format!(
            "{} is a shallow clone: only the history it holds is scanned \
             (`git fetch --unshallow` for all of it)",
            stats.repository
        ));
    }
    let threads = opts.threads.max(1);
    let pool = match &opts.pool {
        Some(pool) => pool.clone(),
        None => std::sync::Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .context("starting the blob scanning threads")?,
        ),
    };
    let mut odb = Odb::open(&repo, scanner);
    let sel = &opts.selection;
    if sel.include.is_empty() && sel.exclude.is_empty() && sel.since.is_none() {
        odb.prefetch_commits(&pool);
    }
    let commits = commits::select(&repo, &odb, &opts.selection, scanner)?;
    odb.drop_prefetched_commits();
    release_freed_memory();
    stats.commits = commits.len() as u64;
    phases.done("commits");
    // All of history has no boundary (bar a shallow clone's, which is not there).
    let (ex_trees, ex_blobs) = if commits.boundary.is_empty() {
        (FastSet::default(), FastSet::default())
    } else {
        commits::excluded_objects(&odb, &commits.boundary, scanner)
    };

    let paths = Paths::new();
    let walked = walk::walk(&odb, &commits, &ex_trees, &ex_blobs, &paths, threads);
    drop((ex_trees, ex_blobs));
    phases.done("tree walk");
    stats.trees = walked.trees;
    stats.submodules_skipped = walked.submodules;
    let paths = paths.into_table();
    let mut tree_errors = walked.tree_errors;
    // Each unreadable (tree, path) once, at the first commit that has it.
    tree_errors.sort_by_key(|e| (e.path, e.tree, e.commit));
    tree_errors.dedup_by_key(|e| (e.path, e.tree));
    tree_errors.sort_by_key(|e| e.commit);
    for e in &tree_errors {
        scanner.error(
            format!("{}:{}", commits.ids[e.commit as usize], paths.full(e.path)),
            e.message.clone(),
        );
    }
    let (prov, submodules) = Provenance::build(walked.changes, paths);
    for s in &submodules {
        let c = commits.ids[s.commit as usize].to_string();
        scanner.skipped(
            format!("{}:{}", &c[..12], prov.paths.full(s.path)),
            format!(
                "submodule (commit {} of another repository): not followed; scan its own clone",
                s.id
            ),
        );
    }
    stats.blobs = prov.blobs.len() as u64;
    odb.unmap_packs();
    release_freed_memory();
    phases.done("provenance");

    // Provenance is complete before any blob is read: a blob that matches is
    // reported as soon as it is scanned, and nothing is read twice.
    let counts = prov.counts(&commits);
    let in_head = head_blobs(&repo, &odb);
    let authors = Mutex::new(Authors {
        repo,
        cache: FastMap::default(),
    });
    phases.done("counts");
    let walk_ms = started.elapsed().as_millis() as u64;
    stats.walk_ms = walk_ms;

    let counters = Counters::default();
    let found: Mutex<Vec<(u32, Vec<Finding>)>> = Mutex::default();
    let partial = stats.partial_clone;
    // As the scan was given it (the path of a file in its working tree starts so).
    let repository = path.display().to_string();
    let visit = |b: u32, outcome: Outcome<'_>| {
        let name = || prov.describe(&commits, b);
        let (c, p) = prov.first[b as usize];
        let path = prov.paths.full(p);
        let Some(data) = scan_outcome(outcome, &name, &path, scanner, opts, &counters, partial)
        else {
            return;
        };
        let id = prov.blobs[b as usize];
        let mut origin = GitOrigin {
            commit: commits.ids[c as usize].to_string(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: String::new(),
            path: path.clone(),
            blob_id: id.to_string(),
            commits: counts.commits[b as usize],
            blobs: 1,
            paths: counts.paths[b as usize] as u64,
            in_head: in_head.contains(&id),
            refs: Vec::new(),
            refs_total: 0,
            repository: repository.clone(),
        };
        authors.lock().unwrap_or_else(|e| e.into_inner()).fill(
            &odb,
            c,
            commits.ids[c as usize],
            &mut origin,
        );
        let findings = report_blob(scanner, data, &path, Box::new(origin));
        found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((b, findings));
    };
    blobs::read_all(&odb, &prov.blobs, opts.max_file_size, &pool, &visit);
    phases.done("blobs");
    // First-commit order, and within a commit the order the walk met the paths.
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by(|x, y| {
        let (a, b) = (prov.first[x.0 as usize], prov.first[y.0 as usize]);
        a.0.cmp(&b.0).then_with(|| prov.paths.walk_order(a.1, b.1))
    });
    let repo = authors.into_inner().unwrap_or_else(|e| e.into_inner()).repo;
    let (carrying, carried) = carried_by_refs(&repo, &commits, &prov, &found, &in_head);
    let with_refs = found.into_iter().flat_map(|(b, findings)| {
        let refs = carried.get(&b).cloned();
        findings.into_iter().map(move |f| (f, refs.clone()))
    });
    for f in merge_versions(with_refs.collect(), &carrying) {
        scanner.emit(f);
    }
    phases.done("report");
    stats.blobs_scanned = counters.scanned.load(Ordering::Relaxed);
    stats.binary_skipped = counters.binary.load(Ordering::Relaxed);
    stats.lfs_pointers_skipped = counters.lfs.load(Ordering::Relaxed);
    stats.too_large_skipped = counters.too_large.load(Ordering::Relaxed);
    stats.scan_ms = (started.elapsed().as_millis() as u64).saturating_sub(walk_ms);
    Ok(stats)
}

/// Counts a blob as read (scanned, binary, LFS pointer, too large, unreadable)
/// and scans it; its bytes when something matched. `name` says where it was
/// first seen.
fn scan_outcome<'a>(
    outcome: Outcome<'a>,
    name: &dyn Fn() -> String,
    path: &str,
    scanner: &Scanner,
    opts: &HistoryOptions,
    c: &Counters,
    partial: bool,
) -> Option<&'a [u8]> {
    let (data, reuse) = match outcome {
        Outcome::Data(d, reuse) => (d, reuse),
        Outcome::TooLarge(size) => {
            let why = format!(
                "{size} bytes is over --max-file-size ({} bytes)",
                opts.max_file_size
            );
            scanner.skipped(name(), why);
            c.too_large.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Outcome::Failed(super::objects::ReadError::NotFound) if partial => {
            scanner.error(
                name(),
                "blob not in this partial clone (left on the promisor remote, not fetched): not scanned",
            );
            return None;
        }
        Outcome::Failed(e) => {
            scanner.error(name(), format!("missing or corrupt blob: {e}"));
            return None;
        }
    };
    if is_lfs_pointer(data) {
        c.lfs.fetch_add(1, Ordering::Relaxed);
        None
    } else if !opts.scan_binary && looks_binary(data) && !content::has_binary_reader(data) {
        c.binary.fetch_add(1, Ordering::Relaxed);
        None
    } else {
        c.scanned.fetch_add(1, Ordering::Relaxed);
        blob_matches(scanner, data, path, &name(), reuse).then_some(data)
    }
}

/// Whether a blob holds anything reported, read like a file at `path` (UTF-16,
/// `*.log`, archives, exports) through the pipeline; errors name the blob
/// (`name`). Every blob of the history goes through here once (and is counted
/// here); the few that hold something go on to [`report_blob`]. `reuse`
/// carries keyword hits between a delta's base and the delta.
fn blob_matches(
    scanner: &Scanner,
    data: &[u8],
    path: &str,
    name: &str,
    reuse: Option<&DeltaReuse>,
) -> bool {
    let seen = FindingOrigin::File {
        path: name.to_string(),
    };
    scanner.probe(|s| content::scan_file_content_reusing(Path::new(path), &seen, data, s, reuse))
}

/// The findings of a blob that held something, read again with its
/// provenance (not counted again, errors not repeated). Members of an archive
/// or messages of an export committed to the repository keep their own path
/// and location, and gain the commit.
fn report_blob(scanner: &Scanner, data: &[u8], path: &str, origin: Box<GitOrigin>) -> Vec<Finding> {
    let provenance = FindingOrigin::Git(origin.clone());
    let mut findings =
        scanner.replay(|s| content::scan_file_content(Path::new(path), &provenance, data, s));
    for f in &mut findings {
        if f.git.is_none() {
            f.git = Some(origin.clone());
        }
    }
    findings
}

/// For the reported blobs that HEAD no longer holds, the refs whose history
/// still does (`git.refs`): a ref carries a blob when its tip reaches a commit
/// that brought the blob in (against that commit's first parent, which every
/// commit holding the blob descends from through first parents).
fn carried_by_refs(
    repo: &git2::Repository,
    commits: &commits::Commits,
    prov: &Provenance,
    found: &[(u32, Vec<Finding>)],
    in_head: &FastSet<ObjectId>,
) -> (super::refs::Carrying, HashMap<u32, std::sync::Arc<[u32]>>) {
    let targets: Vec<u32> = found
        .iter()
        .filter(|(b, f)| !f.is_empty() && !in_head.contains(&prov.blobs[*b as usize]))
        .map(|(b, _)| *b)
        .take(super::refs::MAX_BLOBS)
        .collect();
    if targets.is_empty() {
        let none = super::refs::Carrying {
            names: Vec::new(),
            per_target: Vec::new(),
        };
        return (none, HashMap::new());
    }
    let bit: HashMap<u32, usize> = targets.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let mut holding = super::refs::Holding::new(commits.len(), targets.len());
    for (commit, blob) in prov.introductions() {
        if let Some(&t) = bit.get(&blob) {
            holding.row_mut(commit as usize)[t / 64] |= 1 << (t % 64);
        }
    }
    let mut carrying = super::refs::carrying_refs(repo, commits, &holding, targets.len());
    let per_target = std::mem::take(&mut carrying.per_target);
    let carried = targets
        .into_iter()
        .zip(per_target)
        .map(|(b, refs)| (b, std::sync::Arc::from(refs)))
        .collect();
    (carrying, carried)
}

/// A secret kept while its file is edited is in every version (blob) of the
/// file: report it once per path, from the earliest blob (`findings` come in
/// first-commit order), with the commits and blobs of all versions added up.
fn merge_versions(
    findings: Vec<(Finding, Option<std::sync::Arc<[u32]>>)>,
    carrying: &super::refs::Carrying,
) -> Vec<Finding> {
    let mut out: Vec<(Finding, Vec<u32>)> = Vec::with_capacity(findings.len());
    // (fingerprint, path) -> (index in out, blob reported)
    let mut first: HashMap<(String, String), (usize, String)> = HashMap::new();
    let mut merged: HashSet<(String, String, String)> = HashSet::new();
    let own = |refs: &Option<std::sync::Arc<[u32]>>| refs.as_deref().unwrap_or(&[]).to_vec();
    for (f, refs) in findings {
        let Some(g) = f.git.as_deref() else {
            out.push((f, Vec::new()));
            continue;
        };
        let key = (f.fingerprint.clone(), g.path.clone());
        match first.get(&key) {
            None => {
                first.insert(key, (out.len(), g.blob_id.clone()));
                out.push((f, own(&refs)));
            }
            // Another occurrence in the same blob: a finding of its own.
            Some((_, blob)) if *blob == g.blob_id => out.push((f, own(&refs))),
            Some(&(i, _)) => {
                if merged.insert((key.0, key.1, g.blob_id.clone())) {
                    let (commits, in_head) = (g.commits, g.in_head);
                    let (rep, rep_refs) = &mut out[i];
                    if let Some(rep) = rep.git.as_deref_mut() {
                        rep.commits += commits;
                        rep.blobs += 1;
                        rep.in_head |= in_head;
                        rep_refs.extend_from_slice(refs.as_deref().unwrap_or(&[]));
                    }
                }
            }
        }
    }
    out.into_iter()
        .map(|(mut f, mut refs)| {
            if let Some(g) = f.git.as_deref_mut() {
                if g.in_head {
                    // Still in HEAD: the refs were computed for history-only versions.
                    refs.clear();
                }
                (g.refs, g.refs_total) = carrying.listed(&mut refs);
            }
            f
        })
        .collect()
}

/// Author, date and summary of first commits, read with libgit2 (its summary
/// and signature parsing, as reported before) for the blobs that matched.
struct Authors {
    repo: git2::Repository,
    /// Commit index → (name, email, date, summary).
    cache: FastMap<u32, (String, String, String, String)>,
}

impl Authors {
    /// Fills in commit `index` (`id`)'s author, date and summary; a replaced
    /// commit's are its replacement's.
    fn fill(&mut self, odb: &Odb, index: u32, id: ObjectId, g: &mut GitOrigin) {
        let repo = &self.repo;
        let a = self.cache.entry(index).or_insert_with(|| {
            let read = odb.replace.resolve(&id).unwrap_or(id);
            let read = git2::Oid::from_bytes(read.as_bytes()).expect("20 bytes");
            match repo.find_commit(read) {
                Ok(c) => {
                    let author = c.author();
                    (
                        String::from_utf8_lossy(author.name_bytes()).into_owned(),
                        String::from_utf8_lossy(author.email_bytes()).into_owned(),
                        git_date(author.when()),
                        c.summary_bytes()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .unwrap_or_default(),
                    )
                }
                Err(_) => Default::default(),
            }
        });
        g.author_name.clone_from(&a.0);
        g.author_email.clone_from(&a.1);
        g.date.clone_from(&a.2);
        g.summary.clone_from(&a.3);
    }
}

/// A git time as RFC 3339 with its own offset.
fn git_date(t: git2::Time) -> String {
    let offset = chrono::FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    match chrono::DateTime::from_timestamp(t.seconds(), 0) {
        Some(d) => d
            .with_timezone(&offset)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => t.seconds().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_keep_their_offset() {
        let t = git2::Time::new(1_600_000_000, 120);
        assert_eq!(git_date(t), "2020-09-13T14:26:40+02:00");
    }
}
