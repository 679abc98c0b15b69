//! Redaction: how a secret is shown when raw values are not asked for.

use crate::engine::Match;

/// How many leading characters of a secret of `len` chars may be shown: enough to
/// recognise a prefix (`ghp_`), never enough to help guess a short password.
fn visible_prefix(len: usize) -> usize {
    (len / 4).min(4)
}

/// The redacted form of a secret: a short prefix and `***`.
pub fn redact(secret: &str) -> String {
    let n = visible_prefix(secret.chars().count());
    let mut s: String = secret.chars().take(n).collect();
    s.push_str("***");
    s
}

/// Max characters of context kept on each side of the secret in `line_text`.
const CONTEXT: usize = 60;

/// The text of the line holding `m`, cut to a window around it, with every secret
/// on that window redacted (unless `show` is set), as lossy UTF-8.
pub fn line_text(blob: &[u8], line_start: usize, m: &Match, all: &[Match], show: bool) -> String {
    let line_end = memchr::memchr(b'\n', &blob[m.start..])
        .map(|i| m.start + i)
        .unwrap_or(blob.len());
    let mut lo = m.start.saturating_sub(CONTEXT).max(line_start);
    let mut hi = (m.end.min(line_end) + CONTEXT).min(line_end);
    // Do not cut a UTF-8 sequence in half.
    while lo > line_start && (blob[lo] & 0xC0) == 0x80 {
        lo -= 1;
    }
    while hi < line_end && (blob[hi] & 0xC0) == 0x80 {
        hi += 1;
    }
    let mut out = String::new();
    if lo > line_start {
        out.push('…');
    }
    let mut pos = lo;
    for other in all.iter().filter(|o| o.start < hi && o.end > lo) {
        let s = other.start.max(lo);
        if s < pos {
            continue;
        }
        out.push_str(&String::from_utf8_lossy(&blob[pos..s]));
        let e = other.end.min(hi);
        let secret = String::from_utf8_lossy(&blob[other.start..other.end]);
        if show {
            out.push_str(&String::from_utf8_lossy(&blob[s..e]));
        } else if s == other.start {
            out.push_str(&redact(&secret));
        } else {
            out.push_str("***");
        }
        pos = e;
    }
    out.push_str(&String::from_utf8_lossy(&blob[pos..hi]));
    if hi < line_end {
        out.push('…');
    }
    out.trim_end_matches('\r').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_prefix_only() {
        assert_eq!(redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "ghp_***");
        assert_eq!(redact("hunter22"), "hu***");
        assert_eq!(redact("abc"), "***");
    }
}
