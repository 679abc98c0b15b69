//! Which refs still carry a secret that is no longer in HEAD: the branches,
//! tags and other refs whose history reaches a commit whose tree holds the
//! blob. Deleting the line did not un-leak it; these are the refs a responder
//! must rewrite or delete (after revoking the token), and the ones every clone
//! of them carries.
//!
//! Computed only for the blobs reported as history-only, after the walk: the
//! walk's changes say which commits brought each of them in (a bit set per
//! commit, [`Holding`]); one pass over the commits in topological order
//! (parents first) ORs each commit's parents' sets into its own, so a commit's
//! set says which of the blobs its history reaches; each ref tip's set then
//! names the blobs it carries. Parent lists come from the walk; only tips
//! outside a `--branch`/range selection read their ancestors down to it.

use std::collections::{HashMap, HashSet};

use git2::Repository;
use gix::ObjectId;

use super::commits::Commits;
use super::objects::from_git2;

/// At most this many refs are listed per finding (`refs`); `refs_total`
/// counts them all (an old secret is reachable from every later tag).
pub const MAX_LISTED: usize = 20;

/// Blobs handled per run: beyond it (a history full of secrets) the refs of
/// the rest are not computed.
pub const MAX_BLOBS: usize = 1024;

/// For each commit (in the walk's order), a bit set of the target blobs it
/// brought in: `words` u64 per commit.
pub struct Holding {
    pub words: usize,
    pub bits: Vec<u64>,
}

impl Holding {
    pub fn new(commits: usize, targets: usize) -> Holding {
        let words = targets.div_ceil(64).max(1);
        Holding {
            words,
            bits: vec![0; commits * words],
        }
    }

    pub fn row_mut(&mut self, commit: usize) -> &mut [u64] {
        &mut self.bits[commit * self.words..(commit + 1) * self.words]
    }
}

/// The refs that carry target blobs: every ref name once (`names`), and for
/// each target, in target order, the indices of the names that carry it.
/// Indices, not names: an old secret is carried by every later tag, and a
/// repository with 100,000 refs would otherwise hold 100,000 names per
/// finding (8.8 GB in `bench/git_adversarial.py`).
pub(crate) struct Carrying {
    pub names: Vec<String>,
    pub per_target: Vec<Vec<u32>>,
}

impl Carrying {
    /// The refs of `indices` as a finding lists them: branches first (see
    /// [`sort_refs`]), each once, at most [`MAX_LISTED`]; and how many there
    /// are in all.
    pub fn listed(&self, indices: &mut Vec<u32>) -> (Vec<String>, u64) {
        let key = |i: &u32| {
            let n = self.names[*i as usize].as_str();
            (rank(n), n)
        };
        indices.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
        indices.dedup_by(|a, b| self.names[*a as usize] == self.names[*b as usize]);
        let listed = indices
            .iter()
            .take(MAX_LISTED)
            .map(|&i| self.names[i as usize].clone())
            .collect();
        (listed, indices.len() as u64)
    }
}

/// The refs that carry each target blob, in target order.
/// `commits` are the walked commits, parents first; `holding` says which
/// targets each one brought in.
pub(crate) fn carrying_refs(
    repo: &Repository,
    commits: &Commits,
    holding: &Holding,
    targets: usize,
) -> Carrying {
    let words = holding.words;
    let index: HashMap<ObjectId, usize> = commits
        .ids
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i))
        .collect();
    // reach[c]: the targets held by c or any of its ancestors (parents come
    // first in `commits`, so theirs are final when c is reached).
    let mut reach = holding.bits.clone();
    for (i, info) in commits.info.iter().enumerate() {
        for p in &info.parents {
            if let Some(&pi) = index.get(p) {
                for w in 0..words {
                    let v = reach[pi * words + w];
                    reach[i * words + w] |= v;
                }
            }
        }
    }
    let mut out = Carrying {
        names: Vec::new(),
        per_target: vec![Vec::new(); targets],
    };
    let Ok(refs) = repo.references() else {
        return out;
    };
    for r in refs.flatten() {
        let Some(name) = r.name().map(str::to_string) else {
            continue;
        };
        let Ok(tip) = r.peel_to_commit().map(|c| from_git2(c.id())) else {
            continue;
        };
        let set = match index.get(&tip) {
            Some(&i) => reach[i * words..(i + 1) * words].to_vec(),
            None => reach_from_outside(repo, tip, &index, &reach, words),
        };
        let id = out.names.len() as u32;
        let mut carries = false;
        for (t, refs) in out.per_target.iter_mut().enumerate() {
            if set[t / 64] >> (t % 64) & 1 == 1 {
                refs.push(id);
                carries = true;
            }
        }
        if carries {
            out.names.push(name);
        }
    }
    out
}

/// Branches, then remote branches, tags and the rest.
fn rank(r: &str) -> u8 {
    if r.starts_with("refs/heads/") {
        0
    } else if r.starts_with("refs/remotes/") {
        1
    } else if r.starts_with("refs/tags/") {
        2
    } else {
        3
    }
}

/// Branches first, then remote branches, tags and the rest (stash, notes, …),
/// by name within each.
pub fn sort_refs(refs: &mut Vec<String>) {
    refs.sort_by(|a, b| (rank(a), a.as_str()).cmp(&(rank(b), b.as_str())));
    refs.dedup();
}

/// What a tip outside the walked selection (`--branch`, a range) reaches of
/// it: its ancestors are walked down to the selection.
fn reach_from_outside(
    repo: &Repository,
    tip: ObjectId,
    index: &HashMap<ObjectId, usize>,
    reach: &[u64],
    words: usize,
) -> Vec<u64> {
    let mut set = vec![0u64; words];
    let mut stack = vec![tip];
    let mut visited = HashSet::new();
    while let Some(id) = stack.pop() {
        if !visited.insert(id) {
            continue;
        }
        if let Some(&i) = index.get(&id) {
            for (w, v) in set.iter_mut().enumerate() {
                *v |= reach[i * words + w];
            }
            continue;
        }
        let oid = git2::Oid::from_bytes(id.as_bytes()).expect("20 bytes");
        if let Ok(c) = repo.find_commit(oid) {
            stack.extend(c.parent_ids().map(from_git2));
        }
    }
    set
}

#[cfg(test)]
mod tests {
    #[test]
    fn refs_sort_branches_first() {
        let mut r: Vec<String> = [
            "refs/tags/v1",
            "refs/stash",
            "refs/heads/b",
            "refs/remotes/origin/a",
            "refs/heads/a",
            "refs/heads/a",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        super::sort_refs(&mut r);
        assert_eq!(
            r,
            [
                "refs/heads/a",
                "refs/heads/b",
                "refs/remotes/origin/a",
                "refs/tags/v1",
                "refs/stash"
            ]
        );
    }
}
