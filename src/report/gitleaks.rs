//! `--format gitleaks`: the JSON report gitleaks 8 writes (an array of
//! findings with its keys, `RuleID` … `Fingerprint`), for pipelines that
//! already parse it. Secrets (`Secret`, `Match`) are redacted unless
//! `--show-secrets`; columns are counted as gitleaks counts them (inclusive
//! end, and one more on lines after the first); `Fingerprint` is gitleaks'
//! `[commit:]file:rule:line`. A
//! tokenhound rule id is in `RuleID` and its family in `Tags`, so the report
//! also works as a baseline for either tool (docs/GITLEAKS.md).

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Stats};
use crate::finding::Finding;

pub struct Gitleaks;

/// One finding with gitleaks' keys, in gitleaks' order.
#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "RuleID")]
    rule_id: &'a str,
    #[serde(rename = "Description")]
    description: &'a str,
    #[serde(rename = "StartLine")]
    start_line: usize,
    #[serde(rename = "EndLine")]
    end_line: usize,
    #[serde(rename = "StartColumn")]
    start_column: usize,
    #[serde(rename = "EndColumn")]
    end_column: usize,
    #[serde(rename = "Match")]
    matched: &'a str,
    #[serde(rename = "Secret")]
    secret: &'a str,
    #[serde(rename = "File")]
    file: &'a str,
    #[serde(rename = "SymlinkFile")]
    symlink_file: &'a str,
    #[serde(rename = "Commit")]
    commit: &'a str,
    #[serde(rename = "Entropy")]
    entropy: f64,
    #[serde(rename = "Author")]
    author: &'a str,
    #[serde(rename = "Email")]
    email: &'a str,
    #[serde(rename = "Date")]
    date: String,
    #[serde(rename = "Message")]
    message: &'a str,
    #[serde(rename = "Tags")]
    tags: Vec<String>,
    #[serde(rename = "Fingerprint")]
    fingerprint: String,
}

/// A column as gitleaks reports it: 1-based, but on every line after the
/// first it counts the newline before the line too (`detect/location.go`),
/// so a secret at the start of line 2 is at column 2. Reproduced so that
/// tools reading gitleaks reports point where they expect.
fn gitleaks_column(line: usize, column: usize) -> usize {
    if line > 1 {
        column + 1
    } else {
        column
    }
}

/// A git date (RFC 3339 with the author's offset) as gitleaks writes it: UTC,
/// `2026-11-20T12:05:00Z`.
fn utc(date: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(date)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_else(|_| date.to_string())
}

fn entry(f: &Finding) -> Entry<'_> {
    let g = f.git.as_deref();
    let file = g.map_or(f.path.as_str(), |g| g.path.as_str());
    let commit = g.map_or("", |g| g.commit.as_str());
    let fingerprint = if commit.is_empty() {
        format!("{file}:{}:{}", f.rule_id, f.line)
    } else {
        format!("{commit}:{file}:{}:{}", f.rule_id, f.line)
    };
    Entry {
        rule_id: &f.rule_id,
        description: &f.name,
        start_line: f.line,
        end_line: f.end_line,
        start_column: gitleaks_column(f.line, f.column),
        // tokenhound's end column is the one after the secret; gitleaks'
        // is the secret's last.
        end_column: gitleaks_column(f.end_line, f.end_column.saturating_sub(1).max(1)),
        matched: &f.secret,
        secret: &f.secret,
        file,
        symlink_file: "",
        commit,
        entropy: f.entropy,
        author: g.map_or("", |g| g.author_name.as_str()),
        email: g.map_or("", |g| g.author_email.as_str()),
        date: g.map(|g| utc(&g.date)).unwrap_or_default(),
        message: g.map_or("", |g| g.summary.as_str()),
        tags: vec![format!("family:{}", crate::gitleaks::family_of_finding(f))],
        fingerprint,
    }
}

impl Report for Gitleaks {
    fn finish(&mut self, out: &mut dyn Write, findings: &[Finding], _: &Stats) -> io::Result<()> {
        let entries: Vec<Entry> = findings.iter().map(entry).collect();
        // gitleaks writes one-space indentation.
        let mut ser = serde_json::Serializer::with_formatter(
            &mut *out,
            serde_json::ser::PrettyFormatter::with_indent(b" "),
        );
        entries.serialize(&mut ser)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_in_utc() {
        assert_eq!(
            super::utc("2026-11-20T14:05:00+02:00"),
            "2026-11-20T12:05:00Z"
        );
    }
}
