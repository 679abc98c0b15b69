//! The git source: every distinct blob of a repository's history, with the commit
//! that first brought it in ([`history`]: [`commits`] → [`walk`] →
//! [`provenance`], [`blobs`], over [`objects`]), and what the next commit would
//! add (the index or the working tree against HEAD, [`changes`]). History reads
//! objects with gix, refs and revisions with git2 (libgit2), which also does the
//! staged diff; docs/GIT.md has the measurements behind that split.

mod blobs;
pub mod changes;
mod commits;
pub mod history;
mod objects;
mod packed_commits;
mod provenance;
pub mod refs;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::Result;
use git2::Repository;

pub use changes::{
    collect_changes, scan_change_set, scan_changes, ChangeOptions, ChangeScope, ChangeSet,
};
pub use history::{scan_history, HistoryOptions, Selection};

/// How far into a blob we look for a NUL byte to call it binary (like git).
const BINARY_SNIFF: usize = 8192;

/// Git LFS pointer files start with this; the real content is elsewhere.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Opens the repository at `path` or above it (work tree, `.git` directory or
/// bare repository).
pub fn open(path: &Path) -> Result<Repository> {
    static UNOWNED: Once = Once::new();
    // A scanner only reads: a repository owned by another user (a CI checkout, a
    // mounted volume) is scanned like git's own `safe.directory = *` would allow.
    // SAFETY: set once, before any other libgit2 call of this process reads it.
    UNOWNED.call_once(|| unsafe {
        let _ = git2::opts::set_verify_owner_validation(false);
        // Partial clones made by older git mark themselves with
        // `extensions.partialClone`, which libgit2 refuses unless told it is
        // understood. Reading is safe: a filtered-out object is simply missing
        // (reported, never fetched), and tokenhound never deletes objects.
        let _ = git2::opts::set_extensions(&["partialclone", "preciousobjects"]);
    });
    // Every tree and blob is read once: libgit2's object cache (256 MiB by
    // default) would only hold on to memory. Its delta-base cache stays on.
    git2::opts::enable_caching(false);
    // Re-hashing every object read (SHA-1 with collision detection) was a fifth
    // of a history scan; a damaged object still fails to inflate or parse and is
    // reported as an error.
    git2::opts::strict_hash_verification(false);
    Repository::discover(path).map_err(|e| {
        if !path.exists() {
            anyhow::anyhow!("{} does not exist", path.display())
        } else if e.code() == git2::ErrorCode::NotFound {
            anyhow::anyhow!(
                "{} is not a git repository (nor is any of its parent directories)",
                path.display()
            )
        } else {
            anyhow::anyhow!(
                "{}: cannot open the repository: {}",
                path.display(),
                words(&e)
            )
        }
    })
}

/// What a libgit2 error says, in words: its message without the
/// `class=…; code=…` suffix its `Display` adds (libgit2's internals, which
/// tell a user nothing).
pub fn words(e: &git2::Error) -> String {
    let m = e.message().trim_end_matches('.').to_string();
    match e.code() {
        git2::ErrorCode::Locked => format!("{m} (another git command holds a lock; try again)"),
        _ => m,
    }
}

/// Adds context to a libgit2 result, in words (see [`words`]).
pub trait GitContext<T> {
    fn git_context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> GitContext<T> for std::result::Result<T, git2::Error> {
    fn git_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| anyhow::anyhow!("{}: {}", what(), words(&e)))
    }
}

/// Where the repository's hooks live: `core.hooksPath` when set, else
/// `hooks/` in the common git directory (shared by linked work trees).
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo
        .config()
        .git_context(|| "reading the git configuration".into())?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        // Relative paths are relative to where hooks run: the top of the work tree.
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(base.join(p));
    }
    Ok(repo.commondir().join("hooks"))
}

/// Whether the repository is a partial clone (`git clone --filter=…`): objects
/// left on its promisor remote are missing here and are never fetched.
pub fn is_partial_clone(repo: &Repository) -> bool {
    let Ok(config) = repo.config() else {
        return false;
    };
    if config.get_string("extensions.partialclone").is_ok() {
        return true;
    }
    let Ok(mut entries) = config.entries(Some(r"remote\..*\.promisor")) else {
        return false;
    };
    let mut partial = false;
    while let Some(Ok(e)) = entries.next() {
        partial |= matches!(e.value(), Some(v) if v.eq_ignore_ascii_case("true"));
    }
    partial
}

/// Whether a blob is a Git LFS pointer (skipped: the content is not in git).
pub fn is_lfs_pointer(blob: &[u8]) -> bool {
    blob.len() < 1024 && blob.starts_with(LFS_POINTER)
}

/// Whether a blob looks binary: a NUL byte in its first 8 KiB.
pub fn looks_binary(blob: &[u8]) -> bool {
    memchr::memchr(0, &blob[..blob.len().min(BINARY_SNIFF)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfs_pointers_and_binary() {
        let ptr = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n";
        assert!(is_lfs_pointer(ptr));
        assert!(!is_lfs_pointer(b"version 1.0\n"));
        assert!(looks_binary(b"PK\x03\x04\x00\x00"));
        assert!(!looks_binary(b"plain text\n"));
    }
}
