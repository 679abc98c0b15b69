//! Standard input as a stream: scanned in line-aligned segments with bounded memory,
//! so `build 2>&1 | tokenhound scan - --format jsonl` reports findings as they
//! appear and a multi-gigabyte log never grows the process. Each segment goes
//! through the CI-log normaliser (ANSI codes, runner timestamps and markers), so
//! build output is matched as a person reads it and located as it was written.

use std::io::{self, ErrorKind, Read};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::decode::utf16;
use crate::finding::Provenance;
use crate::pipeline::{Blob, Hints, Origin, Scanner};

/// Bytes scanned per segment.
pub const SEGMENT: usize = 4 << 20;
/// Bytes of the previous segment scanned again with the next one, so a secret that
/// spans a segment boundary (a PEM key, a line cut because it was longer than a
/// segment) is still seen whole.
pub const OVERLAP: usize = 64 << 10;

/// Counts characters (not UTF-8 continuation bytes).
fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// How long complete lines of a live stream may wait for more input before they
/// are scanned anyway (so a finding in a slow build's output shows up at once,
/// while a fast stream is still scanned in whole segments).
pub const LIVE_FLUSH: Duration = Duration::from_millis(50);
/// Read size of the live-input thread.
const READ_CHUNK: usize = 256 << 10;

/// A piece of live input: a read buffer and how many of its bytes were read.
pub type Chunk = io::Result<(Vec<u8>, usize)>;

/// Reads `input` into chunks sent on `tx` until the input ends, a read fails or
/// the receiver is gone; buffers sent back on `back` are reused (no allocation or
/// zeroing per read). Run on its own thread by live consumers.
pub fn read_chunks(mut input: impl Read, tx: Sender<Chunk>, back: Receiver<Vec<u8>>) {
    loop {
        let mut buf = back.try_recv().unwrap_or_else(|_| vec![0u8; READ_CHUNK]);
        match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tx.send(Ok((buf, n))).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = tx.send(Err(e));
                break;
            }
        }
    }
}

/// Scans a live stream (standard input); `name` is the path reports show (`-`).
/// Input is read on a second thread so that complete lines are scanned within
/// [`LIVE_FLUSH`] of arriving even when the producer is slow.
pub fn scan_stream(reader: impl Read + Send, scanner: &Scanner, name: &str) {
    let provenance = Provenance::Stdin {
        name: name.to_string(),
    };
    let (tx, rx) = crossbeam_channel::bounded::<Chunk>(16);
    let (back_tx, back_rx) = crossbeam_channel::bounded::<Vec<u8>>(16);
    std::thread::scope(|s| {
        s.spawn(move || read_chunks(reader, tx, back_rx));
        let feed = LiveFeed { rx, back: back_tx };
        scan_feed(feed, scanner, &provenance);
    });
}

/// Scans a stream whose findings carry `provenance` (a CI archive member, …),
/// reading it in whole segments on this thread.
pub fn scan_stream_as(reader: impl Read, scanner: &Scanner, provenance: &Provenance) {
    scan_feed(ReadFeed(reader), scanner, provenance);
}

/// How a fill ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// The buffer holds a whole segment.
    Full,
    /// The input ended (or failed; already reported).
    Eof,
    /// Complete lines waited [`LIVE_FLUSH`] for more input: scan them now.
    Early,
}

/// Where a stream's bytes come from.
trait Feed {
    /// Appends input to `buf` until it holds `want` bytes or the input ends (or,
    /// for live input, fresh complete lines have waited long enough). Returns how
    /// it ended and the read error that ended it, if any.
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>);
}

/// A reader read on the scanning thread, a whole segment at a time.
struct ReadFeed<R>(R);

impl<R: Read> Feed for ReadFeed<R> {
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
        let room = want.saturating_sub(buf.len()) as u64;
        // read_to_end appends without zeroing the buffer first.
        match (&mut self.0).take(room).read_to_end(buf) {
            Ok(_) if buf.len() >= want => (Fill::Full, Ok(())),
            Ok(_) => (Fill::Eof, Ok(())),
            Err(e) => (Fill::Eof, Err(e)),
        }
    }
}

/// Chunks from a reader thread, with a deadline for complete lines.
struct LiveFeed {
    rx: Receiver<Chunk>,
    back: Sender<Vec<u8>>,
}

impl Feed for LiveFeed {
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
        let fresh_from = buf.len();
        let mut deadline: Option<Instant> = None;
        while buf.len() < want {
            let msg = match deadline {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => self
                    .rx
                    .recv_timeout(d.saturating_duration_since(Instant::now())),
            };
            match msg {
                Ok(Ok((chunk, n))) => {
                    buf.extend_from_slice(&chunk[..n]);
                    let _ = self.back.try_send(chunk);
                    if deadline.is_none() {
                        deadline = Some(Instant::now() + LIVE_FLUSH);
                    }
                }
                Ok(Err(e)) => return (Fill::Eof, Err(e)),
                Err(RecvTimeoutError::Disconnected) => return (Fill::Eof, Ok(())),
                Err(RecvTimeoutError::Timeout) => {
                    if memchr::memchr(b'\n', &buf[fresh_from..]).is_some() {
                        return (Fill::Early, Ok(()));
                    }
                    // Only a partial line: wait for more without a deadline.
                    deadline = None;
                }
            }
        }
        (Fill::Full, Ok(()))
    }
}

