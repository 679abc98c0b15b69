//! Owners, leakers, rosters and revocation (issue 21), end to end through the
//! binary: loopback servers play GitHub, Slack and GitLab (verification and
//! revocation, each flipping a token to revoked when asked); a git repository
//! and a Slack export are built here; the roster is a CSV or a SCIM export
//! written here. Every token is fake, in its provider's real format.

mod common;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{fake_ghp, git, json, tokenhound, Seen, Server};
use serde_json::Value;

/// Jane's GitHub token (Jane left), Bob's GitLab token, Bob's Slack bot token
/// (pasted into Slack by Jane), and an AWS key id nobody can revoke by API.
fn ghp() -> String {
    fake_ghp("owners")
}
const GLPAT: &str = "glpat-Fk3dQLpM1OcRzhouT9eq";
const XOXB: &str = "xoxb-617409319254-4992070741374-Tq8kW3mR7tY2vN9pL4xB6cJ1";
const AKIA: &str = "AKIAXQIGBNTCZYKGFJYV";

/// Tokens a fake issuer has revoked.
type Revoked = Arc<Mutex<HashSet<String>>>;

/// The three issuers, each answering verification and revocation like the
/// real API, and forgetting a token once it is revoked.
struct Issuers {
    github: Server,
    slack: Server,
    gitlab: Server,
    revoked: Revoked,
}

fn bearer(req: &Seen, prefix: &str) -> String {
    req.header("authorization")
        .and_then(|a| a.strip_prefix(prefix))
        .unwrap_or_default()
        .to_string()
}

