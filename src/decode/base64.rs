//! Base64 and base64url blocks that decode to text: Kubernetes `Secret` manifests
//! (`data:` values), `.docker/config.json` `auths` (`base64(user:token)`), Basic
//! auth headers, tokens stashed in env dumps. Blocks that decode to binary (hashes,
//! images, compressed data) are dropped by a printable-text check.

use base64::Engine as _;

use super::View;

/// Layer name reported in `decoded`.
pub const NAME: &str = "base64";

/// Shortest run worth decoding: 20 chars decode to 15 bytes, less than any token.
pub const MIN_RUN: usize = 20;

/// Base64 and base64url alphabet membership, by byte.
static B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        b += 1;
    }
    t
};

#[inline]
fn is_b64(b: u8) -> bool {
    B64[b as usize]
}

/// True when `data` is mostly printable text (what a credential decodes to).
fn is_text(data: &[u8]) -> bool {
    if data.is_empty() {
        return false;
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return false;
    };
    let mut printable = 0usize;
    let mut total = 0usize;
    for c in s.chars() {
        total += 1;
        if !c.is_control() || matches!(c, '\n' | '\r' | '\t') {
            printable += 1;
        }
    }
    printable * 100 >= total * 95
}

/// Cheap test on a run's first characters before anything is allocated: one
/// alphabet, not an identifier, and its first 48 decoded bytes are text. Most
/// long runs (hashes, integrity strings, minified identifiers) stop here.
fn plausible(run: &[u8]) -> bool {
    let head = &run[..run.len().min(64)];
    // Base64 of text has capitals (a character is one 26 times in 64): a run
    // with none (hex digests, lower-case words, paths and flags: most runs of
    // a build log) is not one, and is dropped before anything else. Twenty
    // characters without one happen by chance once in ~30,000 encodings of text.
    // (A fold, not `any`: without an early exit the check vectorises, and
    // most heads have no capital to stop at.)
    let capitals = head
        .iter()
        .fold(0u8, |seen, &b| seen | u8::from(b.wrapping_sub(b'A') < 26));
    if capitals == 0 {
        return false;
    }
    let url = head.iter().any(|&b| b == b'-' || b == b'_');
    let std = head.iter().any(|&b| b == b'+' || b == b'/');
    if url && std {
        return false;
    }
    let take = head.len() - head.len() % 4;
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let mut buf = [0u8; 48];
    match engine.decode_slice(&head[..take], &mut buf) {
        Ok(n) => is_text_prefix(&buf[..n]),
        Err(_) => false,
    }
}

/// `is_text` for a prefix, which may end inside a UTF-8 sequence.
fn is_text_prefix(data: &[u8]) -> bool {
    match std::str::from_utf8(data) {
        Ok(_) => is_text(data),
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => {
            is_text(&data[..e.valid_up_to()])
        }
        Err(_) => false,
    }
}

/// Bit k set when `chunk[k]` is in the base64 or base64url alphabet. The
/// flags are computed with comparisons (not the table) and packed eight at a
/// time with a multiply, so the compiler vectorises it: 2.7x faster than
/// probing byte by byte on the benchmark corpus.
#[inline]
fn alphabet_mask(chunk: &[u8; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &c) in flags.iter_mut().zip(chunk) {
        let alpha = (c | 0x20).wrapping_sub(b'a') < 26;
        let digit = c.wrapping_sub(b'0') < 10;
        let sym = c == b'+' || c == b'/' || c == b'-' || c == b'_';
        *f = (alpha | digit | sym) as u8;
    }
    let mut m = 0u64;
    for (g, eight) in flags.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        // Byte i of x (0 or 1) lands on bit 56 + i of the product.
        m |= (x.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (g * 8);
    }
    m
}

/// [`alphabet_mask`] of a chunk shorter than 64 bytes (the end of the input).
fn alphabet_mask_tail(chunk: &[u8]) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |m, (k, &c)| m | (u64::from(is_b64(c)) << k))
}

