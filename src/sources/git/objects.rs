//! Reading git objects for the history scan: commits, trees and blobs by id,
//! with git's replacement refs applied, through gix (each thread its own handle,
//! no global lock), or libgit2 for a repository gix cannot open.
//!
//! Git reads `refs/replace/<id>` in place of object `<id>` unless
//! `GIT_NO_REPLACE_OBJECTS` is set or `core.useReplaceRefs` is false, and so do
//! we: a replaced commit's parents and tree, a replaced tree's entries and a
//! replaced blob's content are the replacement's, under the original id (which
//! is what trees and findings name). gix 0.89 does not apply them itself.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use gix::ObjectId;

use crate::pipeline::Scanner;

/// Object ids are already uniformly random: hashing their first 8 bytes is
/// enough, and much cheaper than SipHash over 20 (the walk hashes millions).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.mix(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

impl IdHasher {
    fn mix(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, BuildHasherDefault<IdHasher>>;

/// Converts a libgit2 id (refs, revisions) to a gix one.
pub(crate) fn from_git2(id: git2::Oid) -> ObjectId {
    ObjectId::from_bytes_or_panic(id.as_bytes())
}

/// Git follows a replacement of a replacement this many times, then gives up.
const MAX_REPLACE_DEPTH: usize = 5;

/// The replacement refs in effect: object id → id of the object read instead.
#[derive(Default)]
pub(crate) struct Replacements {
    map: FastMap<ObjectId, ObjectId>,
}

impl Replacements {
    /// The replacements git itself would apply to `repo`: every ref under
    /// `refs/replace/` (or `GIT_REPLACE_REF_BASE`) whose name is an object id,
    /// none when `GIT_NO_REPLACE_OBJECTS` is set (to anything) or
    /// `core.useReplaceRefs` is false.
    pub(crate) fn load(repo: &git2::Repository, scanner: &Scanner) -> Replacements {
        let mut out = Replacements::default();
        if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() {
            return out;
        }
        if let Ok(config) = repo.config() {
            if matches!(config.get_bool("core.useReplaceRefs"), Ok(false)) {
                return out;
            }
        }
        let base = std::env::var("GIT_REPLACE_REF_BASE")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "refs/replace/".to_string());
        let Ok(refs) = repo.references_glob(&format!("{base}*")) else {
            return out;
        };
        for r in refs.flatten() {
            let Some(name) = r.name().and_then(|n| n.strip_prefix(base.as_str())) else {
                continue;
            };
            let Ok(from) = ObjectId::from_hex(name.as_bytes()) else {
                continue;
            };
            match r.resolve().ok().and_then(|r| r.target()) {
                Some(to) => {
                    out.map.insert(from, from_git2(to));
                }
                None => scanner.error(
                    format!("refs/replace/{name}"),
                    "replacement ref does not resolve to an object: ignored",
                ),
            }
        }
        out
    }

    pub(crate) fn contains(&self, id: &ObjectId) -> bool {
        self.map.contains_key(id)
    }

    /// The id whose content is read for `id` (itself when not replaced).
    pub(crate) fn resolve(&self, id: &ObjectId) -> Result<ObjectId, ReadError> {
        let mut cur = *id;
        for _ in 0..=MAX_REPLACE_DEPTH {
            match self.map.get(&cur) {
                Some(next) => cur = *next,
                None => return Ok(cur),
            }
        }
        Err(ReadError::Other(format!(
            "replace depth too high for object {id}"
        )))
    }
}

/// Why an object could not be read.
#[derive(Debug, Clone)]
pub(crate) enum ReadError {
    NotFound,
    Other(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("object not found"),
            ReadError::Other(m) => f.write_str(m),
        }
    }
}

/// What the commit walk needs of a commit.
#[derive(Debug, Clone)]
pub(crate) struct CommitInfo {
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    /// Committer time, Unix seconds (what libgit2's walk orders by).
    pub time: i64,
}

/// The object database of one repository, shared by the walk's threads.
pub(crate) struct Odb {
    gix: Option<gix::ThreadSafeRepository>,
    git_dir: PathBuf,
    /// The common git directory (`objects/`, `shallow`, `info/grafts` live there).
    pub common_dir: PathBuf,
    pub replace: Replacements,
    /// The commit-graph file(s), when present and `core.commitGraph` is not off.
    graph: Option<gix::commitgraph::Graph>,
    /// Parents overridden by `info/grafts` or cut by a shallow clone's boundary
    /// (as libgit2 and git apply them).
    grafts: FastMap<ObjectId, Vec<ObjectId>>,
    /// The packs' commits read up front (`packed_commits`), when the walk
    /// would otherwise read them one by one.
    packed_commits: FastMap<ObjectId, CommitInfo>,
}

