//! One pipeline for every input: the same tokens, written plain, base64,
//! percent-encoded, JSON-escaped, HTML-escaped and as UTF-16, fed through every
//! input tokenhound reads (a file, a `*.log`, stdin, a GitHub Actions run-log
//! zip, zip and tar members, each export format, git history, `git --staged`,
//! `git --working-tree`) give the same (rule, secret, fingerprint) set, and
//! `redact` lets none of them through. Then the de-duplication, context-line
//! and findings-bomb promises of the pipeline.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use base64::Engine as _;
use common::{fake_ghp, git, tokenhound};
use serde_json::{json, Value};

/// Three tokens of different rules, checksums valid, obviously fake.
fn tokens() -> Vec<String> {
    vec![
        fake_ghp("pipe"),
        "xoxb-104332181960-0133890838637-FakeFAKEfakeTESTtest0000".to_string(),
        "glpat-FAKEtestONLYx9Y8z7W6".to_string(),
    ]
}

/// The ways a token is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enc {
    Plain,
    Base64,
    Percent,
    JsonEscaped,
    HtmlEscaped,
    Utf16,
}

const ENCODINGS: [Enc; 6] = [
    Enc::Plain,
    Enc::Base64,
    Enc::Percent,
    Enc::JsonEscaped,
    Enc::HtmlEscaped,
    Enc::Utf16,
];

/// The line that holds `token` written in `enc` (UTF-16 applies to whole
/// files: its line is plain, the file is encoded by [`file_bytes`]).
fn line(token: &str, enc: Enc) -> String {
    let payload = format!("DEPLOY_TOKEN={token}");
    match enc {
        Enc::Plain | Enc::Utf16 => payload,
        Enc::Base64 => format!(
            "config: {}",
            base64::engine::general_purpose::STANDARD.encode(&payload)
        ),
        Enc::Percent => {
            let pct: String = payload.bytes().map(|b| format!("%{b:02X}")).collect();
            format!("url: https://ci.example.test/hook?q={pct}")
        }
        Enc::JsonEscaped => {
            let esc: String = payload
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect();
            format!("{{\"env\": \"{esc}\"}}")
        }
        Enc::HtmlEscaped => {
            let esc: String = payload
                .chars()
                .map(|c| format!("&#{};", c as u32))
                .collect();
            format!("<p>{esc}</p>")
        }
    }
}

/// The lines of one input: one per token, with neutral lines around.
fn text(enc: Enc) -> String {
    let mut s = String::from("# deploy notes (fake tokens for a test)\n");
    for t in tokens() {
        s.push_str(&line(&t, enc));
        s.push('\n');
    }
    s.push_str("done\n");
    s
}

/// `text` as the bytes of a file: UTF-16LE with a byte-order mark for `Utf16`.
fn file_bytes(text: &str, enc: Enc) -> Vec<u8> {
    if enc == Enc::Utf16 {
        let mut b = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        b
    } else {
        text.as_bytes().to_vec()
    }
}

/// (rule, secret, fingerprint) of every finding of a JSON report.
type Triple = (String, String, String);

