//! The filesystem source: files and directory trees, walked in parallel with the
//! `ignore` crate (honouring `.gitignore`/`.ignore` unless `--no-ignore`).

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};

use crate::finding::Provenance;
use crate::scan::Scanner;

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

/// Display form of a path for reports.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./")
        .map(str::to_owned)
        .unwrap_or_else(|| s.into_owned())
}

/// Walks and scans `paths` (files or directories). Missing paths and unreadable
/// files are reported as errors; the rest of the scan goes on.
pub fn scan_paths(paths: &[PathBuf], scanner: &Scanner, opts: &FsOptions) {
    let mut roots = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Ok(_) => roots.push(p.clone()),
            Err(e) => scanner.error(display_path(p), format!("cannot scan: {e}")),
        }
    }
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut wb = WalkBuilder::new(first);
    for r in rest {
        wb.add(r);
    }
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
        .filter_entry(|e| e.file_name() != ".git");
    wb.build_parallel().run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    if is_file {
                        scan_file(entry.path(), scanner, opts);
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => display_path(path),
                        _ => String::new(),
                    };
                    scanner.error(path, format!("cannot walk: {err}"));
                }
            }
            WalkState::Continue
        })
    });
}

/// Reads one file once and scans it.
pub fn scan_file(path: &Path, scanner: &Scanner, opts: &FsOptions) {
    let shown = display_path(path);
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return scanner.error(shown, format!("cannot open: {e}")),
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return scanner.error(shown, format!("cannot stat: {e}")),
    };
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
