//! SARIF 2.1.0 for GitHub code scanning: one result per finding, rule metadata with
//! revoke guidance as help text, `security-severity` by kind, and
//! `partialFingerprints` from the finding's fingerprint so alerts survive moves.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Report, Stats, TOOL};
use crate::engine::Engine;
use crate::enrich::confidence::Confidence;
use crate::finding::Finding;

pub struct Sarif;

/// A path as a SARIF artifact URI: forward slashes, percent-encoded where needed.
fn artifact_uri(path: &str) -> String {
    let path = if path == "-" { "stdin" } else { path };
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The result message; history findings say which commit leaked the secret and
/// whether HEAD still holds it (code scanning shows HEAD's file at that path).
fn message(f: &Finding) -> String {
    let mut m = format!("{} ({}) found: {}.", f.name, f.kind, f.secret);
    if let Some(g) = &f.git {
        m.push_str(&format!(
            " Introduced in commit {} by {} on {} (\"{}\"){}.",
            &g.commit[..g.commit.len().min(12)],
            g.author_name,
            g.date,
            g.summary,
            if g.in_head {
                ""
            } else {
                "; no longer in HEAD: it lives on in history"
            }
        ));
    }
    m.push_str(&format!(" Revoke: {}", f.revoke));
    m
}

/// The SARIF level follows the confidence: code scanning shows `error` results
/// as failures, `warning` as warnings and `note` as notes.
fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "note",
    }
}

/// Extra result properties: provenance a SARIF viewer cannot express as a location.
fn properties(f: &Finding) -> Value {
    let mut p = json!({
        "fingerprint": f.fingerprint,
        "source": f.source,
        "lifetime": f.lifetime.as_str(),
        "confidence": f.confidence.as_str(),
        "confidence_reasons": f.confidence_reasons,
    });
    if let Some(g) = &f.git {
        p["commit"] = json!(g.commit);
        p["in_head"] = json!(g.in_head);
    }
    p
}

impl Report for Sarif {
    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
        engine: &Engine,
    ) -> io::Result<()> {
        // Only the rules that produced results, in a stable order.
        let mut used: BTreeMap<&str, usize> = BTreeMap::new();
        for f in findings {
            used.entry(&f.rule_id).or_insert(0);
        }
        let mut rules = Vec::new();
        for (i, (id, idx)) in used.iter_mut().enumerate() {
            *idx = i;
            let Some(cr) = engine.rules().iter().find(|c| c.rule.id == *id) else {
                continue;
            };
            let r = &cr.rule;
            let help = format!(
                "{} ({} {}). Lifetime: {}. Revoke: {}",
                r.name,
                r.provider,
                r.kind,
                r.lifetime.as_str(),
                r.revoke
            );
            rules.push(json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": format!("Leaked {}", r.name)},
                "fullDescription": {"text": format!("A {} credential ({}) was found in the scanned content. Findings map to OWASP NHI Top 10 NHI-02 (secret leakage) and CWE-798.", r.provider, r.kind)},
                "help": {"text": help, "markdown": format!("**{}** ({} {})\n\n- Lifetime: {}\n- Revoke: {}", r.name, r.provider, r.kind, r.lifetime.as_str(), r.revoke)},
                "defaultConfiguration": {"level": "error"},
                "properties": {
                    "tags": ["security", "secret", r.kind.as_str(), "NHI-02", "external/cwe/cwe-798"],
                    "security-severity": format!("{:.1}", r.kind.security_severity()),
                    "precision": if r.validator.is_some() { "very-high" } else { "high" }
                }
            }));
        }
        let results: Vec<Value> = findings
            .iter()
            .map(|f| {
                json!({
                    "ruleId": f.rule_id,
                    "ruleIndex": used[f.rule_id.as_str()],
                    "level": level(f.confidence),
                    "message": {"text": message(f)},
                    "properties": properties(f),
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": artifact_uri(&f.path)},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": f.end_column
                            }
                        }
                    }],
                    "partialFingerprints": {"tokenhound/v1": f.fingerprint}
                })
            })
            .collect();
        let notifications: Vec<Value> = stats
            .errors
            .iter()
            .map(|e| json!({"level": "error", "message": {"text": format!("{}: {}", e.path, e.message)}}))
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": TOOL.name,
                    "version": TOOL.version,
                    "semanticVersion": TOOL.version,
                    "informationUri": "https://github.com/tokenhound/tokenhound",
                    "rules": rules
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "invocations": [{
                    "executionSuccessful": stats.errors.is_empty(),
                    "toolExecutionNotifications": notifications
                }]
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
