//! Redaction: how a secret is shown when raw values are not asked for.

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

/// [`redact`] of bytes, reading no more of them than the prefix it shows (a
/// secret span can be megabytes of base64).
pub fn redact_bytes(secret: &[u8]) -> String {
    // 64 bytes hold at least 16 characters, enough for the longest prefix.
    if secret.len() > 64 {
        let head = String::from_utf8_lossy(&secret[..64]);
        let mut s: String = head.chars().take(visible_prefix(16)).collect();
        s.push_str("***");
        return s;
    }
    redact(&String::from_utf8_lossy(secret))
}

/// Max characters of context kept on each side of the secret in `line_text`.
const CONTEXT: usize = 60;

/// The text of the line holding the secret at `at` (start, end), cut to a window
/// around it, with every span of `secrets` (sorted, disjoint: every secret any
/// view of the blob saw) redacted unless `show` is set, as lossy UTF-8.
pub fn line_text(
    blob: &[u8],
    line_start: usize,
    at: (usize, usize),
    secrets: &[(usize, usize)],
    show: bool,
) -> String {
    let (start, end) = (at.0.min(blob.len()), at.1.min(blob.len()));
    let line_end = memchr::memchr(b'\n', &blob[start..])
        .map(|i| start + i)
        .unwrap_or(blob.len());
    let mut lo = start.saturating_sub(CONTEXT).max(line_start);
    let mut hi = (end.min(line_end) + CONTEXT).min(line_end);
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
    if !show {
        // The first span that ends after `lo`; spans are disjoint and sorted.
        let first = secrets.partition_point(|s| s.1 <= lo);
        for &(s_start, s_end) in secrets[first..].iter().take_while(|s| s.0 < hi) {
            let s = s_start.max(lo);
            out.push_str(&String::from_utf8_lossy(&blob[pos..s]));
            let e = s_end.min(hi);
            if s == s_start {
                out.push_str(&redact_bytes(&blob[s_start..s_end.min(blob.len())]));
            } else {
                out.push_str("***");
            }
            pos = e;
        }
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
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_***"
        );
        assert_eq!(redact("hunter22"), "hu***");
        assert_eq!(redact("abc"), "***");
    }
}
