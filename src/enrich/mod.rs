//! Turns engine matches into findings: location (line, column), fingerprint,
//! redaction, lifetime and revoke guidance, JWT claims and expiry, and links between
//! the parts of one credential (`pairing`).

pub mod confidence;
pub mod jwt;
pub mod pairing;
pub mod redact;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::decode::View;
use crate::engine::{Engine, Match};
use crate::finding::{Finding, Provenance};
use crate::rules::{Lifetime, Validator};
use jwt::JwtClaims;

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

/// Walks a blob forward, turning byte offsets into 1-based line and column
/// (characters) in one pass, so many findings in a huge file stay linear.
struct LineCursor<'a> {
    blob: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    /// Column cache for several findings on one long line.
    col_pos: usize,
    col: usize,
}

impl<'a> LineCursor<'a> {
    fn new(blob: &'a [u8]) -> Self {
        LineCursor {
            blob,
            pos: 0,
            line: 1,
            line_start: 0,
            col_pos: 0,
            col: 1,
        }
    }

    /// (line, column, line_start) of `offset`; offsets must not decrease by more
    /// than they increase (they are visited in order, `end` after `start`).
    fn locate(&mut self, offset: usize) -> (usize, usize, usize) {
        if offset < self.pos {
            // Rare: an end offset before the previous start; restart.
            *self = LineCursor::new(self.blob);
        }
        for nl in memchr::memchr_iter(b'\n', &self.blob[self.pos..offset]) {
            self.line += 1;
            self.line_start = self.pos + nl + 1;
        }
        self.pos = offset;
        if self.col_pos < self.line_start || self.col_pos > offset {
            self.col_pos = self.line_start;
            self.col = 1;
        }
        // Count characters: every byte that is not a UTF-8 continuation byte.
        self.col += self.blob[self.col_pos..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        self.col_pos = offset;
        (self.line, self.col, self.line_start)
    }
}

/// Makes findings for all matches of one blob (`matches` sorted by start).
pub fn findings_for_blob(
    engine: &Engine,
    blob: &[u8],
    matches: &[Match],
    provenance: &Provenance,
    opts: &EnrichOptions,
) -> Vec<Finding> {
    make_findings(engine, blob, None, matches, provenance, opts)
}

/// Makes findings for matches found in a decoded `view` of `original`: secrets and
/// fingerprints come from the decoded bytes, locations from the original ones.
pub fn findings_for_view(
    engine: &Engine,
    original: &[u8],
    view: &View,
    matches: &[Match],
    provenance: &Provenance,
    opts: &EnrichOptions,
) -> Vec<Finding> {
    make_findings(engine, original, Some(view), matches, provenance, opts)
}

fn make_findings(
    engine: &Engine,
    original: &[u8],
    view: Option<&View>,
    matches: &[Match],
    provenance: &Provenance,
    opts: &EnrichOptions,
) -> Vec<Finding> {
    // The same matches with spans in original coordinates, for locations and redaction.
    let located: Vec<Match> = match view {
        None => matches.to_vec(),
        Some(v) => matches
            .iter()
            .map(|m| Match {
                start: v.map.start(m.start),
                end: v.map.end(m.end).max(v.map.start(m.start)),
                match_start: v.map.start(m.match_start),
                match_end: v.map.end(m.match_end),
                ..m.clone()
            })
            .collect(),
    };
    let secrets_from = view.map(|v| v.bytes.as_slice()).unwrap_or(original);
    let mut cursor = LineCursor::new(original);
    let mut end_cursor = LineCursor::new(original);
    let mut out = Vec::with_capacity(matches.len());
    for (m, loc) in matches.iter().zip(&located) {
        let cr = &engine.rules()[m.rule];
        let rule = &cr.rule;
        let raw = &secrets_from[m.start..m.end];
        let (line, column, line_start) = cursor.locate(loc.start);
        let (end_line, end_column, _) = end_cursor.locate(loc.end);
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
        let lifetime = match &jwt_claims {
            // No `exp`: lives until its signing key is rotated.
            Some(c) if c.exp.is_none() => Lifetime::Long,
            // Issued for a day or less.
            Some(JwtClaims {
                exp: Some(exp),
                iat: Some(iat),
                ..
            }) if exp - iat <= 86_400 => Lifetime::Short,
            _ => rule.lifetime,
        };
        let (line_window, secret_in_line) = line_around(original, line_start, loc.start);
        let assessment = confidence::assess(&confidence::Evidence {
            rule,
            secret: raw,
            line: line_window,
            secret_in_line,
            previous_line: previous_line(original, line_start),
            path: provenance.path(),
            jwt: jwt_claims.as_ref(),
            decoded: view.is_some(),
        });
        let mut finding = Finding {
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
            line,
            column,
            end_line,
            end_column,
            offset: loc.start,
            source: provenance.source_kind().to_string(),
            line_text: redact::line_text(original, line_start, loc, &located, opts.show_secrets),
            entropy: (m.entropy * 100.0).round() / 100.0,
            lifetime,
            revoke: rule.revoke.clone(),
            validator: rule.validator.map(|v| v.name().to_string()),
            expired: expires_at.map(|t| t < opts.now),
            expires_at: expires_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            jwt: jwt_claims,
            confidence: assessment.level,
            confidence_reasons: assessment.reasons,
            git: None,
            decoded: view
                .map(|v| v.layers.iter().map(|l| l.to_string()).collect())
                .unwrap_or_default(),
            location: None,
            verification: None,
            inline_ignored: crate::suppress::inline::is_ignored(
                original, loc.start, loc.end, &rule.id,
            ),
            ci: None,
            related: Vec::new(),
            raw_secret: raw_str,
        };
        provenance.annotate(&mut finding);
        out.push(finding);
    }
    pairing::link(&mut out, original);
    out
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
    fn cursor_lines_and_columns() {
        let blob = "ab\r\ncé d\nxyz".as_bytes();
        let mut c = LineCursor::new(blob);
        assert_eq!(c.locate(0), (1, 1, 0));
        assert_eq!(c.locate(4), (2, 1, 4));
        // 'é' is two bytes but one column.
        let d = blob.iter().position(|&b| b == b'd').unwrap();
        assert_eq!(c.locate(d).1, 4);
        let x = blob.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(c.locate(x), (3, 1, x));
    }

    #[test]
    fn fingerprint_is_stable() {
        assert_eq!(fingerprint("r", b"s"), fingerprint("r", b"s"));
        assert_ne!(fingerprint("r", b"s"), fingerprint("q", b"s"));
        assert_eq!(fingerprint("r", b"s").len(), 64);
    }
}
