//! Every built-in rule that declares a liveness check is exercised against a
//! loopback server (127.0.0.1) standing in for its issuer, once answering `live`
//! and once `dead`, through the endpoint overrides of the config file. The server
//! also checks that the request is the one the rule declares: method, path, and
//! the secret in the declared header, query, Basic auth or body.

mod common;

use std::fs;

use assert_cmd::cargo::CommandCargoExt;
use common::Server;
use serde_json::{json, Value};
use tokenhound::rules::RuleSet;
use tokenhound::verify::spec::VerifySpec;

fn body_for(spec: &tokenhound::verify::spec::Check, live: bool) -> String {
    let mut v = json!({});
    if live {
        for (k, want) in &spec.live_json {
            v[k] = want.clone();
        }
        for d in &spec.detail {
            // Dotted detail paths become nested objects.
            let mut cur = &mut v;
            let parts: Vec<&str> = d.split('.').collect();
            for (i, p) in parts.iter().enumerate() {
                if i + 1 == parts.len() {
                    cur[*p] = json!("fake-identity");
                } else {
                    if !cur[*p].is_object() {
                        cur[*p] = json!({});
                    }
                    cur = &mut cur[*p];
                }
            }
        }
    } else {
        for k in spec.live_json.keys() {
            v[k] = json!(false);
        }
        if let (Some(f), Some(val)) = (&spec.dead_json_field, spec.dead_values.first()) {
            v[f] = json!(val);
        }
    }
    v.to_string()
}

#[test]
fn every_rule_check_is_exercised_live_and_dead() {
    let set = RuleSet::builtin().unwrap();
    let mut exercised = 0;
    for rule in &set.rules {
        let Some(VerifySpec::Check(check)) = &rule.verify else {
            continue;
        };
        for live in [true, false] {
            let spec = (**check).clone();
            let status = if live {
                spec.live_status[0]
            } else {
                spec.dead_status[0]
            };
            let body = body_for(&spec, live);
            let server = Server::start(move |_| {
                (
                    status,
                    vec![("Content-Type", "application/json".into())],
                    body.clone(),
                    std::time::Duration::ZERO,
                )
            });
            let dir = tempfile::tempdir().unwrap();
            fs::write(
                dir.path().join("tokenhound.toml"),
                format!(
                    "[verify.endpoints]\n{:?} = \"{}\"\n",
                    check.endpoint,
                    server.base()
                ),
            )
            .unwrap();
            let example = &rule.examples[0];
            fs::write(dir.path().join("leak.txt"), format!("{example}\n")).unwrap();
            let out = std::process::Command::cargo_bin("tokenhound")
                .unwrap()
                .args([
                    "scan",
                    "--format",
                    "json",
                    "--show-secrets",
                    "--verify",
                    "--verify-allow-private",
                    "--verify-host",
                    "127.0.0.1",
                    "--verify-timeout",
                    "5",
                ])
                .arg(dir.path())
                .output()
                .unwrap();
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let finding = doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["rule_id"] == rule.id.as_str())
                .unwrap_or_else(|| panic!("{}: example not reported: {doc}", rule.id));
            let want = if live { "live" } else { "dead" };
            assert_eq!(
                finding["verification"]["status"], want,
                "{}: {}",
                rule.id, finding["verification"]
            );
            let secret = finding["secret"].as_str().unwrap();
            let reqs = server.requests();
            assert_eq!(reqs.len(), 1, "{}", rule.id);
            let r = &reqs[0];
            let path = check
                .path
                .split('?')
                .next()
                .unwrap()
                .split("{secret}")
                .next()
                .unwrap();
            assert!(
                r.request_line
                    .starts_with(&format!("{} {path}", check.method)),
                "{}: {}",
                rule.id,
                r.request_line
            );
            let in_headers = r.headers.iter().any(|(_, v)| v.contains(secret))
                || r.headers
                    .iter()
                    .any(|(k, v)| k == "authorization" && v.starts_with("Basic "));
            let in_line = r.request_line.contains(&secret.replace(':', "%3A"));
            assert!(
                in_headers || in_line || check.body.is_some(),
                "{}: the secret was not sent as declared",
                rule.id
            );
            if live && !check.detail.is_empty() {
                let detail = &finding["verification"]["detail"];
                assert_eq!(
                    detail[&check.detail[0]], "fake-identity",
                    "{}: {detail}",
                    rule.id
                );
            }
            exercised += 1;
        }
    }
    assert!(exercised >= 40, "only {exercised} checks exercised");
}

#[test]
fn never_verified_rules_say_why() {
    let set = RuleSet::builtin().unwrap();
    let never: Vec<&str> = set
        .rules
        .iter()
        .filter_map(|r| match &r.verify {
            Some(VerifySpec::Never { never }) => {
                assert!(never.len() > 10, "{}: give a reason", r.id);
                Some(r.id.as_str())
            }
            _ => None,
        })
        .collect();
    for id in [
        "github-refresh-token",
        "slack-refresh-token",
        "gitlab-pipeline-trigger-token",
        "google-oauth-refresh-token",
    ] {
        assert!(never.contains(&id), "{id} must never be verified");
    }
}
