//! Adversarial filesystems (issue 10, "a scan that never lies"): FIFOs, sockets
//! and devices, permission denied, files changing under the scan, symlink loops,
//! paths longer than PATH_MAX, file names that are not UTF-8. Every input that
//! could not be scanned is in `stats.errors` and the human summary, and a scan
//! with errors and no findings exits 2. Cases already in `tests/scan.rs` (missing
//! paths, /proc/self/mem, files vanishing) are not repeated here.
#![cfg(unix)]

mod common;

use common::{fake_ghp, tokenhound};

use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `cmd`, killing it and failing the test if it has not ended within
/// `limit` (the point of these tests: nothing may block the scan). Returns
/// (exit code, stdout, stderr).
fn run_within(mut cmd: Command, limit: Duration) -> (i32, Vec<u8>, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the scan blocked: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap(),
        out_reader.join().unwrap().unwrap(),
        err_reader.join().unwrap().unwrap(),
    )
}

/// `tokenhound scan ARGS --format json` within 20 s: (exit code, document, stderr).
fn scan_json(args: &[&std::ffi::OsStr]) -> (i32, Value, String) {
    let mut cmd = tokenhound();
    cmd.arg("scan").args(args).args(["--format", "json"]);
    let (code, out, err) = run_within(cmd, Duration::from_secs(20));
    let doc = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}", String::from_utf8_lossy(&out)));
    (code, doc, err)
}

/// `tokenhound scan ARGS` (human format) within 20 s: (exit code, stdout).
fn scan_human(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let mut cmd = tokenhound();
    cmd.arg("scan").args(args);
    let (code, out, _) = run_within(cmd, Duration::from_secs(20));
    (code, String::from_utf8(out).unwrap())
}

fn os(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

fn errors(doc: &Value) -> &Vec<Value> {
    doc["stats"]["errors"].as_array().unwrap()
}

fn skipped(doc: &Value) -> &Vec<Value> {
    doc["stats"]["skipped"].as_array().unwrap()
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().unwrap()
}

#[test]
fn fifos_and_sockets_in_a_tree_are_skipped_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    // Nobody ever writes to this FIFO: opening or reading it would block forever.
    mkfifo(&dir.path().join("pipe"));
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    fs::write(
        dir.path().join("a.txt"),
        format!("t = {}\n", fake_ghp("fifo")),
    )
    .unwrap();
    let (code, doc, _) = scan_json(&[os(dir.path())]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(findings(&doc).len(), 1);
    let sk: Vec<(&str, &str)> = skipped(&doc)
        .iter()
        .map(|s| (s["path"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(sk.len(), 2, "{sk:?}");
    assert!(
        sk[0].0.ends_with("pipe") && sk[0].1.contains("FIFO"),
        "{sk:?}"
    );
    assert!(
        sk[1].0.ends_with("sock") && sk[1].1.contains("socket"),
        "{sk:?}"
    );
    assert!(errors(&doc).is_empty());
    // Left out on purpose, not an error: without the token the scan is clean,
    // and the summary says what it skipped.
    fs::remove_file(dir.path().join("a.txt")).unwrap();
    let (code, text) = scan_human(&[os(dir.path())]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 errors · 2 skipped"), "{text}");
}

#[test]
fn a_fifo_or_device_named_on_the_command_line_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let dev_null = Path::new("/dev/null");
    let (code, doc, stderr) = scan_json(&[os(&fifo), os(dev_null)]);
    assert_eq!(code, 2, "{doc}");
    let e = errors(&doc);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0]["path"], "/dev/null");
    assert!(e[0]["message"]
        .as_str()
        .unwrap()
        .contains("character device"));
    assert!(e[1]["message"].as_str().unwrap().contains("FIFO"));
    assert!(stderr.contains("tokenhound scan -"), "{stderr}");
    let (code, text) = scan_human(&[os(dev_null)]);
    assert_eq!(code, 2);
    assert!(
        text.contains("1 error") && text.contains("scan incomplete"),
        "{text}"
    );
    // Next to a file with a finding: exit 1, the error still listed.
    let tok = dir.path().join("t.txt");
    fs::write(&tok, format!("{}\n", fake_ghp("dev"))).unwrap();
    let (code, doc, _) = scan_json(&[os(dev_null), os(&tok)]);
    assert_eq!(code, 1);
    assert_eq!(errors(&doc).len(), 1);
}

#[test]
fn a_file_swapped_for_a_fifo_after_listing_is_not_blocked_on() {
    use tokenhound::engine::Engine;
    use tokenhound::finding::Event;
    use tokenhound::pipeline::{Pipeline, Scanner};
    use tokenhound::rules::RuleSet;
    use tokenhound::sources::fs::{scan_file, FsOptions};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("was-a-file.txt");
    mkfifo(&p);
    let pipeline: &'static Pipeline = Box::leak(Box::new(Pipeline::of(
        Engine::new(&RuleSet::builtin().unwrap()).unwrap(),
    )));
    let (tx, rx) = crossbeam_channel::unbounded();
    let scanner = Scanner::new(pipeline, tx);
    let opts = FsOptions {
        no_ignore: false,
        scan_binary: false,
        max_file_size: 1 << 20,
        threads: 1,
    };
    // The walker saw a regular file; by the time it is opened it is a FIFO.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        scan_file(&p, &scanner, &opts);
        drop(scanner);
        let _ = done_tx.send(rx.iter().collect::<Vec<Event>>());
    });
    let events = done_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("scan_file blocked on a FIFO");
    assert!(
        matches!(&events[..], [Event::Skipped(s)] if s.reason.contains("FIFO")),
        "{events:?}"
    );
}

