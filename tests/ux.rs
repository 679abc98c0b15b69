//! What users see around the scan (issue 18): flags that would silently do
//! nothing are refused or warned about, `rules check` validates like loading,
//! expired ignore entries say so, the hook's messages are the hook's only, a
//! closed pipe is quiet, git errors are in words.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};

use common::{fake_ghp, tokenhound};
use serde_json::Value;

fn run(args: &[&str], dir: &Path) -> Output {
    tokenhound().args(args).current_dir(dir).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A directory holding one file with one fake token.
fn tree_with_token(seed: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("app.env"),
        format!("# fake token for a test\nGITHUB_TOKEN={}\n", fake_ghp(seed)),
    )
    .unwrap();
    dir
}

#[test]
fn fail_on_live_without_verify_is_an_error() {
    let dir = tree_with_token("a");
    let out = run(&["scan", ".", "--fail-on", "live"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("--fail-on live needs --verify"), "{err}");
    // Same gate for git and audit, which share the flags.
    let out = run(&["git", ".", "--fail-on", "live"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--fail-on live needs --verify"));
}

#[test]
fn flags_that_need_another_flag_are_refused() {
    let dir = tree_with_token("b");
    for args in [
        &["scan", ".", "--only-live"][..],
        &["scan", ".", "--verify-timeout", "5"],
        &["scan", ".", "--verify-host", "ghe.example.test"],
        &["scan", ".", "--verify-allow-private"],
        &["scan", ".", "--verify-concurrency", "2"],
        &["scan", ".", "--verify-rate", "5"],
        &["git", ".", "--hook"],
        &["scan", ".", "-j", "0"],
        &["scan", ".", "--max-findings", "0"],
        &["scan", ".", "--max-findings-per-file", "0"],
    ] {
        let out = run(args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: no report for a usage error"
        );
    }
}

#[test]
fn show_secrets_into_pull_request_annotations_is_refused_and_sarif_warned() {
    let dir = tree_with_token("c");
    let token = fake_ghp("c");
    let out = run(
        &["scan", ".", "--format", "github", "--show-secrets"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pull-request"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains(&token));
    let out = run(
        &["scan", ".", "--format", "sarif", "--show-secrets"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("warning: --show-secrets with --format sarif"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn flags_without_effect_are_warned_about() {
    let dir = tree_with_token("d");
    let mut child = tokenhound()
        .args(["scan", "-", "--no-ignore"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        text(&out.stderr).contains("--no-ignore has no effect on standard input"),
        "{}",
        text(&out.stderr)
    );
    let rules = dir.path().join("r.toml");
    fs::write(&rules, common::ACME_RULE).unwrap();
    let out = tokenhound()
        .arg("--rules")
        .arg(&rules)
        .args(["config", "init", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("--rules has no effect on this command"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn rules_check_rejects_what_loading_rejects() {
    let dir = tempfile::tempdir().unwrap();
    // A custom rule reusing a built-in id: `scan --rules` refuses it, so
    // `rules check` must too.
    let dup = dir.path().join("dup.toml");
    fs::write(
        &dup,
        common::ACME_RULE.replace("id = \"acme-token\"", "id = \"github-pat-classic\""),
    )
    .unwrap();
    let check = run(&["rules", "check", dup.to_str().unwrap()], dir.path());
    let scan = tokenhound()
        .arg("--rules")
        .arg(&dup)
        .args(["scan", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2));
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stdout));
    assert!(
        text(&check.stderr).contains("duplicate id"),
        "{}",
        text(&check.stderr)
    );
    // The same rule under its own id passes.
    let good = dir.path().join("good.toml");
    fs::write(&good, common::ACME_RULE).unwrap();
    let check = run(&["rules", "check", good.to_str().unwrap()], dir.path());
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[test]
fn rules_check_reports_keywords_no_match_can_hold() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("typo.toml");
    // `acme-` can never occur: every match has `acme_`. The example still
    // passes (the other keyword finds it), so only the keyword check fails.
    fs::write(
        &f,
        common::ACME_RULE.replace(
            r#"keywords = ["acme_"]"#,
            r#"keywords = ["acme_", "acme-"]"#,
        ),
    )
    .unwrap();
    let out = run(&["rules", "check", f.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    assert!(
        said.contains("rule `acme-token`: keyword \"acme-\" can never occur in a match"),
        "{said}"
    );
    assert!(
        said.contains("1 rule with keywords that can never occur"),
        "{said}"
    );
}

#[test]
fn an_expired_ignore_entry_stops_suppressing_with_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let a = fake_ghp("e1");
    // The same secret twice (two findings) and a second file: one note.
    fs::write(
        dir.path().join("a.env"),
        format!("# fake\nT1={a}\nT2={a}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("b.env"), format!("# fake\nT={a}\n")).unwrap();
    let json = run(&["scan", ".", "--format", "json", "-q"], dir.path());
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let fp = doc["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let ignore = dir.path().join(".tokenhoundignore");
    fs::write(&ignore, format!("{} until=2020-01-31 fixture\n", &fp[..16])).unwrap();
    let out = run(&["scan", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3);
    let err = text(&out.stderr);
    let notes: Vec<&str> = err.lines().filter(|l| l.contains("expired")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(
        notes[0].contains(&format!(
            "`{} until=2020-01-31 fixture` expired on 2020-01-31",
            &fp[..16]
        )) && notes[0].contains(".tokenhoundignore"),
        "{err}"
    );
    // Unexpired: suppressed, no note.
    fs::write(&ignore, format!("{} until=2999-01-31 fixture\n", &fp[..16])).unwrap();
    let out = run(&["scan", ".", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stderr).contains("expired"));
}

/// A repository with one commit and a staged file holding `staged`.
fn repo_with_staged(staged: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    common::git(r, &["init", "-q", "-b", "main"]);
    fs::write(r.join("README.md"), "# demo\n").unwrap();
    common::git(r, &["add", "."]);
    common::git(r, &["commit", "-q", "-m", "init"]);
    fs::write(r.join("deploy.sh"), staged).unwrap();
    common::git(r, &["add", "deploy.sh"]);
    dir
}

#[test]
fn only_the_hook_says_commit_blocked_and_a_clean_hook_is_quiet() {
    let dir = repo_with_staged(&format!("# fake\nexport T={}\n", fake_ghp("h")));
    for args in [
        &["git", "--staged"][..],
        &["git", "--staged", "-q"],
        &["git", "--staged", "--format", "json"],
        &["git", "--working-tree"],
    ] {
        let out = run(args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!all.contains("commit blocked"), "{args:?}: {all}");
    }
    let out = run(&["git", "--staged", "--hook"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("commit blocked (exit 1)"));

    let clean = repo_with_staged("echo deploy\n");
    let out = run(&["git", "--staged", "--hook"], clean.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(!text(&out.stderr).contains("findings"));
    // By hand, a clean run still prints its summary.
    let out = run(&["git", "--staged"], clean.path());
    assert!(text(&out.stdout).contains("0 findings"));
}

/// Runs `args` with standard output into a pipe closed after its first bytes
/// (as `| head -c1` does), and returns the exit code and standard error.
fn into_closed_pipe(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let mut child = tokenhound()
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    let mut stdout = child.stdout.take().unwrap();
    let _ = stdout.read(&mut first);
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_is_quiet_for_every_command_that_writes() {
    // Enough findings that the report outgrows the pipe buffer (64 KiB).
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..400)
        .map(|i| format!("# fake\nT{i}={}\n", fake_ghp(&format!("p{i}"))))
        .collect();
    fs::write(dir.path().join("many.env"), body).unwrap();
    for (args, code) in [
        (&["scan", "."][..], 1),
        (&["scan", ".", "--format", "json"], 1),
        (&["scan", ".", "--format", "jsonl"], 1),
        (&["scan", ".", "--format", "sarif"], 1),
        (&["scan", ".", "--format", "github"], 1),
        (&["rules", "list"], 0),
        (&["rules", "list", "--json"], 0),
        (&["completions", "bash"], 0),
    ] {
        let (got, err) = into_closed_pipe(args, dir.path());
        assert_eq!(got, Some(code), "{args:?}: {err}");
        assert!(
            !err.contains("Broken pipe") && !err.contains("error") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn git_errors_are_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let plain = dir.path().join("plain");
    fs::create_dir(&plain).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["git".into(), missing.display().to_string()],
            "does not exist",
        ),
        (
            vec!["git".into(), plain.display().to_string()],
            "not a git repository",
        ),
    ];
    let repo = repo_with_staged("echo hi\n");
    let r = repo.path().display().to_string();
    let more: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["git".into(), r.clone(), "--branch".into(), "nosuch".into()],
            "no branch, tag or commit named `nosuch`",
        ),
        (
            vec!["git".into(), r.clone(), "nosuch..main".into()],
            "no branch, tag or commit named `nosuch`",
        ),
        (
            vec!["install-hook".into(), plain.display().to_string()],
            "not a git repository",
        ),
    ];
    for (args, want) in cases.into_iter().chain(more) {
        let out = tokenhound().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !err.contains("class=") && !err.contains("code="),
            "{args:?}: libgit2 internals: {err}"
        );
    }
}

/// A tree whose `app.env` holds `tokens` of the ACME rule (common::ACME_RULE),
/// checked against `server` (named in a config given with --config).
fn acme_tree(server: &common::Server, tokens: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("acme.toml"), common::ACME_RULE).unwrap();
    fs::write(
        dir.path().join("verify.toml"),
        format!("[verify.endpoints]\nacme = \"{}\"\n", server.base()),
    )
    .unwrap();
    fs::create_dir(dir.path().join("src")).unwrap();
    let body: String = tokens.iter().map(|t| format!("fake = \"{t}\"\n")).collect();
    fs::write(dir.path().join("src/app.env"), body).unwrap();
    dir
}

const LIVE: &str = "acme_Live00FakeToken0Aa1Bb2Cc";
const DEAD: &str = "acme_Dead00FakeToken0Xx9Yy8Zz";

fn acme_scan(dir: &Path, extra: &[&str]) -> Output {
    tokenhound()
        .args([
            "--rules",
            "acme.toml",
            "scan",
            "src",
            "--config",
            "verify.toml",
        ])
        .args(["--verify", "--verify-allow-private"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn live_or_dead() -> common::Server {
    common::Server::start(|req| {
        let live = req
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == &format!("Bearer {LIVE}"));
        if live {
            common::json(200, r#"{"ok":true,"user":"fake-user"}"#)
        } else {
            common::json(401, r#"{"ok":false}"#)
        }
    })
}

#[test]
fn the_human_summary_counts_verdicts() {
    let server = live_or_dead();
    let dir = acme_tree(&server, &[LIVE, DEAD]);
    let out = acme_scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("verified: 1 live · 1 dead · 0 unknown (2 distinct secrets, 2 requests)"),
        "{said}"
    );
    // Without --verify there is no such line.
    let out = tokenhound()
        .args(["--rules", "acme.toml", "scan", "src"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains("verified:"));
}

#[test]
fn baseline_out_with_only_live_records_every_finding() {
    let server = live_or_dead();
    let dir = acme_tree(&server, &[LIVE, DEAD]);
    let out = acme_scan(
        dir.path(),
        &[
            "--only-live",
            "--baseline-out",
            "b.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        1,
        "only the live one"
    );
    let b: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(b["findings"].as_array().unwrap().len(), 2, "{b}");
    assert!(text(&out.stderr).contains("warning: --baseline-out with --only-live"));
    assert!(
        text(&out.stderr).contains("(2 entries)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn jwt_lifetime_comes_from_its_claims_with_the_validity_left() {
    use serde_json::json;
    let now = chrono::Utc::now().timestamp();
    const YEAR: i64 = 365 * 86_400;
    let jwt = |payload: Value, sig: &str| {
        tokenhound::enrich::jwt::encode_for_tests(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &payload,
            sig,
        )
    };
    // Fake signatures that look like one (43 base64url characters).
    let sig = |c: char| format!("r3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRg{c}");
    let ten_years = jwt(
        json!({"sub": "fake-user-1", "iat": now, "exp": now + 10 * YEAR}),
        &sig('a'),
    );
    let one_year_no_iat = jwt(json!({"sub": "fake-user-2", "exp": now + YEAR}), &sig('b'));
    let no_exp = jwt(json!({"sub": "fake-user-3", "iat": now}), &sig('c'));
    let an_hour = jwt(
        json!({"sub": "fake-user-4", "iat": now, "exp": now + 3600}),
        &sig('d'),
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("tokens.txt"),
        format!(
            "# fake JWTs for a test\nA={ten_years}\nB={one_year_no_iat}\nC={no_exp}\nD={an_hour}\n"
        ),
    )
    .unwrap();
    let out = run(&["scan", ".", "--format", "json"], dir.path());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_line = |l: u64| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["line"] == l)
            .unwrap_or_else(|| panic!("line {l}: {doc}"))
            .clone()
    };
    let (a, b, c, d) = (by_line(2), by_line(3), by_line(4), by_line(5));
    assert_eq!(a["lifetime"], "long");
    let left = a["expires_in"].as_i64().unwrap();
    assert!((10 * YEAR - 600..=10 * YEAR).contains(&left), "{left}");
    assert_eq!(b["lifetime"], "long");
    assert!(b["expires_in"].as_i64().unwrap() > YEAR - 600);
    assert_eq!(c["lifetime"], "long");
    assert!(c.get("expires_in").is_none() && c.get("expires_at").is_none());
    assert_eq!(d["lifetime"], "short");
    assert!(d["expires_in"].as_i64().unwrap() <= 3600);

    let out = run(&["scan", "."], dir.path());
    let said = text(&out.stdout);
    assert!(said.contains("lifetime: long; expires "), "{said}");
    assert!(
        said.contains("(valid for 9 years more)") || said.contains("(valid for 10 years more)"),
        "{said}"
    );
    assert!(
        said.contains("(valid for 59 minutes more)")
            || said.contains("(valid for 60 minutes more)"),
        "{said}"
    );
    assert!(
        said.contains("no expiry (exp): valid until its signing key is rotated"),
        "{said}"
    );
}

#[test]
fn history_only_findings_name_the_refs_that_still_carry_them() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let git = |args: &[&str]| common::git(r, args);
    let (t1, t2) = (fake_ghp("r1"), fake_ghp("r2"));
    git(&["init", "-q", "-b", "main"]);
    fs::write(r.join("README.md"), "# demo\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    git(&["branch", "old"]); // before the leak: does not carry it
    fs::write(r.join("secret.env"), format!("# fake\nT={t1}\n")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "add config"]);
    git(&["tag", "v1"]);
    git(&["checkout", "-q", "-b", "feature"]);
    fs::write(r.join("feature.txt"), "wip\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "feature work"]);
    git(&["checkout", "-q", "main"]);
    git(&["rm", "-q", "secret.env"]);
    git(&["commit", "-q", "-m", "remove the token"]);
    // A branch of its own history, the only one with the second token.
    git(&["checkout", "-q", "--orphan", "other"]);
    git(&["rm", "-q", "-r", "--cached", "."]);
    fs::write(r.join("other.env"), format!("# fake\nT={t2}\n")).unwrap();
    git(&["add", "other.env"]);
    git(&["commit", "-q", "-m", "other"]);
    git(&["checkout", "-q", "-f", "main"]);

    let refs_of = |doc: &Value, file: &str| -> (bool, Vec<String>, u64) {
        let f = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == file)
            .unwrap_or_else(|| panic!("{file}: {doc:#}"));
        let g = &f["git"];
        let refs = g["refs"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        (
            g["in_head"].as_bool().unwrap(),
            refs,
            g["refs_total"].as_u64().unwrap_or(0),
        )
    };
    let out = run(&["git", ".", "--format", "json"], r);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = vec![
        "refs/heads/feature".to_string(),
        "refs/heads/main".to_string(),
        "refs/tags/v1".to_string(),
    ];
    assert_eq!(refs_of(&doc, "secret.env"), (false, want.clone(), 3));
    assert_eq!(
        refs_of(&doc, "other.env"),
        (false, vec!["refs/heads/other".to_string()], 1)
    );
    // Only main's history scanned: the refs outside it still count.
    let out = run(&["git", ".", "--branch", "main", "--format", "json"], r);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(refs_of(&doc, "secret.env"), (false, want, 3));
    // In HEAD: no refs list.
    git(&["checkout", "-q", "feature"]);
    let out = run(&["git", ".", "--format", "json"], r);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(refs_of(&doc, "secret.env"), (true, vec![], 0));
    git(&["checkout", "-q", "main"]);
    let out = run(&["git", "."], r);
    let said = text(&out.stdout);
    assert!(
        said.contains(
            "not in HEAD: history only, still carried by refs/heads/feature, refs/heads/main, refs/tags/v1"
        ),
        "{said}"
    );
}
