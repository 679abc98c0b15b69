//! Adversarial text (issue 10, "a scan that never lies"): NUL bytes, UTF-16,
//! ten million tiny lines, a single line of hundreds of megabytes on standard
//! input (streamed, bounded memory), and long runs of token characters that
//! would make a careless regex super-linear. Cases already in `tests/scan.rs`
//! (invalid UTF-8, CRLF, a 20 MB multibyte line, 50 MB of `ghp_A`) are not
//! repeated. Sizes keep every test under ~20 s in a debug build; the 1 GB runs
//! are in `bench/adversarial.sh`.

mod common;

use common::{fake_ghp, tokenhound};

use std::fs;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

/// `tokenhound scan ARGS --format json`: (exit code, document).
fn scan_json(args: &[&str]) -> (i32, Value) {
    let out = tokenhound()
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), doc)
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().unwrap()
}

/// (line, column, offset) of a finding.
fn place(f: &Value) -> (u64, u64, u64) {
    (
        f["line"].as_u64().unwrap(),
        f["column"].as_u64().unwrap(),
        f["offset"].as_u64().unwrap(),
    )
}

/// Pipes `input` into `tokenhound scan - --format json ARGS` from a writer
/// thread; returns (exit code, document, peak RSS of the scan in KiB as seen
/// just before its input ended, on Linux).
fn scan_stdin(input: impl FnOnce(&mut dyn Write) + Send + 'static) -> (i32, Value, Option<u64>) {
    let mut child = tokenhound()
        .args(["scan", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        input(&mut stdin);
        stdin.flush().unwrap();
        // Peak RSS so far: everything but the last segment has been scanned.
        let hwm = fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            });
        drop(stdin);
        hwm
    });
    let out = child.wait_with_output().unwrap();
    let hwm = writer.join().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), doc, hwm)
}

#[test]
fn tokens_next_to_nul_bytes_are_found_and_binary_skips_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("nul");
    // Text for 8 KiB, then NULs around a token (a NUL is one column).
    let mut text = "plain text line\n".repeat(1024).into_bytes();
    text.extend_from_slice(b"\0\0");
    text.extend_from_slice(t.as_bytes());
    text.extend_from_slice(b"\0\n");
    fs::write(dir.path().join("late-nul.txt"), &text).unwrap();
    let (code, doc) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(place(&findings(&doc)[0]), (1025, 3, 1024 * 16 + 2));
    assert!(doc["stats"]["skipped"].as_array().unwrap().is_empty());

    // A NUL in the first 8 KiB: skipped as binary, and said so in the report.
    let early = dir.path().join("early-nul.bin");
    fs::write(&early, format!("\0{t}\0\n")).unwrap();
    let (code, doc) = scan_json(&[early.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    let sk = &doc["stats"]["skipped"][0];
    assert!(sk["path"].as_str().unwrap().ends_with("early-nul.bin"));
    assert!(sk["reason"].as_str().unwrap().contains("--scan-binary"));
    let out = tokenhound().arg("scan").arg(&early).output().unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("0 errors · 1 skipped"), "{human}");
    let (code, doc) = scan_json(&[early.to_str().unwrap(), "--scan-binary"]);
    assert_eq!(code, 1);
    assert_eq!(place(&findings(&doc)[0]), (1, 2, 1));
}