impl Issuers {
    fn start() -> Issuers {
        let revoked: Revoked = Arc::default();
        let r = revoked.clone();
        let github = Server::start(move |req| {
            let line = &req.request_line;
            if line.starts_with("GET /user ") {
                let t = bearer(req, "token ");
                if t == ghp() && !r.lock().unwrap().contains(&t) {
                    let mut a = json(
                        200,
                        r#"{"login":"Jane-Fake","id":1001,"name":"Jane Doe","email":null}"#,
                    );
                    a.1.push(("X-OAuth-Scopes", "repo, workflow".into()));
                    return a;
                }
                return json(401, r#"{"message":"Bad credentials"}"#);
            }
            if line.starts_with("POST /credentials/revoke ") {
                // Unauthenticated by design: GitHub answers 403 to a caller's token.
                if req.header("authorization").is_some() {
                    return json(403, r#"{"message":"authenticated"}"#);
                }
                let body: Value = serde_json::from_str(&req.body).unwrap_or_default();
                for c in body["credentials"].as_array().into_iter().flatten() {
                    r.lock()
                        .unwrap()
                        .insert(c.as_str().unwrap_or_default().into());
                }
                return json(202, "{}");
            }
            json(404, r#"{"message":"Not Found"}"#)
        });
        let r = revoked.clone();
        let slack = Server::start(move |req| {
            let t = bearer(req, "Bearer ");
            let live = t == XOXB && !r.lock().unwrap().contains(&t);
            match req.request_line.split(' ').nth(1).unwrap_or_default() {
                "/api/auth.test" if live => json(
                    200,
                    r#"{"ok":true,"url":"https://acme-fake.slack.com/","team":"Acme","user":"deploybot","team_id":"T0FAKE","user_id":"U0FAKEBOB"}"#,
                ),
                "/api/auth.revoke" if live => {
                    r.lock().unwrap().insert(t);
                    json(200, r#"{"ok":true,"revoked":true}"#)
                }
                "/api/auth.test" | "/api/auth.revoke" => {
                    json(200, r#"{"ok":false,"error":"token_revoked"}"#)
                }
                _ => json(404, "{}"),
            }
        });
        let r = revoked.clone();
        let gitlab = Server::start(move |req| {
            let t = req.header("private-token").unwrap_or_default().to_string();
            let live = t == GLPAT && !r.lock().unwrap().contains(&t);
            let line = &req.request_line;
            if !line.contains(" /api/v4/personal_access_tokens/self ") || !live {
                return json(401, r#"{"message":"401 Unauthorized"}"#);
            }
            if line.starts_with("DELETE ") {
                r.lock().unwrap().insert(t);
                return (204, vec![], String::new(), std::time::Duration::ZERO);
            }
            json(
                200,
                r#"{"id":4,"name":"ci deploy","revoked":false,"user_id":77,"scopes":["api"],"active":true,"expires_at":"2027-01-01"}"#,
            )
        });
        Issuers {
            github,
            slack,
            gitlab,
            revoked,
        }
    }

    /// A config (given with --config: the user's own) pointing all three at
    /// the loopback servers.
    fn config(&self, dir: &Path) -> PathBuf {
        let p = dir.join("issuers.toml");
        fs::write(
            &p,
            format!(
                "[verify.endpoints]\ngithub = \"{}\"\nslack = \"{}\"\ngitlab = \"{}\"\n",
                self.github.base(),
                self.slack.base(),
                self.gitlab.base()
            ),
        )
        .unwrap();
        p
    }

    fn requests(&self) -> usize {
        self.github.requests().len() + self.slack.requests().len() + self.gitlab.requests().len()
    }
}

/// A repository (Bob commits the GitLab token and the AWS key id, Jane her
/// GitHub token) and a Slack export where Jane pastes Bob's bot token.
fn workspace(dir: &Path) -> PathBuf {
    let work = dir.join("work");
    let repo = work.join("repo");
    fs::create_dir_all(repo.join("app")).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    fs::write(
        repo.join("app/config.env"),
        format!("GITLAB_TOKEN={GLPAT}  # fake token for a test\nAWS_ACCESS_KEY_ID={AKIA}\n"),
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "-c",
            "user.name=Bob Roe",
            "-c",
            "user.email=bob@acme.test",
            "commit",
            "-q",
            "-m",
            "config",
        ],
    );
    fs::write(
        repo.join("z-deploy.env"),
        format!("GITHUB_TOKEN={}  # fake token for a test\n", ghp()),
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "-c",
            "user.name=Jane Doe",
            "-c",
            "user.email=jane@acme.test",
            "commit",
            "-q",
            "-m",
            "deploy script",
        ],
    );
    let slack = work.join("slack-export");
    fs::create_dir_all(slack.join("deploys")).unwrap();
    fs::write(
        slack.join("channels.json"),
        r#"[{"id": "C0FAKEDEP", "name": "deploys", "created": 1700000000, "creator": "U0FAKEBOB", "members": ["U0FAKEBOB", "U0FAKEJANE"]}]"#,
    )
    .unwrap();
    fs::write(
        slack.join("deploys/2026-11-20.json"),
        format!(
            r#"[
  {{"type": "message", "user": "U0FAKEJANE", "ts": "1795176300.000100",
    "text": "deploy bot token for the runbook (fake): {XOXB}",
    "user_profile": {{"real_name": "Jane Doe", "name": "jane"}}}}
]"#
        ),
    )
    .unwrap();
    work
}

/// One test's world: the issuers, a temporary directory with the workspace,
/// the issuers' config, and `roster` written as `name`.
struct World {
    issuers: Issuers,
    dir: tempfile::TempDir,
    work: PathBuf,
    cfg: PathBuf,
    roster: PathBuf,
}

fn world(name: &str, roster: &str) -> World {
    let issuers = Issuers::start();
    let dir = tempfile::tempdir().unwrap();
    let work = workspace(dir.path());
    let cfg = issuers.config(dir.path());
    let roster_path = dir.path().join(name);
    fs::write(&roster_path, roster).unwrap();
    World {
        issuers,
        dir,
        work,
        cfg,
        roster: roster_path,
    }
}

const ROSTER_CSV: &str = "email,login,name,status,left_at,github,slack,gitlab,type\n\
jane@acme.test,jane,Jane Doe,former,2026-01-31,Jane-Fake,U0FAKEJANE,,contractor\n\
bob@acme.test,bob,Bob Roe,active,,bob-fake,U0FAKEBOB,77,employee\n";

/// The same people as a SCIM 2.0 ListResponse, as an identity provider
/// exports it (Jane deactivated; identities in a custom schema extension).
const ROSTER_SCIM: &str = r#"{
  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
  "Resources": [
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
     "id": "00ufakejane", "userName": "jane@acme.test", "active": false, "userType": "Contractor",
     "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
     "emails": [{"value": "jane@acme.test", "type": "work", "primary": true}],
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1042", "department": "Platform"},
     "urn:ietf:params:scim:schemas:extension:acme:2.0:User": {"githubUsername": "Jane-Fake", "slackId": "U0FAKEJANE", "terminationDate": "2026-01-31"},
     "meta": {"resourceType": "User"}},
    {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
     "id": "00ufakebob", "userName": "bob@acme.test", "active": true,
     "name": {"formatted": "Bob Roe"},
     "emails": [{"value": "bob@acme.test", "primary": true}],
     "urn:ietf:params:scim:schemas:extension:acme:2.0:User": {"githubUsername": "bob-fake", "slackId": "U0FAKEBOB", "gitlabId": "77"},
     "meta": {"resourceType": "User"}}
  ]}"#;

/// `tokenhound ARGS`: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = tokenhound().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn parse(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
}

/// `scan` of the workspace with verification against the loopback issuers
/// and the roster.
fn verified_args<'a>(work: &'a Path, cfg: &'a Path, roster: &'a Path) -> Vec<&'a str> {
    vec![
        "scan",
        work.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--verify",
        "--verify-allow-private",
        "--roster",
        roster.to_str().unwrap(),
    ]
}

/// The JSON report of [`verified_args`] plus `extra`, with the exit code.
fn scan_verified(work: &Path, cfg: &Path, roster: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = verified_args(work, cfg, roster);
    args.extend(["--format", "json"]);
    args.extend(extra);
    let (code, out, err) = run(&args);
    (code, parse(&out, &err))
}

fn finding<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding: {doc:#}"))
}