impl Odb {
    /// Opens the object database of `repo` (already opened with libgit2).
    pub(crate) fn open(repo: &git2::Repository, scanner: &Scanner) -> Odb {
        let git_dir = repo.path().to_path_buf();
        let common_dir = repo.commondir().to_path_buf();
        let gix = match gix::open(&git_dir) {
            Ok(r) => Some(r.into_sync()),
            Err(e) => {
                scanner.note(format!("reading objects with libgit2 (gix: {e})"));
                None
            }
        };
        let use_graph = !repo
            .config()
            .ok()
            .is_some_and(|c| matches!(c.get_bool("core.commitGraph"), Ok(false)));
        let graph = if use_graph {
            gix::commitgraph::Graph::from_info_dir(&common_dir.join("objects").join("info")).ok()
        } else {
            None
        };
        let mut grafts = FastMap::default();
        read_grafts(&common_dir.join("info").join("grafts"), true, &mut grafts);
        read_grafts(&common_dir.join("shallow"), false, &mut grafts);
        Odb {
            gix,
            git_dir,
            common_dir,
            replace: Replacements::load(repo, scanner),
            graph,
            grafts,
            packed_commits: FastMap::default(),
        }
    }

    /// A reader for one thread. `object_cache` bytes of recently read objects
    /// are kept (0: none), and `delta_cache` bytes of delta bases.
    pub(crate) fn reader(&self, object_cache: usize, delta_cache: usize) -> Reader<'_> {
        let inner = match &self.gix {
            Some(sync) => {
                let mut repo = sync.to_thread_local();
                // Replacements are applied here, as git applies them; gix
                // 0.89 reads core.useReplaceRefs the wrong way round.
                repo.objects.ignore_replacements = true;
                repo.object_cache_size(object_cache);
                repo.objects.set_pack_cache(move || {
                    Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                        delta_cache,
                    ))
                });
                Inner::Gix(Box::new(repo))
            }
            None => Inner::Git2(
                git2::Repository::open(&self.git_dir).map_err(|e| e.message().to_string()),
            ),
        };
        Reader {
            odb: self,
            inner,
            buf: Vec::new(),
        }
    }

    /// Lets go of every pack the readers so far mapped (a fresh store maps
    /// packs again only when asked for an object): the walk touches most pages
    /// of the packs for their trees, and the blob pass maps them itself.
    pub(crate) fn unmap_packs(&mut self) {
        if self.gix.is_some() {
            self.gix = gix::open(&self.git_dir)
                .ok()
                .map(gix::Repository::into_sync);
        }
    }

    /// Whether the pack files can be traversed directly (gix opened the
    /// repository, so its object format is one gix reads).
    pub(crate) fn has_gix(&self) -> bool {
        self.gix.is_some()
    }

    /// Reads the packs' commits up front on `pool` when the walk would read
    /// them one by one: no commit-graph file to read them from, and packs
    /// gix can read. A whole-history walk reads nearly every packed commit.
    pub(crate) fn prefetch_commits(&mut self, pool: &rayon::ThreadPool) {
        if self.graph.is_none() && self.has_gix() {
            self.packed_commits =
                super::packed_commits::read(&self.common_dir.join("objects"), pool);
        }
    }

    /// Lets go of the commits read up front (the walk is done with them).
    pub(crate) fn drop_prefetched_commits(&mut self) {
        self.packed_commits = FastMap::default();
    }
}

/// Reads a grafts file (`id parent…` per line; the shallow file is ids alone,
/// commits whose parents are cut off). A missing file is no grafts.
fn read_grafts(path: &Path, with_parents: bool, out: &mut FastMap<ObjectId, Vec<ObjectId>>) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let mut ids = line
            .split_ascii_whitespace()
            .map(|h| ObjectId::from_hex(h.as_bytes()));
        let Some(Ok(id)) = ids.next() else { continue };
        let parents: Vec<ObjectId> = if with_parents {
            ids.filter_map(Result::ok).collect()
        } else {
            Vec::new()
        };
        out.insert(id, parents);
    }
}

enum Inner {
    Gix(Box<gix::Repository>),
    Git2(Result<git2::Repository, String>),
}

/// The kind of an object, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

/// One thread's handle on the object database.
pub(crate) struct Reader<'o> {
    odb: &'o Odb,
    inner: Inner,
    buf: Vec<u8>,
}