/// The index of the last byte of the first window of [`MIN_RUN`] consecutive
/// alphabet bytes in `input[from..]`, if any.
fn first_long_run_end(input: &[u8], from: usize) -> Option<usize> {
    const _: () = assert!(MIN_RUN == 20, "the shifts below make runs of 20");
    let mut prev = 0u64;
    let mut at = from;
    while at < input.len() {
        let m = match input.get(at..at + 64) {
            Some(chunk) => alphabet_mask(chunk.try_into().expect("64 bytes")),
            None => alphabet_mask_tail(&input[at..]),
        };
        // Bit 64 + k of `r` is set when a run of 20 ends at chunk[k] (the
        // previous chunk supplies the bits before k).
        let x = (u128::from(m) << 64) | u128::from(prev);
        let r2 = x & (x << 1);
        let r4 = r2 & (r2 << 2);
        let r8 = r4 & (r4 << 4);
        let r16 = r8 & (r8 << 8);
        let r20 = r16 & (r4 << 16);
        let ends = (r20 >> 64) as u64;
        if ends != 0 {
            return Some(at + ends.trailing_zeros() as usize);
        }
        prev = m;
        at += 64;
    }
    None
}

/// The end of the run of alphabet bytes going on at `from`: the first byte at
/// or after `from` outside the alphabet (or the input's end), 64 at a time.
fn run_end(input: &[u8], from: usize) -> usize {
    let mut at = from;
    while at < input.len() {
        let m = match input.get(at..at + 64) {
            Some(chunk) => alphabet_mask(chunk.try_into().expect("64 bytes")),
            None => alphabet_mask_tail(&input[at..]),
        };
        let ones = m.trailing_ones() as usize;
        if ones < 64 {
            return (at + ones).min(input.len());
        }
        at += 64;
    }
    input.len()
}

/// One candidate block: the ranges of original offsets holding its characters
/// (one per line of a wrapped block; padding excluded). Ranges, not a position
/// per character: a 10 MB run would otherwise hold 80 MB of offsets.
struct Block {
    segs: Vec<(usize, usize)>,
}

impl Block {
    /// The original offset of every character, in order.
    fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.segs.iter().flat_map(|&(a, b)| a..b)
    }
}

/// The candidate blocks of `input`: every maximal run of at least
/// [`MIN_RUN`] alphabet bytes that is [`plausible`] starts one (with its
/// wrapped continuation lines), unless an earlier block took it in.
fn runs(input: &[u8]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < input.len() {
        // The end of the first stretch of MIN_RUN base64 characters at or after i,
        // found 64 bytes at a time (most of any text has none).
        let Some(probe) = first_long_run_end(input, i) else {
            break;
        };
        // The first window of MIN_RUN ends at `probe`, so the run starts right
        // where it does (no earlier window means the byte before is not in
        // the alphabet, or is before `i`).
        let start = probe + 1 - MIN_RUN;
        i = run_end(input, probe + 1);
        block_at(input, start, &mut i, &mut out);
    }
    out
}

/// [`runs`] of a blob built from pieces of a blob that had none (a git
/// delta on a base whose every long run was implausible), given `windows`
/// (sorted, disjoint) covering every byte not copied from the base and the
/// bytes on both sides of every seam between pieces. Exact: a maximal run
/// that touches no window lies inside one copied piece with an outside-the-
/// alphabet byte of that piece on each side, so it is a maximal run of the
/// base, which was implausible; only runs touching a window can start blocks.
fn runs_near(input: &[u8], windows: &[(usize, usize)]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    // As in `runs`: everything before `i` is taken (`input[i]`, if any, is
    // outside the alphabet), so a run holding a byte at or after `i` starts
    // after it.
    let mut i = 0;
    let n = input.len();
    for &(lo, hi) in windows {
        let hi = hi.min(n);
        // From the start of the run holding `lo` (if any).
        let mut from = lo.max(i);
        while from > i && from < n && is_b64(input[from]) && is_b64(input[from - 1]) {
            from -= 1;
        }
        // Only long runs matter: the first window of MIN_RUN alphabet bytes
        // from `from` that starts before `hi` begins such a run touching
        // [lo, hi) (found 64 bytes at a time, not past where it could start).
        while from < hi {
            let limit = (hi + MIN_RUN - 1).min(n);
            let Some(probe) = first_long_run_end(&input[..limit], from) else {
                break;
            };
            let start = probe + 1 - MIN_RUN;
            i = run_end(input, probe + 1);
            block_at(input, start, &mut i, &mut out);
            from = i;
        }
    }
    out
}

