//! Which commits a history scan covers, and in which order: parents before
//! children, exactly as libgit2's topological walk (`TOPOLOGICAL | REVERSE`)
//! orders them, so the first commit to hold a blob is the one it always was.
//! The walk is libgit2's algorithm (date-ordered limiting, then a LIFO
//! in-degree sort) run on commits read here: through replacement refs, from the
//! commit-graph file where there is one, once each.

use std::collections::VecDeque;

use anyhow::{bail, Result};
use git2::{ObjectType, Repository};
use gix::ObjectId;

use super::history::Selection;
use super::objects::{from_git2, CommitInfo, FastMap, FastSet, Odb, ReadError, Reader};
use super::GitContext;
use crate::pipeline::Scanner;

/// No such commit (in `Commits::first_parent`).
pub(crate) const NONE: u32 = u32::MAX;

/// The selected commits, parents before children.
pub(crate) struct Commits {
    pub ids: Vec<ObjectId>,
    pub info: Vec<CommitInfo>,
    /// Index of each commit's first parent when that parent is selected too.
    pub first_parent: Vec<u32>,
    /// The tree each commit is diffed against: its first parent's (selected or
    /// not), `None` for a root, a shallow boundary or an unreadable parent.
    pub base_tree: Vec<Option<ObjectId>>,
    /// Parents of selected commits that are not selected themselves: where a
    /// range starts. Their content is not part of the scan.
    pub boundary: Vec<ObjectId>,
}

impl Commits {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Lists the selected commits. `whole` (all refs, no range, no date) skips
/// looking for a boundary, which only a range has.
pub(crate) fn select(
    repo: &Repository,
    odb: &Odb,
    sel: &Selection,
    scanner: &Scanner,
) -> Result<Commits> {
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
                        tips.push(from_git2(c.id()));
                    }
                }
                Err(e) => scanner.error(
                    name,
                    format!("ref points to a missing or bad object: {}", e.message()),
                ),
            }
        }
        if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
            tips.push(from_git2(head.id()));
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
    let mut reader = odb.reader(0, 8 << 20);
    let mut walk = Walk::new(&mut reader);
    let order = match walk.topological(&tips, &hidden) {
        Ok(order) => order,
        Err((id, e)) => {
            // Like libgit2, the walk stops at the first missing or broken
            // commit: walk commit by commit instead, around the broken ones.
            scanner.error(
                "commits",
                format!(
                    "commit walk stopped: cannot read commit {id}: {e}; walking around the unreadable commits"
                ),
            );
            walk.tolerant(&tips, &hidden, scanner)
        }
    };
    let mut ids = Vec::with_capacity(order.len());
    let mut info = Vec::with_capacity(order.len());
    for n in order {
        let node = &mut walk.nodes[n as usize];
        let Some(c) = node.info.take() else { continue };
        if sel.since.is_some_and(|s| c.time < s) {
            continue;
        }
        ids.push(node.id);
        info.push(c);
    }
    drop(walk);
    let index: FastMap<ObjectId, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as u32))
        .collect();
    let mut boundary = Vec::new();
    let mut seen = FastSet::default();
    for c in &info {
        for p in &c.parents {
            if !index.contains_key(p) && seen.insert(*p) {
                boundary.push(*p);
            }
        }
    }
    // Trees of first parents outside the selection, to diff against.
    let mut outside: FastMap<ObjectId, Option<ObjectId>> = FastMap::default();
    let mut first_parent = Vec::with_capacity(ids.len());
    let mut base_tree = Vec::with_capacity(ids.len());
    for c in &info {
        match c.parents.first() {
            None => {
                first_parent.push(NONE);
                base_tree.push(None);
            }
            Some(p) => match index.get(p) {
                Some(&i) => {
                    first_parent.push(i);
                    base_tree.push(Some(info[i as usize].tree));
                }
                None => {
                    first_parent.push(NONE);
                    let tree = *outside
                        .entry(*p)
                        .or_insert_with(|| reader.commit(p).ok().map(|c| c.tree));
                    base_tree.push(tree);
                }
            },
        }
    }
    Ok(Commits {
        ids,
        info,
        first_parent,
        base_tree,
        boundary,
    })
}

