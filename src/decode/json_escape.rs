//! JSON string escapes (`\/`, `\n`, `\"`, `\uXXXX`): exports escape `/` as `\/`
//! (a Slack webhook URL becomes `https:\/\/hooks.slack.com\/…`) and an escaped
//! newline glues the next word to a token (`\nghp_…` has no word boundary), so
//! regexes must run on the unescaped text.

use super::peel::lines_with;
use super::{OffsetMap, View};

/// Layer name reported in `decoded`.
pub const NAME: &str = "json";

/// Appends the decoded contents of a JSON string (the bytes between its quotes,
/// found at offset `base` of the original) to `out`, mapping every byte back.
/// Invalid escapes are copied as they are: bad input never loses bytes.
pub fn decode_into(raw: &[u8], base: usize, out: &mut Vec<u8>, map: &mut OffsetMap) {
    let mut i = 0;
    let mut plain = 0;
    while let Some(p) = memchr::memchr(b'\\', &raw[i..]) {
        let at = i + p;
        out.extend_from_slice(&raw[plain..at]);
        map.copy(base + plain, at - plain);
        let (len, decoded) = escape_at(raw, at);
        match decoded {
            Some(bytes) => {
                out.extend_from_slice(bytes.as_slice());
                map.replace(base + at, len, bytes.len());
            }
            None => {
                out.extend_from_slice(&raw[at..at + len]);
                map.copy(base + at, len);
            }
        }
        i = at + len;
        plain = i;
    }
    out.extend_from_slice(&raw[plain..]);
    map.copy(base + plain, raw.len() - plain);
}

/// Small inline buffer for one decoded escape (at most 4 UTF-8 bytes).
pub struct Decoded {
    buf: [u8; 4],
    len: usize,
}

impl Decoded {
    fn one(b: u8) -> Self {
        Decoded {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }
    fn char(c: char) -> Self {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len();
        Decoded { buf, len }
    }
    /// The decoded bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    /// Number of decoded bytes.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Never true: an escape decodes to at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn hex4(b: &[u8]) -> Option<u32> {
    if b.len() < 4 {
        return None;
    }
    let s = std::str::from_utf8(&b[..4]).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// The escape starting at `raw[at] == b'\\'`: its length in the original and its
/// decoded bytes (`None` when it is not a valid escape).
fn escape_at(raw: &[u8], at: usize) -> (usize, Option<Decoded>) {
    let Some(&c) = raw.get(at + 1) else {
        return (1, None);
    };
    let simple = match c {
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        b'/' => Some(b'/'),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        _ => None,
    };
    if let Some(b) = simple {
        return (2, Some(Decoded::one(b)));
    }
    if c != b'u' {
        return (1, None);
    }
    let Some(hi) = hex4(&raw[at + 2..]) else {
        return (1, None);
    };
    if (0xD800..0xDC00).contains(&hi) {
        // A surrogate pair: \uD83D\uDE00.
        if raw.get(at + 6) == Some(&b'\\') && raw.get(at + 7) == Some(&b'u') {
            if let Some(lo) = hex4(&raw[at + 8..]) {
                if (0xDC00..0xE000).contains(&lo) {
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    if let Some(ch) = char::from_u32(cp) {
                        return (12, Some(Decoded::char(ch)));
                    }
                }
            }
        }
        return (6, Some(Decoded::char('\u{FFFD}')));
    }
    match char::from_u32(hi) {
        Some(ch) => (6, Some(Decoded::char(ch))),
        None => (6, Some(Decoded::char('\u{FFFD}'))),
    }
}

/// True when `b` follows a backslash in an escape that can hide or glue a token.
fn is_escape_letter(b: u8) -> bool {
    matches!(b, b'/' | b'u' | b'n' | b'r' | b't' | b'"' | b'\\')
}

/// The JSON-unescaped view of the lines of `input` that hold an escape, or `None`
/// when there is none (the cheap check: one `memchr` for a backslash).
pub fn layer(input: &[u8]) -> Option<View> {
    memchr::memchr(b'\\', input)?;
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    let mut changed = false;
    for (start, end) in lines_with(input, b'\\', |at| {
        input.get(at + 1).is_some_and(|&b| is_escape_letter(b))
    }) {
        let before = view.bytes.len();
        decode_into(&input[start..end], start, &mut view.bytes, &mut view.map);
        changed |= view.bytes.len() - before != end - start || input[start..end].contains(&b'\\');
        view.bytes.push(b'\n');
        view.map.replace(end, 0, 1);
    }
    changed.then_some(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_and_maps() {
        let raw = br#"https:\/\/x.test\u0041z"#;
        let mut out = Vec::new();
        let mut map = OffsetMap::new();
        decode_into(raw, 10, &mut out, &mut map);
        assert_eq!(out, b"https://x.testAz");
        assert_eq!(map.start(0), 10);
        // "A" came from the 6-byte \u0041 escape.
        let a = out.iter().position(|&b| b == b'A').unwrap();
        assert_eq!(map.start(a), 10 + 16);
        assert_eq!(map.end(a + 1), 10 + 22);
        assert_eq!(map.end(out.len()), 10 + raw.len());
    }

    #[test]
    fn surrogates_and_bad_escapes() {
        let mut out = Vec::new();
        let mut map = OffsetMap::new();
        decode_into(br"\uD83D\uDE00 \q \u12", 0, &mut out, &mut map);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{1F600} \\q \\u12");
    }

    #[test]
    fn layer_only_for_lines_with_escapes() {
        assert!(layer(b"plain text\nno escapes").is_none());
        let v = layer(b"a\nkey: \"x\\nghp_abc\"\nb").unwrap();
        assert_eq!(v.bytes, b"key: \"x\nghp_abc\"\n");
        assert_eq!(v.map.start(0), 2);
    }
}
