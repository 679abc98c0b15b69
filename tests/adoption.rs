//! Suppression (baseline, inline ignores, ignore file), the config file, GitHub
//! annotations, progress and completions: what makes the gate livable in CI.

mod common;

use common::{fake_ghp, tokenhound};

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn scan(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = tokenhound()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn count(doc: &Value) -> usize {
    doc["findings"].as_array().map(Vec::len).unwrap_or(0)
}

#[test]
fn baseline_survives_moves_and_renames_but_not_new_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir(&repo).unwrap();
    let old = fake_ghp("old");
    fs::write(repo.join("a.py"), format!("TOKEN = '{old}'  # fake\n")).unwrap();
    let baseline = dir.path().join("baseline.json");
    let (code, _, _) = scan(&repo, &["--baseline-out", baseline.to_str().unwrap()]);
    assert_eq!(code, 1);
    let text = fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains(&old), "baseline holds no raw secret");
    assert!(
        !text.contains("line") && !text.contains("a.py"),
        "no locations in the baseline: {text}"
    );

    // Moved down, file renamed: still suppressed.
    fs::remove_file(repo.join("a.py")).unwrap();
    fs::write(
        repo.join("b.py"),
        format!("\n\n\nimport os\n    TOKEN = '{old}'\n"),
    )
    .unwrap();
    let (code, doc, _) = scan(&repo, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["stats"]["suppressed"]["baseline"], 1);

    // A new token fails the gate.
    let new = fake_ghp("new");
    fs::write(repo.join("c.py"), format!("T2 = '{new}'\n")).unwrap();
    let (code, doc, _) = scan(&repo, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(count(&doc), 1);
    assert_eq!(
        doc["findings"][0]["path"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("c.py")
    );

    // Regenerating is deterministic and keeps baselined entries.
    let b2 = dir.path().join("b2.json");
    let b3 = dir.path().join("b3.json");
    scan(
        &repo,
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--baseline-out",
            b2.to_str().unwrap(),
        ],
    );
    scan(&repo, &["--baseline-out", b3.to_str().unwrap()]);
    let (t2, t3) = (
        fs::read_to_string(&b2).unwrap(),
        fs::read_to_string(&b3).unwrap(),
    );
    assert_eq!(t2, t3);
    assert_eq!(t2.matches("fingerprint").count(), 2);
}

#[test]
fn baseline_survives_a_rewritten_git_history() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("git not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let git = |args: &[&str]| common::git(&repo, args);
    fs::create_dir(&repo).unwrap();
    git(&["init", "-q"]);
    let t = fake_ghp("hist");
    fs::write(repo.join("x.txt"), format!("first\n{t}\n")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    let baseline = dir.path().join("base.json");
    scan(&repo, &["--baseline-out", baseline.to_str().unwrap()]);
    // Rewrite history: amend with a different message and content around the token.
    fs::write(repo.join("x.txt"), format!("changed\nlines\n{t}\n")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "--amend", "-m", "rewritten"]);
    let (code, doc, _) = scan(&repo, &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn inline_ignore_variants() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        format!("a = '{}'  # tokenhound:ignore", fake_ghp("i1")),
        format!(
            "b = '{}'  // tokenhound:ignore github-pat-classic",
            fake_ghp("i2")
        ),
        format!("c = '{}'  # gitleaks:allow", fake_ghp("i3")),
        format!("d = '{}'  # pragma: allowlist secret", fake_ghp("i4")),
        format!(
            "e = '{}'  # tokenhound:ignore slack-bot-token",
            fake_ghp("i5")
        ),
        format!("f = '{}'", fake_ghp("i6")),
    ];
    fs::write(dir.path().join("x.py"), lines.join("\n") + "\n").unwrap();
    let (code, doc, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let reported: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        reported,
        [5, 6],
        "an ignore naming another rule does not apply"
    );
    assert_eq!(doc["stats"]["suppressed"]["inline"], 4);
    let (_, doc, _) = scan(dir.path(), &["--no-inline-ignore"]);
    assert_eq!(count(&doc), 6);
}

#[test]
fn ignore_file_with_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (fake_ghp("ig1"), fake_ghp("ig2"));
    fs::write(dir.path().join("x.txt"), format!("{a}\n{b}\n")).unwrap();
    let (_, doc, _) = scan(dir.path(), &[]);
    let fps: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    fs::write(
        dir.path().join(".tokenhoundignore"),
        format!(
            "# reviewed\n{} until=2999-01-01 test fixture\n{} until=2001-01-01 expired\n",
            &fps[0][..16],
            fps[1]
        ),
    )
    .unwrap();
    let (code, doc, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(count(&doc), 1, "the expired entry no longer suppresses");
    assert_eq!(doc["findings"][0]["fingerprint"], fps[1].as_str());
    assert_eq!(doc["stats"]["suppressed"]["ignore_file"], 1);
    fs::write(dir.path().join(".tokenhoundignore"), "zzzz\n").unwrap();
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains(".tokenhoundignore:1"), "{err}");
}