/// `s` in UTF-16 with a byte-order mark (or without, for `bom: false`).
fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for u in bom.then_some(0xFEFF).into_iter().chain(s.encode_utf16()) {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_are_decoded_and_located_in_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("utf16");
    // Non-ASCII before the token on its line, one astral character (a surrogate
    // pair), CRLF line ends: what Notepad and PowerShell write.
    let text = format!("# réglages\r\n  😀 GITHUB_TOKEN = {t}\r\n");
    let cases = [
        ("le-bom.txt", false, true, "utf16le"),
        ("be-bom.txt", true, true, "utf16be"),
        ("le-nobom.ps1", false, false, "utf16le"),
    ];
    for (name, be, bom, _) in cases {
        fs::write(dir.path().join(name), utf16(&text, be, bom)).unwrap();
    }
    let (code, doc) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc}");
    let f = findings(&doc);
    assert_eq!(f.len(), 3, "{doc}");
    let mut by_name: Vec<(&str, &Value)> = f
        .iter()
        .map(|f| (f["path"].as_str().unwrap().rsplit('/').next().unwrap(), f))
        .collect();
    by_name.sort_by_key(|x| x.0);
    let mut want = cases.to_vec();
    want.sort_by_key(|c| c.0);
    for ((name, f), (want_name, _, bom, layer)) in by_name.iter().zip(want) {
        assert_eq!(*name, want_name);
        // Line 2, column 20: two spaces, the emoji (one character), " GITHUB_TOKEN = ".
        let before = "# réglages\r\n  😀 GITHUB_TOKEN = ";
        let units = before.encode_utf16().count() as u64;
        let offset = 2 * units + if bom { 2 } else { 0 };
        assert_eq!(place(f), (2, 20, offset), "{name}");
        assert_eq!(f["end_column"], 60);
        assert_eq!(f["decoded"], serde_json::json!([layer]));
        assert_eq!(f["line_text"], "  😀 GITHUB_TOKEN = ghp_***", "{name}");
        assert_eq!(f["rule_id"], "github-pat-classic");
    }
    assert!(doc["stats"]["skipped"].as_array().unwrap().is_empty());

    // UTF-16 without a secret: scanned (not skipped as binary), clean.
    let clean = dir.path().join("clean.txt");
    fs::write(&clean, utf16("nothing to see\r\n", false, true)).unwrap();
    let (code, doc) = scan_json(&[clean.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(doc["stats"]["files_scanned"], 1);
    assert!(doc["stats"]["skipped"].as_array().unwrap().is_empty());
}

#[test]
fn a_utf16_log_goes_through_the_ci_log_normaliser() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("u16log");
    // An ANSI colour code cuts the token in two: only the log normaliser joins it.
    let log = format!(
        "2026-11-20T12:05:01.1Z step one\n2026-11-20T12:05:02.2Z token={}\x1b[1m{}\n",
        &t[..10],
        &t[10..]
    );
    fs::write(dir.path().join("build.log"), utf16(&log, false, true)).unwrap();
    let (code, doc) = scan_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc}");
    let f = &findings(&doc)[0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(30))
    );
    assert_eq!(f["decoded"][0], "utf16le");
}

#[test]
fn ten_million_tiny_lines_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("tiny");
    let lines = 10_000_000;
    let mut data = "a\n".repeat(lines);
    data.push_str(&format!("{t}\n"));
    let file = dir.path().join("tiny-lines.txt");
    fs::write(&file, &data).unwrap();
    let started = Instant::now();
    let (code, doc) = scan_json(&[file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        place(&findings(&doc)[0]),
        (lines as u64 + 1, 1, 2 * lines as u64)
    );
    let (code, doc, _) = scan_stdin(move |w| w.write_all(data.as_bytes()).unwrap());
    assert_eq!(code, 1);
    assert_eq!(
        place(&findings(&doc)[0]),
        (lines as u64 + 1, 1, 2 * lines as u64)
    );
    // Debug build on a shared 2-core machine: ~8 s. A per-line cost that grows
    // with the line count would take hours.
    assert!(started.elapsed() < Duration::from_secs(90));
}

