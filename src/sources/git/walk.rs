//! The tree walk: each selected commit's tree diffed against its first
//! parent's, commits shared out to N threads in runs of consecutive commits.
//!
//! Subtrees whose id did not change are skipped, so the work is the trees on
//! changed paths (both sides), not commits × files. A thread's runs are
//! consecutive in topological order, where a commit mostly follows its parent:
//! the parent's trees, read a moment ago as the new side, come from a small
//! per-thread cache.
//!
//! What comes out is every change of a path's content: the (commit, path,
//! blob) where a blob appears at a path, and where a path's blob goes away.
//! That is enough for all of a blob's provenance ([`super::provenance`]): the
//! first commit that holds a blob anywhere holds it where its first parent
//! held nothing of it, so the blob is in that commit's diff; and the blob at
//! a path in any commit is the last change of that path along first parents.
//! The distinct (tree, path) pairs are counted on the way, as the walk before
//! this one reported them (`stats.git.trees`, submodule entries).

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use gix::ObjectId;

use super::commits::Commits;
use super::objects::{entries, name_order, validate_tree, Entry, EntryKind, FastSet, Kind, Odb};
use super::provenance::{Paths, ROOT};

/// What a path holds after a change.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value {
    Blob(ObjectId),
    /// A submodule's commit (gitlink).
    Link(ObjectId),
    /// Nothing the scan covers: the path was deleted, became a directory, or
    /// holds a blob of the excluded boundary.
    Gone,
}

/// A path whose content changed in a commit (against its first parent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Change {
    /// Index of the commit in [`Commits`].
    pub commit: u32,
    pub path: u32,
    pub value: Value,
}

/// A tree that could not be read where the walk met it first, or a commit
/// whose tree repeats subtrees past [`FAN_OUT_ENTRIES`].
pub(crate) struct TreeError {
    pub commit: u32,
    pub path: u32,
    pub tree: ObjectId,
    /// The whole message, naming the tree.
    pub message: String,
}

/// What the walk found.
pub(crate) struct Walked {
    pub changes: Vec<Change>,
    /// Distinct (tree, path) pairs of the selected history.
    pub trees: u64,
    /// Gitlink entries in those trees.
    pub submodules: u64,
    pub tree_errors: Vec<TreeError>,
}

/// Consecutive commits a thread takes at a time.
const RUN: usize = 64;
/// Raw trees kept, shared out to the threads (a commit's parent's trees, mostly).
const TREE_CACHE_BYTES: usize = 16 << 20;
/// Delta bases kept by the readers, shared out to the threads.
const DELTA_CACHE_BYTES: usize = 32 << 20;
const SHARDS: usize = 16;
/// Tree entries one commit's diff may visit before a subtree it has already
/// walked whole (added or removed) in that commit is not walked again at
/// another path. A git bomb (a 10-entry tree nesting the same tree 10 deep:
/// 10^10 paths from a 240 KB repository) would otherwise never end. Real
/// trees stay far below (rails: ~5,000 files; the Linux kernel ~90,000), and a
/// skipped copy holds only blobs already walked at its first path, so every
/// blob is still scanned: only its other paths are not listed.
const FAN_OUT_ENTRIES: u64 = 1_000_000;

/// Diffs every selected commit against its first parent on `threads` threads.
/// `ex_trees` and `ex_blobs` (the boundary's objects) are left out.
pub(crate) fn walk(
    odb: &Odb,
    commits: &Commits,
    ex_trees: &FastSet<ObjectId>,
    ex_blobs: &FastSet<ObjectId>,
    paths: &Paths,
    threads: usize,
) -> Walked {
    let shared = Shared {
        commits,
        ex_trees,
        ex_blobs,
        paths,
        seen: (0..SHARDS).map(|_| Mutex::default()).collect(),
        next: AtomicUsize::new(0),
        trees: AtomicU64::new(0),
    };
    // Caches are a budget for all threads, so memory does not grow with -j.
    let threads = threads.max(1);
    let tree_cache = (TREE_CACHE_BYTES / threads).max(2 << 20);
    let delta_cache = (DELTA_CACHE_BYTES / threads).max(4 << 20);
    let parts: Vec<(Vec<Change>, u64, Vec<TreeError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let shared = &shared;
                s.spawn(move || {
                    let mut d = Differ {
                        shared,
                        reader: odb.reader(0, delta_cache),
                        cache: TreeCache {
                            cap: tree_cache,
                            ..TreeCache::default()
                        },
                        stack: Vec::new(),
                        key: Vec::new(),
                        changes: Vec::new(),
                        links: 0,
                        errors: Vec::new(),
                        entries: 0,
                        walked: FastSet::default(),
                        bomb_noted: false,
                    };
                    d.run();
                    (d.changes, d.links, d.errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a walk thread panicked"))
            .collect()
    });
    let mut out = Walked {
        changes: Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum()),
        trees: shared.trees.load(Ordering::Relaxed),
        submodules: 0,
        tree_errors: Vec::new(),
    };
    for (changes, links, errors) in parts {
        out.changes.extend(changes);
        out.submodules += links;
        out.tree_errors.extend(errors);
    }
    out
}

struct Shared<'a> {
    commits: &'a Commits,
    ex_trees: &'a FastSet<ObjectId>,
    ex_blobs: &'a FastSet<ObjectId>,
    paths: &'a Paths,
    /// (tree, path) pairs met, by the first 8 bytes of the tree id (a clash of
    /// two trees at one path is a 2^-64 chance, and would only miscount them).
    seen: Vec<Mutex<FastSet<(u64, u32)>>>,
    next: AtomicUsize,
    trees: AtomicU64,
}

