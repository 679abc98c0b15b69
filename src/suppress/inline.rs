//! Inline ignores: a comment on the secret's own line that says "this is fine".
//! `tokenhound:ignore` (optionally `tokenhound:ignore rule-id`), plus gitleaks'
//! `gitleaks:allow` and detect-secrets' `pragma: allowlist secret`, so teams can
//! migrate without touching their code.

/// How far around the secret (within its line) markers are looked for: enough for
/// any comment, bounded so a 50 MB minified line costs nothing per finding.
const REACH: usize = 4096;

/// True when the line holding `[start, end)` in `blob` carries an ignore marker
/// that applies to `rule_id`.
pub fn is_ignored(blob: &[u8], start: usize, end: usize, rule_id: &str) -> bool {
    let lo = start.saturating_sub(REACH);
    let line_start = memchr::memrchr(b'\n', &blob[lo..start])
        .map(|i| lo + i + 1)
        .unwrap_or(lo);
    let hi = (end + REACH).min(blob.len());
    let line_end = memchr::memchr(b'\n', &blob[end.min(hi)..hi])
        .map(|i| end + i)
        .unwrap_or(hi);
    line_has_marker(&blob[line_start..line_end], rule_id)
}

/// True when `line` has a marker applying to `rule_id`.
pub fn line_has_marker(line: &[u8], rule_id: &str) -> bool {
    if memchr::memmem::find(line, b"gitleaks:allow").is_some()
        || memchr::memmem::find(line, b"pragma: allowlist secret").is_some()
    {
        return true;
    }
    let marker = b"tokenhound:ignore";
    let mut rest = line;
    while let Some(i) = memchr::memmem::find(rest, marker) {
        let after = &rest[i + marker.len()..];
        // `tokenhound:ignore` alone, or followed by a rule id (then only that rule).
        let named: Vec<u8> = after
            .iter()
            .skip_while(|b| **b == b' ' || **b == b'=' || **b == b':')
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'.')
            .copied()
            .collect();
        let separated = after
            .first()
            .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'-');
        if separated
            && (named.is_empty() || named == rule_id.as_bytes() || after.first() != Some(&b' '))
        {
            return true;
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert!(line_has_marker(b"t = 'x' # tokenhound:ignore", "a"));
        assert!(line_has_marker(b"t = 'x' // tokenhound:ignore a", "a"));
        assert!(!line_has_marker(b"t = 'x' // tokenhound:ignore b", "a"));
        assert!(line_has_marker(b"t = 'x' # gitleaks:allow", "a"));
        assert!(line_has_marker(b"t = 'x'  # pragma: allowlist secret", "a"));
        assert!(!line_has_marker(b"t = 'x'", "a"));
        assert!(!line_has_marker(b"tokenhound:ignored-words", "a"));
    }

    #[test]
    fn looks_only_at_the_secret_line() {
        let blob = b"# tokenhound:ignore\nsecret here\n";
        assert!(!is_ignored(blob, 20, 26, "a"));
        let blob = b"one\nsecret here # tokenhound:ignore\ntwo";
        assert!(is_ignored(blob, 4, 10, "a"));
    }
}
