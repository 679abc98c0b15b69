//! Archives: zip, tar, tar.gz/tgz and gzip, read in memory or streamed from disk
//! (nothing is ever extracted to disk), members scanned like files with the path
//! `archive.zip!inner/path`, nested archives opened up to [`MAX_DEPTH`].
//!
//! Limits against decompression bombs: total expanded bytes per top-level
//! archive, expansion ratio, member count and member size. Crossing one stops
//! that archive (or member) with a clear error while the rest of the scan goes on.
//! Encrypted members are reported as not scanned; member names that would escape
//! an extraction directory (`../`, absolute) are reported, never used.

use std::io::{self, Cursor, Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::finding::Provenance;
use crate::pipeline::Scanner;

/// Archives nested deeper than this are not opened (the outer one is depth 1).
pub const MAX_DEPTH: usize = 3;

/// What kind of container `bytes` start with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Gzip,
    Tar,
}

/// The archive kind of `bytes`, by magic number.
pub fn kind(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if bytes.starts_with(b"\x1f\x8b") {
        Some(Kind::Gzip)
    } else if bytes.len() >= 512 && &bytes[257..262] == b"ustar" {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// Bounds on the work one archive may cause.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total bytes expanded from one top-level archive, nested ones included.
    pub max_total: u64,
    /// Largest member read (larger ones are skipped with a note).
    pub max_member: u64,
    /// Members per archive.
    pub max_entries: usize,
    /// Expanded / compressed bytes, checked past [`RATIO_GRACE`] expanded bytes.
    pub max_ratio: u64,
}

/// Expanded bytes allowed before the ratio check applies (small files compress
/// far better than large ones).
pub const RATIO_GRACE: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total: 16 << 30,
            max_member: 64 << 20,
            max_entries: 100_000,
            max_ratio: 250,
        }
    }
}

/// Expanded bytes so far, shared by an archive, the archives nested in it and
/// the threads scanning its members.
#[derive(Clone)]
struct Budget {
    limits: Limits,
    expanded: Arc<AtomicU64>,
}

/// Why reading a member stopped.
enum Stop {
    /// Member over `max_member`: skipped, the archive goes on.
    TooLarge,
    /// A limit of the whole archive: the archive stops.
    Bomb(String),
    Io(io::Error),
}

/// A reader counting the compressed bytes consumed (for ratio checks on streams).
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

/// Zip members are read through a seekable [`Counting`] reader, so the ratio
/// is checked against the compressed bytes consumed so far, not the declared size.
impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Reads one member into memory within the limits; `compressed` returns the
/// compressed bytes behind what was read so far (for the ratio).
fn read_member(
    r: &mut dyn Read,
    budget: &Budget,
    compressed: &dyn Fn() -> u64,
) -> Result<Vec<u8>, Stop> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let k = match r.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Io(e)),
        };
        let l = budget.limits;
        // Checked before growing: a member at the limit never doubles the buffer.
        if (out.len() + k) as u64 > l.max_member {
            return Err(Stop::TooLarge);
        }
        out.extend_from_slice(&chunk[..k]);
        let expanded = budget.expanded.fetch_add(k as u64, Ordering::Relaxed) + k as u64;
        if expanded > l.max_total {
            return Err(Stop::Bomb(format!(
                "expands to more than {} bytes in total (limit); the rest of this archive was not scanned",
                l.max_total
            )));
        }
        let c = compressed().max(1);
        if out.len() as u64 > RATIO_GRACE && out.len() as u64 > l.max_ratio * c {
            return Err(Stop::Bomb(format!(
                "expands more than {}:1 (likely a decompression bomb); the rest of this archive was not scanned",
                l.max_ratio
            )));
        }
    }
}

/// True when a member name would escape an extraction directory.
fn escapes(name: &str) -> bool {
    name.starts_with('/')
        || name.starts_with('\\')
        || name.as_bytes().get(1) == Some(&b':')
        || name.split(['/', '\\']).any(|c| c == "..")
}

