//! Where each blob of the history was first seen, stored compactly: paths
//! interned as (parent, name), blobs and commits as integers, one 12-byte
//! record per change of a path's content.
//!
//! - **First seen**: the earliest commit (topological order) whose diff
//!   against its first parent puts the blob at some path is the first commit
//!   that holds it at all (that commit's parents held none of it). Of its
//!   paths in that commit, the one the previous walk met first is kept (a
//!   tree's files before its subdirectories, subdirectories last to first), so
//!   findings name the same path as before.
//! - **Counts** (`commits`, `paths`): the blob at a path in commit C is the one set by the last change of that path
//!   on C's first-parent line. In the forest of first-parent links a change at
//!   commit S holds for S's subtree minus the subtrees of later changes of the
//!   same path below it, counted with one sort of that path's changes by
//!   pre-order number.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use gix::ObjectId;

use super::commits::{Commits, NONE};
use super::objects::{entries, name_order, EntryKind, FastMap, FastSet, Kind, Odb};
use super::walk::{Change, Value};

/// The path id of a commit's root tree (the empty path).
pub(crate) const ROOT: u32 = 0;

const SHARDS: usize = 16;

/// One shard of the path interner: intern key (parent id, name) → path id.
type Shard = Mutex<HashMap<Box<[u8]>, u32, RandomState>>;

/// Interns paths as (parent path, name) from many threads at once. Keys are
/// hashed with a random key: names come from the repository being scanned.
pub(crate) struct Paths {
    hasher: RandomState,
    shards: Vec<Shard>,
    next: AtomicU32,
}

impl Paths {
    pub(crate) fn new() -> Paths {
        let hasher = RandomState::new();
        Paths {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(hasher.clone())))
                .collect(),
            hasher,
            next: AtomicU32::new(ROOT + 1),
        }
    }

    /// The id of `name` inside path `parent`; `key` is scratch space.
    pub(crate) fn intern(&self, parent: u32, name: &[u8], key: &mut Vec<u8>) -> u32 {
        key.clear();
        key.extend_from_slice(&parent.to_le_bytes());
        key.extend_from_slice(name);
        let shard = (self.hasher.hash_one(&key[..]) as usize) % SHARDS;
        let mut map = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = map.get(&key[..]) {
            return id;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        map.insert(key[..].into(), id);
        id
    }

    /// The finished table, id → (parent, name).
    pub(crate) fn into_table(self) -> PathTable {
        let n = self.next.load(Ordering::Relaxed) as usize;
        let mut parent = vec![u32::MAX; n];
        let mut name: Vec<Box<[u8]>> = vec![Box::default(); n];
        for shard in self.shards {
            for (key, id) in shard.into_inner().unwrap_or_else(|e| e.into_inner()) {
                parent[id as usize] = u32::from_le_bytes(key[..4].try_into().expect("4 bytes"));
                name[id as usize] = key;
            }
        }
        PathTable { parent, name }
    }
}

/// Interned paths: id → (parent, name).
pub(crate) struct PathTable {
    parent: Vec<u32>,
    /// The intern key: 4 bytes of parent id, then the name.
    name: Vec<Box<[u8]>>,
}

impl PathTable {
    fn name(&self, id: u32) -> &[u8] {
        self.name[id as usize].get(4..).unwrap_or_default()
    }

    /// Path ids from the top directory down to `id`.
    fn components(&self, mut id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        while id != ROOT && (id as usize) < self.parent.len() {
            out.push(id);
            id = self.parent[id as usize];
        }
        out.reverse();
        out
    }

    /// The path as text (`a/b/c`), lossily for names that are not UTF-8.
    pub(crate) fn full(&self, id: u32) -> String {
        let parts: Vec<String> = self
            .components(id)
            .into_iter()
            .map(|c| String::from_utf8_lossy(self.name(c)).into_owned())
            .collect();
        parts.join("/")
    }

    /// The order in which the previous walk met two files of one commit's tree:
    /// depth first with an explicit stack, a tree's files (in tree order) before
    /// any of its subdirectories, subdirectories from the last to the first.
    pub(crate) fn walk_order(&self, a: u32, b: u32) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        let (ca, cb) = (self.components(a), self.components(b));
        let i = ca.iter().zip(&cb).take_while(|(x, y)| x == y).count();
        match (ca.get(i), cb.get(i)) {
            (None, None) => Equal,
            (None, Some(_)) => Less,
            (Some(_), None) => Greater,
            (Some(&x), Some(&y)) => {
                let (x_file, y_file) = (i + 1 == ca.len(), i + 1 == cb.len());
                match (x_file, y_file) {
                    (true, false) => Less,
                    (false, true) => Greater,
                    (true, true) => name_order(self.name(x), false, self.name(y), false),
                    (false, false) => name_order(self.name(y), true, self.name(x), true),
                }
            }
        }
    }
}

