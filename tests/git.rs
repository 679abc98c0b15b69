//! `tokenhound git` and `tokenhound install-hook` on repositories built here with
//! the git CLI. Every token is a fake GitHub PAT with a valid checksum.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;
use tokenhound::rules::validators::github_style_token;

/// A fake, checksum-valid `ghp_` token, different for every seed.
fn fake_token(seed: u64) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let body: String = (0..30)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALNUM[(x % ALNUM.len() as u64) as usize] as char
        })
        .collect();
    github_style_token("ghp_", &body)
}

fn token_line(seed: u64) -> String {
    format!(
        "GITHUB_TOKEN = '{}'  # fake token for a test\n",
        fake_token(seed)
    )
}

/// A repository in a temporary directory, driven with the git CLI under a fixed
/// identity and clock (no user or system configuration).
struct Repo {
    _tmp: TempDir,
    dir: PathBuf,
    /// Seconds of the next commit's author and committer date.
    clock: i64,
}

impl Repo {
    fn new() -> Repo {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path().join("repo");
        fs::create_dir(&dir).unwrap();
        let mut r = Repo {
            _tmp: tmp,
            dir,
            clock: 1_600_000_000,
        };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn git_in(dir: &Path, args: &[&str], envs: &[(&str, String)]) -> Output {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.test")
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.test")
            .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("git runs");
        out
    }

    fn git(&mut self, args: &[&str]) -> String {
        let out = Repo::git_in(&self.dir, args, &[]);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn write(&self, path: &str, content: &str) {
        let p = self.dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    /// Commits everything in the work tree as `author`; returns the commit id.
    fn commit_as(&mut self, msg: &str, author: (&str, &str)) -> String {
        self.git(&["add", "-A"]);
        self.commit_index_as(msg, author)
    }

    /// Commits the index as it is.
    fn commit_index_as(&mut self, msg: &str, author: (&str, &str)) -> String {
        self.clock += 86_400;
        let date = format!("{} +0000", self.clock);
        let envs = [
            ("GIT_AUTHOR_NAME", author.0.to_string()),
            ("GIT_AUTHOR_EMAIL", author.1.to_string()),
            ("GIT_AUTHOR_DATE", date.clone()),
            ("GIT_COMMITTER_DATE", date),
        ];
        let out = Repo::git_in(
            &self.dir,
            &["commit", "-q", "--allow-empty", "-m", msg],
            &envs,
        );
        assert!(
            out.status.success(),
            "commit: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(&["rev-parse", "HEAD"])
    }

    fn commit(&mut self, msg: &str) -> String {
        self.commit_as(msg, ("Test Author", "author@example.test"))
    }

    /// The loose object file of `rev` (as `git rev-parse` names it).
    fn loose_object(&mut self, rev: &str) -> PathBuf {
        let id = self.git(&["rev-parse", rev]);
        self.dir.join(".git/objects").join(&id[..2]).join(&id[2..])
    }
}

/// Runs `tokenhound ARGS` with `--format json`; returns (document, exit code, stderr).
fn tokenhound_json(dir: &Path, args: &[&str]) -> (Value, i32, String) {
    tokenhound_json_env(dir, args, &[])
}

/// [`tokenhound_json`] with environment variables set.
fn tokenhound_json_env(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Value, i32, String) {
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(args)
        .args(["--format", "json"])
        .envs(envs.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "json report ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (doc, out.status.code().unwrap(), stderr)
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().unwrap()
}

/// The raw-secret-free way to tell findings apart: which fake token (by seed) they are.
fn seeds_found(doc: &Value, seeds: &[u64]) -> Vec<u64> {
    let mut found: Vec<u64> = findings(doc)
        .iter()
        .map(|f| {
            let fp = f["fingerprint"].as_str().unwrap();
            *seeds
                .iter()
                .find(|&&s| {
                    tokenhound::enrich::fingerprint("github-pat-classic", fake_token(s).as_bytes())
                        == fp
                })
                .unwrap_or_else(|| panic!("unexpected finding {f}"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn token_added_then_deleted_is_found_with_its_commit() {
    let mut r = Repo::new();
    r.write("README.md", "# demo\n");
    r.commit("initial");
    r.write("config.py", &format!("DEBUG = True\n{}", token_line(1)));
    let leak = r.commit_as("add config", ("Eve Example", "eve@example.test"));
    r.write("config.py", "DEBUG = True\n");
    r.commit("remove the token");

    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{doc}");
    let f = &f[0];
    assert_eq!(f["rule_id"], "github-pat-classic");
    assert_eq!(f["source"], "git");
    assert_eq!(f["path"], "config.py");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(17))
    );
    assert!(
        f["secret"].as_str().unwrap().ends_with("***"),
        "redacted by default"
    );
    let g = &f["git"];
    assert_eq!(g["commit"], leak.as_str());
    assert_eq!(g["author_name"], "Eve Example");
    assert_eq!(g["author_email"], "eve@example.test");
    assert_eq!(g["summary"], "add config");
    assert_eq!(g["date"], "2020-09-15T12:26:40Z");
    assert_eq!(g["path"], "config.py");
    assert_eq!(g["in_head"], false);
    assert_eq!(g["commits"], 1);
    assert_eq!(g["paths"], 1);
    let blob = r.git(&["rev-parse", &format!("{leak}:config.py")]);
    assert_eq!(g["blob_id"], blob.as_str());
    assert_eq!(doc["stats"]["git"]["commits"], 3);

    // The human report names the commit too.
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .arg("git")
        .current_dir(&r.dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&leak[..12]) && text.contains("Eve Example") && text.contains("not in HEAD"),
        "{text}"
    );
    assert!(!text.contains(&fake_token(1)), "raw secret printed: {text}");
}

#[test]
fn a_token_in_100_commits_is_scanned_once_and_reported_once() {
    let mut r = Repo::new();
    r.write("settings.env", &token_line(7));
    r.commit("add settings");
    for i in 0..99 {
        r.write("log.txt", &format!("entry {i}\n"));
        r.commit(&format!("log {i}"));
    }
    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{doc}");
    assert_eq!(f[0]["git"]["commits"], 100);
    assert_eq!(f[0]["git"]["in_head"], true);
    let stats = &doc["stats"];
    assert_eq!(stats["git"]["commits"], 100);
    // settings.env once + 99 versions of log.txt: each distinct blob read once.
    assert_eq!(stats["git"]["blobs"], 100);
    assert_eq!(stats["files_scanned"], 100);
}

#[test]
fn a_token_kept_through_edits_is_reported_once_from_its_first_commit() {
    let mut r = Repo::new();
    r.write("app.cfg", &format!("v = 0\n{}", token_line(4)));
    let first = r.commit("add app.cfg");
    for i in 1..=3 {
        r.write("app.cfg", &format!("v = {i}\n{}", token_line(4)));
        r.commit(&format!("bump {i}"));
    }
    r.write("app.cfg", "v = 4\n");
    r.commit("drop the token");
    let (doc, _, _) = tokenhound_json(&r.dir, &["git"]);
    let f = findings(&doc);
    assert_eq!(f.len(), 1, "{doc}");
    let g = &f[0]["git"];
    assert_eq!(g["commit"], first.as_str());
    assert_eq!(
        (g["blobs"].as_u64(), g["commits"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(g["in_head"], false);
    assert_eq!(
        doc["stats"]["git"]["blobs"], 5,
        "every version scanned once"
    );
}

#[test]
fn ranges_since_commit_and_since_date() {
    let mut r = Repo::new();
    r.write("t1.txt", &token_line(1));
    let a = r.commit("one"); // 2020-09-14
    r.write("t2.txt", &token_line(2));
    r.commit("two"); // 2020-09-15
    r.write("t3.txt", &token_line(3));
    let c = r.commit("three"); // 2020-09-16
    let all = [1, 2, 3];

    let (doc, _, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(seeds_found(&doc, &all), vec![1, 2, 3]);
    let range = format!("{a}..{c}");
    let (doc, code, _) = tokenhound_json(&r.dir, &["git", &range]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &all), vec![2, 3]);
    assert_eq!(doc["stats"]["git"]["commits"], 2);
    // Same with an explicit repository path before the range.
    let (doc, _, _) = tokenhound_json(
        r.dir.parent().unwrap(),
        &["git", "repo", &format!("{a}..HEAD~1")],
    );
    assert_eq!(seeds_found(&doc, &all), vec![2]);
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--since-commit", &a]);
    assert_eq!(seeds_found(&doc, &all), vec![2, 3]);
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--since", "2020-09-16"]);
    assert_eq!(seeds_found(&doc, &all), vec![3]);
    let (doc, code, _) = tokenhound_json(&r.dir, &["git", &format!("{c}..{c}")]);
    assert_eq!((findings(&doc).len(), code), (0, 0));

    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["git", "nope..HEAD"])
        .current_dir(&r.dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no branch, tag or commit named `nope`") && !err.contains("class="),
        "{err}"
    );
}

#[test]
fn all_refs_by_default_or_one_branch() {
    let mut r = Repo::new();
    r.write("main.txt", &token_line(1));
    r.commit("main");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("feature.txt", &token_line(2));
    r.commit("feature work");
    r.git(&["checkout", "-q", "main"]);
    r.write("other.txt", "no secrets\n");
    r.commit("more main");
    let all = [1, 2];

    let (doc, _, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(seeds_found(&doc, &all), vec![1, 2]);
    let feature = findings(&doc)
        .iter()
        .find(|f| f["path"] == "feature.txt")
        .unwrap();
    assert_eq!(
        feature["git"]["in_head"], false,
        "only on an unmerged branch"
    );
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--branch", "main"]);
    assert_eq!(seeds_found(&doc, &all), vec![1]);
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--branch", "feature"]);
    assert_eq!(seeds_found(&doc, &all), vec![1, 2]);
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "main..feature"]);
    assert_eq!(seeds_found(&doc, &all), vec![2]);
}

#[test]
fn staged_and_working_tree_report_only_new_lines() {
    let mut r = Repo::new();
    r.write("app.py", &format!("import os\n{}", token_line(1)));
    r.commit("old token, already in history");
    // Staged: a new line with a new token in the same file, and a new file.
    r.write(
        "app.py",
        &format!("import os\n{}print('hi')\n{}", token_line(1), token_line(2)),
    );
    r.write("new/secrets.txt", &token_line(3));
    r.git(&["add", "app.py", "new/secrets.txt"]);
    // Not staged: a change to a tracked file and an untracked file.
    r.write(
        "app.py",
        &format!(
            "import os\n{}print('hi')\n{}{}",
            token_line(1),
            token_line(2),
            token_line(4)
        ),
    );
    r.write("untracked.txt", &token_line(5));
    let all = [1, 2, 3, 4, 5];

    let (doc, code, stderr) = tokenhound_json(&r.dir, &["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &all), vec![2, 3]);
    let f = findings(&doc)
        .iter()
        .find(|f| f["path"] == "app.py")
        .unwrap();
    assert_eq!(
        (f["line"].as_u64(), f["source"].as_str()),
        (Some(4), Some("staged"))
    );
    // Run by hand (here with --format json): no hook talk.
    assert!(!stderr.contains("commit blocked"), "{stderr}");
    let (_, code, stderr) = tokenhound_json(&r.dir, &["git", "--staged", "--hook"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("tokenhound:ignore") && stderr.contains("commit blocked"),
        "{stderr}"
    );

    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--working-tree"]);
    assert_eq!(seeds_found(&doc, &all), vec![2, 3, 4, 5]);
    assert!(findings(&doc).iter().all(|f| f["source"] == "working-tree"));

    // Nothing staged: clean.
    r.git(&["reset", "-q"]);
    let (doc, code, _) = tokenhound_json(&r.dir, &["git", "--staged"]);
    assert_eq!((findings(&doc).len(), code), (0, 0));
}

#[test]
fn renamed_files() {
    let mut r = Repo::new();
    r.write("a.txt", &format!("keep\n{}", token_line(1)));
    let first = r.commit("add a");
    r.git(&["mv", "a.txt", "b.txt"]);
    let all = [1, 2];
    // A staged pure rename adds nothing.
    let (doc, code, _) = tokenhound_json(&r.dir, &["git", "--staged"]);
    assert_eq!((findings(&doc).len(), code), (0, 0), "{doc}");
    // A rename with an added line: only that line.
    r.write(
        "b.txt",
        &format!("keep\n{}{}", token_line(1), token_line(2)),
    );
    r.git(&["add", "b.txt"]);
    let (doc, _, _) = tokenhound_json(&r.dir, &["git", "--staged"]);
    assert_eq!(seeds_found(&doc, &all), vec![2]);
    assert_eq!(findings(&doc)[0]["path"], "b.txt");

    // In history, the renamed blob is one blob at two paths.
    r.write("b.txt", &format!("keep\n{}", token_line(1)));
    r.commit("rename a to b");
    let (doc, _, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(seeds_found(&doc, &all), vec![1]);
    let g = &findings(&doc)[0]["git"];
    assert_eq!(
        (g["commit"].as_str(), g["path"].as_str()),
        (Some(first.as_str()), Some("a.txt"))
    );
    assert_eq!(
        (
            g["paths"].as_u64(),
            g["commits"].as_u64(),
            g["in_head"].as_bool()
        ),
        (Some(2), Some(2), Some(true))
    );
}

#[test]
fn missing_objects_are_errors_and_the_rest_is_scanned() {
    let mut r = Repo::new();
    r.write("plain.txt", "nothing here\n");
    r.commit("one");
    r.write("secret.txt", &token_line(1));
    r.commit("two");
    fs::remove_file(r.loose_object("HEAD:plain.txt")).unwrap();

    let (doc, code, stderr) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1, "findings win over errors in the exit code");
    assert_eq!(seeds_found(&doc, &[1]), vec![1]);
    let errors = doc["stats"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["path"].as_str().unwrap().contains("plain.txt"));
    assert!(stderr.contains("missing or corrupt blob"), "{stderr}");

    // With the token's blob gone too, nothing is found but the scan says it is incomplete.
    fs::remove_file(r.loose_object("HEAD:secret.txt")).unwrap();
    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!((findings(&doc).len(), code), (0, 2));
    assert_eq!(doc["stats"]["errors"].as_array().unwrap().len(), 2);

    // A missing tree is reported the same way.
    let mut r = Repo::new();
    r.write("dir/a.txt", "a\n");
    r.write("b.txt", &token_line(2));
    r.commit("one");
    fs::remove_file(r.loose_object("HEAD:dir")).unwrap();
    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &[2]), vec![2]);
    let errors = doc["stats"]["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("cannot read tree")),
        "{errors:?}"
    );
}

/// `git replace` objects are read in place of the ones they replace, as git
/// does unless GIT_NO_REPLACE_OBJECTS is set or core.useReplaceRefs is false.
#[test]
fn replaced_blobs_are_read_as_git_reads_them() {
    let mut r = Repo::new();
    r.write("config.txt", "nothing to see\n");
    let first = r.commit("one");
    r.write("notes.txt", "a\n");
    r.commit("two");
    let original = r.git(&["rev-parse", &format!("{first}:config.txt")]);
    r.write("replacement.tmp", &token_line(5));
    let replacement = r.git(&["hash-object", "-w", "replacement.tmp"]);
    fs::remove_file(r.dir.join("replacement.tmp")).unwrap();
    r.git(&["replace", &original, &replacement]);
    assert!(r
        .git(&["cat-file", "-p", &original])
        .contains("GITHUB_TOKEN"));

    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(seeds_found(&doc, &[5]), vec![5]);
    let g = &findings(&doc)[0]["git"];
    assert_eq!(
        g["blob_id"],
        original.as_str(),
        "named by the id the tree holds"
    );
    assert_eq!(
        (g["commit"].as_str(), g["path"].as_str()),
        (Some(first.as_str()), Some("config.txt"))
    );
    assert_eq!(
        (g["commits"].as_u64(), g["in_head"].as_bool()),
        (Some(2), Some(true))
    );

    // Replacements off: the original content, nothing to find.
    let off = [("GIT_NO_REPLACE_OBJECTS", "1")];
    let (doc, code, _) = tokenhound_json_env(&r.dir, &["git"], &off);
    assert_eq!((findings(&doc).len(), code), (0, 0), "{doc}");
    r.git(&["config", "core.useReplaceRefs", "false"]);
    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!((findings(&doc).len(), code), (0, 0), "{doc}");
    r.git(&["config", "--unset", "core.useReplaceRefs"]);

    // The replaced blob missing from the clone (the rails benchmark has three):
    // not an error while the replacement is read, an error without it.
    fs::remove_file(r.loose_object(&original)).unwrap();
    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1);
    assert_eq!(doc["stats"]["errors"].as_array().unwrap().len(), 0, "{doc}");
    let (doc, code, _) = tokenhound_json_env(&r.dir, &["git"], &off);
    assert_eq!(code, 2);
    let errors = doc["stats"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("missing or corrupt blob"));
}

/// A replaced commit (`git replace --graft`) walks as git log walks it: the
/// history cut off behind the graft is not scanned, unless replacements are off.
#[test]
fn grafted_history_is_walked_as_git_walks_it() {
    let mut r = Repo::new();
    r.write("old.env", &token_line(1));
    r.commit("old history");
    fs::remove_file(r.dir.join("old.env")).unwrap();
    r.write("a.txt", "a\n");
    let cut = r.commit("cut here");
    r.write("new.env", &token_line(2));
    r.commit("new");
    r.git(&["replace", "--graft", &cut]);
    let count = |envs: &[(&str, String)]| -> u64 {
        let out = Repo::git_in(&r.dir, &["rev-list", "--all", "--count"], envs);
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };

    let (doc, code, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &[1, 2]), vec![2]);
    assert_eq!(doc["stats"]["git"]["commits"], count(&[]));
    let off = [("GIT_NO_REPLACE_OBJECTS", "1")];
    let (doc, _, _) = tokenhound_json_env(&r.dir, &["git"], &off);
    assert_eq!(seeds_found(&doc, &[1, 2]), vec![1, 2]);
    assert_eq!(
        doc["stats"]["git"]["commits"],
        count(&[("GIT_NO_REPLACE_OBJECTS", "1".to_string())])
    );
}

#[test]
fn shallow_clones_scan_what_is_there() {
    let mut r = Repo::new();
    r.write("old-secret.txt", &token_line(1));
    r.commit("c1");
    fs::remove_file(r.dir.join("old-secret.txt")).unwrap();
    r.commit("c2");
    r.write("notes.txt", "a\n");
    r.commit("c3");
    r.write("new-secret.txt", &token_line(2));
    r.commit("c4");
    r.write("notes.txt", "b\n");
    r.commit("c5");
    let url = format!("file://{}", r.dir.display());
    let shallow = r.dir.parent().unwrap().join("shallow");
    let out = Repo::git_in(
        r.dir.parent().unwrap(),
        &["clone", "-q", "--depth", "2", &url, "shallow"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (doc, code, stderr) = tokenhound_json(&shallow, &["git"]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &[1, 2]), vec![2]);
    assert_eq!(doc["stats"]["git"]["shallow"], true);
    assert_eq!(doc["stats"]["git"]["commits"], 2);
    assert_eq!(
        doc["stats"]["errors"].as_array().unwrap().len(),
        0,
        "a shallow boundary is not an error"
    );
    assert!(stderr.contains("shallow clone"), "{stderr}");
    // The full repository has both.
    let (doc, _, _) = tokenhound_json(&r.dir, &["git"]);
    assert_eq!(seeds_found(&doc, &[1, 2]), vec![1, 2]);
    assert_eq!(doc["stats"]["git"]["shallow"], false);
}

#[test]
fn bare_repos_lfs_pointers_and_submodules() {
    let mut r = Repo::new();
    r.write("secret.txt", &token_line(1));
    r.write(
        "model.bin",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    r.commit("one");
    // A submodule entry (gitlink) pointing at a commit of another repository.
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,4b825dc642cb6eb9a060e54bf8d69288fbee4904,vendor/lib",
    ]);
    r.commit_index_as("add submodule", ("Test Author", "author@example.test"));
    let out = Repo::git_in(
        r.dir.parent().unwrap(),
        &["clone", "-q", "--bare", "repo", "bare.git"],
        &[],
    );
    assert!(out.status.success());

    let (doc, code, _) = tokenhound_json(&r.dir.parent().unwrap().join("bare.git"), &["git"]);
    assert_eq!(code, 1);
    assert_eq!(seeds_found(&doc, &[1]), vec![1]);
    let g = &doc["stats"]["git"];
    assert_eq!(g["bare"], true);
    assert_eq!(g["lfs_pointers_skipped"], 1);
    assert_eq!(g["submodules_skipped"], 1);
    assert_eq!(doc["stats"]["errors"].as_array().unwrap().len(), 0);
    assert_eq!(findings(&doc)[0]["git"]["in_head"], true);

    // --staged needs a work tree.
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["git", "--staged"])
        .current_dir(r.dir.parent().unwrap().join("bare.git"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bare repository"));
}

#[test]
fn install_hook_refuses_a_foreign_hook_unless_forced_and_blocks_commits() {
    let mut r = Repo::new();
    r.write("README.md", "# demo\n");
    r.commit("initial");
    let hook = r.dir.join(".git/hooks/pre-commit");
    fs::create_dir_all(hook.parent().unwrap()).unwrap();
    fs::write(&hook, "#!/bin/sh\necho my own hook\n").unwrap();

    let run = |args: &[&str]| {
        Command::cargo_bin("tokenhound")
            .unwrap()
            .args(args)
            .current_dir(&r.dir)
            .output()
            .unwrap()
    };
    let out = run(&["install-hook"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not tokenhound's"));
    assert_eq!(
        fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho my own hook\n",
        "left alone"
    );

    let out = run(&["install-hook", "--force"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fs::read_to_string(&hook).unwrap().contains("git --staged"));
    let backup = r.dir.join(".git/hooks/pre-commit.tokenhound-backup");
    assert_eq!(
        fs::read_to_string(backup).unwrap(),
        "#!/bin/sh\necho my own hook\n"
    );
    let out = run(&["install-hook"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already installed"));

    // The hook blocks a commit that adds a token, with a readable, redacted message.
    let head = r.git(&["rev-parse", "HEAD"]);
    r.write("deploy.sh", &format!("#!/bin/sh\nexport {}", token_line(9)));
    r.git(&["add", "deploy.sh"]);
    let out = Repo::git_in(&r.dir, &["commit", "-q", "-m", "deploy script"], &[]);
    assert!(!out.status.success(), "the commit went through");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("deploy.sh") && said.contains("2:") && said.contains("github-pat-classic"),
        "{said}"
    );
    assert!(
        said.contains("tokenhound:ignore") && said.contains("baseline"),
        "{said}"
    );
    assert!(!said.contains(&fake_token(9)), "raw token shown: {said}");
    assert_eq!(r.git(&["rev-parse", "HEAD"]), head);
    // Without the token it goes through, and the hook says nothing.
    r.write("deploy.sh", "#!/bin/sh\necho deploy\n");
    r.git(&["add", "deploy.sh"]);
    let out = Repo::git_in(&r.dir, &["commit", "-q", "-m", "deploy script"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !said.contains("findings"),
        "a clean commit is quiet: {said}"
    );
    // A reviewed false positive marked inline goes through.
    r.write(
        "fixture.txt",
        &format!("{}  # tokenhound:ignore (test fixture)\n", fake_token(11)),
    );
    r.git(&["add", "fixture.txt"]);
    let out = Repo::git_in(&r.dir, &["commit", "-q", "-m", "fixture"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `git commit -a` stages into a temporary index (GIT_INDEX_FILE): still blocked.
    r.write("README.md", &format!("# demo\n{}", token_line(10)));
    let out = Repo::git_in(&r.dir, &["commit", "-q", "-a", "-m", "readme"], &[]);
    assert!(!out.status.success(), "commit -a went through");
    // git sends a hook's standard output to its standard error.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("README.md") && said.contains("github-pat-classic"),
        "{said}"
    );
}

#[test]
fn pre_commit_framework_manifest_declares_the_hook() {
    let text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
            .unwrap();
    assert!(text.contains("- id: tokenhound"));
    assert!(text.contains("entry: tokenhound git --staged --hook"));
    assert!(text.contains("pass_filenames: false"));
}