#[test]
fn a_200_mb_single_line_on_stdin_is_streamed_in_bounded_memory() {
    let t1 = fake_ghp("longline1");
    let t2 = fake_ghp("longline2");
    const MB: usize = 1 << 20;
    let chunk = "0123456789abcdefghij".repeat(MB / 20 + 1)[..MB].to_string();
    let (t1c, t2c) = (t1.clone(), t2.clone());
    let started = Instant::now();
    // 100 MiB, a token, 100 MiB, a token, no newline at all.
    let (code, doc, hwm) = scan_stdin(move |w| {
        for _ in 0..100 {
            w.write_all(chunk.as_bytes()).unwrap();
        }
        write!(w, " {t1c} ").unwrap();
        for _ in 0..100 {
            w.write_all(chunk.as_bytes()).unwrap();
        }
        write!(w, " {t2c}").unwrap();
    });
    assert_eq!(code, 1, "{doc}");
    let f = findings(&doc);
    assert_eq!(f.len(), 2, "{doc}");
    let first = 100 * MB as u64 + 1;
    assert_eq!(place(&f[0]), (1, first + 1, first));
    let second = first + 40 + 1 + 100 * MB as u64 + 1;
    assert_eq!(place(&f[1]), (1, second + 1, second));
    assert_eq!(doc["stats"]["bytes_scanned"], second + 40);
    // Never the whole line in memory: ~35 MB measured; a buffered read would be 200+.
    if let Some(kib) = hwm {
        assert!(kib < 120 * 1024, "peak RSS {kib} KiB");
    }
    assert!(started.elapsed() < Duration::from_secs(90));
}

#[test]
fn long_runs_of_token_characters_scan_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let size = 5 << 20;
    // Prefixes and alphabets of the rules (and of the decode layers): each run
    // makes prefilters fire everywhere and regexes extend as far as they can.
    let runs: [(&str, &str); 10] = [
        ("a", "a"),
        ("ghp", "ghp_"),
        (
            "base64",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJz+/",
        ),
        ("jwt", "eyJ"),
        ("jwt-dots", "eyJhbGciOi."),
        ("equals", "="),
        ("percent", "%"),
        ("percent-escape", "%41"),
        ("slack", "xoxb-1-"),
        ("json-escape", "\\u0041"),
    ];
    let t = fake_ghp("patho");
    for (name, unit) in runs {
        let mut body = unit.repeat(size / unit.len());
        // A token after the run, on its own line: found at the right place.
        body.push_str(&format!("\n{t}\n"));
        fs::write(dir.path().join(format!("{name}.txt")), body).unwrap();
    }
    let started = Instant::now();
    let (code, doc) = scan_json(&[dir.path().to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{doc}");
    let f = findings(&doc);
    let ghp: Vec<&Value> = f
        .iter()
        .filter(|f| f["rule_id"] == "github-pat-classic" && f["line"] == 2)
        .collect();
    assert_eq!(ghp.len(), runs.len(), "{f:?}");
    for g in ghp {
        assert_eq!(g["column"], 1);
    }
    assert!(doc["stats"]["errors"].as_array().unwrap().is_empty());
    // ~15 s in a debug build (50 MiB); quadratic behaviour on any one 5 MiB run
    // would take hours. 10 MB runs in release: bench/adversarial.sh.
    assert!(took < Duration::from_secs(150), "took {took:?}");
}

#[test]
fn a_secret_encoded_below_the_decode_depth_is_reported_as_skipped() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let t = fake_ghp("deep");
    let mut s = format!("token: {t}").into_bytes();
    for _ in 0..4 {
        s = base64::engine::general_purpose::STANDARD
            .encode(&s)
            .into_bytes();
    }
    let file = dir.path().join("deep.txt");
    fs::write(&file, [b"data = ".as_slice(), &s, b"\n"].concat()).unwrap();
    // Four layers deep, three peeled by default: not found, and said so.
    let out = tokenhound()
        .args(["scan", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&doc).is_empty());
    let sk = doc["stats"]["skipped"].as_array().unwrap();
    assert_eq!(sk.len(), 1, "{sk:?}");
    assert!(sk[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("decode depth 3 reached"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--decode-depth"));
    let (code, doc) = scan_json(&[file.to_str().unwrap(), "--decode-depth", "4"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc)[0]["decoded"].as_array().unwrap().len(), 4);
    assert!(doc["stats"]["skipped"].as_array().unwrap().is_empty());
    // Nothing deeper than the depth, nothing noted.
    let plain = dir.path().join("plain.txt");
    fs::write(&plain, "a \\\\\\\\\\\\\\\\ b %2525252541 c\n").unwrap();
    let (code, doc) = scan_json(&[plain.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(doc["stats"]["skipped"].as_array().unwrap().is_empty());
}
