//! Runs sources through the engine and enrichment, and streams what happens to one
//! consumer (the report writer) over a bounded channel. Sources call
//! [`Scanner::scan_blob`]; they never see rules or report formats.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;
use serde::Serialize;

use crate::decode::View;
use crate::engine::Engine;
use crate::enrich::{findings_for_blob, findings_for_view, EnrichOptions};
use crate::finding::{Finding, Provenance};

/// An input that could not be fully scanned.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub path: String,
    pub message: String,
    /// The exact bytes of `path` when it is not UTF-8 (`path` then shows them escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
}

/// An input left out on purpose (binary, over `--max-file-size`): not an error,
/// but reported so a reader knows what was not looked at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
    /// The exact bytes of `path` when it is not UTF-8 (`path` then shows them escaped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
}

/// What sources report while they run.
#[derive(Debug)]
pub enum Event {
    Finding(Box<Finding>),
    Error(ScanError),
    Skipped(Skipped),
}

/// Shared by every source thread: the compiled engine, enrichment options, the
/// event channel and the byte/file counters.
pub struct Scanner<'e> {
    engine: &'e Engine,
    enrich: EnrichOptions,
    tx: Sender<Event>,
    counters: Arc<Counters>,
    /// How many decode layers are peeled, nested (`--decode-depth`; 0 = none).
    decode_depth: usize,
    /// Per-export notes (Slack export tokens, …) printed once when the scan ends.
    export_notes: crate::sources::exports::Notes,
    /// Shown path → exact bytes, for the (rare) file names that are not UTF-8, so
    /// every event about them carries `path_bytes`.
    raw_paths: Mutex<Vec<(String, Vec<u8>)>>,
    /// Inputs already noted as cut short by the decode depth (one note each).
    decode_limited: Mutex<std::collections::HashSet<String>>,
}

/// Live totals of a scan, shared with whoever shows progress.
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

impl<'e> Scanner<'e> {
    pub fn new(engine: &'e Engine, enrich: EnrichOptions, tx: Sender<Event>) -> Self {
        Scanner {
            engine,
            enrich,
            tx,
            counters: Arc::default(),
            decode_depth: crate::decode::peel::DEFAULT_DEPTH,
            export_notes: Default::default(),
            raw_paths: Mutex::default(),
            decode_limited: Mutex::default(),
        }
    }

