//! The PostgreSQL audit store and the work queue (`audit plan` / `audit work`),
//! against a real server: the one `.ci/run` starts, or one started here with
//! `.ci/postgres.sh`. Each test makes its own database. Skipped, with a message,
//! only when no PostgreSQL server can be had.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use common::{fake_ghp, pg_database, tokenhound};
use serde_json::Value;

macro_rules! pg_or_skip {
    ($name:expr) => {
        match pg_database($name) {
            Some(url) => url,
            None => {
                eprintln!("SKIPPED: {}: no PostgreSQL server", $name);
                return;
            }
        }
    };
}

fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    err
}

fn plan(store: &str, run: &str, inventory: &Path) -> Output {
    tokenhound()
        .args(["audit", "plan", "--store", store, "--run-id", run])
        .arg(inventory)
        .output()
        .unwrap()
}

fn worker(store: &str, run: &str, extra: &[&str]) -> Child {
    tokenhound()
        .args([
            "audit", "work", "--store", store, "--run-id", run, "-j", "1",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn report(store: &str, extra: &[&str]) -> Value {
    let out = tokenhound()
        .args(["report", "--format", "json", "--store", store])
        .args(extra)
        .output()
        .unwrap();
    ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn count(url: &str, query: &str) -> i64 {
    sql(url).query_one(query, &[]).unwrap().get(0)
}

/// A Slack export archive (zip) with a token in one message.
fn slack_zip(path: &Path, channel: &str, token: &str) {
    let mut w = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    let files = [
        (
            "channels.json".to_string(),
            format!(
                r#"[{{"id": "C0FAKE{channel}", "name": "{channel}", "created": 1700000000, "members": []}}]"#
            ),
        ),
        (
            "users.json".to_string(),
            r#"[{"id": "U0FAKEDEV", "name": "fake-dev"}]"#.to_string(),
        ),
        (
            format!("{channel}/2026-11-20.json"),
            format!(
                r#"[{{"type": "message", "user": "U0FAKEDEV", "ts": "1795176300.000100", "text": "fake token for the test: {token}"}}]"#
            ),
        ),
    ];
    for (name, body) in files {
        w.start_file(name, opts).unwrap();
        std::io::Write::write_all(&mut w, body.as_bytes()).unwrap();
    }
    w.finish().unwrap();
}

/// `repos` git repositories (a token in history only, one in the working tree,
/// and a token shared by every fifth repository and the archives: sprawl) and
/// `archives` Slack export archives.
fn make_inputs(root: &Path, repos: usize, archives: usize) -> Vec<PathBuf> {
    let shared = fake_ghp("sharedsprawl");
    let mut inputs = Vec::new();
    for i in 0..repos {
        let repo = root.join(format!("repo{i:03}"));
        fs::create_dir_all(&repo).unwrap();
        let git = |args: &[&str]| common::git(&repo, args);
        git(&["init", "-q"]);
        fs::write(
            repo.join("settings.py"),
            format!("TOKEN = '{}'  # fake\n", fake_ghp(&format!("hist{i}"))),
        )
        .unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "add settings"]);
        let mut env = format!("DEPLOY_TOKEN={}\n", fake_ghp(&format!("tree{i}")));
        if i % 5 == 0 {
            env.push_str(&format!("SHARED_TOKEN={shared}\n"));
        }
        fs::write(repo.join("deploy.env"), env).unwrap();
        fs::write(repo.join("settings.py"), "TOKEN = os.environ['TOKEN']\n").unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "token from the environment"]);
        // Untracked: in the working tree only, so it can go away.
        fs::write(
            repo.join("notes.txt"),
            format!("scratch token {}\n", fake_ghp(&format!("note{i}"))),
        )
        .unwrap();
        inputs.push(repo);
    }
    for i in 0..archives {
        let zip = root.join(format!("slack{i:02}.zip"));
        let token = if i % 3 == 0 {
            shared.clone()
        } else {
            fake_ghp(&format!("slack{i}"))
        };
        slack_zip(&zip, &format!("ops{i}"), &token);
        inputs.push(zip);
    }
    inputs
}

