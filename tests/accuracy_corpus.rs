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
