//! Exports (Slack, Teams, Jira, Confluence, HAR, cookie jars, agent transcripts)
//! and decode layers, run through the binary on the fixtures of
//! testdata/exports/ (written by testdata/exports/generate.py; every token is
//! fake). Each finding's rule, secret, line, column, `decoded` layers and full
//! `location` object are checked, and the file's text at the reported line and
//! column must be the (encoded) start of the secret.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

const DATA: &str = "testdata/exports";

/// Runs `tokenhound scan --format json --show-secrets ARGS`: (report, exit code, stderr).
fn scan(args: &[&str]) -> (Value, i32, String) {
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["scan", "--format", "json", "--show-secrets"])
        .args(args)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        doc,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// One expected finding.
struct Exp {
    rule: &'static str,
    secret: &'static str,
    line: u64,
    column: u64,
    /// What the file holds at (line, column): the secret's start as encoded there.
    at: &'static str,
    decoded: &'static [&'static str],
    location: Value,
}

/// Checks that the findings of `path` are exactly `exp` (in report order).
fn check(path: &str, source: &str, exp: &[Exp]) {
    let (doc, code, stderr) = scan(&[path]);
    let got = findings(&doc);
    let summary: Vec<String> = got
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["line"], f["column"], f["rule_id"], f["location"]
            )
        })
        .collect();
    assert_eq!(got.len(), exp.len(), "{path}: {summary:#?}\n{stderr}");
    assert_eq!(code, 1, "{path}: findings exit 1");
    for (f, e) in got.iter().zip(exp) {
        let ctx = format!("{path}: {f:#}");
        assert_eq!(f["rule_id"], e.rule, "{ctx}");
        assert_eq!(f["secret"], e.secret, "{ctx}");
        assert_eq!(f["source"], source, "{ctx}");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(e.line), Some(e.column)),
            "{ctx}"
        );
        assert_eq!(f["location"], e.location, "{ctx}");
        let decoded: Vec<&str> = f["decoded"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(decoded, e.decoded, "{ctx}");
        let file = f["path"].as_str().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let line = text.lines().nth(e.line as usize - 1).unwrap();
        let rest: String = line.chars().skip(e.column as usize - 1).collect();
        assert!(
            rest.starts_with(e.at),
            "{ctx}\nat {}:{}: {rest:?}",
            e.line,
            e.column
        );
    }
}

const GHP: [&str; 14] = [
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
    "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",
];
const XOXB: [&str; 2] = [
    "xoxb-682052589831-9489394948214-g9BkgRdWwUZlPOgGurL1es7u",
    "xoxb-244106460013-0411895579906-uMnMDBR4hRx3GR7qys80wdVT",
];
const GLPAT: [&str; 2] = ["glpat-3dKQLpM1OcRzhouppeqT", "glpat-Md2qT1XWE1CqxdYGsDcc"];
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2xvZ2luLmV4YW1wbGUudGVzdCIsInN1YiI6ImZha2UtdXNlciIsImV4cCI6MTg5MzQ1NjAwMCwiaWF0IjoxNzY3MjIyMDAwfQ.J91HOrlweHROhbF8hCtZUDJRzVT668Nyu0t-aT0ewkM";
const AKIA: &str = "AKIAXQIGBNTCZYKGFJYV";
const XOXP: &str = "xoxp-844093244845-263097658280-2582201805154-64743af32c893bff37beb222f9875ada";
const WEBHOOK: &str =
    "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/Zq8kW3mR7tY2vN9pL4xB6cJ1";