/// Scans an archive held in memory (a file read by the fs source, or a member).
pub fn scan_bytes(display: &str, bytes: &[u8], scanner: &Scanner, depth: usize) {
    scan_bytes_within(display, bytes, scanner, depth, Limits::default())
}

/// [`scan_bytes`] with given limits (tests lower them to trip each one cheaply).
fn scan_bytes_within(display: &str, bytes: &[u8], scanner: &Scanner, depth: usize, limits: Limits) {
    let budget = Budget {
        limits,
        expanded: Arc::default(),
    };
    scanner.count_bytes(bytes.len() as u64);
    let len = bytes.len() as u64;
    if depth > 0 {
        let sink = Sink::Inline(scanner);
        return open(
            display,
            Cursor::new(bytes),
            len,
            scanner,
            depth + 1,
            &budget,
            &sink,
        );
    }
    with_sink(scanner, |sink| {
        open(display, Cursor::new(bytes), len, scanner, 1, &budget, sink)
    });
}

/// Scans an archive file streamed from disk (archives over `--max-file-size`:
/// members are still read one at a time, each within `max_member`).
pub fn scan_path(path: &Path, display: &str, scanner: &Scanner, max_member: u64) {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return scanner.error(display, format!("cannot open: {e}")),
    };
    let mut head = [0u8; 512];
    let n = read_head(&mut file, &mut head);
    if kind(&head[..n]).is_none() || file.rewind().is_err() {
        return scanner.skipped(display, "over --max-file-size and not an archive");
    }
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let budget = Budget {
        limits: Limits {
            max_member,
            ..Limits::default()
        },
        expanded: Arc::default(),
    };
    scanner.count_bytes(len);
    with_sink(scanner, |sink| {
        open(
            display,
            io::BufReader::new(file),
            len,
            scanner,
            1,
            &budget,
            sink,
        )
    });
}

fn read_head(r: &mut dyn Read, head: &mut [u8]) -> usize {
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// True when `path` names an archive (used to stream big ones from disk).
pub fn is_archive_name(path: &Path) -> bool {
    let n = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".zip", ".tar", ".tgz", ".gz", ".jar"]
        .iter()
        .any(|e| n.ends_with(e))
}

fn open<R: Read + Seek>(
    display: &str,
    mut r: R,
    len: u64,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    let mut head = [0u8; 512];
    let n = read_head(&mut r, &mut head);
    if r.rewind().is_err() {
        return scanner.error(display, "cannot rewind archive");
    }
    match kind(&head[..n]) {
        Some(Kind::Zip) => zip(display, r, len, scanner, depth, budget, sink),
        Some(Kind::Tar) => tar(display, r, scanner, depth, budget, &|| len, sink),
        Some(Kind::Gzip) => gzip(display, r, scanner, depth, budget, sink),
        None => scanner.error(display, "not a recognised archive"),
    }
}

fn zip<R: Read + Seek>(
    display: &str,
    r: R,
    len: u64,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    let consumed = Arc::new(AtomicU64::new(0));
    let mut r = Counting {
        inner: r,
        n: consumed.clone(),
    };
    let mut archive = match zip::ZipArchive::new(&mut r) {
        Ok(a) => a,
        Err(e) => {
            scanner.error(
                display,
                format!("unreadable zip ({e}); salvaging members from the local headers"),
            );
            return zip_stream(display, r, &consumed, len, scanner, depth, budget, sink);
        }
    };
    let count = archive.len();
    if count > budget.limits.max_entries {
        scanner.error(
            display,
            format!(
                "{count} members, over the limit of {}; only the first ones were scanned",
                budget.limits.max_entries
            ),
        );
    }
    let mut ahead = read_ahead(display, &mut archive, &consumed, scanner, budget);
    for i in 0..count.min(budget.limits.max_entries) {
        if let Some((name, data)) = ahead.remove(&i) {
            let shown = format!("{display}!{name}");
            if !sink.member(shown, name, Ok(data), depth, budget) {
                return;
            }
            continue;
        }
        let (name, encrypted, is_dir) = match archive.by_index_raw(i) {
            Ok(f) => (f.name().to_string(), f.encrypted(), f.is_dir()),
            Err(e) => {
                scanner.error(display, format!("member {i}: {e}"));
                continue;
            }
        };
        let shown = format!("{display}!{name}");
        if is_dir {
            continue;
        }
        if encrypted {
            scanner.error(shown, "encrypted archive member: not scanned");
            continue;
        }
        let start = consumed.load(Ordering::Relaxed);
        let mut f = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                scanner.error(shown, format!("cannot read member: {e}"));
                continue;
            }
        };
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        drop(f);
        if !sink.member(shown, name, data, depth, budget) {
            return;
        }
    }
}

