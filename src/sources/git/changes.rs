//! What the next commit would add: the index (`--staged`) or the working tree
//! (`--working-tree`, staged + unstaged + untracked) against HEAD, diffed in
//! process by libgit2 (no git subprocess). Only added and changed lines are
//! reported: a line whose exact text is already in the file at HEAD is old
//! news (history scans report it), even if it moved.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Oid, Repository};
use serde::Serialize;

use super::{is_lfs_pointer, looks_binary, open, GitContext};
use crate::decode::utf16;
use crate::finding::{GitUser, Provenance};
use crate::pipeline::{Blob, Hints, Scanner};

/// Which uncommitted changes are scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeScope {
    /// The index against HEAD: what `git commit` would record.
    Staged,
    /// The working tree against HEAD, untracked files included.
    WorkingTree,
}

impl ChangeScope {
    /// The `source` of findings made here.
    pub fn source(self) -> &'static str {
        match self {
            ChangeScope::Staged => "staged",
            ChangeScope::WorkingTree => "working-tree",
        }
    }
}

/// How changed files are read.
#[derive(Debug, Clone)]
pub struct ChangeOptions {
    pub scope: ChangeScope,
    pub max_file_size: u64,
    pub scan_binary: bool,
}

/// The `stats.git` object of a staged or working-tree scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeStats {
    pub mode: &'static str,
    pub repository: String,
    /// Added, modified, renamed, copied or untracked files looked at.
    pub files_changed: u64,
    pub lines_added: u64,
}

/// A changed file's new content and the byte ranges of its added lines.
struct ChangedFile {
    path: String,
    content: Vec<u8>,
    /// The text of a UTF-16 file, which `added` then indexes.
    utf16: Option<utf16::Decoded>,
    added: Vec<(usize, usize)>,
}

/// What could not be read, reported once a scanner exists.
enum Note {
    Error(String, String),
    Skipped(String, String),
}

/// The changes, read and diffed: everything but the matching. Collected apart
/// from the scan so the hook can diff while the rules compile.
pub struct ChangeSet {
    stats: ChangeStats,
    source: &'static str,
    /// Who the next commit would name as its author: the leaker of what it adds.
    author: Option<GitUser>,
    files: Vec<ChangedFile>,
    notes: Vec<Note>,
}

/// Scans the added and changed lines of the staged (or working-tree) changes.
pub fn scan_changes(path: &Path, scanner: &Scanner, opts: &ChangeOptions) -> Result<ChangeStats> {
    Ok(scan_change_set(collect_changes(path, opts)?, scanner))
}

/// Reports what [`collect_changes`] found: matches on added lines only.
pub fn scan_change_set(set: ChangeSet, scanner: &Scanner) -> ChangeStats {
    for note in set.notes {
        match note {
            Note::Error(path, msg) => scanner.error(path, msg),
            Note::Skipped(path, why) => scanner.skipped(path, why),
        }
    }
    for f in set.files {
        let provenance = Provenance::GitChange {
            path: f.path,
            stage: set.source,
            author: set.author.clone().map(Box::new),
        };
        match &f.utf16 {
            Some(text) => scanner.in_utf16(text, |s| {
                scan_added(s, &text.text, &f.added, provenance);
            }),
            None => scan_added(scanner, &f.content, &f.added, provenance),
        }
    }
    set.stats
}

