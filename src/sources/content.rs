//! What to do with the bytes of one file once read: the single place where a
//! file's content is routed to a format-aware reader (CI logs, archives, exports)
//! or scanned as plain text. Format modules add their branch here.

use std::path::Path;

use crate::finding::Provenance;
use crate::scan::Scanner;

/// Scans the bytes of the file at `path` (shown in reports as `provenance`).
pub fn scan_file_content(_path: &Path, provenance: &Provenance, bytes: &[u8], scanner: &Scanner) {
    scanner.scan_blob(provenance, bytes);
}
