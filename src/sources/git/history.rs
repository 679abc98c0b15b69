//! Full history: every distinct blob reachable from the selected commits, scanned
//! once whatever the number of commits and paths that hold it.
//!
//! Three passes:
//! 1. **Commits**: a topological walk (parents before children) of the selection.
//! 2. **Trees**: each commit's tree is walked, but a (tree id, path) pair already
//!    seen is never walked again, so the work is the number of distinct trees,
//!    not commits × files. The first commit to reach a blob is the one that
//!    introduced it. Commit counts are then propagated down this (tree, path)
//!    graph level by level (a commit has one tree per path, so the counts are
//!    exact per path).
//! 3. **Blobs**: read and scanned in parallel (rayon) *while* the trees are
//!    walked: each new blob is handed over a bounded channel as soon as it is
//!    seen, one blob per worker at a time, so memory is bounded by the largest
//!    blob, not by the history. Provenance (first commit, counts, `in_head`) is
//!    only known once the walk is over, and only needed for the few blobs that
//!    matched: those are read again at the end and reported with it.
//!
//! A range (`A..B`, `--since-commit`, `--since`) scans only what the range added:
//! trees and blobs already in the commits just outside it are left out.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use crossbeam_channel::Sender;
use git2::{ObjectType, Oid, Repository, Sort};
use rayon::prelude::*;
use serde::Serialize;

use super::{is_lfs_pointer, looks_binary, open, GitContext};
use crate::finding::{Finding, GitOrigin, Provenance};
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

/// Object ids are already uniformly random: hashing their first 8 bytes is
/// enough, and much cheaper than SipHash over 20 (the walk hashes millions).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(b))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// A blob handed to the scanning workers as soon as the walk finds it.
struct BlobTask {
    index: u32,
    id: Oid,
    /// Its first path (routes its content: `*.log`, archives, exports).
    path: String,
    /// `commit:path` of its first sighting, for errors and notes.
    name: String,
}

/// A blob and where it was first seen.
struct BlobRec {
    id: Oid,
    first_commit: u32,
    first_path: u32,
}

/// A (tree, path) node of the history graph.
struct Node {
    depth: u32,
    count: u64,
    trees: Vec<u32>,
    blobs: Vec<u32>,
}

/// Paths interned as (parent, name), so a path is stored once however many
/// trees hold it.
#[derive(Default)]
struct Paths {
    parent: Vec<u32>,
    name: Vec<Box<[u8]>>,
    children: Vec<FastMap<Box<[u8]>, u32>>,
}

impl Paths {
    fn new() -> Self {
        let mut p = Paths::default();
        p.parent.push(u32::MAX);
        p.name.push(Box::default());
        p.children.push(FastMap::default());
        p
    }

    fn child(&mut self, parent: u32, name: &[u8]) -> u32 {
        if let Some(&id) = self.children[parent as usize].get(name) {
            return id;
        }
        let id = self.parent.len() as u32;
        self.parent.push(parent);
        self.name.push(name.into());
        self.children.push(FastMap::default());
        self.children[parent as usize].insert(name.into(), id);
        id
    }

    fn full(&self, mut id: u32) -> String {
        let mut parts = Vec::new();
        while id != 0 && id != u32::MAX {
            parts.push(String::from_utf8_lossy(&self.name[id as usize]).into_owned());
            id = self.parent[id as usize];
        }
        parts.reverse();
        parts.join("/")
    }
}

/// What the blob pass needs to know about each blob.
struct BlobJob {
    id: Oid,
    /// Topological index of the first commit (earlier = introduced earlier).
    order: u32,
    commit: Oid,
    path: String,
    commits: u64,
    paths: u64,
    in_head: bool,
    /// Refs whose history holds the blob (computed when not in HEAD).
    refs: Vec<String>,
}