fn slack_day_expectations() -> Vec<Exp> {
    vec![
        // In `text` and again in `blocks`: one finding per message.
        Exp {
            rule: "github-pat-classic",
            secret: GHP[0],
            line: 7,
            column: 47,
            at: GHP[0],
            decoded: &[],
            location: json!({"channel": "deploys", "ts": "1795176300.000100",
                "thread_ts": "1795176300.000100", "user": "U045EF6GH", "user_name": "Dev One",
                "field": "text"}),
        },
        // Right after an escaped newline (`\nghp_…`): no word boundary in the raw bytes.
        Exp {
            rule: "github-pat-classic",
            secret: GHP[1],
            line: 57,
            column: 31,
            at: GHP[1],
            decoded: &[],
            location: json!({"channel": "deploys", "ts": "1795176360.000200",
                "thread_ts": "1795176300.000100", "user": "U0BBBBBBB", "user_name": "Dev Two", "edited": true,
                "field": "text"}),
        },
        // Escaped slashes inside the secret.
        Exp {
            rule: "slack-webhook",
            secret: WEBHOOK,
            line: 57,
            column: 99,
            at: "https:\\/\\/hooks.slack.com\\/services\\/T0FAKE123",
            decoded: &["json"],
            location: json!({"channel": "deploys", "ts": "1795176360.000200",
                "thread_ts": "1795176300.000100", "user": "U0BBBBBBB", "user_name": "Dev Two", "edited": true,
                "field": "text"}),
        },
        // A snippet's preview; the file URLs' `?t=xoxe-…` export token is not reported.
        Exp {
            rule: "github-pat-classic",
            secret: GHP[2],
            line: 77,
            column: 37,
            at: GHP[2],
            decoded: &[],
            location: json!({"channel": "deploys", "ts": "1795176420.000300",
                "thread_ts": "1795176300.000100", "user": "U0BBBBBBB", "user_name": "Dev Two",
                "field": "files[0].preview"}),
        },
    ]
}

#[test]
fn slack_day_file() {
    check(
        &format!("{DATA}/slack/deploys/2026-11-20.json"),
        "slack",
        &slack_day_expectations(),
    );
}

#[test]
fn slack_base64_in_code_block_and_bot_attachment() {
    check(
        &format!("{DATA}/slack/deploys/2026-11-21.json"),
        "slack",
        &[
            Exp {
                rule: "github-pat-classic",
                secret: GHP[3],
                line: 6,
                column: 99,
                at: "Z2hwXzNNNEZ6",
                decoded: &["base64"],
                location: json!({"channel": "deploys", "ts": "1795263000.000100",
                    "user": "U045EF6GH", "user_name": "Dev One", "field": "text"}),
            },
            Exp {
                rule: "slack-bot-token",
                secret: XOXB[0],
                line: 18,
                column: 44,
                at: XOXB[0],
                decoded: &[],
                location: json!({"channel": "deploys", "ts": "1795263100.000200",
                    "user": "B0FAKE456", "bot_id": "B0FAKE456", "field": "attachments[0].text"}),
            },
        ],
    );
}

#[test]
fn slack_dm_folder_is_the_channel() {
    check(
        &format!("{DATA}/slack/D0FAKEDM1/2026-11-22.json"),
        "slack",
        &[Exp {
            rule: "slack-user-token",
            secret: XOXP,
            line: 6,
            column: 53,
            at: XOXP,
            decoded: &[],
            location: json!({"channel": "D0FAKEDM1", "ts": "1795349400.000100",
                "user": "U0BBBBBBB", "user_name": "Dev Two", "field": "text"}),
        }],
    );
}

#[test]
fn slack_export_token_is_one_note_per_export() {
    let (doc, code, stderr) = scan(&[&format!("{DATA}/slack")]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 7, "{doc:#}");
    assert!(findings(&doc)
        .iter()
        .all(|f| !f["secret"].as_str().unwrap().starts_with("xoxe-")));
    let notes: Vec<&Value> = doc["stats"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().contains("xoxe-"))
        .collect();
    assert_eq!(notes.len(), 1, "{doc:#}");
    assert_eq!(notes[0]["path"], format!("{DATA}/slack"));
    assert!(notes[0]["reason"].as_str().unwrap().contains("2 file URLs"));
    assert_eq!(stderr.matches("xoxe-").count(), 1, "{stderr}");
}

