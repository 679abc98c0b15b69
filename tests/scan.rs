//! Integration tests of `tokenhound scan`: findings and locations, every output
//! format, redaction, exit codes and bad input. They run the real binary.

mod common;

use common::{fake_ghp, tokenhound};

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

/// Runs `tokenhound scan ARGS --format json` and returns (exit code, document, stderr).
fn scan_json(args: &[&str]) -> (i32, Value, String) {
    let out = tokenhound()
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code().unwrap(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().unwrap()
}

#[test]
fn finds_tokens_with_lines_and_columns() {
    let (code, doc, _) = scan_json(&["testdata/scan"]);
    assert_eq!(code, 1);
    let got: Vec<(String, u64, u64, String)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("testdata/scan/config.py", 4, 22, "github-pat-classic"),
        ("testdata/scan/config.py", 5, 44, "slack-bot-token"),
        // invalid UTF-8 before the token: columns count characters, bad bytes as one each
        ("testdata/scan/latin1.txt", 1, 42, "github-pat-classic"),
        // CRLF line endings
        (
            "testdata/scan/nested/credentials",
            2,
            21,
            "aws-temporary-access-key-id",
        ),
        (
            "testdata/scan/nested/credentials",
            3,
            25,
            "aws-secret-access-key",
        ),
        (
            "testdata/scan/nested/credentials",
            4,
            21,
            "aws-session-token",
        ),
        (
            "testdata/scan/nested/deploy.log",
            2,
            36,
            "github-installation-token",
        ),
        ("testdata/scan/nested/deploy.log", 3, 34, "jwt"),
    ];
    let want: Vec<(String, u64, u64, String)> = want
        .iter()
        .map(|(p, l, c, r)| (p.to_string(), *l, *c, r.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc["stats"]["files_scanned"], 5);
    assert!(doc["stats"]["errors"].as_array().unwrap().is_empty());
}

#[test]
fn json_schema_keys_are_present() {
    let (_, doc, _) = scan_json(&["testdata/scan/config.py"]);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "tokenhound");
    for f in findings(&doc) {
        for key in [
            "rule_id",
            "name",
            "provider",
            "kind",
            "secret",
            "fingerprint",
            "path",
            "line",
            "column",
            "source",
            "line_text",
            "entropy",
            "lifetime",
            "revoke",
            "offset",
        ] {
            assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
        }
        assert_eq!(f["source"], "file");
        assert_eq!(f["fingerprint"].as_str().unwrap().len(), 64);
    }
    for key in ["files_scanned", "bytes_scanned", "elapsed_ms", "errors"] {
        assert!(doc["stats"].get(key).is_some(), "stats lacks `{key}`");
    }
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let raw = fs::read_to_string("testdata/scan/config.py").unwrap();
    let token = raw.split('"').nth(1).unwrap().to_string();
    assert!(token.starts_with("ghp_"));
    for format in ["human", "json", "jsonl", "sarif"] {
        let out = tokenhound()
            .args(["scan", "testdata/scan", "--format", format])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(&token), "{format} output leaks the secret");
        assert!(
            text.contains("ghp_***"),
            "{format} output lacks the redacted form"
        );
    }
    let (_, doc, _) = scan_json(&["testdata/scan/config.py", "--show-secrets"]);
    assert_eq!(findings(&doc)[0]["secret"], token.as_str());
    let out = tokenhound()
        .args(["scan", "testdata/scan/config.py", "--show-secrets"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&token));
}

#[test]
fn fingerprint_survives_moves_and_renames() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("move");
    fs::write(dir.path().join("a.txt"), format!("token = {t}\n")).unwrap();
    let (_, d1, _) = scan_json(&[dir.path().to_str().unwrap()]);
    fs::remove_file(dir.path().join("a.txt")).unwrap();
    fs::write(
        dir.path().join("b.txt"),
        format!("\n\n   # moved\n   other = {t}\n"),
    )
    .unwrap();
    let (_, d2, _) = scan_json(&[dir.path().to_str().unwrap()]);
    let (f1, f2) = (&findings(&d1)[0], &findings(&d2)[0]);
    assert_eq!(f1["fingerprint"], f2["fingerprint"]);
    assert_ne!(f1["line"], f2["line"]);
}

