//! `--verify` against loopback servers only (127.0.0.1): live, dead, rate-limited,
//! server error, slow, redirect to another host, HTML error page; the host policy,
//! the cache, and that without `--verify` nothing is sent at all.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{json, Server};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

/// A custom rule whose check points at `https://api.acme.test`, overridden to the
/// loopback server through the config file (`[verify.endpoints] acme = …`).
fn setup(dir: &Path, server_base: &str, tokens: &[&str]) {
    fs::write(
        dir.join("acme.toml"),
        format!(
            "{}{}",
            common::ACME_RULE,
            r#"
[[rule]]
id = "acme-refresh"
name = "ACME refresh token"
provider = "acme"
kind = "refresh-token"
keywords = ["acmer_"]
pattern = '''\b(?P<secret>acmer_[A-Za-z0-9]{24})\b'''
lifetime = "long"
revoke = "Sign out everywhere."
examples = ["acmer_Q3n8ZpL1xW7cV2bR9tY4mK6d"]
[rule.verify]
never = "single-use: redeeming it would rotate it"
"#
        ),
    )
    .unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("src").join("tokenhound.toml"),
        format!("[verify.endpoints]\nacme = \"{server_base}\"\n"),
    )
    .unwrap();
    let body: String = tokens
        .iter()
        .map(|t| format!("fake_token = \"{t}\"\n"))
        .collect();
    fs::write(dir.join("src").join("app.env"), body).unwrap();
}

