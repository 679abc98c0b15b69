//! Baselines: "these leaks are known; fail only on new ones".
//!
//! One entry per fingerprint (rule + secret hash), sorted, no timestamps, no
//! lines, no paths, no secrets: moving, renaming and rebasing keep entries valid,
//! regenerating an unchanged baseline gives the same bytes, and two branches'
//! baselines merge line by line.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::finding::Finding;

#[derive(Deserialize)]
struct Entry {
    fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    #[allow(dead_code)]
    tool: Option<String>,
    findings: Vec<Entry>,
}

/// A baseline file as read: tokenhound's own (fingerprints) or a gitleaks
/// JSON report, with a note for the person running the scan when the report
/// cannot be matched as well as it could.
#[derive(Debug, Default)]
pub struct Loaded {
    pub fingerprints: HashSet<String>,
    pub gitleaks: Option<crate::gitleaks::baseline::GitleaksBaseline>,
    pub note: Option<String>,
}

/// Reads a baseline file: tokenhound's own (fingerprints), or a gitleaks JSON
/// report (`crate::gitleaks::baseline`), told apart by their shape.
pub fn load(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    if !crate::gitleaks::baseline::is_report(&text) {
        return Ok(Loaded {
            fingerprints: read(path)?,
            ..Loaded::default()
        });
    }
    let g = crate::gitleaks::baseline::GitleaksBaseline::parse(&text, &path.display().to_string())?;
    let note = (g.redacted > 0).then(|| {
        format!(
            "{}: {} of {} gitleaks findings have their secret redacted (--redact): they are \
             matched by file and line, which drifts when lines move; write the report without \
             --redact, or keep a tokenhound baseline (--baseline-out)",
            path.display(),
            g.redacted,
            g.entries
        )
    });
    Ok(Loaded {
        fingerprints: HashSet::new(),
        gitleaks: Some(g),
        note,
    })
}

/// Reads the fingerprints of a baseline file. Errors may quote it (serde
/// quotes a wrong value): the CLI redacts them before printing.
pub fn read(path: &Path) -> Result<HashSet<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a tokenhound baseline", path.display()))?;
    if file.version != 1 {
        bail!(
            "{}: baseline version {} is not supported (expected 1)",
            path.display(),
            file.version
        );
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// The number of entries the baseline of `findings` holds (one per rule and
/// fingerprint, however many places).
pub fn entries<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> usize {
    findings
        .into_iter()
        .map(|f| (f.rule_id.as_str(), f.fingerprint.as_str()))
        .collect::<BTreeSet<_>>()
        .len()
}

/// The baseline text for `findings`: deterministic, one entry per line.
pub fn render<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> String {
    let entries: BTreeSet<(&str, &str)> = findings
        .into_iter()
        .map(|f| (f.rule_id.as_str(), f.fingerprint.as_str()))
        .collect();
    let mut out =
        String::from("{\n  \"version\": 1,\n  \"tool\": \"tokenhound\",\n  \"findings\": [\n");
    let n = entries.len();
    for (i, (rule, fp)) in entries.into_iter().enumerate() {
        out.push_str(&format!(
            "    {{\"rule_id\": {}, \"fingerprint\": {}}}{}\n",
            serde_json::to_string(rule).unwrap_or_default(),
            serde_json::to_string(fp).unwrap_or_default(),
            if i + 1 < n { "," } else { "" }
        ));
    }
    out.push_str("  ]\n}\n");
    out
}

/// Writes the baseline for `findings` to `path`.
pub fn write<'a>(path: &Path, findings: impl IntoIterator<Item = &'a Finding>) -> Result<()> {
    std::fs::write(path, render(findings))
        .with_context(|| format!("cannot write baseline {}", path.display()))
}