/// Scans the history of the repository at `path`. Bad objects are reported with
/// `scanner.error` and the rest is scanned; only a repository that cannot be
/// opened, or a revision that does not resolve, is a fatal error.
pub fn scan_history(path: &Path, scanner: &Scanner, opts: &HistoryOptions) -> Result<HistoryStats> {
    let started = std::time::Instant::now();
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
    let commits = select_commits(&repo, &opts.selection, scanner)?;
    stats.commits = commits.len() as u64;
    // All of history has no boundary (bar a shallow clone's, which is not there):
    // do not read every commit a second time to find that out.
    let whole = opts.selection.include.is_empty()
        && opts.selection.exclude.is_empty()
        && opts.selection.since.is_none();
    let boundary = if whole {
        Vec::new()
    } else {
        boundary_commits(&repo, &commits)
    };
    let (ex_trees, ex_blobs) = excluded_objects(&repo, &boundary, scanner);

    let counters = Counters::default();
    let hits = Mutex::new(Vec::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .context("starting the blob scanning threads")?;
    let (tx, rx) = crossbeam_channel::bounded::<BlobTask>(4096);
    let git_dir = repo.path().to_path_buf();
    let partial = stats.partial_clone;
    // Blob readers use gix: no global pack lock, so they do not slow the
    // libgit2 tree walk beside them, and they inflate about 2x faster.
    // A repository gix cannot open (an extension it does not know) is
    // still read, with libgit2.
    let sync = match gix::open(&git_dir) {
        Ok(r) => Some(r.into_sync()),
        Err(e) => {
            scanner.note(format!("reading blobs with libgit2 (gix: {e})"));
            None
        }
    };
    let (g, roots, walk_ms) = std::thread::scope(|s| {
        let workers = s.spawn(|| {
            pool.install(|| {
                rx.into_iter().par_bridge().for_each_init(
                    || BlobReader::new(sync.as_ref(), &git_dir),
                    |reader, task| {
                        if scan_task(reader, &task, scanner, opts, &counters, partial) {
                            hits.lock().expect("hits lock").push(task.index);
                        }
                    },
                )
            })
        });
        let mut g = Graph::new(&repo, scanner, ex_trees, ex_blobs, tx);
        let mut roots = Vec::with_capacity(commits.len());
        for (ci, &(_, tree)) in commits.iter().enumerate() {
            let root = g.visit_root(tree, ci as u32, &commits);
            if let Some(root) = root {
                g.nodes[root as usize].count += 1;
            }
            roots.push(root);
        }
        g.tx = None; // the workers finish when the channel is empty and closed
        let walk_ms = started.elapsed().as_millis() as u64;
        let _ = workers.join();
        (g, roots, walk_ms)
    });
    stats.walk_ms = walk_ms;
    stats.trees = g.nodes.len() as u64;
    stats.submodules_skipped = g.submodules;
    stats.blobs = g.blobs.len() as u64;
    let mut hits = hits.into_inner().expect("hits lock");
    hits.sort_unstable();
    let in_head = if hits.is_empty() {
        HashSet::new()
    } else {
        head_blobs(&repo)
    };
    let carried = g.carried_by_refs(&repo, &commits, &roots, &hits, &in_head);
    let mut jobs = g.into_jobs(&commits, &hits, &in_head, carried);
    jobs.sort_by_key(|j| j.order);
    let mut findings = Vec::new();
    // Matched blobs are read again with the workers' reader (gix, which
    // inflates about 2x faster than libgit2: docs/GIT.md).
    let mut reader = BlobReader::new(sync.as_ref(), &git_dir);
    for job in &jobs {
        findings.extend(report_hit(&repo, job, scanner, &mut reader));
    }
    drop(reader);
    for f in merge_versions(findings) {
        scanner.emit(f);
    }
    stats.blobs_scanned = counters.scanned.load(Ordering::Relaxed);
    stats.binary_skipped = counters.binary.load(Ordering::Relaxed);
    stats.lfs_pointers_skipped = counters.lfs.load(Ordering::Relaxed);
    stats.too_large_skipped = counters.too_large.load(Ordering::Relaxed);
    stats.scan_ms = (started.elapsed().as_millis() as u64).saturating_sub(walk_ms);
    Ok(stats)
}

/// The selected commits as (id, tree id), parents before children.
fn select_commits(
    repo: &Repository,
    sel: &Selection,
    scanner: &Scanner,
) -> Result<Vec<(Oid, Oid)>> {
    let mut tips = Vec::new();
    if sel.include.is_empty() {
        let refs = repo.references().git_context(|| "listing refs".into())?;
        for r in refs {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    scanner.error("refs", format!("cannot read a ref: {}", e.message()));
                    continue;
                }
            };
            let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
            match r.peel(ObjectType::Any) {
                // Tags of trees or blobs hold no history; nothing to walk.
                Ok(obj) => {
                    if let Ok(c) = obj.peel_to_commit() {
                        tips.push(c.id());
                    }
                }
                Err(e) => scanner.error(
                    name,
                    format!("ref points to a missing or bad object: {}", e.message()),
                ),
            }
        }
        if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
            tips.push(head.id());
        }
        if tips.is_empty() {
            return Ok(Vec::new());
        }
    } else {
        for rev in &sel.include {
            tips.push(resolve(repo, rev)?);
        }
    }
    let mut hidden = Vec::new();
    for rev in &sel.exclude {
        hidden.push(resolve(repo, rev)?);
    }
    let ids = match revwalk(repo, &tips, &hidden) {
        Ok(ids) => ids,
        Err(e) => {
            // libgit2 stops the whole walk at the first missing or broken
            // commit: walk commit by commit instead, around the broken ones.
            scanner.error(
                "commits",
                format!(
                    "commit walk stopped: {}; walking around the unreadable commits",
                    e.message()
                ),
            );
            tolerant_walk(repo, &tips, &hidden, scanner)
        }
    };
    let mut out = Vec::new();
    for id in ids {
        let commit = match repo.find_commit(id) {
            Ok(c) => c,
            Err(e) => {
                scanner.error(
                    format!("commit {id}"),
                    format!("cannot read commit: {}", e.message()),
                );
                continue;
            }
        };
        if sel.since.is_some_and(|s| commit.time().seconds() < s) {
            continue;
        }
        out.push((id, commit.tree_id()));
    }
    Ok(out)
}