#[test]
fn config_file_allowlists_disables_and_custom_rules() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("fixtures")).unwrap();
    fs::write(
        dir.path().join("fixtures/t.txt"),
        format!("{}\n", fake_ghp("cf1")),
    )
    .unwrap();
    fs::write(
        dir.path().join("app.txt"),
        format!(
            "{}\nacme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a\n",
            fake_ghp("cf2")
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("tokenhound.toml"),
        r#"[allowlist]
paths = ["**/fixtures/**"]

[rules]
disable = ["jwt"]

[[rule]]
id = "acme-session"
name = "ACME session key"
provider = "acme"
kind = "session-cookie"
keywords = ["acme_sess="]
pattern = '''acme_sess=(?P<secret>[a-f0-9]{32})'''
lifetime = "short"
revoke = "Log out of ACME."
examples = ["acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
"#,
    )
    .unwrap();
    let (code, doc, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["github-pat-classic", "acme-session"]);
    // The fixture, and the custom rule's own example in tokenhound.toml.
    assert_eq!(doc["stats"]["suppressed"]["allowlist"], 2);

    // Value allowlist through --config.
    let other = dir.path().join("other.toml");
    fs::write(&other, "[allowlist]\nvalues = ['''^0c1f8e''']\n").unwrap();
    let (_, doc, _) = scan(dir.path(), &["--config", other.to_str().unwrap()]);
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().filter(|i| **i == "github-pat-classic").count(),
        2
    );
}

#[test]
fn config_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("tokenhound.toml"),
        "[allowlist]\npaths = []\n\n[rulez]\ndisable = []\n",
    )
    .unwrap();
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("tokenhound.toml") && err.contains("line 4") && err.contains("rulez"),
        "{err}"
    );
    fs::write(
        dir.path().join("tokenhound.toml"),
        "[rules]\ndisable = [\"no-such-rule\"]\n",
    )
    .unwrap();
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rule"), "{err}");
}

#[test]
fn config_init_writes_a_valid_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokenhound()
        .args(["config", "init"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let (code, _, err) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let again = tokenhound()
        .args(["config", "init"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite");
}

#[test]
fn github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a,b.txt"),
        format!("x\n  t = {}\n", fake_ghp("gh")),
    )
    .unwrap();
    let out = tokenhound()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("::error file="), "{first}");
    assert!(
        first.contains("a%2Cb.txt,line=2,col=7,endLine=2,endColumn=47,title=tokenhound%3A GitHub"),
        "{first}"
    );
    assert!(first.contains("::GitHub personal access token (classic) (github-pat-classic"));
    assert!(first.contains("ghp_***") && !first.contains(&fake_ghp("gh")));
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("::notice title=tokenhound::1 finding(s)"));
}

#[test]
fn no_progress_or_notes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), format!("{}\n", fake_ghp("pr"))).unwrap();
    let out = tokenhound().arg("scan").arg(dir.path()).output().unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tokenhound()
        .arg("scan")
        .arg(dir.path())
        .arg("--verbose")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules; config: none"));
}

#[test]
fn shell_completions() {
    for shell in ["bash", "zsh", "fish"] {
        let out = tokenhound().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("tokenhound") && text.contains("baseline"),
            "{shell}"
        );
    }
}

#[test]
fn sarif_for_history_findings_names_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| common::git(repo, args);
    git(&["init", "-q"]);
    fs::write(
        repo.join("a.txt"),
        format!("t = {}\n", fake_ghp("sarifhist")),
    )
    .unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "oops"]);
    fs::write(repo.join("a.txt"), "t = None\n").unwrap();
    git(&["commit", "-qam", "fix"]);
    let out = tokenhound()
        .arg("git")
        .arg(repo)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _: serde_sarif::sarif::Sarif =
        serde_json::from_slice(&out.stdout).expect("valid SARIF 2.1.0");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &v["runs"][0]["results"][0];
    let msg = result["message"]["text"].as_str().unwrap();
    assert!(
        msg.contains("Introduced in commit")
            && msg.contains("\"oops\"")
            && msg.contains("no longer in HEAD"),
        "{msg}"
    );
    assert_eq!(result["properties"]["in_head"], false);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a.txt"
    );
}
