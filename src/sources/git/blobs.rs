//! Reading the selected blobs, each once, handed one at a time to a visitor
//! (the scanner) on N threads: nothing is held after it is visited.
//!
//! Most blobs of a packed history are deltas on other blobs, in chains up to
//! 50 long. Read one by one, each would re-inflate its chain (a cache only
//! helps when the chain was read recently). So each pack is read the way
//! `git index-pack` resolves it: the delta chains of the wanted blobs form a
//! forest (base → deltas on it), and each tree of that forest is decoded from
//! its root down, every object inflated and every delta applied exactly once,
//! the trees shared out to the threads. A base is dropped as soon as its last
//! delta is decoded, so a thread holds only the bases of the chain it is in.
//!
//! Whatever the packs do not give (loose objects, replaced blobs, bases in
//! another pack, anything damaged) is then read one by one through the object
//! database, which also says precisely what is missing or corrupt.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use gix::ObjectId;
use rayon::prelude::*;

use super::objects::{Blob, FastMap, Kind, Odb, ReadError, Reader};
use crate::engine::reuse::{push_piece, DeltaReuse, Known, Piece};

/// A blob as read, or why it was not.
pub(crate) enum Outcome<'a> {
    /// The bytes, and what their scan may reuse of the blob they were built
    /// from (and leave for the blobs built from them).
    Data(&'a [u8], Option<&'a DeltaReuse<'a>>),
    /// Larger than the size limit: not read.
    TooLarge(u64),
    Failed(ReadError),
}

/// The visitor: blob index and what was read.
pub(crate) type Visit<'v> = dyn Fn(u32, Outcome<'_>) + Sync + 'v;

/// Bytes of bases all threads together may hold while they walk down delta
/// trees; past their share, a thread leaves the deeper deltas to the
/// one-by-one reads.
const HOLD_LIMIT: usize = 256 << 20;

/// Most delta trees one rayon job decodes before the others may take the
/// rest: enough that a job's set-up (an inflate state) is noise, few enough
/// that no thread is left with a long queue of its own at the end.
const MAX_ROOTS_PER_JOB: usize = 16;

/// Reads every blob of `ids` (by index) and calls `visit(index, outcome)` for
/// each exactly once, on the threads of `pool`. Blobs larger than `max` are
/// not read (`Outcome::TooLarge`) unless another blob is a delta on them.
pub(crate) fn read_all(
    odb: &Odb,
    ids: &[ObjectId],
    max: u64,
    pool: &rayon::ThreadPool,
    visit: &Visit<'_>,
) {
    if ids.is_empty() {
        return;
    }
    let done: Vec<AtomicBool> = (0..ids.len()).map(|_| AtomicBool::new(false)).collect();
    if odb.has_gix() {
        // A replaced blob's content is another object's: read it one by one.
        let wanted: FastMap<ObjectId, u32> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !odb.replace.contains(id))
            .map(|(i, id)| (*id, i as u32))
            .collect();
        for idx in pack_indexes(&odb.common_dir.join("objects")) {
            if let Some(pack) = Pack::open(&idx) {
                let t = Traversal {
                    pack: &pack,
                    odb,
                    done: &done,
                    max,
                    visit,
                };
                t.run(&wanted, pool);
            }
        }
    }
    let rest: Vec<u32> = (0..ids.len() as u32)
        .filter(|&b| !done[b as usize].load(Ordering::Relaxed))
        .collect();
    let delta_cache = ((64 << 20) / pool.current_num_threads().max(1)).max(4 << 20);
    pool.install(|| {
        rest.par_iter().for_each_init(
            || odb.reader(0, delta_cache),
            |reader, &b| match reader.blob(&ids[b as usize], max) {
                Ok(Blob::Data(d)) => visit(b, Outcome::Data(d, None)),
                Ok(Blob::TooLarge(size)) => visit(b, Outcome::TooLarge(size)),
                Err(e) => visit(b, Outcome::Failed(e)),
            },
        )
    });
}

