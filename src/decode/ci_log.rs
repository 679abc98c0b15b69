//! CI build-log normaliser: the decode layer that turns a raw runner log into the
//! text a person reads, so a token split by colour codes or sitting behind a
//! timestamp is matched whole, while its location still points into the raw log.
//!
//! Peeled (each run mapped back to the original with an [`OffsetMap`]):
//! - a leading UTF-8 byte-order mark (GitHub's downloaded logs have one);
//! - ANSI escape sequences: CSI (`ESC [ … final`), charset and single-byte escapes
//!   are dropped; OSC (`ESC ] … BEL|ESC \`, e.g. OSC 8 hyperlinks) keeps its payload
//!   (a URL can hold a token) with its introducer and terminator shown as a space;
//! - GitHub Actions timestamp prefixes (`2026-11-20T12:05:01.1234567Z `) and
//!   `##[group]`, `##[endgroup]`, `##[error]`, `##[warning]`, … markers;
//! - GitLab timestamp/stream prefixes (`…Z 00O `), `+` continuation lines joined to
//!   the line before them, and `section_start:<ts>:<name>\r\x1b[0K` /
//!   `section_end:…` markers;
//! - Jenkins console notes (`ESC[8mha:<base64>ESC[0m`), whose base64 would
//!   otherwise be a wall of high-entropy noise.
//!
//! Everything else — including `\r`, invalid UTF-8 and the runners' masks (`***`,
//! `[MASKED]`) — is copied unchanged; [`is_masked`] tells callers which matches
//! are masks rather than leaks. Pure bytes → [`View`]; knows nothing else.

use memchr::{memchr, memchr2, memmem};

use super::{OffsetMap, View};

/// The layer name recorded in a finding's `decoded` list.
pub const LAYER: &str = "ci-log";

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
/// Longest CSI parameter/intermediate run accepted as one escape sequence.
const MAX_CSI: usize = 64;
/// Longest OSC payload looked for on one line (hyperlinks, window titles).
const MAX_OSC: usize = 8 << 10;
/// Longest GitLab section marker (`section_start:<ts>:<name>[opts]`).
const MAX_SECTION: usize = 512;

/// True when a matched secret is (or contains) a runner's mask rather than a
/// leaked value: GitHub's `***`, GitLab's `[MASKED]`. A token the runner failed
/// to mask contains neither, so it is still reported.
pub fn is_masked(secret: &[u8]) -> bool {
    memmem::find(secret, b"***").is_some() || memmem::find(secret, b"[MASKED]").is_some()
}

/// Normalises a whole log (or a line-aligned piece of one starting at a line start).
pub fn normalise(original: &[u8]) -> View {
    let mut n = Normaliser {
        src: original,
        out: Vec::with_capacity(original.len()),
        map: OffsetMap::new(),
        changed: false,
        pending_nl: None,
    };
    n.run();
    View {
        layers: if n.changed { vec![LAYER] } else { Vec::new() },
        bytes: n.out,
        map: n.map,
    }
}

/// `text` with its escape sequences (and GitLab section markers) removed but
/// its line prefixes kept: for showing a log line (a finding's `line_text`)
/// without letting the log drive the reader's terminal.
pub fn strip_escapes(text: &[u8]) -> Vec<u8> {
    let mut n = Normaliser {
        src: text,
        out: Vec::with_capacity(text.len()),
        map: OffsetMap::new(),
        changed: false,
        pending_nl: None,
    };
    let mut pos = 0;
    while pos < text.len() {
        n.flush_nl();
        pos = n.line_body(pos);
    }
    n.flush_nl();
    n.out
}

struct Normaliser<'a> {
    src: &'a [u8],
    out: Vec<u8>,
    map: OffsetMap,
    /// Whether anything was dropped or rewritten.
    changed: bool,
    /// Original offset of the last line's `\n`, emitted when the next line turns
    /// out not to be a GitLab continuation (`…Z 00O+`).
    pending_nl: Option<usize>,
}

