//! git2 vs gix on the history walk alone, the way `tokenhound git` walks now:
//! every commit's tree diffed against its first parent's (unchanged subtrees
//! skipped by id), commits shared out in runs of consecutive commits to N
//! threads, each with its own handle and a small object cache (a commit's
//! parent was usually the previous commit of the same run, so its trees are
//! cached). The same recursion, the same parsing into a reused entry list, for
//! both libraries: only the object reading differs.
//!
//!     cargo run --release -- REPO THREADS walk

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A parsed tree entry: name range in `Entries::names`, kind, id.
#[derive(Clone, Copy)]
struct Entry {
    name: (u32, u32),
    kind: Kind,
    id: [u8; 20],
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Tree,
    Blob,
    Link,
}

#[derive(Default)]
struct Entries {
    names: Vec<u8>,
    list: Vec<Entry>,
}

impl Entries {
    fn name(&self, e: &Entry) -> &[u8] {
        &self.names[e.name.0 as usize..e.name.1 as usize]
    }
    fn push(&mut self, name: &[u8], kind: Kind, id: [u8; 20]) {
        let a = self.names.len() as u32;
        self.names.extend_from_slice(name);
        self.list.push(Entry { name: (a, self.names.len() as u32), kind, id });
    }
}

trait TreeSource {
    /// Fills `out` with the entries of tree `id`; false if unreadable.
    fn read(&mut self, id: &[u8; 20], out: &mut Entries) -> bool;
}

struct Git2Trees {
    repo: git2::Repository,
}

impl TreeSource for Git2Trees {
    fn read(&mut self, id: &[u8; 20], out: &mut Entries) -> bool {
        let Ok(t) = self.repo.find_tree(git2::Oid::from_bytes(id).unwrap()) else {
            return false;
        };
        for e in t.iter() {
            let kind = match e.kind() {
                Some(git2::ObjectType::Tree) => Kind::Tree,
                Some(git2::ObjectType::Commit) => Kind::Link,
                _ => Kind::Blob,
            };
            out.push(e.name_bytes(), kind, e.id().as_bytes().try_into().unwrap());
        }
        true
    }
}

struct GixTrees {
    repo: gix::Repository,
    buf: Vec<u8>,
}

impl TreeSource for GixTrees {
    fn read(&mut self, id: &[u8; 20], out: &mut Entries) -> bool {
        use gix::prelude::Find;
        let oid = gix::ObjectId::from_bytes_or_panic(id);
        let Ok(Some(d)) = self.repo.objects.try_find(&oid, &mut self.buf) else {
            return false;
        };
        for e in gix::objs::TreeRefIter::from_bytes(d.data, gix::hash::Kind::Sha1) {
            let Ok(e) = e else { return false };
            let kind = if e.mode.is_tree() {
                Kind::Tree
            } else if e.mode.is_commit() {
                Kind::Link
            } else {
                Kind::Blob
            };
            out.push(e.filename, kind, e.oid.as_bytes().try_into().unwrap());
        }
        true
    }
}

/// Git's tree order: a tree's name sorts as if it ended in '/'.
fn order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {
            let ca = a.get(n).copied().unwrap_or(if a_tree { b'/' } else { 0 });
            let cb = b.get(n).copied().unwrap_or(if b_tree { b'/' } else { 0 });
            ca.cmp(&cb)
        }
        o => o,
    }
}

#[derive(Default)]
struct Counts {
    trees_read: u64,
    changes: u64,
    misses: u64,
}

/// Parsed trees of the recent commits, by id: a commit's parent was usually
/// the previous commit of the run, whose new trees are this diff's old ones.
struct Cache {
    map: std::collections::HashMap<[u8; 20], std::rc::Rc<Entries>>,
    order: std::collections::VecDeque<[u8; 20]>,
    cap: usize,
}

impl Cache {
    fn get<S: TreeSource>(&mut self, src: &mut S, id: &[u8; 20], c: &mut Counts) -> std::rc::Rc<Entries> {
        if let Some(e) = self.map.get(id) {
            return e.clone();
        }
        c.misses += 1;
        let mut e = Entries::default();
        src.read(id, &mut e);
        let e = std::rc::Rc::new(e);
        if self.cap > 0 {
            if self.order.len() >= self.cap {
                let old = self.order.pop_front().unwrap();
                self.map.remove(&old);
            }
            self.order.push_back(*id);
            self.map.insert(*id, e.clone());
        }
        e
    }
}