#[test]
fn slack_zip_export_has_archive_paths_and_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("export.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let root = Path::new(DATA).join("slack");
    for rel in [
        "channels.json",
        "users.json",
        "dms.json",
        "deploys/2026-11-20.json",
        "deploys/2026-11-21.json",
        "D0FAKEDM1/2026-11-22.json",
    ] {
        w.start_file(rel, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &std::fs::read(root.join(rel)).unwrap()).unwrap();
    }
    w.finish().unwrap();
    let zip_str = zip_path.to_str().unwrap();
    let (doc, code, _) = scan(&[zip_str]);
    assert_eq!(code, 1);
    let got = findings(&doc);
    assert_eq!(got.len(), 7, "{doc:#}");
    let first = got
        .iter()
        .find(|f| f["secret"] == GHP[0])
        .expect("text token found in the zip");
    assert_eq!(first["path"], format!("{zip_str}!deploys/2026-11-20.json"));
    assert_eq!(first["source"], "slack");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(7), Some(47))
    );
    assert_eq!(first["location"]["channel"], "deploys");
    let notes: Vec<&Value> = doc["stats"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["reason"].as_str().unwrap().contains("xoxe-"))
        .collect();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["path"], zip_str);
}

#[test]
fn teams_html_bodies_cards_and_chats() {
    check(
        &format!("{DATA}/teams/messages.json"),
        "teams",
        &[
            // Split by a <b> tag inside <code>.
            Exp {
                rule: "github-pat-classic",
                secret: GHP[4],
                line: 31,
                column: 55,
                at: "ghp_NBEjE4o24hOSDRET<b>",
                decoded: &["html"],
                location: json!({"team_or_chat": "00000000-0000-4000-8000-00000000feed",
                    "channel": "19:deploys@thread.tacv2", "message_id": "1795176300123",
                    "from": "Dev One", "from_id": "00000000-0000-4000-8000-000000000001",
                    "created": "2026-11-20T12:05:00.123Z", "field": "body.content"}),
            },
            // Adaptive card: JSON inside a string, slashes escaped twice.
            Exp {
                rule: "slack-webhook",
                secret: WEBHOOK,
                line: 71,
                column: 143,
                at: "https:\\\\/\\\\/hooks",
                decoded: &["json"],
                location: json!({"team_or_chat": "00000000-0000-4000-8000-00000000feed",
                    "channel": "19:deploys@thread.tacv2", "message_id": "1795176360456",
                    "from": "Dev Two", "from_id": "00000000-0000-4000-8000-000000000002",
                    "created": "2026-11-20T12:06:00.456Z",
                    "reply_to": "1795176300123", "edited": true,
                    "field": "attachments[0].content.body.text"}),
            },
            Exp {
                rule: "gitlab-pat",
                secret: GLPAT[0],
                line: 89,
                column: 57,
                at: GLPAT[0],
                decoded: &[],
                location: json!({"team_or_chat": "19:fakechat@unq.gbl.spaces",
                    "message_id": "1795180000789", "from": "Dev Two",
                    "from_id": "00000000-0000-4000-8000-000000000002",
                    "created": "2026-11-20T13:00:00Z", "field": "body.content"}),
            },
        ],
    );
}

