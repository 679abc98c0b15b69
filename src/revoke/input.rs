//! The findings `tokenhound revoke` acts on: read back from a tokenhound JSON
//! report (`--format json`) or JSON Lines report (`--format jsonl`), or from
//! the audit store (`super::store`), and
//! chosen by id (a fingerprint or a prefix of one, as the human report shows
//! it) or all at once, optionally only the live ones or those of former staff.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// What revocation needs of one finding of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFinding {
    pub fingerprint: String,
    pub rule_id: String,
    pub provider: String,
    /// The raw token when the report was written with `--show-secrets`,
    /// else its redacted form (then [`ReportFinding::has_raw_secret`] is false).
    pub secret: String,
    pub secret_length: usize,
    pub path: String,
    pub line: usize,
    /// The report's `verification.status`, if it was verified.
    pub verification: Option<String>,
    pub owner_status: Option<String>,
    pub owner: Option<Value>,
    /// Read from the audit store (`revoke --store`), which holds the raw
    /// token only when the audits ran with `--store-secrets`.
    pub from_store: bool,
}

impl ReportFinding {
    fn from_json(v: &Value) -> Option<ReportFinding> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(ReportFinding {
            fingerprint: s("fingerprint")?,
            rule_id: s("rule_id")?,
            provider: s("provider").unwrap_or_default(),
            secret: s("secret")?,
            secret_length: v.get("secret_length").and_then(Value::as_u64).unwrap_or(0) as usize,
            path: s("path").unwrap_or_default(),
            line: v.get("line").and_then(Value::as_u64).unwrap_or(0) as usize,
            verification: v
                .pointer("/verification/status")
                .and_then(Value::as_str)
                .map(str::to_string),
            owner_status: s("owner_status"),
            owner: v.get("owner").cloned(),
            from_store: false,
        })
    }

    /// Whether the report carries the raw token: its fingerprint is that of
    /// this rule and this value (a redacted `ghp_***` never is).
    pub fn has_raw_secret(&self) -> bool {
        crate::enrich::fingerprint(&self.rule_id, self.secret.as_bytes()) == self.fingerprint
    }

    /// The report shows the secret redacted (written without `--show-secrets`).
    pub fn looks_redacted(&self) -> bool {
        self.secret.ends_with("***") && self.secret.len() < self.secret_length.max(1)
    }
}

/// Reads the findings of a JSON or JSON Lines report.
pub fn read(path: &Path) -> Result<Vec<ReportFinding>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read report {}", path.display()))?;
    let objects: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(doc) => match doc.get("findings").and_then(Value::as_array) {
            Some(a) => a.clone(),
            None if doc.get("fingerprint").is_some() => vec![doc],
            None => bail!(
                "{}: not a tokenhound JSON report (no `findings` array); write one with --format json",
                path.display()
            ),
        },
        Err(_) => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).with_context(|| {
                    format!(
                        "{}: line {}: neither a JSON report nor JSON Lines",
                        path.display(),
                        i + 1
                    )
                })
            })
            .collect::<Result<_>>()?,
    };
    objects
        .iter()
        .enumerate()
        .map(|(i, v)| {
            ReportFinding::from_json(v).with_context(|| {
                format!(
                    "{}: finding {}: no fingerprint, rule_id or secret",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// Which findings to act on.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Fingerprints or prefixes of them (at least 8 hex digits).
    pub ids: Vec<String>,
    /// Every finding of the report.
    pub all: bool,
    /// Only findings the report says were verified live.
    pub only_live: bool,
    /// Only findings whose owner is former staff (`owner_status: former`).
    pub only_former: bool,
}

/// The findings `sel` chooses, each distinct secret once (the first finding
/// that has it), in report order.
pub fn select(findings: &[ReportFinding], sel: &Selection) -> Result<Vec<ReportFinding>> {
    if sel.ids.is_empty() && !sel.all {
        bail!("name the findings to revoke by id (their fingerprint, or its first 16 hex digits as the human report shows), or pass --all");
    }
    let mut chosen: Vec<&ReportFinding> = Vec::new();
    if sel.all {
        chosen.extend(findings);
    }
    for id in &sel.ids {
        let id = id.trim().to_ascii_lowercase();
        if id.len() < 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("`{id}` is not a finding id (8 to 64 hex digits of a fingerprint)");
        }
        let hits: Vec<&ReportFinding> = findings
            .iter()
            .filter(|f| f.fingerprint.starts_with(&id))
            .collect();
        let distinct: std::collections::BTreeSet<&str> =
            hits.iter().map(|f| f.fingerprint.as_str()).collect();
        match distinct.len() {
            0 => bail!("no finding has id {id}"),
            1 => chosen.extend(hits),
            n => bail!("id {id} is ambiguous: {n} findings start with it; give more digits"),
        }
    }
    // One attempt per distinct token, whichever finding named it (findings
    // without a raw secret stay apart: each is refused with its reason).
    let mut seen = std::collections::HashSet::new();
    Ok(chosen
        .into_iter()
        .filter(|f| !sel.only_live || f.verification.as_deref() == Some("live"))
        .filter(|f| !sel.only_former || f.owner_status.as_deref() == Some("former"))
        .filter(|f| {
            seen.insert(if f.has_raw_secret() {
                f.secret.clone()
            } else {
                f.fingerprint.clone()
            })
        })
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, secret: &str, live: bool) -> ReportFinding {
        ReportFinding {
            fingerprint: crate::enrich::fingerprint(rule, secret.as_bytes()),
            rule_id: rule.into(),
            provider: "x".into(),
            secret: secret.into(),
            secret_length: secret.len(),
            path: "p".into(),
            line: 1,
            verification: live.then(|| "live".into()),
            owner_status: None,
            owner: None,
            from_store: false,
        }
    }

    #[test]
    fn ids_prefixes_and_filters() {
        let all = vec![f("a", "s1", true), f("a", "s2", false), f("a", "s1", true)];
        let id = all[0].fingerprint[..16].to_string();
        let got = select(
            &all,
            &Selection {
                ids: vec![id.to_uppercase()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(got.len(), 1, "one attempt per distinct secret");
        let got = select(
            &all,
            &Selection {
                all: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        let got = select(
            &all,
            &Selection {
                all: true,
                only_live: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert!(select(&all, &Selection::default()).is_err());
        assert!(select(
            &all,
            &Selection {
                ids: vec!["00000000".into()],
                ..Default::default()
            }
        )
        .is_err());
        assert!(select(
            &all,
            &Selection {
                ids: vec!["xyz".into()],
                ..Default::default()
            }
        )
        .is_err());
    }

    #[test]
    fn raw_and_redacted_secrets() {
        let raw = f("github-pat-classic", "ghp_fake", false);
        assert!(raw.has_raw_secret());
        let redacted = ReportFinding {
            secret: "ghp_***".into(),
            secret_length: 40,
            ..raw
        };
        assert!(!redacted.has_raw_secret() && redacted.looks_redacted());
    }
}
