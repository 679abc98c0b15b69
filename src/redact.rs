//! The streaming redactor behind `tokenhound redact`: copies build output to
//! its destination with every secret replaced by
//! `[REDACTED:<rule-id>:<first 8 chars of fingerprint>]`, line by line as the
//! build runs, so the CI log never holds the tokens it leaked.
//!
//! Secrets are found by the same [`Pipeline`] as every scan (CI-log normaliser,
//! decode layers: a base64- or JSON-escaped token is redacted too), and each
//! secret's span is mapped back, so every byte around a secret, colour codes
//! included, passes through unchanged. Output is line-buffered; a partial line
//! waits for its newline up to `--partial-wait-ms`, and then only the part
//! before a trailing run of token characters is written (that run may be the
//! first half of a token whose end has not arrived); a PEM private key is held
//! from its `BEGIN` line to its `END` line and redacted whole. Memory is
//! bounded: a line longer than [`MAX_PENDING`] is passed on in pieces.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use memchr::memmem;

use crate::decode::ci_log;
use crate::finding::Provenance;
use crate::pipeline::{parallel_split, Blob, Pipeline, SecretSpan};
use crate::sources::ci_log::hints as log_hints;
use crate::sources::stdin::{read_chunks, Chunk};

/// How long a partial line waits for its newline before it is written anyway.
pub const PARTIAL_WAIT: Duration = Duration::from_millis(200);
/// How long lines from a `BEGIN … PRIVATE KEY` line on wait for the `END` line
/// (counted from when they started waiting) before they are written as they are.
pub const PEM_WAIT: Duration = Duration::from_secs(2);
/// Most bytes of one PEM block held back (real keys are a few KiB).
pub const PEM_MAX: usize = 64 << 10;
/// Most bytes of one unfinished line kept before it is passed on in pieces.
pub const MAX_PENDING: usize = 1 << 20;
/// Bytes of an already written line kept to give the rest of it context.
const CONTEXT: usize = 4 << 10;
/// Of a trailing run of token characters longer than [`MAX_PENDING`] (no token
/// is that long), how much is still held back when memory forces a write.
const HOLD_OVERSIZED: usize = 64 << 10;
/// Most input gathered from the channel into one round.
const ROUND_MAX: usize = 4 << 20;

/// Reads `input` on its own thread so the filter can wait for data and for the
/// partial-line deadline at once. Buffers come back on the returned sender to be
/// reused.
pub fn spawn_reader(input: impl Read + Send + 'static) -> (Receiver<Chunk>, Sender<Vec<u8>>) {
    let (tx, rx) = bounded::<Chunk>(16);
    let (back_tx, back_rx) = bounded::<Vec<u8>>(16);
    std::thread::spawn(move || read_chunks(input, tx, back_rx));
    (rx, back_tx)
}

/// Secrets in `block` (live input: CI-log normalised, masks dropped), located
/// in `block`. A big block is cut in two at a line boundary (never inside a PEM
/// block) and the halves are scanned in parallel, the second with some bytes of
/// the first before it.
fn find_spans(pipeline: &Pipeline, block: &[u8]) -> Vec<SecretSpan> {
    let stdin = Provenance::Stdin { name: "-".into() };
    let spans_of =
        |bytes: &[u8]| pipeline.secret_spans(&Blob::new(bytes, &stdin).with_hints(log_hints()));
    let Some((split, second)) = parallel_split(block) else {
        return spans_of(block);
    };
    let (mut a, b) = rayon::join(|| spans_of(&block[..split]), || spans_of(&block[second..]));
    a.retain(|sp| sp.start < second);
    a.extend(b.into_iter().filter_map(|mut sp| {
        sp.start += second;
        sp.end += second;
        (sp.start >= second).then_some(sp)
    }));
    a
}

/// Bytes that can belong to a token (held back when a partial line is cut).
fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b'+' | b'=' | b'~')
}