#[test]
fn jira_rest_json_adf_comments_and_changelog() {
    let issue = |field: &str| {
        json!({"issue": "OPS-42", "author": "Dev One", "author_id": "5b10ac8d82e05b22cc7d4ef5",
            "created": "2026-11-20T10:00:00.000+0000", "field": field})
    };
    check(
        &format!("{DATA}/jira/OPS-42.json"),
        "jira",
        &[
            // ADF text nodes split by a `strong` mark, joined again.
            Exp {
                rule: "github-pat-classic",
                secret: GHP[5],
                line: 25,
                column: 24,
                at: "ghp_Z4zBms1racj\"",
                decoded: &["adf"],
                location: issue("description"),
            },
            Exp {
                rule: "gitlab-pat",
                secret: GLPAT[1],
                line: 52,
                column: 53,
                at: GLPAT[1],
                decoded: &[],
                location: issue("customfield_10050"),
            },
            Exp {
                rule: "slack-bot-token",
                secret: XOXB[1],
                line: 73,
                column: 53,
                at: XOXB[1],
                decoded: &[],
                location: json!({"issue": "OPS-42", "comment_id": "10200", "author": "Dev Two",
                    "author_id": "5b10ac8d82e05b22cc7d4ef6",
                    "created": "2026-11-20T11:00:00.000+0000", "field": "comment"}),
            },
            // Removed from the description, still in the history.
            Exp {
                rule: "github-pat-classic",
                secret: GHP[6],
                line: 99,
                column: 34,
                at: GHP[6],
                decoded: &[],
                location: json!({"issue": "OPS-42", "author": "Dev One",
                    "created": "2026-11-20T12:00:00.000+0000", "history_id": "30001",
                    "field": "changelog.description.fromString"}),
            },
        ],
    );
}

#[test]
fn jira_rss_export() {
    check(
        &format!("{DATA}/jira/SearchRequest.xml"),
        "jira",
        &[
            Exp {
                rule: "github-pat-classic",
                secret: GHP[13],
                line: 11,
                column: 66,
                at: GHP[13],
                decoded: &[],
                location: json!({"issue": "OPS-7", "field": "description",
                    "author": "Dev One", "author_id": "dev.one"}),
            },
            Exp {
                rule: "jwt",
                secret: JWT,
                line: 17,
                column: 159,
                at: "eyJhbGciOi",
                decoded: &[],
                location: json!({"issue": "OPS-7", "comment_id": "10300", "author": "dev.two",
                    "author_id": "dev.two",
                    "created": "Fri, 20 Nov 2026 11:00:00 +0000", "field": "comment"}),
            },
        ],
    );
}

#[test]
fn jira_xml_backup() {
    check(
        &format!("{DATA}/jira-backup/entities.xml"),
        "jira",
        &[
            Exp {
                rule: "jwt",
                secret: JWT,
                line: 5,
                column: 62,
                at: "eyJhbGciOi",
                decoded: &[],
                location: json!({"issue": "OPS-42", "author": "JIRAUSER10001",
                    "author_id": "JIRAUSER10001",
                    "created": "2026-11-20 10:00:00.0", "entity": "Issue", "field": "description"}),
            },
            Exp {
                rule: "github-pat-classic",
                secret: GHP[13],
                line: 8,
                column: 50,
                at: GHP[13],
                decoded: &[],
                location: json!({"issue": "OPS-42", "comment_id": "10200",
                    "author": "JIRAUSER10002", "author_id": "JIRAUSER10002",
                    "created": "2026-11-20 11:00:00.0",
                    "entity": "Action", "field": "comment.body"}),
            },
            Exp {
                rule: "aws-access-key-id",
                secret: AKIA,
                line: 11,
                column: 104,
                at: AKIA,
                decoded: &[],
                location: json!({"issue": "OPS-42", "author": "JIRAUSER10001",
                    "author_id": "JIRAUSER10001",
                    "created": "2026-11-20 12:00:00.0", "entity": "ChangeItem",
                    "field": "changelog.description.oldstring"}),
            },
        ],
    );
}