impl Reader<'_> {
    /// Reads object `id` (its replacement's content, if replaced).
    pub(crate) fn read(&mut self, id: &ObjectId) -> Result<(Kind, &[u8]), ReadError> {
        let id = self.odb.replace.resolve(id)?;
        // Do not keep a huge buffer alive in every thread after one big object.
        if self.buf.capacity() > 16 << 20 {
            self.buf = Vec::new();
        }
        match &mut self.inner {
            Inner::Gix(repo) => {
                use gix::objs::Find;
                match repo.objects.try_find(&id, &mut self.buf) {
                    Ok(Some(d)) => Ok((kind_of_gix(d.kind), d.data)),
                    Ok(None) => Err(ReadError::NotFound),
                    Err(e) => Err(ReadError::Other(e.to_string())),
                }
            }
            Inner::Git2(repo) => {
                let odb = git2_odb(repo)?;
                let obj = odb.read(git2_oid(&id)).map_err(git2_read_error)?;
                self.buf.clear();
                self.buf.extend_from_slice(obj.data());
                Ok((kind_of_git2(obj.kind()), &self.buf))
            }
        }
    }

    /// The kind and size of object `id` (its replacement, if replaced), without
    /// inflating it where the pack says.
    pub(crate) fn header(&mut self, id: &ObjectId) -> Result<(Kind, u64), ReadError> {
        let id = self.odb.replace.resolve(id)?;
        match &mut self.inner {
            Inner::Gix(repo) => {
                use gix::objs::FindHeader;
                match repo.objects.try_header(&id) {
                    Ok(Some(h)) => Ok((kind_of_gix(h.kind), h.size)),
                    Ok(None) => Err(ReadError::NotFound),
                    Err(e) => Err(ReadError::Other(e.to_string())),
                }
            }
            Inner::Git2(repo) => {
                let (size, kind) = git2_odb(repo)?
                    .read_header(git2_oid(&id))
                    .map_err(git2_read_error)?;
                Ok((kind_of_git2(kind), size as u64))
            }
        }
    }

    /// A blob's content, unless it is larger than `max` (checked from the
    /// object's header first, so a huge blob is never inflated).
    pub(crate) fn blob(&mut self, id: &ObjectId, max: u64) -> Result<Blob<'_>, ReadError> {
        let (_, size) = self.header(id)?;
        if size > max {
            return Ok(Blob::TooLarge(size));
        }
        match self.read(id)? {
            (Kind::Blob, data) => Ok(Blob::Data(data)),
            (kind, _) => Err(ReadError::Other(format!(
                "expected a blob, found a {kind:?}"
            ))),
        }
    }

    /// The tree id, parents and committer time of commit `id`: from the
    /// commit-graph file when it has the commit (and nothing replaces or grafts
    /// it), else from the commit object.
    pub(crate) fn commit(&mut self, id: &ObjectId) -> Result<CommitInfo, ReadError> {
        let odb = self.odb;
        let grafted = odb.grafts.get(id);
        if let Some(graph) = &odb.graph {
            if !odb.replace.contains(id) && grafted.is_none() {
                if let Some(c) = graph.commit_by_id(id) {
                    let mut parents = Vec::new();
                    for p in c.iter_parents() {
                        match p {
                            Ok(pos) => parents.push(graph.id_at(pos).to_owned()),
                            Err(_) => {
                                parents.clear();
                                break;
                            }
                        }
                    }
                    if parents.len() == c.iter_parents().count() {
                        return Ok(CommitInfo {
                            tree: c.root_tree_id().to_owned(),
                            parents,
                            time: c.committer_timestamp() as i64,
                        });
                    }
                }
            }
        }
        if let Some(c) = odb
            .packed_commits
            .get(id)
            .filter(|_| !odb.replace.contains(id))
        {
            let mut info = c.clone();
            if let Some(parents) = grafted {
                info.parents = parents.clone();
            }
            return Ok(info);
        }
        let (kind, data) = self.read(id)?;
        if kind != Kind::Commit {
            return Err(ReadError::Other(format!(
                "object {id} is a {kind:?}, not a commit"
            )));
        }
        let mut info = parse_commit(data)?;
        if let Some(parents) = grafted {
            info.parents = parents.clone();
        }
        Ok(info)
    }
}

/// A blob as read, or why it was not.
pub(crate) enum Blob<'a> {
    Data(&'a [u8]),
    TooLarge(u64),
}