#[test]
fn an_ignore_file_that_is_a_fifo_does_not_hang_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    // The walker reads every directory's .gitignore: a FIFO there would block it.
    mkfifo(&sub.join(".gitignore"));
    fs::write(sub.join("t.txt"), format!("{}\n", fake_ghp("gi"))).unwrap();
    let (code, doc, _) = scan_json(&[os(dir.path())]);
    assert_eq!(code, 2, "{doc}");
    let e = errors(&doc);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0]["path"].as_str().unwrap().ends_with("sub"));
    assert!(e[0]["message"].as_str().unwrap().contains("--no-ignore"));
    // Root itself: the same, before the walk starts.
    let (code, doc, _) = scan_json(&[os(&sub)]);
    assert_eq!((code, errors(&doc).len()), (2, 1), "{doc}");
    // --no-ignore reads no ignore file: the token is found, the FIFO skipped.
    let (code, doc, _) = scan_json(&[os(dir.path()), "--no-ignore".as_ref()]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(skipped(&doc).len(), 1);
}

/// Permission bits do not stop root: run the scan as `nobody` then.
fn as_unprivileged(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534).env("HOME", "/nonexistent");
    }
}

#[test]
fn permission_denied_files_and_directories_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
    let locked_file = root.join("locked.txt");
    fs::write(&locked_file, format!("{}\n", fake_ghp("lockedf"))).unwrap();
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o000)).unwrap();
    let locked_dir = root.join("locked-dir");
    fs::create_dir(&locked_dir).unwrap();
    fs::write(
        locked_dir.join("t.txt"),
        format!("{}\n", fake_ghp("lockedd")),
    )
    .unwrap();
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o000)).unwrap();
    let run = |root: &Path| {
        let mut cmd = tokenhound();
        as_unprivileged(&mut cmd);
        cmd.arg("scan").arg(root).args(["--format", "json"]);
        let (code, out, err) = run_within(cmd, Duration::from_secs(20));
        let doc: Value = serde_json::from_slice(&out).unwrap();
        (code, doc, err)
    };
    let (code, doc, stderr) = run(root);
    let _ = fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o755));
    assert_eq!(code, 2, "{doc}");
    let e = errors(&doc);
    assert_eq!(e.len(), 2, "{e:?}");
    for (err, name) in e.iter().zip(["locked-dir", "locked.txt"]) {
        assert!(err["path"].as_str().unwrap().ends_with(name), "{err}");
        assert!(err["message"]
            .as_str()
            .unwrap()
            .contains("ermission denied"));
        assert!(stderr.contains(name));
    }
    // A readable file with a finding beside them: exit 1, both errors listed.
    fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o000)).unwrap();
    let ok = root.join("ok.txt");
    fs::write(&ok, format!("{}\n", fake_ghp("okperm"))).unwrap();
    fs::set_permissions(&ok, fs::Permissions::from_mode(0o644)).unwrap();
    let (code, doc, _) = run(root);
    let _ = fs::set_permissions(&locked_dir, fs::Permissions::from_mode(0o755));
    assert_eq!(code, 1, "{doc}");
    assert_eq!((findings(&doc).len(), errors(&doc).len()), (1, 2));
}