/// A change, compactly: `value` is a blob index, [`GONE`] or [`LINK`].
#[derive(Clone, Copy)]
struct Rec {
    commit: u32,
    path: u32,
    value: u32,
}

const GONE: u32 = u32::MAX;
const LINK: u32 = u32::MAX - 1;

/// A submodule path and where it was met first.
pub(crate) struct Submodule {
    pub commit: u32,
    pub path: u32,
    pub id: ObjectId,
}

/// Every selected blob and where it was first seen; what it takes to count
/// the commits and paths of any of them later.
pub(crate) struct Provenance {
    pub paths: PathTable,
    /// Blob index → id.
    pub blobs: Vec<ObjectId>,
    /// Blob index → (first commit, first path).
    pub first: Vec<(u32, u32)>,
    recs: Vec<Rec>,
}

impl Provenance {
    /// Interns the walk's changes. Returns the submodule paths too, each with
    /// the first commit that has it.
    pub(crate) fn build(changes: Vec<Change>, paths: PathTable) -> (Provenance, Vec<Submodule>) {
        let mut index: FastMap<ObjectId, u32> = FastMap::default();
        let mut blobs = Vec::new();
        let mut first: Vec<(u32, u32)> = Vec::new();
        let mut recs = Vec::with_capacity(changes.len());
        let mut links: HashMap<u32, Submodule> = HashMap::new();
        for c in changes {
            let value = match c.value {
                Value::Gone => GONE,
                Value::Link(id) => {
                    let e = links.entry(c.path).or_insert(Submodule {
                        commit: c.commit,
                        path: c.path,
                        id,
                    });
                    if c.commit < e.commit {
                        e.commit = c.commit;
                        e.id = id;
                    }
                    LINK
                }
                Value::Blob(id) => {
                    let b = *index.entry(id).or_insert_with(|| {
                        blobs.push(id);
                        first.push((u32::MAX, u32::MAX));
                        blobs.len() as u32 - 1
                    });
                    let f = &mut first[b as usize];
                    if c.commit < f.0 || (c.commit == f.0 && paths.walk_order(c.path, f.1).is_lt())
                    {
                        *f = (c.commit, c.path);
                    }
                    b
                }
            };
            recs.push(Rec {
                commit: c.commit,
                path: c.path,
                value,
            });
        }
        let mut subs: Vec<Submodule> = links.into_values().collect();
        subs.sort_by(|a, b| {
            a.commit
                .cmp(&b.commit)
                .then_with(|| paths.walk_order(a.path, b.path))
        });
        (
            Provenance {
                paths,
                blobs,
                first,
                recs,
            },
            subs,
        )
    }

    /// Every (commit, blob) where the commit brought the blob in at some path
    /// (against its first parent's tree; a root commit brings in all it has).
    pub(crate) fn introductions(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.recs
            .iter()
            .filter(|r| r.value != GONE && r.value != LINK)
            .map(|r| (r.commit, r.value))
    }

    /// For every blob: the commits holding it (summed over its paths; a
    /// commit holding it at two paths counts twice) and its distinct paths.
    pub(crate) fn counts(&self, commits: &Commits) -> Counts {
        let n = self.blobs.len();
        let mut paths = vec![0u32; n];
        let mut pairs: Vec<(u32, u32)> = self
            .recs
            .iter()
            .filter(|r| (r.value as usize) < n)
            .map(|r| (r.value, r.path))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for (b, _) in pairs {
            paths[b as usize] += 1;
        }
        let (tin, size) = forest_order(&commits.first_parent);
        // (path, pre-order number, subtree size, value) of every change.
        let mut events: Vec<(u32, u32, u32, u32)> = self
            .recs
            .iter()
            .map(|r| {
                (
                    r.path,
                    tin[r.commit as usize],
                    size[r.commit as usize],
                    r.value,
                )
            })
            .collect();
        events.sort_unstable();
        let mut held = vec![0u64; n];
        let mut excl: Vec<u64> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut start = 0;
        while start < events.len() {
            let path = events[start].0;
            let end = start + events[start..].iter().take_while(|e| e.0 == path).count();
            let group = &events[start..end];
            // Each change holds over its subtree minus the changes nested in it.
            excl.clear();
            excl.extend(group.iter().map(|e| e.2 as u64));
            open.clear();
            for (i, e) in group.iter().enumerate() {
                while let Some(&top) = open.last() {
                    if group[top].1 + group[top].2 <= e.1 {
                        open.pop();
                    } else {
                        break;
                    }
                }
                if let Some(&top) = open.last() {
                    excl[top] -= e.2 as u64;
                }
                open.push(i);
            }
            for (i, e) in group.iter().enumerate() {
                if (e.3 as usize) < n {
                    held[e.3 as usize] += excl[i];
                }
            }
            start = end;
        }
        Counts {
            commits: held,
            paths,
        }
    }

