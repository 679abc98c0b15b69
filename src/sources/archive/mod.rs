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

mod tarball;
mod zipfile;

use crate::finding::Provenance;
use crate::pipeline::Scanner;
use tarball::{gzip, tar};
use zipfile::zip;

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
    if memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
        && !super::content::has_binary_reader(&data)
    {
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