/// Whether `line` opens / closes a PEM private key block.
fn pem_begin(line: &[u8]) -> bool {
    memmem::find(line, b"-----BEGIN ").is_some() && memmem::find(line, b"PRIVATE KEY").is_some()
}
fn pem_end(line: &[u8]) -> bool {
    memmem::find(line, b"-----END ").is_some() && memmem::find(line, b"PRIVATE KEY").is_some()
}

/// The streaming redaction state.
///
/// `buf[..emitted]` has been written already and is kept only as context for the
/// rest of its line; `buf[emitted..]` is waiting.
pub struct Redactor<'p, W: Write> {
    pipeline: &'p Pipeline,
    out: W,
    buf: Vec<u8>,
    emitted: usize,
    /// When the oldest waiting byte started waiting.
    waiting_since: Option<Instant>,
    /// A deadline round held a trailing token run back: no more deadlines until
    /// new input arrives (the run is written with its line, or at the end).
    held: bool,
    counts: BTreeMap<String, u64>,
    bytes: u64,
    lines: u64,
    /// Why reading the input failed, if it did (the output is then incomplete).
    read_error: Option<String>,
}

/// How a round decides what to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// Complete lines only (holding an unfinished PEM block).
    Lines,
    /// Everything waiting, except a trailing token-like run and secrets that
    /// reach the end of the data (more of them may come).
    Partial,
    /// Everything waiting (deadline passed twice, or end of input).
    All,
}

impl<'p, W: Write> Redactor<'p, W> {
    pub fn new(pipeline: &'p Pipeline, out: W) -> Self {
        Redactor {
            pipeline,
            out,
            buf: Vec::new(),
            emitted: 0,
            waiting_since: None,
            held: false,
            counts: BTreeMap::new(),
            bytes: 0,
            lines: 0,
            read_error: None,
        }
    }

    /// Secrets redacted so far, per rule.
    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    /// Why reading the input failed, if it did.
    pub fn read_error(&self) -> Option<&str> {
        self.read_error.as_deref()
    }