fn triples(doc: &Value) -> BTreeSet<Triple> {
    doc["findings"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What every input must give: each token under its rule, fingerprint rule + secret.
fn expected() -> BTreeSet<Triple> {
    let rules = ["github-pat-classic", "slack-bot-token", "gitlab-pat"];
    tokens()
        .iter()
        .zip(rules)
        .map(|(t, r)| {
            (
                r.to_string(),
                t.clone(),
                tokenhound::enrich::fingerprint(r, t.as_bytes()),
            )
        })
        .collect()
}

/// Runs tokenhound with `args` (+ JSON output with secrets), stdin from `input`.
fn run_json(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Value {
    let mut cmd = tokenhound();
    cmd.current_dir(dir)
        .args(args)
        .args(["--format", "json", "--show-secrets", "-q"])
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = input {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &bytes[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// Log lines as a GitHub runner writes them (timestamp, colour codes).
fn log_text(text: &str) -> String {
    text.lines()
        .map(|l| format!("2026-11-20T12:05:01.1234567Z \x1b[32m{l}\x1b[0m\n"))
        .collect()
}

/// One export file per format, each message/field holding one line of `text`.
fn exports(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let lines: Vec<&str> = text.lines().collect();
    let slack: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({"type": "message", "user": "U0FAKE1", "text": l,
                   "ts": format!("1795176300.00{i}")})
        })
        .collect();
    let teams = json!({"value": lines.iter().enumerate().map(|(i, l)| json!({
        "id": format!("17951763001{i}"), "messageType": "message",
        "createdDateTime": "2026-11-20T12:05:00.123Z",
        "from": {"user": {"id": "u-1", "displayName": "Dev One"}},
        "body": {"contentType": "text", "content": l}
    })).collect::<Vec<_>>()});
    let jira = json!({"key": "OPS-42", "fields": {
        "summary": "deploy", "created": "2026-11-20T10:00:00.000+0000",
        "description": text,
        "comment": {"comments": lines.iter().map(|l| json!({"id": "1", "body": l})).collect::<Vec<_>>()}
    }});
    let har = json!({"log": {"version": "1.2", "entries": lines.iter().map(|l| json!({
        "request": {"method": "POST", "url": "https://ci.example.test/api", "headers": [],
                    "postData": {"mimeType": "text/plain", "text": l}},
        "response": {"status": 200, "headers": [], "content": {"text": "ok"}}
    })).collect::<Vec<_>>()}});
    let transcript: String = lines
        .iter()
        .map(|l| {
            json!({"type": "user", "message": {"role": "user", "content": l}}).to_string() + "\n"
        })
        .collect();
    let confluence = format!(
        "<!DOCTYPE html>\n<html><head><title>DEV : Runbook</title>\
         <meta name=\"generator\" content=\"Confluence\"></head><body>\
         <div id=\"main-content\" class=\"wiki-content\">\n{}</div></body></html>\n",
        lines
            .iter()
            .map(|l| format!("<p>{}</p>\n", html_text(l)))
            .collect::<String>()
    );
    vec![
        (
            "slack/deploys/2026-11-20.json",
            serde_json::to_vec_pretty(&slack).unwrap(),
        ),
        (
            "teams/messages.json",
            serde_json::to_vec_pretty(&teams).unwrap(),
        ),
        (
            "jira/OPS-42.json",
            serde_json::to_vec_pretty(&jira).unwrap(),
        ),
        ("capture.har", serde_json::to_vec_pretty(&har).unwrap()),
        ("agent/session.jsonl", transcript.into_bytes()),
        ("DEV/Runbook_98305.html", confluence.into_bytes()),
    ]
}

/// Text as it appears inside HTML (`<`, `>`, `&` as entities).
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A git repository whose history holds `bytes` at `name` (committed, then
/// removed from HEAD), for history scans.
fn history_repo(dir: &Path, name: &str, bytes: &[u8]) {
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README"), "readme\n").unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "add notes"]);
    git(dir, &["rm", "-q", name]);
    git(dir, &["commit", "-q", "-m", "remove notes"]);
}

#[test]
fn every_input_gives_the_same_findings_in_every_encoding() {
    let want = expected();
    let mut failures = Vec::new();
    for enc in ENCODINGS {
        let text = text(enc);
        let bytes = file_bytes(&text, enc);
        let log = file_bytes(&log_text(&text), enc);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut check = |what: &str, doc: Value| {
            let got = triples(&doc);
            if got != want {
                failures.push(format!("{enc:?} via {what}: got {got:#?}"));
            }
        };
        // A plain file and a build log.
        std::fs::write(d.join("secret.yaml"), &bytes).unwrap();
        check("file", run_json(d, &["scan", "secret.yaml"], None));
        std::fs::write(d.join("build.log"), &log).unwrap();
        check("*.log", run_json(d, &["scan", "build.log"], None));
        // Standard input, as build output streams in.
        check("stdin", run_json(d, &["scan", "-"], Some(&log)));
        // A GitHub Actions run-log archive.
        let runlogs = zip_of(&[
            ("build/1_Deploy.txt", log.clone()),
            ("1_build.txt", log.clone()),
        ]);
        std::fs::write(d.join("logs_42.zip"), runlogs).unwrap();
        check("run-log zip", run_json(d, &["scan", "logs_42.zip"], None));
        // Zip and tar members.
        std::fs::write(
            d.join("bundle.zip"),
            zip_of(&[("cfg/secret.yaml", bytes.clone())]),
        )
        .unwrap();
        check("zip member", run_json(d, &["scan", "bundle.zip"], None));
        std::fs::write(
            d.join("bundle.tar"),
            tar_of(&[("cfg/secret.yaml", bytes.clone())]),
        )
        .unwrap();
        check("tar member", run_json(d, &["scan", "bundle.tar"], None));
        // Every export format, the line in a text field (UTF-16: the export file).
        if enc != Enc::Utf16 {
            for (name, export) in exports(&text) {
                let p = d.join("exports").join(name);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, &export).unwrap();
                let shown = format!("exports/{name}");
                check(
                    &format!("export {name}"),
                    run_json(d, &["scan", &shown], None),
                );
            }
        } else {
            for (name, export) in exports(&text) {
                let utf16 = file_bytes(std::str::from_utf8(&export).unwrap(), Enc::Utf16);
                let p = d.join("exports16").join(name);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, utf16).unwrap();
                let shown = format!("exports16/{name}");
                check(
                    &format!("UTF-16 export {name}"),
                    run_json(d, &["scan", &shown], None),
                );
            }
        }
        // Git history, the index and the working tree.
        let repo = d.join("hist");
        std::fs::create_dir(&repo).unwrap();
        history_repo(&repo, "secret.yaml", &bytes);
        check("git history", run_json(&repo, &["git", "."], None));
        let staged = d.join("staged");
        std::fs::create_dir(&staged).unwrap();
        git(&staged, &["init", "-q", "-b", "main"]);
        std::fs::write(staged.join("README"), "readme\n").unwrap();
        git(&staged, &["add", "."]);
        git(&staged, &["commit", "-q", "-m", "init"]);
        std::fs::write(staged.join("secret.yaml"), &bytes).unwrap();
        check(
            "git --working-tree (untracked)",
            run_json(&staged, &["git", "--working-tree"], None),
        );
        git(&staged, &["add", "secret.yaml"]);
        check(
            "git --staged",
            run_json(&staged, &["git", "--staged"], None),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `redact` removes every token in every encoding: neither the token nor its
/// encoded form reaches the output.
#[test]
fn redact_removes_every_encoding() {
    for enc in ENCODINGS {
        if enc == Enc::Utf16 {
            continue; // build output is text; UTF-16 is a file encoding
        }
        let text = log_text(&text(enc));
        let mut child = tokenhound()
            .arg("redact")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let shown = String::from_utf8_lossy(&out.stdout);
        for t in tokens() {
            let encoded = line(&t, enc);
            let token_part = match enc {
                // The encoded token: the line minus its fixed prefix.
                Enc::Plain => t.clone(),
                _ => encoded[encoded.len() / 2..encoded.len() / 2 + 8].to_string(),
            };
            assert!(
                !shown.contains(&t) && !shown.contains(&token_part),
                "{enc:?}: {token_part} got through redact:\n{shown}"
            );
        }
        assert_eq!(
            shown.matches("[REDACTED:").count(),
            3,
            "{enc:?}: one redaction per token:\n{shown}"
        );
    }
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// A percent-encoded cookie is one finding (the decoded value, which a server
/// accepts), not one for the raw text and one for the decoded.
#[test]
fn a_percent_encoded_cookie_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    // The rule's own (fake) example value.
    let value = "s%3A4M-Jp4FM0WY5M-CtLGBJBS5EjK8fvcsL.jqAiyvytEfgQaTN6ZkG6f8nyIvsd7KcBWvEztaENZyt";
    std::fs::write(
        dir.path().join("req.txt"),
        format!("Cookie: connect.sid={value}; theme=dark\n"),
    )
    .unwrap();
    let doc = run_json(dir.path(), &["scan", "req.txt"], None);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule_id"], "cookie-express-session");
    assert_eq!(
        f[0]["secret"],
        "s:4M-Jp4FM0WY5M-CtLGBJBS5EjK8fvcsL.jqAiyvytEfgQaTN6ZkG6f8nyIvsd7KcBWvEztaENZyt"
    );
    assert_eq!(f[0]["decoded"], json!(["percent"]));
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(1), Some(21))
    );
}

/// A HAR entry that sends a cookie both in its `Cookie` header and in
/// `cookies[]` holds one secret: one finding with both places.
#[test]
fn a_har_cookie_in_header_and_cookies_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    // A Rails cookie-store value (the rule's own fake example).
    let sid = "nLCJMSaNDz4lGYIMNcDekjKwJMsPLQVoaQnqyQT8d71WBByudVdtPdlEM3fjZT3yKh9G3JGvIKvDU4HSwpMadjiItC4Q8rh56gI%3D%3D--xGontsj9SH2nJqIn1wMBRE%3D%3D--haGsF3d1V0cyAae9by4LAh%3D%3D";
    let har = json!({"log": {"version": "1.2", "entries": [{
        "request": {
            "method": "GET", "url": "https://app.example.test/",
            "headers": [{"name": "Cookie", "value": format!("_shop_session={sid}")}],
            "cookies": [{"name": "_shop_session", "value": sid}]
        },
        "response": {"status": 200, "headers": [], "cookies": []}
    }]}});
    std::fs::write(
        dir.path().join("s.har"),
        serde_json::to_vec_pretty(&har).unwrap(),
    )
    .unwrap();
    let doc = run_json(dir.path(), &["scan", "s.har"], None);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    // The decoded value (percent-encoded `=` padding), as a server reads it.
    assert_eq!(f[0]["secret"], sid.replace("%3D", "="));
    let also = f[0]["also_at"].as_array().expect("also_at");
    assert_eq!(also.len(), 1, "{f:#?}");
    assert_ne!(also[0]["line"], f[0]["line"]);
    assert_eq!(also[0]["location"]["entry_index"], "0");
}

/// A run-log archive repeats each step log in the job's whole log: one finding
/// per token, at the step, with the job log's place in `also_at`.
#[test]
fn a_run_log_zip_token_is_one_finding_with_its_step_and_job_places() {
    let dir = tempfile::tempdir().unwrap();
    let tok = fake_ghp("runlog");
    let step = format!("2026-11-20T12:05:01.1Z export GH_TOKEN={tok}\n");
    let job = format!("2026-11-20T12:05:00.9Z ##[group]Run deploy\n{step}");
    std::fs::write(
        dir.path().join("logs_7.zip"),
        zip_of(&[
            ("1_deploy.txt", job.into_bytes()),
            ("deploy/2_Deploy.txt", step.into_bytes()),
        ]),
    )
    .unwrap();
    let doc = run_json(dir.path(), &["scan", "logs_7.zip"], None);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "logs_7.zip!deploy/2_Deploy.txt");
    assert_eq!(f[0]["ci"]["step"], "Deploy");
    let also = f[0]["also_at"].as_array().expect("also_at");
    assert_eq!(also.len(), 1);
    assert_eq!(also[0]["path"], "logs_7.zip!1_deploy.txt");
    assert_eq!(also[0]["line"], 2);
    assert_eq!(also[0]["ci"]["step"], Value::Null);
}

/// A line holding one plain and one base64-encoded token: neither finding's
/// context line shows either secret, in any format.
#[test]
fn context_lines_redact_every_secret_on_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let plain = fake_ghp("ctxone");
    let inner = fake_ghp("ctxtwo");
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("GH_TOKEN={inner}"));
    std::fs::write(dir.path().join("x.env"), format!("A={plain} B={b64}\n")).unwrap();
    for format in ["json", "jsonl", "human"] {
        for verbose in [false, true] {
            let mut cmd = tokenhound();
            cmd.current_dir(dir.path())
                .args(["scan", "x.env", "--format", format]);
            if verbose {
                cmd.arg("-v");
            }
            let out = cmd.output().unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(1), "{all}");
            for leak in [&plain[4..], &inner[4..], &b64[..]] {
                assert!(!all.contains(leak), "{format}: {leak} leaked:\n{all}");
            }
        }
    }
    let doc = run_json(dir.path(), &["scan", "x.env"], None);
    assert_eq!(findings(&doc).len(), 2);
}