impl Normaliser<'_> {
    fn copy(&mut self, from: usize, to: usize) {
        if to > from {
            self.out.extend_from_slice(&self.src[from..to]);
            self.map.copy(from, to - from);
        }
    }

    fn flush_nl(&mut self) {
        if let Some(p) = self.pending_nl.take() {
            self.out.push(b'\n');
            self.map.copy(p, 1);
        }
    }

    fn run(&mut self) {
        let src = self.src;
        let mut pos = 0;
        // Downloaded GitHub Actions logs start with a UTF-8 byte-order mark.
        if src.starts_with(b"\xEF\xBB\xBF") {
            pos = 3;
            self.changed = true;
        }
        while pos < src.len() {
            // Line start: runner prefixes and markers.
            let (content, continuation) = line_prefix(src, pos);
            if content > pos {
                self.changed = true;
            }
            if continuation && self.pending_nl.is_some() {
                self.pending_nl = None;
            } else {
                self.flush_nl();
            }
            pos = self.line_body(content);
        }
        self.flush_nl();
    }

    /// Copies one line's content from `pos`, dropping escapes and markers; returns
    /// the offset after its `\n` (remembered as pending) or the end. One
    /// `memchr2` per line when it has no escape (the common case).
    fn line_body(&mut self, mut pos: usize) -> usize {
        let src = self.src;
        // A section marker may open the line without a preceding ESC[0K.
        if src.get(pos) == Some(&b's') {
            if let Some(end) = section_marker(src, pos, src.len()) {
                self.changed = true;
                pos = end;
            }
        }
        let mut copy_from = pos;
        let mut line_end: Option<usize> = None;
        loop {
            let Some(i) = memchr2(ESC, b'\n', &src[pos..]) else {
                self.copy(copy_from, src.len());
                return src.len();
            };
            let at = pos + i;
            self.copy(copy_from, at);
            if src[at] == b'\n' {
                self.pending_nl = Some(at);
                return at + 1;
            }
            self.changed = true;
            let end = *line_end.get_or_insert_with(|| {
                memchr(b'\n', &src[at..])
                    .map(|j| at + j)
                    .unwrap_or(src.len())
            });
            pos = self.escape(at, end);
            copy_from = pos;
        }
    }

    /// Handles the escape sequence at `esc` (before `line_end`); returns where
    /// copying resumes.
    fn escape(&mut self, esc: usize, line_end: usize) -> usize {
        let src = self.src;
        let Some(&kind) = src.get(esc + 1).filter(|_| esc + 1 < line_end) else {
            return esc + 1;
        };
        match kind {
            b'[' => {
                let mut p = esc + 2;
                while p < line_end && p - esc < MAX_CSI && (0x30..=0x3f).contains(&src[p]) {
                    p += 1;
                }
                while p < line_end && p - esc < MAX_CSI && (0x20..=0x2f).contains(&src[p]) {
                    p += 1;
                }
                if p >= line_end || !(0x40..=0x7e).contains(&src[p]) {
                    // Not a complete CSI: drop the introducer only.
                    return esc + 2;
                }
                let after = p + 1;
                let params = &src[esc + 2..p];
                match src[p] {
                    // Jenkins console note: conceal, `ha:<base64>`, reset.
                    b'm' if params == b"8" && src[after..line_end].starts_with(b"ha:") => {
                        if let Some(j) = memmem::find(&src[after..line_end], b"\x1b[0m") {
                            return after + j + 4;
                        }
                        after
                    }
                    // GitLab: ESC[0K before `section_start:`/`section_end:`.
                    b'K' => section_marker(src, after, line_end).unwrap_or(after),
                    _ => after,
                }
            }
            b']' => {
                // OSC: keep the payload (it may be a URL), separated by spaces.
                let limit = line_end.min(esc + 2 + MAX_OSC);
                let body = esc + 2;
                let Some(j) = memchr2(BEL, ESC, &src[body..limit]) else {
                    return body;
                };
                let term = body + j;
                let term_len = if src[term] == BEL {
                    1
                } else if src.get(term + 1) == Some(&b'\\') && term + 1 < line_end {
                    2
                } else {
                    // Some other escape inside: treat the introducer alone.
                    return body;
                };
                self.out.push(b' ');
                self.map.replace(esc, 2, 1);
                self.copy(body, term);
                self.out.push(b' ');
                self.map.replace(term, term_len, 1);
                term + term_len
            }
            // Charset designation: ESC ( B and friends.
            b'(' | b')' | b'*' | b'+' | b'-' | b'.' | b'/' | b'#' | b'%' => (esc + 3).min(line_end),
            // Two-byte escapes (ESC 7, ESC =, ESC M, …).
            0x30..=0x7e => esc + 2,
            _ => esc + 1,
        }
    }
}

