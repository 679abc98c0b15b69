//! CI build logs (`*.log` files, standard input, members of CI log archives):
//! scanned through the [`ci_log`](crate::decode::ci_log) normaliser, with the
//! runners' masks (`***`, `[MASKED]`) never reported and every finding located in
//! the raw log.

use std::path::Path;

use crate::decode::ci_log::{self, is_masked};
use crate::enrich::findings_for_view;
use crate::finding::{Finding, Provenance};
use crate::scan::Scanner;

/// Whether a file is a build log by name (`*.log`, any case).
pub fn is_log_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("log"))
}

/// Findings in `original` (a log, or a line-aligned piece of one) whose secret
/// ends, in `original`, at an offset `keep` accepts. Locations are in `original`;
/// secrets and fingerprints come from the normalised text.
pub fn log_findings(
    scanner: &Scanner,
    provenance: &Provenance,
    original: &[u8],
    keep: impl Fn(usize) -> bool,
) -> Vec<Finding> {
    let view = ci_log::normalise(original);
    let matches: Vec<_> = scanner
        .engine()
        .scan(&view.bytes)
        .into_iter()
        .filter(|m| !is_masked(&view.bytes[m.start..m.end]) && keep(view.map.end(m.end)))
        .collect();
    if matches.is_empty() {
        return Vec::new();
    }
    let mut findings = findings_for_view(
        scanner.engine(),
        original,
        &view,
        &matches,
        provenance,
        scanner.enrich_options(),
    );
    for f in &mut findings {
        // Only say the log layer was peeled when it changed the secret's own bytes
        // (colour codes inside it), not merely the line around it.
        let raw = original.get(f.offset..f.offset + f.secret_length);
        if raw == Some(f.raw_secret.as_bytes()) {
            f.decoded.retain(|l| l != ci_log::LAYER);
        }
    }
    findings
}

/// Scans one whole log file held in memory.
pub fn scan_log(scanner: &Scanner, provenance: &Provenance, bytes: &[u8]) {
    scanner.count_input(bytes.len() as u64);
    for f in log_findings(scanner, provenance, bytes, |_| true) {
        scanner.send_finding(f);
    }
}