/// libgit2's topological walk (parents first); fails on any unreadable commit.
fn revwalk(repo: &Repository, tips: &[Oid], hidden: &[Oid]) -> Result<Vec<Oid>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    for &t in tips {
        walk.push(t)?;
    }
    for &h in hidden {
        walk.hide(h)?;
    }
    walk.collect()
}

/// Commits reachable from `tips` but not from `hidden`, parents before children,
/// reading each commit on its own: an unreadable one is reported once (its
/// ancestors are still walked when another path reaches them).
fn tolerant_walk(repo: &Repository, tips: &[Oid], hidden: &[Oid], scanner: &Scanner) -> Vec<Oid> {
    let parents = |id: Oid, report: bool| -> Option<Vec<Oid>> {
        match repo.find_commit(id) {
            Ok(c) => Some(c.parent_ids().collect()),
            Err(e) => {
                if report {
                    scanner.error(
                        format!("commit {id}"),
                        format!(
                            "cannot read commit ({}): it and history only reachable through it were not scanned",
                            e.message()
                        ),
                    );
                }
                None
            }
        }
    };
    let mut excluded: FastSet<Oid> = FastSet::default();
    let mut stack = hidden.to_vec();
    while let Some(id) = stack.pop() {
        if excluded.insert(id) {
            stack.extend(parents(id, false).unwrap_or_default());
        }
    }
    // Iterative post-order: a commit is emitted once all its parents are.
    let mut out = Vec::new();
    let mut seen: FastSet<Oid> = FastSet::default();
    let mut stack: Vec<(Oid, Option<Vec<Oid>>)> = Vec::new();
    for &t in tips.iter().rev() {
        if excluded.contains(&t) || !seen.insert(t) {
            continue;
        }
        stack.push((t, None));
        while let Some((id, pending)) = stack.pop() {
            let mut pending = match pending {
                Some(p) => p,
                None => match parents(id, true) {
                    Some(p) => p,
                    // Unreadable: not emitted (reported above).
                    None => continue,
                },
            };
            match pending.pop() {
                Some(p) => {
                    stack.push((id, Some(pending)));
                    if !excluded.contains(&p) && seen.insert(p) {
                        stack.push((p, None));
                    }
                }
                None => out.push(id),
            }
        }
    }
    out
}