fn resolve(repo: &Repository, rev: &str) -> Result<ObjectId> {
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
        Ok(c) => Ok(from_git2(c.id())),
        Err(_) => bail!("`{rev}` does not name a commit"),
    }
}

/// How many uninteresting commits libgit2 looks at after it runs out of
/// interesting ones.
const SLOP: u32 = 5;

/// A commit of the walk, with libgit2's flags.
struct Node {
    id: ObjectId,
    info: Option<CommitInfo>,
    parents: Vec<u32>,
    time: i64,
    parsed: bool,
    seen: bool,
    added: bool,
    uninteresting: bool,
    in_degree: u32,
}

/// libgit2's revision walk, over commits read through `reader`.
struct Walk<'r, 'o> {
    reader: &'r mut Reader<'o>,
    nodes: Vec<Node>,
    index: FastMap<ObjectId, u32>,
}

impl<'r, 'o> Walk<'r, 'o> {
    fn new(reader: &'r mut Reader<'o>) -> Self {
        Walk {
            reader,
            nodes: Vec::new(),
            index: FastMap::default(),
        }
    }

    fn lookup(&mut self, id: ObjectId) -> u32 {
        if let Some(&n) = self.index.get(&id) {
            return n;
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Node {
            id,
            info: None,
            parents: Vec::new(),
            time: 0,
            parsed: false,
            seen: false,
            added: false,
            uninteresting: false,
            in_degree: 0,
        });
        self.index.insert(id, n);
        n
    }

    fn parse(&mut self, n: u32) -> Result<(), (ObjectId, ReadError)> {
        if self.nodes[n as usize].parsed {
            return Ok(());
        }
        let id = self.nodes[n as usize].id;
        let info = self.reader.commit(&id).map_err(|e| (id, e))?;
        let parents: Vec<u32> = info.parents.iter().map(|p| self.lookup(*p)).collect();
        let node = &mut self.nodes[n as usize];
        node.time = info.time;
        node.parents = parents;
        node.info = Some(info);
        node.parsed = true;
        Ok(())
    }

    /// libgit2's `git_commit_list_insert_by_date`: before the first commit
    /// older than `n`.
    fn insert_by_date(&self, n: u32, list: &mut VecDeque<u32>) {
        let t = self.nodes[n as usize].time;
        let at = list
            .iter()
            .position(|&m| self.nodes[m as usize].time < t)
            .unwrap_or(list.len());
        list.insert(at, n);
    }

    fn mark_parents_uninteresting(&mut self, n: u32) {
        let mut stack: Vec<u32> = self.nodes[n as usize].parents.clone();
        while let Some(mut c) = stack.pop() {
            loop {
                let node = &mut self.nodes[c as usize];
                if node.uninteresting {
                    break;
                }
                node.uninteresting = true;
                if !node.parsed || node.parents.is_empty() {
                    break;
                }
                // libgit2 puts each parent at the head of its list: the last
                // one comes out first.
                stack.extend(node.parents.iter());
                c = node.parents[0];
            }
        }
    }

    fn add_parents_to_list(
        &mut self,
        n: u32,
        list: &mut VecDeque<u32>,
    ) -> Result<(), (ObjectId, ReadError)> {
        if self.nodes[n as usize].added {
            return Ok(());
        }
        self.nodes[n as usize].added = true;
        let parents = self.nodes[n as usize].parents.clone();
        if self.nodes[n as usize].uninteresting {
            for p in parents {
                self.nodes[p as usize].uninteresting = true;
                self.parse(p)?;
                self.mark_parents_uninteresting(p);
                self.nodes[p as usize].seen = true;
                self.insert_by_date(p, list);
            }
            return Ok(());
        }
        for p in parents {
            self.parse(p)?;
            if !self.nodes[p as usize].seen {
                self.nodes[p as usize].seen = true;
                self.insert_by_date(p, list);
            }
        }
        Ok(())
    }

