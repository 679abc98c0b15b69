//! A gitleaks JSON report used as a baseline (`--baseline gitleaks.json`):
//! the findings it lists are the ones a team already triaged, so tokenhound
//! does not report them again.
//!
//! An entry matches a tokenhound finding of the same secret (SHA-256 of
//! gitleaks' `Secret`) in the same rule family ([`super::same_family`]):
//! where the secret was found, on which line or in which commit does not
//! matter, as for tokenhound's own baselines. A report written with
//! `--redact` holds no secrets (`REDACTED`, or a prefix and `...`): its
//! entries match by file, line and family instead, which drifts when lines
//! move, so a note says to regenerate the report without `--redact` or to
//! switch to a tokenhound baseline (`--baseline-out`).

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::finding::Finding;

/// One entry of a gitleaks report (the keys gitleaks 8 writes; others are
/// ignored).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    #[serde(rename = "RuleID")]
    rule_id: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    start_line: usize,
    /// tokenhound's `--format gitleaks` names the family here (`family:github`).
    #[serde(default)]
    tags: Vec<String>,
}

/// The triaged findings of a gitleaks report.
#[derive(Debug, Default)]
pub struct GitleaksBaseline {
    /// Secret hash → families of the entries holding it.
    by_secret: HashMap<String, Vec<String>>,
    /// (file, line) → families, for entries whose secret was redacted.
    by_place: HashMap<(String, usize), Vec<String>>,
    /// Entries read.
    pub entries: usize,
    /// Entries whose secret was redacted (matched by place).
    pub redacted: usize,
}

/// Whether `text` (a JSON document) is a gitleaks report: an array whose
/// entries have `RuleID`.
pub fn is_report(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('[') && (t.trim() == "[]" || t.contains("\"RuleID\""))
}

/// How gitleaks writes a redacted secret: `REDACTED`, or with `--redact=N` a
/// prefix and `...`
/// (tokenhound's `--format gitleaks` redacts as tokenhound does: `ghp_***`).
fn is_redacted(secret: &str) -> bool {
    secret.is_empty() || secret == "REDACTED" || secret.ends_with("...") || secret.ends_with("***")
}

impl GitleaksBaseline {
    /// Parses a gitleaks JSON report; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<GitleaksBaseline> {
        let entries: Vec<Entry> = serde_json::from_str(text)
            .with_context(|| format!("{origin}: not a gitleaks JSON report"))?;
        let mut b = GitleaksBaseline {
            entries: entries.len(),
            ..Default::default()
        };
        for e in entries {
            let family = e
                .tags
                .iter()
                .find_map(|t| t.strip_prefix("family:"))
                .map(str::to_string)
                .unwrap_or_else(|| super::family_of_gitleaks_rule(&e.rule_id));
            if is_redacted(&e.secret) {
                b.redacted += 1;
                b.by_place
                    .entry((normalise_path(&e.file), e.start_line))
                    .or_default()
                    .push(family);
            } else {
                b.by_secret
                    .entry(super::secret_hash(e.secret.as_bytes()))
                    .or_default()
                    .push(family);
            }
        }
        Ok(b)
    }

    /// Whether the report lists `f`'s secret (or, for redacted entries, its
    /// file and line) under a rule of the same family.
    pub fn covers(&self, f: &Finding) -> bool {
        let family = super::family_of_finding(f);
        let fits = |fams: &Vec<String>| fams.iter().any(|g| super::same_family(g, &family));
        if !f.raw_secret.is_empty() && !self.by_secret.is_empty() {
            let h = super::secret_hash(f.raw_secret.as_bytes());
            if self.by_secret.get(&h).is_some_and(fits) {
                return true;
            }
        }
        if !self.by_place.is_empty() {
            let path = f.git.as_ref().map_or(f.path.as_str(), |g| g.path.as_str());
            let key = (normalise_path(path), f.line);
            if self.by_place.get(&key).is_some_and(fits) {
                return true;
            }
        }
        false
    }
}

/// Paths compare without a leading `./` and with `/` separators.
fn normalise_path(p: &str) -> String {
    p.trim_start_matches("./").replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_reports() {
        assert!(is_report("[\n {\n  \"RuleID\": \"github-pat\"}]"));
        assert!(is_report("[]"));
        assert!(!is_report("{\"version\": 1, \"findings\": []}"));
    }
}
