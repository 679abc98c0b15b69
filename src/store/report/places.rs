//! Places: where a token sits, as a responder counts and visits them. A place is
//! (what kind of source, its container, a path or record): a file of a
//! repository whether found in the working tree or in its history, a Slack
//! message, a Jira issue, a Confluence page, a CI job's log, a file. Every
//! location row of the store (one per line, column and anchor, kept as lines
//! move and history grows) belongs to one place, so sprawl counts places, not
//! lines, and each place is shown in its source's own terms.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::Location;

/// One place a token was seen, merged from its location rows.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    /// `repository`, `file`, `archive`, `slack`, `teams`, `jira`, `confluence`,
    /// `ci-log`, `har`, … (a repository's working-tree file and its history
    /// are one `repository` place).
    pub kind: String,
    /// The repository, export or archive holding the place ("" for a plain file).
    pub container: String,
    /// The path in the repository, the file, the message, issue or page.
    pub record: String,
    /// The place in one line, in its source's terms: what reports print.
    #[serde(rename = "where")]
    pub label: String,
    /// The finding `source`s it was seen through (`git`, `file`, `slack`, …).
    pub sources: Vec<String>,
    /// The line of the latest sighting.
    pub line: i64,
    /// Every line it was seen at (a line that moved between runs is one place).
    pub lines: Vec<i64>,
    /// For a repository: the first commit that put the secret there, its date
    /// and author, and whether HEAD still holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_head: Option<bool>,
    /// When the source says the secret was put there (commit date, message or
    /// comment time), RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaked_at: Option<String>,
    /// Who put it there, where the source says (the `leaked_by` object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaked_by: Option<Value>,
    pub first_seen_run: i64,
    pub last_seen_run: i64,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The part of an export path before its last archive member (`a.zip!x/y` →
/// `a.zip`), if it is in an archive.
fn archive_of(path: &str) -> Option<&str> {
    path.rfind('!').map(|i| &path[..i])
}

/// The export holding a Slack day file `<export>/<channel>/<day>.json`.
fn slack_export(path: &str, channel: &str) -> String {
    if let Some(a) = archive_of(path) {
        return a.to_string();
    }
    let p = Path::new(path);
    let dir = p.parent();
    match dir {
        Some(d) if d.file_name().is_some_and(|n| n == channel) => d
            .parent()
            .map(|e| e.display().to_string())
            .unwrap_or_default(),
        Some(d) => d.display().to_string(),
        None => String::new(),
    }
}

/// A time as the sources write it (RFC 3339, Jira's `+0000` offsets, a Slack
/// `ts`) as RFC 3339 UTC.
pub(crate) fn utc(t: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{DateTime, Utc};
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    None
}

fn slack_ts(ts: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let secs: i64 = ts.split('.').next()?.parse().ok()?;
    // Slack's epoch seconds: anything before 2000 is not a message time.
    (secs > 946_684_800)
        .then(|| chrono::DateTime::from_timestamp(secs, 0))
        .flatten()
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Who put the secret at a location, from the store's `leaked_by`, or for
/// stores written before it was kept, from the anchors (a commit's author, a
/// Slack message's user).
fn leaker(loc: &Location) -> Option<Value> {
    if let Some(l) = &loc.leaked_by {
        return Some(l.clone());
    }
    if let Some(g) = loc.anchor.get("git") {
        let name = text(g, "author_name");
        let email = text(g, "author_email");
        if name.is_some() || email.is_some() {
            let mut m = Map::new();
            m.insert("source".into(), "git".into());
            m.insert("role".into(), "commit author".into());
            if let Some(n) = name {
                m.insert("name".into(), n.into());
            }
            if let Some(e) = email {
                m.insert("email".into(), e.into());
            }
            return Some(Value::Object(m));
        }
    }
    let l = loc.anchor.get("location")?;
    if loc.source == "slack" {
        let user = text(l, "user")?;
        let mut m = Map::new();
        m.insert("source".into(), "slack".into());
        m.insert("role".into(), "message author".into());
        m.insert("user_id".into(), user.into());
        if let Some(n) = text(l, "user_name") {
            m.insert("name".into(), n.into());
        }
        return Some(Value::Object(m));
    }
    None
}

/// The (kind, container, record) of a location; `repos` are the repositories
/// of the finding's git locations, so a working-tree file of one of them is
/// the same place as its history.
fn key(loc: &Location, repos: &[String]) -> (String, String, String) {
    let source = loc.source.as_str();
    if let Some(g) = loc.anchor.get("git") {
        // Stores before schema 4 did not record the repository: with one
        // repository known for the finding, that is the one.
        let repo = match text(g, "repository") {
            Some(r) => r.to_string(),
            None if repos.len() == 1 => repos[0].clone(),
            None => String::new(),
        };
        let path = text(g, "path").unwrap_or(&loc.path).to_string();
        return ("repository".into(), repo, path);
    }
    if matches!(source, "file" | "working-tree" | "staged") {
        for r in repos {
            if let Ok(rel) = Path::new(&loc.path).strip_prefix(r) {
                if !rel.as_os_str().is_empty() {
                    return ("repository".into(), r.clone(), rel.display().to_string());
                }
            }
        }
    }
    if let Some(ci) = loc.anchor.get("ci") {
        let archive = archive_of(&loc.path).unwrap_or(&loc.path).to_string();
        let job = text(ci, "job").unwrap_or("").to_string();
        return ("ci-log".into(), archive, job);
    }
    if let Some(l) = loc.anchor.get("location").filter(|l| l.is_object()) {
        let in_file = || archive_of(&loc.path).unwrap_or(&loc.path).to_string();
        let record = match source {
            "slack" => text(l, "channel").map(|c| {
                let ts = text(l, "ts").unwrap_or("");
                (slack_export(&loc.path, c), format!("#{c} {ts}"))
            }),
            "teams" => text(l, "message_id")
                .or(text(l, "web_url"))
                .map(|m| (in_file(), m.to_string())),
            "jira" => text(l, "issue").map(|i| (in_file(), i.to_string())),
            "confluence" => text(l, "current_page_id")
                .or(text(l, "page_id"))
                .or(text(l, "title"))
                .map(|p| (in_file(), p.to_string())),
            _ => None,
        };
        if let Some((container, record)) = record {
            return (source.into(), container, record);
        }
    }
    (source.into(), String::new(), loc.path.clone())
}

/// The places of one finding's locations, in the order the locations come,
/// latest sightings first.
pub fn places(locations: &[Location]) -> Vec<Place> {
    let mut repos: Vec<String> = locations
        .iter()
        .filter_map(|l| l.anchor.get("git"))
        .filter_map(|g| text(g, "repository"))
        .map(str::to_string)
        .collect();
    repos.sort();
    repos.dedup();
    let mut out: Vec<Place> = Vec::new();
    let mut index: HashMap<(String, String, String), usize> = HashMap::new();
    // Latest sightings first, so a place's line and label are its latest.
    let mut order: Vec<&Location> = locations.iter().collect();
    order.sort_by_key(|l| std::cmp::Reverse(l.last_seen_run));
    for loc in order {
        let k = key(loc, &repos);
        let git = loc.anchor.get("git");
        let leaked_at = git.and_then(|g| text(g, "date")).and_then(utc).or_else(|| {
            let l = loc.anchor.get("location")?;
            match loc.source.as_str() {
                "slack" => text(l, "ts").and_then(slack_ts),
                _ => text(l, "created").and_then(utc),
            }
        });
        let i = *index.entry(k.clone()).or_insert_with(|| {
            out.push(Place {
                kind: k.0.clone(),
                container: k.1.clone(),
                record: k.2.clone(),
                label: String::new(),
                sources: Vec::new(),
                line: loc.line,
                lines: Vec::new(),
                commit: None,
                committed_at: None,
                in_head: None,
                leaked_at: None,
                leaked_by: None,
                first_seen_run: loc.first_seen_run,
                last_seen_run: loc.last_seen_run,
            });
            out.len() - 1
        });
        let p = &mut out[i];
        if !p.sources.contains(&loc.source) {
            p.sources.push(loc.source.clone());
        }
        if !p.lines.contains(&loc.line) {
            p.lines.push(loc.line);
        }
        p.first_seen_run = p.first_seen_run.min(loc.first_seen_run);
        p.last_seen_run = p.last_seen_run.max(loc.last_seen_run);
        if let Some(t) = leaked_at {
            if p.leaked_at
                .as_deref()
                .and_then(utc)
                .is_none_or(|old| t < old)
            {
                p.leaked_at = Some(rfc3339(t));
                if let Some(g) = git {
                    p.commit = text(g, "commit").map(str::to_string);
                    p.committed_at = Some(rfc3339(t));
                }
            }
        }
        if let Some(g) = git {
            if p.commit.is_none() {
                p.commit = text(g, "commit").map(str::to_string);
            }
            let head = g.get("in_head").and_then(Value::as_bool).unwrap_or(false);
            p.in_head = Some(p.in_head.unwrap_or(false) || head);
        } else if p.kind == "repository" {
            // Its working-tree file: HEAD's tree has it (or is about to).
            p.in_head = Some(true);
        }
        if p.leaked_by.is_none() {
            p.leaked_by = leaker(loc);
        }
    }
    for p in &mut out {
        p.lines.sort_unstable();
        p.label = label(p, locations);
    }
    out
}

/// A person in a few words: `Jane Doe <jane@acme.test>`, `U0FAKE (Jane Doe)`.
pub(crate) fn person(l: &Value) -> String {
    let name = text(l, "name");
    let mut s = match (name, text(l, "user_id").or(text(l, "login"))) {
        (Some(n), _) => n.to_string(),
        (None, Some(id)) => id.to_string(),
        (None, None) => text(l, "email").unwrap_or("someone").to_string(),
    };
    if let (Some(e), Some(_)) = (text(l, "email"), name) {
        s.push_str(&format!(" <{e}>"));
    }
    s
}

/// The line that says where a place is.
fn label(p: &Place, locations: &[Location]) -> String {
    match p.kind.as_str() {
        "repository" => {
            let mut s = String::from("git ");
            if !p.container.is_empty() {
                s.push_str(&format!("{} ", p.container));
            }
            s.push_str(&format!("{}:{}", p.record, p.line));
            if let Some(c) = &p.commit {
                s.push_str(&format!(" @ {}", c.get(..12).unwrap_or(c)));
                let mut about = Vec::new();
                if let Some(d) = &p.committed_at {
                    about.push(d.get(..10).unwrap_or(d).to_string());
                }
                if let Some(l) = &p.leaked_by {
                    about.push(person(l));
                }
                if !about.is_empty() {
                    s.push_str(&format!(" ({})", about.join(", ")));
                }
            }
            match (p.in_head, p.sources.iter().any(|s| s == "git")) {
                (Some(false), _) => s.push_str(", history only"),
                (Some(true), false) => s.push_str(", working tree"),
                _ => {}
            }
            s
        }
        "ci-log" => {
            let loc = locations.iter().find(|l| l.anchor.contains_key("ci"));
            let ci = loc
                .and_then(|l| l.anchor.get("ci"))
                .cloned()
                .unwrap_or(json!({}));
            let mut parts = vec![format!("ci-log {}", p.container)];
            if let Some(j) = text(&ci, "job") {
                parts.push(format!("job {j}"));
            }
            if let Some(st) = text(&ci, "step") {
                parts.push(format!("step {st}"));
            }
            parts.push(format!("line {}", p.line));
            parts.join(" · ")
        }
        kind => {
            // An export record: its own terms (channel, time and user; issue;
            // page), from the latest location of this place.
            let loc = locations.iter().filter(|l| l.source == kind).find(|l| {
                l.anchor.get("location").is_some_and(|v| v.is_object()) && key(l, &[]).2 == p.record
            });
            if let Some(loc) = loc {
                let mut location = loc.anchor.get("location").cloned().unwrap_or_default();
                if kind == "slack" {
                    // Channel, time and who: the rest is detail for the JSON.
                    if let Some(m) = location.as_object_mut() {
                        m.retain(|k, _| {
                            matches!(
                                k.as_str(),
                                "channel" | "ts" | "user" | "user_name" | "thread_ts"
                            )
                        });
                    }
                } else if let Some(m) = location.as_object_mut() {
                    m.retain(|k, _| !k.ends_with("_id") || k == "page_id" || k == "comment_id");
                    m.remove("url");
                    m.remove("web_url");
                }
                if let Some(d) = crate::report::human::describe_location(kind, &location) {
                    return format!("{kind} {d}");
                }
            }
            format!("{kind} {}:{}", p.record, p.line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(source: &str, path: &str, line: i64, run: i64, anchor: Value) -> Location {
        Location {
            source: source.into(),
            path: path.into(),
            line,
            column: 1,
            first_seen_run: run,
            last_seen_run: run,
            anchor: anchor.as_object().cloned().unwrap_or_default(),
            leaked_by: None,
        }
    }

    #[test]
    fn a_moved_line_is_one_place_and_shows_its_latest_line() {
        let p = places(&[
            loc("file", "/w/app.env", 3, 1, json!({})),
            loc("file", "/w/app.env", 2, 2, json!({})),
        ]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 2);
        assert_eq!(p[0].lines, [2, 3]);
        assert_eq!(p[0].label, "file /w/app.env:2");
    }

    #[test]
    fn a_working_tree_file_and_its_history_are_one_place() {
        let git = json!({"git": {"repository": "/w/repo", "path": "deploy.env", "commit": "0123456789abcdef0123",
            "date": "2026-11-20T12:00:00+01:00", "author_name": "Fake Dev", "author_email": "fake@example.test", "in_head": true}});
        let p = places(&[
            loc("git", "deploy.env", 1, 1, git),
            loc("file", "/w/repo/deploy.env", 1, 1, json!({})),
            loc("file", "/w/other/deploy.env", 1, 1, json!({})),
        ]);
        assert_eq!(p.len(), 2, "{p:#?}");
        let r = &p[0];
        assert_eq!(r.kind, "repository");
        assert_eq!(r.sources, ["git", "file"]);
        assert_eq!(r.committed_at.as_deref(), Some("2026-11-20T11:00:00Z"));
        assert_eq!(
            r.label,
            "git /w/repo deploy.env:1 @ 0123456789ab (2026-11-20, Fake Dev <fake@example.test>)"
        );
    }

    #[test]
    fn a_slack_message_is_a_channel_a_time_and_a_user() {
        let a = json!({"location": {"channel": "deploys", "ts": "1795176300.000100", "user": "U0FAKEJANE",
            "user_name": "Jane Doe", "user_login": "jane", "field": "text"}});
        let p = places(&[
            loc(
                "slack",
                "export.zip!deploys/2026-11-20.json",
                2,
                1,
                a.clone(),
            ),
            loc("slack", "export.zip!deploys/2026-11-20.json", 2, 1, {
                let mut b = a.clone();
                b["location"]["field"] = "blocks".into();
                b
            }),
        ]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].container, "export.zip");
        assert_eq!(
            p[0].label,
            "slack #deploys · 2026-11-20 12:05 UTC · U0FAKEJANE (Jane Doe)"
        );
        assert_eq!(p[0].leaked_at.as_deref(), Some("2026-11-20T12:05:00Z"));
        assert_eq!(p[0].leaked_by.as_ref().unwrap()["user_id"], "U0FAKEJANE");
    }
}
