//! Turns a located secret into a finding: fingerprint, redaction, lifetime and
//! revoke guidance, JWT claims and expiry, and links between the parts of one
//! credential (`pairing`). The pipeline decides what is a secret and where; this
//! module only describes it.

/// JWT decoding lives with the validators (`rules::jwt`): claims are read there.
pub use crate::rules::jwt;
pub mod confidence;
pub mod leaker;
pub mod pairing;
pub mod redact;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::finding::{Finding, Provenance};
use crate::rules::{Rule, Validator};

/// Choices that change how findings are written.
#[derive(Debug, Clone)]
pub struct EnrichOptions {
    /// Put raw secrets in findings (`--show-secrets`).
    pub show_secrets: bool,
    /// The scan's reference time for `expired`.
    pub now: DateTime<Utc>,
}

/// `sha256(rule_id + "\0" + secret)` as lowercase hex.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    let d = h.finalize();
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// What the pipeline knows of one secret when it becomes a finding.
pub struct Located<'a> {
    pub rule: &'a Rule,
    /// The secret as matched: decoded when a decode layer was needed to see it.
    pub secret: &'a [u8],
    /// Span of the secret as written, in the original bytes.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    /// Decode layers peeled to see it, outermost first.
    pub decoded: Vec<String>,
    /// The secret's line with every secret on it redacted (unless shown).
    pub line_text: String,
    pub inline_ignored: bool,
    /// The original bytes and where the secret's line starts in them: the
    /// neighbourhood the confidence is judged from.
    pub blob: &'a [u8],
    pub line_start: usize,
}

/// Turns a located secret into a finding: fingerprint, redaction, JWT claims and
/// expiry, lifetime, revoke guidance, and the confidence (`confidence::assess`). `location`, `ci`, `git` and `related` are
/// added later by the stages that know them.
pub fn finding(loc: Located, provenance: &Provenance, opts: &EnrichOptions) -> Finding {
    let rule = loc.rule;
    let raw = loc.secret;
    let raw_str = String::from_utf8_lossy(raw).into_owned();
    let jwt_claims = if rule.validator == Some(Validator::Jwt) || raw.starts_with(b"eyJ") {
        jwt::decode(raw)
    } else {
        None
    };
    let expires_at = jwt_claims
        .as_ref()
        .and_then(|c| c.exp)
        .and_then(|e| DateTime::<Utc>::from_timestamp(e, 0));
    let now = opts.now.timestamp();
    let lifetime = match &jwt_claims {
        Some(c) => jwt::lifetime(c, now),
        None => rule.lifetime,
    };
    let expires_in = jwt_claims
        .as_ref()
        .and_then(|c| c.exp)
        .map(|exp| exp.saturating_sub(now))
        .filter(|&left| left > 0);
    let (line_window, secret_in_line) = line_around(loc.blob, loc.line_start, loc.start);
    let assessment = confidence::assess(&confidence::Evidence {
        rule,
        secret: raw,
        line: line_window,
        secret_in_line,
        previous_line: previous_line(loc.blob, loc.line_start),
        path: provenance.path(),
        jwt: jwt_claims.as_ref(),
        decoded: !loc.decoded.is_empty(),
    });
    Finding {
        rule_id: rule.id.clone(),
        name: rule.name.clone(),
        provider: rule.provider.clone(),
        kind: rule.kind,
        secret: if opts.show_secrets {
            raw_str.clone()
        } else {
            redact::redact(&raw_str)
        },
        secret_length: raw.len(),
        fingerprint: fingerprint(&rule.id, raw),
        path: provenance.path().to_string(),
        path_bytes: None,
        line: loc.line,
        column: loc.column,
        end_line: loc.end_line,
        end_column: loc.end_column,
        offset: loc.start,
        source: provenance.source_kind().to_string(),
        line_text: loc.line_text,
        entropy: (loc.entropy * 100.0).round() / 100.0,
        lifetime,
        revoke: rule.revoke.clone(),
        validator: rule.validator.map(|v| v.name().to_string()),
        expired: expires_at.map(|t| t < opts.now),
        expires_at: expires_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        expires_in,
        jwt: jwt_claims,
        confidence: assessment.level,
        confidence_reasons: assessment.reasons,
        git: None,
        decoded: loc.decoded,
        location: None,
        verification: None,
        leaked_by: None,
        owner: None,
        owner_status: None,
        inline_ignored: loc.inline_ignored,
        ci: None,
        related: Vec::new(),
        also_at: Vec::new(),
        raw_secret: raw_str,
    }
}

/// The line starting at `line_start` that holds offset `at` (without its
/// newline), cut to 2 KiB either side of `at` on very long lines, and where `at`
/// lies in what is returned.
fn line_around(blob: &[u8], line_start: usize, at: usize) -> (&[u8], usize) {
    let at = at.min(blob.len());
    let start = line_start.min(at).max(at.saturating_sub(2048));
    let end = memchr::memchr(b'\n', &blob[at..]).map_or(blob.len(), |p| at + p);
    let end = end.min(at + 2048);
    let line = &blob[start..end];
    (line.strip_suffix(b"\r").unwrap_or(line), at - start)
}

/// The line before the one starting at `start` (empty for the first line).
fn previous_line(blob: &[u8], start: usize) -> &[u8] {
    if start == 0 || start > blob.len() {
        return b"";
    }
    let end = start - 1;
    let begin = memchr::memrchr(b'\n', &blob[..end]).map_or(0, |p| p + 1);
    let line = &blob[begin.max(end.saturating_sub(4096))..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable() {
        assert_eq!(fingerprint("r", b"s"), fingerprint("r", b"s"));
        assert_ne!(fingerprint("r", b"s"), fingerprint("q", b"s"));
        assert_eq!(fingerprint("r", b"s").len(), 64);
    }
}
