//! SARIF 2.1.0 for GitHub code scanning: one result per finding, rule metadata with
//! revoke guidance as help text, `security-severity` by kind, and
//! `partialFingerprints` from the finding's fingerprint so alerts survive moves.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Report, Stats, TOOL};
use crate::finding::Confidence;
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
                String::new()
            } else if g.refs.is_empty() {
                "; no longer in HEAD: it lives on in history".to_string()
            } else {
                format!(
                    "; no longer in HEAD: it lives on in the history of {}{}",
                    g.refs.join(", "),
                    if g.refs_total > g.refs.len() as u64 {
                        format!(" and {} more refs", g.refs_total - g.refs.len() as u64)
                    } else {
                        String::new()
                    }
                )
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

/// Extra result properties: provenance a SARIF viewer cannot express as a
/// location (the export's own location object, the CI job and step, the git
/// commit), so nothing the JSON report says is lost.
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
        if !g.refs.is_empty() {
            p["refs"] = json!(g.refs);
        }
    }
    if let Some(loc) = &f.location {
        p["location"] = loc.clone();
    }
    if let Some(ci) = &f.ci {
        p["ci"] = json!(ci);
    }
    if !f.also_at.is_empty() {
        p["also_at"] = json!(f.also_at.len());
    }
    p
}

/// Where an export record is, in its own terms (channel and time, issue and
/// field, HAR entry): a SARIF logical location, named the way the human
/// report shows it, with the location object as its properties.
fn logical_locations(source: &str, location: Option<&Value>) -> Option<Value> {
    let loc = location?;
    let name = super::human::describe_location(source, loc)?;
    Some(json!([{
        "name": name,
        "fullyQualifiedName": format!("{source}: {name}"),
        "kind": "object",
        "properties": {"location": loc},
    }]))
}

/// A SARIF location of one place: the file region, and the export record
/// when there is one.
fn location(source: &str, path: &str, region: [usize; 4], loc: Option<&Value>) -> Value {
    let mut l = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(path)},
            "region": {
                "startLine": region[0],
                "startColumn": region[1],
                "endLine": region[2],
                "endColumn": region[3]
            }
        }
    });
    if let Some(logical) = logical_locations(source, loc) {
        l["logicalLocations"] = logical;
    }
    l
}

/// The other places of the same secret (`also_at`) as related locations.
fn related_locations(f: &Finding) -> Vec<Value> {
    f.also_at
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut l = location(
                &f.source,
                &p.path,
                [p.line, p.column, p.end_line, p.end_column],
                p.location.as_ref(),
            );
            l["id"] = json!(i + 1);
            l["message"] = json!({"text": "The same secret, also here."});
            if let Some(ci) = &p.ci {
                l["properties"] = json!({"ci": ci});
            }
            l
        })
        .collect()
}

impl Report for Sarif {
    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
    ) -> io::Result<()> {
        // Only the rules that produced results, in a stable order.
        // Rule facts travel on every finding, so the descriptors come from the
        // first finding of each rule: a report never needs the rule set.
        let mut used: BTreeMap<&str, (usize, &Finding)> = BTreeMap::new();
        for f in findings {
            used.entry(&f.rule_id).or_insert((0, f));
        }
        let mut rules = Vec::new();
        for (i, (_, (idx, r))) in used.iter_mut().enumerate() {
            *idx = i;
            let r = *r;
            let id = &r.rule_id;
            let help = format!(
                "{} ({} {}). Lifetime: {}. Revoke: {}",
                r.name,
                r.provider,
                r.kind,
                r.lifetime.as_str(),
                r.revoke
            );
            rules.push(json!({
                "id": id,
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
                let mut r = json!({
                    "ruleId": f.rule_id,
                    "ruleIndex": used[f.rule_id.as_str()].0,
                    "level": level(f.confidence),
                    "message": {"text": message(f)},
                    "properties": properties(f),
                    "locations": [location(
                        &f.source,
                        &f.path,
                        [f.line, f.column, f.end_line, f.end_column],
                        f.location.as_ref(),
                    )],
                    "partialFingerprints": {"tokenhound/v1": f.fingerprint}
                });
                let related = related_locations(f);
                if !related.is_empty() {
                    r["relatedLocations"] = json!(related);
                }
                r
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