fn resolve(repo: &Repository, rev: &str) -> Result<Oid> {
    let obj = repo.revparse_single(rev).map_err(|e| {
        if e.code() != git2::ErrorCode::NotFound {
            anyhow::anyhow!(
                "`{rev}` is not a revision of this repository: {}",
                super::words(&e)
            )
        } else if repo
            .head()
            .is_err_and(|h| h.code() == git2::ErrorCode::UnbornBranch)
        {
            anyhow::anyhow!("`{rev}`: the repository has no commits yet")
        } else {
            anyhow::anyhow!("no branch, tag or commit named `{rev}` in this repository")
        }
    })?;
    match obj.peel_to_commit() {
        Ok(c) => Ok(c.id()),
        Err(_) => bail!("`{rev}` does not name a commit"),
    }
}

/// Parents of selected commits that are not selected themselves: what the
/// range starts from. Their content was scanned before (or is out of range).
fn boundary_commits(repo: &Repository, commits: &[(Oid, Oid)]) -> Vec<Oid> {
    let selected: HashSet<Oid> = commits.iter().map(|c| c.0).collect();
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for &(id, _) in commits {
        let Ok(c) = repo.find_commit(id) else {
            continue;
        };
        for p in c.parent_ids() {
            if !selected.contains(&p) && seen.insert(p) {
                out.push(p);
            }
        }
    }
    out
}

/// Every tree and blob of the boundary commits (missing ones, as past a shallow
/// boundary, are simply not there to exclude).
fn excluded_objects(
    repo: &Repository,
    boundary: &[Oid],
    scanner: &Scanner,
) -> (FastSet<Oid>, FastSet<Oid>) {
    let mut trees = FastSet::default();
    let mut blobs = FastSet::default();
    for &id in boundary {
        let Ok(c) = repo.find_commit(id) else {
            continue;
        };
        let mut stack = vec![c.tree_id()];
        while let Some(t) = stack.pop() {
            if !trees.insert(t) {
                continue;
            }
            let tree = match repo.find_tree(t) {
                Ok(t) => t,
                Err(e) => {
                    scanner.error(
                        format!("tree {t}"),
                        format!("cannot read tree: {}", e.message()),
                    );
                    continue;
                }
            };
            for e in tree.iter() {
                match e.kind() {
                    Some(ObjectType::Tree) => stack.push(e.id()),
                    Some(ObjectType::Blob) => {
                        blobs.insert(e.id());
                    }
                    _ => {}
                }
            }
        }
    }
    (trees, blobs)
}

/// The (tree, path) graph of the selected history and the blobs it reaches.
struct Graph<'r, 's, 'e> {
    repo: &'r Repository,
    scanner: &'s Scanner<'e>,
    ex_trees: FastSet<Oid>,
    ex_blobs: FastSet<Oid>,
    paths: Paths,
    nodes: Vec<Node>,
    node_ids: FastMap<(Oid, u32), u32>,
    blobs: Vec<BlobRec>,
    blob_ids: FastMap<Oid, u32>,
    /// (blob, path) occurrences and the commits holding each.
    occ_ids: FastMap<(u32, u32), u32>,
    /// Where new blobs go to be scanned; `None` once the walk is over.
    tx: Option<Sender<BlobTask>>,
    occ_counts: Vec<u64>,
    occ_blob: Vec<u32>,
    submodules: u64,
    /// Paths of submodules already noted (each is noted once).
    submodule_paths: FastSet<u32>,
}

impl<'r, 's, 'e> Graph<'r, 's, 'e> {
    fn new(
        repo: &'r Repository,
        scanner: &'s Scanner<'e>,
        ex_trees: FastSet<Oid>,
        ex_blobs: FastSet<Oid>,
        tx: Sender<BlobTask>,
    ) -> Self {
        Graph {
            repo,
            scanner,
            ex_trees,
            ex_blobs,
            paths: Paths::new(),
            nodes: Vec::new(),
            node_ids: FastMap::default(),
            blobs: Vec::new(),
            blob_ids: FastMap::default(),
            occ_ids: FastMap::default(),
            tx: Some(tx),
            occ_counts: Vec::new(),
            occ_blob: Vec::new(),
            submodules: 0,
            submodule_paths: FastSet::default(),
        }
    }

    fn node(&mut self, tree: Oid, path: u32, depth: u32) -> (u32, bool) {
        if let Some(&n) = self.node_ids.get(&(tree, path)) {
            return (n, false);
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Node {
            depth,
            count: 0,
            trees: Vec::new(),
            blobs: Vec::new(),
        });
        self.node_ids.insert((tree, path), n);
        (n, true)
    }

