//! The labelled testdata corpus, scanned through the binary: every labelled secret
//! in `testdata/positives/` is reported by its rule on its line and nothing else is,
//! and the decoys in `testdata/negatives/` give no finding at all.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn scan(dir: &str) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["scan", "--no-ignore", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json report: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        report["stats"]["errors"].as_array().unwrap().is_empty(),
        "{report}"
    );
    report["findings"].as_array().unwrap().clone()
}

fn relative(path: &str, dir: &str) -> String {
    let marker = format!("{dir}/");
    path.split_once(&marker)
        .map(|(_, rest)| rest.to_string())
        .unwrap_or_else(|| path.to_string())
}

#[test]
fn negatives_corpus_has_no_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/negatives");
    let lines: usize = walk(&root)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().lines().count())
        .sum();
    assert!(
        lines >= 150,
        "the decoy corpus should stay at least 150 lines, has {lines}"
    );
    let findings = scan("testdata/negatives");
    let shown: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["path"], f["line"], f["rule_id"], f["line_text"]
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "decoys reported:\n{}",
        shown.join("\n")
    );
}

#[test]
fn positives_corpus_is_found_exactly() {
    let labels = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/positives/labels.csv"),
    )
    .unwrap();
    let expected: BTreeSet<(String, u64, String)> = labels
        .lines()
        .skip(1)
        .map(|l| {
            let mut p = l.split(',');
            (
                p.next().unwrap().to_string(),
                p.next().unwrap().parse().unwrap(),
                p.next().unwrap().to_string(),
            )
        })
        .collect();
    assert!(expected.len() >= 90, "label file looks truncated");
    let got: BTreeSet<(String, u64, String)> = scan("testdata/positives")
        .iter()
        .map(|f| {
            (
                relative(f["path"].as_str().unwrap(), "testdata/positives"),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let missed: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "missed: {missed:#?}\nunlabelled: {extra:#?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn finding<'a>(all: &'a [Value], path_end: &str, rule: &str) -> &'a Value {
    all.iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(path_end) && f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {path_end}"))
}

fn related_rules(f: &Value) -> Vec<String> {
    let mut r: Vec<String> = f["related"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["rule_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    r.sort();
    r
}

#[test]
fn parts_of_one_credential_are_linked() {
    let all = scan("testdata/positives");
    // AWS temporary credentials: key id <-> secret <-> session token.
    let asia = finding(&all, "aws/credentials", "aws-temporary-access-key-id");
    assert_eq!(
        related_rules(asia),
        ["aws-secret-access-key", "aws-session-token"]
    );
    let session = finding(&all, "aws/credentials", "aws-session-token");
    assert_eq!(
        related_rules(session),
        ["aws-secret-access-key", "aws-temporary-access-key-id"]
    );
    // The long-lived key in the same file pairs with its own secret (line 8), not
    // with the temporary profile's.
    let akia = finding(&all, "aws/credentials", "aws-access-key-id");
    assert_eq!(related_rules(akia), ["aws-secret-access-key"]);
    assert_eq!(akia["related"][0]["line"], 8);
    let sts = finding(&all, "aws/sts-output.json", "aws-temporary-access-key-id");
    assert_eq!(
        related_rules(sts),
        ["aws-secret-access-key", "aws-session-token"]
    );
    // Slack xoxc needs its d cookie.
    let xoxc = finding(&all, "slack/session.txt", "slack-session-token");
    assert_eq!(related_rules(xoxc), ["slack-session-cookie"]);
    assert_eq!(xoxc["related"][0]["role"], "session-cookie");
    let xoxd = finding(&all, "slack/session.txt", "slack-session-cookie");
    assert_eq!(related_rules(xoxd), ["slack-session-token"]);
    // Atlassian token + account e-mail (two lines above it).
    let atatt = finding(&all, "atlassian/jira.yml", "atlassian-api-token");
    assert_eq!(related_rules(atatt), ["atlassian-account-email"]);
    assert_eq!(atatt["related"][0]["line"], 3);
    assert_eq!(atatt["related"][0]["column"], 10);
    // Unrelated findings carry no `related` key at all.
    let ghp = finding(&all, ".env", "github-pat-classic");
    assert!(ghp.get("related").is_none());
}

#[test]
fn jwt_enrichment_flags_unsigned_and_long_lived_tokens() {
    let all = scan("testdata/positives");
    let k8s = finding(&all, "k8s/token.txt", "jwt");
    assert_eq!(k8s["jwt"]["iss"], "kubernetes/serviceaccount");
    assert_eq!(k8s["lifetime"], "long", "a JWT without exp is long-lived");
    assert!(k8s.get("expires_at").is_none());
    let none = finding(&all, "k8s/token.txt", "jwt-alg-none");
    assert_eq!(none["jwt"]["alg"], "none");
    for f in &all {
        for key in ["kind", "lifetime", "revoke"] {
            assert!(
                f[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} missing in {f}"
            );
        }
    }
}
