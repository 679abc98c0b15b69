//! What the commit walk needs of every commit in the packs (tree, parents,
//! committer time), read up front on N threads.
//!
//! Without a commit-graph file the walk reads its commits one at a time, each
//! on the heels of the one before (a commit's parents are known only once it
//! is read): on rails, 118,770 commits took 0.8 s on one core while the other
//! idled, more than half of it inflating. Here the packs' whole commits are
//! found by their entry headers (no traversal needed), and each is inflated
//! only as far as its headers (the message is never needed), shared out to
//! the threads. The walk then finds what it reads already parsed, by the same
//! parser (`objects::parse_commit`), so the order it computes is unchanged.
//! Commits this misses (loose, deltified, replaced, grafted) are read as before.

use flate2::{Decompress, FlushDecompress, Status};
use gix::ObjectId;
use rayon::prelude::*;

use super::blobs::{header, pack_indexes, EntryType, Pack};
use super::objects::{parse_commit, CommitInfo, FastMap, Kind};

/// Inflated bytes read at a time until the headers' blank line shows up.
const STEP: usize = 512;

/// Every whole commit of the packs under `objects`, parsed on the threads of
/// `pool`. Entries that do not inflate or parse are left out (reading them
/// one by one reports them precisely).
pub(crate) fn read(
    objects: &std::path::Path,
    pool: &rayon::ThreadPool,
) -> FastMap<ObjectId, CommitInfo> {
    let mut out = FastMap::default();
    for idx in pack_indexes(objects) {
        let Some(pack) = Pack::open(&idx) else {
            continue;
        };
        let index = &pack.index;
        let entries: Vec<(ObjectId, u64, u64)> = pool.install(|| {
            (0..index.num_objects())
                .into_par_iter()
                .filter_map(|i| {
                    let h = header(&pack.data, index.pack_offset_at_index(i))?;
                    matches!(h.kind, EntryType::Object(Kind::Commit))
                        .then(|| (index.oid_at_index(i).to_owned(), h.data_offset, h.size))
                })
                .collect()
        });
        let parsed: Vec<(ObjectId, CommitInfo)> = pool.install(|| {
            entries
                .par_iter()
                .map_init(
                    || (Decompress::new(true), Vec::new()),
                    |(z, buf), &(id, at, size)| {
                        let input = pack.data.get(at as usize..pack.end() as usize)?;
                        let headers = inflate_headers(z, input, size, buf)?;
                        Some((id, parse_commit(headers).ok()?))
                    },
                )
                .flatten()
                .collect()
        });
        for (id, info) in parsed {
            out.entry(id).or_insert(info);
        }
    }
    out
}

/// Inflates a commit of `size` bytes from `input` up to the blank line that
/// ends its headers (or the whole of it, when it has none), into `buf`.
fn inflate_headers<'b>(
    z: &mut Decompress,
    input: &[u8],
    size: u64,
    buf: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    z.reset(true);
    buf.clear();
    let size = usize::try_from(size).ok()?;
    loop {
        let searched = buf.len().saturating_sub(1);
        let want = (buf.len() + STEP).min(size);
        buf.reserve_exact(want - buf.len());
        let consumed = z.total_in() as usize;
        let before = buf.len();
        let status = z
            .decompress_vec(input.get(consumed..)?, buf, FlushDecompress::None)
            .ok()?;
        if let Some(p) = memchr::memmem::find(&buf[searched..], b"\n\n") {
            return Some(&buf[..searched + p + 2]);
        }
        match status {
            Status::StreamEnd => return (buf.len() == size).then_some(&buf[..]),
            _ if buf.len() >= size => return Some(&buf[..]),
            // No progress: the input is cut short or corrupt.
            _ if buf.len() == before => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::git::commits::tests::git as git_at;
    use std::process::Command;

    fn git(dir: &std::path::Path, args: &[&str]) {
        git_at(dir, args, 1_600_000_000);
    }

    #[test]
    fn prefetched_commits_are_what_reading_them_gives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        // Short and long messages (longer than the inflate step), a message
        // with lines that look like headers, a merge.
        for i in 0..40 {
            std::fs::write(d.join("f.txt"), format!("version {i}\n")).expect("write");
            git(d, &["add", "f.txt"]);
            let msg = match i % 3 {
                0 => format!("c{i}"),
                1 => format!("c{i}\n\n{}", "long body line\n".repeat(200)),
                _ => format!("c{i}\n\ntree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent x"),
            };
            git(d, &["commit", "-q", "-m", &msg]);
        }
        git(d, &["checkout", "-q", "-b", "side", "HEAD~5"]);
        std::fs::write(d.join("g.txt"), "side\n").expect("write");
        git(d, &["add", "g.txt"]);
        git(d, &["commit", "-q", "-m", "side"]);
        git(d, &["checkout", "-q", "main"]);
        git(d, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
        git(d, &["repack", "-a", "-d", "-q"]);

        let repo = git2::Repository::open(d).expect("open");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let packed = read(&repo.path().join("objects"), &pool);
        let mut walk = repo.revwalk().expect("revwalk");
        walk.push_head().expect("head");
        let ids: Vec<git2::Oid> = walk.map(|i| i.expect("oid")).collect();
        assert_eq!(ids.len(), 42);
        // git stores some commits as deltas (the long messages): those are
        // left to the walk; every whole one is read here.
        let pack = std::fs::read_dir(repo.path().join("objects/pack"))
            .expect("pack dir")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .expect("a pack");
        let listing = Command::new("git")
            .args(["verify-pack", "-v"])
            .arg(&pack)
            .output()
            .expect("git verify-pack");
        let whole: Vec<ObjectId> = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() == 5 && f[1] == "commit")
            .map(|f| ObjectId::from_hex(f[0].as_bytes()).expect("hex"))
            .collect();
        assert!(whole.len() >= 20, "{} whole commits", whole.len());
        let mut got: Vec<&ObjectId> = packed.keys().collect();
        let mut want: Vec<&ObjectId> = whole.iter().collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "the whole commits of the pack, no more, no less");
        let odb = repo.odb().expect("odb");
        for (id, got) in &packed {
            let obj = odb
                .read(git2::Oid::from_bytes(id.as_bytes()).expect("oid"))
                .expect("read");
            let want = parse_commit(obj.data()).expect("parse");
            assert_eq!(
                (got.tree, &got.parents, got.time),
                (want.tree, &want.parents, want.time)
            );
        }
    }

    #[test]
    fn a_cut_short_entry_is_left_out() {
        let commit: &[u8] = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
            author a <a@example.test> 1 +0000\ncommitter a <a@example.test> 1 +0000\n\nmsg";
        let whole = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(commit).expect("write");
            e.finish().expect("finish")
        };
        let (mut z, mut buf) = (Decompress::new(true), Vec::new());
        let size = commit.len() as u64;
        let headers = inflate_headers(&mut z, &whole, size, &mut buf).map(<[u8]>::to_vec);
        assert_eq!(headers.as_deref(), Some(&commit[..commit.len() - 3]));
        assert!(inflate_headers(&mut z, &whole[..10], size, &mut buf).is_none());
    }
}