/// Diffs HEAD against the index or the working tree and reads every added,
/// modified, renamed, copied or untracked file once.
pub fn collect_changes(path: &Path, opts: &ChangeOptions) -> Result<ChangeSet> {
    let repo = open(path)?;
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        bail!(
            "{} is a bare repository: it has no index or working tree to scan",
            path.display()
        );
    };
    let mut set = ChangeSet {
        stats: ChangeStats {
            mode: opts.scope.source(),
            repository: workdir.display().to_string(),
            ..Default::default()
        },
        source: opts.scope.source(),
        author: next_author(&repo),
        files: Vec::new(),
        notes: Vec::new(),
    };
    // An unborn HEAD (first commit): everything in the index is new.
    let head_tree = repo.head().ok().and_then(|h| h.peel_to_tree().ok());
    let mut dopts = DiffOptions::new();
    dopts.ignore_submodules(true).include_typechange(true);
    let mut diff = match opts.scope {
        ChangeScope::Staged => {
            let index = staged_index(&repo)?;
            repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut dopts))
        }
        ChangeScope::WorkingTree => {
            dopts.include_untracked(true).recurse_untracked_dirs(true);
            repo.diff_tree_to_workdir_with_index(head_tree.as_ref(), Some(&mut dopts))
        }
    }
    .git_context(|| "comparing with HEAD".into())?;
    let mut find = DiffFindOptions::new();
    find.renames(true).for_untracked(true);
    diff.find_similar(Some(&mut find))
        .git_context(|| "finding renames".into())?;

    let odb = repo
        .odb()
        .git_context(|| "opening the object database".into())?;
    for delta in diff.deltas() {
        match delta.status() {
            Delta::Added
            | Delta::Modified
            | Delta::Renamed
            | Delta::Copied
            | Delta::Untracked
            | Delta::Typechange => {}
            _ => continue,
        }
        let new = delta.new_file();
        if matches!(new.mode(), FileMode::Commit | FileMode::Link) {
            continue;
        }
        let Some(rel) = new.path() else { continue };
        let shown = rel.to_string_lossy().into_owned();
        let new_bytes = match opts.scope {
            ChangeScope::Staged => read_blob(&repo, &odb, new.id(), opts),
            ChangeScope::WorkingTree => read_file(&workdir.join(rel), opts),
        };
        let new_bytes = match new_bytes {
            Ok(Some(b)) => b,
            Ok(None) => {
                let why = format!("over --max-file-size ({} bytes)", opts.max_file_size);
                set.notes.push(Note::Skipped(shown, why));
                continue;
            }
            Err(e) => {
                set.notes.push(Note::Error(shown, format!("{e:#}")));
                continue;
            }
        };
        let old = delta.old_file();
        let old_bytes =
            if old.id().is_zero() || matches!(delta.status(), Delta::Added | Delta::Untracked) {
                None
            } else {
                // Too large or unreadable old side: every line counts as added.
                read_blob(&repo, &odb, old.id(), opts).ok().flatten()
            };
        set.stats.files_changed += 1;
        if is_lfs_pointer(&new_bytes) {
            continue;
        }
        let new_text = utf16::decode(&new_bytes);
        if !opts.scan_binary && looks_binary(&new_bytes) && new_text.is_none() {
            set.notes.push(Note::Skipped(
                shown,
                "binary file (use --scan-binary to scan it)".into(),
            ));
            continue;
        }
        // UTF-16 files are compared and scanned as text.
        let old_text = old_bytes.as_deref().and_then(utf16::decode);
        let old_lines = old_text
            .as_ref()
            .map(|t| &t.text[..])
            .or(old_bytes.as_deref());
        let new_lines = new_text.as_ref().map_or(&new_bytes[..], |t| &t.text[..]);
        let added = added_lines(old_lines, new_lines);
        set.stats.lines_added += added
            .iter()
            .map(|&(a, b)| memchr::memchr_iter(b'\n', &new_lines[a..b]).count().max(1) as u64)
            .sum::<u64>();
        set.files.push(ChangedFile {
            path: shown,
            content: new_bytes,
            utf16: new_text,
            added,
        });
    }
    Ok(set)
}

/// Who `git commit` would name as the author: `GIT_AUTHOR_NAME` and
/// `GIT_AUTHOR_EMAIL` when set (git exports them to hooks for `--author` and
/// amends), else `user.name` and `user.email` of the repository's config.
fn next_author(repo: &Repository) -> Option<GitUser> {
    let config = repo.config().ok();
    let pick = |env: &str, key: &str| {
        std::env::var(env)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| config.as_ref()?.get_string(key).ok())
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let user = GitUser {
        name: pick("GIT_AUTHOR_NAME", "user.name"),
        email: pick("GIT_AUTHOR_EMAIL", "user.email"),
    };
    (!user.name.is_empty() || !user.email.is_empty()).then_some(user)
}

