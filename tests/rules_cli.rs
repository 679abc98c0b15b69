//! `tokenhound rules list` and `tokenhound rules check`.

use std::fs;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn tokenhound() -> Command {
    Command::cargo_bin("tokenhound").unwrap()
}

const GOOD: &str = r#"[[rule]]
id = "acme-token"
name = "ACME API token"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[A-Za-z0-9]{24})\b'''
min_entropy = 3.0
lifetime = "long"
revoke = "Delete it in ACME's console."
examples = ["ACME_TOKEN=acme_Q3n8ZpL1xW7cV2bR9tY4mK6d"]
negative_examples = ["acme_xxxxxxxxxxxxxxxxxxxxxxxx"]
"#;

#[test]
fn list_prints_builtin_rules() {
    let out = tokenhound().args(["rules", "list"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("github-pat-classic") && text.contains("personal-access-token"));
    let out = tokenhound()
        .args(["rules", "list", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "jwt" && r["provider"] == "jwt"));
}

#[test]
fn check_passes_good_rules_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("acme.toml");
    fs::write(&f, GOOD).unwrap();
    let out = tokenhound()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 rules, 2 examples checked, 0 failed"));
    let out = tokenhound()
        .arg("--rules")
        .arg(dir.path())
        .args(["rules", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme-token"));
}

#[test]
fn check_fails_on_a_failing_example() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("acme.toml");
    fs::write(
        &f,
        GOOD.replace("acme_Q3n8ZpL1xW7cV2bR9tY4mK6d\"]", "acme_tooshort\"]"),
    )
    .unwrap();
    let out = tokenhound()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL")
            && text.contains("acme-token")
            && text.contains("example not reported"),
        "{text}"
    );
}

#[test]
fn invalid_rules_name_file_rule_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    for (broken, problem) in [
        (
            GOOD.replace(r"[A-Za-z0-9]{24})", r"[A-Za-z0-9{24})"),
            "pattern",
        ),
        (
            GOOD.replace("kind = \"api-key\"", "kind = \"magic\""),
            "unknown variant",
        ),
        (
            GOOD.replace("keywords = [\"acme_\"]", "keywords = []"),
            "keyword",
        ),
        (
            GOOD.replace("min_entropy = 3.0", "min_entropy = 3.0\ncolour = \"red\""),
            "unknown field",
        ),
    ] {
        fs::write(&f, broken).unwrap();
        let out = tokenhound()
            .args(["rules", "check"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains(problem), "{problem}: {err}");
        if problem == "pattern" || problem == "keyword" {
            assert!(err.contains("acme-token"), "{err}");
        }
        // The same file given to a scan is a fatal error too.
        let out = tokenhound()
            .arg("--rules")
            .arg(&f)
            .args(["scan", "testdata/scan/clean.md"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
}

/// A pattern that parses but is too big to compile is an error naming the file
/// and the rule for every command that takes `--rules`, `redact` included (the
/// engine compiles lazily and would otherwise drop the rule quietly).
#[test]
fn a_pattern_too_big_to_compile_is_an_error_for_scan_and_redact() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.toml");
    fs::write(
        &file,
        GOOD.replace(
            r"\b(?P<secret>acme_[A-Za-z0-9]{24})\b",
            r"\b(?P<secret>acme_(?:[A-Za-z0-9]{1000}){1000})\b",
        ),
    )
    .unwrap();
    for cmd in [&["scan", "-"][..], &["redact"][..]] {
        let out = tokenhound()
            .arg("--rules")
            .arg(&file)
            .args(cmd)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {err}");
        assert!(
            err.contains("huge.toml") && err.contains("acme-token") && err.contains("pattern"),
            "{cmd:?}: {err}"
        );
    }
}