/// If a GitLab section marker (`section_start:<ts>:<name>[opts]\r` or
/// `section_end:…\r`, optionally followed by `ESC[0K`) starts at `pos`, the offset
/// just after it.
fn section_marker(src: &[u8], pos: usize, line_end: usize) -> Option<usize> {
    let rest = &src[pos..line_end.min(pos + MAX_SECTION)];
    let after_kw = if rest.starts_with(b"section_start:") {
        14
    } else if rest.starts_with(b"section_end:") {
        12
    } else {
        return None;
    };
    let mut p = after_kw;
    let digits = rest[p..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || rest.get(p + digits) != Some(&b':') {
        return None;
    }
    p += digits + 1;
    let cr = memchr(b'\r', &rest[p..])? + p;
    if cr == p || rest[p..cr].iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let mut end = pos + cr + 1;
    if src[end..line_end].starts_with(b"\x1b[0K") {
        end += 4;
    }
    Some(end)
}

/// Length of `YYYY-MM-DDTHH:MM:SS[.fffffff]Z ` at the start of `s`, if present.
fn timestamp_len(s: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    if s.len() < SHAPE.len() + 2 {
        return None;
    }
    for (c, want) in s.iter().zip(SHAPE) {
        let ok = if *want == b'd' {
            c.is_ascii_digit()
        } else {
            c == want
        };
        if !ok {
            return None;
        }
    }
    let mut p = SHAPE.len();
    if s[p] == b'.' {
        let frac = s[p + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if frac == 0 || frac > 9 {
            return None;
        }
        p += 1 + frac;
    }
    if s.get(p) == Some(&b'Z') && s.get(p + 1) == Some(&b' ') {
        Some(p + 2)
    } else {
        None
    }
}

/// Skips the runner prefixes at the line starting at `pos`: a timestamp, then a
/// GitLab stream tag (`00O ` / `01E+`) or a GitHub `##[name]` marker. Returns the
/// content start and whether the line continues the previous one (GitLab `+`).
fn line_prefix(src: &[u8], pos: usize) -> (usize, bool) {
    let mut p = pos;
    let mut continuation = false;
    if let Some(n) = timestamp_len(&src[p..]) {
        p += n;
        // GitLab: two hex digits of stream id, O(ut) or E(rr), then ' ' or '+'.
        if let [a, b, s, sep, ..] = src[p..] {
            if a.is_ascii_hexdigit()
                && b.is_ascii_hexdigit()
                && (s == b'O' || s == b'E')
                && (sep == b' ' || sep == b'+')
            {
                continuation = sep == b'+';
                p += 4;
            }
        }
    }
    if src[p..].starts_with(b"##[") {
        let rest = &src[p + 3..src.len().min(p + 64)];
        if let Some(close) = memchr(b']', rest) {
            let name_len = rest
                .iter()
                .take_while(|b| b.is_ascii_lowercase() || **b == b'-')
                .count();
            if name_len > 0
                && rest[name_len..close]
                    .iter()
                    .all(|&b| b != b'\n' && b != b'\r')
            {
                p += 3 + close + 1;
            }
        }
    }
    (p, continuation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &View) -> String {
        String::from_utf8_lossy(&v.bytes).into_owned()
    }

    /// The original span a view span maps to.
    fn orig<'a>(src: &'a [u8], v: &View, s: usize, e: usize) -> &'a [u8] {
        &src[v.map.start(s)..v.map.end(e)]
    }

    #[test]
    fn plain_text_is_unchanged() {
        let src = b"hello\nworld\r\n\xff\xfe bytes\n";
        let v = normalise(src);
        assert_eq!(v.bytes, src);
        assert!(v.layers.is_empty());
        assert_eq!(v.map.start(6), 6);
    }

    #[test]
    fn strips_github_timestamps_and_markers() {
        let src = b"2026-11-20T12:05:01.1234567Z ##[group]Run make\n2026-11-20T12:05:01.2Z token abc\n2026-11-20T12:05:02Z ##[endgroup]\n";
        let v = normalise(src);
        assert_eq!(text(&v), "Run make\ntoken abc\n\n");
        assert_eq!(v.layers, vec![LAYER]);
        let s = text(&v).find("abc").unwrap();
        assert_eq!(orig(src, &v, s, s + 3), b"abc");
    }

    #[test]
    fn leading_bom_then_timestamp() {
        let src = b"\xEF\xBB\xBF2026-11-20T12:05:01.1234567Z first\n2026-11-20T12:05:02.1234567Z second\n";
        let v = normalise(src);
        assert_eq!(text(&v), "first\nsecond\n");
        assert_eq!(orig(src, &v, 0, 5), b"first");
    }

    #[test]
    fn token_split_by_colour_maps_to_whole_span() {
        let src = b"key: ghp_abc\x1b[31mdef\x1b[0mghi end\n";
        let v = normalise(src);
        assert_eq!(text(&v), "key: ghp_abcdefghi end\n");
        let s = 5;
        let e = s + "ghp_abcdefghi".len();
        assert_eq!(orig(src, &v, s, e), b"ghp_abc\x1b[31mdef\x1b[0mghi");
    }

    #[test]
    fn gitlab_sections_prefixes_and_continuations() {
        let src = b"2026-09-26T22:30:07.958626Z 00O \x1b[0Ksection_start:1790000000:step_script\r\x1b[0K\x1b[36;1mExecuting\x1b[0;m\n\
2026-09-26T22:30:07.958700Z 01E part-one\n\
2026-09-26T22:30:07.958800Z 01E+part-two\n\
2026-09-26T22:30:08.000000Z 00O \x1b[0Ksection_end:1790000001:step_script\r\x1b[0K\n";
        let v = normalise(src);
        assert_eq!(text(&v), "Executing\npart-onepart-two\n\n");
        let s = text(&v).find("part-two").unwrap();
        assert_eq!(orig(src, &v, s, s + 8), b"part-two");
    }

    #[test]
    fn jenkins_console_notes_are_dropped() {
        let src = b"\x1b[8mha:////4NzEXAMPLEbase64+/==\x1b[0m[Pipeline] sh\n+ echo hi\n";
        let v = normalise(src);
        assert_eq!(text(&v), "[Pipeline] sh\n+ echo hi\n");
    }

    #[test]
    fn osc_hyperlink_payload_is_kept_apart() {
        let src = b"see \x1b]8;;https://x.test/?t=abc\x1b\\link\x1b]8;;\x07 done";
        let v = normalise(src);
        assert_eq!(text(&v), "see  8;;https://x.test/?t=abc link 8;;  done");
    }

    #[test]
    fn malformed_escapes_do_not_panic() {
        for src in [
            &b"\x1b"[..],
            b"\x1b[",
            b"\x1b[31",
            b"\x1b]8;;no-end",
            b"\x1b(",
            b"a\x1b\nb",
            b"\x1b[8mha:unterminated",
            b"section_start:12:x",
            b"2026-11-20T12:05:01.Z x",
            b"##[",
            b"2026-11-20T12:05:01Z 0",
        ] {
            let v = normalise(src);
            assert!(v.bytes.len() <= src.len() + 4);
            for i in 0..=v.bytes.len() {
                assert!(v.map.end(i) <= src.len());
            }
        }
    }

    #[test]
    fn strip_escapes_keeps_prefixes() {
        assert_eq!(
            strip_escapes(b"2026-11-20T12:05:01Z \x1b[31mred\x1b[0m \x1b]0;title\x07ok"),
            b"2026-11-20T12:05:01Z red  0;title ok"
        );
    }

    /// Random runner-ish bytes: never a panic, and every view byte maps back to
    /// an original byte it was copied from (or to the escape it stands for).
    #[test]
    fn random_input_keeps_the_map_consistent() {
        const ALPHABET: &[&[u8]] = &[
            b"\x1b",
            b"[",
            b"]",
            b"\n",
            b"\r",
            b"0",
            b"8",
            b"m",
            b"K",
            b";",
            b"a",
            b"ha:",
            b"#",
            b"##[group]",
            b"section_start:1:x\r",
            b"section_end:2:x\r",
            b"\x07",
            b"\\",
            b"+",
            b"2026-11-20T12:05:01.1234567Z ",
            b"2026-11-20T12:05:01.958626Z 00O+",
            b"\xff",
        ];
        let mut x: u64 = 0x853c49e6748fea9b;
        for _ in 0..2000 {
            let mut src = Vec::new();
            for _ in 0..(x % 40) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                src.extend_from_slice(ALPHABET[(x % ALPHABET.len() as u64) as usize]);
            }
            let v = normalise(&src);
            let mut last = 0;
            for (i, &b) in v.bytes.iter().enumerate() {
                let o = v.map.start(i);
                assert!(o >= last && o < src.len(), "{src:?}");
                last = o;
                assert!(
                    src[o] == b || (b == b' ' && src[o] == ESC) || (b == b' ' && src[o] == BEL),
                    "view byte {i} of {:?} from {src:?}",
                    v.bytes
                );
                assert!(v.map.end(i + 1) <= src.len());
            }
        }
    }

    #[test]
    fn masks() {
        assert!(is_masked(b"***"));
        assert!(is_masked(b"token-***"));
        assert!(is_masked(b"[MASKED]"));
        assert!(!is_masked(b"ghp_abc"));
    }
}
