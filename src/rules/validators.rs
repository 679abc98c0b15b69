//! Named offline validators: checksum and structure checks a rule can ask for by name.
//!
//! These are the only code a rule may need. Each takes the secret's bytes and says
//! whether it has the issuer's real structure, so decoys of the right shape
//! (a random `ghp_` string, a base64 blob that is not a JWT) are not reported.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A validator named in a rule's `validator` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub/npm: last 6 chars are base62(CRC32(the 30 chars before them)).
    GithubCrc32,
    /// JSON Web Token: header and payload decode to JSON objects; header has `alg`.
    Jwt,
    /// AWS STS session token: base64 with one of the known STS prefixes.
    AwsSessionToken,
    /// PEM private key: the armored body is base64 of at least 64 bytes.
    PemPrivateKey,
}

impl Validator {
    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubCrc32 => "github-crc32",
            Validator::Jwt => "jwt",
            Validator::AwsSessionToken => "aws-session-token",
            Validator::PemPrivateKey => "pem-private-key",
        }
    }

    /// True when `secret` passes the check.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_crc32_ok(secret),
            Validator::Jwt => crate::enrich::jwt::decode(secret).is_some(),
            Validator::AwsSessionToken => aws_session_token_ok(secret),
            Validator::PemPrivateKey => pem_ok(secret),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 (alphabet `0-9A-Za-z`) of `n`, left-padded with `0` to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::with_capacity(width);
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn github_crc32_ok(secret: &[u8]) -> bool {
    // prefix_ + body + 6-char checksum; the prefix ends at the first '_'.
    let Some(us) = secret.iter().position(|&b| b == b'_') else {
        return false;
    };
    let rest = &secret[us + 1..];
    if rest.len() < 7 || !rest.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (body, sum) = rest.split_at(rest.len() - 6);
    base62(crc32fast::hash(body) as u64, 6).as_bytes() == sum
}

/// Builds a GitHub/npm-style token with a valid checksum (for tests and examples).
pub fn github_style_token(prefix: &str, body: &str) -> String {
    format!(
        "{prefix}{body}{}",
        base62(crc32fast::hash(body.as_bytes()) as u64, 6)
    )
}

fn aws_session_token_ok(secret: &[u8]) -> bool {
    const PREFIXES: [&[u8]; 4] = [
        b"IQoJb3JpZ2luX2",
        b"FwoGZXIvYXdz",
        b"FQoGZXIvYXdz",
        b"AQoDYXdz",
    ];
    PREFIXES.iter().any(|p| secret.starts_with(p))
        && secret.len() >= 100
        && secret
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

fn pem_ok(secret: &[u8]) -> bool {
    // PEM inside JSON or YAML strings has escaped newlines ("...\\n...").
    let text = String::from_utf8_lossy(secret)
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n");
    let mut body = String::new();
    for line in text.lines() {
        let line = line
            .trim()
            .trim_matches(|c| c == '"' || c == '\\' || c == ',');
        // Skip armor and RFC 1421 headers ("Proc-Type: ...", "DEK-Info: ...").
        if line.starts_with("-----") || line.contains(':') || line.is_empty() {
            continue;
        }
        body.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
        Ok(bytes) => bytes.len() >= 64,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_roundtrip() {
        let t = github_style_token("ghp_", "tokenhoundFAKEtokenForTests000");
        assert_eq!(t.len(), 40);
        assert!(Validator::GithubCrc32.check(t.as_bytes()));
        let mut bad = t.into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!Validator::GithubCrc32.check(&bad));
    }

    #[test]
    fn base62_pads() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 2), "0z");
    }
}
