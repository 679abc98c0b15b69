//! CI build logs (`*.log` files, standard input, members of CI log archives):
//! handed to the pipeline with the log hint, so they are matched through the
//! [`ci_log`](crate::decode::ci_log) normaliser, runners' masks (`***`,
//! `[MASKED]`) are never reported, and every finding is located in the raw log.

use std::path::Path;

use crate::finding::Provenance;
use crate::pipeline::{Blob, Hints, Scanner};

/// Whether a file is a build log by name (`*.log`, any case).
pub fn is_log_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("log"))
}

/// The hints of build output.
pub fn hints<'a>() -> Hints<'a> {
    Hints {
        log: true,
        ..Hints::default()
    }
}

/// Scans one whole log file held in memory.
pub fn scan_log(scanner: &Scanner, provenance: &Provenance, bytes: &[u8]) {
    scanner.scan_blob(&Blob::new(bytes, provenance).with_hints(hints()));
}
