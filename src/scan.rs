//! Runs sources through the engine and enrichment, and streams what happens to one
//! consumer (the report writer) over a bounded channel. Sources call
//! [`Scanner::scan_blob`]; they never see rules or report formats.

use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Sender;
use serde::Serialize;

use crate::engine::Engine;
use crate::enrich::{findings_for_blob, EnrichOptions};
use crate::finding::{Finding, Provenance};

/// An input that could not be fully scanned.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

/// An input left out on purpose (binary, over `--max-file-size`): not an error,
/// but reported so a reader knows what was not looked at.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
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
    files: AtomicU64,
    bytes: AtomicU64,
}

impl<'e> Scanner<'e> {
    pub fn new(engine: &'e Engine, enrich: EnrichOptions, tx: Sender<Event>) -> Self {
        Scanner { engine, enrich, tx, files: AtomicU64::new(0), bytes: AtomicU64::new(0) }
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
        let matches = self.engine.scan(blob);
        if matches.is_empty() {
            return;
        }
        for f in findings_for_blob(self.engine, blob, &matches, provenance, &self.enrich) {
            self.send_finding(f);
        }
    }

    /// Counts an input and its bytes (for sources that scan in pieces).
    pub fn count_input(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Adds bytes to the scanned total without counting a new input.
    pub fn count_bytes(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn send_finding(&self, f: Finding) {
        let _ = self.tx.send(Event::Finding(Box::new(f)));
    }

    /// Reports an input that could not be (fully) read; also printed on stderr by
    /// the consumer.
    pub fn error(&self, path: impl Into<String>, message: impl Into<String>) {
        let _ = self.tx.send(Event::Error(ScanError { path: path.into(), message: message.into() }));
    }

    pub fn skipped(&self, path: impl Into<String>, reason: impl Into<String>) {
        let _ = self.tx.send(Event::Skipped(Skipped { path: path.into(), reason: reason.into() }));
    }

    /// (inputs scanned, bytes scanned) so far.
    pub fn totals(&self) -> (u64, u64) {
        (self.files.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}
