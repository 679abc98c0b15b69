//! Export details of issue 18: HAR field names, Slack user names from the
//! export's users.json (on disk and inside a zip), the Teams message link, and
//! SARIF keeping export locations and the other places of a secret. Every
//! export is built here in its real format; every token is fake.

mod common;

use std::fs;
use std::io::Write;

use common::{fake_ghp, tokenhound};
use serde_json::{json, Value};

fn scan_json(args: &[&str]) -> Value {
    let out = tokenhound()
        .args(["scan", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// A HAR capture: a token in the query string, one in a form parameter, and a
/// session token in both the `Cookie` header and `cookies[]` of one request.
fn har(query: &str, param: &str, cookie: &str) -> String {
    json!({"log": {"version": "1.2", "creator": {"name": "fake", "version": "1"}, "entries": [{
        "startedDateTime": "2026-11-20T12:05:00.000Z",
        "request": {
            "method": "POST",
            "url": format!("https://api.example.test/v1/items?access_token={query}"),
            "headers": [{"name": "Cookie", "value": format!("gh_session_fake={cookie}")}],
            "cookies": [{"name": "gh_session_fake", "value": cookie}],
            "queryString": [{"name": "access_token", "value": query}],
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                         "params": [{"name": "token", "value": param}]}
        },
        "response": {"status": 200, "headers": [], "cookies": [], "content": {"text": ""}}
    }]}})
    .to_string()
}

#[test]
fn har_fields_are_the_har_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let (q, p, c) = (fake_ghp("q1"), fake_ghp("p1"), fake_ghp("c1"));
    fs::write(dir.path().join("capture.har"), har(&q, &p, &c)).unwrap();
    let doc = scan_json(&["--show-secrets", dir.path().to_str().unwrap()]);
    let field_of = |secret: &str| -> Vec<String> {
        findings(&doc)
            .iter()
            .filter(|f| f["secret"] == secret)
            .flat_map(|f| {
                let mut all = vec![f["location"]["field"].as_str().unwrap_or("").to_string()];
                for p in f["also_at"].as_array().into_iter().flatten() {
                    all.push(p["location"]["field"].as_str().unwrap_or("").to_string());
                }
                all
            })
            .collect()
    };
    let q_fields = field_of(&q);
    assert!(
        q_fields.contains(&"request.queryString".to_string()),
        "{q_fields:?}\n{doc:#}"
    );
    assert!(!doc.to_string().contains("querys"), "{doc:#}");
    assert_eq!(field_of(&p), ["request.postData.params"], "{doc:#}");
    let c_fields = field_of(&c);
    assert!(
        c_fields.contains(&"request.headers".to_string())
            && c_fields.contains(&"request.cookies".to_string()),
        "{c_fields:?}"
    );
}

#[test]
fn har_locations_never_show_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let q = fake_ghp("q3");
    fs::write(
        dir.path().join("capture.har"),
        har(&q, &fake_ghp("p3"), &fake_ghp("c3")),
    )
    .unwrap();
    let doc = scan_json(&[dir.path().to_str().unwrap()]);
    assert!(!findings(&doc).is_empty());
    // The entry's URL carries the token in its query string.
    assert!(!doc.to_string().contains(&q), "{doc:#}");
    let f = &findings(&doc)[0];
    assert!(
        f["location"]["url"]
            .as_str()
            .unwrap()
            .ends_with("?access_token=ghp_***"),
        "{f:#}"
    );
    let shown = scan_json(&["--show-secrets", dir.path().to_str().unwrap()]);
    assert!(shown.to_string().contains(&q));
}