#[test]
fn confluence_space_export_versions_and_comments() {
    let page = |extra: Value| {
        let mut m = json!({"space": "DEV", "page_id": "98305", "title": "Deploy runbook",
            "version": "3", "entity": "BodyContent", "field": "body"});
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        m
    };
    check(
        &format!("{DATA}/confluence/entities.xml"),
        "confluence",
        &[
            // Code macro: CDATA nested in CDATA (inner end damaged as `]] >`).
            Exp {
                rule: "github-pat-classic",
                secret: GHP[7],
                line: 28,
                column: 199,
                at: GHP[7],
                decoded: &[],
                location: page(json!({})),
            },
            // Only in an old version of the page.
            Exp {
                rule: "github-pat-classic",
                secret: GHP[8],
                line: 34,
                column: 50,
                at: GHP[8],
                decoded: &[],
                location: page(json!({"page_id": "98300", "version": "2",
                    "current_page_id": "98305", "historical": true})),
            },
            // A comment's link, `&amp;` in the href.
            Exp {
                rule: "gitlab-pat",
                secret: GLPAT[0],
                line: 44,
                column: 97,
                at: GLPAT[0],
                decoded: &[],
                location: page(json!({"comment_id": "229377"})),
            },
        ],
    );
}

#[test]
fn confluence_html_export() {
    let loc = json!({"space": "Developers", "page_id": "98305", "title": "Deploy runbook",
        "field": "html"});
    check(
        &format!("{DATA}/confluence-html/DEV/Deploy-runbook_98305.html"),
        "confluence",
        &[
            // Split across two <span>s.
            Exp {
                rule: "slack-webhook",
                secret: WEBHOOK,
                line: 12,
                column: 29,
                at: "https://hooks.slack.com/services/T0FAKE123/B0FAKE456/</span>",
                decoded: &["html"],
                location: loc.clone(),
            },
            Exp {
                rule: "github-pat-classic",
                secret: GHP[13],
                line: 13,
                column: 125,
                at: GHP[13],
                decoded: &[],
                location: loc,
            },
        ],
    );
}

#[test]
fn har_headers_cookies_and_post_data() {
    let url0 = "https://api.example.test/v1/me?verbose=1";
    let url1 = "https://hooks.example.test/register";
    check(
        &format!("{DATA}/session.har"),
        "har",
        &[
            Exp {
                rule: "jwt",
                secret: JWT,
                line: 24,
                column: 32,
                at: "eyJhbGciOi",
                decoded: &[],
                location: json!({"entry_index": "0", "url": url0,
                    "header_or_cookie": "request.header:Authorization", "field": "request.headers"}),
            },
            Exp {
                rule: "github-pat-classic",
                secret: GHP[9],
                line: 30,
                column: 25,
                at: GHP[9],
                decoded: &[],
                location: json!({"entry_index": "0", "url": url0,
                    "header_or_cookie": "request.cookie:gh_session_fake", "field": "request.cookies"}),
            },
            Exp {
                rule: "slack-webhook",
                secret: WEBHOOK,
                line: 81,
                column: 26,
                at: "https%3A%2F%2Fhooks",
                decoded: &["percent"],
                location: json!({"entry_index": "1", "url": url1,
                    "header_or_cookie": "request.postData", "field": "request.postData.text"}),
            },
            Exp {
                rule: "slack-bot-token",
                secret: XOXB[0],
                line: 93,
                column: 29,
                at: XOXB[0],
                decoded: &[],
                location: json!({"entry_index": "1", "url": url1,
                    "header_or_cookie": "response.header:Set-Cookie", "field": "response.headers"}),
            },
        ],
    );
}

#[test]
fn netscape_cookie_jar() {
    check(
        &format!("{DATA}/cookies.txt"),
        "cookies",
        &[
            Exp {
                rule: "jwt",
                secret: JWT,
                line: 5,
                column: 46,
                at: "eyJhbGciOi",
                decoded: &[],
                location: json!({"line": "5", "domain": ".example.test", "cookie": "session",
                    "field": "cookie"}),
            },
            Exp {
                rule: "gitlab-pat",
                secret: GLPAT[1],
                line: 6,
                column: 55,
                at: GLPAT[1],
                decoded: &[],
                location: json!({"line": "6", "domain": "gitlab.example.test",
                    "cookie": "pat_fake", "field": "cookie"}),
            },
        ],
    );
}