/// The `.idx` files of an object directory and of its alternates.
pub(super) fn pack_indexes(objects: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![objects.to_path_buf()];
    let mut i = 0;
    // Alternates may chain (git allows 5 levels); each directory is read once.
    while i < dirs.len() && i < 16 {
        let list = std::fs::read_to_string(dirs[i].join("info").join("alternates"));
        for line in list.iter().flat_map(|l| l.lines()) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let p = dirs[i].join(line);
            if !dirs.contains(&p) {
                dirs.push(p);
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(d.join("pack")) else {
            continue;
        };
        let mut idx: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "idx"))
            .collect();
        idx.sort();
        out.extend(idx);
    }
    out
}

/// A pack and its index, mapped.
pub(super) struct Pack {
    pub(super) index: gix::odb::pack::index::File,
    pub(super) data: memmap2::Mmap,
    /// Compressed bytes read since the mapping's pages were last let go.
    touched: std::sync::atomic::AtomicU64,
}

/// Every this many compressed bytes read, the pack's pages are let go of: they
/// stay in the page cache, but do not count in this process's memory. At
/// 48 MB, rails with `-j 8` peaked just over 500 MB (docs/GIT.md).
const RELEASE_EVERY: u64 = 24 << 20;

impl Pack {
    pub(super) fn open(idx: &Path) -> Option<Pack> {
        let index = gix::odb::pack::index::File::at(idx, gix::hash::Kind::Sha1).ok()?;
        let file = File::open(idx.with_extension("pack")).ok()?;
        // SAFETY: a pack is never modified in place (git writes new packs and
        // renames them in); a pack deleted under us keeps its pages.
        let data = unsafe { memmap2::Mmap::map(&file) }.ok()?;
        let header_ok = data.len() >= 32
            && &data[..4] == b"PACK"
            && matches!(u32::from_be_bytes(data[4..8].try_into().ok()?), 2 | 3)
            && u32::from_be_bytes(data[8..12].try_into().ok()?) == index.num_objects();
        header_ok.then_some(Pack {
            index,
            data,
            touched: Default::default(),
        })
    }

    /// Where entries' data ends (the trailing checksum follows).
    pub(super) fn end(&self) -> u64 {
        self.data.len() as u64 - 20
    }

    /// Counts `n` compressed bytes read; lets go of the mapped pages when
    /// enough were.
    fn consumed(&self, n: usize) {
        let before = self.touched.fetch_add(n as u64, Ordering::Relaxed);
        if before / RELEASE_EVERY != (before + n as u64) / RELEASE_EVERY {
            // SAFETY: a read-only mapping of a file nobody writes: pages let
            // go of are read back from the file, unchanged, on next access.
            #[cfg(unix)]
            let _ = unsafe {
                self.data
                    .unchecked_advise(memmap2::UncheckedAdvice::DontNeed)
            };
        }
    }
}

/// A pack entry's header.
#[derive(Clone, Copy)]
pub(super) struct Header {
    pub(super) kind: EntryType,
    /// Inflated size: the object's, or the delta's for deltas.
    pub(super) size: u64,
    pub(super) data_offset: u64,
}

#[derive(Clone, Copy)]
pub(super) enum EntryType {
    Object(Kind),
    /// A delta on the entry at this offset.
    Ofs(u64),
    /// A delta on the object with this id.
    Ref(ObjectId),
}