fn run(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .arg("--rules")
        .arg(dir.join("acme.toml"))
        .arg("scan")
        .arg(dir.join("src"))
        .args(["--format", "json"])
        .args(extra)
        // The loopback issuer comes from the tokenhound.toml in the scanned tree:
        // its host must be allowed explicitly.
        .args(if extra.contains(&"--verify") {
            &["--verify-host", "127.0.0.1"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), doc)
}

fn verification(doc: &Value, i: usize) -> &Value {
    &doc["findings"][i]["verification"]
}

const T1: &str = "acme_Live00FakeToken0Aa1Bb2Cc";
const T2: &str = "acme_Dead00FakeToken0Xx9Yy8Zz";

#[test]
fn live_and_dead_with_identity_detail() {
    let server = Server::start(|req| {
        let auth = req
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if auth == format!("Bearer {T1}") {
            let mut a = json(200, r#"{"ok":true,"user":"fake-user","team":"fake-team"}"#);
            a.1.push(("X-Scopes", "read:all".into()));
            a
        } else {
            json(401, r#"{"ok":false,"error":"invalid_auth"}"#)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1, T2]);
    let (code, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
    assert_eq!(code, 1);
    let v1 = verification(&doc, 0);
    assert_eq!(v1["status"], "live", "{doc}");
    assert_eq!(v1["detail"]["user"], "fake-user");
    assert_eq!(v1["detail"]["x-scopes"], "read:all");
    assert!(v1["checked_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(verification(&doc, 1)["status"], "dead");
    let reqs = server.requests();
    assert_eq!(
        reqs.len(),
        2,
        "one request per distinct secret, no retry for a verdict"
    );
    assert!(reqs
        .iter()
        .all(|r| r.request_line.starts_with("GET /v1/whoami ")));
    assert!(
        !doc.to_string().contains(T1),
        "the report never echoes the secret"
    );
    assert_eq!(doc["stats"]["verification"]["requests"], 2);

    // --only-live keeps the live one; --fail-on live.
    let (code, doc) = run(
        dir.path(),
        &["--verify", "--verify-allow-private", "--only-live"],
    );
    assert_eq!(code, 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn fail_on_live_passes_when_nothing_is_live() {
    let server = Server::start(|_| json(401, r#"{"ok":false}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T2]);
    let (code, doc) = run(
        dir.path(),
        &["--verify", "--verify-allow-private", "--fail-on", "live"],
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(verification(&doc, 0)["status"], "dead");
}

#[test]
fn rate_limits_server_errors_and_html_are_unknown_never_dead() {
    for (answer, retried) in [
        (json(429, r#"{"error":"slow down"}"#), true),
        (json(503, "oops"), true),
        (
            (
                200,
                vec![("Content-Type", "text/html".to_string())],
                "<html>error</html>".to_string(),
                Duration::ZERO,
            ),
            false,
        ),
    ] {
        let a = answer.clone();
        let server = Server::start(move |_| a.clone());
        let dir = tempfile::tempdir().unwrap();
        setup(dir.path(), &server.base(), &[T1]);
        let (_, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
        assert_eq!(
            verification(&doc, 0)["status"],
            "unknown",
            "{answer:?}: {doc}"
        );
        assert_eq!(
            server.requests().len(),
            if retried { 2 } else { 1 },
            "{answer:?}"
        );
    }
}

#[test]
fn slow_answers_time_out_as_unknown() {
    // The answer comes 20 s late; the 0.3 s timeout must cut it short. The
    // bound leaves room for a loaded 2-core CI machine (the run itself takes
    // ~0.4 s; 3 s was too tight under load) while failing if the answer is awaited.
    let server = Server::start(|_| {
        (
            200,
            vec![],
            r#"{"ok":true}"#.into(),
            Duration::from_secs(20),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1]);
    let started = std::time::Instant::now();
    let (_, doc) = run(
        dir.path(),
        &[
            "--verify",
            "--verify-allow-private",
            "--verify-timeout",
            "0.3",
        ],
    );
    assert_eq!(verification(&doc, 0)["status"], "unknown");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "timeout honoured"
    );
}

#[test]
fn redirects_to_another_host_are_not_followed() {
    let other = Server::start(|_| json(200, r#"{"ok":true}"#));
    let target = format!("http://localhost:{}/steal", other.port);
    let server = Server::start(move |_| {
        (
            302,
            vec![("Location", target.clone())],
            String::new(),
            Duration::ZERO,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1]);
    let (_, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
    let v = verification(&doc, 0);
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"]["reason"]
        .as_str()
        .unwrap()
        .contains("redirect not followed"));
    assert!(
        other.requests().is_empty(),
        "the other host was never contacted"
    );
}

#[test]
fn without_verify_no_connection_is_made() {
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1, T2]);
    let (code, doc) = run(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(doc["findings"][0].get("verification").is_none());
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.requests().is_empty());
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1]);
    let (_, doc) = run(dir.path(), &["--verify"]);
    let v = verification(&doc, 0);
    assert_eq!(v["status"], "skipped");
    assert!(
        v["detail"]["reason"].as_str().unwrap().contains("refused"),
        "{v}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn each_distinct_secret_is_checked_once() {
    let server = Server::start(|_| json(200, r#"{"ok":true,"user":"fake-user"}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1; 40]);
    let (_, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f.len(), 40);
    assert!(f.iter().all(|f| f["verification"]["status"] == "live"));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn never_verified_tokens_and_expired_jwts_send_nothing() {
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(
        dir.path(),
        &server.base(),
        &["acmer_Q3n8ZpL1xW7cV2bR9tY4mK6d"],
    );
    // An expired JWT (exp in 2001) next to it.
    let jwt = tokenhound::enrich::jwt::encode_for_tests(
        &serde_json::json!({"alg": "HS256", "typ": "JWT"}),
        &serde_json::json!({"sub": "fake", "exp": 1_000_000_000}),
        "ZmFrZS1zaWduYXR1cmUtb25seS1mb3ItdGVzdHM",
    );
    fs::write(
        dir.path().join("src").join("jwt.txt"),
        format!("Authorization: Bearer {jwt}\n"),
    )
    .unwrap();
    let (_, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
    let by_rule = |id: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == id)
            .unwrap()
            .clone()
    };
    let refresh = by_rule("acme-refresh");
    assert_eq!(refresh["verification"]["status"], "skipped");
    assert!(refresh["verification"]["detail"]["reason"]
        .as_str()
        .unwrap()
        .contains("single-use"));
    let j = by_rule("jwt");
    assert_eq!(j["verification"]["status"], "expired");
    assert_eq!(j["expired"], true);
    assert!(server.requests().is_empty());
}

#[test]
fn plain_http_override_needs_allow_private_and_loopback() {
    // A non-loopback http:// override (TEST-NET-1, never contacted) is refused even
    // with the flags: plain HTTP is for loopback test servers only.
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "http://192.0.2.1:9", &[T1]);
    let (_, doc) = run(
        dir.path(),
        &[
            "--verify",
            "--verify-allow-private",
            "--verify-host",
            "192.0.2.1",
            "--verify-timeout",
            "1",
        ],
    );
    let v = verification(&doc, 0);
    assert_eq!(v["status"], "skipped");
    assert!(
        v["detail"]["reason"].as_str().unwrap().contains("http://"),
        "{v}"
    );
}

#[test]
fn endpoint_overrides_from_the_scanned_tree_need_verify_host() {
    // A tokenhound.toml inside a scanned repository could point tokens at any
    // host: without --verify-host its override is refused; with --config it is
    // the user's own and trusted.
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[T1]);
    let scan = |extra: &[&str]| -> Value {
        let out = Command::cargo_bin("tokenhound")
            .unwrap()
            .arg("--rules")
            .arg(dir.path().join("acme.toml"))
            .arg("scan")
            .arg(dir.path().join("src"))
            .args(["--format", "json", "--verify", "--verify-allow-private"])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let doc = scan(&[]);
    let v = verification(&doc, 0);
    assert_eq!(v["status"], "skipped", "{v}");
    assert!(
        v["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("--verify-host"),
        "{v}"
    );
    assert!(server.requests().is_empty());
    let cfg = dir.path().join("src").join("tokenhound.toml");
    let doc = scan(&["--config", cfg.to_str().unwrap()]);
    assert_eq!(verification(&doc, 0)["status"], "live");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_secret_claimed_by_two_equal_rules_is_sent_to_neither() {
    let server = Server::start(|_| json(200, r#"{"ok":true}"#));
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &server.base(), &[]);
    // Two providers whose keys look alike (32 hex after a context word), both with
    // checks: the same value found under both is ambiguous, so it goes nowhere.
    let rule = |id: &str, kw: &str| {
        format!(
            r#"
[[rule]]
id = "{id}"
name = "{id}"
provider = "{id}"
kind = "api-key"
keywords = ["{kw}"]
pattern = '''{kw}(?P<secret>[a-f0-9]{{32}})\b'''
lifetime = "long"
revoke = "Delete it."
examples = ["{kw}0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
[rule.verify]
endpoint = "acme"
base = "https://api.acme.test"
path = "/v1/whoami"
headers = {{ Authorization = "Bearer {{secret}}" }}
"#
        )
    };
    let mut rules = fs::read_to_string(dir.path().join("acme.toml")).unwrap();
    rules.push_str(&rule("akey", "akey="));
    rules.push_str(&rule("bkey", "bkey="));
    fs::write(dir.path().join("acme.toml"), rules).unwrap();
    let hex = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    fs::write(
        dir.path().join("src").join("app.env"),
        format!("akey={hex}\nbkey={hex}\n"),
    )
    .unwrap();
    let (_, doc) = run(dir.path(), &["--verify", "--verify-allow-private"]);
    let f = doc["findings"].as_array().unwrap();
    let ids: Vec<&str> = f.iter().map(|x| x["rule_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["akey", "bkey"]);
    for x in f {
        assert_eq!(x["verification"]["status"], "skipped", "{x}");
    }
    assert!(server.requests().is_empty());
}