    /// Walks a commit's root tree, skipping (tree, path) pairs already walked.
    fn visit_root(&mut self, root: Oid, commit: u32, commits: &[(Oid, Oid)]) -> Option<u32> {
        if self.ex_trees.contains(&root) {
            return None;
        }
        let (root_node, new) = self.node(root, 0, 0);
        if !new {
            return Some(root_node);
        }
        let mut stack = vec![(root_node, root, 0u32)];
        while let Some((n, tid, pid)) = stack.pop() {
            let tree = match self.repo.find_tree(tid) {
                Ok(t) => t,
                Err(e) => {
                    let at = self.paths.full(pid);
                    self.scanner.error(
                        format!("{}:{at}", commits[commit as usize].0),
                        format!("cannot read tree {tid}: {}", e.message()),
                    );
                    continue;
                }
            };
            let depth = self.nodes[n as usize].depth + 1;
            for e in tree.iter() {
                match e.kind() {
                    Some(ObjectType::Tree) => {
                        let id = e.id();
                        if self.ex_trees.contains(&id) {
                            continue;
                        }
                        let cp = self.paths.child(pid, e.name_bytes());
                        let (child, new) = self.node(id, cp, depth);
                        self.nodes[n as usize].trees.push(child);
                        if new {
                            stack.push((child, id, cp));
                        }
                    }
                    Some(ObjectType::Blob) => {
                        let id = e.id();
                        if self.ex_blobs.contains(&id) {
                            continue;
                        }
                        let cp = self.paths.child(pid, e.name_bytes());
                        let b = match self.blob_ids.get(&id) {
                            Some(&b) => b,
                            None => {
                                let b = self.blobs.len() as u32;
                                self.blobs.push(BlobRec {
                                    id,
                                    first_commit: commit,
                                    first_path: cp,
                                });
                                self.blob_ids.insert(id, b);
                                if let Some(tx) = &self.tx {
                                    let c = commits[commit as usize].0.to_string();
                                    let path = self.paths.full(cp);
                                    let name = format!("{}:{path} (blob {id})", &c[..12]);
                                    let _ = tx.send(BlobTask {
                                        index: b,
                                        id,
                                        path,
                                        name,
                                    });
                                }
                                b
                            }
                        };
                        let next = self.occ_counts.len() as u32;
                        let o = *self.occ_ids.entry((b, cp)).or_insert(next);
                        if o == next {
                            self.occ_counts.push(0);
                            self.occ_blob.push(b);
                        }
                        self.nodes[n as usize].blobs.push(o);
                    }
                    // A gitlink: a submodule's commit, in another repository.
                    Some(ObjectType::Commit) => {
                        self.submodules += 1;
                        let cp = self.paths.child(pid, e.name_bytes());
                        if self.submodule_paths.insert(cp) {
                            let c = commits[commit as usize].0.to_string();
                            self.scanner.skipped(
                                format!("{}:{}", &c[..12], self.paths.full(cp)),
                                format!(
                                    "submodule (commit {} of another repository): not followed; scan its own clone",
                                    e.id()
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(root_node)
    }

    /// For the blobs that matched and are not in HEAD (`hits` minus
    /// `in_head`), the refs whose history still holds each (`refs`): which
    /// commits' trees hold them comes from this graph, before
    /// [`Graph::into_jobs`] consumes it.
    fn carried_by_refs(
        &self,
        repo: &Repository,
        commits: &[(Oid, Oid)],
        roots: &[Option<u32>],
        hits: &[u32],
        in_head: &HashSet<Oid>,
    ) -> HashMap<u32, Vec<String>> {
        let targets: Vec<u32> = hits
            .iter()
            .copied()
            .filter(|&b| !in_head.contains(&self.blobs[b as usize].id))
            .take(super::refs::MAX_BLOBS)
            .collect();
        if targets.is_empty() {
            return HashMap::new();
        }
        let holding = self.holding(roots, &targets);
        let per_target = super::refs::carrying_refs(repo, commits, &holding, targets.len());
        targets.into_iter().zip(per_target).collect()
    }

    /// Which of `targets` (blob indexes) each commit's tree holds, at any
    /// path: a node holds what its blobs and its subtrees hold, so nodes are
    /// settled deepest first.
    fn holding(&self, roots: &[Option<u32>], targets: &[u32]) -> super::refs::Holding {
        let mut h = super::refs::Holding::new(roots.len(), targets.len());
        let words = h.words;
        let bit: HashMap<u32, usize> = targets.iter().enumerate().map(|(i, &b)| (b, i)).collect();
        let mut held = vec![0u64; self.nodes.len() * words];
        let mut order: Vec<u32> = (0..self.nodes.len() as u32).collect();
        order.sort_by_key(|&n| std::cmp::Reverse(self.nodes[n as usize].depth));
        let mut row = vec![0u64; words];
        for n in order {
            let node = &self.nodes[n as usize];
            row.iter_mut().for_each(|w| *w = 0);
            for &o in &node.blobs {
                if let Some(&t) = bit.get(&self.occ_blob[o as usize]) {
                    row[t / 64] |= 1 << (t % 64);
                }
            }
            for &c in &node.trees {
                let c = c as usize * words;
                for (w, v) in row.iter_mut().enumerate() {
                    *v |= held[c + w];
                }
            }
            held[n as usize * words..(n as usize + 1) * words].copy_from_slice(&row);
        }
        for (ci, root) in roots.iter().enumerate() {
            if let Some(r) = root {
                let r = *r as usize * words;
                h.row_mut(ci).copy_from_slice(&held[r..r + words]);
            }
        }
        h
    }

    /// Propagates commit counts down the graph and describes the blobs that
    /// matched (`hits`, sorted indexes into `blobs`).
    fn into_jobs(
        mut self,
        commits: &[(Oid, Oid)],
        hits: &[u32],
        in_head: &HashSet<Oid>,
        mut carried: HashMap<u32, Vec<String>>,
    ) -> Vec<BlobJob> {
        // Children are one level deeper than their parents: visiting nodes by
        // depth sees every parent of a node before the node.
        let mut order: Vec<u32> = (0..self.nodes.len() as u32).collect();
        order.sort_by_key(|&n| self.nodes[n as usize].depth);
        for n in order {
            let node = &self.nodes[n as usize];
            let count = node.count;
            let trees = std::mem::take(&mut self.nodes[n as usize].trees);
            for c in trees {
                self.nodes[c as usize].count += count;
            }
            for &o in &self.nodes[n as usize].blobs {
                self.occ_counts[o as usize] += count;
            }
        }
        let mut commits_of = vec![0u64; self.blobs.len()];
        let mut paths_of = vec![0u64; self.blobs.len()];
        for (o, &b) in self.occ_blob.iter().enumerate() {
            commits_of[b as usize] += self.occ_counts[o];
            paths_of[b as usize] += 1;
        }
        hits.iter()
            .map(|&i| {
                let b = &self.blobs[i as usize];
                BlobJob {
                    id: b.id,
                    order: b.first_commit,
                    commit: commits[b.first_commit as usize].0,
                    path: self.paths.full(b.first_path),
                    commits: commits_of[i as usize],
                    paths: paths_of[i as usize],
                    in_head: in_head.contains(&b.id),
                    refs: carried.remove(&i).unwrap_or_default(),
                }
            })
            .collect()
    }
}

/// Every blob of HEAD's tree (empty for an unborn HEAD).
fn head_blobs(repo: &Repository) -> HashSet<Oid> {
    let mut out = HashSet::new();
    let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return out;
    };
    let mut stack = vec![tree];
    let mut seen = HashSet::new();
    while let Some(t) = stack.pop() {
        for e in t.iter() {
            match e.kind() {
                Some(ObjectType::Blob) => {
                    out.insert(e.id());
                }
                Some(ObjectType::Tree) if seen.insert(e.id()) => {
                    if let Ok(sub) = repo.find_tree(e.id()) {
                        stack.push(sub);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[derive(Default)]
struct Counters {
    scanned: AtomicU64,
    binary: AtomicU64,
    lfs: AtomicU64,
    too_large: AtomicU64,
}

/// One worker's handle on the object database and its read buffer.
enum BlobReader {
    Gix {
        repo: Box<gix::Repository>,
        buf: Vec<u8>,
    },
    Git2 {
        repo: Result<Repository, String>,
        buf: Vec<u8>,
    },
}

/// A blob as read, or why it was not.
enum Read<'a> {
    Data(&'a [u8]),
    TooLarge(u64),
}

impl BlobReader {
    fn new(sync: Option<&gix::ThreadSafeRepository>, git_dir: &Path) -> Self {
        let Some(sync) = sync else {
            let repo = Repository::open(git_dir).map_err(|e| e.message().to_string());
            return BlobReader::Git2 {
                repo,
                buf: Vec::new(),
            };
        };
        let mut repo = sync.to_thread_local();
        // Blobs are read once: no object cache, but a delta-base cache, without
        // which each blob at the end of a delta chain re-inflates the whole chain.
        repo.object_cache_size(0);
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                32 << 20,
            ))
        });
        BlobReader::Gix {
            repo: Box::new(repo),
            buf: Vec::new(),
        }
    }

    /// Reads a blob unless it is larger than `max` (checked from the object
    /// header first, so a huge blob is never inflated).
    fn read(&mut self, id: Oid, max: u64) -> Result<Read<'_>, String> {
        match self {
            BlobReader::Gix { repo, buf } => {
                use gix::objs::{Find, FindHeader};
                let id = gix::ObjectId::from_bytes_or_panic(id.as_bytes());
                match repo.objects.try_header(&id) {
                    Ok(Some(h)) if h.size > max => return Ok(Read::TooLarge(h.size)),
                    Ok(Some(_)) => {}
                    Ok(None) => return Err("object not found".into()),
                    Err(e) => return Err(e.to_string()),
                }
                // Do not keep a huge buffer alive in every worker after one big blob.
                if buf.capacity() > 16 << 20 {
                    *buf = Vec::new();
                }
                match repo.objects.try_find(&id, buf) {
                    Ok(Some(d)) => Ok(Read::Data(d.data)),
                    Ok(None) => Err("object not found".into()),
                    Err(e) => Err(e.to_string()),
                }
            }
            BlobReader::Git2 { repo, buf } => {
                let repo = repo
                    .as_ref()
                    .map_err(|e| format!("cannot open the repository: {e}"))?;
                let odb = repo.odb().map_err(|e| e.message().to_string())?;
                let (size, _) = odb.read_header(id).map_err(|e| e.message().to_string())?;
                if size as u64 > max {
                    return Ok(Read::TooLarge(size as u64));
                }
                let obj = odb.read(id).map_err(|e| e.message().to_string())?;
                buf.clear();
                buf.extend_from_slice(obj.data());
                Ok(Read::Data(buf))
            }
        }
    }
}

/// Reads one blob and scans it (without provenance); true when it matched.
fn scan_task(
    reader: &mut BlobReader,
    task: &BlobTask,
    scanner: &Scanner,
    opts: &HistoryOptions,
    c: &Counters,
    partial: bool,
) -> bool {
    let data = match reader.read(task.id, opts.max_file_size) {
        Ok(Read::Data(d)) => d,
        Ok(Read::TooLarge(size)) => {
            let why = format!(
                "{size} bytes is over --max-file-size ({} bytes)",
                opts.max_file_size
            );
            scanner.skipped(task.name.clone(), why);
            c.too_large.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        Err(e) if partial && e.contains("not found") => {
            scanner.error(
                task.name.clone(),
                "blob not in this partial clone (left on the promisor remote, not fetched): not scanned",
            );
            return false;
        }
        Err(e) => {
            scanner.error(task.name.clone(), format!("missing or corrupt blob: {e}"));
            return false;
        }
    };
    if is_lfs_pointer(data) {
        c.lfs.fetch_add(1, Ordering::Relaxed);
        false
    } else if !opts.scan_binary && looks_binary(data) && !content::has_binary_reader(data) {
        c.binary.fetch_add(1, Ordering::Relaxed);
        false
    } else {
        c.scanned.fetch_add(1, Ordering::Relaxed);
        // Routed like a file (UTF-16, logs, archives, exports). Provenance is
        // known only after the walk: this first look says whether the blob is
        // worth reading again to report; errors name the blob as found.
        let seen = Provenance::File {
            path: task.name.clone(),
        };
        scanner.probe(|s| content::scan_file_content(Path::new(&task.path), &seen, data, s))
    }
}

fn report_hit(
    repo: &Repository,
    job: &BlobJob,
    scanner: &Scanner,
    reader: &mut BlobReader,
) -> Vec<Finding> {
    let data = match reader.read(job.id, u64::MAX) {
        Ok(Read::Data(d)) => d,
        Ok(Read::TooLarge(_)) => return Vec::new(),
        Err(e) => {
            scanner.error(
                format!(
                    "{}:{} (blob {})",
                    &job.commit.to_string()[..12],
                    job.path,
                    job.id
                ),
                format!("blob unreadable on second read: {e}"),
            );
            return Vec::new();
        }
    };
    let origin = Box::new(origin(repo, job));
    let provenance = Provenance::Git(origin.clone());
    let mut findings =
        scanner.replay(|s| content::scan_file_content(Path::new(&job.path), &provenance, data, s));
    // Members of an archive or messages of an export committed to the
    // repository keep their own path and location, and gain the commit.
    for f in &mut findings {
        if f.git.is_none() {
            f.git = Some(origin.clone());
        }
    }
    findings
}

fn merge_versions(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    // (fingerprint, path) -> (index in out, blob reported)
    let mut first: HashMap<(String, String), (usize, String)> = HashMap::new();
    let mut merged: HashSet<(String, String, String)> = HashSet::new();
    for f in findings {
        let Some(g) = f.git.as_deref() else {
            out.push(f);
            continue;
        };
        let key = (f.fingerprint.clone(), g.path.clone());
        match first.get(&key) {
            None => {
                first.insert(key, (out.len(), g.blob_id.clone()));
                out.push(f);
            }
            // Another occurrence in the same blob: a finding of its own.
            Some((_, blob)) if *blob == g.blob_id => out.push(f),
            Some(&(i, _)) => {
                if merged.insert((key.0, key.1, g.blob_id.clone())) {
                    let (commits, in_head) = (g.commits, g.in_head);
                    let refs = g.refs.clone();
                    if let Some(rep) = out[i].git.as_deref_mut() {
                        rep.commits += commits;
                        rep.blobs += 1;
                        rep.in_head |= in_head;
                        rep.refs.extend(refs);
                    }
                }
            }
        }
    }
    for g in out.iter_mut().filter_map(|f| f.git.as_deref_mut()) {
        if g.in_head {
            // Still in HEAD: the refs were computed for history-only versions.
            g.refs.clear();
        }
        super::refs::sort_refs(&mut g.refs);
        g.refs_total = g.refs.len() as u64;
        g.refs.truncate(super::refs::MAX_LISTED);
    }
    out
}

/// The `git` object of a finding: built only for blobs that matched.
fn origin(repo: &Repository, job: &BlobJob) -> GitOrigin {
    let mut g = GitOrigin {
        commit: job.commit.to_string(),
        author_name: String::new(),
        author_email: String::new(),
        date: String::new(),
        summary: String::new(),
        path: job.path.clone(),
        blob_id: job.id.to_string(),
        commits: job.commits,
        blobs: 1,
        paths: job.paths,
        in_head: job.in_head,
        refs: job.refs.clone(),
        refs_total: 0,
    };
    if let Ok(c) = repo.find_commit(job.commit) {
        let author = c.author();
        g.author_name = String::from_utf8_lossy(author.name_bytes()).into_owned();
        g.author_email = String::from_utf8_lossy(author.email_bytes()).into_owned();
        g.date = git_date(author.when());
        g.summary = c
            .summary_bytes()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .unwrap_or_default();
    }
    g
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
    fn paths_are_interned() {
        let mut p = Paths::new();
        let src = p.child(0, b"src");
        let a = p.child(src, b"a.rs");
        assert_eq!(p.child(src, b"a.rs"), a);
        assert_eq!(p.full(a), "src/a.rs");
        assert_eq!(p.full(0), "");
    }

    #[test]
    fn dates_keep_their_offset() {
        let t = git2::Time::new(1_600_000_000, 120);
        assert_eq!(git_date(t), "2020-09-13T14:26:40+02:00");
    }
}