/// The block a maximal run `input[start..*i]` starts, pushed to `out` if the
/// run is long and plausible; `*i` moves past the block's continuation lines.
fn block_at(input: &[u8], start: usize, i: &mut usize, out: &mut Vec<Block>) {
    let n = input.len();
    // Most runs are words: skip them before allocating anything (a wrapped
    // block starts with a full-width line, far longer than this).
    if *i - start < MIN_RUN || !plausible(&input[start..*i]) {
        return;
    }
    let mut segs = vec![(start, *i)];
    let mut len = *i - start;
    // Wrapped blocks (`base64` wraps at 76, PEM at 64): a full-width line
    // (a multiple of 4, at least 60) followed by more base64 continues it.
    let mut last_line = *i - start;
    while len.is_multiple_of(4) && last_line >= 60 {
        let mut j = *i;
        if j < n && input[j] == b'\r' {
            j += 1;
        }
        if j >= n || input[j] != b'\n' {
            break;
        }
        j += 1;
        while j < n && (input[j] == b' ' || input[j] == b'\t') {
            j += 1;
        }
        let s2 = j;
        while j < n && is_b64(input[j]) {
            j += 1;
        }
        // A continuation line is base64 to its end (padding aside): a
        // line that merely starts with letters (`config: …`) is not one.
        let mut k = j;
        while k < n && input[k] == b'=' {
            k += 1;
        }
        let line_ends = k >= n || matches!(input[k], b'\n' | b'\r' | b' ' | b'\t' | b'"' | b'\'');
        if j == s2 || !line_ends {
            break;
        }
        segs.push((s2, j));
        len += j - s2;
        last_line = j - s2;
        *i = j;
    }
    if len >= MIN_RUN {
        out.push(Block { segs });
    }
}

/// Decodes one block; `None` when it is not base64 of text.
fn decode_block(input: &[u8], block: &Block) -> Option<Vec<u8>> {
    let chars: Vec<u8> = block
        .segs
        .iter()
        .flat_map(|&(a, b)| input[a..b].iter().copied())
        .collect();
    let url = chars.iter().any(|&b| b == b'-' || b == b'_');
    let std = chars.iter().any(|&b| b == b'+' || b == b'/');
    if url && std {
        return None;
    }
    // An identifier (all letters, or snake/kebab words) is not base64.
    if !chars.iter().any(u8::is_ascii_digit) && !chars.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let usable = chars.len() - chars.len() % 4;
    let usable = if chars.len() % 4 >= 2 {
        chars.len()
    } else {
        usable
    };
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let data = engine.decode(&chars[..usable]).ok()?;
    is_text(&data).then_some(data)
}

/// A view of every base64 block of `input` that decodes to text, blocks separated
/// by line breaks; each 4-character group maps to its 3 decoded bytes, so spans
/// point at the encoded characters of the secret. Cheap check: a run of at least
/// [`MIN_RUN`] base64 characters.
pub fn layer(input: &[u8]) -> Option<View> {
    view_of(input, runs(input))
}

/// [`layer`], and whether `input` is quiet: no run in it is plausible, so a
/// blob built from its pieces needs only [`layer_near`] its changes.
pub fn layer_noting_quiet(input: &[u8]) -> (Option<View>, bool) {
    let blocks = runs(input);
    let quiet = blocks.is_empty();
    (view_of(input, blocks), quiet)
}

/// [`layer_noting_quiet`] of a blob built from pieces of a quiet blob:
/// only the runs touching `windows` (sorted, disjoint; they must cover every
/// inserted byte and both bytes of every seam between pieces) are looked at.
/// Same result as on the whole blob (see [`runs_near`]).
pub fn layer_near(input: &[u8], windows: &[(usize, usize)]) -> (Option<View>, bool) {
    let blocks = runs_near(input, windows);
    let quiet = blocks.is_empty();
    (view_of(input, blocks), quiet)
}