/// The object database of the libgit2 fallback, or why it cannot be read.
fn git2_odb(repo: &Result<git2::Repository, String>) -> Result<git2::Odb<'_>, ReadError> {
    let repo = repo
        .as_ref()
        .map_err(|e| ReadError::Other(format!("cannot open the repository: {e}")))?;
    repo.odb().map_err(|e| ReadError::Other(e.message().into()))
}

fn git2_oid(id: &ObjectId) -> git2::Oid {
    git2::Oid::from_bytes(id.as_bytes()).expect("20 bytes")
}

fn git2_read_error(e: git2::Error) -> ReadError {
    match e.code() {
        git2::ErrorCode::NotFound => ReadError::NotFound,
        _ => ReadError::Other(e.message().to_string()),
    }
}

fn kind_of_git2(k: git2::ObjectType) -> Kind {
    match k {
        git2::ObjectType::Commit => Kind::Commit,
        git2::ObjectType::Tree => Kind::Tree,
        git2::ObjectType::Tag => Kind::Tag,
        _ => Kind::Blob,
    }
}

fn kind_of_gix(k: gix::objs::Kind) -> Kind {
    match k {
        gix::objs::Kind::Commit => Kind::Commit,
        gix::objs::Kind::Tree => Kind::Tree,
        gix::objs::Kind::Tag => Kind::Tag,
        gix::objs::Kind::Blob => Kind::Blob,
    }
}

/// Tree id, parents and committer time of a commit object.
pub(crate) fn parse_commit(data: &[u8]) -> Result<CommitInfo, ReadError> {
    let bad = |e: &dyn std::fmt::Display| ReadError::Other(format!("malformed commit: {e}"));
    let mut it = gix::objs::CommitRefIter::from_bytes(data, gix::hash::Kind::Sha1);
    let tree = it.tree_id().map_err(|e| bad(&e))?;
    let parents = it.parent_ids().collect();
    let committer = gix::objs::CommitRefIter::from_bytes(data, gix::hash::Kind::Sha1)
        .committer()
        .map_err(|e| bad(&e))?;
    Ok(CommitInfo {
        tree,
        parents,
        time: committer.seconds(),
    })
}

/// What a tree entry points at, from its mode (as git and libgit2 tell them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Tree,
    /// A file, executable or symbolic link.
    Blob,
    /// A gitlink: a submodule's commit.
    Link,
}

/// One entry of a raw tree object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<'a> {
    pub kind: EntryKind,
    pub name: &'a [u8],
    pub id: &'a [u8; 20],
}

impl Entry<'_> {
    pub(crate) fn oid(&self) -> ObjectId {
        ObjectId::from_bytes_or_panic(self.id)
    }
}

/// The entries of a raw tree object (`<octal mode> <name>\0<20-byte id>`...),
/// parsed in place. Stops at the first malformed entry: [`validate_tree`]
/// tells a malformed tree before it is walked.
pub(crate) struct Entries<'a> {
    data: &'a [u8],
}

pub(crate) fn entries(data: &[u8]) -> Entries<'_> {
    Entries { data }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    #[inline]
    fn next(&mut self) -> Option<Entry<'a>> {
        let (e, rest) = parse_entry(self.data)?;
        self.data = rest;
        Some(e)
    }
}

#[inline]
fn parse_entry(data: &[u8]) -> Option<(Entry<'_>, &[u8])> {
    let sp = memchr::memchr(b' ', data)?;
    let mut mode = 0u32;
    for &d in &data[..sp] {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        mode = (mode << 3) | (d - b'0') as u32;
    }
    let rest = &data[sp + 1..];
    let nul = memchr::memchr(0, rest)?;
    let name = &rest[..nul];
    let id: &[u8; 20] = rest.get(nul + 1..nul + 21)?.try_into().ok()?;
    let kind = match mode & 0o170000 {
        0o040000 => EntryKind::Tree,
        0o160000 => EntryKind::Link,
        _ => EntryKind::Blob,
    };
    if sp == 0 || name.is_empty() {
        return None;
    }
    Some((Entry { kind, name, id }, &rest[nul + 21..]))
}

/// Whether `data` is a well-formed tree object, and how many gitlinks it holds.
pub(crate) fn validate_tree(data: &[u8]) -> Option<u32> {
    let mut rest = data;
    let mut links = 0;
    while !rest.is_empty() {
        let (e, r) = parse_entry(rest)?;
        links += (e.kind == EntryKind::Link) as u32;
        rest = r;
    }
    Some(links)
}