    /// Moves everything from `rx` to the output until the input ends.
    pub fn pump(
        &mut self,
        rx: &Receiver<Chunk>,
        recycle: &Sender<Vec<u8>>,
        wait: Duration,
    ) -> io::Result<()> {
        loop {
            let msg = match self.deadline(wait) {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            match msg {
                Ok(Ok((chunk, n))) => {
                    self.push(&chunk[..n]);
                    let _ = recycle.try_send(chunk);
                    // Take whatever else is already queued: one round for a backlog.
                    let mut eof = false;
                    while self.buf.len() - self.emitted < ROUND_MAX {
                        match rx.try_recv() {
                            Ok(Ok((c, n))) => {
                                self.push(&c[..n]);
                                let _ = recycle.try_send(c);
                            }
                            Ok(Err(e)) => {
                                self.input_error(e);
                                eof = true;
                                break;
                            }
                            Err(crossbeam_channel::TryRecvError::Empty) => break,
                            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                                eof = true;
                                break;
                            }
                        }
                    }
                    if eof {
                        return self.finish();
                    }
                    self.round(Cut::Lines)?;
                    while self.buf.len() - self.emitted > MAX_PENDING {
                        let before = self.emitted;
                        self.round(Cut::Partial)?;
                        if self.emitted == before {
                            self.round(Cut::All)?;
                        }
                    }
                }
                Ok(Err(e)) => {
                    self.input_error(e);
                    return self.finish();
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Never `All` on a deadline: a trailing run of token
                    // characters waits for its line to end, however long the
                    // producer pauses (it may be half a token).
                    self.round(Cut::Partial)?;
                    if self.emitted < self.buf.len() {
                        self.held = true;
                        self.waiting_since = Some(Instant::now());
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return self.finish(),
            }
        }
    }

    fn input_error(&mut self, e: io::Error) {
        self.read_error = Some(format!(
            "reading standard input after {} bytes: {e}",
            self.bytes
        ));
    }

    fn finish(&mut self) -> io::Result<()> {
        self.round(Cut::All)?;
        self.out.flush()
    }

    fn push(&mut self, chunk: &[u8]) {
        if self.buf.len() == self.emitted || self.held {
            self.waiting_since = Some(Instant::now());
        }
        self.held = false;
        self.bytes += chunk.len() as u64;
        self.buf.extend_from_slice(chunk);
    }

    /// When waiting bytes must be written even without their newline.
    fn deadline(&self, wait: Duration) -> Option<Instant> {
        let since = self.waiting_since?;
        if self.buf.len() == self.emitted || self.held {
            // Nothing waits, or only a held-back token run: wait for input.
            return None;
        }
        let pem_held = pem_begin(self.first_waiting_line());
        Some(since + if pem_held { PEM_WAIT.max(wait) } else { wait })
    }

    fn first_waiting_line(&self) -> &[u8] {
        let w = &self.buf[self.emitted..];
        let end = memchr::memchr(b'\n', w).unwrap_or(w.len());
        &w[..end.min(512)]
    }

    /// End of the complete lines waiting, stopping before an unfinished PEM
    /// private-key block (unless it is already longer than any real key).
    fn lines_end(&self) -> usize {
        let Some(last_nl) = memchr::memrchr(b'\n', &self.buf[self.emitted..]) else {
            return self.emitted;
        };
        let end = self.emitted + last_nl + 1;
        let mut open: Option<usize> = None;
        let mut start = self.emitted;
        let region = &self.buf[self.emitted..end];
        // Only look line by line where a PEM marker appears at all.
        if memmem::find(region, b"-----").is_none() {
            return end;
        }
        while start < end {
            let stop = start + memchr::memchr(b'\n', &self.buf[start..end]).unwrap_or(end - start);
            let line = &self.buf[start..stop];
            if open.is_none() && pem_begin(line) {
                open = Some(start);
            }
            if open.is_some() && pem_end(line) {
                open = None;
            }
            start = stop + 1;
        }
        match open {
            Some(o) if end - o <= PEM_MAX => o,
            _ => end,
        }
    }

    /// Scans what is waiting (with its line's context), writes what `cut` allows
    /// with secrets replaced, and keeps the rest.
    fn round(&mut self, cut: Cut) -> io::Result<()> {
        if self.emitted == self.buf.len() {
            return Ok(());
        }
        let scan_end = match cut {
            Cut::Lines => self.lines_end(),
            Cut::Partial | Cut::All => self.buf.len(),
        };
        if scan_end <= self.emitted {
            return Ok(());
        }
        let spans: Vec<SecretSpan> = find_spans(self.pipeline, &self.buf[..scan_end])
            .into_iter()
            .filter(|sp| sp.end > self.emitted && sp.end > sp.start)
            .collect();
        let mut limit = scan_end;
        if cut == Cut::Partial {
            // A token-like tail may be the start of a token: keep it back,
            // however long (up to the memory bound). It is measured on the
            // normalised text, so colour codes inside a token (or an escape
            // sequence cut in half) do not end it.
            let t0 = limit.saturating_sub(MAX_PENDING).max(self.emitted);
            let tail_view = ci_log::normalise(&self.buf[t0..limit]);
            let run = tail_view
                .bytes
                .iter()
                .rev()
                .take_while(|&&b| token_byte(b))
                .count();
            if run > 0 && run < tail_view.bytes.len() {
                limit = t0 + tail_view.map.start(tail_view.bytes.len() - run);
            } else if run > 0 && t0 == self.emitted {
                // All of what waits is one token-like run: keep it all back.
                limit = self.emitted;
            } else if run > 0 {
                // A run longer than any token: write all but its end.
                limit = limit.saturating_sub(HOLD_OVERSIZED).max(self.emitted);
            }
            // A secret reaching the end of the data may go on.
            for sp in &spans {
                if sp.end >= scan_end && sp.start >= self.emitted {
                    limit = limit.min(sp.start);
                }
            }
        }
        // Never cut through a secret that starts in the part being written.
        for sp in &spans {
            if sp.start >= self.emitted && sp.start < limit && sp.end > limit {
                limit = sp.start;
            }
        }
        if limit <= self.emitted {
            return Ok(());
        }
        let mut pos = self.emitted;
        for sp in &spans {
            if sp.start >= limit || sp.end <= pos {
                continue;
            }
            let s = sp.start.max(pos);
            self.out.write_all(&self.buf[pos..s])?;
            write!(
                self.out,
                "[REDACTED:{}:{}]",
                sp.rule_id,
                &sp.fingerprint[..8]
            )?;
            if sp.start >= pos {
                *self.counts.entry(sp.rule_id.clone()).or_insert(0) += 1;
            }
            pos = sp.end.min(limit).max(s);
        }
        self.out.write_all(&self.buf[pos..limit])?;
        self.out.flush()?;
        self.lines += memchr::memchr_iter(b'\n', &self.buf[self.emitted..limit]).count() as u64;
        self.emitted = limit;
        self.held = false;
        self.waiting_since = (self.emitted < self.buf.len()).then(Instant::now);
        // Keep only the written part of the current line (bounded) as context.
        let line_start = memchr::memrchr(b'\n', &self.buf[..self.emitted])
            .map(|i| i + 1)
            .unwrap_or(0);
        let keep_from = line_start.max(self.emitted.saturating_sub(CONTEXT));
        self.buf.drain(..keep_from);
        self.emitted -= keep_from;
        Ok(())
    }

    /// The end-of-run line for stderr: counts per rule, never a secret.
    pub fn summary(&self) -> String {
        let total: u64 = self.counts.values().sum();
        let mut s = format!(
            "tokenhound redact: {} bytes, {} lines; ",
            self.bytes, self.lines
        );
        if total == 0 {
            s.push_str("nothing redacted");
        } else {
            let per_rule: Vec<String> = self
                .counts
                .iter()
                .map(|(rule, n)| format!("{rule}: {n}"))
                .collect();
            s.push_str(&format!(
                "redacted {total} secret{} ({})",
                if total == 1 { "" } else { "s" },
                per_rule.join(", ")
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::rules::RuleSet;

    fn engine() -> Pipeline {
        Pipeline::of(Engine::new(&RuleSet::builtin().unwrap()).unwrap())
    }

    const TOKEN: &str = "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";

    fn feed(chunks: &[&[u8]]) -> (String, BTreeMap<String, u64>) {
        let e = engine();
        let mut r = Redactor::new(&e, Vec::new());
        for c in chunks {
            r.push(c);
            r.round(Cut::Lines).unwrap();
        }
        r.finish().unwrap();
        (String::from_utf8_lossy(&r.out).into_owned(), r.counts)
    }

    #[test]
    fn redacts_and_keeps_surroundings() {
        let line = format!(
            "2026-11-20T12:05:01.1Z x={}\x1b[31m{}\x1b[0m y\n",
            &TOKEN[..8],
            &TOKEN[8..]
        );
        let (out, counts) = feed(&[line.as_bytes()]);
        assert!(out.starts_with("2026-11-20T12:05:01.1Z x=[REDACTED:github-pat-classic:"));
        assert!(out.ends_with("]\x1b[0m y\n"), "{out:?}");
        assert!(!out.contains("u8jzPde0"));
        assert_eq!(counts["github-pat-classic"], 1);
    }

    #[test]
    fn token_split_across_chunks() {
        let line = format!("token {TOKEN} end\n");
        let (a, b) = line.as_bytes().split_at(12);
        let e = engine();
        let mut r = Redactor::new(&e, Vec::new());
        r.push(a);
        r.round(Cut::Lines).unwrap();
        // A deadline flush must not write the token's start.
        r.round(Cut::Partial).unwrap();
        assert_eq!(String::from_utf8_lossy(&r.out), "token ");
        r.push(b);
        r.round(Cut::Lines).unwrap();
        let out = String::from_utf8_lossy(&r.out).into_owned();
        assert!(
            out.starts_with("token [REDACTED:github-pat-classic:"),
            "{out:?}"
        );
        assert!(out.ends_with("] end\n"));
    }

    #[test]
    fn masked_values_pass_through() {
        let (out, counts) = feed(&[b"  GITHUB_TOKEN: ***\n"]);
        assert_eq!(out, "  GITHUB_TOKEN: ***\n");
        assert!(counts.is_empty());
    }

    fn pem_lines() -> Vec<String> {
        let mut x: u64 = 0x2545f4914f6cdd1d;
        let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut v = vec!["-----BEGIN PRIVATE KEY-----\n".to_string()];
        for _ in 0..6 {
            let mut l: String = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b64[(x % 64) as usize] as char
                })
                .collect();
            l.push('\n');
            v.push(l);
        }
        v.push("-----END PRIVATE KEY-----\n".to_string());
        v
    }

    #[test]
    fn pem_block_is_held_until_its_end_then_redacted_whole() {
        let e = engine();
        let mut r = Redactor::new(&e, Vec::new());
        r.push(b"before\n");
        r.round(Cut::Lines).unwrap();
        let lines = pem_lines();
        for l in &lines[..lines.len() - 1] {
            r.push(l.as_bytes());
            r.round(Cut::Lines).unwrap();
            assert_eq!(r.out, b"before\n", "key lines written before the END line");
        }
        r.push(lines.last().unwrap().as_bytes());
        r.push(b"after\n");
        r.round(Cut::Lines).unwrap();
        let out = String::from_utf8(r.out.clone()).unwrap();
        assert!(out.starts_with("before\n[REDACTED:private-key:"), "{out}");
        assert!(out.ends_with("]\nafter\n"), "{out}");
        assert_eq!(r.counts["private-key"], 1);
    }

    #[test]
    fn an_endless_pem_block_is_not_held_forever() {
        let e = engine();
        let mut r = Redactor::new(&e, Vec::new());
        r.push(b"-----BEGIN PRIVATE KEY-----\n");
        r.round(Cut::Lines).unwrap();
        assert!(r.out.is_empty());
        let filler = "not a key at all, just a very chatty build step\n".repeat(2000);
        r.push(filler.as_bytes());
        r.round(Cut::Lines).unwrap();
        assert_eq!(r.out.len(), 28 + filler.len());
    }

    /// However the input is chunked and whenever deadlines fire, the output is
    /// the same as redacting it in one go: no token is ever written in part.
    #[test]
    fn chunking_and_deadlines_never_change_the_output() {
        let e = engine();
        let tokens = [
            TOKEN,
            "ghs_oOOL8dKLzdocJ2isAjIhKtJ0RlgLKO24tJGF",
            "xoxb-104332181960-0133890838637-LrZ3aWZkSBvrjn9Wvgfygw2w",
        ];
        let mut input = String::new();
        for i in 0..60 {
            input += &format!("2026-11-20T12:05:{:02}.1Z \x1b[32mstep {i}\x1b[0m ", i % 60);
            if i % 7 == 3 {
                let t = tokens[i % tokens.len()];
                input += &format!(
                    "token={}\x1b[1m{}\x1b[0m{} ok",
                    &t[..6],
                    &t[6..15],
                    &t[15..]
                );
            }
            if i % 5 != 4 {
                input += "\n";
            }
        }
        let whole = {
            let mut r = Redactor::new(&e, Vec::new());
            r.push(input.as_bytes());
            r.finish().unwrap();
            r.out
        };
        assert_eq!(
            String::from_utf8_lossy(&whole)
                .matches("[REDACTED:")
                .count(),
            9
        );
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..200 {
            let mut r = Redactor::new(&e, Vec::new());
            let mut pos = 0;
            let bytes = input.as_bytes();
            while pos < bytes.len() {
                let n = (1 + next(90) as usize).min(bytes.len() - pos);
                r.push(&bytes[pos..pos + n]);
                pos += n;
                r.round(Cut::Lines).unwrap();
                if next(3) == 0 {
                    r.round(Cut::Partial).unwrap();
                }
            }
            r.finish().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&r.out),
                String::from_utf8_lossy(&whole)
            );
        }
    }
}