    /// A scanner that shares this one's engine, options and counters but sends
    /// its events to `tx`: for a source that must adjust findings (re-map the
    /// offsets of re-encoded text) before passing them on.
    pub fn fork(&self, tx: Sender<Event>) -> Scanner<'e> {
        Scanner {
            engine: self.engine,
            enrich: self.enrich.clone(),
            tx,
            counters: self.counters.clone(),
            decode_depth: self.decode_depth,
            export_notes: Default::default(),
            raw_paths: Mutex::default(),
            decode_limited: Mutex::default(),
        }
    }

    /// Sets how many decode layers (JSON escapes, HTML entities, percent,
    /// base64) are peeled, nested, from every blob; 0 turns decoding off.
    pub fn with_decode_depth(mut self, depth: usize) -> Self {
        self.decode_depth = depth;
        self
    }

    /// The nesting depth of decode layers.
    pub fn decode_depth(&self) -> usize {
        self.decode_depth
    }

    /// Notes gathered per export, sent as `skipped` events when the scanner is dropped.
    pub fn export_notes(&self) -> &crate::sources::exports::Notes {
        &self.export_notes
    }

    pub fn engine(&self) -> &Engine {
        self.engine
    }

    pub fn enrich_options(&self) -> &EnrichOptions {
        &self.enrich
    }

    /// Scans one whole blob and sends its findings; counts it as one scanned input.
    pub fn scan_blob(&self, provenance: &Provenance, blob: &[u8]) {
        self.count_input(blob.len() as u64);
        for f in self.findings_in(provenance, blob, None) {
            self.send_finding(f);
        }
    }

    /// Findings in `original`, or in `view` of it when given: those in the plain
    /// bytes first, then those only visible once decode layers are peeled (up to
    /// the decode depth), without repeating a secret already found at the same
    /// place. Sends nothing: callers annotate or dedupe, then send.
    pub fn findings_in(
        &self,
        provenance: &Provenance,
        original: &[u8],
        view: Option<&View>,
    ) -> Vec<Finding> {
        let scanned = view.map_or(original, |v| v.bytes.as_slice());
        let matches = self.engine.scan(scanned);
        let mut out = if matches.is_empty() {
            Vec::new()
        } else {
            match view {
                None => {
                    findings_for_blob(self.engine, original, &matches, provenance, &self.enrich)
                }
                Some(v) => {
                    findings_for_view(self.engine, original, v, &matches, provenance, &self.enrich)
                }
            }
        };
        if self.decode_depth == 0 {
            return out;
        }
        let mut seen: std::collections::HashSet<(String, usize)> = out
            .iter()
            .map(|f| (f.fingerprint.clone(), f.offset))
            .collect();
        let left = crate::decode::peel::peel(scanned, view, self.decode_depth, &mut |layer| {
            let matches = self.engine.scan(&layer.bytes);
            if matches.is_empty() {
                return;
            }
            for f in findings_for_view(
                self.engine,
                original,
                layer,
                &matches,
                provenance,
                &self.enrich,
            ) {
                if seen.insert((f.fingerprint.clone(), f.offset)) {
                    out.push(f);
                }
            }
        });
        if left.too_large {
            self.note_decode_limit(
                provenance.path(),
                "a decoded view over 256 MiB was not peeled further",
            );
        } else if left
            .below_depth
            .iter()
            .any(|bytes| !self.engine.scan(bytes).is_empty())
        {
            self.note_decode_limit(
                provenance.path(),
                &format!(
                    "decode depth {} reached: a possible secret is encoded deeper \
                     (raise --decode-depth to report it)",
                    self.decode_depth
                ),
            );
        }
        drop_generic_shadows(&mut out);
        out
    }

    /// Says once per input that a decode limit left something unscanned that
    /// the rules would look at (a match one layer below `--decode-depth`, or a
    /// view too large to peel), so it is not silently missed: a `skipped` note,
    /// like other limits.
    fn note_decode_limit(&self, path: &str, reason: &str) {
        let mut noted = self
            .decode_limited
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if noted.insert(path.to_string()) {
            self.skipped(path, reason);
        }
    }

    /// Scans a decoded view of `original` (ANSI-stripped log, unescaped JSON, …)
    /// and sends its findings located in `original`. Does not count an input.
    pub fn scan_view(&self, provenance: &Provenance, original: &[u8], view: &View) {
        for f in self.findings_in(provenance, original, Some(view)) {
            self.send_finding(f);
        }
    }

    /// Counts an input and its bytes (for sources that scan in pieces).
    pub fn count_input(&self, bytes: u64) {
        self.counters.files.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Adds bytes to the scanned total without counting a new input.
    pub fn count_bytes(&self, bytes: u64) {
        self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Sends a finding to the report writer (with `path_bytes` when its file name
    /// is not UTF-8).
    pub fn send_finding(&self, mut f: Finding) {
        f.path_bytes = self.path_bytes(&f.path);
        let _ = self.tx.send(Event::Finding(Box::new(f)));
    }

    /// Records that `shown` displays a file name that is not UTF-8, whose exact
    /// bytes are `raw` (nothing to do when `raw` is `None`), so that findings,
    /// errors and skips about it (or about members inside it, `shown!member`)
    /// report the name losslessly.
    pub fn note_raw_path(&self, shown: &str, raw: Option<&[u8]>) {
        let Some(raw) = raw else { return };
        let mut paths = self.raw_paths.lock().unwrap_or_else(|e| e.into_inner());
        if !paths.iter().any(|(s, _)| s == shown) {
            paths.push((shown.to_string(), raw.to_vec()));
        }
    }

    /// The exact bytes of a reported path, when it names (or lies inside) a file
    /// recorded by [`Scanner::note_raw_path`].
    fn path_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let paths = self.raw_paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.iter().find_map(|(shown, raw)| {
            let rest = path.strip_prefix(shown.as_str())?;
            (rest.is_empty() || rest.starts_with('!')).then(|| [raw, rest.as_bytes()].concat())
        })
    }

    /// Reports an input that could not be (fully) read; also printed on stderr by
    /// the consumer.
    pub fn error(&self, path: impl Into<String>, message: impl Into<String>) {
        let path = path.into();
        let _ = self.tx.send(Event::Error(ScanError {
            path_bytes: self.path_bytes(&path),
            path,
            message: message.into(),
        }));
    }

    /// Reports an input left out on purpose (binary, too large, not a regular
    /// file), so the report says what was not looked at.
    pub fn skipped(&self, path: impl Into<String>, reason: impl Into<String>) {
        let path = path.into();
        let _ = self.tx.send(Event::Skipped(Skipped {
            path_bytes: self.path_bytes(&path),
            path,
            reason: reason.into(),
        }));
    }

    /// Sends the `skipped` events of notes gathered per export (once each).
    pub fn flush_export_notes(&self) {
        for (path, reason) in self.export_notes.take() {
            self.skipped(path, reason);
        }
    }

    /// (inputs scanned, bytes scanned) so far.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.counters.files.load(Ordering::Relaxed),
            self.counters.bytes.load(Ordering::Relaxed),
        )
    }

    /// The live counters, for a progress display on another thread.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }
}

impl Drop for Scanner<'_> {
    /// Notes gathered per export (a Slack export's own file-download tokens) are
    /// summarised once, when every file of the export has been seen.
    fn drop(&mut self) {
        self.flush_export_notes();
    }
}

/// A generic finding (say `token: <base64>`) whose span overlaps a specific
/// finding found in a decoded layer of the same bytes (the `ghp_` token inside
/// that base64) is the same credential seen through its wrapping: keep only the
/// specific one, as overlaps are settled within one layer.
fn drop_generic_shadows(out: &mut Vec<Finding>) {
    use crate::rules::Kind;
    let specific: Vec<((usize, usize), (usize, usize))> = out
        .iter()
        .filter(|f| f.kind != Kind::Generic && !f.decoded.is_empty())
        .map(|f| ((f.line, f.column), (f.end_line, f.end_column)))
        .collect();
    if specific.is_empty() {
        return;
    }
    out.retain(|f| {
        let (a, b) = ((f.line, f.column), (f.end_line, f.end_column));
        f.kind != Kind::Generic || !specific.iter().any(|(s, e)| a < *e && *s < b)
    });
}
