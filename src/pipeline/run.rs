//! One run: a source feeds a [`Scanner`] on a worker thread while this thread
//! consumes the events, keeps the findings a report needs (within a bound on
//! memory), counts everything else, and lets an [`Observer`] (the CLI's
//! progress line, notes on stderr, a streaming report) see each event as it
//! happens.

use std::sync::Arc;

use anyhow::Result;
use serde_json::{Map, Value};

use super::{Counters, Pipeline, Scanner};
use crate::finding::{Event, Finding, Reason, ScanError, Skipped};
use crate::suppress::SuppressedCounts;

/// Default of `--max-findings`: findings kept in memory for the report of one
/// run. More are still counted (and written by streaming formats).
pub const DEFAULT_MAX_FINDINGS: usize = 100_000;

/// Sees a run's events as they happen; every method defaults to nothing.
pub trait Observer {
    /// The run started; `counters` are live totals (for a progress display).
    fn started(&mut self, _counters: &Arc<Counters>) {}
    /// A finding to report, as soon as it is found.
    fn finding(&mut self, _f: &Finding) {}
    fn error(&mut self, _e: &ScanError) {}
    fn skipped(&mut self, _s: &Skipped) {}
    fn note(&mut self, _message: &str) {}
}

/// An observer that sees nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// What a run found and what it could not look at.
#[derive(Debug, Default)]
pub struct Collected {
    /// Findings to report, in the order found (up to the run's limit).
    pub findings: Vec<Finding>,
    /// Findings a baseline suppressed (kept for `--baseline-out`).
    pub baselined: Vec<Finding>,
    /// Findings found beyond the limit of findings kept: counted, not kept.
    pub not_kept: u64,
    pub errors: Vec<ScanError>,
    pub skipped: Vec<Skipped>,
    pub suppressed: SuppressedCounts,
    /// Findings under `--min-confidence`: counted, not reported.
    pub below_min_confidence: u64,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// What the source returned: its own stats, a key per source.
    pub source_stats: Map<String, Value>,
}

/// Runs `source` on a worker thread, feeding a scanner of `pipeline`, and
/// collects the events. `max_findings` bounds the findings kept in memory.
pub fn run<'p>(
    pipeline: &'p Pipeline,
    max_findings: usize,
    observer: &mut dyn Observer,
    source: impl FnOnce(&Scanner<'p>) -> Result<Map<String, Value>> + Send,
) -> Result<Collected> {
    let (tx, rx) = crossbeam_channel::bounded::<Event>(4096);
    let scanner = Scanner::new(pipeline, tx);
    observer.started(&scanner.counters());
    let mut c = Collected::default();
    let (totals, source_stats) = std::thread::scope(|s| {
        // The worker owns the scanner (and so the channel's sender): when it is
        // done the channel closes and the loop below ends.
        let worker = s.spawn(move || {
            let stats = source(&scanner);
            scanner.flush_tallies();
            (scanner.totals(), stats)
        });
        for ev in rx.iter() {
            match ev {
                Event::Finding(f) => {
                    observer.finding(&f);
                    if c.findings.len() < max_findings {
                        c.findings.push(*f);
                    } else {
                        c.not_kept += 1;
                    }
                }
                Event::Suppressed(_, Reason::BelowConfidence) => c.below_min_confidence += 1,
                Event::Suppressed(f, reason) => {
                    c.suppressed.add(reason);
                    if reason == Reason::Baseline && c.baselined.len() < max_findings {
                        c.baselined.push(*f);
                    }
                }
                Event::Error(e) => {
                    observer.error(&e);
                    c.errors.push(e);
                }
                Event::Skipped(sk) => {
                    observer.skipped(&sk);
                    c.skipped.push(sk);
                }
                Event::Note(n) => observer.note(&n),
            }
        }
        worker.join()
    })
    .map_err(|_| anyhow::anyhow!("internal error: the scanning thread panicked"))?;
    c.source_stats = source_stats?;
    (c.files_scanned, c.bytes_scanned) = totals;
    if c.not_kept > 0 {
        c.skipped.push(Skipped {
            path: "(report)".into(),
            reason: format!(
                "{} findings beyond the first {max_findings} were counted but not kept for \
                 the report (--max-findings)",
                c.not_kept
            ),
            path_bytes: None,
        });
    }
    Ok(c)
}