#[test]
fn a_symlink_loop_alone_is_clean_and_a_dangling_root_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    fs::create_dir(&a).unwrap();
    std::os::unix::fs::symlink(&a, a.join("back")).unwrap();
    std::os::unix::fs::symlink(a.join("self"), a.join("self")).unwrap();
    // Symlinks are not followed: nothing to read, nothing missed.
    let (code, doc, _) = scan_json(&[os(dir.path())]);
    assert_eq!(code, 0, "{doc}");
    assert!(errors(&doc).is_empty());
    // A root that is a self-loop cannot be scanned: an error, exit 2.
    let (code, doc, _) = scan_json(&[os(&a.join("self"))]);
    assert_eq!(code, 2, "{doc}");
    assert_eq!(errors(&doc).len(), 1);
}

/// Makes `levels` nested directories named `name` under `root` (with *at calls,
/// as their path outgrows PATH_MAX) and writes `content` to `file` at the bottom.
fn deep_tree(root: &Path, name: &str, levels: usize, file: &str, content: &str) {
    use std::ffi::CString;
    let cname = CString::new(name).unwrap();
    let croot = CString::new(root.as_os_str().as_bytes()).unwrap();
    unsafe {
        let mut fd = libc::open(croot.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(fd >= 0);
        for _ in 0..levels {
            assert_eq!(libc::mkdirat(fd, cname.as_ptr(), 0o755), 0, "mkdirat");
            let next = libc::openat(fd, cname.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0, "openat");
            libc::close(fd);
            fd = next;
        }
        let cfile = CString::new(file).unwrap();
        let f = libc::openat(
            fd,
            cfile.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            0o644,
        );
        assert!(f >= 0);
        let n = libc::write(f, content.as_ptr().cast(), content.len());
        assert_eq!(n as usize, content.len());
        libc::close(f);
        libc::close(fd);
    }
}

/// Removes a tree deeper than PATH_MAX (`remove_dir_all` works with *at calls).
fn remove_deep(p: &Path) {
    let _ = fs::remove_dir_all(p);
}

#[test]
fn paths_longer_than_path_max_are_reported_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "d".repeat(200);
    // 25 levels of 201 bytes: over 5,000 bytes, past Linux's PATH_MAX (4,096).
    deep_tree(
        dir.path(),
        &name,
        25,
        "deep.txt",
        &format!("t = {}\n", fake_ghp("deep")),
    );
    let (code, doc, stderr) = scan_json(&[os(dir.path())]);
    assert_eq!(code, 2, "a token may lie out of reach: never clean: {doc}");
    let e = errors(&doc);
    assert_eq!(e.len(), 1, "{e:?}");
    let path = e[0]["path"].as_str().unwrap();
    assert!(path.len() > 3800 && path.ends_with(&name), "{}", path.len());
    assert!(e[0]["message"].as_str().unwrap().contains("too long"));
    assert!(stderr.contains("too long"));
    // Shallow files are still scanned.
    fs::write(dir.path().join("top.txt"), format!("{}\n", fake_ghp("top"))).unwrap();
    let (code, doc, _) = scan_json(&[os(dir.path())]);
    assert_eq!((code, findings(&doc).len(), errors(&doc).len()), (1, 1, 1));
    remove_deep(dir.path());
}