    /// Whether uninteresting commits are still worth walking (libgit2's
    /// `still_interesting`).
    fn still_interesting(&self, list: &VecDeque<u32>, time: i64, slop: u32) -> u32 {
        let Some(&first) = list.front() else {
            return 0;
        };
        if time <= self.nodes[first as usize].time {
            return SLOP;
        }
        if list.iter().any(|&m| {
            let node = &self.nodes[m as usize];
            !node.uninteresting || node.time > time
        }) {
            return SLOP;
        }
        slop - 1
    }

    /// The commits reachable from `tips` and not from `hidden`, parents
    /// first, in libgit2's order; the first unreadable commit stops it.
    fn topological(
        &mut self,
        tips: &[ObjectId],
        hidden: &[ObjectId],
    ) -> Result<Vec<u32>, (ObjectId, ReadError)> {
        // Pushes (git_revwalk_push / _hide): each goes to the head of the input list.
        let mut input: Vec<u32> = Vec::new();
        let mut pushed = false;
        for (id, hide) in tips
            .iter()
            .map(|t| (t, false))
            .chain(hidden.iter().map(|h| (h, true)))
        {
            let n = self.lookup(*id);
            if self.nodes[n as usize].uninteresting {
                continue;
            }
            pushed |= !hide;
            self.nodes[n as usize].uninteresting = hide;
            input.push(n);
        }
        if !pushed {
            return Ok(Vec::new());
        }
        let mut list = VecDeque::new();
        for &n in input.iter().rev() {
            self.parse(n)?;
            if self.nodes[n as usize].uninteresting {
                self.mark_parents_uninteresting(n);
            }
            if !self.nodes[n as usize].seen {
                self.nodes[n as usize].seen = true;
                list.push_back(n);
            }
        }
        // limit_list
        let mut slop = SLOP;
        let mut time = i64::MAX;
        let mut limited = Vec::new();
        while let Some(n) = list.pop_front() {
            self.add_parents_to_list(n, &mut list)?;
            if self.nodes[n as usize].uninteresting {
                self.mark_parents_uninteresting(n);
                slop = self.still_interesting(&list, time, slop);
                if slop > 0 {
                    continue;
                }
                break;
            }
            time = self.nodes[n as usize].time;
            limited.push(n);
        }
        // sort_in_topological_order: children before parents, a LIFO of the
        // commits whose children are all out.
        for &n in &limited {
            self.nodes[n as usize].in_degree = 1;
        }
        for &n in &limited {
            for i in 0..self.nodes[n as usize].parents.len() {
                let p = self.nodes[n as usize].parents[i] as usize;
                if self.nodes[p].in_degree > 0 {
                    self.nodes[p].in_degree += 1;
                }
            }
        }
        let mut stack: Vec<u32> = limited
            .iter()
            .copied()
            .filter(|&n| self.nodes[n as usize].in_degree == 1)
            .collect();
        stack.reverse();
        let mut sorted = Vec::with_capacity(limited.len());
        while let Some(n) = stack.pop() {
            for i in 0..self.nodes[n as usize].parents.len() {
                let p = self.nodes[n as usize].parents[i];
                let node = &mut self.nodes[p as usize];
                if node.in_degree == 0 {
                    continue;
                }
                node.in_degree -= 1;
                if node.in_degree == 1 {
                    stack.push(p);
                }
            }
            self.nodes[n as usize].in_degree = 0;
            if !self.nodes[n as usize].uninteresting {
                sorted.push(n);
            }
        }
        sorted.reverse();
        Ok(sorted)
    }

