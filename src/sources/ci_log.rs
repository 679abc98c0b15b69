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

/// Pieces at least this big are scanned as two halves on two threads.
pub const PARALLEL_MIN: usize = 1 << 20;
/// Bytes before the cut that the second half is scanned with, as context.
const SPLIT_CONTEXT: usize = 4 << 10;
/// How far before the cut a PEM block start forbids cutting (bigger than any key).
const SPLIT_PEM_GUARD: usize = 64 << 10;

/// Where to cut `bytes` in two for a parallel scan: `(split, second_start)`, the
/// first half being `..split` and the second `second_start..` (a line start up to
/// [`SPLIT_CONTEXT`] bytes before `split`, so a secret is whole in one half).
/// `None` when too small, one long line, or a PEM block may be open at the cut.
pub fn parallel_split(bytes: &[u8]) -> Option<(usize, usize)> {
    if bytes.len() < PARALLEL_MIN {
        return None;
    }
    let mid = bytes.len() / 2;
    let split = mid + memchr::memchr(b'\n', &bytes[mid..])? + 1;
    if split >= bytes.len() {
        return None;
    }
    let guard = &bytes[split.saturating_sub(SPLIT_PEM_GUARD)..split];
    if memchr::memmem::find(guard, b"-----BEGIN").is_some() {
        return None;
    }
    let ctx = split.saturating_sub(SPLIT_CONTEXT);
    let second = memchr::memchr(b'\n', &bytes[ctx..split])
        .map(|i| ctx + i + 1)
        .unwrap_or(split);
    Some((split, second))
}

/// Findings in `original` (a log, or a line-aligned piece of one) whose secret
/// ends, in `original`, at an offset `keep` accepts. Locations are in `original`;
/// secrets and fingerprints come from the normalised text. A big piece is
/// scanned in two halves in parallel (see [`parallel_split`]).
pub fn log_findings(
    scanner: &Scanner,
    provenance: &Provenance,
    original: &[u8],
    keep: impl Fn(usize) -> bool + Sync,
) -> Vec<Finding> {
    let Some((split, second)) = parallel_split(original) else {
        return part_findings(scanner, provenance, original, &keep);
    };
    let (mut a, mut b) = rayon::join(
        || part_findings(scanner, provenance, &original[..split], &keep),
        || {
            part_findings(scanner, provenance, &original[second..], &|end| {
                keep(end + second)
            })
        },
    );
    a.retain(|f| f.offset < second);
    if b.is_empty() {
        return a;
    }
    let lines_before = memchr::memchr_iter(b'\n', &original[..second]).count();
    for f in &mut b {
        // `second` is a line start: only lines and offsets move.
        f.offset += second;
        f.line += lines_before;
        f.end_line += lines_before;
        provenance.annotate(f);
    }
    a.extend(b.into_iter().filter(|f| f.offset >= second));
    a
}

fn part_findings(
    scanner: &Scanner,
    provenance: &Provenance,
    original: &[u8],
    keep: &(dyn Fn(usize) -> bool + Sync),
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
        if f.line_text.contains('\x1b') {
            f.line_text = String::from_utf8_lossy(&ci_log::strip_escapes(f.line_text.as_bytes()))
                .into_owned();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_a_line_start_with_context_before_it() {
        let line = b"2026-11-20T12:05:01.1234567Z some build output\n";
        let bytes: Vec<u8> = line
            .iter()
            .copied()
            .cycle()
            .take(line.len() * 40_000)
            .collect();
        let (split, second) = parallel_split(&bytes).unwrap();
        assert_eq!(bytes[split - 1], b'\n');
        assert_eq!(bytes[second - 1], b'\n');
        assert!(second < split && split - second <= SPLIT_CONTEXT);
        assert!(parallel_split(&bytes[..1000]).is_none());
        // One long line cannot be cut.
        assert!(parallel_split(&vec![b'a'; 2 << 20]).is_none());
    }

    #[test]
    fn never_splits_near_a_pem_block() {
        let mut bytes = vec![b'x'; 1 << 20];
        bytes.extend_from_slice(b"\n-----BEGIN RSA PRIVATE KEY-----\n");
        bytes.extend_from_slice(&[b'y'; 100]);
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(&vec![b'z'; 1 << 20]);
        assert!(parallel_split(&bytes).is_none());
    }
}