#[test]
fn file_names_that_are_not_utf8_are_reported_losslessly() {
    use std::ffi::OsStr;
    let dir = tempfile::tempdir().unwrap();
    // Two Latin-1 names that the lossy conversion would both turn into "caf\u{FFFD}".
    let names: [&[u8]; 2] = [b"caf\xe9.env", b"caf\xe8.env"];
    for (i, n) in names.iter().enumerate() {
        fs::write(
            dir.path().join(OsStr::from_bytes(n)),
            format!("TOKEN={}\n", fake_ghp(&format!("latin{i}"))),
        )
        .unwrap();
    }
    // A binary file and a FIFO with such names: skipped, named losslessly too.
    fs::write(
        dir.path().join(OsStr::from_bytes(b"bin\xff")),
        b"\0\x01\x02",
    )
    .unwrap();
    mkfifo(&dir.path().join(OsStr::from_bytes(b"pipe\\\xfe")));
    let (code, doc, _) = scan_json(&[os(dir.path())]);
    assert_eq!(code, 1, "{doc}");
    let root = dir.path().as_os_str().as_bytes();
    let f = findings(&doc);
    assert_eq!(f.len(), 2);
    let mut seen = Vec::new();
    for finding in f {
        let path = finding["path"].as_str().unwrap();
        let bytes: Vec<u8> = finding["path_bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        // The exact name opens the file; `path` shows the odd byte escaped.
        assert!(fs::read(OsStr::from_bytes(&bytes)).is_ok());
        assert!(bytes.starts_with(root));
        seen.push(bytes[root.len() + 1..].to_vec());
        assert!(path.ends_with(".env") && path.contains("caf\\x"), "{path}");
    }
    seen.sort();
    assert_eq!(seen, vec![names[1].to_vec(), names[0].to_vec()]);
    let sk = skipped(&doc);
    assert_eq!(sk.len(), 2, "{sk:?}");
    let tails: Vec<&str> = sk
        .iter()
        .map(|s| s["path"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    // A backslash in such a name is doubled, so escapes are unambiguous.
    assert_eq!(tails, ["bin\\xff", "pipe\\\\\\xfe"]);
    for s in sk {
        let b = s["path_bytes"].as_array().unwrap();
        assert!(b.len() > root.len());
    }
    // Names that are UTF-8 get no `path_bytes`.
    let plain = dir.path().join("plain.txt");
    fs::write(&plain, format!("{}\n", fake_ghp("plain"))).unwrap();
    let (_, doc, _) = scan_json(&[os(&plain)]);
    assert!(findings(&doc)[0].get("path_bytes").is_none());
    // The human report shows the escaped form.
    let (_, text) = scan_human(&[os(dir.path())]);
    assert!(text.contains("caf\\xe9.env"), "{text}");
}

#[test]
fn files_rewritten_during_the_scan_never_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let token = fake_ghp("rewrite");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (stop2, root2, token2) = (stop.clone(), root.clone(), token.clone());
    // Files growing past --max-file-size, shrinking to nothing, and replaced by a
    // FIFO and back, while the scan reads them.
    let churn = std::thread::spawn(move || {
        let mut i = 0usize;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let p = root2.join(format!("f{}.txt", i % 8));
            let _ = fs::remove_file(&p);
            match i % 3 {
                0 => {
                    let _ = fs::write(&p, format!("{}\n{token2}\n", "x".repeat(i % 5000)));
                }
                1 => {
                    let _ = fs::write(&p, "");
                }
                _ => {
                    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
                    unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
                }
            }
            i += 1;
        }
    });
    for _ in 0..5 {
        let (code, doc, _) = scan_json(&[os(&root), "--max-file-size".as_ref(), "4K".as_ref()]);
        // Whatever was read was scanned; a file gone before it was opened is an error.
        let n = findings(&doc).len();
        let e = errors(&doc).len();
        let want = if n > 0 {
            1
        } else if e > 0 {
            2
        } else {
            0
        };
        assert_eq!(code, want, "{doc}");
        for err in errors(&doc) {
            assert!(
                err["message"].as_str().unwrap().contains("No such file"),
                "{err}"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}