/// Reads the members the export readers want before the others
/// ([`exports::reads_ahead`](super::exports::reads_ahead): a Slack export's
/// `users.json`, for the names in every day file), hands them to the readers,
/// and returns them by index so the member loop scans them without reading
/// them again. Members it cannot read are left to the loop, which reports them.
fn read_ahead<R: Read + Seek>(
    display: &str,
    archive: &mut zip::ZipArchive<R>,
    consumed: &AtomicU64,
    scanner: &Scanner,
    budget: &Budget,
) -> std::collections::HashMap<usize, (String, Vec<u8>)> {
    let mut out = std::collections::HashMap::new();
    let wanted: Vec<String> = archive
        .file_names()
        .filter(|n| super::exports::reads_ahead(n))
        .map(str::to_string)
        .collect();
    for name in wanted {
        let Some(i) = archive.index_for_name(&name) else {
            continue;
        };
        let plain = archive
            .by_index_raw(i)
            .is_ok_and(|f| !f.encrypted() && !f.is_dir());
        if i >= budget.limits.max_entries || !plain {
            continue;
        }
        let start = consumed.load(Ordering::Relaxed);
        let Ok(mut f) = archive.by_index(i) else {
            continue;
        };
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        if let Ok(data) = data {
            super::exports::read_ahead(&format!("{display}!{name}"), &data, scanner);
            out.insert(i, (name, data));
        }
    }
    out
}

/// Reads members of a zip whose central directory is missing (truncated or
/// damaged) from their local headers, until the first broken one.
#[allow(clippy::too_many_arguments)]
fn zip_stream<R: Read + Seek>(
    display: &str,
    mut r: R,
    consumed: &AtomicU64,
    _len: u64,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    if r.rewind().is_err() {
        return;
    }
    for _ in 0..budget.limits.max_entries {
        // The zip crate refuses encrypted members in this mode: step over them.
        match skip_encrypted_local(&mut r) {
            Ok(None) => {}
            Ok(Some((name, true))) => {
                scanner.error(
                    format!("{display}!{name}"),
                    "encrypted archive member: not scanned",
                );
                continue;
            }
            Ok(Some((name, false))) => {
                scanner.error(
                    format!("{display}!{name}"),
                    "encrypted archive member of unknown size: it and the rest of this damaged zip were not scanned",
                );
                return;
            }
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged member: {e}"));
                return;
            }
        }
        let start = consumed.load(Ordering::Relaxed);
        let mut f = match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(f)) => f,
            Ok(None) => return,
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged member: {e}"));
                return;
            }
        };
        let name = f.name().to_string();
        let shown = format!("{display}!{name}");
        if f.is_dir() {
            continue;
        }
        if f.encrypted() {
            scanner.error(shown, "encrypted archive member: not scanned");
            continue;
        }
        let data = read_member(&mut f, budget, &|| {
            consumed.load(Ordering::Relaxed).saturating_sub(start)
        });
        // A member cut short by the truncation is an I/O error: stop there.
        let broken = matches!(data, Err(Stop::Io(_)));
        if !sink.member(shown, name, data, depth, budget) || broken {
            return;
        }
    }
}

