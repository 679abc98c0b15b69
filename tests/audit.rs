//! `tokenhound audit` and `tokenhound report`: the SQLite audit store, run-to-run
//! changes, liveness history, sprawl, migrations, interruption and HTML output.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{fake_ghp, json, tokenhound, Server};
use serde_json::Value;
use tokenhound::store::sqlite::SqliteBackend;
use tokenhound::store::{Location, Store};

fn audit(store: &Path, inputs: &[&Path], extra: &[&str]) -> std::process::Output {
    tokenhound()
        .arg("audit")
        .arg("--store")
        .arg(store)
        .args(inputs)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap()
}

/// `report ARGS --store STORE`: its standard output, the command having succeeded.
fn report_output(store: &Path, args: &[&str]) -> Vec<u8> {
    let out = tokenhound()
        .arg("report")
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn report(store: &Path) -> Value {
    serde_json::from_slice(&report_output(store, &["--format", "json"])).unwrap()
}

/// `report --store STORE` in the human format: its standard output.
fn human_report(store: &Path) -> String {
    String::from_utf8(report_output(store, &[])).unwrap()
}

fn fps(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["fingerprint"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

#[test]
fn runs_new_gone_and_sprawl() {
    let dir = tempfile::tempdir().unwrap();
    let (data, store) = (dir.path().join("data"), dir.path().join("audit.db"));
    fs::create_dir(&data).unwrap();
    let (a, b, c) = (fake_ghp("a"), fake_ghp("b"), fake_ghp("c"));
    fs::write(data.join("one.env"), format!("A={a}\nB={b}\n")).unwrap();
    fs::write(data.join("two.log"), format!("deploy used {a}\n")).unwrap();
    let out = audit(&store, &[&data], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded run 1"));
    let r1 = report(&store);
    assert_eq!(r1["run"]["id"], 1);
    assert!(r1["previous_run"].is_null());
    assert_eq!(r1["new"].as_array().unwrap().len(), 2, "first run: all new");

    // Second run: b removed, c added.
    fs::write(data.join("one.env"), format!("A={a}\nC={c}\n")).unwrap();
    audit(&store, &[&data], &[]);
    let r2 = report(&store);
    assert_eq!(r2["run"]["id"], 2);
    assert_eq!(r2["previous_run"]["id"], 1);
    let find = |doc: &Value, key: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(find(&r2, "new").len(), 1);
    assert_eq!(find(&r2, "gone").len(), 1);
    assert_ne!(fps(&r2["new"]), fps(&r2["gone"]));
    // a sprawls over two files: one revocation closes both.
    let sprawl = r2["sprawl"].as_array().unwrap();
    let top = &sprawl[0];
    let paths: Vec<&str> = top["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{top}");
    assert!(
        paths.iter().any(|p| p.ends_with("one.env"))
            && paths.iter().any(|p| p.ends_with("two.log"))
    );
    for f in r2["new"].as_array().unwrap() {
        assert_eq!(f["owasp_nhi"], "NHI-02");
        assert_eq!(f["cwe"][0], "CWE-798");
        assert_eq!(f["age_days"], 0);
    }
    assert_eq!(r2["history"].as_array().unwrap().len(), 2);
    // Human and HTML renderings.
    let text = human_report(&store);
    assert!(
        text.contains("NEW since the previous run: 1")
            && text.contains("GONE since the previous run: 1"),
        "{text}"
    );
    assert!(text.contains("SPRAWL (tokens seen in more than one place): 1"));
}

#[test]
fn no_raw_secrets_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (data, store) = (dir.path().join("data"), dir.path().join("audit.db"));
    fs::create_dir(&data).unwrap();
    let t = fake_ghp("raw");
    fs::write(data.join("x.txt"), format!("{t}\n")).unwrap();
    audit(&store, &[&data], &[]);
    let contains = |p: &Path| {
        let mut all = fs::read(p).unwrap();
        for ext in ["-wal", "-shm"] {
            if let Ok(b) = fs::read(format!("{}{ext}", p.display())) {
                all.extend(b);
            }
        }
        all.windows(t.len()).any(|w| w == t.as_bytes())
    };
    assert!(!contains(&store), "the store holds the raw secret");
    let store2 = dir.path().join("secrets.db");
    let out = audit(&store2, &[&data], &["--store-secrets"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("WARNING: --store-secrets"));
    let conn = rusqlite::Connection::open(&store2).unwrap();
    let s: String = conn
        .query_row("SELECT secret FROM findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(s, t);
}

#[test]
fn still_live_comes_from_verification_history() {
    let server = Server::start(|_| json(200, r#"{"ok":true,"user":"fake-user"}"#));
    let dir = tempfile::tempdir().unwrap();
    let (data, store) = (dir.path().join("data"), dir.path().join("audit.db"));
    fs::create_dir(&data).unwrap();
    fs::write(dir.path().join("acme.toml"), common::ACME_RULE).unwrap();
    fs::write(
        data.join("tokenhound.toml"),
        format!("[verify.endpoints]\nacme = \"{}\"\n", server.base()),
    )
    .unwrap();
    fs::write(data.join("t.env"), "K=acme_Live00FakeToken0Aa1Bb2Cc\n").unwrap();
    for _ in 0..2 {
        let out = tokenhound()
            .arg("--rules")
            .arg(dir.path().join("acme.toml"))
            .args([
                "audit",
                "--format",
                "json",
                "--verify",
                "--verify-allow-private",
                "--verify-host",
                "127.0.0.1",
                "--store",
            ])
            .arg(&store)
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let r = report(&store);
    let live = r["still_live"].as_array().unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["verification"]["status"], "live");
    assert_eq!(live[0]["verification"]["run"], 2);
    assert_eq!(live[0]["first_seen_run"], 1);
    let conn = rusqlite::Connection::open(&store).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM verifications", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "one verification per run is kept as history");
}

#[test]
fn opens_a_store_written_by_the_previous_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("old.db");
    {
        let old = SqliteBackend::create_at_version(&store_path, 1).unwrap();
        old.execute_batch(
                "INSERT INTO runs (started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings)
                 VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', '0.0.9', '[\"repo\"]', 10, 100, 0, 1);
                 INSERT INTO findings VALUES (1, '00aa', 'github-pat-classic', 'GitHub PAT', 'github', 'personal-access-token', 'long', 'Delete it.', 'ghp_***', NULL, 1, 1);
                 INSERT INTO locations (finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run) VALUES (1, 'file', 'a.txt', 1, 1, '{}', 1, 1);
                 INSERT INTO run_findings VALUES (1, 1);",
            )
            .unwrap();
    }
    // A report reads the old store as it is (upgraded in memory, not on disk).
    let r = report(&store_path);
    assert_eq!(r["new"][0]["fingerprint"], "00aa");
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&store_path), 1, "report upgraded the store on disk");
    let mut upgraded = Store::open(&Location::Sqlite(store_path.clone())).unwrap();
    assert_eq!(
        upgraded.version().unwrap(),
        tokenhound::store::SCHEMA_VERSION
    );
    drop(upgraded);
    let r = report(&store_path);
    assert_eq!(r["run"]["id"], 1);
    assert_eq!(r["run"]["complete"], true);
    assert_eq!(r["new"][0]["fingerprint"], "00aa");
    assert!(r["new"][0]["age_days"].as_i64().unwrap() > 300);
}

#[test]
fn a_killed_audit_leaves_the_store_consistent_and_readers_are_not_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let (data, store) = (dir.path().join("data"), dir.path().join("audit.db"));
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.txt"), format!("{}\n", fake_ghp("k1"))).unwrap();
    audit(&store, &[&data], &[]);
    // A big input so the next audit is still running when it is killed.
    for n in 0..4 {
        let mut big = String::new();
        for i in 0..5_000 {
            big.push_str(&format!("T{i} = {}\n", fake_ghp(&format!("{n}{i:05}"))));
        }
        fs::write(data.join(format!("big{n}.txt")), &big).unwrap();
    }
    // A reader holding a snapshot does not block the writer (WAL).
    let reader = rusqlite::Connection::open(&store).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let before: i64 = reader
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, 1);
    let mut child = tokenhound()
        .args(["audit", "--quiet", "--format", "json", "--store"])
        .arg(&store)
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    reader.execute_batch("COMMIT").unwrap();
    let ok: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let runs: i64 = reader
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    let recorded: i64 = reader
        .query_row("SELECT COALESCE(SUM(findings), 0) FROM runs", [], |r| {
            r.get(0)
        })
        .unwrap();
    let seen: i64 = reader
        .query_row("SELECT COUNT(*) FROM run_findings", [], |r| r.get(0))
        .unwrap();
    assert!(runs == 1 || runs == 2, "{runs}");
    assert_eq!(recorded, seen, "every recorded run is whole");
    // A complete audit afterwards works.
    for n in 0..4 {
        fs::remove_file(data.join(format!("big{n}.txt"))).unwrap();
    }
    let out = audit(&store, &[&data], &[]);
    assert_eq!(out.status.code(), Some(1));
}

/// Headless Chromium, if installed (`.ci/run` installs Debian's).
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs headless Chromium on `url` with `args` (`--dump-dom`, `--screenshot=…`);
/// its standard output.
fn render(chromium: &str, url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn html_report(store: &Path, out: &Path) -> String {
    let o = tokenhound()
        .args(["report", "--format", "html", "--store"])
        .arg(store)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    fs::read_to_string(out).unwrap()
}

fn assert_self_contained(text: &str) {
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(
        !text.contains("<link") && !text.contains(" src=") && !text.contains("url("),
        "no external assets"
    );
    assert!(!text.contains("null"), "no JSON null leaks into the page");
}

/// A first run has nothing to compare with: the page says so, and shows no
/// chart (one point is not a trend) and no "previous run null".
#[test]
fn a_first_runs_html_report_says_there_is_no_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let (data, store) = (dir.path().join("data"), dir.path().join("audit.db"));
    fs::create_dir(&data).unwrap();
    fs::write(
        data.join("x.txt"),
        format!("{}\n<b>{}</b>\n", fake_ghp("h1"), fake_ghp("h2")),
    )
    .unwrap();
    audit(&store, &[&data], &[]);
    let text = html_report(&store, &dir.path().join("first.html"));
    assert_self_contained(&text);
    assert!(text.contains("First run: there is no previous run to compare with yet"));
    assert!(
        !text.contains("previous run null") && !text.contains("Compared with"),
        "{text}"
    );
    assert!(!text.contains("<svg"), "no chart of one run");
    assert!(text.contains("the trend starts with the second run"));
    assert!(
        !text.contains("id=\"gone\""),
        "nothing can be gone on a first run"
    );
    assert!(
        text.contains("&lt;b&gt;") || !text.contains("<b>ghp_"),
        "scanned text is escaped"
    );
}

/// The page a security lead opens on Monday, rendered by headless Chromium
/// and saved as a screenshot (target/tmp/audit-report.png): live tokens of
/// former staff first, then live tokens by risk, what is new and gone, sprawl,
/// a chart with labelled axes and a point per run, and filters by source and
/// provider that work in the browser.
#[test]
fn html_report_renders_in_chromium_and_shows_what_to_act_on_first() {
    let e = estate();
    let bob = fake_ghp("bobsapp");
    let (jane, gone, fresh) = (e.token.clone(), fake_ghp("retired"), fake_ghp("fresh"));
    let (j2, b2) = (jane.clone(), bob.clone());
    let github = Server::start(move |req| {
        let t = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("token "))
            .unwrap_or_default();
        if t == j2 {
            json(200, r#"{"login":"Jane-Fake","id":1001,"name":"Jane Doe"}"#)
        } else if t == b2 {
            json(200, r#"{"login":"bob-fake","id":1002,"name":"Bob Roe"}"#)
        } else {
            json(401, r#"{"message":"Bad credentials"}"#)
        }
    });
    let dir = e.dir.path();
    let cfg = dir.join("issuers.toml");
    fs::write(
        &cfg,
        format!("[verify.endpoints]\ngithub = \"{}\"\n", github.base()),
    )
    .unwrap();
    let roster = dir.join("people.csv");
    fs::write(
        &roster,
        "email,login,name,status,left_at,github,slack\n\
         jane@example.test,jane,Jane Doe,former,2025-06-30,Jane-Fake,U0FAKEJANE\n\
         bob@example.test,bob,Bob Roe,active,,bob-fake,\n",
    )
    .unwrap();
    let apps = dir.join("apps");
    fs::create_dir(&apps).unwrap();
    let store = dir.join("audit.db");
    let run = |files: &[(&str, &str)]| {
        for entry in fs::read_dir(&apps).unwrap() {
            fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, token) in files {
            fs::write(
                apps.join(name),
                format!("API_TOKEN={token}  # fake token for a test\n"),
            )
            .unwrap();
        }
        let out = tokenhound()
            .args([
                "audit",
                "--format",
                "json",
                "--verify",
                "--verify-allow-private",
                "--config",
            ])
            .arg(&cfg)
            .arg("--roster")
            .arg(&roster)
            .arg("--store")
            .arg(&store)
            .args([&e.repo, &e.slack, &e.logs, &apps])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[("billing.env", &bob), ("legacy.env", &gone)]);
    run(&[("billing.env", &bob), ("legacy.env", &gone)]);
    run(&[("billing.env", &bob), ("search.env", &fresh)]);

    let html = dir.join("report.html");
    let text = html_report(&store, &html);
    assert_self_contained(&text);
    for t in [&jane, &bob, &gone, &fresh] {
        assert!(!text.contains(t.as_str()), "the page holds a raw token");
    }
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    assert!(at("id=\"former-live\"") < at("id=\"still-live\""));
    assert!(at("id=\"still-live\"") < at("id=\"new\""));
    assert!(text.contains("Compared with run 2"));
    let Some(chromium) = chromium() else {
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); the HTML was checked statically only");
        return;
    };
    let url = format!("file://{}", html.display());
    let dom = render(chromium, &url, &["--dump-dom"]);
    assert!(
        dom.contains("<svg id=\"findings-chart\""),
        "chromium rendered: {dom}"
    );
    assert_eq!(
        dom.matches("<circle class=\"point\"").count(),
        9,
        "a point per run for findings, new and live"
    );
    assert!(dom.contains("audit run (number and start date)") && dom.contains(">tokens</text>"));
    // The former-staff table: Jane's token, first.
    let former =
        &dom[dom.find("id=\"former-live\"").unwrap()..dom.find("id=\"still-live\"").unwrap()];
    assert_eq!(former.matches("<tr data-sources").count(), 1, "{former}");
    assert!(former.contains("Jane-Fake") && former.contains("FORMER (left 2025-06-30)"));
    // Still live: Jane's (former owner, three places) before Bob's.
    let live = &dom[dom.find("id=\"still-live\"").unwrap()..dom.find("id=\"new\"").unwrap()];
    let (j, b) = (
        live.find("Jane-Fake").unwrap(),
        live.find("bob-fake").unwrap(),
    );
    assert!(j < b, "risk order");
    assert!(live.contains(&format!(
        "git {} deploy.env:3 @ {}",
        e.repo.display(),
        &e.commit[..12]
    )));
    let gone_section = &dom[dom.find("id=\"gone\"").unwrap()..dom.find("id=\"sprawl\"").unwrap()];
    assert!(gone_section.contains("legacy.env"), "{gone_section}");
    // Filters: #source=slack hides rows not seen in Slack, and says so.
    let filtered = render(chromium, &format!("{url}#source=slack"), &["--dump-dom"]);
    let live = &filtered
        [filtered.find("id=\"still-live\"").unwrap()..filtered.find("id=\"new\"").unwrap()];
    assert_eq!(live.matches("<tr data-sources").count(), 2, "{live}");
    assert_eq!(
        live.matches(" hidden=\"\"").count(),
        1,
        "Bob's row is hidden: {live}"
    );
    assert!(live.contains("1 of 2"), "the count says it is filtered");
    let by_provider = render(chromium, &format!("{url}#provider=github"), &["--dump-dom"]);
    assert!(
        !by_provider[by_provider.find("id=\"still-live\"").unwrap()..].contains(" hidden=\"\"")
    );
    // The screenshot: look at it.
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("audit-report.png");
    let _ = fs::remove_file(&png);
    render(
        chromium,
        &url,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,2600",
        ],
    );
    let bytes = fs::read(&png).expect("chromium wrote no screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn audits_repositories_history_and_logs_into_one_sprawl() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| common::git(&repo, args);
    git(&["init", "-q"]);
    let t = fake_ghp("sprawl");
    fs::write(repo.join("settings.py"), format!("TOKEN = '{t}'  # fake\n")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "add settings"]);
    fs::write(repo.join("settings.py"), "TOKEN = os.environ['TOKEN']\n").unwrap();
    git(&["commit", "-qam", "read the token from the environment"]);
    let logs = dir.path().join("ci");
    fs::create_dir(&logs).unwrap();
    fs::write(
        logs.join("deploy.log"),
        format!("2026-11-20T12:05:01.0000000Z curl -H 'Authorization: token {t}'\n"),
    )
    .unwrap();
    let store = dir.path().join("audit.db");
    let out = audit(&store, &[&repo, &logs], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = report(&store);
    let entry = r["sprawl"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == "github-pat-classic")
        .unwrap()
        .clone();
    let sources: Vec<&str> = entry["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(sources.contains(&"git"), "{entry}");
    let paths: Vec<&str> = entry["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("deploy.log")),
        "the CI log is a location too: {entry}"
    );
    let git_loc = entry["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source"] == "git")
        .unwrap();
    assert_eq!(git_loc["git"]["in_head"], false);
    assert_eq!(git_loc["git"]["summary"], "add settings");
    let finding = r["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github-pat-classic")
        .unwrap();
    assert_eq!(finding["cwe"], serde_json::json!(["CWE-798", "CWE-522"]));
}

// ---- Issue 16, items 6 and 10: the store and secret-bearing outputs ----

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Item 6: the store, a `--store-secrets` store, `report -o` and a scan report
/// written with `-o --show-secrets` are created 0600 (whatever the umask).
#[cfg(unix)]
#[test]
fn item6_store_files_and_secret_reports_are_created_0600() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("mode"))).unwrap();
    let (store, secrets) = (dir.path().join("audit.db"), dir.path().join("secrets.db"));
    assert_eq!(audit(&store, &[&data], &[]).status.code(), Some(1));
    assert_eq!(
        audit(&secrets, &[&data], &["--store-secrets"])
            .status
            .code(),
        Some(1)
    );
    for p in [&store, &secrets] {
        assert_eq!(mode(p), 0o600, "{}", p.display());
        for ext in ["-wal", "-shm"] {
            let side = std::path::PathBuf::from(format!("{}{ext}", p.display()));
            if side.exists() {
                assert_eq!(mode(&side), 0o600, "{}", side.display());
            }
        }
    }
    let html = dir.path().join("report.html");
    let out = tokenhound()
        .args(["report", "--format", "html", "--store"])
        .arg(&store)
        .arg("-o")
        .arg(&html)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&html), 0o600, "report -o");
    // A scan report with raw secrets; an existing 0644 file is tightened too.
    let shown = dir.path().join("shown.json");
    fs::write(&shown, "old").unwrap();
    fs::set_permissions(&shown, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let fresh = dir.path().join("fresh.json");
    for out_file in [&shown, &fresh] {
        let out = tokenhound()
            .args(["scan", "--format", "json", "--show-secrets", "-o"])
            .arg(out_file)
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(mode(out_file), 0o600, "{}", out_file.display());
    }
}