pub(super) fn header(data: &[u8], offset: u64) -> Option<Header> {
    let d = data.get(offset as usize..)?;
    let mut i = 0;
    let mut b = *d.get(i)?;
    i += 1;
    let t = (b >> 4) & 7;
    let mut size = (b & 15) as u64;
    let mut shift = 4;
    while b & 0x80 != 0 {
        b = *d.get(i)?;
        i += 1;
        if shift > 57 {
            return None;
        }
        size |= ((b & 0x7f) as u64) << shift;
        shift += 7;
    }
    let kind = match t {
        1 => EntryType::Object(Kind::Commit),
        2 => EntryType::Object(Kind::Tree),
        3 => EntryType::Object(Kind::Blob),
        4 => EntryType::Object(Kind::Tag),
        6 => {
            let mut b = *d.get(i)?;
            i += 1;
            let mut dist = (b & 0x7f) as u64;
            while b & 0x80 != 0 {
                b = *d.get(i)?;
                i += 1;
                dist = dist.checked_add(1)?.checked_mul(128)? | (b & 0x7f) as u64;
            }
            EntryType::Ofs(offset.checked_sub(dist).filter(|_| dist > 0)?)
        }
        7 => {
            let id = ObjectId::from_bytes_or_panic(d.get(i..i + 20)?);
            i += 20;
            EntryType::Ref(id)
        }
        _ => return None,
    };
    Some(Header {
        kind,
        size,
        data_offset: offset + i as u64,
    })
}

/// Not an entry of the delta forest.
const UNSET: u32 = u32::MAX;
/// A forest root: a whole object.
const BASE: u32 = u32::MAX - 1;
/// A forest root: a delta on an object outside this pack.
const EXTERNAL: u32 = u32::MAX - 2;
/// Cannot be decoded from this pack (a bad header or base).
const BROKEN: u32 = u32::MAX - 3;
/// No blob wanted at this entry.
const NO_BLOB: u32 = u32::MAX;

struct Traversal<'a> {
    pack: &'a Pack,
    odb: &'a Odb,
    done: &'a [AtomicBool],
    max: u64,
    visit: &'a Visit<'a>,
}

/// The delta forest of the wanted blobs of one pack, over its entries sorted
/// by offset.
struct Forest {
    offsets: Vec<u64>,
    /// Blob index wanted at each entry, or [`NO_BLOB`].
    blob: Vec<u32>,
    /// Children (deltas on each entry), as ranges into `children`.
    start: Vec<u32>,
    children: Vec<u32>,
    /// Roots: entries that are whole objects or deltas on outside objects.
    roots: Vec<u32>,
    external: FastMap<u32, ObjectId>,
}

impl Forest {
    fn kids(&self, e: u32) -> std::ops::Range<u32> {
        self.start[e as usize]..self.start[e as usize + 1]
    }

    /// Where entry `e`'s compressed data may extend to.
    fn end_of(&self, e: u32, pack_end: u64) -> u64 {
        self.offsets
            .get(e as usize + 1)
            .copied()
            .unwrap_or(pack_end)
            .min(pack_end)
    }
}

/// One thread's scratch: an inflater, delta bytes, spare buffers, a reader
/// for outside bases.
struct Scratch<'o> {
    inflate: Decompress,
    delta: Vec<u8>,
    /// Where each run of the last delta's result came from.
    pieces: Vec<Piece>,
    spare: Vec<Vec<u8>>,
    reader: Option<Reader<'o>>,
}

impl Scratch<'_> {
    fn new() -> Self {
        Scratch {
            inflate: Decompress::new(true),
            delta: Vec::new(),
            pieces: Vec::new(),
            spare: Vec::new(),
            reader: None,
        }
    }

    fn buf(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    fn give(&mut self, mut b: Vec<u8>) {
        if self.spare.len() < 8 && b.capacity() <= 16 << 20 {
            b.clear();
            self.spare.push(b);
        }
    }
}