fn write_inventory(path: &Path, inputs: &[PathBuf]) {
    let mut text = String::from("# generated inventory: source<TAB>labels\n");
    for (i, p) in inputs.iter().enumerate() {
        text.push_str(&format!("{}\tteam=t{}\tkind=test\n", p.display(), i % 3));
    }
    fs::write(path, text).unwrap();
}

/// A report with what differs between two equal runs of different stores taken
/// out: timestamps and the queue's own keys.
fn comparable(mut r: Value) -> Value {
    for run in ["run", "previous_run"] {
        if let Some(o) = r[run].as_object_mut() {
            for k in ["started_at", "finished_at", "units", "run_key"] {
                o.remove(k);
            }
        }
    }
    for h in r["history"].as_array_mut().unwrap() {
        h.as_object_mut().unwrap().remove("started_at");
    }
    for key in ["former_live", "new", "gone", "still_live"] {
        for f in r[key].as_array_mut().unwrap() {
            // A file's exposure starts when a run first saw it.
            for k in ["first_seen_at", "exposed_since"] {
                f.as_object_mut().unwrap().remove(k);
            }
        }
    }
    r
}

fn sqlite_audit(store: &Path, inputs: &[PathBuf]) {
    sqlite_audit_with(store, inputs, &[])
}

fn sqlite_audit_with(store: &Path, inputs: &[PathBuf], extra: &[&str]) {
    let out = tokenhound()
        .arg("audit")
        .args(extra)
        .args(["--quiet", "--format", "json", "-o", "/dev/null", "--store"])
        .arg(store)
        .args(inputs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn four_workers(url: &str, run: &str) {
    let workers: Vec<Child> = (0..4).map(|_| worker(url, run, &[])).collect();
    for w in workers {
        ok(&w.wait_with_output().unwrap());
    }
}

/// 4 workers on one run over 32 repositories and 10 export archives record
/// exactly the findings and report of one SQLite audit of the same inputs, on
/// a first run and on a second one with tokens added and removed.
#[test]
fn four_workers_match_one_sqlite_audit() {
    let url = pg_or_skip!("four");
    let dir = tempfile::tempdir().unwrap();
    let inputs = make_inputs(dir.path(), 32, 10);
    assert!(inputs.len() >= 40);
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, &inputs);
    let sqlite = dir.path().join("single.db");

    for round in 1..=2 {
        if round == 2 {
            // Churn: one token gone, one new, one more place for the shared token.
            fs::remove_file(inputs[3].join("notes.txt")).unwrap();
            fs::write(
                inputs[4].join("notes.txt"),
                format!(
                    "scratch token {}\nnew {}\nshared {}\n",
                    fake_ghp("note4"),
                    fake_ghp("round2new"),
                    fake_ghp("sharedsprawl")
                ),
            )
            .unwrap();
        }
        sqlite_audit(&sqlite, &inputs);
        let run = format!("nightly-{round}");
        let err = ok(&plan(&url, &run, &inventory));
        assert!(err.contains("42 units, 42 added now"), "{err}");
        four_workers(&url, &run);
        let units_by_worker: Vec<(String, i64)> = sql(&url)
            .query(
                "SELECT worker, COUNT(*) FROM units u JOIN runs r ON r.id = u.run_id WHERE r.run_key = $1 GROUP BY worker",
                &[&run],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(
            units_by_worker.iter().map(|w| w.1).sum::<i64>(),
            42,
            "{units_by_worker:?}"
        );
        assert!(
            units_by_worker.len() > 1,
            "one worker did everything: {units_by_worker:?}"
        );
        // No worker died, so no unit was handed out twice.
        assert_eq!(
            count(
                &url,
                &format!("SELECT MAX(attempts) FROM units u JOIN runs r ON r.id = u.run_id WHERE r.run_key = '{run}'")
            ),
            1
        );
        let pg = report(&url, &[]);
        assert_eq!(pg["run"]["units"]["done"], 42);
        assert_eq!(pg["run"]["complete"], true);
        let single = report(sqlite.to_str().unwrap(), &[]);
        assert_eq!(
            comparable(pg.clone()),
            comparable(single.clone()),
            "round {round}"
        );
        // The report of a named run is the same report.
        assert_eq!(report(&url, &["--run-id", &run]), pg);
        let n = |k: &str| pg[k].as_array().unwrap().len();
        if round == 1 {
            assert_eq!(n("new"), 32 * 3 + 1 + 6, "{}", n("new"));
            assert_eq!(n("gone"), 0);
        } else {
            assert_eq!((n("new"), n("gone")), (1, 1), "{pg:#}");
        }
        let shared = pg["sprawl"][0].clone();
        assert!(
            shared["locations"].as_array().unwrap().len() >= 10,
            "{shared:#}"
        );
    }
    // Every finding and location was recorded once, as in SQLite.
    let c = rusqlite::Connection::open(&sqlite).unwrap();
    for table in ["findings", "locations", "run_findings"] {
        let lite: i64 = c
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            count(&url, &format!("SELECT COUNT(*) FROM {table}")),
            lite,
            "{table}"
        );
    }
}

/// A worker killed with SIGKILL mid-unit leaves nothing of the unit in the
/// store (12,000 findings); while its lease runs another worker leaves the unit alone, and once
/// the lease has run out another worker finishes it.
#[test]
fn a_killed_worker_leaves_no_partial_unit_and_another_finishes_it() {
    let url = pg_or_skip!("killed");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    fs::create_dir(&big).unwrap();
    for f in 0..3 {
        let mut text = String::new();
        for i in 0..4_000 {
            text.push_str(&format!("T{i} = {}\n", fake_ghp(&format!("k{f}{i:05}"))));
        }
        fs::write(big.join(format!("tokens{f}.env")), text).unwrap();
    }
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, std::slice::from_ref(&big));
    ok(&plan(&url, "r1", &inventory));

    // Every token is reported (the default caps findings per file at 1,000).
    let all = ["--max-findings-per-file", "10000"];
    let mut a = worker(&url, "r1", &["--lease", "3", all[0], all[1]]);
    let mut lines = BufReader::new(a.stderr.take().unwrap()).lines();
    // The first line says the worker's scan set-up is ready; the next, what it took.
    let taken = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| !l.contains("scan set-up ready"))
        .unwrap();
    assert!(taken.contains("unit 0 taken (attempt 1)"), "{taken}");
    std::thread::sleep(std::time::Duration::from_millis(400));
    // While A lives, its lease holds: a worker that does not wait takes nothing.
    let b = tokenhound()
        .args([
            "audit",
            "work",
            "--no-wait",
            "--store",
            &url,
            "--run-id",
            "r1",
        ])
        .output()
        .unwrap();
    let err = ok(&b);
    assert!(err.contains("recorded 0 units"), "{err}");
    // SIGKILL: no chance to clean up.
    a.kill().unwrap();
    a.wait().unwrap();
    let state: (String, i64) = {
        let row = sql(&url)
            .query_one("SELECT state, attempts FROM units", &[])
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(
        state,
        ("pending".to_string(), 1),
        "killed before the unit was recorded"
    );
    for table in ["findings", "locations", "run_findings"] {
        assert_eq!(
            count(&url, &format!("SELECT COUNT(*) FROM {table}")),
            0,
            "{table}: partial unit"
        );
    }
    let report_now = report(&url, &[]);
    assert_eq!(report_now["run"]["complete"], false);
    assert_eq!(report_now["run"]["units"]["missing"][0]["seq"], 0);

    // C waits for A's lease to run out, then takes the unit again.
    let c = worker(&url, "r1", &["--lease", "3", all[0], all[1]]);
    let err = ok(&c.wait_with_output().unwrap());
    assert!(err.contains("unit 0 taken (attempt 2)"), "{err}");
    assert!(err.contains("recorded 1 units"), "{err}");
    let r = report(&url, &[]);
    assert_eq!(r["run"]["complete"], true);
    // The same findings as one SQLite audit of the unit.
    let lite = dir.path().join("single.db");
    sqlite_audit_with(&lite, std::slice::from_ref(&big), &all);
    let single = report(lite.to_str().unwrap(), &[]);
    assert!(r["new"].as_array().unwrap().len() > 10_000);
    assert_eq!(comparable(r.clone()), comparable(single));
    let (state, attempts): (String, i64) = {
        let row = sql(&url)
            .query_one("SELECT state, attempts FROM units", &[])
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((state.as_str(), attempts), ("done", 2));
}

/// Two planners of one run id at once (as two CronJob pods may be) record the
/// run and each unit once.
#[test]
fn two_planners_of_one_run_do_not_duplicate_units() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<PathBuf> = (0..60)
        .map(|i| dir.path().join(format!("src{i:02}")))
        .collect();
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, &inputs);
    for round in 0..3 {
        let url = pg_or_skip!(&format!("planners{round}"));
        let planners: Vec<Child> = (0..2)
            .map(|_| {
                tokenhound()
                    .args(["audit", "plan", "--store", &url, "--run-id", "weekly"])
                    .arg(&inventory)
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut added = 0;
        for p in planners {
            let err = ok(&p.wait_with_output().unwrap());
            let n: u64 = err
                .split(", ")
                .nth(1)
                .and_then(|s| s.split(' ').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("{err}"));
            added += n;
        }
        assert_eq!(added, 60, "round {round}: units added by both planners");
        assert_eq!(count(&url, "SELECT COUNT(*) FROM units"), 60);
        assert_eq!(count(&url, "SELECT COUNT(DISTINCT source) FROM units"), 60);
        assert_eq!(count(&url, "SELECT COUNT(*) FROM runs"), 1);
        // Planning again later adds nothing.
        let err = ok(&plan(&url, "weekly", &inventory));
        assert!(err.contains("60 units, 0 added now"), "{err}");
    }
}

/// A store at a newer schema version, and a database that is not a tokenhound
/// store, are refused by every command before anything is written.
#[test]
fn a_newer_or_foreign_postgres_database_is_refused_before_any_write() {
    let url = pg_or_skip!("newer");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::write(data.join("x.env"), format!("T={}\n", fake_ghp("pgnewer"))).unwrap();
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, std::slice::from_ref(&data));
    ok(&plan(&url, "r1", &inventory));
    tokenhound::store::postgres::PgBackend::set_version_for_tests(&url, 99).unwrap();
    let snapshot = |url: &str| -> Vec<i64> {
        [
            "SELECT COUNT(*) FROM runs",
            "SELECT COUNT(*) FROM units",
            "SELECT COUNT(*) FROM units WHERE attempts > 0",
            "SELECT COUNT(*) FROM findings",
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'",
        ]
        .iter()
        .map(|q| count(url, q))
        .collect()
    };
    let before = snapshot(&url);
    let store = url.as_str();
    let attempts: Vec<Vec<&str>> = vec![
        vec![
            "audit",
            "plan",
            "--store",
            store,
            "--run-id",
            "r2",
            inventory.to_str().unwrap(),
        ],
        vec!["audit", "work", "--store", store, "--run-id", "r1"],
        vec!["audit", "--store", store, data.to_str().unwrap()],
        vec!["audit", "prune", "--store", store, "--keep", "1"],
        vec!["report", "--store", store],
    ];
    for args in &attempts {
        let out = tokenhound().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("newer than this tokenhound"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(snapshot(&url), before);
    let version: String = sql(&url)
        .query_one(
            "SELECT value FROM tokenhound_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(version, "99");

    // Another application's database with a `runs` table.
    let foreign = pg_or_skip!("foreign");
    sql(&foreign)
        .batch_execute(
            "CREATE TABLE runs (id int, note text); INSERT INTO runs VALUES (1, 'not ours');",
        )
        .unwrap();
    let out = tokenhound()
        .args(["audit", "--store", &foreign])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a tokenhound audit store"));
    assert_eq!(
        count(
            &foreign,
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        1
    );
}

/// Static splits without the queue's balancing: `--shard K/N` and `--shards N`
/// with `JOB_COMPLETION_INDEX`; the report names the units still missing until
/// every shard is done. `TOKENHOUND_STORE` stands in for `--store`.
#[test]
fn shards_split_a_run_and_the_report_names_missing_units() {
    let url = pg_or_skip!("shards");
    let dir = tempfile::tempdir().unwrap();
    let inputs = make_inputs(dir.path(), 4, 2);
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, &inputs);
    let out = tokenhound()
        .env("TOKENHOUND_STORE", &url)
        .args(["audit", "plan", "--run-id", "split"])
        .arg(&inventory)
        .output()
        .unwrap();
    ok(&out);
    let out = tokenhound()
        .env("TOKENHOUND_STORE", &url)
        .args(["audit", "work", "--run-id", "split", "--shard", "0/3"])
        .output()
        .unwrap();
    let err = ok(&out);
    assert!(err.contains("recorded 2 units"), "{err}");
    let r = report(&url, &[]);
    assert_eq!(r["run"]["complete"], false);
    let missing: Vec<i64> = r["run"]["units"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(missing, vec![1, 2, 4, 5]);
    assert_eq!(r["run"]["units"]["missing"][0]["labels"]["team"], "t1");
    let human = tokenhound()
        .args(["report", "--store", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("INCOMPLETE RUN split: 4 of 6 units not done"),
        "{text}"
    );
    assert!(
        text.contains(&format!("unit 1 {}", inputs[1].display())),
        "{text}"
    );
    for k in ["1", "2"] {
        let out = tokenhound()
            .env("TOKENHOUND_STORE", &url)
            .env("JOB_COMPLETION_INDEX", k)
            .args(["audit", "work", "--run-id", "split", "--shards", "3"])
            .output()
            .unwrap();
        assert!(ok(&out).contains("recorded 2 units"));
    }
    let r = report(&url, &[]);
    assert_eq!(r["run"]["complete"], true);
    assert_eq!(r["run"]["units"]["done"], 6);
    assert!(r["run"]["units"]["missing"].as_array().unwrap().is_empty());
}

/// A worker paused past its lease (a stalled node) loses its unit to another
/// worker; when it resumes and finishes the scan it writes nothing: the unit is
/// recorded once, by the worker that holds it.
#[cfg(unix)]
#[test]
fn a_worker_that_lost_its_lease_does_not_record_the_unit_again() {
    let url = pg_or_skip!("paused");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    fs::create_dir(&big).unwrap();
    let mut text = String::new();
    for i in 0..3_000 {
        text.push_str(&format!("T{i} = {}\n", fake_ghp(&format!("p{i:05}"))));
    }
    fs::write(big.join("tokens.env"), text).unwrap();
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, std::slice::from_ref(&big));
    ok(&plan(&url, "r1", &inventory));

    let mut a = worker(&url, "r1", &["--lease", "2"]);
    let a_err = a.stderr.take().unwrap();
    let mut lines = BufReader::new(a_err).lines();
    // The first line says the worker's scan set-up is ready; the next, what it took.
    let taken = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| !l.contains("scan set-up ready"))
        .unwrap();
    assert!(taken.contains("unit 0 taken (attempt 1)"), "{taken}");
    let pid = a.id() as i32;
    // SAFETY: signals to a child this test started and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    let b = worker(&url, "r1", &["--lease", "2"]);
    let b_err = ok(&b.wait_with_output().unwrap());
    assert!(b_err.contains("unit 0 taken (attempt 2)"), "{b_err}");
    assert!(b_err.contains("recorded 1 units"), "{b_err}");
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    let status = a.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let a_log = rest.join("\n");
    assert!(status.success(), "{a_log}");
    assert!(
        a_log.contains("recorded by another worker meanwhile"),
        "{a_log}"
    );
    assert!(a_log.contains("recorded 0 units"), "{a_log}");
    let row = sql(&url)
        .query_one("SELECT state, attempts, worker FROM units", &[])
        .unwrap();
    let (state, attempts, by): (String, i64, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((state.as_str(), attempts), ("done", 2));
    assert!(
        b_err.contains(&format!("{by}: unit 0 done")),
        "recorded by {by}, not by the worker holding the lease: {b_err}"
    );
    let lite = dir.path().join("single.db");
    sqlite_audit(&lite, std::slice::from_ref(&big));
    assert_eq!(
        comparable(report(&url, &[])),
        comparable(report(lite.to_str().unwrap(), &[]))
    );
}

/// `audit prune` on PostgreSQL: the kept runs' reports are unchanged, older
/// runs' per-run rows are gone, the findings stay.
#[test]
fn prune_keeps_the_newest_runs_reports_as_they_were() {
    let url = pg_or_skip!("prune");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let inventory = dir.path().join("inventory.tsv");
    write_inventory(&inventory, std::slice::from_ref(&data));
    let keep = fake_ghp("pgkept");
    let tokens: Vec<String> = (1..=4).map(|i| fake_ghp(&format!("pgrun{i}"))).collect();
    for (i, t) in tokens.iter().enumerate() {
        fs::write(data.join("app.env"), format!("KEEP={keep}\nT={t}\n")).unwrap();
        let run = format!("r{}", i + 1);
        ok(&plan(&url, &run, &inventory));
        ok(&worker(&url, &run, &["--no-wait"])
            .wait_with_output()
            .unwrap());
    }
    // Verification history: the kept token (line 1) dead in run 1, live in
    // run 2; run 1's own token (line 2) in run 1.
    let mut c = sql(&url);
    for (line, run, status) in [(1i64, 1i64, "dead"), (1, 2, "live"), (2, 1, "live")] {
        let n = c
            .execute(
                "INSERT INTO verifications (finding_id, run_id, status, checked_at, detail)
                 SELECT f.id, $1, $2, '2026-12-05T00:00:00Z', '{}' FROM findings f
                 JOIN run_findings rf ON rf.finding_id = f.id AND rf.run_id = $1
                 WHERE EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND l.line = $3)",
                &[&run, &status, &line],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let (r3, r4) = (
        report(&url, &["--run-id", "r3"]),
        report(&url, &["--run-id", "r4"]),
    );
    assert_eq!(r4["previous_run"]["id"], 3);
    assert_eq!(r3["previous_run"]["id"], 2);
    assert_eq!(r4["still_live"][0]["verification"]["run"], 2);
    let findings = count(&url, "SELECT COUNT(*) FROM findings");
    assert_eq!(findings, 5);

    let out = tokenhound()
        .args(["audit", "prune", "--keep", "2", "--store", &url])
        .output()
        .unwrap();
    let err = ok(&out);
    assert!(
        err.contains("kept the 2 newest complete runs (4, 3)"),
        "{err}"
    );
    assert!(err.contains("run 2, which run 3 is compared with"), "{err}");
    assert!(err.contains("pruned runs 1\n"), "{err}");
    assert!(
        // The kept token's dead check of run 1 goes; run 1's token's live
        // check stays (the history counts live tokens per run).
        err.contains("removed 2 run_findings, 1 units, 1 verifications and 1 locations rows"),
        "{err}"
    );
    assert!(!err.contains("s3cret") && !tokens.iter().any(|t| err.contains(t.as_str())));

    assert_eq!(report(&url, &["--run-id", "r3"]), r3);
    assert_eq!(report(&url, &["--run-id", "r4"]), r4);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM findings"), findings);
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM run_findings WHERE run_id = 1"),
        0
    );
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM units WHERE run_id = 1"),
        0
    );
    assert_eq!(count(&url, "SELECT COUNT(*) FROM units"), 3);
    assert_eq!(count(&url, "SELECT COUNT(*) FROM verifications"), 2);
    let r1 = report(&url, &["--run-id", "r1"]);
    assert_eq!(r1["run"]["pruned"], true);
    assert_eq!(r1["run"]["findings"], 2);
}