fn view_of(input: &[u8], blocks: Vec<Block>) -> Option<View> {
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    for mut block in blocks {
        let data = match decode_block(input, &block) {
            Some(d) => d,
            // A short last line may be a word after the block (`text` in the
            // next field of an export), not its end: try once without it.
            None if block.segs.len() > 1 => {
                block.segs.pop();
                match decode_block(input, &block) {
                    Some(d) => d,
                    None => continue,
                }
            }
            None => continue,
        };
        let mut pos = block.positions();
        for chunk in data.chunks(3) {
            // The group's (up to) 4 characters: the first and the last there is.
            let Some(first) = pos.next() else { break };
            let last = pos.by_ref().take(3).last().unwrap_or(first);
            view.bytes.extend_from_slice(chunk);
            view.map.replace(first, last + 1 - first, chunk.len());
        }
        let end = block.segs.last().expect("non-empty run").1;
        view.bytes.push(b'\n');
        view.map.replace(end, 0, 1);
    }
    (!view.bytes.is_empty()).then_some(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_blocks_only() {
        let enc = base64::engine::general_purpose::STANDARD.encode("user:secret-token-value-123");
        let src = format!("auth: \"{enc}\"\nsha512-{}\n", "A1b2".repeat(20));
        let v = layer(src.as_bytes()).unwrap();
        assert_eq!(v.bytes, b"user:secret-token-value-123\n");
        assert_eq!(v.map.start(0), 7);
        assert!(layer(b"just_some_identifier_name_here_ok").is_none());
    }

    #[test]
    fn run_ends_are_found_where_a_byte_by_byte_scan_finds_them() {
        let alphabet = b"aZ09+/-_ .=";
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for len in [0usize, 1, 63, 64, 65, 130, 300] {
            for _ in 0..100 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        alphabet[if x % 50 < 47 {
                            (x % 8) as usize
                        } else {
                            8 + (x % 3) as usize
                        }]
                    })
                    .collect();
                for from in [0, 1, 20, 63, 64, 100] {
                    let naive = (from..len)
                        .find(|&k| !is_b64(input[k]))
                        .unwrap_or(len.max(from));
                    if from <= len {
                        assert_eq!(run_end(&input, from), naive, "len {len} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn long_runs_are_found_where_a_byte_by_byte_scan_finds_them() {
        fn naive(input: &[u8], from: usize) -> Option<usize> {
            let mut run = 0;
            for (k, &b) in input.iter().enumerate().skip(from) {
                run = if is_b64(b) { run + 1 } else { 0 };
                if run >= MIN_RUN {
                    return Some(k);
                }
            }
            None
        }
        let alphabet = b"aZ09+/-_ .=\n\x80";
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for len in [0usize, 1, 19, 20, 21, 63, 64, 65, 127, 128, 129, 300, 1000] {
            for _ in 0..200 {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Mostly alphabet, so runs of every length occur.
                        let k = (x % 40) as usize;
                        alphabet[if k < 30 { k % 8 } else { 8 + k % 4 }]
                    })
                    .collect();
                for from in [0, 1, 7, 20, 64, 65] {
                    assert_eq!(first_long_run_end(&input, from), naive(&input, from));
                }
            }
        }
    }

    #[test]
    fn a_next_line_that_only_starts_with_letters_is_not_a_continuation() {
        let a = base64::engine::general_purpose::STANDARD
            .encode("DEPLOY_TOKEN=xoxb-104332181960-0133890838637-FakeFAKEfakeTESTtest0000");
        let b = base64::engine::general_purpose::STANDARD.encode("DEPLOY_TOKEN=glpat-FAKEtestONLY");
        let src = format!("config: {a}\nconfig: {b}\n");
        let v = layer(src.as_bytes()).unwrap();
        let text = String::from_utf8(v.bytes).unwrap();
        assert!(text.contains("xoxb-104332181960"), "{text:?}");
        assert!(text.contains("glpat-FAKEtestONLY"), "{text:?}");
    }

    #[test]
    fn a_word_on_the_next_line_is_not_the_end_of_a_block() {
        let a = base64::engine::general_purpose::STANDARD
            .encode("DEPLOY_TOKEN=xoxb-104332181960-0133890838637-FakeFAKEfakeTESTtest0000");
        let v = layer(format!("config: {a}\ntext\n").as_bytes()).unwrap();
        let text = String::from_utf8(v.bytes).unwrap();
        assert!(text.contains("xoxb-104332181960"), "{text:?}");
    }

    #[test]
    fn joins_wrapped_lines() {
        let text = "x".repeat(40) + " token=abcdef0123456789";
        let enc = base64::engine::general_purpose::STANDARD.encode(&text);
        let wrapped = format!("{}\n  {}", &enc[..60], &enc[60..]);
        let v = layer(wrapped.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(v.bytes).unwrap().trim_end(), text);
    }
}