/// Git's order of tree entries: names compared as bytes, a tree's name as if it
/// ended with '/'.
#[inline]
pub(crate) fn name_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {
            let end = |tree: bool| if tree { b'/' } else { 0 };
            let ca = a.get(n).copied().unwrap_or_else(|| end(a_tree));
            let cb = b.get(n).copied().unwrap_or_else(|| end(b_tree));
            ca.cmp(&cb)
        }
        o => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The libgit2 reader (the fallback when gix cannot open a repository)
    /// reads the same kinds, bytes and sizes as gix, and says when an object
    /// is missing.
    #[test]
    fn the_libgit2_reader_reads_what_gix_reads() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let o = std::process::Command::new("git")
                .args(["-c", "user.name=Fake", "-c", "user.email=fake@example.test"])
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).unwrap().trim().to_string()
        };
        git(&["init", "-q"]);
        std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
        git(&["add", "a.txt"]);
        git(&["commit", "-q", "-m", "one"]);
        let ids = ["HEAD", "HEAD^{tree}", "HEAD:a.txt"]
            .map(|r| ObjectId::from_hex(git(&["rev-parse", r]).as_bytes()).unwrap());
        let repo = git2::Repository::open(dir.path()).unwrap();
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let pipeline = crate::pipeline::Pipeline::of(crate::engine::Engine::new(&rules).unwrap());
        let (tx, _rx) = crossbeam_channel::unbounded();
        let scanner = Scanner::new(&pipeline, tx);
        let with_gix = Odb::open(&repo, &scanner);
        assert!(with_gix.gix.is_some());
        let mut fallback = Odb::open(&repo, &scanner);
        fallback.gix = None;
        let (mut a, mut b) = (with_gix.reader(0, 1 << 20), fallback.reader(0, 1 << 20));
        let kinds: Vec<Kind> = ids
            .iter()
            .map(|id| {
                let (ka, da) = a.read(id).map(|(k, d)| (k, d.to_vec())).unwrap();
                let (kb, db) = b.read(id).map(|(k, d)| (k, d.to_vec())).unwrap();
                assert_eq!((ka, &da), (kb, &db));
                let (ha, hb) = (a.header(id).unwrap(), b.header(id).unwrap());
                assert_eq!(ha, hb);
                assert_eq!(hb, (kb, db.len() as u64));
                kb
            })
            .collect();
        assert_eq!(kinds, [Kind::Commit, Kind::Tree, Kind::Blob]);
        let missing = ObjectId::from_hex(b"0123456789012345678901234567890123456789").unwrap();
        assert!(matches!(b.read(&missing), Err(ReadError::NotFound)));
        assert!(matches!(b.header(&missing), Err(ReadError::NotFound)));
    }

    fn tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(&[*id; 20]);
        }
        out
    }

    #[test]
    fn tree_entries_parse_in_place() {
        let t = tree(&[
            ("100644", "a.txt", 1),
            ("40000", "dir", 2),
            ("160000", "sub", 3),
            ("120000", "link", 4),
        ]);
        let kinds: Vec<_> = entries(&t)
            .map(|e| (e.kind, e.name.to_vec(), e.id[0]))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (EntryKind::Blob, b"a.txt".to_vec(), 1),
                (EntryKind::Tree, b"dir".to_vec(), 2),
                (EntryKind::Link, b"sub".to_vec(), 3),
                (EntryKind::Blob, b"link".to_vec(), 4),
            ]
        );
        assert_eq!(validate_tree(&t), Some(1));
        assert_eq!(validate_tree(&t[..t.len() - 3]), None, "truncated id");
        assert_eq!(validate_tree(b"10x644 a\0"), None, "bad mode");
        assert_eq!(validate_tree(b""), Some(0));
    }

    #[test]
    fn git_tree_order() {
        use std::cmp::Ordering::*;
        // "a.b" sorts before the tree "a" ("a/" > "a."), but after the file "a".
        assert_eq!(name_order(b"a", true, b"a.b", false), Greater);
        assert_eq!(name_order(b"a", false, b"a.b", false), Less);
        assert_eq!(name_order(b"a", true, b"a0", false), Less);
        assert_eq!(name_order(b"abc", false, b"abc", false), Equal);
    }

    #[test]
    fn replacement_chains_end() {
        let a = ObjectId::from_hex(b"1111111111111111111111111111111111111111").unwrap();
        let b = ObjectId::from_hex(b"2222222222222222222222222222222222222222").unwrap();
        let mut r = Replacements::default();
        assert_eq!(r.resolve(&a).unwrap(), a);
        r.map.insert(a, b);
        assert_eq!(r.resolve(&a).unwrap(), b);
        r.map.insert(b, a);
        assert!(r.resolve(&a).is_err(), "a cycle is an error, as in git");
    }
}