/// When the local header at the reader's position is an encrypted member,
/// reads its name and, if its compressed size is in the header (no data
/// descriptor), seeks past it: `Some((name, skipped))`. Otherwise leaves the
/// position unchanged and returns `None`.
fn skip_encrypted_local<R: Read + Seek>(r: &mut R) -> io::Result<Option<(String, bool)>> {
    let pos = r.stream_position()?;
    let mut h = [0u8; 30];
    if r.read_exact(&mut h).is_err() || &h[..4] != b"PK\x03\x04" || h[6] & 1 == 0 {
        r.seek(io::SeekFrom::Start(pos))?;
        return Ok(None);
    }
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]) as u64;
    let csize = u32::from_le_bytes([h[18], h[19], h[20], h[21]]) as u64;
    let mut name = vec![0u8; u16_at(26) as usize];
    r.read_exact(&mut name)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    // Bit 3: sizes come after the data, so where it ends is unknown.
    if h[6] & 8 != 0 {
        return Ok(Some((name, false)));
    }
    r.seek(io::SeekFrom::Current((u16_at(28) + csize) as i64))?;
    Ok(Some((name, true)))
}

fn tar<R: Read>(
    display: &str,
    r: R,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    compressed: &dyn Fn() -> u64,
    sink: &Sink,
) {
    let mut archive = tar::Archive::new(r);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return scanner.error(display, format!("unreadable tar: {e}")),
    };
    for (i, entry) in entries.enumerate() {
        if i >= budget.limits.max_entries {
            scanner.error(
                display,
                format!(
                    "over {} members; the rest was not scanned",
                    budget.limits.max_entries
                ),
            );
            return;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                scanner.error(display, format!("stopped at a damaged tar entry: {e}"));
                return;
            }
        };
        let kind = entry.header().entry_type();
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let shown = format!("{display}!{name}");
        if kind.is_symlink() || kind.is_hard_link() {
            // A link holds no bytes of its own; its target is never opened
            // (it may point outside the archive, e.g. at /etc/passwd).
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            let what = if kind.is_symlink() {
                "symlink"
            } else {
                "hard link"
            };
            scanner.skipped(
                shown,
                format!("{what} member -> {target}: not followed (a link has no content)"),
            );
            continue;
        }
        // Sparse files hold data (the tar crate fills the holes); devices,
        // FIFOs and directories hold none.
        if !kind.is_file() && !kind.is_gnu_sparse() {
            continue;
        }
        let declared = entry.size();
        let mut data = read_member(&mut entry, budget, compressed);
        // The tar reader ends a member quietly at the end of a cut file.
        if let Ok(d) = &data {
            if kind.is_file() && (d.len() as u64) < declared {
                let msg = format!("member cut short: {} of {declared} bytes", d.len());
                data = Err(Stop::Io(io::Error::new(io::ErrorKind::UnexpectedEof, msg)));
            }
        }
        if !sink.member(shown, name, data, depth, budget) {
            return;
        }
    }
}

fn gzip<R: Read>(
    display: &str,
    r: R,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
    sink: &Sink,
) {
    let consumed = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: r,
        n: consumed.clone(),
    };
    let mut dec = MultiGzDecoder::new(counting);
    let mut head = vec![0u8; 512];
    let n = read_head(&mut dec, &mut head);
    head.truncate(n);
    let compressed = || consumed.load(Ordering::Relaxed);
    let chained = Cursor::new(head.clone()).chain(dec);
    if kind(&head) == Some(Kind::Tar) {
        return tar(display, chained, scanner, depth, budget, &compressed, sink);
    }
    // A single gzipped file: `x.json.gz` holds `x.json`.
    let inner = super::exports::file_name(display);
    let inner = inner
        .strip_suffix(".gz")
        .or_else(|| inner.strip_suffix(".tgz"))
        .unwrap_or(inner)
        .to_string();
    let shown = format!("{display}!{inner}");
    let mut chained = chained;
    let data = read_member(&mut chained, budget, &compressed);
    sink.member(shown, inner, data, depth, budget);
}

