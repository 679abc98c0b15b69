//! "Nothing goes over the network without `--verify` or `revoke --yes`",
//! checked at the system call level: every command that reads scanned data
//! (scan, git in all its modes, redact, audit, report) and `revoke` without
//! `--yes` (a dry run) runs under `strace -f` and must create no socket at all
//! (not even a local one), in a tree whose tokenhound.toml names verification
//! endpoints. Runs with `--verify` and `revoke --yes` are the controls: the
//! same trace must see their sockets, so the check can fail.
//!
//! Needs strace (`.ci/run` installs Debian's); skipped with a message where it
//! is missing or may not trace.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{fake_ghp, git, json, Server};

const BIN: &str = env!("CARGO_BIN_EXE_tokenhound");

/// True when strace can trace a child here (it may be missing, or ptrace may
/// be forbidden in a container).
fn strace_works() -> bool {
    Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=%network",
            "-o",
            "/dev/null",
            "true",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs tokenhound with `args` (and `stdin`) under strace, and returns the
/// network system calls it made (`socket(`, `connect(`, …), one per line.
fn network_calls(dir: &Path, args: &[String], stdin: Option<&[u8]>) -> Vec<String> {
    let trace = dir.join(format!(
        "trace-{}.txt",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=%network", "-o"])
        .arg(&trace)
        .arg(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    // 0 (clean) or 1 (findings); 2 would be an error worth seeing.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "tokenhound {args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&trace).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("+++ exited") && !l.contains("--- SIG"))
        .map(str::to_string)
        .collect()
}

/// A repository with a leaked (fake) token in history, a staged and an
/// unstaged change, and a tokenhound.toml that names a verification endpoint.
fn fixture(dir: &Path, endpoint: &str) -> PathBuf {
    let repo = dir.join("repo");
    fs::create_dir_all(&repo).unwrap();
    fs::write(
        repo.join("tokenhound.toml"),
        format!("[verify]\nhosts = [\"127.0.0.1\"]\nallow_private = true\n[verify.endpoints]\ngithub = \"{endpoint}\"\n"),
    )
    .unwrap();
    fs::write(
        repo.join("deploy.env"),
        format!(
            "GITHUB_TOKEN={}  # fake token for a test\n",
            fake_ghp("net1")
        ),
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    fs::write(
        repo.join("more.env"),
        format!(
            "GITHUB_TOKEN={}  # fake token for a test\n",
            fake_ghp("net2")
        ),
    )
    .unwrap();
    git(&repo, &["add", "more.env"]);
    git(&repo, &["commit", "-q", "-m", "second"]);
    fs::write(
        repo.join("staged.env"),
        format!(
            "GITHUB_TOKEN={}  # fake token for a test\n",
            fake_ghp("net3")
        ),
    )
    .unwrap();
    git(&repo, &["add", "staged.env"]);
    fs::write(
        repo.join("unstaged.env"),
        format!(
            "GITHUB_TOKEN={}  # fake token for a test\n",
            fake_ghp("net4")
        ),
    )
    .unwrap();
    repo
}

#[test]
fn strace_no_socket_without_verify() {
    if !strace_works() {
        eprintln!(
            "SKIPPED strace_no_socket_without_verify: strace is missing or may not trace here \
             (.ci/run installs Debian's strace)"
        );
        return;
    }
    let server = Server::start(|_| json(200, r#"{"login":"fake"}"#));
    let dir = tempfile::tempdir().unwrap();
    let repo = fixture(dir.path(), &server.base());
    let store = dir.path().join("audit.db");
    let r = repo.display().to_string();
    let s = store.display().to_string();
    let log = format!("2026-11-20T12:05:02.2Z token={}\n", fake_ghp("net5"));
    // A report with raw secrets for `revoke`, written outside the trace.
    let report = dir.path().join("report.json");
    let wrote = std::process::Command::new(BIN)
        .args(["scan", "--show-secrets", "--format", "json", "-o"])
        .arg(&report)
        .arg(&repo)
        .status()
        .unwrap();
    assert_eq!(wrote.code(), Some(1));
    let rp = report.display().to_string();
    let cfg = repo.join("tokenhound.toml").display().to_string();
    let args = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let runs: Vec<(Vec<String>, Option<&[u8]>)> = vec![
        (args(&["scan", &r]), None),
        (
            args(&["scan", "--format", "json", "-"]),
            Some(log.as_bytes()),
        ),
        (args(&["git", &r]), None),
        (args(&["git", &r, "HEAD~1..HEAD"]), None),
        (args(&["git", &r, "--staged"]), None),
        (args(&["git", &r, "--working-tree"]), None),
        (args(&["redact"]), Some(log.as_bytes())),
        (args(&["audit", "--store", &s, &r]), None),
        (args(&["report", "--store", &s]), None),
        (args(&["report", "--store", &s, "--format", "json"]), None),
        (args(&["report", "--store", &s, "--format", "html"]), None),
        // revoke without --yes: a dry run, even with its issuer allowed.
        (
            args(&["revoke", "--report", &rp, "--all", "--config", &cfg]),
            None,
        ),
        (
            args(&[
                "revoke",
                "--report",
                &rp,
                "--all",
                "--config",
                &cfg,
                "--revoke-allow-private",
                "--format",
                "json",
            ]),
            None,
        ),
    ];
    for (a, stdin) in &runs {
        let calls = network_calls(dir.path(), a, *stdin);
        assert!(
            calls.is_empty(),
            "tokenhound {a:?} made network calls: {calls:#?}"
        );
    }
    assert!(server.connections() == 0);
    // The control: with --verify (and the loopback endpoint allowed on the
    // command line) the trace does see the request's socket.
    let calls = network_calls(
        dir.path(),
        &args(&[
            "scan",
            &r,
            "--verify",
            "--verify-allow-private",
            "--verify-host",
            "127.0.0.1",
        ]),
        None,
    );
    assert!(
        calls.iter().any(|c| c.contains("socket(")),
        "the trace did not see --verify's socket: {calls:#?}"
    );
    assert!(server.connections() > 0);
    // And revoke's control: with --yes the same trace sees its socket.
    let before = server.connections();
    let calls = network_calls(
        dir.path(),
        &args(&[
            "revoke",
            "--report",
            &rp,
            "--all",
            "--config",
            &cfg,
            "--revoke-allow-private",
            "--yes",
        ]),
        None,
    );
    assert!(
        calls.iter().any(|c| c.contains("socket(")),
        "the trace did not see revoke --yes's socket: {calls:#?}"
    );
    assert!(server.connections() > before);
}