impl<'a> Traversal<'a> {
    fn run(&self, wanted: &FastMap<ObjectId, u32>, pool: &rayon::ThreadPool) {
        let forest = self.forest(wanted);
        // Reading the headers touched most of the pack.
        self.pack.consumed(RELEASE_EVERY as usize);
        let Some(forest) = forest else {
            return;
        };
        let hold = (HOLD_LIMIT / pool.current_num_threads().max(1)).max(16 << 20);
        let slots: Vec<std::sync::Mutex<Scratch>> = (0..pool.current_num_threads())
            .map(|_| std::sync::Mutex::new(Scratch::new()))
            .collect();
        pool.install(|| {
            // Delta trees differ in cost by five orders of magnitude, and
            // rayon splits a slice only as far as stealing asks when it
            // starts: on rails the last ~2,000 trees (1.4 s) sat in one
            // thread's last piece while the other idled. Small pieces keep
            // every thread busy to the end.
            forest
                .roots
                .par_iter()
                .with_max_len(MAX_ROOTS_PER_JOB)
                .for_each(|&root| {
                    // Each thread keeps its scratch (inflate state, spare
                    // buffers) from job to job; a job that finds it taken (a
                    // thread running another job while it waits) uses its own.
                    let slot = rayon::current_thread_index().and_then(|i| slots.get(i));
                    match slot.and_then(|m| m.try_lock().ok()) {
                        Some(mut s) => self.tree(&forest, &mut s, root, hold),
                        None => self.tree(&forest, &mut Scratch::new(), root, hold),
                    }
                })
        });
    }