    /// Commits reachable from `tips` but not from `hidden`, parents before
    /// children, reading each commit on its own: an unreadable one is reported
    /// once (its ancestors are still walked when another path reaches them).
    fn tolerant(&mut self, tips: &[ObjectId], hidden: &[ObjectId], scanner: &Scanner) -> Vec<u32> {
        let mut reported = FastSet::default();
        let mut parents = |walk: &mut Self, n: u32, report: bool| -> Option<Vec<u32>> {
            match walk.parse(n) {
                Ok(()) => Some(walk.nodes[n as usize].parents.clone()),
                Err((id, e)) => {
                    if report && reported.insert(id) {
                        scanner.error(
                            format!("commit {id}"),
                            format!(
                                "cannot read commit ({e}): it and history only reachable through it were not scanned"
                            ),
                        );
                    }
                    None
                }
            }
        };
        let mut excluded: FastSet<u32> = FastSet::default();
        let mut stack: Vec<u32> = hidden.iter().map(|h| self.lookup(*h)).collect();
        while let Some(n) = stack.pop() {
            if excluded.insert(n) {
                stack.extend(parents(self, n, false).unwrap_or_default());
            }
        }
        // Iterative post-order: a commit is emitted once all its parents are.
        let mut out = Vec::new();
        let mut seen: FastSet<u32> = FastSet::default();
        let mut stack: Vec<(u32, Option<Vec<u32>>)> = Vec::new();
        for t in tips.iter().rev() {
            let t = self.lookup(*t);
            if excluded.contains(&t) || !seen.insert(t) {
                continue;
            }
            stack.push((t, None));
            while let Some((n, pending)) = stack.pop() {
                let mut pending = match pending {
                    Some(p) => p,
                    None => match parents(self, n, true) {
                        Some(p) => p,
                        // Unreadable: not emitted (reported above).
                        None => continue,
                    },
                };
                match pending.pop() {
                    Some(p) => {
                        stack.push((n, Some(pending)));
                        if !excluded.contains(&p) && seen.insert(p) {
                            stack.push((p, None));
                        }
                    }
                    None => out.push(n),
                }
            }
        }
        out
    }
}