    /// `commit:path (blob id)` of a blob's first sighting, for errors and notes.
    pub(crate) fn describe(&self, commits: &Commits, blob: u32) -> String {
        let (c, p) = self.first[blob as usize];
        let commit = commits.ids[c as usize].to_string();
        format!(
            "{}:{} (blob {})",
            &commit[..12],
            self.paths.full(p),
            self.blobs[blob as usize]
        )
    }
}

/// Per blob index: commits holding it, distinct paths.
pub(crate) struct Counts {
    pub commits: Vec<u64>,
    pub paths: Vec<u32>,
}

/// Pre-order numbers and subtree sizes of the forest of first-parent links.
fn forest_order(first_parent: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let n = first_parent.len();
    let mut start = vec![0u32; n + 1];
    for &p in first_parent {
        if p != NONE {
            start[p as usize + 1] += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut children = vec![0u32; start[n] as usize];
    for (c, &p) in first_parent.iter().enumerate() {
        if p != NONE {
            children[fill[p as usize] as usize] = c as u32;
            fill[p as usize] += 1;
        }
    }
    let mut tin = vec![0u32; n];
    let mut size = vec![1u32; n];
    let mut clock = 0u32;
    let mut stack: Vec<(u32, u32)> = Vec::new();
    for root in (0..n).filter(|&c| first_parent[c] == NONE) {
        stack.push((root as u32, start[root]));
        tin[root] = clock;
        clock += 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < start[node as usize + 1] {
                let child = children[*next as usize];
                *next += 1;
                tin[child as usize] = clock;
                clock += 1;
                stack.push((child, start[child as usize]));
            } else {
                stack.pop();
                if let Some(&(parent, _)) = stack.last() {
                    size[parent as usize] += size[node as usize];
                }
            }
        }
    }
    (tin, size)
}

/// Every blob of HEAD's tree (empty for an unborn HEAD), read through
/// replacements like the rest.
pub(crate) fn head_blobs(repo: &git2::Repository, odb: &Odb) -> FastSet<ObjectId> {
    let mut out = FastSet::default();
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return out;
    };
    let mut reader = odb.reader(0, 16 << 20);
    let Ok(c) = reader.commit(&super::objects::from_git2(head.id())) else {
        return out;
    };
    let mut stack = vec![c.tree];
    let mut seen = FastSet::default();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        let Ok((Kind::Tree, data)) = reader.read(&t) else {
            continue;
        };
        for e in entries(data) {
            match e.kind {
                EntryKind::Blob => {
                    out.insert(e.oid());
                }
                EntryKind::Tree => stack.push(e.oid()),
                EntryKind::Link => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_interned() {
        let p = Paths::new();
        let mut key = Vec::new();
        let src = p.intern(ROOT, b"src", &mut key);
        let a = p.intern(src, b"a.rs", &mut key);
        assert_eq!(p.intern(src, b"a.rs", &mut key), a);
        assert_ne!(p.intern(ROOT, b"a.rs", &mut key), a);
        let t = p.into_table();
        assert_eq!(t.full(a), "src/a.rs");
        assert_eq!(t.full(ROOT), "");
    }

    #[test]
    fn walk_order_is_files_first_then_last_directory_first() {
        let p = Paths::new();
        let mut k = Vec::new();
        let (a, b) = (p.intern(ROOT, b"a", &mut k), p.intern(ROOT, b"b", &mut k));
        let top = p.intern(ROOT, b"z.txt", &mut k);
        let a1 = p.intern(a, b"1.txt", &mut k);
        let a2 = p.intern(a, b"2.txt", &mut k);
        let b1 = p.intern(b, b"1.txt", &mut k);
        let t = p.into_table();
        use std::cmp::Ordering::*;
        assert_eq!(t.walk_order(top, a1), Less, "the top tree's files first");
        assert_eq!(t.walk_order(b1, a1), Less, "then the last directory");
        assert_eq!(t.walk_order(a1, a2), Less, "files in tree order");
        assert_eq!(t.walk_order(a2, a2), Equal);
    }

    #[test]
    fn first_parent_forest_numbers_subtrees() {
        // 0 <- 1 <- 2, 1 <- 3 (a branch), 4 alone.
        let (tin, size) = forest_order(&[NONE, 0, 1, 1, NONE]);
        assert_eq!(size, vec![4, 3, 1, 1, 1]);
        assert_eq!(tin[0], 0);
        assert!(tin[2] > tin[1] && tin[3] > tin[1]);
        assert_eq!(tin[4], 4);
    }
}