/// The index the next commit is made from: git points hooks at a temporary one
/// with `GIT_INDEX_FILE` for `git commit -a` or `git commit PATH`.
fn staged_index(repo: &Repository) -> Result<git2::Index> {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = std::path::PathBuf::from(p);
            // Relative to where git runs hooks: the top of the work tree.
            let p = if p.is_relative() {
                repo.workdir().map(|w| w.join(&p)).unwrap_or(p)
            } else {
                p
            };
            git2::Index::open(&p)
                .git_context(|| format!("reading the index {} (GIT_INDEX_FILE)", p.display()))
        }
        None => repo.index().git_context(|| "reading the index".into()),
    }
}

/// A blob's content, `None` when over the size limit.
fn read_blob(
    repo: &Repository,
    odb: &git2::Odb,
    id: Oid,
    opts: &ChangeOptions,
) -> Result<Option<Vec<u8>>> {
    let (size, _) = odb
        .read_header(id)
        .git_context(|| format!("missing or corrupt blob {id}"))?;
    if size as u64 > opts.max_file_size {
        return Ok(None);
    }
    let blob = repo
        .find_blob(id)
        .git_context(|| format!("missing or corrupt blob {id}"))?;
    Ok(Some(blob.content().to_vec()))
}

/// A working-tree file's content, `None` when over the size limit.
fn read_file(path: &Path, opts: &ChangeOptions) -> Result<Option<Vec<u8>>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot stat {}", path.display()))?;
    if meta.len() > opts.max_file_size {
        return Ok(None);
    }
    std::fs::read(path)
        .map(Some)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Byte ranges of the lines of `new` whose text is not a line of `old`
/// (adjacent lines merged).
pub fn added_lines(old: Option<&[u8]>, new: &[u8]) -> Vec<(usize, usize)> {
    let strip = |l: &'_ [u8]| -> Vec<u8> { l.strip_suffix(b"\r").unwrap_or(l).to_vec() };
    let old_lines: HashSet<Vec<u8>> = old
        .map(|o| o.split(|&b| b == b'\n').map(strip).collect())
        .unwrap_or_default();
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < new.len() {
        let end = memchr::memchr(b'\n', &new[start..]).map_or(new.len(), |i| start + i + 1);
        let line = &new[start..end];
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !old_lines.contains(text) {
            match out.last_mut() {
                Some(last) if last.1 == start => last.1 = end,
                _ => out.push((start, end)),
            }
        }
        start = end;
    }
    out
}

/// Scans a changed file and reports only secrets that touch an added line
/// (line and column stay those of the whole file).
fn scan_added(scanner: &Scanner, blob: &[u8], added: &[(usize, usize)], provenance: Provenance) {
    if added.is_empty() {
        scanner.count_input(blob.len() as u64);
        return;
    }
    let touches_added = |start: usize, end: usize| {
        // The first added range ending after the secret's start.
        let i = added.partition_point(|r| r.1 <= start);
        added.get(i).is_some_and(|r| r.0 < end.max(start + 1))
    };
    let hints = Hints {
        keep: Some(&touches_added),
        ..Hints::default()
    };
    scanner.scan_blob(&Blob::new(blob, &provenance).with_hints(hints));
}

#[cfg(test)]
mod tests {
    use super::added_lines;

    #[test]
    fn only_new_lines_are_added() {
        let old = b"a\nb\nc\n";
        let new = b"a\nb2\nc\nd\n";
        assert_eq!(added_lines(Some(old), new), vec![(2, 5), (7, 9)]);
        // A moved line is not new; CRLF and LF versions of a line are the same line.
        assert!(added_lines(Some(b"x\r\ny\n"), b"y\nx\n").is_empty());
        assert_eq!(added_lines(None, b"new"), vec![(0, 3)]);
    }
}