#[test]
fn human_output_groups_per_file_with_summary() {
    let out = tokenhound()
        .args(["scan", "testdata/scan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'), "no colour on a pipe");
    assert_eq!(text.matches("testdata/scan/config.py\n").count(), 1);
    assert!(text.contains("4:22  github-pat-classic"));
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("8 findings in 4 files · scanned 5 files"),
        "{last}"
    );
    assert!(last.contains("0 errors"));
}

#[test]
fn jsonl_streams_one_finding_per_line() {
    let out = tokenhound()
        .args(["scan", "testdata/scan", "--format", "jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert!(lines
        .iter()
        .all(|f| f["rule_id"].is_string() && f["line"].is_u64()));
}

#[test]
fn jsonl_from_stdin_appears_before_input_ends() {
    use std::io::{BufRead, BufReader};
    let mut child = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A full segment so the first part is scanned while stdin stays open.
    let filler = "build step output line that says nothing secret at all\n".repeat(90_000);
    write!(stdin, "token {}\n{filler}", fake_ghp("stream")).unwrap();
    stdin.flush().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let f: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(f["source"], "stdin");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(7))
    );
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

#[test]
fn stdin_positions_are_right_across_segments() {
    let filler = "x".repeat(70) + "\n";
    let lines_before = 200_000; // 14 MB: several 4 MiB segments
    let mut input = filler.repeat(lines_before);
    input.push_str(&format!("   {}\n", fake_ghp("seg1")));
    input.push_str(&filler.repeat(1000));
    let mut child = tokenhound()
        .args(["scan", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{doc}");
    assert_eq!(f[0]["line"], lines_before as u64 + 1);
    assert_eq!(f[0]["column"], 4);
    assert_eq!(f[0]["offset"], (lines_before * 71 + 3) as u64);
    assert_eq!(f[0]["path"], "-");
}

#[test]
fn sarif_matches_the_2_1_0_model() {
    let out = tokenhound()
        .args(["scan", "testdata/scan", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_slice(&out.stdout).expect("SARIF deserializes into the 2.1.0 typed model");
    let v: Value = serde_json::to_value(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert_eq!(
            r["partialFingerprints"]["tokenhound/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
    }
    for rule in rules {
        assert!(rule["help"]["text"].as_str().unwrap().contains("Revoke"));
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
    }
}

#[test]
fn output_file_option() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = tokenhound()
        .args([
            "scan",
            "testdata/scan/config.py",
            "--format",
            "json",
            "--output",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    assert_eq!(findings(&doc).len(), 2);
}

#[test]
fn exit_code_zero_when_clean() {
    let (code, doc, _) = scan_json(&["testdata/scan/clean.md"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc).is_empty());
}

#[test]
fn missing_path_exits_2_with_a_clear_message() {
    let out = tokenhound()
        .args(["scan", "no/such/path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no/such/path") && err.contains("No such file"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("scan incomplete"));
}

#[test]
fn missing_path_among_others_still_reports_findings() {
    let (code, doc, _) = scan_json(&["no/such/path", "testdata/scan/config.py"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 2);
    assert_eq!(doc["stats"]["errors"][0]["path"], "no/such/path");
}

#[test]
fn usage_errors_exit_2() {
    let out = tokenhound()
        .args(["scan", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tokenhound()
        .args(["scan", "--max-file-size", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_is_an_error_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("ok.txt"),
        format!("t = {}\n", fake_ghp("unread")),
    )
    .unwrap();
    // /proc/self/mem cannot be read from offset 0 (EIO), even by root.
    let (code, doc, err) = scan_json(&[dir.path().to_str().unwrap(), "/proc/self/mem"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1);
    let errors = doc["stats"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "/proc/self/mem");
    assert!(err.contains("/proc/self/mem"));
    // Alone, it makes an incomplete scan: exit 2, never "clean".
    let (code, _, _) = scan_json(&["/proc/self/mem"]);
    assert_eq!(code, 2);
}

#[cfg(unix)]
#[test]
fn permission_denied_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("secret.txt");
    fs::write(&p, "nothing").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        eprintln!(
            "running as root: permission bits do not stop reads; covered by /proc/self/mem test"
        );
        return;
    }
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(doc["stats"]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("ermission"));
}

#[test]
fn empty_file_and_binary_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("empty"), b"").unwrap();
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend_from_slice(format!(" {} ", fake_ghp("binary")).as_bytes());
    fs::write(dir.path().join("blob.bin"), &bin).unwrap();
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(doc["stats"]["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("binary"));
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap(), "--scan-binary"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc)[0]["column"], 6);
}

#[test]
fn max_file_size_skips_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("big.txt"),
        format!("{}\n{}", fake_ghp("big"), "a".repeat(2000)),
    )
    .unwrap();
    let out = tokenhound()
        .args(["scan", "--max-file-size", "1K", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("over --max-file-size"));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stats"]["skipped"].as_array().unwrap().len(), 1);
}

#[test]
fn huge_single_line_file_keeps_columns_right() {
    let dir = tempfile::tempdir().unwrap();
    let t1 = fake_ghp("huge1");
    let t2 = fake_ghp("huge2");
    let pad = "é".repeat(10_000_000); // 20 MB of two-byte characters
    let content = format!("{t1} {pad} {t2} {pad}");
    fs::write(dir.path().join("min.js"), &content).unwrap();
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (f[1]["line"].as_u64(), f[1]["column"].as_u64()),
        (Some(1), Some(10_000_043))
    );
    assert_eq!(f[1]["offset"], 20_000_042);
    assert!(f[1]["line_text"].as_str().unwrap().chars().count() < 200);
}

#[test]
fn fifty_megabyte_line_scans_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("fifty");
    // Long runs of token characters are the worst case for the regexes.
    let content = format!("{} {t}\n", "ghp_A".repeat(10_000_000));
    fs::write(dir.path().join("one-line.txt"), &content).unwrap();
    let started = std::time::Instant::now();
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(code, 1);
    assert_eq!(findings(&doc)[0]["column"], 50_000_002);
    // Generous bound (debug build, shared CI): quadratic behaviour would take hours.
    assert!(took.as_secs() < 120, "took {took:?}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("missing-target", dir.path().join("dangling")).unwrap();
    fs::write(dir.path().join("a.txt"), format!("{}\n", fake_ghp("loop"))).unwrap();
    let (code, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1);
}

#[test]
fn gitignore_is_respected_unless_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".gitignore"), "ignored.txt\n").unwrap();
    fs::write(
        dir.path().join("ignored.txt"),
        format!("{}\n", fake_ghp("ign")),
    )
    .unwrap();
    fs::create_dir(dir.path().join(".git")).unwrap();
    fs::write(
        dir.path().join(".git").join("config"),
        format!("{}\n", fake_ghp("git")),
    )
    .unwrap();
    fs::write(
        dir.path().join(".env"),
        format!("TOKEN={}\n", fake_ghp("env")),
    )
    .unwrap();
    let (_, doc, _) = scan_json(&[dir.path().to_str().unwrap()]);
    let paths: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with(".env"));
    let (_, doc, _) = scan_json(&[dir.path().to_str().unwrap(), "--no-ignore"]);
    let paths: Vec<&str> = findings(&doc)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, ".git/ is never walked: {paths:?}");
}

#[test]
fn files_disappearing_during_the_scan_do_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    fs::write(root.join("stays.txt"), format!("{}\n", fake_ghp("stays"))).unwrap();
    let churn_root = root.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let churn = std::thread::spawn(move || {
        let mut i = 0u64;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let p = churn_root.join(format!("tmp{}.txt", i % 50));
            let _ = fs::write(&p, "temporary");
            let _ = fs::remove_file(&p);
            i += 1;
        }
    });
    for _ in 0..5 {
        let (code, doc, _) = scan_json(&[root.to_str().unwrap()]);
        assert_eq!(code, 1, "{doc}");
        let stays: Vec<_> = findings(&doc)
            .iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with("stays.txt"))
            .collect();
        assert_eq!(stays.len(), 1);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

#[test]
fn a_file_gone_between_listing_and_reading_is_an_error() {
    use tokenhound::engine::Engine;
    use tokenhound::finding::Event;
    use tokenhound::pipeline::{Pipeline, Scanner};
    use tokenhound::rules::RuleSet;
    use tokenhound::sources::fs::{scan_file, FsOptions};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gone.txt");
    fs::write(&p, "x").unwrap();
    fs::remove_file(&p).unwrap();
    let pipeline = Pipeline::of(Engine::new(&RuleSet::builtin().unwrap()).unwrap());
    let (tx, rx) = crossbeam_channel::unbounded();
    let scanner = Scanner::new(&pipeline, tx);
    let opts = FsOptions {
        no_ignore: false,
        scan_binary: false,
        max_file_size: 1 << 20,
        threads: 1,
    };
    scan_file(Path::new(&p), &scanner, &opts);
    drop(scanner);
    let events: Vec<Event> = rx.iter().collect();
    assert!(matches!(&events[..], [Event::Error(e)] if e.message.contains("cannot open")));
}

#[test]
fn custom_rules_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("acme.toml");
    fs::write(
        &rules,
        r#"[[rule]]
id = "acme-session"
name = "ACME session key"
provider = "acme"
kind = "session-cookie"
keywords = ["acme_sess="]
pattern = '''acme_sess=(?P<secret>[a-f0-9]{32})'''
lifetime = "short"
revoke = "Log out of ACME."
examples = ["Cookie: acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
negative_examples = ["acme_sess=short"]
"#,
    )
    .unwrap();
    let target = dir.path().join("cookies.txt");
    fs::write(
        &target,
        "Cookie: acme_sess=9f8e7d6c5b4a39281706f5e4d3c2b1a0\n",
    )
    .unwrap();
    let out = tokenhound()
        .arg("--rules")
        .arg(&rules)
        .args(["scan", "--format", "json"])
        .arg(&target)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&doc)[0]["rule_id"], "acme-session");
    assert_eq!(findings(&doc)[0]["column"], 19);
}