/// Where members read from an archive go: scanned on the reading thread, or
/// handed to the rayon pool so a big export zip uses every core while one
/// thread inflates it.
enum Sink<'a, 's, 'e> {
    Inline(&'s Scanner<'e>),
    Pool {
        scanner: &'s Scanner<'e>,
        scope: &'a rayon::Scope<'s>,
        /// Free slots: members in flight are bounded (memory), and when none is
        /// free the reading thread scans the member itself (never blocks).
        slots: crossbeam_channel::Sender<()>,
        taken: crossbeam_channel::Receiver<()>,
    },
}

/// Runs `f` with a sink for a top-level archive: the rayon pool when the caller is
/// not on it already (nested archives and pool callers scan inline).
fn with_sink(scanner: &Scanner, f: impl FnOnce(&Sink) + Send) {
    let threads = rayon::current_num_threads();
    if threads < 2 || rayon::current_thread_index().is_some() {
        return f(&Sink::Inline(scanner));
    }
    let (slots, taken) = crossbeam_channel::bounded(2 * threads);
    rayon::scope(|scope| {
        f(&Sink::Pool {
            scanner,
            scope,
            slots,
            taken,
        })
    });
}

impl Sink<'_, '_, '_> {
    /// Scans one member (or reports why it was not read); false stops the archive.
    fn member(
        &self,
        shown: String,
        name: String,
        data: Result<Vec<u8>, Stop>,
        depth: usize,
        budget: &Budget,
    ) -> bool {
        match self {
            Sink::Pool {
                scanner,
                scope,
                slots,
                taken,
            } if data.is_ok() && slots.try_send(()).is_ok() => {
                let (taken, budget, scanner) = (taken.clone(), budget.clone(), *scanner);
                scope.spawn(move |_| {
                    handle(&shown, &name, data, scanner, depth, &budget);
                    let _ = taken.recv();
                });
                true
            }
            Sink::Pool { scanner, .. } | Sink::Inline(scanner) => {
                handle(&shown, &name, data, scanner, depth, budget)
            }
        }
    }
}