#[test]
fn sarif_keeps_export_locations_and_the_other_places() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("export");
    let token = fake_ghp("x1");
    for (name, text) in slack_files(&token) {
        let p = root.join(&name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        // The first message quotes the token in an attachment too: one
        // finding with a second place.
        let text = text.replacen(
            "\"type\":\"message\"",
            &format!("\"attachments\":[{{\"text\":\"{token}\"}}],\"type\":\"message\""),
            1,
        );
        fs::write(p, text).unwrap();
    }
    let out = tokenhound()
        .args(["scan", "--format", "sarif"])
        .arg(&root)
        .output()
        .unwrap();
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_slice(&out.stdout).expect("SARIF 2.1.0 model");
    let v = serde_json::to_value(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap().clone();
    let json = scan_json(&[root.to_str().unwrap()]);
    assert_eq!(results.len(), findings(&json).len());
    assert!(!results.is_empty());
    for (r, f) in results.iter().zip(findings(&json)) {
        // The export location object, whole, and as a logical location.
        assert_eq!(r["properties"]["location"], f["location"], "{r:#}");
        let logical = &r["locations"][0]["logicalLocations"][0];
        assert!(
            logical["name"].as_str().unwrap().contains("#deploys"),
            "{logical:#}"
        );
        assert_eq!(logical["properties"]["location"], f["location"]);
        // Every other place of the secret, as a related location.
        let also = f["also_at"].as_array().cloned().unwrap_or_default();
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(related.len(), also.len(), "{r:#}");
        for (rel, place) in related.iter().zip(&also) {
            let region = &rel["physicalLocation"]["region"];
            assert_eq!(region["startLine"], place["line"]);
            assert_eq!(region["startColumn"], place["column"]);
            assert_eq!(
                rel["logicalLocations"][0]["properties"]["location"],
                place["location"]
            );
        }
    }
    assert!(
        results.iter().any(|r| r["relatedLocations"].is_array()),
        "the token is in two fields of one message: {v:#}"
    );
}

/// A Slack export's files: users.json, channels.json and one day file whose
/// messages carry no `user_profile` (older exports, bots, edits).
fn slack_files(token: &str) -> Vec<(String, String)> {
    let users = json!([
        {"id": "U0FAKE0001", "name": "fake.dev", "real_name": "Fake Dev Account",
         "profile": {"real_name": "Fake Dev", "display_name": "fakedev"}},
        {"id": "U0FAKE0002", "name": "fake.ops", "profile": {"real_name": ""}}
    ]);
    let channels = json!([{"id": "C0FAKE0001", "name": "deploys", "created": 1700000000,
                           "members": ["U0FAKE0001"]}]);
    let day = json!([
        {"type": "message", "user": "U0FAKE0001", "ts": "1795176300.000100",
         "text": format!("fake token for the test: {token}")},
        {"type": "message", "user": "U0FAKE0002", "ts": "1795176400.000100",
         "text": format!("and again {}", fake_ghp("s2"))}
    ]);
    vec![
        ("users.json".into(), users.to_string()),
        ("channels.json".into(), channels.to_string()),
        ("deploys/2026-11-20.json".into(), day.to_string()),
    ]
}

fn user_names(doc: &Value) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = findings(doc)
        .iter()
        .filter(|f| f["source"] == "slack")
        .map(|f| {
            (
                f["location"]["user"].as_str().unwrap_or("").to_string(),
                f["location"]["user_name"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn slack_user_names_come_from_users_json_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("export");
    for (name, text) in slack_files(&fake_ghp("s1")) {
        let p = root.join(&name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    let want = vec![
        ("U0FAKE0001".to_string(), Some("Fake Dev".to_string())),
        ("U0FAKE0002".to_string(), Some("fake.ops".to_string())),
    ];
    // The whole export, and the channel folder alone (users.json is still
    // beside it).
    for target in [root.clone(), root.join("deploys")] {
        let doc = scan_json(&[target.to_str().unwrap()]);
        assert_eq!(user_names(&doc), want, "{target:?}: {doc:#}");
    }
    let out = tokenhound().arg("scan").arg(&root).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("U0FAKE0001 (Fake Dev)"), "{said}");
}

fn zip_of(members: &[(String, String)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn slack_user_names_come_from_users_json_in_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    // users.json last in the zip, the day file first: read ahead all the same.
    let mut files = slack_files(&fake_ghp("s1"));
    files.reverse();
    for (prefix, name) in [
        ("", "flat.zip"),
        ("Fake Workspace Slack export/", "nested.zip"),
    ] {
        let members: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| (format!("{prefix}{n}"), t.clone()))
            .collect();
        let path = dir.path().join(name);
        fs::write(&path, zip_of(&members)).unwrap();
        let doc = scan_json(&[path.to_str().unwrap()]);
        assert_eq!(
            user_names(&doc),
            vec![
                ("U0FAKE0001".to_string(), Some("Fake Dev".to_string())),
                ("U0FAKE0002".to_string(), Some("fake.ops".to_string())),
            ],
            "{name}: {doc:#}"
        );
        // users.json is still scanned itself, once.
        assert_eq!(doc["stats"]["files_scanned"], 3, "{doc:#}");
    }
    // Two exports in one zip: each gets its own names.
    let mut two = Vec::new();
    for (ws, real) in [("a/", "Fake Dev"), ("b/", "Other Fake Dev")] {
        for (n, t) in slack_files(&fake_ghp(&ws[..1])) {
            two.push((
                format!("{ws}{n}"),
                t.replace("\"Fake Dev\"", &format!("\"{real}\"")),
            ));
        }
    }
    let path = dir.path().join("two.zip");
    fs::write(&path, zip_of(&two)).unwrap();
    let doc = scan_json(&[path.to_str().unwrap()]);
    let mut got: Vec<(String, String)> = findings(&doc)
        .iter()
        .filter(|f| f["location"]["user"] == "U0FAKE0001")
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            let ws = p.split('!').nth(1).unwrap()[..1].to_string();
            (ws, f["location"]["user_name"].as_str().unwrap().to_string())
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("a".to_string(), "Fake Dev".to_string()),
            ("b".to_string(), "Other Fake Dev".to_string())
        ]
    );
}

#[test]
fn teams_findings_carry_the_message_link() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://teams.microsoft.com/l/message/19%3Afake%40thread.tacv2/1795176300000?groupId=00000000-0000-4000-8000-00000000feed";
    let doc = json!({"value": [{
        "id": "1795176300000", "messageType": "message",
        "createdDateTime": "2026-11-20T12:05:00Z", "lastEditedDateTime": null,
        "webUrl": url,
        "channelIdentity": {"teamId": "00000000-0000-4000-8000-00000000feed",
                            "channelId": "19:fake@thread.tacv2"},
        "from": {"user": {"id": "00000000-0000-4000-8000-000000000001", "displayName": "Fake Dev"}},
        "body": {"contentType": "html", "content": format!("<p>fake token {}</p>", fake_ghp("t1"))}
    }]});
    fs::write(dir.path().join("messages.json"), doc.to_string()).unwrap();
    let report = scan_json(&[dir.path().to_str().unwrap()]);
    let f = &findings(&report)[0];
    assert_eq!(f["source"], "teams");
    assert_eq!(f["location"]["web_url"], url, "{f:#}");
    let out = tokenhound().arg("scan").arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(url));
}
