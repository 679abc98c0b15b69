//! Every built-in rule that declares a revocation API (`[rule.revoke_api]`)
//! is exercised against a loopback server standing in for its issuer, once
//! answering "revoked" (or "accepted") and once "the token was already not
//! valid", through the endpoint override of a config given with --config. The
//! server checks the request is the declared one: method, path, and the
//! token in the declared header or body. And every rule's `owner` map reads
//! the identity out of a live verification answer.

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use common::{tokenhound, Server};
use serde_json::{json, Value};
use tokenhound::revoke::spec::{BodyFormat, RevokeApi};
use tokenhound::rules::RuleSet;
use tokenhound::verify::spec::VerifySpec;

/// A JSON object with `value` at each dotted path.
fn nested(paths: &[&str], value: &Value) -> Value {
    let mut v = json!({});
    for d in paths {
        let mut cur = &mut v;
        let parts: Vec<&str> = d.split('.').collect();
        for (i, p) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                cur[*p] = value.clone();
            } else {
                if !cur[*p].is_object() {
                    cur[*p] = json!({});
                }
                cur = &mut cur[*p];
            }
        }
    }
    v
}

/// A directory holding `example` in `leak.txt` and a config (`issuer.toml`)
/// pointing `endpoint` at `base`: (dir, config, leak file).
fn issuer_dir(endpoint: &str, base: &str, example: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("issuer.toml");
    fs::write(
        &cfg,
        format!("[verify.endpoints]\n{endpoint:?} = \"{base}\"\n"),
    )
    .unwrap();
    let leak = dir.path().join("leak.txt");
    fs::write(&leak, format!("{example}\n")).unwrap();
    (dir, cfg, leak)
}

/// The finding of `rule` in a JSON report.
fn finding_of<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("{rule}: example not reported: {doc}"))
}

/// The answer of an issuer that revoked (`done`) or found the token invalid.
fn answer(api: &RevokeApi, done: bool) -> (u16, String) {
    if done {
        let mut body = json!({});
        for (k, want) in &api.revoked_json {
            body[k] = want.clone();
        }
        let status = api
            .revoked_status
            .first()
            .or(api.accepted_status.first())
            .copied()
            .unwrap();
        return (status, body.to_string());
    }
    if let Some(s) = api.invalid_status.first() {
        return (*s, "{}".into());
    }
    let Some(field) = api.error_field.as_ref() else {
        // No way to say "already invalid" (GitHub's credential revocation
        // accepts anything well-formed): a validation error instead.
        return (422, r#"{"message":"Validation Failed"}"#.into());
    };
    let status = if api.revoked_json.is_empty() {
        400
    } else {
        200
    };
    (
        status,
        json!({ field.as_str(): api.invalid_errors[0], "ok": false }).to_string(),
    )
}

#[test]
fn every_rule_revocation_is_exercised_revoked_and_already_invalid() {
    let set = RuleSet::builtin().unwrap();
    let mut exercised = 0;
    for rule in &set.rules {
        let Some(api) = &rule.revoke_api else {
            continue;
        };
        for done in [true, false] {
            let (status, body) = answer(api, done);
            let server = Server::start(move |_| {
                (
                    status,
                    vec![("Content-Type", "application/json".into())],
                    body.clone(),
                    Duration::ZERO,
                )
            });
            let (dir, cfg, leak) = issuer_dir(&api.endpoint, &server.base(), &rule.examples[0]);
            let scan = tokenhound()
                .args(["scan", "--format", "json", "--show-secrets"])
                .arg(&leak)
                .output()
                .unwrap();
            let report = dir.path().join("report.json");
            fs::write(&report, &scan.stdout).unwrap();
            let doc: Value = serde_json::from_slice(&scan.stdout).unwrap();
            let finding = finding_of(&doc, &rule.id);
            let secret = finding["secret"].as_str().unwrap().to_string();
            let id = finding["fingerprint"].as_str().unwrap();
            let out = tokenhound()
                .args([
                    "revoke",
                    "--yes",
                    "--format",
                    "json",
                    "--revoke-allow-private",
                ])
                .arg("--report")
                .arg(&report)
                .arg("--config")
                .arg(&cfg)
                .arg(id)
                .output()
                .unwrap();
            let res: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!("{}: {e}: {}", rule.id, String::from_utf8_lossy(&out.stderr))
            });
            let attempt = &res["attempts"][0];
            let can_say_invalid = !api.invalid_status.is_empty() || api.error_field.is_some();
            let want = match (done, api.accepted_status.is_empty()) {
                (true, true) => "revoked",
                (true, false) => "accepted",
                (false, _) if can_say_invalid => "already-invalid",
                (false, _) => "failed",
            };
            assert_eq!(attempt["status"], want, "{}: {attempt:#}", rule.id);
            let exit = if want == "failed" { 1 } else { 0 };
            assert_eq!(out.status.code(), Some(exit), "{}", rule.id);
            if want == "failed" {
                assert_eq!(
                    attempt["manual"],
                    rule.revoke.as_str(),
                    "{}: what to do by hand",
                    rule.id
                );
            }
            assert!(
                !String::from_utf8_lossy(&out.stdout).contains(&secret),
                "{}",
                rule.id
            );
            let reqs = server.requests();
            assert_eq!(reqs.len(), 1, "{}: one request", rule.id);
            let r = &reqs[0];
            let path = api.path.split("{secret}").next().unwrap();
            assert!(
                r.request_line
                    .starts_with(&format!("{} {path}", api.method)),
                "{}: {}",
                rule.id,
                r.request_line
            );
            let in_headers = r.headers.iter().any(|(_, v)| v.contains(&secret));
            let in_body = match api.body_format {
                Some(BodyFormat::Json) => r.body.contains(&secret),
                Some(BodyFormat::Form) => r.body.contains(&secret.replace('/', "%2F")),
                None => false,
            };
            assert!(
                in_headers || in_body,
                "{}: the token was not sent as declared",
                rule.id
            );
            if let Some(fmt) = api.body_format {
                assert_eq!(
                    r.header("content-type"),
                    Some(fmt.content_type()),
                    "{}",
                    rule.id
                );
            }
            exercised += 1;
        }
    }
    // GitHub (7), GitLab (2), Slack (4), Google (2), Vercel (1).
    assert!(
        exercised >= 2 * 16,
        "only {exercised} revocations exercised"
    );
}

