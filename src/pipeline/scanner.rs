//! The per-run handle every source holds: it feeds blobs through the
//! [`Pipeline`] and streams what happens (findings, suppressed findings,
//! errors, skips, notes) over a bounded channel to the one consumer. Sources
//! call [`Scanner::scan_blob`]; they never see rules, the engine or report
//! formats.

use std::any::Any;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crossbeam_channel::Sender;

use super::{records, Blob, BlobFindings, Pipeline};
use crate::decode::utf16;
use crate::finding::{Event, Finding, ScanError, Skipped};

/// Live totals of a scan, shared with whoever shows progress.
#[derive(Debug, Default)]
pub struct Counters {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

/// A kind of note a source counts over a whole input and reports once, when
/// the run ends (a Slack export carries its own download token in every file
/// URL: one note with a count, not thousands of findings). Sources define
/// their kinds as statics; the pipeline knows none of them.
#[derive(Debug)]
pub struct Tally {
    /// Distinguishes kinds of tallies under one path.
    pub key: &'static str,
    /// The note for a count.
    pub describe: fn(u64) -> String,
}

/// Counts of each tally under a path: (path, tally key) → (count, tally).
type Tallies = BTreeMap<(String, &'static str), (u64, &'static Tally)>;

/// A value computed at most once per run, shared by the threads that want it.
type Slot = Arc<OnceLock<Option<Arc<dyn Any + Send + Sync>>>>;

/// (kind, key) → the value sources computed for it (see [`Scanner::memo`]).
type Memo = HashMap<(&'static str, String), Slot>;

/// State shared by a scanner and its forks.
#[derive(Default)]
struct Shared {
    counters: Arc<Counters>,
    /// Shown path → exact bytes, for the (rare) file names that are not UTF-8,
    /// so every event about them carries `path_bytes`.
    raw_paths: Mutex<Vec<(String, Vec<u8>)>>,
    /// Inputs already noted as cut short by the decode depth (one note each).
    decode_limited: Mutex<HashSet<String>>,
    /// Expired ignore-file entries already noted (one note each).
    expired_noted: Mutex<HashSet<String>>,
    /// What sources learn once per input and share between its files (a
    /// Slack export's user names), keyed by (kind, input).
    memo: Mutex<Memo>,
    tallies: Mutex<Tallies>,
}

/// Shared by every source thread of a run.
pub struct Scanner<'p> {
    pipeline: &'p Pipeline,
    tx: Sender<Event>,
    /// The scanner the run's consumer reads: it applies the suppressions. A
    /// fork hands its findings, unsuppressed, to code that adjusts them first.
    root: bool,
    /// Whether inputs and bytes are counted (not when replaying a probe).
    counting: bool,
    shared: Arc<Shared>,
}

impl<'p> Scanner<'p> {
    pub fn new(pipeline: &'p Pipeline, tx: Sender<Event>) -> Self {
        Scanner {
            pipeline,
            tx,
            root: true,
            counting: true,
            shared: Arc::default(),
        }
    }

    /// A scanner that shares this one's pipeline and counters but sends its
    /// events, findings unsuppressed, to `tx`: for a source that adjusts
    /// findings (re-maps the offsets of re-encoded text, merges the copies in
    /// one record) before passing them on with [`Scanner::emit`].
    pub fn fork(&self, tx: Sender<Event>) -> Scanner<'p> {
        Scanner {
            pipeline: self.pipeline,
            tx,
            root: false,
            counting: self.counting,
            shared: self.shared.clone(),
        }
    }

