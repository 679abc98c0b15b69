//! Archives: zip, tar, tar.gz, gz, nesting, and hostile input (truncated zip,
//! decompression bomb, encrypted member, path traversal names), all built in the
//! test with the zip/tar/flate2 crates. Tokens are fake, with valid checksums.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use tokenhound::rules::validators::github_style_token;

fn token(n: u32) -> String {
    github_style_token("ghp_", &format!("tokenhoundFAKEarchiveTest{n:05}"))
}

fn scan(args: &[&str]) -> (Value, i32, String) {
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["scan", "--format", "json", "--show-secrets"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    (
        doc,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

fn errors(doc: &Value) -> Vec<String> {
    doc["stats"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn zip_bytes(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn tar_bytes(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn zip_tar_tgz_and_gz_members_are_scanned_with_inner_paths() {
    let dir = tempfile::tempdir().unwrap();
    let line = |n| format!("export GITHUB_TOKEN={}\n", token(n)).into_bytes();
    let z = write(dir.path(), "a.zip", &zip_bytes(&[("app/.env", line(1))]));
    let t = write(
        dir.path(),
        "b.tar",
        &tar_bytes(&[("etc/conf.txt", line(2))]),
    );
    let tgz = write(
        dir.path(),
        "c.tgz",
        &gzip(&tar_bytes(&[("x/y.txt", line(3))])),
    );
    let gz = write(dir.path(), "notes.txt.gz", &gzip(&line(4)));
    let (doc, code, stderr) = scan(&[&z, &t, &tgz, &gz]);
    assert_eq!(code, 1, "{stderr}");
    let mut got: Vec<(String, String, u64)> = findings(&doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (format!("{z}!app/.env"), token(1), 21),
        (format!("{t}!etc/conf.txt"), token(2), 21),
        (format!("{tgz}!x/y.txt"), token(3), 21),
        (format!("{gz}!notes.txt"), token(4), 21),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(findings(&doc).iter().all(|f| f["source"] == "archive"));
    assert!(errors(&doc).is_empty(), "{:?}", errors(&doc));
}

#[test]
fn nested_archives_up_to_depth_three() {
    let dir = tempfile::tempdir().unwrap();
    let inner = zip_bytes(&[("deep.txt", format!("t={}\n", token(5)).into_bytes())]);
    let mid = gzip(&tar_bytes(&[("inner.zip", inner)]));
    let outer = zip_bytes(&[("mid.tar.gz", mid)]);
    let p = write(dir.path(), "outer.zip", &outer);
    let (doc, _, _) = scan(&[&p]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["path"], format!("{p}!mid.tar.gz!inner.zip!deep.txt"));
    // One more level is not opened, with an error saying so.
    let deeper = zip_bytes(&[("outer.zip", outer)]);
    let p4 = write(dir.path(), "deeper.zip", &deeper);
    let (doc, code, _) = scan(&[&p4]);
    assert!(findings(&doc).is_empty());
    assert_eq!(code, 2);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("nested deeper than 3"), "{errs:?}");
}

#[test]
fn truncated_zip_reports_and_salvages_members() {
    let dir = tempfile::tempdir().unwrap();
    let full = zip_bytes(&[
        ("first.txt", format!("a={}\n", token(6)).into_bytes()),
        ("second.txt", format!("b={}\n", token(7)).into_bytes()),
    ]);
    // Cut inside the central directory: local headers survive.
    let cut = &full[..full.len() - 30];
    let p = write(dir.path(), "cut.zip", cut);
    let (doc, code, stderr) = scan(&[&p]);
    assert_eq!(code, 1, "{stderr}");
    let secrets: Vec<String> = findings(&doc)
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets, vec![token(6), token(7)]);
    let errs = errors(&doc);
    assert!(
        errs.iter().any(|e| e.contains("unreadable zip")),
        "{errs:?}"
    );
    // Cut in the middle of the second member: the first is still found.
    let pos = full.windows(10).position(|w| w == b"second.txt").unwrap();
    let p2 = write(dir.path(), "cut2.zip", &full[..pos + 20]);
    let (doc, code, _) = scan(&[&p2]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1);
    assert!(!errors(&doc).is_empty());
}

#[test]
fn zip_bomb_stops_that_archive_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = zip_bytes(&[
        ("zeros.bin.txt", vec![b'0'; 24 << 20]),
        ("after.txt", format!("t={}\n", token(8)).into_bytes()),
    ]);
    assert!(bomb.len() < 200_000, "compressed {}", bomb.len());
    let b = write(dir.path(), "bomb.zip", &bomb);
    let ok = write(dir.path(), "ok.txt", format!("k={}\n", token(9)).as_bytes());
    let (doc, code, stderr) = scan(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["path"], ok);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(&format!("{b}!zeros.bin.txt")),
        "{errs:?}"
    );
    assert!(errs[0].contains("decompression bomb"), "{errs:?}");
    assert!(stderr.contains("decompression bomb"));
}

/// Sets the "encrypted" flag of every member (local headers and central directory).
fn mark_encrypted(mut z: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 10 < z.len() {
        if &z[i..i + 4] == b"PK\x03\x04" {
            z[i + 6] |= 1;
        } else if &z[i..i + 4] == b"PK\x01\x02" {
            z[i + 8] |= 1;
        }
        i += 1;
    }
    z
}

#[test]
fn encrypted_members_are_reported_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let z = mark_encrypted(zip_bytes(&[(
        "secret.txt",
        format!("t={}\n", token(10)).into_bytes(),
    )]));
    let p = write(dir.path(), "enc.zip", &z);
    let (doc, code, _) = scan(&[&p]);
    assert!(findings(&doc).is_empty());
    assert_eq!(code, 2, "not a clean result");
    let errs = errors(&doc);
    assert_eq!(
        errs,
        vec![format!(
            "{p}!secret.txt: encrypted archive member: not scanned"
        )]
    );
}

#[test]
fn path_traversal_names_are_reported_and_nothing_is_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let z = zip_bytes(&[("../../evil.txt", format!("t={}\n", token(11)).into_bytes())]);
    let p = write(&work, "trav.zip", &z);
    let (doc, code, _) = scan(&[&p]);
    assert_eq!(code, 1);
    let got = findings(&doc);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["path"], format!("{p}!../../evil.txt"));
    let notes: Vec<&Value> = doc["stats"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().contains("path traversal"))
        .collect();
    assert_eq!(notes.len(), 1, "{doc:#}");
    assert!(!dir.path().join("evil.txt").exists());
    assert!(!work.join("evil.txt").exists());
}

#[test]
fn big_archives_are_streamed_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut members: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| {
            (
                format!("f{i}.txt"),
                format!("line {i}\n").repeat(50).into_bytes(),
            )
        })
        .collect();
    members.push(("late.txt".into(), format!("t={}\n", token(12)).into_bytes()));
    let refs: Vec<(&str, Vec<u8>)> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.clone()))
        .collect();
    let p = write(dir.path(), "big.zip", &zip_bytes(&refs));
    assert!(std::fs::metadata(&p).unwrap().len() > 4096);
    let (doc, code, _) = scan(&["--max-file-size", "4K", &p]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(findings(&doc)[0]["path"], format!("{p}!late.txt"));
    // A plain file over the limit is still skipped.
    let plain = write(dir.path(), "big.txt", &vec![b'a'; 8192]);
    let (doc, _, _) = scan(&["--max-file-size", "4K", &plain]);
    assert_eq!(doc["stats"]["skipped"].as_array().unwrap().len(), 1);
}

#[test]
fn garbage_with_archive_magic_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let a = write(dir.path(), "junk.zip", &junk);
    let mut gz = b"\x1f\x8b\x08\x00".to_vec();
    gz.extend(std::iter::repeat_n(0xAAu8, 100));
    let b = write(dir.path(), "junk.gz", &gz);
    let (doc, code, _) = scan(&[&a, &b]);
    assert_eq!(code, 2);
    assert!(errors(&doc).len() >= 2, "{doc:#}");
}
