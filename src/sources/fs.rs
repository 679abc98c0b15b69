//! The filesystem source: files and directory trees, walked in parallel with the
//! `ignore` crate (honouring `.gitignore`/`.ignore` unless `--no-ignore`).

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{WalkBuilder, WalkState};

use crate::finding::Provenance;
use crate::pipeline::Scanner;

/// How the filesystem is walked and which files are read.
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// Scan everything: ignore `.gitignore`, `.ignore` and friends.
    pub no_ignore: bool,
    /// Scan files that look binary (a NUL byte near the start).
    pub scan_binary: bool,
    /// Files larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Worker threads for walking and scanning.
    pub threads: usize,
}

/// How far into a file we look for a NUL byte to call it binary (like git and ripgrep).
const BINARY_SNIFF: usize = 8192;

thread_local! {
    /// One read buffer per worker thread, reused across files.
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Display form of a path for reports. A name that is not UTF-8 keeps every byte
/// visible: invalid bytes are written `\xNN` and backslashes `\\` (so two such
/// names never look the same); the exact bytes go in the report's `path_bytes`.
pub fn display_path(p: &Path) -> String {
    let s = match raw_bytes(p) {
        Some(raw) => escape_non_utf8(raw),
        None => p.to_string_lossy().into_owned(),
    };
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// The bytes of a path whose name is not valid UTF-8 (`None` when it is).
pub fn raw_bytes(p: &Path) -> Option<&[u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = p.as_os_str().as_bytes();
        let b = b.strip_prefix(b"./").unwrap_or(b);
        std::str::from_utf8(b).is_err().then_some(b)
    }
    #[cfg(not(unix))]
    {
        // Windows names are UTF-16: unpaired surrogates show as U+FFFD.
        let _ = p;
        None
    }
}

/// `\xNN` for each byte that is not part of valid UTF-8, `\\` for a backslash.
fn escape_non_utf8(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Names a file that is not regular or a directory (FIFO, socket, device), for
/// the note that says it was not read.
fn special_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        } else if t.is_socket() {
            return "a socket";
        } else if t.is_char_device() {
            return "a character device";
        } else if t.is_block_device() {
            return "a block device";
        }
    }
    let _ = t;
    "not a regular file"
}

/// Reports a path that is not a regular file or a directory: never opened, as
/// reading a FIFO or a device can block forever or never end. Named on the
/// command line it is an error (what was asked for was not scanned); met in a
/// walked tree it is skipped with a note.
fn not_regular(path: &Path, kind: &str, explicit: bool, scanner: &Scanner) {
    let shown = display_path(path);
    scanner.note_raw_path(&shown, raw_bytes(path));
    if explicit {
        scanner.error(
            shown,
            format!("{kind}, not read (it could block); pipe it into `tokenhound scan -` instead"),
        );
    } else {
        scanner.skipped(shown, format!("{kind}: not read"));
    }
}

/// Walks and scans `paths` (files or directories). Missing paths and unreadable
/// files are reported as errors; the rest of the scan goes on.
pub fn scan_paths(paths: &[PathBuf], scanner: &Scanner, opts: &FsOptions) {
    let mut roots = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(_) => {
                // A root symlink to a directory is walked too: follow it here.
                let is_dir = std::fs::metadata(p).is_ok_and(|m| m.is_dir());
                let blocked = (!opts.no_ignore && is_dir)
                    .then(|| {
                        // Ignore files of the root and (with parents on) of every ancestor.
                        let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                        abs.ancestors().find_map(blocking_ignore_file)
                    })
                    .flatten();
                match blocked {
                    Some(f) => report_blocked_dir(p, &f, scanner),
                    None => roots.push(p.clone()),
                }
            }
            Err(e) => {
                let shown = display_path(p);
                scanner.note_raw_path(&shown, raw_bytes(p));
                scanner.error(shown, format!("cannot scan: {e}"))
            }
        }
    }
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut wb = WalkBuilder::new(first);
    for r in rest {
        wb.add(r);
    }
    // Directories left out because an ignore file in them is a FIFO or device
    // (the walker would block reading it); reported once the walk is done.
    let blocked: Arc<Mutex<Vec<(PathBuf, PathBuf)>>> = Arc::default();
    let blocked_in_walk = blocked.clone();
    let check_ignore_files = !opts.no_ignore;
    wb.hidden(false) // .env, .npmrc, .github/ hold secrets too
        .parents(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads)
        // git internals are scanned by `tokenhound git`, never as plain files.
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if check_ignore_files && e.file_type().is_some_and(|t| t.is_dir()) {
                if let Some(f) = blocking_ignore_file(e.path()) {
                    let mut b = blocked_in_walk.lock().unwrap_or_else(|e| e.into_inner());
                    b.push((e.path().to_path_buf(), f));
                    return false;
                }
            }
            true
        });
    wb.build_parallel().run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(entry) => match entry.file_type() {
                    Some(t) if t.is_file() => scan_file(entry.path(), scanner, opts),
                    // Symlinks are not followed (documented); directories are walked.
                    Some(t) if t.is_dir() || t.is_symlink() => {}
                    Some(t) => {
                        not_regular(entry.path(), special_kind(t), entry.depth() == 0, scanner)
                    }
                    None => {}
                },
                Err(err) => {
                    let path = match error_path(&err) {
                        Some(path) => {
                            let shown = display_path(path);
                            scanner.note_raw_path(&shown, raw_bytes(path));
                            shown
                        }
                        None => String::new(),
                    };
                    scanner.error(path, format!("cannot walk: {}", error_cause(&err)));
                }
            }
            WalkState::Continue
        })
    });
    let blocked = std::mem::take(&mut *blocked.lock().unwrap_or_else(|e| e.into_inner()));
    for (dir, file) in blocked {
        report_blocked_dir(&dir, &file, scanner);
    }
}