    /// The forest of the chains of every wanted blob in this pack not read yet.
    fn forest(&self, wanted: &FastMap<ObjectId, u32>) -> Option<Forest> {
        let index = &self.pack.index;
        let mut entries: Vec<(u64, u32)> = index
            .iter()
            .map(|e| {
                let b = wanted
                    .get(&e.oid)
                    .copied()
                    .filter(|&b| !self.done[b as usize].load(Ordering::Relaxed))
                    .unwrap_or(NO_BLOB);
                (e.pack_offset, b)
            })
            .collect();
        if entries.iter().all(|e| e.1 == NO_BLOB) {
            return None;
        }
        entries.sort_unstable_by_key(|e| e.0);
        let offsets: Vec<u64> = entries.iter().map(|e| e.0).collect();
        let blob: Vec<u32> = entries.iter().map(|e| e.1).collect();
        drop(entries);
        let n = offsets.len();
        let at = |off: u64| offsets.binary_search(&off).ok().map(|p| p as u32);
        let data = &self.pack.data[..];
        let mut parent = vec![UNSET; n];
        let mut external = FastMap::default();
        for e in 0..n as u32 {
            if blob[e as usize] == NO_BLOB {
                continue;
            }
            // Up the chain until an entry already placed.
            let mut cur = e;
            while parent[cur as usize] == UNSET {
                let Some(h) = header(data, offsets[cur as usize]) else {
                    parent[cur as usize] = BROKEN;
                    break;
                };
                let base = match h.kind {
                    EntryType::Object(_) => {
                        parent[cur as usize] = BASE;
                        break;
                    }
                    EntryType::Ofs(off) => at(off),
                    EntryType::Ref(id) => match index.lookup(id) {
                        Some(i) => at(index.pack_offset_at_index(i)),
                        None => {
                            parent[cur as usize] = EXTERNAL;
                            external.insert(cur, id);
                            break;
                        }
                    },
                };
                match base {
                    Some(b) if b != cur => {
                        parent[cur as usize] = b;
                        cur = b;
                    }
                    _ => {
                        parent[cur as usize] = BROKEN;
                        break;
                    }
                }
            }
        }
        let mut start = vec![0u32; n + 1];
        for &p in &parent {
            if (p as usize) < n {
                start[p as usize + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; start[n] as usize];
        let mut roots = Vec::new();
        for (e, &p) in parent.iter().enumerate() {
            if (p as usize) < n {
                children[fill[p as usize] as usize] = e as u32;
                fill[p as usize] += 1;
            } else if p == BASE || p == EXTERNAL {
                roots.push(e as u32);
            }
        }
        Some(Forest {
            offsets,
            blob,
            start,
            children,
            roots,
            external,
        })
    }

    /// Inflates entry `e`'s data (`size` bytes expected) into `out`.
    fn inflate(
        &self,
        f: &Forest,
        s: &mut Scratch,
        e: u32,
        h: &Header,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let end = f.end_of(e, self.pack.end());
        let input = self.pack.data.get(h.data_offset as usize..end as usize)?;
        let size = usize::try_from(h.size).ok()?;
        out.clear();
        out.try_reserve_exact(size).ok()?;
        s.inflate.reset(true);
        let status = s
            .inflate
            .decompress_vec(input, out, FlushDecompress::Finish)
            .ok()?;
        self.pack.consumed(s.inflate.total_in() as usize);
        (status == Status::StreamEnd && out.len() == size).then_some(())
    }

    fn deliver(&self, f: &Forest, e: u32, outcome: Outcome<'_>) {
        let b = f.blob[e as usize];
        if b != NO_BLOB {
            self.done[b as usize].store(true, Ordering::Relaxed);
            (self.visit)(b, outcome);
        }
    }

    /// Decodes the delta tree rooted at `root`, visiting its wanted blobs.
    /// Anything that fails is left undelivered, for the one-by-one reads.
    fn tree(&self, f: &Forest, s: &mut Scratch<'a>, root: u32, hold: usize) {
        let Some(h) = header(&self.pack.data, f.offsets[root as usize]) else {
            return;
        };
        let has_kids = !f.kids(root).is_empty();
        let mut buf = s.buf();
        match h.kind {
            EntryType::Object(Kind::Blob) => {
                if h.size > self.max && !has_kids {
                    self.deliver(f, root, Outcome::TooLarge(h.size));
                    s.give(buf);
                    return;
                }
                if self.inflate(f, s, root, &h, &mut buf).is_none() {
                    s.give(buf);
                    return;
                }
            }
            // Deltas on a blob are blobs; on anything else they are not wanted.
            EntryType::Object(_) => return,
            EntryType::Ofs(_) | EntryType::Ref(_) => {
                let Some(base_id) = f.external.get(&root) else {
                    return;
                };
                let odb = self.odb;
                let reader = s.reader.get_or_insert_with(|| odb.reader(0, 0));
                let base = match reader.read(base_id) {
                    Ok((Kind::Blob, d)) => d.to_vec(),
                    _ => return,
                };
                let mut delta = std::mem::take(&mut s.delta);
                let mut pieces = std::mem::take(&mut s.pieces);
                let ok = self.inflate(f, s, root, &h, &mut delta).is_some()
                    && apply_delta(&base, &delta, &mut buf, &mut pieces).is_some();
                s.pieces = pieces;
                s.delta = delta;
                if !ok {
                    s.give(buf);
                    return;
                }
            }
        }
        let hits = self.deliver_data(f, root, &buf, None);
        if !has_kids {
            s.give(buf);
            return;
        }
        // Depth first; a base's buffer goes back as soon as its last delta is
        // out. Each frame keeps its blob's keyword hits for its deltas' scans,
        // counted with its bytes against what a thread may hold.
        let weight =
            |b: &Vec<u8>, k: &Option<Known>| b.len() + k.as_ref().map_or(0, Known::heap_bytes);
        let mut held = weight(&buf, &hits);
        let mut frames: Vec<Frame> = vec![(root, buf, f.kids(root), hits)];
        let mut pieces = std::mem::take(&mut s.pieces);
        while let Some(top) = frames.last_mut() {
            let Some(k) = top.2.next() else {
                let (_, b, _, h) = frames.pop().expect("a frame");
                held -= weight(&b, &h);
                s.give(b);
                continue;
            };
            let child = f.children[k as usize];
            let last = top.2.is_empty();
            let Some(ch) = header(&self.pack.data, f.offsets[child as usize]) else {
                continue;
            };
            let mut delta = std::mem::take(&mut s.delta);
            if self.inflate(f, s, child, &ch, &mut delta).is_none() {
                s.delta = delta;
                continue;
            }
            let kid_has_kids = !f.kids(child).is_empty();
            let sizes = delta_sizes(&delta);
            let too_large = sizes.is_some_and(|(_, r)| r > self.max);
            if too_large && !kid_has_kids {
                let (_, r) = sizes.expect("sizes");
                self.deliver(f, child, Outcome::TooLarge(r));
                s.delta = delta;
                continue;
            }
            let mut out = s.buf();
            let ok = apply_delta(&top.1, &delta, &mut out, &mut pieces).is_some();
            s.delta = delta;
            if !ok {
                s.give(out);
                continue;
            }
            let mut base_hits = None;
            if last {
                let (_, b, _, h) = frames.pop().expect("a frame");
                held -= weight(&b, &h);
                s.give(b);
                base_hits = h;
            }
            let hits = if too_large {
                self.deliver(f, child, Outcome::TooLarge(out.len() as u64));
                None
            } else {
                let base = match &base_hits {
                    Some(h) => Some(h),
                    None if !last => frames.last().and_then(|fr| fr.3.as_ref()),
                    None => None,
                };
                self.deliver_data(f, child, &out, base.map(|h| (h, &pieces[..])))
            };
            let cost = weight(&out, &hits);
            if kid_has_kids && held + cost <= hold {
                held += cost;
                frames.push((child, out, f.kids(child), hits));
            } else {
                s.give(out);
            }
        }
        s.pieces = pieces;
    }

    /// Visits entry `e`'s bytes (built from pieces of a blob about which
    /// `base` is known, if anything is); what its scan learnt, for its deltas.
    fn deliver_data(
        &self,
        f: &Forest,
        e: u32,
        data: &[u8],
        base: Option<(&Known, &[Piece])>,
    ) -> Option<Known> {
        if data.len() as u64 > self.max {
            self.deliver(f, e, Outcome::TooLarge(data.len() as u64));
            return None;
        }
        let reuse = DeltaReuse::new(data, base);
        self.deliver(f, e, Outcome::Data(data, Some(&reuse)));
        reuse.take()
    }
}

/// A blob being walked down from: its entry, bytes, deltas left to decode,
/// and the keyword hits its scan kept.
type Frame = (u32, Vec<u8>, std::ops::Range<u32>, Option<Known>);

/// A git delta's varint size at `delta[*i..]`.
fn delta_varint(delta: &[u8], i: &mut usize) -> Option<u64> {
    let mut size = 0u64;
    let mut shift = 0;
    loop {
        let b = *delta.get(*i)?;
        *i += 1;
        if shift > 63 {
            return None;
        }
        size |= ((b & 0x7f) as u64) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Some(size);
        }
    }
}

/// (base size, result size) of a delta.
fn delta_sizes(delta: &[u8]) -> Option<(u64, u64)> {
    let mut i = 0;
    Some((delta_varint(delta, &mut i)?, delta_varint(delta, &mut i)?))
}

/// Applies a git delta to `base`, into `out`, and says where each run of
/// `out` came from in `pieces`; `None` for a malformed delta.
fn apply_delta(
    base: &[u8],
    delta: &[u8],
    out: &mut Vec<u8>,
    pieces: &mut Vec<Piece>,
) -> Option<()> {
    pieces.clear();
    let mut i = 0;
    let base_size = delta_varint(delta, &mut i)?;
    let size = usize::try_from(delta_varint(delta, &mut i)?).ok()?;
    if base_size != base.len() as u64 {
        return None;
    }
    out.clear();
    out.try_reserve_exact(size).ok()?;
    while i < delta.len() {
        let cmd = delta[i];
        i += 1;
        if cmd & 0x80 != 0 {
            let mut arg = [0u32; 7];
            for (bit, a) in arg.iter_mut().enumerate() {
                if cmd & (1 << bit) != 0 {
                    *a = *delta.get(i)? as u32;
                    i += 1;
                }
            }
            let ofs = (arg[0] | arg[1] << 8 | arg[2] << 16 | arg[3] << 24) as usize;
            let mut len = (arg[4] | arg[5] << 8 | arg[6] << 16) as usize;
            if len == 0 {
                len = 0x10000;
            }
            let piece = base.get(ofs..ofs.checked_add(len)?)?;
            if out.len() + piece.len() > size {
                return None;
            }
            push_piece(pieces, out.len(), len, Some(ofs));
            out.extend_from_slice(piece);
        } else if cmd != 0 {
            let piece = delta.get(i..i + cmd as usize)?;
            i += cmd as usize;
            if out.len() + piece.len() > size {
                return None;
            }
            push_piece(pieces, out.len(), piece.len(), None);
            out.extend_from_slice(piece);
        } else {
            return None;
        }
    }
    (out.len() == size).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello, world\n";
        // base size 13, result size 19: copy "hello, " (0..7), insert "there ", copy "world\n".
        let mut delta = vec![13, 19];
        delta.extend_from_slice(&[0x80 | 0x10, 7]);
        delta.extend_from_slice(&[6]);
        delta.extend_from_slice(b"there ");
        delta.extend_from_slice(&[0x80 | 0x01 | 0x10, 7, 6]);
        let mut out = Vec::new();
        let mut pieces = Vec::new();
        assert!(apply_delta(base, &delta, &mut out, &mut pieces).is_some());
        assert_eq!(out, b"hello, there world\n");
        let from = |at, len, from| Piece { at, len, from };
        assert_eq!(
            pieces,
            [
                from(0, 7, 0),
                from(7, 6, crate::engine::reuse::INSERTED),
                from(13, 6, 7)
            ]
        );
        assert_eq!(delta_sizes(&delta), Some((13, 19)));
        // Wrong base size, a copy past the base, the reserved command: refused.
        assert!(apply_delta(b"short", &delta, &mut out, &mut pieces).is_none());
        let bad = [13, 5, 0x80 | 0x01 | 0x10, 12, 5];
        assert!(apply_delta(base, &bad, &mut out, &mut pieces).is_none());
        assert!(apply_delta(base, &[13, 1, 0], &mut out, &mut pieces).is_none());
    }