/// A feed whose first fill was already read (to look at the stream's start).
struct Primed<F> {
    first: Option<(Vec<u8>, Fill, io::Result<()>)>,
    inner: F,
}

impl<F: Feed> Feed for Primed<F> {
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
        match self.first.take() {
            Some((bytes, how, result)) => {
                buf.extend_from_slice(&bytes);
                (how, result)
            }
            None => self.inner.fill(buf, want),
        }
    }
}

/// UTF-16 input decoded to UTF-8 as it arrives.
struct Utf16Feed<F> {
    inner: F,
    decoder: utf16::StreamDecoder,
    raw: Vec<u8>,
}

impl<F: Feed> Feed for Utf16Feed<F> {
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
        let room = want.saturating_sub(buf.len()).max(2);
        let (how, result) = self.inner.fill(&mut self.raw, room);
        self.decoder.feed(&self.raw, buf);
        self.raw.clear();
        if how == Fill::Eof {
            self.decoder.finish(buf);
        }
        (how, result)
    }
}

/// Bytes looked at to recognise UTF-16 at the start of a stream.
const SNIFF: usize = 4096;

/// The segment loop shared by live and read-through streams. A stream that
/// starts as UTF-16 (a byte-order mark, or plainly ASCII text in UTF-16) is
/// decoded as it arrives; its findings keep lines and columns and get their
/// byte offsets in the UTF-16 original.
fn scan_feed(mut feed: impl Feed, scanner: &Scanner, provenance: &Provenance) {
    let mut first = Vec::new();
    let (how, result) = feed.fill(&mut first, SNIFF);
    match utf16::detect(&first) {
        Some((endian, bom)) => {
            scanner.count_bytes(first.len() as u64);
            let raw = first.split_off(bom);
            let mut decoder = utf16::StreamDecoder::new(endian);
            let mut text = Vec::new();
            decoder.feed(&raw, &mut text);
            if how == Fill::Eof {
                decoder.finish(&mut text);
            }
            let feed = Primed {
                first: Some((text, how, result)),
                inner: Utf16Feed {
                    inner: CountingFeed(feed, scanner),
                    decoder,
                    raw: Vec::new(),
                },
            };
            segments(feed, scanner, provenance, Some((endian, bom)));
        }
        None => {
            scanner.count_bytes(first.len() as u64);
            let feed = Primed {
                first: Some((first, how, result)),
                inner: CountingFeed(feed, scanner),
            };
            segments(feed, scanner, provenance, None)
        }
    }
}

/// A feed that counts the raw bytes read into the scan's totals.
struct CountingFeed<'s, 'p, F>(F, &'s Scanner<'p>);

impl<F: Feed> Feed for CountingFeed<'_, '_, F> {
    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
        let before = buf.len();
        let r = self.0.fill(buf, want);
        self.1.count_bytes((buf.len() - before) as u64);
        r
    }
}

/// The segments of a stream (UTF-8 text, or UTF-16 decoded: `utf16` then
/// says its byte order and BOM length, for offsets in the original).
fn segments(
    mut feed: impl Feed,
    scanner: &Scanner,
    provenance: &Provenance,
    utf16: Option<(utf16::Endian, usize)>,
) {
    let name = provenance.path();
    // UTF-16 offset of buf[0] (bytes of the original before it).
    let mut base16 = utf16.map_or(0, |(_, bom)| bom);
    let mut buf: Vec<u8> = Vec::with_capacity(SEGMENT + OVERLAP);
    // Absolute position of buf[0]: byte offset, line, and characters before it on its line.
    let (mut base_offset, mut base_line, mut base_col) = (0usize, 1usize, 0usize);
    // Absolute offset up to which matches were already reported.
    let mut reported_upto = 0usize;
    let mut total = 0u64;
    let mut eof = false;
    scanner.count_input(0);
    while !eof || !buf.is_empty() {
        // Fill up to one segment.
        let mut early = false;
        if !eof {
            let before = buf.len();
            let (how, result) = feed.fill(&mut buf, SEGMENT + OVERLAP);
            total += (buf.len() - before) as u64;
            if let Err(e) = result {
                scanner.error(name, format!("read error after {total} bytes: {e}"));
            }
            eof = how == Fill::Eof;
            early = how == Fill::Early;
        }
        if buf.is_empty() {
            break;
        }
        // Cut after the last newline so lines are whole; a line longer than a
        // segment is cut where the buffer is full (the overlap covers the seam).
        let cut = if eof {
            buf.len()
        } else if early {
            // Fresh complete lines only; a partial line waits for its end.
            memchr::memrchr(b'\n', &buf).map_or(buf.len(), |i| i + 1)
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) if i + 1 > OVERLAP => i + 1,
                _ => buf.len(),
            }
        };
        let seg = &buf[..cut];
        // Secrets whose end was in an earlier segment were reported with it.
        let fresh = |_: usize, end: usize| base_offset + end > reported_upto;
        let blob = Blob::new(seg, provenance).with_hints(Hints {
            log: true,
            keep: Some(&fresh),
            origin: Some(Origin {
                offset: base_offset,
                line: base_line,
                column: base_col,
            }),
            ..Hints::default()
        });
        match utf16 {
            None => scanner.scan_part(&blob),
            Some((endian, _)) => {
                let to16 = Utf16Offsets::new(seg, base_offset, base16);
                scanner.remapped(endian.layer(), &|o| to16.at(o), |s| s.scan_part(&blob));
            }
        }
        reported_upto = base_offset + cut;
        if eof && cut == buf.len() {
            break;
        }
        // Keep the tail of this segment (from a line start when there is one) in
        // front of the next.
        let mut keep_from = cut.saturating_sub(OVERLAP);
        if let Some(i) = memchr::memchr(b'\n', &buf[keep_from..cut]) {
            keep_from += i + 1;
        }
        let dropped = &buf[..keep_from];
        let newlines = memchr::memchr_iter(b'\n', dropped).count();
        match memchr::memrchr(b'\n', dropped) {
            Some(i) => base_col = chars(&dropped[i + 1..]),
            None => base_col += chars(dropped),
        }
        base_line += newlines;
        base_offset += keep_from;
        if utf16.is_some() {
            base16 += utf16::utf16_len(dropped);
        }
        buf.drain(..keep_from);
    }
}