/// Diffs tree `new` against `old` (either may be absent), counting changed leaves.
fn diff<S: TreeSource>(
    src: &mut S,
    cache: &mut Cache,
    new: Option<&[u8; 20]>,
    old: Option<&[u8; 20]>,
    c: &mut Counts,
) {
    let empty = std::rc::Rc::new(Entries::default());
    let a = match new {
        Some(id) => {
            c.trees_read += 1;
            cache.get(src, id, c)
        }
        None => empty.clone(),
    };
    let b = match old {
        Some(id) => {
            c.trees_read += 1;
            cache.get(src, id, c)
        }
        None => empty,
    };
    let (mut i, mut j) = (0, 0);
    while i < a.list.len() || j < b.list.len() {
        let ord = match (a.list.get(i), b.list.get(j)) {
            (Some(x), Some(y)) => order(a.name(x), x.kind == Kind::Tree, b.name(y), y.kind == Kind::Tree),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                let x = a.list[i];
                if x.kind == Kind::Tree {
                    diff(src, cache, Some(&x.id), None, c);
                } else {
                    c.changes += 1;
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let y = b.list[j];
                if y.kind == Kind::Tree {
                    diff(src, cache, None, Some(&y.id), c);
                } else {
                    c.changes += 1;
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (x, y) = (a.list[i], b.list[j]);
                if x.id != y.id || x.kind != y.kind {
                    match (x.kind == Kind::Tree, y.kind == Kind::Tree) {
                        (true, true) => diff(src, cache, Some(&x.id), Some(&y.id), c),
                        (true, false) => {
                            c.changes += 1;
                            diff(src, cache, Some(&x.id), None, c)
                        }
                        (false, true) => {
                            c.changes += 1;
                            diff(src, cache, None, Some(&y.id), c)
                        }
                        (false, false) => c.changes += 1,
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
}

/// CPU time of this process so far (user + system), in seconds.
fn cpu() -> f64 {
    let mut ru: libc_rusage = unsafe { std::mem::zeroed() };
    unsafe { getrusage(0, &mut ru) };
    let t = |tv: [i64; 2]| tv[0] as f64 + tv[1] as f64 / 1e6;
    t(ru.utime) + t(ru.stime)
}

#[repr(C)]
struct libc_rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    rest: [i64; 14],
}

extern "C" {
    fn getrusage(who: i32, usage: *mut libc_rusage) -> i32;
}

pub fn run(path: &str, threads: usize, only: Option<&str>) {
    let (t, c0) = (Instant::now(), cpu());
    let repo = git2::Repository::open(path).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).unwrap();
    for r in repo.references().unwrap() {
        if let Ok(c) = r.unwrap().peel_to_commit() {
            walk.push(c.id()).unwrap();
        }
    }
    let ids: Vec<git2::Oid> = walk.map(|i| i.unwrap()).collect();
    println!(
        "git2  commit walk (topological): {} commits in {:.2} s, {:.2} s CPU",
        ids.len(),
        t.elapsed().as_secs_f64(),
        cpu() - c0
    );
    // (tree, first parent's tree) per commit, read with gix.
    let (t, c0) = (Instant::now(), cpu());
    let pairs: Vec<([u8; 20], Option<[u8; 20]>)> = {
        use gix::prelude::Find;
        let g = gix::open(path).unwrap();
        let mut buf = Vec::new();
        let mut tree_of = std::collections::HashMap::new();
        for id in &ids {
            let oid = gix::ObjectId::from_bytes_or_panic(id.as_bytes());
            let d = g.objects.try_find(&oid, &mut buf).unwrap().unwrap();
            let mut it = gix::objs::CommitRefIter::from_bytes(d.data, gix::hash::Kind::Sha1);
            let tree: [u8; 20] = it.tree_id().unwrap().as_bytes().try_into().unwrap();
            let parent = it.parent_ids().next();
            tree_of.insert(oid, (tree, parent));
        }
        ids.iter()
            .map(|id| {
                let oid = gix::ObjectId::from_bytes_or_panic(id.as_bytes());
                let (tree, parent) = tree_of[&oid];
                (tree, parent.and_then(|p| tree_of.get(&p)).map(|t| t.0))
            })
            .collect()
    };
    println!(
        "gix   read {} commits (tree, parents): {:.2} s, {:.2} s CPU",
        pairs.len(),
        t.elapsed().as_secs_f64(),
        cpu() - c0
    );
    for lib in ["git2", "gix"] {
        if only.is_some_and(|o| o != lib) {
            continue;
        }
        for n in [1, threads] {
            let (t, c0) = (Instant::now(), cpu());
            let next = AtomicUsize::new(0);
            const RUN: usize = 64;
            let totals: Vec<Counts> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..n)
                    .map(|_| {
                        let (next, pairs) = (&next, &pairs);
                        s.spawn(move || {
                            let mut c = Counts::default();
                            let mut cache = Cache {
                                map: Default::default(),
                                order: Default::default(),
                                cap: std::env::var("TREE_CACHE").map(|v| v.parse().unwrap()).unwrap_or(4096),
                            };
                            let mut go = |src: &mut dyn FnMut(&[u8; 20], Option<&[u8; 20]>, &mut Counts)| loop {
                                let start = next.fetch_add(RUN, Ordering::Relaxed);
                                if start >= pairs.len() {
                                    break;
                                }
                                for (tree, parent) in &pairs[start..(start + RUN).min(pairs.len())] {
                                    src(tree, parent.as_ref(), &mut c);
                                }
                            };
                            if lib == "git2" {
                                let mut src = Git2Trees { repo: git2::Repository::open(path).unwrap() };
                                go(&mut |a, b, c| diff(&mut src, &mut cache, Some(a), b, c));
                            } else {
                                let sync = gix::open(path).unwrap();
                                let mut repo = sync;
                                repo.object_cache_size(16 << 20);
                                repo.objects.set_pack_cache(|| {
                                    Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(16 << 20))
                                });
                                let mut src = GixTrees { repo, buf: Vec::new() };
                                go(&mut |a, b, c| diff(&mut src, &mut cache, Some(a), b, c));
                            }
                            c
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let trees: u64 = totals.iter().map(|c| c.trees_read).sum();
            let changes: u64 = totals.iter().map(|c| c.changes).sum();
            let misses: u64 = totals.iter().map(|c| c.misses).sum();
            println!(
                "{lib:5} first-parent diffs, {n} thread(s): {:.2} s, {:.2} s CPU ({trees} tree reads, {misses} not cached, {changes} changed entries)",
                t.elapsed().as_secs_f64(),
                cpu() - c0
            );
        }
    }
}