    /// A file edited over many commits and packed as git packs it (delta
    /// chains), then read by the blob pass: every delta's scan and base64
    /// layer, derived from its base's, are what scanning its bytes whole
    /// gives.
    #[test]
    fn deltas_are_matched_as_their_whole_bytes_are() {
        use crate::engine::{Engine, Scope};
        use crate::sources::git::commits::tests::git;
        use ::base64::Engine as _;
        use std::sync::atomic::AtomicUsize;
        use std::sync::Mutex;

        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"], 1_600_000_000);
        let mut lines: Vec<String> = (0..300)
            .map(|i| format!("    config.setting_{i} = compute(\"value {i}\", token: nil)"))
            .collect();
        for c in 0..60usize {
            // Edits here and there: a changed line, an inserted one, a
            // removed one; now and then a fake token or a base64 block.
            let at = (c * 37) % lines.len();
            lines[at] = match c % 5 {
                0 => format!(
                    "    GITHUB_TOKEN = \"{}\"",
                    crate::rules::validators::github_style_token(
                        "ghp_",
                        &format!("{c:02}tokenhoundFAKEtestBODYq7W3e9R1"),
                    )
                ),
                1 => format!(
                    "    auth: {}",
                    ::base64::engine::general_purpose::STANDARD
                        .encode(format!("deploy:fake-password-{c}-tokenhound-test"))
                ),
                _ => format!("    config.changed_{c} = secret_key_base(token_{c})"),
            };
            lines.insert(
                (c * 53) % lines.len(),
                format!("    # note {c} about the password field"),
            );
            if c % 3 == 0 {
                lines.remove((c * 71) % lines.len());
            }
            std::fs::write(d.join("settings.rb"), lines.join("\n") + "\n").expect("write");
            git(d, &["add", "settings.rb"], 1_600_000_000 + c as i64);
            git(
                d,
                &["commit", "-q", "-m", &format!("c{c}")],
                1_600_000_000 + c as i64,
            );
        }
        git(
            d,
            &[
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--depth=50",
                "--window=50",
            ],
            1_600_000_100,
        );
        let listing = git(
            d,
            &["log", "--format=", "--raw", "--no-abbrev"],
            1_600_000_100,
        );
        let mut ids: Vec<ObjectId> = listing
            .lines()
            .filter_map(|l| l.split_whitespace().nth(3))
            .map(|h| ObjectId::from_hex(h.as_bytes()).expect("hex"))
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 60);