impl Shared<'_> {
    /// Whether this is the first time the walk meets `tree` at `path`.
    fn first_sight(&self, tree: &ObjectId, path: u32) -> bool {
        let k = u64::from_le_bytes(tree.as_bytes()[..8].try_into().expect("8 bytes"));
        let shard = (k as usize ^ path as usize) % SHARDS;
        let fresh = self.seen[shard]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((k, path));
        if fresh {
            self.trees.fetch_add(1, Ordering::Relaxed);
        }
        fresh
    }
}

/// Recently read trees, validated, with their gitlink counts.
#[derive(Default)]
struct TreeCache {
    map: super::objects::FastMap<ObjectId, (Rc<[u8]>, u32)>,
    order: VecDeque<ObjectId>,
    bytes: usize,
    cap: usize,
}

/// One diff still to do: the tree at `path` now (`new`) and in the first
/// parent (`old`).
type Pair = (Option<ObjectId>, Option<ObjectId>, u32);

struct Differ<'s, 'o> {
    shared: &'s Shared<'s>,
    reader: super::objects::Reader<'o>,
    cache: TreeCache,
    stack: Vec<Pair>,
    /// Scratch for path keys.
    key: Vec<u8>,
    changes: Vec<Change>,
    links: u64,
    errors: Vec<TreeError>,
    /// Entries visited by the current commit's diff.
    entries: u64,
    /// The (new, old) subtree pairs the current commit's diff has walked
    /// since it passed [`FAN_OUT_ENTRIES`].
    walked: FastSet<(Option<ObjectId>, Option<ObjectId>)>,
    /// Whether the current commit's fan-out was reported.
    bomb_noted: bool,
}

impl Differ<'_, '_> {
    /// Queues the diff of a subtree pair, unless this commit is past the
    /// fan-out bound and has diffed the same pair at another path since: then
    /// it is skipped, and the commit is reported once.
    fn push(&mut self, ci: u32, (new, old, path): Pair) {
        // Below the bound nothing is remembered (the common case costs no
        // hashing); past it each pair is walked once more at most.
        if self.entries <= FAN_OUT_ENTRIES || self.walked.insert((new, old)) {
            self.stack.push((new, old, path));
            return;
        }
        if !self.bomb_noted {
            self.bomb_noted = true;
            let tree = new.or(old).expect("a pair has a tree");
            self.errors.push(TreeError {
                commit: ci,
                path,
                tree,
                message: format!(
                    "tree {tree} repeats at more paths than a real tree has (over {FAN_OUT_ENTRIES} entries in one commit; a git bomb?): each repeated subtree was walked once, so its blobs are scanned but only at their first path"
                ),
            });
        }
    }

    fn run(&mut self) {
        let commits = self.shared.commits;
        loop {
            let start = self.shared.next.fetch_add(RUN, Ordering::Relaxed);
            if start >= commits.len() {
                break;
            }
            for ci in start..(start + RUN).min(commits.len()) {
                let new = commits.info[ci].tree;
                let old = commits.base_tree[ci];
                if old == Some(new) {
                    continue;
                }
                self.entries = 0;
                self.walked.clear();
                self.bomb_noted = false;
                self.stack.push((Some(new), old, ROOT));
                while let Some(pair) = self.stack.pop() {
                    self.pair(ci as u32, pair);
                }
            }
        }
    }

