//! Drops values that have a token's shape but are not credentials: placeholders,
//! templates, masked and truncated values, documentation examples.
//!
//! The checks are cheap byte scans run only on regex matches. Each one is rare in
//! a random token (the odds are noted), so real secrets are not lost to it.

/// Substrings that mark a value as a template, placeholder or doc example
/// (compared ASCII case-insensitively).
const MARKERS: &[&[u8]] = &[
    b"example", // AWS's AKIAIOSFODNN7EXAMPLE and friends
    b"your",
    b"placeholder",
    b"changeme",
    b"change_me",
    b"redacted",
    b"dummy",
    b"sample",
    b"insert",
    b"replace",
    b"_here",
    b"-here",
    b"xxxx",
    b"****",
    b"\xe2\x80\xa2\xe2\x80\xa2", // "••"
    b"${",
    b"{{",
    b"}}",
    b"$(",
    b"%(",
    b"<",
    b">",
];

/// Credentials published on purpose in vendor docs and emulators (Azurite's
/// well-known storage key, the AWS docs secret key): public, so not leaks.
const PUBLIC_VALUES: &[&[u8]] = &[
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // The TOTP seed of Google Authenticator's and RFC-style examples ("Hello!\xde\xad\xbe\xef").
    b"JBSWY3DPEHPK3PXP",
];

/// True when `secret` is a placeholder, a template or a masked value.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if PUBLIC_VALUES.contains(&secret) {
        return true;
    }
    if MARKERS.iter().any(|m| contains_ci(secret, m)) {
        return true;
    }
    if secret.len() >= 8 {
        let mut seen = [false; 256];
        let mut distinct = 0;
        for &b in secret {
            if !seen[b as usize] {
                seen[b as usize] = true;
                distinct += 1;
            }
        }
        // "aaaaaaaa", "abababab": a random 8+ char token has far more symbols.
        if distinct <= 3 {
            return true;
        }
    }
    // Runs of one character (XXXXXX, 000000) or of a sequence (123456, abcdef);
    // ~1e-7 odds in a random base62 token of 40 chars.
    let mut same = 1;
    let mut seq = 1;
    for w in secret.windows(2) {
        same = if w[0] == w[1] && w[0].is_ascii_alphanumeric() {
            same + 1
        } else {
            1
        };
        seq = if w[1] == w[0].wrapping_add(1) && w[0].is_ascii_alphanumeric() {
            seq + 1
        } else {
            1
        };
        if same >= 6 || seq >= 6 {
            return true;
        }
    }
    false
}

/// True when the bytes right after a match say the value was cut short for display
/// (`ghp_1234...`, `…`), so the match is not the whole credential.
pub fn is_truncated(after: &[u8]) -> bool {
    after.starts_with(b"...") || after.starts_with("\u{2026}".as_bytes())
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len()
        && hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            &b"AKIAIOSFODNN7EXAMPLE"[..],
            b"${GITHUB_TOKEN}",
            b"{{ secrets.TOKEN }}",
            b"<YOUR_TOKEN>",
            b"xxxxxxxxxxxxxxxx",
            b"ghp_000000000000000000000000000000000000",
            b"abc123456789",
            b"********",
        ] {
            assert!(is_placeholder(p), "{}", String::from_utf8_lossy(p));
        }
        assert!(!is_placeholder(
            b"ghp_R8k2Lq9ZtW4mNv7XcB1sJd6Hf3Gp0Ya5Ue2Ti8"
        ));
    }

    #[test]
    fn truncation() {
        assert!(is_truncated(b"... rest"));
        assert!(is_truncated("\u{2026}".as_bytes()));
        assert!(!is_truncated(b". end"));
    }
}
