//! Standard input as a stream: scanned in line-aligned segments with bounded memory,
//! so `build 2>&1 | tokenhound scan - --format jsonl` reports findings as they
//! appear and a multi-gigabyte log never grows the process.

use std::io::{ErrorKind, Read};

use crate::enrich::findings_for_blob;
use crate::finding::Provenance;
use crate::scan::Scanner;

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

/// Scans a stream; `name` is the path reports show (`-` for stdin).
pub fn scan_stream(mut reader: impl Read, scanner: &Scanner, name: &str) {
    let provenance = Provenance::Stdin { name: name.to_string() };
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
        while !eof && buf.len() < SEGMENT + OVERLAP {
            let start = buf.len();
            buf.resize(SEGMENT + OVERLAP, 0);
            match reader.read(&mut buf[start..]) {
                Ok(0) => {
                    buf.truncate(start);
                    eof = true;
                }
                Ok(n) => {
                    buf.truncate(start + n);
                    total += n as u64;
                    scanner.count_bytes(n as u64);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => buf.truncate(start),
                Err(e) => {
                    buf.truncate(start);
                    scanner.error(name, format!("read error after {total} bytes: {e}"));
                    eof = true;
                }
            }
        }
        if buf.is_empty() {
            break;
        }
        // Cut after the last newline so lines are whole; a line longer than a
        // segment is cut where the buffer is full (the overlap covers the seam).
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) if i + 1 > OVERLAP => i + 1,
                _ => buf.len(),
            }
        };
        let seg = &buf[..cut];
        let matches: Vec<_> = scanner
            .engine()
            .scan(seg)
            .into_iter()
            .filter(|m| base_offset + m.end > reported_upto)
            .collect();
        if !matches.is_empty() {
            for mut f in findings_for_blob(scanner.engine(), seg, &matches, &provenance, scanner.enrich_options()) {
                if f.line == 1 {
                    f.column += base_col;
                }
                if f.end_line == 1 {
                    f.end_column += base_col;
                }
                f.line += base_line - 1;
                f.end_line += base_line - 1;
                f.offset += base_offset;
                scanner.send_finding(f);
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
        buf.drain(..keep_from);
    }
}