#[test]
fn agent_transcript_tool_calls_and_results() {
    check(
        &format!("{DATA}/agent/session.jsonl"),
        "transcript",
        &[
            Exp {
                rule: "github-pat-classic",
                secret: GHP[10],
                line: 2,
                column: 227,
                at: GHP[10],
                decoded: &[],
                location: json!({"line": "2", "role": "assistant", "message_index": "1",
                    "field": "message.content[1].input.command"}),
            },
            Exp {
                rule: "aws-access-key-id",
                secret: AKIA,
                line: 3,
                column: 153,
                at: AKIA,
                decoded: &[],
                location: json!({"line": "3", "role": "user", "message_index": "2",
                    "field": "message.content[0].content"}),
            },
            // Tool-call arguments: JSON inside a string.
            Exp {
                rule: "slack-bot-token",
                secret: XOXB[1],
                line: 4,
                column: 166,
                at: XOXB[1],
                decoded: &[],
                location: json!({"line": "4", "role": "assistant", "message_index": "3",
                    "field": "tool_calls[0].function.arguments.cmd"}),
            },
        ],
    );
}

#[test]
fn kubernetes_secret_and_docker_config_through_base64() {
    for (file, secret, at) in [
        ("k8s-secret.yaml", GHP[11], "Z2hwX25CTnZE"),
        ("docker/config.json", GHP[12], "OmdocF9SNGJp"),
    ] {
        let (doc, code, _) = scan(&[&format!("{DATA}/{file}")]);
        let got = findings(&doc);
        assert_eq!(code, 1, "{file}");
        assert_eq!(got.len(), 1, "{file}: {doc:#}");
        assert_eq!(got[0]["secret"], secret);
        assert_eq!(got[0]["source"], "file");
        assert_eq!(got[0]["decoded"], json!(["base64"]));
        let text = std::fs::read_to_string(format!("{DATA}/{file}")).unwrap();
        let line = text
            .lines()
            .nth(got[0]["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let col = got[0]["column"].as_u64().unwrap() as usize;
        assert!(line[col - 1..].starts_with(at), "{file}: {line}");
        // --decode-depth 0 turns the layers off: at most the generic
        // key/value rule sees the still-encoded value, never the GitHub token.
        let (doc, _, _) = scan(&["--decode-depth", "0", &format!("{DATA}/{file}")]);
        for f in findings(&doc) {
            assert_eq!(f["kind"], "generic", "{file}: {f}");
            assert!(f.get("decoded").is_none(), "{file}: {f}");
        }
    }
}

#[test]
fn nested_layers_percent_of_base64() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("token={}", GHP[11]));
    let enc: String = b64
        .bytes()
        .map(|b| match b {
            b'=' => "%3D".to_string(),
            b'+' => "%2B".to_string(),
            b'/' => "%2F".to_string(),
            _ => (b as char).to_string(),
        })
        .collect();
    let p = dir.path().join("url.txt");
    std::fs::write(&p, format!("see https://x.test/cb?state={enc}&ok=1\n")).unwrap();
    let (doc, _, _) = scan(&[p.to_str().unwrap()]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["secret"], GHP[11]);
    // Percent is peeled before base64 only when needed; either way base64 is there.
    assert!(got[0]["decoded"]
        .as_array()
        .unwrap()
        .contains(&json!("base64")));
    let (doc, _, _) = scan(&["--decode-depth", "1", p.to_str().unwrap()]);
    let one = findings(&doc);
    assert!(one
        .iter()
        .all(|f| f["decoded"].as_array().unwrap().len() <= 1));
}