/// Item 10: `report` opens the store read-only: an old-version store is read
/// without being upgraded, and no byte of the file changes.
#[test]
fn item10_report_never_writes_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    SqliteBackend::create_at_version(&path, 1)
        .unwrap()
        .execute_batch(
            "INSERT INTO runs (started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings)
             VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', '0.0.9', '[\"repo\"]', 10, 100, 0, 1);
             INSERT INTO findings VALUES (1, '00aa', 'github-pat-classic', 'GitHub PAT', 'github', 'personal-access-token', 'long', 'Delete it.', 'ghp_***', NULL, 1, 1);
             INSERT INTO locations (finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run) VALUES (1, 'file', 'a.txt', 1, 1, '{}', 1, 1);
             INSERT INTO run_findings VALUES (1, 1);",
        )
        .unwrap();
    let before = fs::read(&path).unwrap();
    for format in ["json", "human", "html"] {
        let out = tokenhound()
            .args(["report", "--format", format, "--store"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        fs::read(&path).unwrap() == before,
        "report wrote to the store"
    );
    assert!(
        !dir.path().join("old.db-wal").exists(),
        "report switched the store to WAL"
    );
    // A current store: the same.
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("ro"))).unwrap();
    let store = dir.path().join("audit.db");
    audit(&store, &[&data], &[]);
    let before = fs::read(&store).unwrap();
    report(&store);
    assert!(fs::read(&store).unwrap() == before);
    // A report on a missing store creates nothing.
    let missing = dir.path().join("missing.db");
    let out = tokenhound()
        .args(["report", "--store"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}

/// Item 10: an SQLite file that is not a tokenhound store is refused by
/// `audit` and `report` before anything is written to it.
#[test]
fn item10_a_database_that_is_not_a_store_is_refused_before_any_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("other"))).unwrap();
    let other = dir.path().join("crm.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Fake Customer');")
        .unwrap();
    // Another program's database with its own application id.
    let marked = dir.path().join("marked.db");
    rusqlite::Connection::open(&marked)
        .unwrap()
        .execute_batch("PRAGMA application_id = 1234; CREATE TABLE t (x);")
        .unwrap();
    for db in [&other, &marked] {
        let before = fs::read(db).unwrap();
        let out = audit(db, &[&data], &[]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "audit accepted {}",
            db.display()
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not a tokenhound audit store"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = tokenhound()
            .args(["report", "--store"])
            .arg(db)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            fs::read(db).unwrap() == before,
            "{} was modified",
            db.display()
        );
        let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
        assert!(!wal.exists(), "{} was switched to WAL", db.display());
    }
}