    /// A tree, read (through the cache) and validated, with its gitlink count.
    fn tree(&mut self, id: &ObjectId) -> Result<(Rc<[u8]>, u32), String> {
        if let Some((data, links)) = self.cache.map.get(id) {
            return Ok((data.clone(), *links));
        }
        let r = self.reader.read(id);
        let (data, links) = match r {
            Ok((Kind::Tree, data)) => match validate_tree(data) {
                Some(links) => (Rc::<[u8]>::from(data), links),
                None => return Err("malformed tree".into()),
            },
            Ok((kind, _)) => return Err(format!("a {kind:?}, not a tree")),
            Err(e) => return Err(e.to_string()),
        };
        let c = &mut self.cache;
        while c.bytes + data.len() > c.cap {
            let Some(old) = c.order.pop_front() else {
                break;
            };
            if let Some((d, _)) = c.map.remove(&old) {
                c.bytes -= d.len();
            }
        }
        c.bytes += data.len();
        c.order.push_back(*id);
        c.map.insert(*id, (data.clone(), links));
        Ok((data, links))
    }

    fn path(&mut self, parent: u32, name: &[u8]) -> u32 {
        self.shared.paths.intern(parent, name, &mut self.key)
    }

    fn record(&mut self, commit: u32, path: u32, value: Value) {
        self.changes.push(Change {
            commit,
            path,
            value,
        });
    }

    /// The value a blob or gitlink entry gives its path.
    fn leaf(&self, e: &Entry) -> Value {
        match e.kind {
            EntryKind::Link => Value::Link(e.oid()),
            _ => {
                let id = e.oid();
                let ex = self.shared.ex_blobs;
                if !ex.is_empty() && ex.contains(&id) {
                    Value::Gone
                } else {
                    Value::Blob(id)
                }
            }
        }
    }

    fn pair(&mut self, ci: u32, (new, old, path): Pair) {
        let new_data = match new {
            None => None,
            Some(t) => {
                let ex = self.shared.ex_trees;
                if !ex.is_empty() && ex.contains(&t) {
                    // Part of the boundary: what the parent held here is gone
                    // from the scan's view, nothing new is added.
                    if old.is_some() {
                        self.stack.push((None, old, path));
                    }
                    return;
                }
                let fresh = self.shared.first_sight(&t, path);
                match self.tree(&t) {
                    Ok((data, links)) => {
                        if fresh {
                            self.links += links as u64;
                        }
                        Some(data)
                    }
                    Err(message) => {
                        if fresh {
                            self.errors.push(TreeError {
                                commit: ci,
                                path,
                                tree: t,
                                message: format!("cannot read tree {t}: {message}"),
                            });
                        }
                        None
                    }
                }
            }
        };
        // An unreadable old tree was reported where it was new: diff against nothing.
        let old_data = old.and_then(|o| self.tree(&o).ok().map(|(d, _)| d));
        let a = new_data.as_deref().unwrap_or(&[]);
        let b = old_data.as_deref().unwrap_or(&[]);
        let (mut ia, mut ib) = (entries(a).peekable(), entries(b).peekable());
        loop {
            self.entries += 1;
            let order = match (ia.peek(), ib.peek()) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => name_order(
                    x.name,
                    x.kind == EntryKind::Tree,
                    y.name,
                    y.kind == EntryKind::Tree,
                ),
            };
            match order {
                std::cmp::Ordering::Less => {
                    let x = ia.next().expect("peeked");
                    let p = self.path(path, x.name);
                    match x.kind {
                        EntryKind::Tree => self.push(ci, (Some(x.oid()), None, p)),
                        _ => {
                            let v = self.leaf(&x);
                            if !matches!(v, Value::Gone) {
                                self.record(ci, p, v);
                            }
                        }
                    }
                }
                std::cmp::Ordering::Greater => {
                    let y = ib.next().expect("peeked");
                    let p = self.path(path, y.name);
                    match y.kind {
                        EntryKind::Tree => self.push(ci, (None, Some(y.oid()), p)),
                        _ => self.record(ci, p, Value::Gone),
                    }
                }
                std::cmp::Ordering::Equal => {
                    let (x, y) = (ia.next().expect("peeked"), ib.next().expect("peeked"));
                    let same_class = (x.kind == EntryKind::Link) == (y.kind == EntryKind::Link)
                        && (x.kind == EntryKind::Tree) == (y.kind == EntryKind::Tree);
                    if x.id == y.id && same_class {
                        continue;
                    }
                    let p = self.path(path, x.name);
                    match (x.kind == EntryKind::Tree, y.kind == EntryKind::Tree) {
                        (true, true) => self.push(ci, (Some(x.oid()), Some(y.oid()), p)),
                        (true, false) => {
                            self.record(ci, p, Value::Gone);
                            self.push(ci, (Some(x.oid()), None, p));
                        }
                        (false, true) => {
                            self.push(ci, (None, Some(y.oid()), p));
                            let v = self.leaf(&x);
                            if !matches!(v, Value::Gone) {
                                self.record(ci, p, v);
                            }
                        }
                        (false, false) => {
                            let v = self.leaf(&x);
                            self.record(ci, p, v);
                        }
                    }
                }
            }
        }
    }
}
