//! CI build output: logs in the runners' real formats (GitHub Actions timestamps
//! and ANSI colour, GitLab sections and continuation lines, a GitHub Actions log
//! zip made with the zip crate), `scan -` as a stream, and the `redact` filter.
//! Every token is a random fake with a valid checksum, made here.

use std::io::{Read, Write};
use std::process::{Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tokenhound::rules::validators::github_style_token;

/// A fake GitHub-style token (valid CRC32 checksum) derived from `seed`.
fn token(prefix: &str, seed: u64) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALNUM[(x % 62) as usize] as char
        })
        .collect();
    github_style_token(prefix, &body)
}

/// A fake RSA private key in PEM armour (random base64 body, 8 lines).
fn fake_pem() -> Vec<String> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut lines = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
    for _ in 0..8 {
        lines.push(
            (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b64[(x % 64) as usize] as char
                })
                .collect(),
        );
    }
    lines.push("-----END RSA PRIVATE KEY-----".to_string());
    lines
}

fn ts(i: usize) -> String {
    format!(
        "2026-11-20T12:05:{:02}.{:07}Z ",
        i % 60,
        i * 1234567 % 10_000_000
    )
}

fn tokenhound() -> Command {
    Command::cargo_bin("tokenhound").unwrap()
}

/// Findings of a `--format jsonl` run.
fn jsonl(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl line"))
        .collect()
}

/// 1-based column (characters) of byte offset `at` in its line.
fn column_of(text: &[u8], at: usize) -> usize {
    let line_start = text[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    text[line_start..at]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count()
        + 1
}

/// A GitHub Actions step log: timestamps, group markers, colour, a masked secret,
/// and a token that a colourising tool split with SGR codes. Returns the log, the
/// token and the byte offset where the token starts.
fn github_actions_log() -> (Vec<u8>, String, usize) {
    let tok = token("ghp_", 1);
    let mut log = String::new();
    log += &format!("{}##[group]Run ./build.sh\n", ts(0));
    log += &format!("{}\x1b[36;1m./build.sh\x1b[0m\n", ts(1));
    log += &format!("{}shell: /usr/bin/bash -e {{0}}\n", ts(2));
    log += &format!("{}env:\n", ts(3));
    log += &format!("{}  GITHUB_TOKEN: ***\n", ts(4));
    log += &format!("{}##[endgroup]\n", ts(5));
    log += &format!("{}\x1b[32m   Compiling\x1b[0m app v0.1.0\n", ts(6));
    let prefix = format!("{}\x1b[33mwarning\x1b[0m: fake token for a test: ", ts(7));
    log += &prefix;
    let at = log.len();
    log += &format!(
        "{}\x1b[1;31m{}\x1b[0m{}\n",
        &tok[..10],
        &tok[10..25],
        &tok[25..]
    );
    log += &format!("{}##[error]Process completed with exit code 1.\n", ts(8));
    (log.into_bytes(), tok, at)
}

#[test]
fn github_actions_log_file_token_split_by_ansi_is_found_at_its_place() {
    let (log, tok, at) = github_actions_log();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("build.log"), &log).unwrap();
    // The same bytes under a non-log name are not normalised: the split token is
    // invisible there, which is what the log layer is for.
    std::fs::write(dir.path().join("build.txt"), &log).unwrap();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "build.log");
    assert_eq!(f[0]["rule_id"], "github-pat-classic");
    assert_eq!(f[0]["line"], 8);
    assert_eq!(f[0]["column"], column_of(&log, at));
    assert_eq!(f[0]["offset"], at);
    assert_eq!(f[0]["end_line"], 8);
    assert_eq!(f[0]["decoded"], serde_json::json!(["ci-log"]));
    // The context line is shown without the log's escape sequences.
    let line_text = f[0]["line_text"].as_str().unwrap();
    assert!(!line_text.contains('\x1b'), "{line_text:?}");
    assert!(
        line_text.contains("warning: fake token for a test: ghp_***"),
        "{line_text:?}"
    );
    // The fingerprint is the decoded token's, as if it had never been coloured.
    let plain = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(format!("{tok}\n"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(f[0]["fingerprint"], jsonl(&plain)[0]["fingerprint"]);
    assert!(!String::from_utf8_lossy(&out).contains(&tok[4..]));
}

#[test]
fn stdin_is_normalised_and_located_in_the_original() {
    let (log, tok, at) = github_actions_log();
    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl", "--show-secrets"])
        .write_stdin(log.clone())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "-");
    assert_eq!(f[0]["secret"], tok.as_str());
    assert_eq!(f[0]["line"], 8);
    assert_eq!(f[0]["column"], column_of(&log, at));
}