        let repo = git2::Repository::open(d).expect("open");
        let rules = crate::rules::RuleSet::builtin().expect("rules");
        let engine = Engine::new(&rules).expect("engine");
        let pipeline = crate::pipeline::Pipeline::of(Engine::new(&rules).expect("engine"));
        let (tx, _rx) = crossbeam_channel::unbounded();
        let scanner = crate::pipeline::Scanner::new(&pipeline, tx);
        let odb = Odb::open(&repo, &scanner);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("pool");
        let (derived, matches, decoded) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        let seen = Mutex::new(Vec::new());
        let visit = |b: u32, outcome: Outcome<'_>| {
            let Outcome::Data(data, Some(reuse)) = outcome else {
                panic!("blob {b} not read from the pack");
            };
            let scope = Scope::default();
            let got = engine.scan_reusing(data, &scope, Some(reuse));
            assert_eq!(got, engine.scan(data), "blob {b}");
            let got64 = reuse.base64_layer(data).map(|v| (v.bytes, v.map));
            let want64 = crate::decode::base64::layer(data).map(|v| (v.bytes, v.map));
            assert_eq!(got64, want64, "blob {b}");
            derived.fetch_add(usize::from(reuse.has_base()), Ordering::Relaxed);
            matches.fetch_add(got.len(), Ordering::Relaxed);
            decoded.fetch_add(usize::from(got64.is_some()), Ordering::Relaxed);
            seen.lock().expect("lock").push(b);
        };
        read_all(&odb, &ids, u64::MAX, &pool, &visit);
        let mut seen = seen.into_inner().expect("lock");
        seen.sort();
        assert_eq!(seen, (0..60).collect::<Vec<u32>>(), "each blob once");
        let derived = derived.into_inner();
        assert!(
            derived >= 40,
            "only {derived} of 60 blobs derived from a base"
        );
        assert!(matches.into_inner() >= 60, "the fake tokens are found");
        assert!(decoded.into_inner() >= 30, "the base64 blocks are decoded");
    }

    #[test]
    fn entry_headers() {
        // A blob of 300 bytes: type 3, size 300 = 0b1_0010_1100.
        let h = header(&[0x80 | 0x30 | 0x0c, 0x12, 0xff], 0).unwrap();
        assert!(matches!(h.kind, EntryType::Object(Kind::Blob)));
        assert_eq!((h.size, h.data_offset), (300, 2));
        // An offset delta 328 bytes back, at offset 1000.
        let mut pack = vec![0u8; 1000];
        pack.extend_from_slice(&[0x60 | 0x05, 0x81, 0x48]);
        let h = header(&pack, 1000).unwrap();
        assert_eq!((h.size, h.data_offset), (5, 1003));
        assert!(matches!(h.kind, EntryType::Ofs(o) if o == 1000 - ((1 + 1) * 128 + 0x48)));
        assert!(header(&[0x70], 0).is_none(), "truncated ref delta");
        assert!(header(&[0x00], 0).is_none(), "type 0");
    }
}
