//! What to do with the bytes of one file once read: the single place where a
//! file's content is routed to a format-aware reader (CI logs, archives, exports)
//! or scanned as plain text. Format modules add their branch here.

use std::path::Path;

use crate::decode::utf16;
use crate::engine::reuse::DeltaReuse;
use crate::finding::Provenance;
use crate::pipeline::{Blob, Hints, Scanner};
use crate::sources::{ci_log, ci_zip};

/// Scans the bytes of the file at `path` (shown in reports as `provenance`).
pub fn scan_file_content(path: &Path, provenance: &Provenance, bytes: &[u8], scanner: &Scanner) {
    scan_file_content_reusing(path, provenance, bytes, scanner, None)
}

/// [`scan_file_content`] of bytes a git delta built: when they are scanned
/// as plain text, the keyword pass reuses its base's hits (`reuse`).
pub fn scan_file_content_reusing(
    path: &Path,
    provenance: &Provenance,
    bytes: &[u8],
    scanner: &Scanner,
    reuse: Option<&DeltaReuse>,
) {
    if ci_zip::scan_if_actions_logs(provenance.path(), bytes, scanner) {
        return;
    }
    if let Some(text) = utf16::decode(bytes) {
        // Routed like any text (a UTF-16 `.log` goes through the CI-log
        // normaliser); findings keep their lines and columns, which are the
        // same in both encodings, and are located in the UTF-16 bytes.
        return scanner.in_utf16(&text, |s| scan_text(path, provenance, &text.text, s, None));
    }
    scan_text(path, provenance, bytes, scanner, reuse);
}

/// Routes UTF-8 (or single-byte) text.
fn scan_text(
    path: &Path,
    provenance: &Provenance,
    bytes: &[u8],
    scanner: &Scanner,
    reuse: Option<&DeltaReuse>,
) {
    if ci_log::is_log_path(path) {
        return ci_log::scan_log(scanner, provenance, bytes);
    }
    // Archives (zip, tar, gzip) are opened in memory, members scanned one by one.
    if super::archive::kind(bytes).is_some() {
        return super::archive::scan_bytes(provenance.path(), bytes, scanner, 0);
    }
    // Exports (Slack, Teams, Jira, Confluence, HAR, cookie jars, transcripts),
    // recognised by structure.
    let on_disk = matches!(provenance, Provenance::File { .. }).then_some(path);
    if super::exports::scan_export(provenance.path(), on_disk, bytes, scanner) {
        return;
    }
    // Path-scoped rules see the file's own path: for a git blob the path in
    // its tree, for an archive member its name, whatever the report shows.
    let own = path.to_string_lossy();
    let hints = Hints {
        path: Some(&own),
        delta_reuse: reuse,
        ..Hints::default()
    };
    scanner.scan_blob(&Blob::new(bytes, provenance).with_hints(hints));
}

/// True when binary-looking bytes still have a reader here (a CI log archive,
/// an archive, UTF-16 text), so the walker must not skip them as binary.
pub fn has_binary_reader(bytes: &[u8]) -> bool {
    ci_zip::is_actions_log_archive(bytes)
        || super::archive::kind(bytes).is_some()
        || utf16::detect(bytes).is_some()
}
