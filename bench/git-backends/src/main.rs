//! git2 vs gix on the work `tokenhound git` does: enumerate the distinct blobs of
//! every commit reachable from all refs (each tree read once), then read every
//! blob, single-threaded and with N threads (each thread its own handle).
//!
//!     cargo run --release -- REPO [THREADS]
//!     cargo run --release -- REPO THREADS walk [git2|gix]   # the walk alone (walk.rs)
//!
//! Prints one line per library and phase; see docs/GIT.md for the figures.

use std::collections::HashSet;
use std::time::Instant;

mod walk;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repo = args.get(1).expect("usage: git-backends REPO [THREADS] [git2|gix]").clone();
    let threads: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(2);
    let only = args.get(3).cloned();
    if only.as_deref() == Some("walk") {
        unsafe {
            let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 1 << 20);
        }
        git2::opts::strict_hash_verification(false);
        walk::run(&repo, threads, args.get(4).map(String::as_str));
        return;
    }
    for lib in ["git2", "gix"] {
        if only.as_deref().is_some_and(|o| o != lib) {
            continue;
        }
        if lib == "git2" {
            let t = Instant::now();
            let (commits, trees, blobs) = git2_enumerate(&repo);
            report_enum(lib, commits, trees, blobs.len(), t);
            for n in [1, threads] {
                let t = Instant::now();
                report_read(lib, blobs.len(), git2_read(&repo, &blobs, n), n, t);
            }
        } else {
            let t = Instant::now();
            let (commits, trees, blobs) = gix_enumerate(&repo);
            report_enum(lib, commits, trees, blobs.len(), t);
            for n in [1, threads] {
                let t = Instant::now();
                report_read(lib, blobs.len(), gix_read(&repo, &blobs, n), n, t);
            }
        }
    }
}

fn report_enum(lib: &str, commits: usize, trees: usize, blobs: usize, t: Instant) {
    let s = t.elapsed().as_secs_f64();
    println!("{lib:5} enumerate: {commits} commits, {trees} trees, {blobs} blobs in {s:.2} s");
}

fn report_read(lib: &str, blobs: usize, bytes: u64, n: usize, t: Instant) {
    let s = t.elapsed().as_secs_f64();
    let mib = bytes as f64 / 1048576.0;
    println!("{lib:5} read {blobs} blobs, {mib:.1} MiB, {n} thread(s): {s:.2} s ({:.0} MiB/s)", mib / s);
}

fn git2_enumerate(path: &str) -> (usize, usize, Vec<git2::Oid>) {
    let repo = git2::Repository::open(path).unwrap();
    let mut walk = repo.revwalk().unwrap();
    for r in repo.references().unwrap() {
        let r = r.unwrap();
        if let Ok(c) = r.peel_to_commit() {
            walk.push(c.id()).unwrap();
        }
    }
    let mut seen_trees = HashSet::new();
    let mut seen_blobs = HashSet::new();
    let mut blobs = Vec::new();
    let mut commits = 0;
    for id in walk {
        let c = repo.find_commit(id.unwrap()).unwrap();
        commits += 1;
        let mut stack = vec![c.tree_id()];
        while let Some(t) = stack.pop() {
            if !seen_trees.insert(t) {
                continue;
            }
            let tree = repo.find_tree(t).unwrap();
            for e in tree.iter() {
                match e.kind() {
                    Some(git2::ObjectType::Tree) => stack.push(e.id()),
                    Some(git2::ObjectType::Blob) => {
                        if seen_blobs.insert(e.id()) {
                            blobs.push(e.id())
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    (commits, seen_trees.len(), blobs)
}

fn git2_read(path: &str, blobs: &[git2::Oid], threads: usize) -> u64 {
    let chunk = blobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = blobs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let repo = git2::Repository::open(path).unwrap();
                    let odb = repo.odb().unwrap();
                    part.iter().map(|id| odb.read(*id).unwrap().data().len() as u64).sum::<u64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

fn gix_enumerate(path: &str) -> (usize, usize, Vec<gix::ObjectId>) {
    let mut repo = gix::open(path).unwrap();
    repo.object_cache_size(0);
    set_pack_cache(&mut repo);
    let mut tips = Vec::new();
    for r in repo.references().unwrap().all().unwrap() {
        let mut r = r.unwrap();
        if let Ok(id) = r.peel_to_id() {
            if let Ok(obj) = id.object() {
                if obj.kind == gix::object::Kind::Commit {
                    tips.push(id.detach());
                }
            }
        }
    }
    use gix::prelude::Find;
    let mut seen_trees = HashSet::new();
    let mut seen_blobs = HashSet::new();
    let mut blobs = Vec::new();
    let mut commits = 0;
    let mut buf = Vec::new();
    let walk_t = Instant::now();
    let commit_ids: Vec<gix::ObjectId> = repo.rev_walk(tips).all().unwrap().map(|i| i.unwrap().id).collect();
    println!("gix   rev walk alone: {:.2} s", walk_t.elapsed().as_secs_f64());
    for id in commit_ids {
        let data = repo.objects.try_find(&id, &mut buf).unwrap().unwrap();
        let tree_id = gix::objs::CommitRefIter::from_bytes(data.data, gix::hash::Kind::Sha1).tree_id().unwrap();
        commits += 1;
        let mut stack = vec![tree_id];
        while let Some(t) = stack.pop() {
            if !seen_trees.insert(t) {
                continue;
            }
            let data = repo.objects.try_find(&t, &mut buf).unwrap().unwrap();
            for e in gix::objs::TreeRefIter::from_bytes(data.data, gix::hash::Kind::Sha1) {
                let e = e.unwrap();
                if e.mode.is_tree() {
                    stack.push(e.oid.to_owned());
                } else if e.mode.is_blob() && seen_blobs.insert(e.oid.to_owned()) {
                    blobs.push(e.oid.to_owned());
                }
            }
        }
    }
    (commits, seen_trees.len(), blobs)
}

fn gix_read(path: &str, blobs: &[gix::ObjectId], threads: usize) -> u64 {
    use gix::prelude::Find;
    let sync = gix::open(path).unwrap().into_sync();
    let chunk = blobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = blobs
            .chunks(chunk)
            .map(|part| {
                let sync = &sync;
                s.spawn(move || {
                    let mut repo = sync.to_thread_local();
                    repo.object_cache_size(0);
                    set_pack_cache(&mut repo);
                    let mut buf = Vec::new();
                    let mut total = 0u64;
                    for id in part {
                        let d = repo.objects.try_find(id, &mut buf).unwrap().unwrap();
                        total += d.data.len() as u64;
                    }
                    total
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// A delta-base cache, like git2's default one: without it every object at the
/// end of a delta chain re-inflates the whole chain.
fn set_pack_cache(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(96 << 20)));
}
