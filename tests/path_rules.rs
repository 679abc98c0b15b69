//! Rules scoped by `path`: they run on a file at a matching path wherever it
//! comes from (a directory, an archive member, a blob of git history, a
//! staged file), and on nothing else, however its content looks.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use common::{git, tokenhound};
use serde_json::Value;

/// A Rails master key: 32 hex digits and a newline (obviously fake words in hex).
const MASTER_KEY: &str = "8d1f0e2bfeedc0de5eed0fbadcafe7a9\n";
const PGPASS: &str = "# local\ndb.example.test:5432:appdb:fakeuser:Zq8kW3mR7tY2vN9p\n";

fn write(root: &Path, path: &str, content: &[u8]) {
    let p = root.join(path);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// (rule, path, line) of every finding of a JSON report.
fn found(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    let out = tokenhound()
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let mut v: Vec<(String, String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(rule: &str, path: &str, line: u64) -> (String, String, u64) {
    (rule.to_string(), path.to_string(), line)
}

#[test]
fn files_at_their_paths_are_found_and_the_same_bytes_elsewhere_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "app/config/master.key", MASTER_KEY.as_bytes());
    write(
        root,
        "app/config/credentials/production.key",
        MASTER_KEY.as_bytes(),
    );
    write(root, "home/.pgpass", PGPASS.as_bytes());
    // The same bytes anywhere else are a hex string and a line with colons.
    write(root, "app/config/master.key.txt", MASTER_KEY.as_bytes());
    write(root, "notes/key.txt", MASTER_KEY.as_bytes());
    write(root, "docs/pgpass.md", PGPASS.as_bytes());
    assert_eq!(
        found(root, &["scan", "."]),
        [
            row("pgpass-password", "home/.pgpass", 2),
            row(
                "rails-master-key",
                "app/config/credentials/production.key",
                1
            ),
            row("rails-master-key", "app/config/master.key", 1),
        ]
    );
}

#[test]
fn an_archive_member_is_scoped_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in [
        ("app/config/master.key", MASTER_KEY),
        ("app/key.txt", MASTER_KEY),
    ] {
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    fs::write(
        tmp.path().join("deploy.zip"),
        w.finish().unwrap().into_inner(),
    )
    .unwrap();
    assert_eq!(
        found(tmp.path(), &["scan", "deploy.zip"]),
        [row(
            "rails-master-key",
            "deploy.zip!app/config/master.key",
            1
        )]
    );
}

#[test]
fn git_history_and_staged_files_are_scoped_by_their_path_in_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "config/master.key", MASTER_KEY.as_bytes());
    // Other bytes: a blob of history is looked at once, at the first path it
    // was seen at, so the same bytes at two paths would be one blob.
    write(repo, "key.txt", b"0fa11ce5eedbadc0ffee5a1ad0ddba11\n");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "new app"]);
    git(repo, &["rm", "-q", "config/master.key"]);
    git(repo, &["commit", "-q", "-m", "untrack the key"]);
    assert_eq!(
        found(repo, &["git"]),
        [row("rails-master-key", "config/master.key", 1)]
    );
    write(repo, "db/.pgpass", PGPASS.as_bytes());
    write(repo, "db/pgpass.txt", PGPASS.as_bytes());
    git(repo, &["add", "db"]);
    assert_eq!(
        found(repo, &["git", "--staged"]),
        [row("pgpass-password", "db/.pgpass", 2)]
    );
}

#[test]
fn a_custom_rule_can_be_scoped_by_path() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("acme.toml");
    fs::write(
        &rules,
        r#"[[rule]]
id = "acme-license"
name = "ACME licence key file"
provider = "acme"
kind = "api-key"
path = '''(?:^|/)acme\.lic$'''
pattern = '''\A(?P<secret>[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4})\s*\z'''
lifetime = "long"
revoke = "Revoke the licence in ACME's portal."
example_path = "etc/acme.lic"
examples = ["Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n"]
negative_examples = ["Q3N8Z-PL1XW\n"]
"#,
    )
    .unwrap();
    let out = tokenhound()
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("1 rules, 2 examples checked, 0 failed"),
        "{text}"
    );
    let data = tmp.path().join("data");
    write(&data, "etc/acme.lic", b"Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n");
    write(&data, "etc/acme.txt", b"Q3N8Z-PL1XW-7CV2B-R9TY4-MK6DF\n");
    let rules = rules.display().to_string();
    assert_eq!(
        found(&data, &["--rules", &rules, "scan", "."]),
        [row("acme-license", "etc/acme.lic", 1)]
    );
}