    pub fn pipeline(&self) -> &'p Pipeline {
        self.pipeline
    }

    /// Scans one whole input and sends its findings; counts it as one input.
    pub fn scan_blob(&self, blob: &Blob) {
        self.count_input(blob.bytes.len() as u64);
        self.scan_part(blob);
    }

    /// Scans a part of an input (a stream segment) without counting an input.
    pub fn scan_part(&self, blob: &Blob) {
        for f in self.findings(blob) {
            self.emit(f);
        }
    }

    /// The findings of `blob`, not yet sent: for sources that learn more about
    /// them afterwards (git history's counts over versions). Limits reached are
    /// noted here.
    pub fn findings(&self, blob: &Blob) -> Vec<Finding> {
        let BlobFindings {
            findings,
            over_limit,
            decode_note,
        } = self.pipeline.findings(blob);
        let path = blob.provenance.path();
        if over_limit > 0 {
            self.skipped(
                path,
                format!(
                    "{over_limit} more secret{} not reported: over the limit of {} findings per \
                     input (--max-findings-per-file)",
                    if over_limit == 1 { "" } else { "s" },
                    self.pipeline.options().max_findings_per_blob
                ),
            );
        }
        if let Some(reason) = decode_note {
            self.note_decode_limit(path, &reason);
        }
        findings
    }

    /// Sends a finding on: from the root scanner, to the report unless a
    /// suppression covers it (then as suppressed, counted); from a fork,
    /// unsuppressed, to whoever forked it.
    pub fn emit(&self, mut f: Finding) {
        f.path_bytes = self.path_bytes(&f.path);
        let event = match self.root.then(|| self.pipeline.suppression(&f)).flatten() {
            Some(reason) => Event::Suppressed(Box::new(f), reason),
            None => {
                if self.root {
                    self.note_expired_entry(&f);
                }
                Event::Finding(Box::new(f))
            }
        };
        let _ = self.tx.send(event);
    }

    /// Runs `scan` with a fork, then merges the copies of one secret among the
    /// findings it made (the logs of one CI job) into one finding with every
    /// place, and sends them on. Errors, skips and notes pass through.
    pub fn in_record(&self, scan: impl FnOnce(&Scanner<'p>)) {
        let (tx, rx) = crossbeam_channel::unbounded();
        scan(&self.fork(tx));
        let mut found = Vec::new();
        for event in rx {
            match event {
                Event::Finding(f) | Event::Suppressed(f, _) => found.push(*f),
                other => self.forward(other),
            }
        }
        for f in records::merge_copies(found) {
            self.emit(f);
        }
    }

    /// Runs `scan` over the UTF-8 text of UTF-16 input with a fork, and sends
    /// its findings on located in the UTF-16 original (byte offsets; lines and
    /// columns are the same in both encodings) with the layer named first in
    /// `decoded`.
    pub fn in_utf16(&self, text: &utf16::Decoded, scan: impl FnOnce(&Scanner<'p>)) {
        self.remapped(text.endian.layer(), &|o| text.original_offset(o), scan)
    }

    /// Runs `scan` with a fork over a decoded form of the input, and sends its
    /// findings on with their offsets mapped back by `offset` and `layer`
    /// named first in `decoded`.
    pub fn remapped(
        &self,
        layer: &'static str,
        offset: &dyn Fn(usize) -> usize,
        scan: impl FnOnce(&Scanner<'p>),
    ) {
        let (tx, rx) = crossbeam_channel::unbounded();
        scan(&self.fork(tx));
        for event in rx {
            match event {
                Event::Finding(f) | Event::Suppressed(f, _) => {
                    let mut f = *f;
                    f.offset = offset(f.offset);
                    for p in &mut f.also_at {
                        p.offset = offset(p.offset);
                    }
                    f.decoded.insert(0, layer.to_string());
                    self.emit(f);
                }
                other => self.forward(other),
            }
        }
    }

    /// Runs `scan` with a fork and says whether it found anything, dropping
    /// the findings; errors, skips and notes pass through. The first look of a
    /// two-pass source (git history learns a blob's provenance after its walk).
    pub fn probe(&self, scan: impl FnOnce(&Scanner<'p>)) -> bool {
        let (tx, rx) = crossbeam_channel::unbounded();
        scan(&self.fork(tx));
        let mut found = false;
        for event in rx {
            match event {
                Event::Finding(_) | Event::Suppressed(..) => found = true,
                other => self.forward(other),
            }
        }
        found
    }

    /// Runs `scan` again over what [`Scanner::probe`] looked at, now with the
    /// full provenance, and returns its findings; inputs are not counted and
    /// errors, skips and notes are not repeated.
    pub fn replay(&self, scan: impl FnOnce(&Scanner<'p>)) -> Vec<Finding> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut fork = self.fork(tx);
        fork.counting = false;
        scan(&fork);
        drop(fork);
        rx.into_iter()
            .filter_map(|e| match e {
                Event::Finding(f) | Event::Suppressed(f, _) => Some(*f),
                _ => None,
            })
            .collect()
    }

    /// Says once per entry that an expired ignore-file entry stopped
    /// suppressing a finding, so it does not come back unexplained.
    fn note_expired_entry(&self, f: &Finding) {
        let Some((entry, note)) = self.pipeline.suppressor().expired_note(f) else {
            return;
        };
        let mut noted = self
            .shared
            .expired_noted
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if noted.insert(entry) {
            self.note(note);
        }
    }

    fn forward(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// Says once per input that a decode limit left something unscanned that
    /// the rules would look at, so it is not silently missed.
    fn note_decode_limit(&self, path: &str, reason: &str) {
        let mut noted = self
            .shared
            .decode_limited
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if noted.insert(path.to_string()) {
            self.skipped(path, reason);
        }
    }

    /// Counts an input and its bytes (for sources that scan in pieces).
    pub fn count_input(&self, bytes: u64) {
        if !self.counting {
            return;
        }
        self.shared.counters.files.fetch_add(1, Ordering::Relaxed);
        self.shared
            .counters
            .bytes
            .fetch_add(bytes, Ordering::Relaxed);
    }

    /// Adds bytes to the scanned total without counting a new input.
    pub fn count_bytes(&self, bytes: u64) {
        if !self.counting {
            return;
        }
        self.shared
            .counters
            .bytes
            .fetch_add(bytes, Ordering::Relaxed);
    }

    /// Records that `shown` displays a file name that is not UTF-8, whose exact
    /// bytes are `raw` (nothing to do when `raw` is `None`), so that findings,
    /// errors and skips about it (or about members inside it, `shown!member`)
    /// report the name losslessly.
    pub fn note_raw_path(&self, shown: &str, raw: Option<&[u8]>) {
        let Some(raw) = raw else { return };
        let mut paths = self
            .shared
            .raw_paths
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !paths.iter().any(|(s, _)| s == shown) {
            paths.push((shown.to_string(), raw.to_vec()));
        }
    }

    /// The exact bytes of a reported path, when it names (or lies inside) a file
    /// recorded by [`Scanner::note_raw_path`].
    fn path_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let paths = self
            .shared
            .raw_paths
            .lock()
            .unwrap_or_else(|e| e.into_inner());
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

    /// A note for the person running the scan (printed unless `-q`).
    pub fn note(&self, message: impl Into<String>) {
        let _ = self.tx.send(Event::Note(message.into()));
    }

    /// A value a source computes once per run for `key` (an export's root)
    /// and shares between the files it reads there, on any thread: `compute`
    /// runs once (other callers wait for it); `None` is remembered too.
    pub fn memo<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        key: &str,
        compute: impl FnOnce() -> Option<T>,
    ) -> Option<Arc<T>> {
        let slot = self.memo_slot(kind, key);
        slot.get_or_init(|| compute().map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>))
            .clone()
            .and_then(|v| v.downcast::<T>().ok())
    }

    /// The value [`Scanner::memo`] or [`Scanner::remember`] holds for `key`,
    /// if any, without computing it.
    pub fn recall<T: Any + Send + Sync>(&self, kind: &'static str, key: &str) -> Option<Arc<T>> {
        let memo = self.shared.memo.lock().unwrap_or_else(|e| e.into_inner());
        let slot = memo.get(&(kind, key.to_string()))?;
        slot.get()?.clone()?.downcast::<T>().ok()
    }

    /// Sets the value for `key` unless one is there already (a file read
    /// ahead of the others, such as a Slack export's users.json in a zip).
    pub fn remember<T: Any + Send + Sync>(&self, kind: &'static str, key: &str, value: T) {
        let _ = self
            .memo_slot(kind, key)
            .set(Some(Arc::new(value) as Arc<dyn Any + Send + Sync>));
    }

    fn memo_slot(&self, kind: &'static str, key: &str) -> Slot {
        let mut memo = self.shared.memo.lock().unwrap_or_else(|e| e.into_inner());
        memo.entry((kind, key.to_string())).or_default().clone()
    }

    /// Adds `n` to a tally under `path`, reported once as a skipped note when
    /// the run ends.
    pub fn tally(&self, path: &str, tally: &'static Tally, n: u64) {
        if n == 0 {
            return;
        }
        let mut t = self
            .shared
            .tallies
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        t.entry((path.to_string(), tally.key))
            .or_insert((0, tally))
            .0 += n;
    }

    /// Sends the tallies as `skipped` notes (each once).
    pub fn flush_tallies(&self) {
        let tallies = std::mem::take(
            &mut *self
                .shared
                .tallies
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for ((path, _), (n, tally)) in tallies {
            self.skipped(path, (tally.describe)(n));
        }
    }

    /// (inputs scanned, bytes scanned) so far.
    pub fn totals(&self) -> (u64, u64) {
        (
            self.shared.counters.files.load(Ordering::Relaxed),
            self.shared.counters.bytes.load(Ordering::Relaxed),
        )
    }

    /// The live counters, for a progress display on another thread.
    pub fn counters(&self) -> Arc<Counters> {
        self.shared.counters.clone()
    }
}

/// Runs `source` with a scanner of `pipeline` on this thread and returns every
/// event it produced, in order: the whole run as a list, for tests, fuzzing and
/// embedding (a real run streams with [`run`](super::run::run)).
pub fn events<'p>(pipeline: &'p Pipeline, source: impl FnOnce(&Scanner<'p>)) -> Vec<Event> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let scanner = Scanner::new(pipeline, tx);
    source(&scanner);
    drop(scanner);
    rx.into_iter().collect()
}

impl Drop for Scanner<'_> {
    /// Tallies are reported once, when the run's scanner is done and every file
    /// of an export has been seen.
    fn drop(&mut self) {
        if self.root {
            self.flush_tallies();
        }
    }
}
