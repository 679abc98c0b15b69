//! A progress line on stderr for long scans (files, bytes, findings, throughput),
//! shown only when stderr is a terminal; redrawn in place a few times a second.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::pipeline::Counters;

struct Shared {
    counters: Arc<Counters>,
    findings: AtomicU64,
    done: AtomicBool,
    /// Serialises the redraw with other stderr lines.
    lock: Mutex<()>,
}

/// A running progress display.
pub struct Progress {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

const CLEAR: &str = "\r\x1b[2K";

impl Progress {
    /// Starts redrawing from `counters` every 200 ms (after a 500 ms grace period,
    /// so quick scans print nothing).
    pub fn start(counters: Arc<Counters>) -> Progress {
        let shared = Arc::new(Shared {
            counters,
            findings: AtomicU64::new(0),
            done: AtomicBool::new(false),
            lock: Mutex::new(()),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut shown = false;
            while !s.done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                let elapsed = started.elapsed().as_secs_f64();
                if elapsed < 0.5 || s.done.load(Ordering::Relaxed) {
                    continue;
                }
                let files = s.counters.files.load(Ordering::Relaxed);
                let mb = s.counters.bytes.load(Ordering::Relaxed) as f64 / 1e6;
                let line = format!(
                    "{CLEAR}scanning: {files} files, {mb:.0} MB, {} findings, {:.0} MB/s",
                    s.findings.load(Ordering::Relaxed),
                    mb / elapsed
                );
                let _guard = s.lock.lock();
                let _ = std::io::stderr().write_all(line.as_bytes());
                shown = true;
            }
            if shown {
                let _ = std::io::stderr().write_all(CLEAR.as_bytes());
            }
        });
        Progress {
            shared,
            thread: Some(thread),
        }
    }

    /// Counts one more reported finding.
    pub fn found(&self) {
        self.shared.findings.fetch_add(1, Ordering::Relaxed);
    }

    /// Prints a line on stderr without garbling the progress line.
    pub fn println(&self, line: &str) {
        let _guard = self.shared.lock.lock();
        eprintln!("{CLEAR}{line}");
    }

    /// Stops and erases the display.
    pub fn finish(mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