/// Item 10: a store written by a newer tokenhound is refused before it is
/// modified (not even switched to WAL).
#[test]
fn item10_a_store_from_a_newer_version_is_refused_before_it_is_modified() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("newer"))).unwrap();
    let store = dir.path().join("audit.db");
    audit(&store, &[&data], &[]);
    {
        let c = rusqlite::Connection::open(&store).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = fs::read(&store).unwrap();
    let out = audit(&store, &[&data], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer than this tokenhound"), "{err}");
    let out = tokenhound()
        .args(["audit", "prune", "--keep", "1", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer than this tokenhound"), "{err}");
    let out = tokenhound()
        .args(["report", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        fs::read(&store).unwrap() == before,
        "the store was modified"
    );
}

/// Item 10: several first-time audits of one new store at once all succeed
/// (one used to fail with "table runs already exists").
#[test]
fn item10_first_time_audits_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("race"))).unwrap();
    for round in 0..3 {
        let store = dir.path().join(format!("new{round}.db"));
        let children: Vec<_> = (0..6)
            .map(|_| {
                tokenhound()
                    .args(["audit", "--quiet", "--format", "json", "-j", "1", "--store"])
                    .arg(&store)
                    .arg(&data)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let n: i64 = rusqlite::Connection::open(&store)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 6);
    }
}

// ---- Issue 18, audit reports: where, who, how long; places; the HTML page ----

/// `git ARGS` in `repo` as `who` at `date` (author and committer).
fn git_as(repo: &Path, who: (&str, &str), date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(repo)
        .env("GIT_AUTHOR_NAME", who.0)
        .env("GIT_AUTHOR_EMAIL", who.1)
        .env("GIT_COMMITTER_NAME", who.0)
        .env("GIT_COMMITTER_EMAIL", who.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository whose `deploy.env` got a token in a commit of 2025-01-15 by
/// Jane, a Slack export where Jane pasted it in #deploys, and a CI log with it.
struct Estate {
    dir: tempfile::TempDir,
    repo: std::path::PathBuf,
    slack: std::path::PathBuf,
    logs: std::path::PathBuf,
    token: String,
    commit: String,
}

const JANE: (&str, &str) = ("Jane Doe", "jane@example.test");

fn estate() -> Estate {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("payments");
    fs::create_dir(&repo).unwrap();
    let token = fake_ghp("estate");
    git_as(
        &repo,
        JANE,
        "2025-01-15T09:30:00+01:00",
        &["init", "-q", "-b", "main"],
    );
    fs::write(
        repo.join("deploy.env"),
        format!(
            "# deploy settings (fake token for a test)\nREGION=eu-west-1\nGITHUB_TOKEN={token}\n"
        ),
    )
    .unwrap();
    git_as(&repo, JANE, "2025-01-15T09:30:00+01:00", &["add", "."]);
    git_as(
        &repo,
        JANE,
        "2025-01-15T09:30:00+01:00",
        &["commit", "-qm", "deploy settings"],
    );
    let commit = git_as(
        &repo,
        JANE,
        "2025-01-15T09:30:00+01:00",
        &["rev-parse", "HEAD"],
    );
    let slack = dir.path().join("slack-export");
    fs::create_dir_all(slack.join("deploys")).unwrap();
    fs::write(
        slack.join("channels.json"),
        r#"[{"id": "C0FAKEDEP", "name": "deploys", "created": 1700000000, "members": ["U0FAKEJANE"]}]"#,
    )
    .unwrap();
    // 2025-02-01 12:00 UTC.
    fs::write(
        slack.join("deploys/2025-02-01.json"),
        format!(
            r#"[{{"type": "message", "user": "U0FAKEJANE", "ts": "1738411200.000100",
  "text": "token for the deploy (fake): {token}", "user_profile": {{"real_name": "Jane Doe", "name": "jane"}}}}]"#
        ),
    )
    .unwrap();
    let logs = dir.path().join("ci");
    fs::create_dir(&logs).unwrap();
    fs::write(
        logs.join("deploy.log"),
        format!("curl -H 'Authorization: token {token}'\n"),
    )
    .unwrap();
    Estate {
        dir,
        repo,
        slack,
        logs,
        token,
        commit,
    }
}

fn audit_estate(e: &Estate, store: &Path) {
    let out = audit(store, &[&e.repo, &e.slack, &e.logs], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sprawl counts places: the token's line moves in the repository's file
/// between two runs (old line 3, new line 2), and the file is both in HEAD
/// and in history; the log's line moves too. That is three places: the
/// repository's file, the Slack message, the log.
#[test]
fn sprawl_counts_places_not_lines() {
    let e = estate();
    let store = e.dir.path().join("audit.db");
    audit_estate(&e, &store);
    fs::write(
        e.repo.join("deploy.env"),
        format!(
            "# deploy settings (fake token for a test)\nGITHUB_TOKEN={}\nREGION=eu-west-1\n",
            e.token
        ),
    )
    .unwrap();
    git_as(
        &e.repo,
        JANE,
        "2025-03-01T10:00:00+00:00",
        &["commit", "-qam", "reorder"],
    );
    fs::write(
        e.logs.join("deploy.log"),
        format!("starting\ncurl -H 'Authorization: token {}'\n", e.token),
    )
    .unwrap();
    audit_estate(&e, &store);
    let r = report(&store);
    let sprawl = r["sprawl"].as_array().unwrap();
    let entry = sprawl
        .iter()
        .find(|s| s["rule_id"] == "github-pat-classic")
        .unwrap();
    assert!(
        entry["locations"].as_array().unwrap().len() > 3,
        "the store holds more location rows than places: {entry:#}"
    );
    assert_eq!(entry["place_count"], 3, "{entry:#}");
    let places = entry["places"].as_array().unwrap();
    let kinds: Vec<&str> = places.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "repository").count(),
        1,
        "{kinds:?}"
    );
    let repo_place = places.iter().find(|p| p["kind"] == "repository").unwrap();
    assert_eq!(repo_place["container"], e.repo.display().to_string());
    assert_eq!(repo_place["record"], "deploy.env");
    assert_eq!(repo_place["lines"], serde_json::json!([2, 3]));
    assert_eq!(
        repo_place["commit"],
        e.commit.as_str(),
        "the first commit that put it there"
    );
    let shown = repo_place["where"].as_str().unwrap();
    assert!(
        shown.starts_with(&format!("git {} deploy.env:", e.repo.display()))
            && shown.contains(&format!("@ {}", &e.commit[..12]))
            && shown.contains("2025-01-15, Jane Doe <jane@example.test>"),
        "a git place names its repository and commit: {shown}"
    );
    let slack_place = places.iter().find(|p| p["kind"] == "slack").unwrap();
    assert_eq!(
        slack_place["where"],
        "slack #deploys · 2025-02-01 12:00 UTC · U0FAKEJANE (Jane Doe)"
    );
    assert_eq!(slack_place["container"], e.slack.display().to_string());
    let log_place = places.iter().find(|p| p["kind"] == "file").unwrap();
    assert_eq!(log_place["lines"], serde_json::json!([1, 2]));
    assert_eq!(log_place["line"], 2, "the latest line");
    // The human report prints places the same way.
    let text = human_report(&store);
    assert!(
        text.contains("SPRAWL (tokens seen in more than one place): 1"),
        "{text}"
    );
    assert!(
        text.contains(": 3 places; revoke once, closes all of:"),
        "{text}"
    );
    assert!(text.contains(shown), "{text}");
    assert!(text.contains("slack #deploys · 2025-02-01 12:00 UTC · U0FAKEJANE (Jane Doe)"));
    assert!(!text.contains("git deploy.env:"), "{text}");
}

/// NEW and STILL LIVE say where each finding is, who leaked it and how long it
/// has been exposed (from the commit date for git findings).
#[test]
fn findings_say_where_who_and_how_long() {
    let e = estate();
    let store = e.dir.path().join("audit.db");
    audit_estate(&e, &store);
    let r = report(&store);
    let f = r["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github-pat-classic")
        .unwrap()
        .clone();
    assert_eq!(f["place_count"], 3);
    let leakers: Vec<(&str, &str)> = f["leaked_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["source"].as_str().unwrap(), l["role"].as_str().unwrap()))
        .collect();
    assert!(leakers.contains(&("git", "commit author")), "{f:#}");
    assert!(leakers.contains(&("slack", "message author")), "{f:#}");
    assert_eq!(f["leaked_by"][0]["name"], "Jane Doe");
    assert_eq!(
        f["leaked_at"], "2025-01-15T08:30:00Z",
        "the commit date, in UTC"
    );
    assert_eq!(f["exposed_since"], "2025-01-15T08:30:00Z");
    let days = (chrono::Utc::now()
        - chrono::DateTime::parse_from_rfc3339("2025-01-15T08:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc))
    .num_days();
    assert_eq!(f["exposed_days"], days);
    assert_eq!(f["age_days"], 0, "first seen by the audit today");
    assert!(f["risk"]
        .as_array()
        .unwrap()
        .contains(&Value::from(format!("exposed {days} days"))));
    let text = human_report(&store);
    assert!(
        text.contains("first run: nothing to compare with yet"),
        "{text}"
    );
    assert!(
        text.contains("    where:     file ")
            && text.contains(&format!(
                "               git {} deploy.env:3 @ {} (2025-01-15, Jane Doe <jane@example.test>)",
                e.repo.display(),
                &e.commit[..12]
            )),
        "{text}"
    );
    assert!(
        text.contains("leaked by: Jane Doe <jane@example.test> (git commit author)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "exposed:   {days} days (since 2025-01-15); first seen by run 1"
        )),
        "{text}"
    );
}

/// Reads an old (version 3) store: locations without `leaked_by`, a
/// verification without an owner; an audit upgrades it and keeps its history.
#[test]
fn a_version_3_store_upgrades_and_keeps_its_history() {
    let e = estate();
    let store = e.dir.path().join("v3.db");
    {
        let old = SqliteBackend::create_at_version(&store, 3).unwrap();
        old.execute_batch(&format!(
            "INSERT INTO runs (started_at, finished_at, tool_version, inputs, files_scanned, bytes_scanned, errors, findings)
             VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', '0.3.0', '[\"payments\"]', 10, 100, 0, 1);
             INSERT INTO findings VALUES (1, '{fp}', 'github-pat-classic', 'GitHub personal access token (classic)', 'github', 'personal-access-token', 'long', 'Delete it.', 'ghp_***', NULL, 1, 1);
             INSERT INTO locations (finding_id, source, path, line, col, anchor, first_seen_run, last_seen_run)
               VALUES (1, 'git', 'deploy.env', 3, 14, '{{\"git\":{{\"commit\":\"{c}\",\"author_name\":\"Jane Doe\",\"author_email\":\"jane@example.test\",\"date\":\"2025-01-15T09:30:00+01:00\",\"path\":\"deploy.env\",\"in_head\":true}}}}', 1, 1);
             INSERT INTO run_findings VALUES (1, 1);
             INSERT INTO verifications VALUES (1, 1, 'live', '2026-01-01T00:00:30Z', '{{}}');",
            fp = tokenhound::enrich::fingerprint("github-pat-classic", e.token.as_bytes()),
            c = e.commit
        ))
        .unwrap();
    }
    // Read as it is: the leaker comes from the commit, not a stored column.
    let r = report(&store);
    let f = &r["still_live"][0];
    assert_eq!(f["leaked_by"][0]["name"], "Jane Doe", "{r:#}");
    assert_eq!(f["leaked_at"], "2025-01-15T08:30:00Z");
    assert!(f["places"][0]["where"]
        .as_str()
        .unwrap()
        .starts_with("git deploy.env:3 @ "));
    // An audit upgrades it: one finding across both runs, the new columns there.
    audit_estate(&e, &store);
    let conn = rusqlite::Connection::open(&store).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, tokenhound::store::SCHEMA_VERSION);
    let leaked: Option<String> = conn
        .query_row(
            "SELECT leaked_by FROM locations WHERE last_seen_run = 2 AND source = 'git'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(leaked.unwrap().contains("commit author"));
    let r = report(&store);
    assert_eq!(r["previous_run"]["id"], 1);
    let f = r["sprawl"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["rule_id"] == "github-pat-classic")
        .unwrap();
    assert_eq!(f["place_count"], 3, "{f:#}");
    assert_eq!(
        r["new"].as_array().unwrap().len(),
        0,
        "the token of the old store is the same finding"
    );
}

/// The totals a store recorded: for each run (single-machine runs) or unit
/// (queued runs) keyed by its source, `[files, bytes, errors, findings]`.
fn totals(store: &Path, sql: &str) -> std::collections::BTreeMap<String, Vec<i64>> {
    let mut s = Store::open_read_only(&Location::Sqlite(store.to_path_buf())).unwrap();
    let mut out = std::collections::BTreeMap::new();
    s.read(&mut |tx| {
        for r in tx.rows(sql, &[])? {
            out.insert(r[0].text(), r[1..].iter().map(|v| v.int()).collect());
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn one_worker_reuses_its_set_up_but_keeps_each_units_findings_errors_and_counts_apart() {
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units");
    let (shared, a_only, b_only) = (fake_ghp("shared"), fake_ghp("aonly"), fake_ghp("bonly"));
    let (c_allowed, d_same_path) = (fake_ghp("callowed"), fake_ghp("dsamepath"));
    let unit = |name: &str, files: &[(&str, String)]| {
        let d = units.join(name);
        fs::create_dir_all(&d).unwrap();
        for (f, text) in files {
            fs::write(d.join(f), text).unwrap();
        }
        d
    };
    // Unit a: the shared token, one of its own, and a `.git` that points
    // nowhere: its history cannot be read (one error, in unit a only).
    let a = unit(
        "a",
        &[
            ("app.env", format!("SHARED={shared}\nA={a_only}\n")),
            (".git", "gitdir: /nonexistent/tokenhound-test\n".into()),
        ],
    );
    let b = unit(
        "b",
        &[("deploy.env", format!("SHARED={shared}\nB={b_only}\n"))],
    );
    // Unit c allowlists secret.env in its own tokenhound.toml; unit d has a
    // secret.env too, which that allowlist must not reach.
    let c = unit(
        "c",
        &[
            ("secret.env", format!("C={c_allowed}\n")),
            (
                "tokenhound.toml",
                "[allowlist]\npaths = [\"**/secret.env\"]\n".into(),
            ),
        ],
    );
    let d = unit("d", &[("secret.env", format!("D={d_same_path}\n"))]);
    let inventory = dir.path().join("inventory.txt");
    let all = [&a, &b, &c, &d];
    fs::write(
        &inventory,
        all.iter()
            .map(|p| format!("{}\n", p.display()))
            .collect::<String>(),
    )
    .unwrap();

    let queued = dir.path().join("queued.db");
    let out = tokenhound()
        .args(["audit", "plan", "--run-id", "r1", "--store"])
        .arg(&queued)
        .arg(&inventory)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One worker process takes all four units.
    let out = tokenhound()
        .args([
            "audit",
            "work",
            "--run-id",
            "r1",
            "-j",
            "1",
            "--no-wait",
            "--store",
        ])
        .arg(&queued)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("scan set-up ready").count(), 1, "{err}");
    assert_eq!(err.matches("done:").count(), 4, "{err}");
    // Only unit c, which has settings of its own, is set up again.
    assert_eq!(
        err.matches("set up for this unit alone").count(),
        1,
        "{err}"
    );
    assert!(err.contains("unit 2 has settings of its own"), "{err}");
    for secret in [&shared, &a_only, &b_only, &c_allowed, &d_same_path] {
        assert!(
            !err.contains(secret.as_str()),
            "a raw secret on stderr: {err}"
        );
    }

    // Each unit recorded exactly what an audit of it alone records.
    let per_unit = totals(
        &queued,
        "SELECT source, files_scanned, bytes_scanned, errors, findings FROM units",
    );
    let mut alone_fps: Vec<String> = Vec::new();
    for (i, input) in all.iter().enumerate() {
        let store = dir.path().join(format!("alone{i}.db"));
        let out = audit(&store, &[input], &["--quiet"]);
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let alone = totals(
            &store,
            "SELECT inputs, files_scanned, bytes_scanned, errors, findings FROM runs",
        );
        let alone_row = alone.values().next().unwrap();
        assert_eq!(
            &per_unit[&input.display().to_string()],
            alone_row,
            "unit {} ([files, bytes, errors, findings])",
            input.display()
        );
        alone_fps.extend(fps(&report(&store)["new"]));
    }
    // The error is unit a's alone; c's allowlist kept its token out, and not d's.
    let errors: Vec<i64> = all
        .iter()
        .map(|p| per_unit[&p.display().to_string()][2])
        .collect();
    assert_eq!(errors, [1, 0, 0, 0]);
    let found: Vec<i64> = all
        .iter()
        .map(|p| per_unit[&p.display().to_string()][3])
        .collect();
    assert_eq!(found, [2, 2, 0, 1]);

    // Across the run: the shared token is one finding seen in both units.
    let r = report(&queued);
    alone_fps.sort();
    alone_fps.dedup();
    assert_eq!(fps(&r["new"]), alone_fps);
    assert_eq!(r["new"].as_array().unwrap().len(), 4);
    let sprawl = r["sprawl"].as_array().unwrap();
    let spread: Vec<&Value> = sprawl
        .iter()
        .filter(|s| s["locations"].as_array().unwrap().len() > 1)
        .collect();
    assert_eq!(spread.len(), 1, "{sprawl:?}");
    let paths: Vec<&str> = spread[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("a/app.env")), "{paths:?}");
    assert!(
        paths.iter().any(|p| p.ends_with("b/deploy.env")),
        "{paths:?}"
    );
    assert_eq!(r["run"]["errors"], 1);
}

/// Runs a store through five runs (single-machine and queued, mixed), with
/// verification history; returns the store and the tokens of each run.
fn five_runs(dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let data = dir.join("data");
    fs::create_dir_all(&data).unwrap();
    let store = dir.join("audit.db");
    let keep = fake_ghp("kept");
    let tokens: Vec<String> = (1..=5).map(|i| fake_ghp(&format!("run{i}"))).collect();
    let inventory = dir.join("inventory.txt");
    fs::write(&inventory, format!("{}\n", data.display())).unwrap();
    for (i, t) in tokens.iter().enumerate() {
        fs::write(data.join("app.env"), format!("KEEP={keep}\nT={t}\n")).unwrap();
        let run = i + 1;
        if run == 2 || run == 4 {
            let key = format!("r{run}");
            let s = |args: &[&str]| {
                let out = tokenhound()
                    .args(args)
                    .arg("--store")
                    .arg(&store)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            s(&[
                "audit",
                "plan",
                "--run-id",
                &key,
                inventory.to_str().unwrap(),
            ]);
            s(&["audit", "work", "--run-id", &key, "--no-wait", "-q"]);
        } else {
            assert_eq!(audit(&store, &[&data], &["--quiet"]).status.code(), Some(1));
        }
    }
    // Verification history (as `--verify` records it): the kept token (line
    // 1) checked in runs 1 and 2, run 1's own token (line 2) in run 1.
    let mut s = Store::open(&Location::Sqlite(store.clone())).unwrap();
    s.write(&mut |tx| {
        for (line, run, status) in [(1i64, 1i64, "dead"), (1, 2, "live"), (2, 1, "live")] {
            let n = tx.exec(
                "INSERT INTO verifications (finding_id, run_id, status, checked_at, detail)
                 SELECT f.id, ?1, ?2, '2026-12-05T00:00:00Z', '{}' FROM findings f
                 JOIN run_findings rf ON rf.finding_id = f.id AND rf.run_id = ?1
                 WHERE EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND l.line = ?3)",
                &[run.into(), status.into(), line.into()],
            )?;
            assert_eq!(n, 1);
        }
        Ok(())
    })
    .unwrap();
    (store, tokens)
}

fn report_of(store: &Path, run_id: Option<&str>) -> Value {
    let mut c = tokenhound();
    c.args(["report", "--format", "json", "--store"]).arg(store);
    if let Some(r) = run_id {
        c.args(["--run-id", r]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn store_count(store: &Path, sql: &str) -> i64 {
    let mut s = Store::open_read_only(&Location::Sqlite(store.to_path_buf())).unwrap();
    let mut n = 0;
    s.read(&mut |tx| {
        n = tx.row(sql, &[])?.unwrap()[0].int();
        Ok(())
    })
    .unwrap();
    n
}

fn prune(store: &Path, keep: &str) -> String {
    let out = tokenhound()
        .args(["audit", "prune", "--keep", keep, "--store"])
        .arg(store)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    err
}

#[test]
fn prune_keeps_the_newest_runs_reports_as_they_were_and_deletes_older_per_run_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (store, tokens) = five_runs(dir.path());
    // Reports of the kept runs (5, the latest; 4, queued as r4) before.
    let (latest, r4) = (report_of(&store, None), report_of(&store, Some("r4")));
    assert_eq!(latest["previous_run"]["id"], 4);
    assert_eq!(r4["previous_run"]["id"], 3);
    assert_eq!(r4["new"].as_array().unwrap().len(), 1);
    // The kept token's latest verification is run 2's (live): both kept
    // runs' reports show it still live.
    for r in [&latest, &r4] {
        let live = r["still_live"].as_array().unwrap();
        assert_eq!(live.len(), 1, "{r}");
        assert_eq!(live[0]["verification"]["status"], "live");
        assert_eq!(live[0]["verification"]["run"], 2);
    }
    let findings = store_count(&store, "SELECT COUNT(*) FROM findings");
    assert_eq!(findings, 6);

    assert!(prune(&store, "9")
        .contains("holds 5 complete runs, not more than --keep 9: nothing pruned"));
    let err = prune(&store, "2");
    assert!(
        err.contains("kept the 2 newest complete runs (5, 4)"),
        "{err}"
    );
    assert!(err.contains("run 3, which run 4 is compared with"), "{err}");
    assert!(err.contains("pruned runs 1, 2\n"), "{err}");
    // Runs 1 and 2 saw 2 findings each; run 2's one unit; the kept token's
    // run-1 check (dead, and run 2's is newer), not run 1's token's check
    // (live: the history counts it); the locations of run 1's and run 2's
    // own tokens.
    assert!(
        err.contains("removed 4 run_findings, 1 units, 1 verifications and 2 locations rows"),
        "{err}"
    );
    for t in &tokens {
        assert!(!err.contains(t.as_str()), "a raw secret on stderr: {err}");
    }

    // The kept runs' reports are exactly what they were (history included).
    assert_eq!(report_of(&store, None), latest);
    assert_eq!(report_of(&store, Some("r4")), r4);
    assert_eq!(
        store_count(&store, "SELECT COUNT(*) FROM findings"),
        findings
    );
    assert_eq!(
        store_count(
            &store,
            "SELECT COUNT(*) FROM run_findings WHERE run_id <= 2"
        ),
        0
    );
    assert_eq!(
        store_count(
            &store,
            "SELECT COUNT(*) FROM run_findings WHERE run_id >= 3"
        ),
        6
    );
    assert_eq!(
        store_count(&store, "SELECT COUNT(*) FROM units WHERE run_id = 2"),
        0
    );
    assert_eq!(
        store_count(&store, "SELECT COUNT(*) FROM units WHERE run_id = 4"),
        1
    );
    // The kept token's live check of run 2 and run 1's token's live check.
    assert_eq!(store_count(&store, "SELECT COUNT(*) FROM verifications"), 2);
    // Run 2 (queued) keeps its totals in its row, for the history.
    let r2 = report_of(&store, Some("r2"));
    assert_eq!(r2["run"]["pruned"], true);
    assert_eq!(r2["run"]["findings"], 2);
    assert_eq!(r2["run"]["files_scanned"], 1);

    // Pruning again removes nothing and changes nothing.
    let err = prune(&store, "2");
    assert!(err.contains("no older run had rows left to prune"), "{err}");
    assert!(
        err.contains("removed 0 run_findings, 0 units, 0 verifications and 0 locations rows"),
        "{err}"
    );
    assert_eq!(report_of(&store, None), latest);
}

/// Recording writes up to 100 rows per statement: a run of 250 findings (more
/// than two statements' worth), one of them in two places, is stored row for
/// row, and a second run updates the same rows.
#[test]
fn many_findings_are_recorded_in_batches_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let text: String = (0..250)
        .map(|i| format!("T{i} = {}\n", fake_ghp(&format!("batch{i:04}"))))
        .collect();
    fs::write(data.join("many.env"), &text).unwrap();
    fs::write(
        data.join("again.env"),
        format!("X = {}\n", fake_ghp("batch0007")),
    )
    .unwrap();
    let store = dir.path().join("audit.db");
    for run in 1..=2 {
        let out = audit(&store, &[&data], &["--quiet"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let q = |sql: &str| store_count(&store, sql);
        assert_eq!(q("SELECT COUNT(*) FROM findings"), 250);
        assert_eq!(q("SELECT COUNT(*) FROM locations"), 251);
        assert_eq!(
            q(&format!(
                "SELECT COUNT(*) FROM run_findings WHERE run_id = {run}"
            )),
            250
        );
        assert_eq!(
            q(&format!(
                "SELECT COUNT(*) FROM locations WHERE last_seen_run = {run} AND first_seen_run = 1"
            )),
            251
        );
        assert_eq!(
            q(&format!(
                "SELECT COUNT(*) FROM findings WHERE last_seen_run = {run} AND first_seen_run = 1"
            )),
            250
        );
    }
    let r = report(&store);
    let spread: Vec<&Value> = r["sprawl"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["locations"].as_array().unwrap().len() == 2)
        .collect();
    assert_eq!(spread.len(), 1);
}
