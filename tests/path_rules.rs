//! Rules scoped by `path`: they run on a file at a matching path, and on
//! nothing else, however its content looks.

mod common;

use std::fs;
use std::path::Path;

use common::tokenhound;
use serde_json::Value;

fn write(root: &Path, path: &str, content: &[u8]) {
    let p = root.join(path);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// (rule, path, line) of every finding of a JSON report.
fn found(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    let out = tokenhound()
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let mut v: Vec<(String, String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

#[test]
fn a_custom_rule_can_be_scoped_by_path() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("acme.toml");
    fs::write(
        &rules,
        r#"[[rule]]
id = "acme-license"
name = "ACME licence key file"
provider = "acme"
kind = "api-key"
path = '''(?:^|/)acme\.lic$'''
pattern = '''\A(?P<secret>[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4})\s*\z'''
lifetime = "long"
revoke = "Revoke the licence in ACME's portal."
example_path = "etc/acme.lic"
examples = ["Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n"]
negative_examples = ["Q3N8Z-PL1XW\n"]
"#,
    )
    .unwrap();
    let out = tokenhound()
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("1 rules, 2 examples checked, 0 failed"),
        "{text}"
    );
    let data = tmp.path().join("data");
    write(&data, "etc/acme.lic", b"Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n");
    write(&data, "etc/acme.txt", b"Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n");
    let rules = rules.display().to_string();
    assert_eq!(
        found(&data, &["--rules", &rules, "scan", "."]),
        [row("acme-license", "etc/acme.lic", 1)]
    );
}