/// Peak RSS of finished children of this process (Linux: KiB).
fn children_max_rss_kib() -> i64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss
}

/// 4 MiB of valid token lines: linear time and bounded memory (findings past
/// the per-file limit are counted, not built). Generous bounds for a debug
/// build on a busy machine; `bench/findings_bomb.sh` has the release figures.
#[test]
fn a_file_of_four_mib_of_tokens_scans_in_bounded_time_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut i = 0u64;
    while text.len() < 4 << 20 {
        text.push_str(&format!("fake token {i}: {}\n", fake_ghp(&format!("b{i}"))));
        i += 1;
    }
    std::fs::write(dir.path().join("tokens.txt"), &text).unwrap();
    let started = std::time::Instant::now();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", "tokens.txt", "--format", "json", "-q"])
        .output()
        .unwrap();
    let took = started.elapsed();
    let rss_mib = children_max_rss_kib() / 1024;
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&doc).len(), 1000);
    let skipped = doc["stats"]["skipped"].as_array().unwrap();
    let over: u64 = skipped
        .iter()
        .find_map(|s| {
            let r = s["reason"].as_str()?;
            r.strip_suffix(" (--max-findings-per-file)")?;
            r.split(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no per-file limit note: {skipped:?}"));
    // Every line's token is counted (a handful of generated bodies may trip
    // the placeholder filter).
    assert!(
        over + 1000 <= i && over + 1000 + 5 >= i,
        "{over} over, {i} lines"
    );
    assert!(took.as_secs() < 60, "took {took:?}");
    assert!(rss_mib < 300, "peak RSS {rss_mib} MiB");
}

/// A zip whose central directory points many entries at one compressed stream
/// is refused as an error: expanding it once per entry is the bomb.
#[test]
fn a_zip_with_overlapping_entries_is_an_error() {
    let body = format!("fake token: {}\n", fake_ghp("overlap")).repeat(2000);
    let mut deflated = Vec::new();
    {
        let mut e = flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
        e.write_all(body.as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let crc = crc32fast::hash(body.as_bytes());
    let mut z: Vec<u8> = Vec::new();
    let name = b"a.txt";
    let le16 = |v: &mut Vec<u8>, n: u16| v.extend_from_slice(&n.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, n: u32| v.extend_from_slice(&n.to_le_bytes());
    le32(&mut z, 0x0403_4b50);
    for n in [20u16, 0, 8, 0, 0] {
        le16(&mut z, n);
    }
    for n in [crc, deflated.len() as u32, body.len() as u32] {
        le32(&mut z, n);
    }
    le16(&mut z, name.len() as u16);
    le16(&mut z, 0);
    z.extend_from_slice(name);
    z.extend_from_slice(&deflated);
    let cd_start = z.len();
    let entries = 64u16;
    for i in 0..entries {
        let n = format!("m{i:03}.txt");
        le32(&mut z, 0x0201_4b50);
        for v in [20u16, 20, 0, 8, 0, 0] {
            le16(&mut z, v);
        }
        for v in [crc, deflated.len() as u32, body.len() as u32] {
            le32(&mut z, v);
        }
        for v in [n.len() as u16, 0, 0, 0, 0] {
            le16(&mut z, v);
        }
        le32(&mut z, 0);
        le32(&mut z, 0); // every entry's local header is at offset 0
        z.extend_from_slice(n.as_bytes());
    }
    let cd_len = z.len() - cd_start;
    le32(&mut z, 0x0605_4b50);
    for v in [0u16, 0, entries, entries] {
        le16(&mut z, v);
    }
    le32(&mut z, cd_len as u32);
    le32(&mut z, cd_start as u32);
    le16(&mut z, 0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bomb.zip"), &z).unwrap();
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", "bomb.zip", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an incomplete scan, no findings"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = doc["stats"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("share compressed data"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("share compressed data"));
}

/// `-q` silences notes, git's included (a shallow clone's note).
#[test]
fn quiet_silences_git_notes() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    git(&src, &["init", "-q", "-b", "main"]);
    for i in 0..3 {
        std::fs::write(src.join("f.txt"), format!("v{i}\n")).unwrap();
        git(&src, &["add", "."]);
        git(&src, &["commit", "-q", "-m", &format!("c{i}")]);
    }
    let url = format!("file://{}", src.display());
    git(
        dir.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = dir.path().join("shallow");
    let loud = tokenhound()
        .current_dir(&shallow)
        .args(["git", "."])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&loud.stderr).contains("shallow clone"));
    let quiet = tokenhound()
        .current_dir(&shallow)
        .args(["git", ".", "-q"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
    assert_eq!(quiet.status.code(), Some(0));
}

/// `--max-findings` bounds what a run keeps for its report: the JSON report
/// lists that many and counts the rest (exit 1 all the same), a streaming
/// format writes every one as found.
#[test]
fn max_findings_bounds_the_report_and_streams_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    for f in 0..4 {
        let text: String = (0..5)
            .map(|i| format!("fake token {i}: {}\n", fake_ghp(&format!("m{f}x{i}"))))
            .collect();
        std::fs::write(dir.path().join(format!("t{f}.txt")), text).unwrap();
    }
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json", "--max-findings", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&doc).len(), 7);
    assert_eq!(doc["stats"]["findings"], 20);
    assert!(doc["stats"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["reason"]
            .as_str()
            .unwrap()
            .contains("13 findings beyond the first 7")));
    let out = tokenhound()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "jsonl", "--max-findings", "7"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 20);
}