#[test]
fn human_output_prints_locations() {
    let out = Command::cargo_bin("tokenhound")
        .unwrap()
        .args(["scan", &format!("{DATA}/slack/deploys/2026-11-20.json")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("location: #deploys · 2026-11-20 12:05 UTC · U045EF6GH (Dev One)"),
        "{text}"
    );
    assert!(!text.contains(GHP[0]), "redacted by default");
}

#[test]
fn malformed_json_day_file_reports_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let ch = dir.path().join("export/deploys");
    std::fs::create_dir_all(&ch).unwrap();
    std::fs::write(
        ch.join("2026-11-20.json"),
        format!(
            "[{{\"type\": \"message\", \"ts\": \"1.0\", \"text\": \"cut {}",
            GHP[1]
        ),
    )
    .unwrap();
    std::fs::copy(
        format!("{DATA}/slack/deploys/2026-11-21.json"),
        ch.join("2026-11-21.json"),
    )
    .unwrap();
    let (doc, code, stderr) = scan(&[dir.path().join("export").to_str().unwrap()]);
    assert_eq!(code, 1);
    let got = findings(&doc);
    // The broken file is still scanned as text; the good one as an export.
    assert!(got.iter().any(|f| f["secret"] == GHP[1]), "{doc:#}");
    assert!(got
        .iter()
        .any(|f| f["secret"] == XOXB[0] && f["source"] == "slack"));
    assert_eq!(
        doc["stats"]["errors"].as_array().unwrap().len(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("malformed"), "{stderr}");
}

#[test]
fn malformed_xml_reports_and_keeps_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("entities.xml");
    std::fs::write(
        &p,
        format!(
            "<entity-engine-xml>\n<Issue id=\"1\" key=\"OPS-1\" summary=\"broken <attr\n<Action id=\"2\" issue=\"1\" type=\"comment\"><body><![CDATA[token {}]]></body></Action>\n",
            GHP[13]
        ),
    )
    .unwrap();
    let (doc, code, stderr) = scan(&[p.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["source"], "jira");
    assert_eq!(got[0]["location"]["comment_id"], "2");
    assert!(stderr.contains("malformed Jira XML"), "{stderr}");
}

#[test]
fn non_utf8_text_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.txt");
    let mut bytes = b"caf\xe9 \xff\xfe token=".to_vec();
    bytes.extend_from_slice(GHP[0].as_bytes());
    bytes.extend_from_slice(b" &amp; \xe9t\xe9\n");
    std::fs::write(&p, &bytes).unwrap();
    let (doc, code, _) = scan(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(findings(&doc).len(), 1);
    // A Slack day file with invalid UTF-8 inside a string.
    let ch = dir.path().join("general");
    std::fs::create_dir_all(&ch).unwrap();
    let mut day = b"[{\"type\": \"message\", \"ts\": \"1795176300.000100\", \"user\": \"U1\", \"text\": \"\xe9\xff ".to_vec();
    day.extend_from_slice(XOXB[1].as_bytes());
    day.extend_from_slice(b"\"}]");
    std::fs::write(ch.join("2026-11-20.json"), &day).unwrap();
    let (doc, _, _) = scan(&[ch.to_str().unwrap()]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["location"]["channel"], "general");
    // 71 ASCII characters, then two invalid bytes counted as one column each, a space.
    assert_eq!(got[0]["column"], 75);
}

#[test]
fn jira_csv_export() {
    check(
        &format!("{DATA}/jira/export.csv"),
        "jira",
        &[
            // Inside a quoted multi-line cell with "" escapes before it.
            Exp {
                rule: "gitlab-pat",
                secret: GLPAT[1],
                line: 3,
                column: 33,
                at: GLPAT[1],
                decoded: &[],
                location: json!({"issue": "OPS-7", "author": "dev.one",
                    "created": "20/Nov/26 10:00 AM", "field": "Description"}),
            },
            // A `date;author;body` comment cell.
            Exp {
                rule: "slack-bot-token",
                secret: XOXB[0],
                line: 4,
                column: 84,
                at: XOXB[0],
                decoded: &[],
                location: json!({"issue": "OPS-7", "author": "dev.one", "author_id": "dev.one",
                    "created": "20/Nov/26 11:30 AM", "field": "Comment"}),
            },
        ],
    );
}

#[test]
fn teams_jsonl_transcript_json_and_slack_channel_list() {
    let dir = tempfile::tempdir().unwrap();
    // Graph messages saved one per line.
    let teams = format!(
        "{}\n{}\n",
        json!({"id": "1", "messageType": "message", "createdDateTime": "2026-11-20T12:05:00Z",
            "chatId": "19:c@unq.gbl.spaces", "from": {"user": {"displayName": "Dev One"}},
            "body": {"contentType": "text", "content": "nothing"}}),
        json!({"id": "2", "messageType": "message", "createdDateTime": "2026-11-20T12:06:00Z",
            "chatId": "19:c@unq.gbl.spaces", "from": {"user": {"displayName": "Dev Two"}},
            "body": {"contentType": "html", "content": format!("<p>k: {}</p>", GHP[2])}}),
    );
    let p = dir.path().join("chat.jsonl");
    std::fs::write(&p, teams).unwrap();
    let (doc, _, _) = scan(&[p.to_str().unwrap()]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["source"], "teams");
    assert_eq!(got[0]["line"], 2);
    assert_eq!(got[0]["location"]["message_id"], "2");
    assert_eq!(got[0]["location"]["from"], "Dev Two");
    // An OpenAI-style conversation in one JSON document.
    let conv = serde_json::to_string_pretty(&json!({"model": "fake", "messages": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "use this: ".to_string() + GLPAT[0]},
    ]}))
    .unwrap();
    let p = dir.path().join("conversation.json");
    std::fs::write(&p, conv).unwrap();
    let (doc, _, _) = scan(&[p.to_str().unwrap()]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(got[0]["source"], "transcript");
    assert_eq!(
        got[0]["location"],
        json!({"line": got[0]["line"].to_string(), "role": "user", "message_index": "1",
            "field": "content"})
    );
    // A channel topic in channels.json.
    let ch = json!([{"id": "C1", "name": "ops", "created": 1, "members": [],
        "topic": {"value": format!("bot token (fake) {}", XOXB[1])}}]);
    let p = dir.path().join("channels.json");
    std::fs::write(&p, ch.to_string()).unwrap();
    let (doc, _, _) = scan(&[p.to_str().unwrap()]);
    let got = findings(&doc);
    assert_eq!(got.len(), 1, "{doc:#}");
    assert_eq!(
        got[0]["location"],
        json!({"channel": "ops", "field": "topic.value"})
    );
}

