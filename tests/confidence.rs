//! The confidence gate end to end: `confidence` and `confidence_reasons` on every
//! finding, `--min-confidence` (and `[report] min_confidence` in tokenhound.toml)
//! deciding what is reported, findings under the threshold counted in the stats
//! and the summary, and the SARIF level following the confidence.

mod common;

use common::{fake_ghp, tokenhound};

use serde_json::Value;

/// A project with one checksummed token (high), one random password in a config
/// file (medium or high) and translation strings in a locale file (low).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::create_dir_all(dir.path().join("lang/hr")).unwrap();
    std::fs::write(
        dir.path().join("config/deploy.py"),
        format!(
            "GITHUB_TOKEN = \"{}\"\nDB_PASSWORD = \"Zq8kW3mR7tY2\"\n",
            fake_ghp("confidence")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lang/hr/auth.php"),
        "<?php return [\n  'Change password' => 'Promjena lozinke',\n  'Reset Password' => 'Resetiranje Lozinke',\n];\n",
    )
    .unwrap();
    dir
}

fn scan(dir: &std::path::Path, extra: &[&str], format: &str) -> (i32, Value) {
    let out = tokenhound()
        .arg("scan")
        .arg(dir)
        .args(["--format", format, "-q"])
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), doc)
}

fn levels(doc: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(
                !f["confidence_reasons"].as_array().unwrap().is_empty(),
                "{f}"
            );
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn default_gate_reports_medium_and_high_and_counts_the_rest() {
    let dir = project();
    let (code, doc) = scan(dir.path(), &[], "json");
    assert_eq!(code, 1);
    let got = levels(&doc);
    assert!(
        got.contains(&("github-pat-classic".into(), "high".into())),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|(r, c)| r == "generic-password" && c != "low"),
        "{got:?}"
    );
    assert!(got.iter().all(|(_, c)| c != "low"), "{got:?}");
    assert_eq!(doc["stats"]["min_confidence"], "medium");
    assert_eq!(doc["stats"]["below_min_confidence"], 2, "{}", doc["stats"]);
    assert_eq!(doc["stats"]["findings"], got.len());
}

#[test]
fn min_confidence_low_shows_everything_and_high_only_the_validated() {
    let dir = project();
    let (_, doc) = scan(dir.path(), &["--min-confidence", "low"], "json");
    let got = levels(&doc);
    let low: Vec<_> = got.iter().filter(|(_, c)| c == "low").collect();
    assert_eq!(low.len(), 2, "the two translations: {got:?}");
    assert_eq!(doc["stats"]["below_min_confidence"], 0);
    let (_, doc) = scan(dir.path(), &["--min-confidence", "high"], "json");
    assert!(levels(&doc).iter().all(|(_, c)| c == "high"));
}

#[test]
fn config_sets_the_threshold_and_the_flag_overrides_it() {
    let dir = project();
    std::fs::write(
        dir.path().join("tokenhound.toml"),
        "[report]\nmin_confidence = \"low\"\n",
    )
    .unwrap();
    let (_, doc) = scan(dir.path(), &[], "json");
    assert_eq!(doc["stats"]["min_confidence"], "low");
    assert_eq!(doc["stats"]["below_min_confidence"], 0);
    let (_, doc) = scan(dir.path(), &["--min-confidence", "medium"], "json");
    assert_eq!(doc["stats"]["below_min_confidence"], 2);
    std::fs::write(
        dir.path().join("tokenhound.toml"),
        "[report]\nmin_confidence = \"sure\"\n",
    )
    .unwrap();
    let out = tokenhound().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad level is a config error");
}

#[test]
fn sarif_level_follows_confidence() {
    let dir = project();
    let (_, doc) = scan(dir.path(), &["--min-confidence", "low"], "sarif");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    for r in results {
        let conf = r["properties"]["confidence"].as_str().unwrap();
        let want = match conf {
            "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], want, "{r}");
    }
    assert!(results.iter().any(|r| r["level"] == "note"));
    assert!(results.iter().any(|r| r["level"] == "error"));
}

#[test]
fn human_summary_says_what_was_held_back() {
    let dir = project();
    let out = tokenhound().arg("scan").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 below confidence medium"), "{text}");
    assert!(text.contains("confidence: high"), "{text}");
}