#[test]
fn masked_values_are_never_findings_but_unmasked_tokens_are() {
    let leaked = token("ghs_", 7);
    let log = format!(
        "{a}  GITHUB_TOKEN: ***\n{b}> Authorization: Bearer ***\n{c}git remote add origin https://x-access-token:***@github.com/acme/fake\n\
         2026-09-26T22:30:07.958626Z 00O CI_JOB_TOKEN=[MASKED]\n\
         2026-09-26T22:30:07.958627Z 00O export DEPLOY_TOKEN=[MASKED] ghs_***\n\
         {d}curl -H 'Authorization: token {leaked}' https://api.github.test # fake token, not masked\n",
        a = ts(1),
        b = ts(2),
        c = ts(3),
        d = ts(4)
    );
    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(log.clone())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule_id"], "github-installation-token");
    assert_eq!(f[0]["line"], 6);

    // The redaction filter leaves masks alone and redacts the leak.
    let red = tokenhound()
        .arg("redact")
        .write_stdin(log.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let red = String::from_utf8(red).unwrap();
    assert_eq!(red.matches("***").count(), 4);
    assert_eq!(red.matches("[MASKED]").count(), 2);
    assert!(!red.contains(&leaked));
    assert_eq!(
        red.matches("[REDACTED:github-installation-token:").count(),
        1
    );
}

#[test]
fn gitlab_trace_sections_and_continuations() {
    let tok = token("ghp_", 11);
    let (head, tail) = tok.split_at(17);
    let trace = format!(
        "2026-09-26T22:30:07.100000Z 00O \x1b[0Ksection_start:1790000000:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the \"docker\" executor\x1b[0;m\n\
         2026-09-26T22:30:07.200000Z 00O \x1b[0Ksection_end:1790000001:prepare_executor\r\x1b[0K\n\
         2026-09-26T22:30:07.300000Z 00O \x1b[0Ksection_start:1790000002:step_script[collapsed=true]\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage\x1b[0;m\n\
         2026-09-26T22:30:07.400000Z 01E $ ./deploy --token {head}\n\
         2026-09-26T22:30:07.400001Z 01E+{tail} --dry-run # fake token\n\
         2026-09-26T22:30:07.500000Z 00O \x1b[0Ksection_end:1790000003:step_script\r\x1b[0K\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("job.log"), &trace).unwrap();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", "job.log", "--format", "jsonl", "--show-secrets"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    // Joined across the `+` continuation, reported where it starts.
    assert_eq!(f[0]["secret"], tok.as_str());
    assert_eq!(f[0]["line"], 4);
    assert_eq!(f[0]["end_line"], 5);
    let at = trace.find(head).unwrap();
    assert_eq!(f[0]["column"], column_of(trace.as_bytes(), at));
}

/// A GitHub Actions run-log archive as the API serves it.
fn actions_zip(members: &[(&str, String)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut dirs = std::collections::BTreeSet::new();
    for (name, text) in members {
        if let Some((dir, _)) = name.split_once('/') {
            if dirs.insert(dir.to_string()) {
                zw.add_directory(format!("{dir}/"), opts).unwrap();
            }
        }
        zw.start_file(*name, opts).unwrap();
        zw.write_all(text.as_bytes()).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

#[test]
fn github_actions_log_zip_is_scanned_member_by_member() {
    let step_tok = token("ghp_", 21);
    let job_tok = token("ghs_", 22);
    // Downloaded step logs start with a byte-order mark.
    let step_log = format!(
        "\u{feff}{}##[group]Run make deploy\n{}\x1b[36;1mmake deploy\x1b[0m\n{}##[endgroup]\n{}pushing with FAKE_TOKEN={}\x1b[0m\n",
        ts(0),
        ts(1),
        ts(2),
        ts(3),
        step_tok
    );
    let job_log = format!("{}Set up job\n{}token {} (fake)\n", ts(0), ts(1), job_tok);
    let zip = actions_zip(&[
        (
            "build/1_Set up job.txt",
            format!("{}Current runner version: '2.321.0'\n", ts(0)),
        ),
        ("build/2_Run make deploy.txt", step_log),
        (
            "build/3_Complete job.txt",
            format!("{}Cleaning up orphan processes\n", ts(0)),
        ),
        ("0_build.txt", job_log),
        (
            "deploy (prod)/1_Set up job.txt",
            format!("{}  GITHUB_TOKEN: ***\n", ts(0)),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logs_1234.zip"), &zip).unwrap();
    // A zip that is not a run-log archive is read by the general archive
    // source: its member is plain source, not a CI log.
    let other = actions_zip(&[("src/main.rs", format!("// {}\n", token("ghp_", 23)))]);
    std::fs::write(dir.path().join("other.zip"), &other).unwrap();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut f = jsonl(&out);
    f.sort_by_key(|v| v["path"].as_str().unwrap().to_string());
    assert_eq!(f.len(), 3, "{f:?}");
    assert_eq!(f[2]["path"], "other.zip!src/main.rs");
    assert_eq!(f[2]["source"], "archive");
    assert!(f[2].get("ci").is_none());
    assert_eq!(f[0]["path"], "logs_1234.zip!0_build.txt");
    assert_eq!(f[0]["source"], "ci-log");
    assert_eq!(
        f[0]["ci"],
        serde_json::json!({"job": "build", "step": null, "line": 2})
    );
    assert_eq!(f[1]["path"], "logs_1234.zip!build/2_Run make deploy.txt");
    assert_eq!(f[1]["rule_id"], "github-pat-classic");
    assert_eq!(
        f[1]["ci"],
        serde_json::json!({"job": "build", "step": "Run make deploy", "step_number": 2, "line": 4})
    );
    assert_eq!(f[1]["line"], 4);
    assert_eq!(f[1]["column"], 30 + "pushing with FAKE_TOKEN=".len());
}

#[test]
fn zip_bomb_is_an_error_and_the_rest_of_the_scan_goes_on() {
    let mut zip = actions_zip(&[("build/1_Run.txt", format!("{}hello\n", ts(0)))]);
    // Make the central directory claim 4 GiB uncompressed (a bomb announcing
    // itself): the scan must stop at the header, not inflate.
    let cd = zip
        .windows(4)
        .rposition(|w| w == b"PK\x01\x02")
        .expect("central directory entry");
    zip[cd + 24..cd + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bomb.zip"), &zip).unwrap();
    std::fs::write(
        dir.path().join("later.log"),
        format!("{}token {}\n", ts(0), token("ghp_", 31)),
    )
    .unwrap();
    let assert = tokenhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "jsonl"])
        .assert()
        .code(1);
    let out = assert.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bomb.zip"), "{stderr}");
    assert!(stderr.contains("zip bomb"), "{stderr}");
    let f = jsonl(&out.stdout);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "later.log");

    // Alone, the bomb makes an incomplete scan: exit 2, never "clean".
    std::fs::remove_file(dir.path().join("later.log")).unwrap();
    tokenhound()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(2);
}

#[test]
fn pem_key_across_timestamped_lines_is_found_once_and_redacted_whole() {
    let pem = fake_pem();
    let mut log = format!("{}$ cat deploy_key.pem   # fake key for a test\n", ts(0));
    for (i, l) in pem.iter().enumerate() {
        log += &format!("{}{}\n", ts(i + 1), l);
    }
    log += &format!("{}done\n", ts(20));
    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(log.clone())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule_id"], "private-key");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["end_line"], 11);

    let red = tokenhound()
        .arg("redact")
        .write_stdin(log.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let red = String::from_utf8(red).unwrap();
    for body in &pem[1..pem.len() - 1] {
        assert!(!red.contains(body.as_str()), "key line leaked: {red}");
    }
    let expected = format!(
        "{}$ cat deploy_key.pem   # fake key for a test\n{}[REDACTED:private-key:{}]\n{}done\n",
        ts(0),
        ts(1),
        &f[0]["fingerprint"].as_str().unwrap()[..8],
        ts(20)
    );
    assert_eq!(red, expected);
}

#[test]
fn stream_without_final_newline() {
    let tok = token("ghp_", 41);
    let input = format!("{}first line\n{}last FAKE_TOKEN={tok}", ts(0), ts(1));
    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["line"], 2);

    let red = tokenhound()
        .arg("redact")
        .write_stdin(input.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let red = String::from_utf8(red).unwrap();
    let fp = &f[0]["fingerprint"].as_str().unwrap()[..8];
    assert_eq!(
        red,
        format!(
            "{}first line\n{}last FAKE_TOKEN=[REDACTED:github-pat-classic:{fp}]",
            ts(0),
            ts(1)
        )
    );
}

#[test]
fn invalid_utf8_passes_through_byte_for_byte() {
    let tok = token("ghp_", 51);
    let mut input: Vec<u8> = b"\xff\xfe binary \x80\x81 junk \xc3\n".to_vec();
    input.extend_from_slice("caf\u{e9} \u{1F600} ".as_bytes());
    input.extend_from_slice(b"\xe2\x28\xa1 ");
    let at = input.len();
    input.extend_from_slice(tok.as_bytes());
    input.extend_from_slice(b" \xf0\x9f\n\xfe\xff\n");
    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["column"], column_of(&input, at));
    assert_eq!(f[0]["offset"], at);

    let red = tokenhound()
        .arg("redact")
        .write_stdin(input.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let marker = format!(
        "[REDACTED:github-pat-classic:{}]",
        &f[0]["fingerprint"].as_str().unwrap()[..8]
    );
    let mut expected = input[..at].to_vec();
    expected.extend_from_slice(marker.as_bytes());
    expected.extend_from_slice(&input[at + tok.len()..]);
    assert_eq!(red, expected);
}

/// One line of `size` bytes without any newline, tokens at 1/3 and at the end.
/// (The benchmark runs the same case with a 200 MB line in a release build; a
/// debug build keeps this test at 24 MB.)
#[test]
fn one_very_long_line() {
    const SIZE: usize = 24 << 20;
    let t1 = token("ghp_", 61);
    let t2 = token("ghs_", 62);
    let filler = b"0123456789abcdef fake build noise ";
    let mut input = Vec::with_capacity(SIZE + 200);
    while input.len() < SIZE / 3 {
        input.extend_from_slice(filler);
    }
    let at1 = input.len();
    input.extend_from_slice(t1.as_bytes());
    input.push(b' ');
    while input.len() < SIZE {
        input.extend_from_slice(filler);
    }
    input.extend_from_slice(b"\x1b[31m");
    let at2 = input.len();
    input.extend_from_slice(t2.as_bytes());

    let out = tokenhound()
        .args(["scan", "-", "--format", "jsonl"])
        .write_stdin(input.clone())
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0]["offset"], at1);
    assert_eq!(f[0]["line"], 1);
    assert_eq!(f[0]["column"], at1 + 1);
    assert_eq!(f[1]["offset"], at2);
    assert_eq!(f[1]["column"], at2 + 1);

    let red = tokenhound()
        .args(["redact", "--exit-code"])
        .write_stdin(input.clone())
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let mut expected = input[..at1].to_vec();
    expected.extend_from_slice(
        format!(
            "[REDACTED:github-pat-classic:{}]",
            &f[0]["fingerprint"].as_str().unwrap()[..8]
        )
        .as_bytes(),
    );
    expected.extend_from_slice(&input[at1 + t1.len()..at2]);
    expected.extend_from_slice(
        format!(
            "[REDACTED:github-installation-token:{}]",
            &f[1]["fingerprint"].as_str().unwrap()[..8]
        )
        .as_bytes(),
    );
    assert!(red == expected, "redacted output differs");
}

#[test]
fn redact_exit_code_and_summary() {
    let tok = token("ghp_", 71);
    let clean = format!("{}all good\n{}  GITHUB_TOKEN: ***\n", ts(0), ts(1));
    // Nothing to redact: 0, with or without --exit-code.
    let out = tokenhound()
        .args(["redact", "--exit-code"])
        .write_stdin(clean.clone())
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(out.stdout, clean.as_bytes());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing redacted"));

    let leaky = format!("{}a {tok}\n{}b {tok}\n", ts(0), ts(1));
    tokenhound()
        .arg("redact")
        .write_stdin(leaky.clone())
        .assert()
        .code(0);
    let out = tokenhound()
        .args(["redact", "--exit-code"])
        .write_stdin(leaky.clone())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("redacted 2 secrets (github-pat-classic: 2)"),
        "{stderr}"
    );
    assert!(!stderr.contains(&tok[4..]));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&tok[4..]));
}

/// Reads the child's stdout on a thread; each read chunk goes to the channel.
fn stdout_chunks(mut out: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects output until it contains `want` or `limit` passes.
fn wait_for(rx: &mpsc::Receiver<Vec<u8>>, got: &mut Vec<u8>, want: &[u8], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !got.windows(want.len()).any(|w| w == want) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(c) => got.extend_from_slice(&c),
            Err(_) => return false,
        }
    }
    true
}

#[test]
fn redact_streams_lines_before_input_ends() {
    let tok = token("ghp_", 81);
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_tokenhound"))
        // A long deadline keeps the timing below far from flaky on a busy machine.
        .args(["redact", "--partial-wait-ms", "1000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = stdout_chunks(child.stdout.take().unwrap());
    let mut got = Vec::new();

    // A complete line comes out while standard input is still open.
    stdin
        .write_all(format!("{}step 1: token {tok}\n", ts(0)).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    assert!(
        wait_for(&rx, &mut got, b"]\n", Duration::from_secs(10)),
        "line not written before the input ended: {:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(String::from_utf8_lossy(&got).contains("step 1: token [REDACTED:github-pat-classic:"));

    // A partial line (a progress bar) is written after the idle deadline.
    stdin.write_all(b"downloading 42% ").unwrap();
    stdin.flush().unwrap();
    let t0 = Instant::now();
    assert!(
        wait_for(&rx, &mut got, b"downloading 42% ", Duration::from_secs(10)),
        "partial line not flushed"
    );
    assert!(t0.elapsed() >= Duration::from_millis(500));

    // A token arriving in two writes is not leaked by that flush.
    stdin
        .write_all(format!("{}push {}", ts(1), &tok[..20]).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    // Past one deadline (the line's start is written, the token's kept back).
    std::thread::sleep(Duration::from_millis(1300));
    stdin
        .write_all(format!("{} done\n", &tok[20..]).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    assert!(wait_for(&rx, &mut got, b" done\n", Duration::from_secs(10)));
    let text = String::from_utf8_lossy(&got).into_owned();
    assert!(!text.contains(&tok[4..20]), "token start leaked: {text}");
    assert_eq!(text.matches("[REDACTED:github-pat-classic:").count(), 2);

    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// A log of several MB (scanned in parallel halves and, on stdin, in segments)
/// with tokens on known lines: each is reported once, at its line and column,
/// by `scan -` and `scan file.log`, and `redact` replaces exactly those.
#[test]
fn multi_megabyte_log_every_token_once_at_its_line() {
    let mut log = Vec::new();
    let mut planted = Vec::new(); // (line, offset, token)
    let mut line = 1;
    let noise = "\x1b[32m   Compiling\x1b[0m serde v1.0.200 (registry+https://github.com/rust-lang/crates.io-index)";
    while log.len() < 9 << 20 {
        if line % 4999 == 0 {
            let tok = token("ghp_", line as u64);
            let prefix = format!("{}export FAKE_TOKEN=", ts(line));
            log.extend_from_slice(prefix.as_bytes());
            planted.push((line, log.len(), tok.clone()));
            log.extend_from_slice(format!("{tok} # fake\n").as_bytes());
        } else {
            log.extend_from_slice(format!("{}{noise} {line}\n", ts(line)).as_bytes());
        }
        line += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.log"), &log).unwrap();
    for args in [
        vec!["scan", "-"],
        vec!["scan", "big.log", "--max-file-size", "64M"],
    ] {
        let out = tokenhound()
            .current_dir(dir.path())
            .args(&args)
            .args(["--format", "jsonl"])
            .write_stdin(log.clone())
            .timeout(Duration::from_secs(120))
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let mut f = jsonl(&out);
        f.sort_by_key(|v| v["offset"].as_u64());
        assert_eq!(f.len(), planted.len(), "{args:?}");
        for (v, (line, at, _)) in f.iter().zip(&planted) {
            assert_eq!(v["line"], *line, "{args:?}");
            assert_eq!(v["offset"], *at, "{args:?}");
            assert_eq!(v["column"], column_of(&log, *at), "{args:?}");
        }
    }
    let red = tokenhound()
        .arg("redact")
        .write_stdin(log.clone())
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let red = String::from_utf8(red).unwrap();
    assert_eq!(
        red.matches("[REDACTED:github-pat-classic:").count(),
        planted.len()
    );
    for (_, _, tok) in &planted {
        assert!(!red.contains(tok.as_str()));
    }
    assert_eq!(red.lines().count(), line - 1);
}

/// `build 2>&1 | tokenhound scan - --format jsonl`: a finding is written while the
/// build is still running, not when its output ends or fills a segment.
#[test]
fn scan_stdin_reports_findings_before_input_ends() {
    let tok = token("ghp_", 91);
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_tokenhound"))
        .args(["scan", "-", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = stdout_chunks(child.stdout.take().unwrap());
    let mut got = Vec::new();
    stdin
        .write_all(
            format!(
                "{}compiling\n{}\x1b[31mFAKE_TOKEN={tok}\x1b[0m\n",
                ts(0),
                ts(1)
            )
            .as_bytes(),
        )
        .unwrap();
    stdin.flush().unwrap();
    assert!(
        wait_for(&rx, &mut got, b"\n", Duration::from_secs(10)),
        "no finding before the input ended"
    );
    let f = jsonl(&got);
    assert_eq!(f[0]["rule_id"], "github-pat-classic");
    assert_eq!(f[0]["line"], 2);
    // The same token later on is a new finding at its own line, still live.
    stdin
        .write_all(format!("{}again {tok}\n", ts(2)).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let mut more = Vec::new();
    assert!(wait_for(&rx, &mut more, b"\n", Duration::from_secs(10)));
    assert_eq!(jsonl(&more)[0]["line"], 3);
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

/// A Jenkins console log: console notes (`ESC[8mha:<base64>ESC[0m`) are dropped
/// before matching (their base64 is never a finding), `****` masks are not
/// findings, and a token echoed by a shell step is.
#[test]
fn jenkins_console_log() {
    let b64url = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    };
    // Something token-shaped inside a console note must not be reported.
    let in_note = format!(
        "{}.{}.c2lnbmF0dXJlLW9mLWEtZmFrZS10b2tlbg",
        b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(r#"{"sub":"fake","iat":1794996400}"#)
    );
    let tok = token("glpat-", 101);
    let glpat = format!("glpat-{}", &tok[6..26]);
    let log = format!(
        "Started by user Fake Admin\n\
         \x1b[8mha:////{in_note}+LCAAAAAAAAP9b85aBtbiIQTGjNKU4P08vOT+vOD8nVc83PyU1x6OyILUoJzMv2y+/JJUBAAuZVMAiAAAA\x1b[0m[Pipeline] Start of Pipeline\n\
         \x1b[8mha:////4AAAAlh+LCAAAAAAAAP9tjTEOwjAQBNdBFLSUPMKBBg==\x1b[0m[Pipeline] sh\n\
         + curl -H 'PRIVATE-TOKEN: ****' https://gitlab.example.test/api/v4/projects\n\
         + git push https://oauth2:{glpat}@gitlab.example.test/fake.git\n\
         Finished: SUCCESS\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("console.log"), &log).unwrap();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", "console.log", "--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let f = jsonl(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule_id"], "gitlab-pat");
    assert_eq!(f[0]["line"], 5);
    // Without the log layer the note's contents would be scanned as text.
    std::fs::write(dir.path().join("console.txt"), &log).unwrap();
    let raw = tokenhound()
        .current_dir(dir.path())
        .args(["scan", "console.txt", "--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(
        jsonl(&raw).iter().any(|v| v["rule_id"] == "jwt"),
        "the note's JWT-shaped text is found in raw text"
    );
}