/// The path a walk error is about, however deep the walker wrapped it.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// A walk error without the path it is about (reported beside it already: a
/// path past PATH_MAX is long enough to print once).
fn error_cause(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_cause(err)
        }
        other => other.to_string(),
    }
}

/// Files the walker reads in a directory to honour ignore rules.
const IGNORE_FILES: [&str; 5] = [
    ".ignore",
    ".gitignore",
    ".git",
    ".git/info/exclude",
    ".git/commondir",
];

/// An ignore file of `dir` that is a FIFO, socket or device: the walker would
/// block forever opening or reading it.
fn blocking_ignore_file(dir: &Path) -> Option<PathBuf> {
    IGNORE_FILES.iter().find_map(|name| {
        let p = dir.join(name);
        let m = std::fs::metadata(&p).ok()?;
        (!m.is_file() && !m.is_dir()).then_some(p)
    })
}

/// A directory not walked because one of its ignore files could block: an error,
/// as its files were not scanned.
fn report_blocked_dir(dir: &Path, file: &Path, scanner: &Scanner) {
    let shown = display_path(dir);
    scanner.note_raw_path(&shown, raw_bytes(dir));
    let kind = std::fs::metadata(file)
        .map(|m| special_kind(m.file_type()))
        .unwrap_or("not a regular file");
    scanner.error(
        shown,
        format!(
            "directory not scanned: its ignore file {} is {kind} (reading it could block); \
             rescan with --no-ignore",
            display_path(file)
        ),
    );
}

/// Opens for reading without blocking: a path swapped for a FIFO after it was
/// listed would otherwise block `open` until a writer appears.
fn open_no_block(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK changes nothing for regular files.
        o.custom_flags(libc::O_NONBLOCK);
    }
    o.open(path)
}

/// Reads one file once and scans it.
pub fn scan_file(path: &Path, scanner: &Scanner, opts: &FsOptions) {
    let shown = display_path(path);
    scanner.note_raw_path(&shown, raw_bytes(path));
    let mut file = match open_no_block(path) {
        Ok(f) => f,
        Err(e) => return scanner.error(shown, format!("cannot open: {e}")),
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(e) => return scanner.error(shown, format!("cannot stat: {e}")),
    };
    if !meta.is_file() {
        // Replaced by a FIFO or device between listing and opening.
        return not_regular(path, special_kind(meta.file_type()), false, scanner);
    }
    let len = meta.len();
    if len > opts.max_file_size && super::archive::is_archive_name(path) {
        // Big archives are streamed member by member, never read whole.
        return super::archive::scan_path(path, &shown, scanner, opts.max_file_size);
    }
    if len > opts.max_file_size {
        return scanner.skipped(
            shown,
            format!(
                "{len} bytes is over --max-file-size ({} bytes)",
                opts.max_file_size
            ),
        );
    }
    BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        // The file may grow after stat: never read more than the limit allows.
        if let Err(e) = (&mut file)
            .take(opts.max_file_size + 1)
            .read_to_end(&mut buf)
        {
            return scanner.error(shown, format!("cannot read: {e}"));
        }
        if buf.len() as u64 > opts.max_file_size {
            return scanner.skipped(
                shown,
                format!(
                    "grew over --max-file-size ({} bytes) while being read",
                    opts.max_file_size
                ),
            );
        }
        if !opts.scan_binary
            && memchr::memchr(0, &buf[..buf.len().min(BINARY_SNIFF)]).is_some()
            && !super::content::has_binary_reader(&buf)
        {
            return scanner.skipped(shown, "binary file (use --scan-binary to scan it)");
        }
        super::content::scan_file_content(path, &Provenance::File { path: shown }, &buf, scanner);
        // Do not keep a huge buffer alive in every thread after one big file.
        if buf.capacity() > 16 << 20 {
            *buf = Vec::new();
        }
    });
}