/// Absolute UTF-8 offsets of a decoded segment → offsets in the UTF-16
/// original, from sums kept every [`Utf16Offsets::STEP`] bytes (built on the
/// first question: most segments have no finding).
struct Utf16Offsets<'a> {
    seg: &'a [u8],
    base: usize,
    base16: usize,
    sums: std::sync::OnceLock<Vec<usize>>,
}

impl<'a> Utf16Offsets<'a> {
    const STEP: usize = 4096;

    fn new(seg: &'a [u8], base: usize, base16: usize) -> Self {
        Utf16Offsets {
            seg,
            base,
            base16,
            sums: std::sync::OnceLock::new(),
        }
    }

    fn at(&self, offset: usize) -> usize {
        let sums = self.sums.get_or_init(|| {
            let mut acc = 0;
            let mut v = vec![0];
            for chunk in self.seg.chunks(Self::STEP) {
                acc += utf16::utf16_len(chunk);
                v.push(acc);
            }
            v
        });
        let rel = offset.saturating_sub(self.base).min(self.seg.len());
        let k = rel / Self::STEP;
        self.base16 + sums[k] + utf16::utf16_len(&self.seg[k * Self::STEP..rel])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::finding::Event;
    use crate::pipeline::Pipeline;
    use crate::rules::RuleSet;

    /// Hands out the input in random pieces and, at random, says complete
    /// lines waited long enough (as a slow live producer would).
    struct Scripted {
        data: Vec<u8>,
        pos: usize,
        x: u64,
    }

    impl Scripted {
        fn next(&mut self, n: u64) -> u64 {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            self.x % n
        }
    }

    impl Feed for Scripted {
        fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> (Fill, io::Result<()>) {
            let fresh_from = buf.len();
            while buf.len() < want {
                if self.pos == self.data.len() {
                    return (Fill::Eof, Ok(()));
                }
                let n = (1 + self.next(200) as usize).min(self.data.len() - self.pos);
                buf.extend_from_slice(&self.data[self.pos..self.pos + n]);
                self.pos += n;
                if memchr::memchr(b'\n', &buf[fresh_from..]).is_some() && self.next(4) == 0 {
                    return (Fill::Early, Ok(()));
                }
            }
            (Fill::Full, Ok(()))
        }
    }

    fn findings(feed: impl Feed, pipeline: &Pipeline) -> Vec<(usize, usize, usize)> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let scanner = Scanner::new(pipeline, tx);
        let prov = Provenance::Stdin { name: "-".into() };
        scan_feed(feed, &scanner, &prov);
        drop(scanner);
        rx.iter()
            .filter_map(|e| match e {
                Event::Finding(f) => Some((f.offset, f.line, f.column)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn early_flushes_report_each_secret_once_at_its_place() {
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let engine = Pipeline::of(engine);
        let tok = "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";
        let mut data = Vec::new();
        for i in 0..400 {
            data.extend_from_slice(
                format!("2026-11-20T12:05:01.1Z \x1b[32mline {i}\x1b[0m").as_bytes(),
            );
            if i % 37 == 5 {
                data.extend_from_slice(format!(" t={}\x1b[1m{}", &tok[..9], &tok[9..]).as_bytes());
            }
            data.push(b'\n');
        }
        let whole = findings(ReadFeed(&data[..]), &engine);
        assert_eq!(whole.len(), 11);
        assert_eq!(whole[0].1, 6);
        for seed in 1..40 {
            let got = findings(
                Scripted {
                    data: data.clone(),
                    pos: 0,
                    x: seed * 0x9e37_79b9,
                },
                &engine,
            );
            assert_eq!(got, whole, "seed {seed}");
        }
    }
}