/// Every fixture cut at many points, and with bytes flipped, goes through the
/// format readers and the archive reader in process without a panic.
#[test]
fn truncated_and_corrupted_fixtures_never_panic() {
    use tokenhound::engine::Engine;
    use tokenhound::finding::Provenance;
    use tokenhound::pipeline::{events, Pipeline};
    use tokenhound::rules::RuleSet;
    use tokenhound::sources::content::scan_file_content;

    let set = RuleSet::builtin().unwrap();
    let pipeline = Pipeline::of(Engine::new(&set).unwrap());
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in walk(Path::new(DATA)) {
        let bytes = std::fs::read(&entry).unwrap();
        inputs.push((entry.to_string_lossy().into_owned(), bytes));
    }
    let zip = {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in inputs.iter().take(6) {
            w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut w, bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    inputs.push(("fixtures.zip".into(), zip));
    let mut cases = 0;
    for (name, bytes) in &inputs {
        let n = bytes.len();
        let mut variants: Vec<Vec<u8>> = (1..16).map(|k| bytes[..n * k / 16].to_vec()).collect();
        for k in 1..8 {
            let mut v = bytes.clone();
            let i = n * k / 8 % n.max(1);
            if i < n {
                v[i] ^= 0x5a;
            }
            variants.push(v);
        }
        for v in variants {
            let prov = Provenance::File { path: name.clone() };
            let evs = events(&pipeline, |s| {
                scan_file_content(Path::new(name), &prov, &v, s)
            });
            cases += evs.len().min(1);
        }
    }
    assert!(cases > 0);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