#[test]
fn a_former_employees_live_token_is_listed_first_gated_revoked_and_then_dead() {
    let World {
        issuers,
        dir,
        work,
        cfg,
        roster,
    } = world("people.csv", ROSTER_CSV);

    let report = dir.path().join("report.json");
    let (code, doc) = scan_verified(
        &work,
        &cfg,
        &roster,
        &["--fail-on", "former-live", "--show-secrets"],
    );
    assert_eq!(
        code, 1,
        "--fail-on former-live: Jane's GitHub token is live"
    );
    fs::write(&report, doc.to_string()).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    // Listed first although its path sorts after the others.
    let first = &findings[0];
    assert_eq!(first["rule_id"], "github-pat-classic", "{doc:#}");
    assert_eq!(first["owner_status"], "former");
    assert_eq!(first["verification"]["status"], "live");
    let owner = &first["owner"];
    assert_eq!(owner["provider"], "github");
    assert_eq!(owner["login"], "Jane-Fake");
    assert_eq!(owner["user_id"], "1001");
    assert_eq!(owner["scopes"], serde_json::json!(["repo", "workflow"]));
    assert_eq!(owner["person"]["id"], "jane@acme.test");
    assert_eq!(owner["person"]["status"], "former");
    assert_eq!(owner["person"]["left_at"], "2026-01-31");
    assert_eq!(owner["person"]["matched_by"], "github");

    let gl = finding(&doc, "gitlab-pat");
    assert_eq!(gl["owner"]["user_id"], "77");
    assert_eq!(gl["owner"]["token_name"], "ci deploy");
    assert_eq!(gl["owner"]["person"]["id"], "bob@acme.test");
    assert_eq!(gl["owner_status"], "active");

    // Bob's bot token, pasted by Jane: the owner is active, the leaker left.
    let sl = finding(&doc, "slack-bot-token");
    assert_eq!(sl["source"], "slack");
    assert_eq!(sl["owner"]["user_id"], "U0FAKEBOB");
    assert_eq!(sl["owner"]["team"], "Acme");
    assert_eq!(sl["owner_status"], "active");
    let leaker = &sl["leaked_by"];
    assert_eq!(leaker["source"], "slack");
    assert_eq!(leaker["role"], "message author");
    assert_eq!(leaker["user_id"], "U0FAKEJANE");
    assert_eq!(leaker["name"], "Jane Doe");
    assert_eq!(leaker["login"], "jane");
    assert_eq!(leaker["person"]["status"], "former");
    assert_eq!(leaker["person"]["matched_by"], "slack");

    let aws = finding(&doc, "aws-access-key-id");
    assert_eq!(aws["owner_status"], "unknown");
    assert_eq!(doc["stats"]["roster"]["former_live"], 1);
    assert_eq!(doc["stats"]["roster"]["people"], 2);

    // The control: with Jane still employed nothing is former-live, the
    // gate passes and the report keeps path order.
    let active = dir.path().join("all-active.csv");
    fs::write(&active, ROSTER_CSV.replace("former,2026-01-31", "active,")).unwrap();
    let (code, doc2) = scan_verified(&work, &cfg, &active, &["--fail-on", "former-live"]);
    assert_eq!(code, 0, "{doc2:#}");
    assert_ne!(doc2["findings"][0]["rule_id"], "github-pat-classic");

    // The human report says it first, with a marker.
    let (_, human, _) = run(&verified_args(&work, &cfg, &roster));
    let head: Vec<&str> = human.lines().take(5).collect();
    assert!(
        head[0].contains("1 live token of former staff or contractors"),
        "{human}"
    );
    assert!(
        head.iter().any(|l| l.contains("z-deploy.env")),
        "the former-live finding's file comes first: {human}"
    );
    assert!(
        human.contains(
            "!! FORMER OWNER, STILL LIVE: Jane Doe, FORMER (left 2026-01-31), contractor"
        ),
        "{human}"
    );
    assert!(
        human.contains("owner:    github Jane-Fake (Jane Doe) · scopes repo,workflow"),
        "{human}"
    );
    assert!(
        human.contains(
            "leaked by: Jane Doe (slack U0FAKEJANE) (message author) · roster: Jane Doe, FORMER"
        ),
        "{human}"
    );
    assert!(!human.contains(&ghp()), "the human report redacts");

    // Revocation, dry run: what would be sent where, and nothing is sent.
    let before = issuers.requests();
    let id = first["fingerprint"].as_str().unwrap()[..16].to_string();
    let revoke = |extra: &[&str]| {
        let mut a = vec![
            "revoke",
            "--report",
            report.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--revoke-allow-private",
        ];
        a.extend(extra);
        run(&a)
    };
    let (code, out, err) = revoke(&[&id]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("DRY RUN: nothing was sent"), "{out}");
    assert!(
        out.contains(&format!(
            "request:  POST {}/credentials/revoke",
            issuers.github.base()
        )),
        "{out}"
    );
    assert!(
        out.contains(r#"body: {"credentials":["ghp_***"]}"#),
        "{out}"
    );
    assert!(!out.contains(&ghp()), "a dry run shows the secret redacted");
    assert_eq!(issuers.requests(), before, "a dry run sends nothing");

    // --yes: GitHub's credential revocation endpoint, once, with the token.
    let log = dir.path().join("revocations.jsonl");
    let (code, out, err) = revoke(&[
        &id,
        "--yes",
        "--format",
        "json",
        "--log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let res = parse(&out, &err);
    assert_eq!(res["dry_run"], false);
    let a = &res["attempts"][0];
    assert_eq!(a["status"], "accepted", "{res:#}");
    assert_eq!(a["answer"]["http_status"], 202);
    assert_eq!(a["request"]["body"], r#"{"credentials":["ghp_***"]}"#);
    assert_eq!(a["owner"]["login"], "Jane-Fake");
    assert!(
        !out.contains(&ghp()),
        "the revocation output never holds the token"
    );
    let posts: Vec<Seen> = issuers
        .github
        .requests()
        .into_iter()
        .filter(|r| r.request_line.starts_with("POST /credentials/revoke "))
        .collect();
    assert_eq!(posts.len(), 1, "one revocation request");
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"credentials": [ghp()]}));
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    assert!(
        posts[0].header("authorization").is_none(),
        "no caller token"
    );
    let logged = fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().count(), 1);
    assert!(logged.contains("\"status\":\"accepted\"") && !logged.contains(&ghp()));

    // Slack's auth.revoke and GitLab's self-revocation.
    let ids: Vec<String> = ["slack-bot-token", "gitlab-pat"]
        .iter()
        .map(|r| finding(&doc, r)["fingerprint"].as_str().unwrap()[..16].to_string())
        .collect();
    let (code, out, err) = revoke(&[&ids[0], &ids[1], "--yes", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let res = parse(&out, &err);
    let statuses: Vec<&str> = res["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "revoked"], "{res:#}");
    let slack_revokes: Vec<Seen> = issuers
        .slack
        .requests()
        .into_iter()
        .filter(|r| r.request_line.starts_with("POST /api/auth.revoke "))
        .collect();
    assert_eq!(slack_revokes.len(), 1);
    assert_eq!(
        slack_revokes[0].header("authorization"),
        Some(format!("Bearer {XOXB}").as_str())
    );
    let deletes: Vec<Seen> = issuers
        .gitlab
        .requests()
        .into_iter()
        .filter(|r| {
            r.request_line
                .starts_with("DELETE /api/v4/personal_access_tokens/self ")
        })
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].header("private-token"), Some(GLPAT));
    assert_eq!(issuers.revoked.lock().unwrap().len(), 3);

    // The next verification shows all three dead; the gate passes.
    let (code, doc) = scan_verified(&work, &cfg, &roster, &["--fail-on", "former-live"]);
    assert_eq!(code, 0, "{doc:#}");
    for rule in ["github-pat-classic", "slack-bot-token", "gitlab-pat"] {
        let f = finding(&doc, rule);
        assert_eq!(f["verification"]["status"], "dead", "{f:#}");
        assert!(f.get("owner").is_none(), "a dead token names no owner");
    }

    // Revoking again: the issuers say the tokens are already gone.
    let (code, out, err) = revoke(&[&ids[0], &ids[1], "--yes", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let res = parse(&out, &err);
    assert!(
        res["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "already-invalid"),
        "{res:#}"
    );
}

#[test]
fn a_scim_export_marks_the_same_people() {
    let w = world("users.scim.json", ROSTER_SCIM);
    let (code, doc) = scan_verified(&w.work, &w.cfg, &w.roster, &["--fail-on", "former-live"]);
    assert_eq!(code, 1, "{doc:#}");
    let first = &doc["findings"][0];
    assert_eq!(first["rule_id"], "github-pat-classic");
    assert_eq!(first["owner"]["person"]["id"], "00ufakejane");
    assert_eq!(first["owner"]["person"]["kind"], "Contractor");
    assert_eq!(first["owner"]["person"]["left_at"], "2026-01-31");
    let gl = finding(&doc, "gitlab-pat");
    assert_eq!(gl["owner"]["person"]["id"], "00ufakebob");
    assert_eq!(gl["owner"]["person"]["matched_by"], "gitlab");
    let sl = finding(&doc, "slack-bot-token");
    assert_eq!(sl["leaked_by"]["person"]["id"], "00ufakejane");
}

#[test]
fn git_history_and_staged_changes_name_who_leaked() {
    let dir = tempfile::tempdir().unwrap();
    let work = workspace(dir.path());
    let repo = work.join("repo");
    let roster = dir.path().join("people.csv");
    fs::write(&roster, ROSTER_CSV).unwrap();
    // Without --verify: leakers are matched, owners are unknown.
    let (code, out, err) = run(&[
        "git",
        repo.to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let gh = lines
        .iter()
        .find(|f| f["rule_id"] == "github-pat-classic")
        .unwrap();
    let l = &gh["leaked_by"];
    assert_eq!(l["source"], "git");
    assert_eq!(l["role"], "commit author");
    assert_eq!(l["name"], "Jane Doe");
    assert_eq!(l["email"], "jane@acme.test");
    assert_eq!(
        l["person"]["status"], "former",
        "streamed findings are matched too"
    );
    assert_eq!(
        gh["owner_status"], "unknown",
        "no --verify: nobody knows whose it is"
    );
    let gl = lines.iter().find(|f| f["rule_id"] == "gitlab-pat").unwrap();
    assert_eq!(gl["leaked_by"]["person"]["id"], "bob@acme.test");

    // Staged: the configured git user is who would commit it.
    git(&repo, &["config", "user.name", "Bob Roe"]);
    git(&repo, &["config", "user.email", "bob@acme.test"]);
    fs::write(
        repo.join("new.env"),
        format!("TOKEN={}  # fake token for a test\n", fake_ghp("staged")),
    )
    .unwrap();
    git(&repo, &["add", "new.env"]);
    let out = tokenhound()
        .args([
            "git",
            repo.to_str().unwrap(),
            "--staged",
            "--format",
            "json",
        ])
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let l = &doc["findings"][0]["leaked_by"];
    assert_eq!(l["email"], "bob@acme.test", "{doc:#}");
    assert!(l["role"].as_str().unwrap().contains("configured git user"));
    // git exports the author to hooks for --author and amends: it wins.
    let out = tokenhound()
        .args([
            "git",
            repo.to_str().unwrap(),
            "--staged",
            "--format",
            "json",
        ])
        .env("GIT_AUTHOR_NAME", "Jane Doe")
        .env("GIT_AUTHOR_EMAIL", "jane@acme.test")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["leaked_by"]["email"], "jane@acme.test");
}

#[test]
fn exports_name_their_authors_and_editors() {
    let dir = tempfile::tempdir().unwrap();
    // A Confluence space export: a page version by one user, a comment by another.
    let conf = dir.path().join("confluence");
    fs::create_dir_all(&conf).unwrap();
    fs::write(
        conf.join("entities.xml"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2026-11-20 12:00:00">
<object class="ConfluenceUserImpl" package="com.atlassian.confluence.user">
<id name="key"><![CDATA[8a7f8080fake0001]]></id>
<property name="name"><![CDATA[jane]]></property>
<property name="lowerName"><![CDATA[jane]]></property>
<property name="email"><![CDATA[jane@acme.test]]></property>
</object>
<object class="ConfluenceUserImpl" package="com.atlassian.confluence.user">
<id name="key"><![CDATA[8a7f8080fake0002]]></id>
<property name="name"><![CDATA[bob]]></property>
<property name="email"><![CDATA[bob@acme.test]]></property>
</object>
<object class="Space" package="com.atlassian.confluence.spaces">
<id name="id">1</id>
<property name="key"><![CDATA[OPS]]></property>
</object>
<object class="Page" package="com.atlassian.confluence.pages">
<id name="id">100</id>
<property name="title"><![CDATA[Runbook]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">1</id></property>
<property name="version">3</property>
<property name="creator" class="ConfluenceUserImpl" package="com.atlassian.confluence.user"><id name="key"><![CDATA[8a7f8080fake0002]]></id></property>
<property name="lastModifier" class="ConfluenceUserImpl" package="com.atlassian.confluence.user"><id name="key"><![CDATA[8a7f8080fake0001]]></id></property>
</object>
<object class="BodyContent" package="com.atlassian.confluence.core">
<id name="id">200</id>
<property name="body"><![CDATA[<p>deploy token (fake): {}</p>]]></property>
<property name="content" class="Page" package="com.atlassian.confluence.pages"><id name="id">100</id></property>
</object>
</hibernate-generic>
"#,
            fake_ghp("conf")
        ),
    )
    .unwrap();
    // A Confluence HTML export page with its metadata line.
    let html = dir.path().join("OPS/Runbook_100.html");
    fs::create_dir_all(html.parent().unwrap()).unwrap();
    fs::write(
        &html,
        format!(
            "<html><head><title>OPS : Runbook</title></head><body><div id=\"main-content\" class=\"wiki-content\">\
             <div class=\"page-metadata\">Created by <span class='author'> Bob Roe</span>, last modified by \
             <span class='editor'> Jane Doe</span> on Nov 20, 2026</div>\
             <p>token: {}</p></div><p>Confluence</p></body></html>",
            fake_ghp("html")
        ),
    )
    .unwrap();
    // A Jira issue whose comment author shows an e-mail address.
    let jira = dir.path().join("OPS-9.json");
    fs::write(
        &jira,
        format!(
            r#"{{"key": "OPS-9", "fields": {{"summary": "x", "reporter": {{"accountId": "5b10fake0001", "displayName": "Bob Roe"}},
  "comment": {{"comments": [{{"id": "1", "author": {{"accountId": "5b10fake0002", "displayName": "Jane Doe", "emailAddress": "jane@acme.test"}},
    "body": "use {XOXB} (fake)", "created": "2026-11-20T10:00:00.000+0000"}}]}}}}}}"#
        ),
    )
    .unwrap();
    let roster = dir.path().join("people.csv");
    fs::write(&roster, ROSTER_CSV).unwrap();
    let (code, out, err) = run(&[
        "scan",
        conf.to_str().unwrap(),
        html.to_str().unwrap(),
        jira.to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let doc = parse(&out, &err);
    let by_source = |s: &str| -> Vec<Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["source"] == s)
            .map(|f| f["leaked_by"].clone())
            .collect()
    };
    let conf = by_source("confluence");
    assert_eq!(conf.len(), 2, "{doc:#}");
    let page = conf
        .iter()
        .find(|l| l["user_id"] == "8a7f8080fake0001")
        .unwrap();
    assert_eq!(page["role"], "page editor");
    assert_eq!(page["login"], "jane");
    assert_eq!(page["email"], "jane@acme.test");
    assert_eq!(page["person"]["matched_by"], "email");
    let html = conf.iter().find(|l| l.get("user_id").is_none()).unwrap();
    assert_eq!(html["name"], "Jane Doe");
    assert_eq!(html["role"], "page editor");
    let jira = by_source("jira");
    assert_eq!(jira[0]["role"], "comment author");
    assert_eq!(jira[0]["user_id"], "5b10fake0002");
    assert_eq!(jira[0]["email"], "jane@acme.test");
    assert_eq!(jira[0]["person"]["status"], "former");
}

#[test]
fn revoke_refuses_redacted_and_edited_reports_and_private_targets() {
    let World {
        issuers,
        dir,
        work,
        cfg,
        ..
    } = world("people.csv", ROSTER_CSV);
    let scan = |extra: &[&str]| {
        let mut a = vec!["scan", work.to_str().unwrap(), "--format", "json"];
        a.extend(extra);
        let (_, out, err) = run(&a);
        parse(&out, &err)
    };
    // Written without --show-secrets: a clear refusal, nothing sent.
    let redacted = dir.path().join("redacted.json");
    fs::write(&redacted, scan(&[]).to_string()).unwrap();
    let (code, out, err) = run(&[
        "revoke",
        "--report",
        redacted.to_str().unwrap(),
        "--all",
        "--yes",
        "--config",
        cfg.to_str().unwrap(),
        "--revoke-allow-private",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("--show-secrets"), "{err}");

    // An edited report passes Jane's GitHub token off as a Slack token (with
    // a fingerprint computed to match): the rule does not report it, so it
    // is sent nowhere.
    let forged = serde_json::json!({"findings": [{
        "rule_id": "slack-bot-token", "provider": "slack", "secret": ghp(),
        "secret_length": 40, "path": "x", "line": 1,
        "fingerprint": tokenhound::enrich::fingerprint("slack-bot-token", ghp().as_bytes()),
    }]});
    let forged_path = dir.path().join("forged.json");
    fs::write(&forged_path, forged.to_string()).unwrap();
    let (code, out, _) = run(&[
        "revoke",
        "--report",
        forged_path.to_str().unwrap(),
        "--all",
        "--yes",
        "--format",
        "json",
        "--config",
        cfg.to_str().unwrap(),
        "--revoke-allow-private",
    ]);
    assert_eq!(code, 1);
    let res: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(res["attempts"][0]["status"], "refused");
    assert!(res["attempts"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("does not report this value"));

    // Loopback overrides need --revoke-allow-private, dry run or not.
    let report = dir.path().join("report.json");
    fs::write(&report, scan(&["--show-secrets"]).to_string()).unwrap();
    for extra in [&[][..], &["--yes"][..]] {
        let mut a = vec![
            "revoke",
            "--report",
            report.to_str().unwrap(),
            "--all",
            "--format",
            "json",
            "--config",
            cfg.to_str().unwrap(),
        ];
        a.extend(extra);
        let (code, out, err) = run(&a);
        assert_eq!(code, 1, "{out}{err}");
        let res: Value = serde_json::from_str(&out).unwrap();
        for att in res["attempts"].as_array().unwrap() {
            match att["rule_id"].as_str().unwrap() {
                "aws-access-key-id" => {
                    assert_eq!(att["status"], "manual");
                    assert!(att["manual"].as_str().unwrap().contains("IAM"));
                }
                _ => {
                    assert_eq!(att["status"], "refused", "{att:#}");
                    assert!(att["reason"]
                        .as_str()
                        .unwrap()
                        .contains("--revoke-allow-private"));
                }
            }
        }
    }
    assert_eq!(issuers.requests(), 0, "nothing reached any issuer");
    assert_eq!(
        issuers.github.connections() + issuers.slack.connections() + issuers.gitlab.connections(),
        0
    );
}

#[test]
fn roster_and_gate_usage_errors_come_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.env"),
        format!("T={}\n", fake_ghp("usage")),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["scan", d, "--fail-on", "former-live"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--verify") && err.contains("--roster"),
        "{err}"
    );
    let bad = dir.path().join("bad.csv");
    fs::write(&bad, "email,status\njane@acme.test,on sabbatical\n").unwrap();
    let (code, out, err) = run(&["scan", d, "--roster", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("line 2") && err.contains("on sabbatical"),
        "{err}"
    );
    assert!(out.is_empty(), "no scan ran");
}

#[test]
fn revoke_api_tables_are_validated_like_verify_tables() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("acme.toml");
    let body = |api: &str| format!("{}{api}", common::ACME_RULE);
    fs::write(
        &rule,
        body("[rule.revoke_api]\nendpoint = \"acme\"\nbase = \"https://api.acme.test\"\npath = \"/v1/tokens/self\"\nmethod = \"GET\"\nheaders = { Authorization = \"Bearer {secret}\" }\nrevoked_status = [204]\ndocs = \"https://acme.test/docs/revoke\"\n"),
    )
    .unwrap();
    let (code, _, err) = run(&["--rules", rule.to_str().unwrap(), "rules", "list"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("revoke_api") && err.contains("POST or DELETE"),
        "{err}"
    );
    fs::write(
        &rule,
        body("[rule.revoke_api]\nendpoint = \"acme\"\nbase = \"https://api.acme.test\"\npath = \"/v1/tokens/self\"\nmethod = \"DELETE\"\nheaders = { Authorization = \"Bearer {secret}\" }\nrevoked_status = [204]\ndocs = \"https://acme.test/docs/revoke\"\n"),
    )
    .unwrap();
    let (code, out, err) = run(&["rules", "check", rule.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
}

// ---- Issue 21's store parts: the audit store keeps owners, leakers and
// revocations; `revoke --store`; the report's former-staff section ----

/// Reads rows of the store at `store` (a SQLite path or a postgres:// URL)
/// as text, whichever backend it is.
fn store_rows(store: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    if store.starts_with("postgres") {
        let mut c = postgres::Client::connect(store, postgres::NoTls).unwrap();
        c.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect()
            })
            .collect()
    } else {
        let c = rusqlite::Connection::open(store).unwrap();
        let mut st = c.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| {
            Ok((0..n)
                .map(|i| r.get::<_, Option<String>>(i).unwrap())
                .collect())
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

/// The end to end of issue 21 over the audit store: an audit of a repository
/// and a Slack export with verification against loopback issuers and a
/// roster; Jane (former) owns a live GitHub token. The report lists it first,
/// `audit --fail-on former-live` exits 1, `revoke --yes --store` sends one
/// request to GitHub's revocation endpoint with the token, the attempt is in
/// the store, and the next audit shows the token dead.
fn former_live_through_the_store(store: &str) {
    let w = world("people.csv", ROSTER_CSV);
    let (repo, slack) = (w.work.join("repo"), w.work.join("slack-export"));
    let audit = |store: &str, extra: &[&str]| {
        let mut a = vec![
            "audit",
            "--store",
            store,
            repo.to_str().unwrap(),
            slack.to_str().unwrap(),
            "--config",
            w.cfg.to_str().unwrap(),
            "--verify",
            "--verify-allow-private",
            "--roster",
            w.roster.to_str().unwrap(),
            "--format",
            "json",
        ];
        a.extend(extra);
        run(&a)
    };
    let (code, _, err) = audit(store, &["--fail-on", "former-live", "--store-secrets"]);
    assert_eq!(code, 1, "--fail-on former-live gates audit too: {err}");
    // The owner and owner status are stored with the run's verification, the
    // leaker with the place.
    let rows = store_rows(
        store,
        "SELECT f.rule_id, v.status, v.owner, v.owner_status FROM verifications v JOIN findings f ON f.id = v.finding_id WHERE f.rule_id = 'github-pat-classic'",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1].as_deref(), Some("live"));
    let owner: Value = serde_json::from_str(rows[0][2].as_deref().unwrap()).unwrap();
    assert_eq!(owner["login"], "Jane-Fake");
    assert_eq!(owner["person"]["status"], "former");
    assert_eq!(rows[0][3].as_deref(), Some("former"));
    let leakers = store_rows(
        store,
        "SELECT l.leaked_by FROM locations l JOIN findings f ON f.id = l.finding_id WHERE f.rule_id = 'slack-bot-token'",
    );
    let leaker: Value = serde_json::from_str(leakers[0][0].as_deref().unwrap()).unwrap();
    assert_eq!(leaker["user_id"], "U0FAKEJANE");
    assert_eq!(leaker["person"]["status"], "former");

    let report = |format: &str| {
        let (code, out, err) = run(&["report", "--store", store, "--format", format]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let doc: Value = serde_json::from_str(&report("json")).unwrap();
    let former = doc["former_live"].as_array().unwrap();
    assert_eq!(former.len(), 1, "{doc:#}");
    let jane = &former[0];
    assert_eq!(jane["rule_id"], "github-pat-classic");
    assert_eq!(jane["owner"]["login"], "Jane-Fake");
    assert_eq!(jane["owner_status"], "former");
    assert_eq!(jane["leaked_by"][0]["name"], "Jane Doe");
    assert_eq!(jane["leaked_by"][0]["person"]["status"], "former");
    assert_eq!(
        jane["place_count"], 1,
        "HEAD's file and its history are one place: {jane:#}"
    );
    assert_eq!(jane["risk"][0], "former owner");
    assert_eq!(
        doc["still_live"][0]["fingerprint"], jane["fingerprint"],
        "the former owner's token ranks first among the live ones"
    );
    let slack_place = doc["still_live"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "slack-bot-token")
        .unwrap()["places"][0]["where"]
        .clone();
    assert_eq!(
        slack_place, "slack #deploys · 2026-11-20 12:05 UTC · U0FAKEJANE (Jane Doe)",
        "a Slack place is its channel, time and user"
    );
    let html = report("html");
    let (f_at, l_at) = (
        html.find("id=\"former-live\"").unwrap(),
        html.find("id=\"still-live\"").unwrap(),
    );
    assert!(f_at < l_at, "the former-staff section comes first");
    let human = report("human");
    assert!(
        human.contains("TOKENS OF FORMER STAFF AND CONTRACTORS STILL LIVE: 1"),
        "{human}"
    );
    assert!(!human.contains(&ghp()) && !html.contains(&ghp()));

    // A dry run from the store: what would be sent, nothing sent, nothing written.
    let id = jane["fingerprint"].as_str().unwrap()[..16].to_string();
    let revoke = |extra: &[&str]| {
        let mut a = vec![
            "revoke",
            "--store",
            store,
            "--config",
            w.cfg.to_str().unwrap(),
            "--revoke-allow-private",
        ];
        a.extend(extra);
        run(&a)
    };
    let before = w.issuers.requests();
    let (code, out, err) = revoke(&[&id]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("DRY RUN"), "{out}");
    assert!(
        out.contains(r#"body: {"credentials":["ghp_***"]}"#),
        "{out}"
    );
    assert_eq!(w.issuers.requests(), before, "a dry run sends nothing");
    let count = |sql: &str| store_rows(store, sql).len();
    assert_eq!(
        count("SELECT status FROM revocations"),
        0,
        "a dry run writes nothing"
    );

    // --yes: GitHub's credential revocation endpoint, once, with the token.
    let (code, out, err) = revoke(&[&id, "--yes", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let res = parse(&out, &err);
    assert_eq!(res["attempts"][0]["status"], "accepted", "{res:#}");
    let posts: Vec<Seen> = w
        .issuers
        .github
        .requests()
        .into_iter()
        .filter(|r| r.request_line.starts_with("POST /credentials/revoke "))
        .collect();
    assert_eq!(posts.len(), 1, "one revocation request");
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"credentials": [ghp()]}));
    let attempts = store_rows(
        store,
        "SELECT r.status, f.rule_id, r.attempt FROM revocations r JOIN findings f ON f.id = r.finding_id",
    );
    assert_eq!(
        attempts.len(),
        1,
        "the attempt is in the store: {attempts:?}"
    );
    assert_eq!(attempts[0][0].as_deref(), Some("accepted"));
    assert_eq!(attempts[0][1].as_deref(), Some("github-pat-classic"));
    let kept = attempts[0][2].as_deref().unwrap();
    assert!(
        kept.contains("\"http_status\":202") && !kept.contains(&ghp()),
        "{kept}"
    );

    // The next audit: the token is dead, the gate passes, the report says so.
    let (code, _, err) = audit(store, &["--fail-on", "former-live"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&report("json")).unwrap();
    assert_eq!(doc["former_live"].as_array().unwrap().len(), 0, "{doc:#}");
    assert!(doc["still_live"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule_id"] != "github-pat-classic"));
    let sprawl = doc["sprawl"].as_array().unwrap();
    let gh = sprawl
        .iter()
        .find(|s| s["rule_id"] == "github-pat-classic")
        .unwrap();
    let gh_fp = gh["fingerprint"].as_str().unwrap();
    let rows = store_rows(
        store,
        &format!("SELECT v.status FROM verifications v JOIN findings f ON f.id = v.finding_id WHERE f.fingerprint = '{gh_fp}' ORDER BY v.run_id"),
    );
    let statuses: Vec<&str> = rows.iter().map(|r| r[0].as_deref().unwrap()).collect();
    assert_eq!(
        statuses,
        ["live", "dead"],
        "each run's verification is kept"
    );
    let human = report("human");
    assert!(
        human.contains("TOKENS OF FORMER STAFF AND CONTRACTORS STILL LIVE: 0"),
        "{human}"
    );
    assert!(human.contains("revocation: accepted"), "{human}");
}

#[test]
fn a_former_employees_live_token_through_the_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("audit.db");
    former_live_through_the_store(store.to_str().unwrap());
}

#[test]
fn a_former_employees_live_token_through_the_postgres_store() {
    let Some(url) = common::pg_database("owners") else {
        eprintln!("SKIPPED: no PostgreSQL server");
        return;
    };
    former_live_through_the_store(&url);
}

/// A store written without --store-secrets holds no raw token: `revoke
/// --store` says so and sends nothing; a report with the raw tokens plus
/// `--store` revokes and records the attempt in the store.
#[test]
fn revoke_from_a_store_without_raw_secrets_says_why_and_a_report_can_record_there() {
    let w = world("people.csv", ROSTER_CSV);
    let store = w.dir.path().join("audit.db");
    let store = store.to_str().unwrap();
    let repo = w.work.join("repo");
    let (code, _, err) = run(&[
        "audit",
        "--store",
        store,
        repo.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let (_, out, _) = run(&["report", "--store", store, "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let gh = doc["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "github-pat-classic")
        .unwrap();
    let id = gh["fingerprint"].as_str().unwrap()[..16].to_string();
    let cfg = w.cfg.to_str().unwrap();
    let (code, out, err) = run(&[
        "revoke",
        "--store",
        store,
        &id,
        "--yes",
        "--config",
        cfg,
        "--revoke-allow-private",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("holds no raw value") && err.contains("--store-secrets"),
        "{err}"
    );
    assert_eq!(w.issuers.requests(), 0, "nothing was sent");
    assert!(store_rows(store, "SELECT status FROM revocations").is_empty());

    // The raw token from a report; the attempt recorded in the store.
    let report = w.dir.path().join("raw.json");
    let (_, out, _) = run(&[
        "scan",
        repo.to_str().unwrap(),
        "--show-secrets",
        "--format",
        "json",
    ]);
    fs::write(&report, out).unwrap();
    let (code, out, err) = run(&[
        "revoke",
        "--report",
        report.to_str().unwrap(),
        "--store",
        store,
        &id,
        "--yes",
        "--config",
        cfg,
        "--revoke-allow-private",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let rows = store_rows(
        store,
        "SELECT r.status, f.rule_id FROM revocations r JOIN findings f ON f.id = r.finding_id",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0].as_deref(), Some("accepted"));
    assert_eq!(rows[0][1].as_deref(), Some("github-pat-classic"));
    let (_, out, _) = run(&["report", "--store", store]);
    assert!(out.contains("revocation: accepted"), "{out}");
}