#[test]
fn every_owner_map_reads_a_live_answer() {
    let set = RuleSet::builtin().unwrap();
    let mut exercised = 0;
    for rule in &set.rules {
        let Some(VerifySpec::Check(check)) = &rule.verify else {
            continue;
        };
        let Some(owner) = &check.owner else { continue };
        let fields = owner.fields();
        let json_paths: Vec<&str> = fields
            .iter()
            .map(|(_, src)| *src)
            .filter(|s| !s.starts_with("header:"))
            .collect();
        let mut body = nested(&json_paths, &json!("fake-identity"));
        for (k, want) in &check.live_json {
            body[k] = want.clone();
        }
        let headers: Vec<(&'static str, String)> = fields
            .iter()
            .filter_map(|(_, src)| src.strip_prefix("header:"))
            // The server helper takes static header names: leaked once per rule.
            .map(|h| {
                let name: &'static str = Box::leak(h.to_string().into_boxed_str());
                (name, "fake-identity".to_string())
            })
            .collect();
        let status = check.live_status[0];
        let body = body.to_string();
        let server = Server::start(move |_| {
            let mut h = headers.clone();
            h.push(("Content-Type", "application/json".into()));
            (status, h, body.clone(), Duration::ZERO)
        });
        let (_dir, cfg, leak) = issuer_dir(&check.endpoint, &server.base(), &rule.examples[0]);
        let out = tokenhound()
            .args([
                "scan",
                "--format",
                "json",
                "--verify",
                "--verify-allow-private",
            ])
            .arg("--config")
            .arg(&cfg)
            .arg(&leak)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let finding = finding_of(&doc, &rule.id);
        assert_eq!(
            finding["verification"]["status"], "live",
            "{}: {finding:#}",
            rule.id
        );
        let o = &finding["owner"];
        assert_eq!(
            o["provider"],
            rule.provider.as_str(),
            "{}: {finding:#}",
            rule.id
        );
        for (field, _) in fields {
            match field {
                "scopes" => assert_eq!(o["scopes"], json!(["fake-identity"]), "{}", rule.id),
                // A relative expiry that is not a number is left out.
                "expires_in" => {}
                f => assert_eq!(o[f], "fake-identity", "{}: {f}: {o:#}", rule.id),
            }
        }
        exercised += 1;
    }
    assert!(exercised >= 20, "only {exercised} owner maps exercised");
}