/// Scans one member read (or not) from an archive. Returns false when the whole
/// archive must stop (a bomb limit).
fn handle(
    shown: &str,
    name: &str,
    data: Result<Vec<u8>, Stop>,
    scanner: &Scanner,
    depth: usize,
    budget: &Budget,
) -> bool {
    if escapes(name) {
        scanner.skipped(
            shown,
            "note: member name escapes the archive (path traversal); scanned in memory, never extracted",
        );
    }
    let data = match data {
        Ok(d) => d,
        Err(Stop::TooLarge) => {
            scanner.skipped(
                shown,
                format!(
                    "archive member over {} bytes (--max-file-size)",
                    budget.limits.max_member
                ),
            );
            return true;
        }
        Err(Stop::Bomb(msg)) => {
            scanner.error(shown, msg);
            return false;
        }
        Err(Stop::Io(e)) => {
            scanner.error(shown, format!("cannot read archive member: {e}"));
            return true;
        }
    };
    if kind(&data).is_some() && !super::ci_zip::is_actions_log_archive(&data) {
        if depth >= MAX_DEPTH {
            scanner.error(
                shown,
                format!("archive nested deeper than {MAX_DEPTH} levels: not opened"),
            );
            return true;
        }
        let sink = Sink::Inline(scanner);
        let len = data.len() as u64;
        open(
            shown,
            Cursor::new(&data[..]),
            len,
            scanner,
            depth + 1,
            budget,
            &sink,
        );
        return true;
    }
    if memchr::memchr(0, &data[..data.len().min(8192)]).is_some() {
        scanner.skipped(shown, "binary archive member");
        return true;
    }
    // Routed like a file read from disk: CI logs, exports, or plain text.
    let provenance = Provenance::ArchiveMember {
        path: shown.to_string(),
    };
    super::content::scan_file_content(Path::new(name), &provenance, &data, scanner);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_names() {
        assert!(escapes("../../etc/passwd"));
        assert!(escapes("/abs"));
        assert!(escapes("a/../../b"));
        assert!(!escapes("a/b..c/d"));
    }

    /// Scans `bytes` as `t.zip` within `limits`; returns the (path, message)
    /// errors, the skipped paths and the number of findings.
    fn run(bytes: &[u8], limits: Limits) -> (Vec<(String, String)>, Vec<String>, usize) {
        use crate::engine::Engine;
        use crate::finding::Event;
        use crate::pipeline::{events, Pipeline};
        use crate::rules::RuleSet;
        let pipeline = Pipeline::of(Engine::new(&RuleSet::builtin().unwrap()).unwrap());
        let evs = events(&pipeline, |s| {
            scan_bytes_within("t.zip", bytes, s, 0, limits)
        });
        let (mut errors, mut skipped, mut found) = (Vec::new(), Vec::new(), 0);
        for e in evs {
            match e {
                Event::Error(e) => errors.push((e.path, e.message)),
                Event::Skipped(s) => skipped.push(s.path),
                Event::Finding(_) | Event::Suppressed(..) => found += 1,
                Event::Note(_) => {}
            }
        }
        (errors, skipped, found)
    }

    fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Pseudo-random text: compresses about 1.3:1, far under any ratio limit.
    fn noise(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b'a' + (x % 26) as u8
            })
            .collect()
    }

    #[test]
    fn total_expanded_limit_stops_the_archive_and_names_the_member() {
        let members: Vec<(String, Vec<u8>)> = (0..6)
            .map(|i| (format!("m{i}.txt"), noise(300 << 10, i)))
            .collect();
        let refs: Vec<(&str, Vec<u8>)> = members
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        let limits = Limits {
            max_total: 1 << 20,
            ..Limits::default()
        };
        let (errors, _, _) = run(&zip_of(&refs), limits);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "t.zip!m3.txt");
        assert!(errors[0].1.contains("in total (limit)"), "{errors:?}");
        // Within the default limits the same archive is fine.
        let (errors, _, _) = run(&zip_of(&refs), Limits::default());
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn ratio_is_checked_on_the_bytes_consumed_so_far() {
        // 32 MiB of zeros deflate to ~32 KiB, and the whole member's ratio would
        // only show past 8 MB (250 x 32 KiB): measured on the bytes consumed so
        // far, it trips first, so the bomb is an error, not a skipped big file.
        let limits = Limits {
            max_member: 4 << 20,
            ..Limits::default()
        };
        let (errors, skipped, _) = run(&zip_of(&[("z.txt", vec![0u8; 32 << 20])]), limits);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "t.zip!z.txt");
        assert!(errors[0].1.contains("decompression bomb"), "{errors:?}");
        assert!(skipped.is_empty(), "{skipped:?}");
    }

    #[test]
    fn member_count_limit_is_reported() {
        let members: Vec<(String, Vec<u8>)> = (0..5)
            .map(|i| (format!("f{i}.txt"), b"x\n".to_vec()))
            .collect();
        let refs: Vec<(&str, Vec<u8>)> = members
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        let limits = Limits {
            max_entries: 3,
            ..Limits::default()
        };
        let (errors, _, _) = run(&zip_of(&refs), limits);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].1.contains("5 members, over the limit of 3"),
            "{errors:?}"
        );
    }

    #[test]
    fn magic() {
        assert_eq!(kind(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(kind(b"\x1f\x8b\x08"), Some(Kind::Gzip));
        assert_eq!(kind(b"plain"), None);
    }
}