/// Every tree and blob of the boundary commits (missing ones, as past a shallow
/// boundary, are simply not there to exclude).
pub(crate) fn excluded_objects(
    odb: &Odb,
    boundary: &[ObjectId],
    scanner: &Scanner,
) -> (FastSet<ObjectId>, FastSet<ObjectId>) {
    use super::objects::{entries, EntryKind, Kind};
    let mut trees = FastSet::default();
    let mut blobs = FastSet::default();
    let mut reader = odb.reader(0, 16 << 20);
    for id in boundary {
        let Ok(c) = reader.commit(id) else {
            continue;
        };
        let mut stack = vec![c.tree];
        while let Some(t) = stack.pop() {
            if !trees.insert(t) {
                continue;
            }
            let data = match reader.read(&t) {
                Ok((Kind::Tree, data)) => data,
                Ok((kind, _)) => {
                    scanner.error(
                        format!("tree {t}"),
                        format!("cannot read tree: a {kind:?}, not a tree"),
                    );
                    continue;
                }
                Err(e) => {
                    scanner.error(format!("tree {t}"), format!("cannot read tree: {e}"));
                    continue;
                }
            };
            for e in entries(data) {
                match e.kind {
                    EntryKind::Tree => stack.push(e.oid()),
                    EntryKind::Blob => {
                        blobs.insert(e.oid());
                    }
                    EntryKind::Link => {}
                }
            }
        }
    }
    (trees, blobs)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::pipeline::Pipeline;
    use crate::rules::RuleSet;
    use std::path::Path;
    use std::process::Command;

    /// Runs git in `dir` with no user or system configuration, a fixed
    /// identity and both dates at `when` (Unix seconds).
    pub(in crate::sources::git) fn git(dir: &Path, args: &[&str], when: i64) -> String {
        let date = format!("{when} +0000");
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.test")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.test")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// libgit2's own walk, which the history scan's order must equal.
    fn libgit2_order(repo: &Repository, tips: &[ObjectId], hidden: &[ObjectId]) -> Vec<ObjectId> {
        let mut walk = repo.revwalk().unwrap();
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
            .unwrap();
        for t in tips {
            walk.push(git2::Oid::from_bytes(t.as_bytes()).unwrap())
                .unwrap();
        }
        for h in hidden {
            walk.hide(git2::Oid::from_bytes(h.as_bytes()).unwrap())
                .unwrap();
        }
        walk.map(|id| from_git2(id.unwrap())).collect()
    }

    /// Branches, merges, octopus merges, equal and out-of-order commit dates:
    /// the walk gives exactly libgit2's order for all refs and for ranges.
    #[test]
    fn order_is_libgit2s() {
        let tmp = tempfile::TempDir::new().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q", "-b", "main"], 0);
        git(
            dir,
            &["commit", "-q", "--allow-empty", "-m", "root"],
            1_600_000_000,
        );
        // A small deterministic generator (xorshift).
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut branches = vec!["main".to_string()];
        let mut when = 1_600_000_000i64;
        for i in 0..120 {
            // Dates go back now and then: libgit2 orders its walk by them.
            when += next(5) as i64 * 3600 - 3600;
            let b = branches[next(branches.len() as u64) as usize].clone();
            git(dir, &["checkout", "-q", &b], when);
            match next(10) {
                0 if branches.len() < 8 => {
                    let name = format!("b{i}");
                    git(dir, &["checkout", "-q", "-b", &name], when);
                    branches.push(name);
                }
                1 | 2 if branches.len() > 1 => {
                    let other = branches[next(branches.len() as u64) as usize].clone();
                    if other != b {
                        let mut args = vec!["merge", "-q", "--no-ff", "-s", "ours", "-m", "merge"];
                        let third = branches[next(branches.len() as u64) as usize].clone();
                        args.push(&other);
                        if third != b && third != other && next(3) == 0 {
                            args.push(&third);
                        }
                        git(dir, &args, when);
                        continue;
                    }
                }
                _ => {}
            }
            std::fs::write(dir.join(format!("f{}.txt", next(20))), format!("{i}\n")).unwrap();
            git(dir, &["add", "-A"], when);
            git(
                dir,
                &["commit", "-q", "--allow-empty", "-m", &format!("c{i}")],
                when,
            );
        }
        let repo = Repository::open(dir).unwrap();
        let pipeline = Pipeline::of(Engine::new(&RuleSet::builtin().unwrap()).unwrap());
        let (tx, _rx) = crossbeam_channel::unbounded();
        let scanner = Scanner::new(&pipeline, tx);
        let odb = Odb::open(&repo, &scanner);
        // All refs (and HEAD), as the default scan pushes them.
        let all = select(&repo, &odb, &Selection::default(), &scanner).unwrap();
        let mut tips = Vec::new();
        for r in repo.references().unwrap() {
            if let Ok(c) = r.unwrap().peel_to_commit() {
                tips.push(from_git2(c.id()));
            }
        }
        tips.push(from_git2(
            repo.head().unwrap().peel_to_commit().unwrap().id(),
        ));
        assert_eq!(all.ids, libgit2_order(&repo, &tips, &[]));
        assert!(all.len() > 100);
        let merges = all.info.iter().filter(|c| c.parents.len() > 1).count();
        assert!(merges >= 5, "{merges} merges");
        // Ranges: each branch over main, main over each branch.
        for b in &branches[1..] {
            for (inc, exc) in [(b.as_str(), "main"), ("main", b.as_str())] {
                let sel = Selection {
                    include: vec![inc.to_string()],
                    exclude: vec![exc.to_string()],
                    since: None,
                };
                let got = select(&repo, &odb, &sel, &scanner).unwrap();
                let id = |r: &str| from_git2(repo.revparse_single(r).unwrap().id());
                assert_eq!(
                    got.ids,
                    libgit2_order(&repo, &[id(inc)], &[id(exc)]),
                    "{inc}..{exc}"
                );
                // Parents of the selection outside it are its boundary.
                let index: FastSet<ObjectId> = got.ids.iter().copied().collect();
                for b in &got.boundary {
                    assert!(!index.contains(b));
                }
            }
        }
    }
}
