//! Who leaked a secret: the `leaked_by` object, derived in this one place from
//! what the source recorded about the bytes: a commit's author (git history),
//! the author of the next commit (staged and working-tree changes: the
//! configured git user), a message's or comment's author, a page's editor
//! (exports, from the `location` their readers set). Nothing is guessed: a
//! source that does not name a person gives no `leaked_by`.

use serde_json::{Map, Value};

use crate::finding::{Finding, LeakedBy, Provenance};

/// The leaker of `f`, found in `provenance` (after `location` and `git` are set).
pub fn leaked_by(f: &Finding, provenance: &Provenance) -> Option<LeakedBy> {
    match provenance {
        Provenance::Git(g) => person(LeakedBy {
            source: "git".into(),
            role: "commit author".into(),
            name: some(&g.author_name),
            email: some(&g.author_email),
            ..LeakedBy::default()
        }),
        Provenance::GitChange {
            author: Some(a), ..
        } => person(LeakedBy {
            source: "git".into(),
            role: "author of the next commit (the configured git user)".into(),
            name: some(&a.name),
            email: some(&a.email),
            ..LeakedBy::default()
        }),
        Provenance::Export { format, .. } => {
            let loc = f.location.as_ref()?.as_object()?;
            from_location(format, loc)
        }
        _ => None,
    }
}

/// A non-empty string.
fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `l` when it names someone.
fn person(l: LeakedBy) -> Option<LeakedBy> {
    (l.name.is_some() || l.email.is_some() || l.user_id.is_some() || l.login.is_some()).then_some(l)
}

/// Slack ids: users `U…`/`W…`, bots `B…`, all uppercase letters and digits.
fn slack_id(s: &str) -> bool {
    s.len() >= 7
        && s.starts_with(['U', 'W', 'B'])
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The leaker an export reader's `location` names, by the format's keys.
fn from_location(format: &str, loc: &Map<String, Value>) -> Option<LeakedBy> {
    let get = |k: &str| loc.get(k).and_then(Value::as_str).and_then(some);
    let has = |k: &str| loc.get(k).is_some_and(|v| !v.is_null());
    let mut l = LeakedBy {
        source: format.to_string(),
        ..LeakedBy::default()
    };
    match format {
        "slack" => {
            let user = get("user");
            let bot = get("bot_id");
            l.role = if bot.is_some() && user == bot {
                "bot message author".into()
            } else if has("ts") {
                "message author".into()
            } else {
                "profile owner".into()
            };
            match user {
                Some(u) if slack_id(&u) => l.user_id = Some(u),
                Some(u) => l.login = Some(u),
                None => {}
            }
            l.name = get("user_name");
            if let Some(login) = get("user_login") {
                l.login = Some(login);
            }
        }
        "teams" => {
            l.role = "message author".into();
            l.name = get("from");
            l.user_id = get("from_id");
            if l.name == l.user_id {
                l.name = None;
            }
        }
        "jira" => {
            let comment = has("comment_id")
                || get("field").is_some_and(|f| f.to_ascii_lowercase().starts_with("comment"));
            l.role = if comment {
                "comment author"
            } else if has("history_id") || get("entity").is_some_and(|e| e.starts_with("Change")) {
                "change author"
            } else if get("field").is_some_and(|f| f.starts_with("worklog")) {
                "worklog author"
            } else {
                match get("entity").as_deref() {
                    None | Some("Issue") => "issue reporter",
                    Some("Project") => "project lead",
                    Some(_) => "author",
                }
            }
            .into();
            l.name = get("author");
            l.user_id = get("author_id");
            l.email = get("author_email");
            if l.name == l.user_id {
                l.name = None;
            }
        }
        "confluence" => {
            let page = if loc.get("blog_post") == Some(&Value::Bool(true)) {
                "blog post"
            } else {
                "page"
            };
            let comment = has("comment_id") && get("entity").is_some_and(|e| e != "Page");
            let editor = ["editor", "editor_id", "editor_name"];
            let (who, role) = if editor.iter().any(|k| get(k).is_some()) {
                (
                    "editor",
                    if comment {
                        "comment editor".into()
                    } else {
                        format!("{page} editor")
                    },
                )
            } else {
                (
                    "creator",
                    if comment {
                        "comment author".into()
                    } else {
                        format!("{page} creator")
                    },
                )
            };
            l.role = role;
            l.login = get(who);
            l.name = get(&format!("{who}_name"));
            l.user_id = get(&format!("{who}_id"));
            l.email = get(&format!("{who}_email"));
        }
        _ => return None,
    }
    person(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn slack_users_bots_and_profiles() {
        let l = from_location(
            "slack",
            &loc(json!({"channel": "deploys", "ts": "1.2", "user": "U0FAKE01", "user_name": "Dev One", "user_login": "dev1"})),
        )
        .unwrap();
        assert_eq!(l.role, "message author");
        assert_eq!(l.user_id.as_deref(), Some("U0FAKE01"));
        assert_eq!(l.login.as_deref(), Some("dev1"));
        assert_eq!(l.name.as_deref(), Some("Dev One"));
        let b = from_location(
            "slack",
            &loc(json!({"ts": "1.2", "user": "B0FAKEBOT", "bot_id": "B0FAKEBOT"})),
        )
        .unwrap();
        assert_eq!(b.role, "bot message author");
        assert!(from_location("slack", &loc(json!({"channel": "x", "ts": "1"}))).is_none());
    }

    #[test]
    fn jira_confluence_teams() {
        let j = from_location(
            "jira",
            &loc(json!({"issue": "OPS-1", "comment_id": "10", "author": "Jane Doe", "author_id": "5b10ac", "author_email": "jane@example.test"})),
        )
        .unwrap();
        assert_eq!(
            (j.role.as_str(), j.user_id.as_deref(), j.email.as_deref()),
            ("comment author", Some("5b10ac"), Some("jane@example.test"))
        );
        let r = from_location(
            "jira",
            &loc(json!({"issue": "OPS-1", "author": "jsmith", "author_id": "jsmith", "entity": "Issue"})),
        )
        .unwrap();
        assert_eq!((r.role.as_str(), r.name), ("issue reporter", None));
        let c = from_location(
            "confluence",
            &loc(
                json!({"page_id": "1", "editor": "jdoe", "editor_id": "8a7f", "creator": "admin"}),
            ),
        )
        .unwrap();
        assert_eq!(
            (c.role.as_str(), c.login.as_deref()),
            ("page editor", Some("jdoe"))
        );
        let t = from_location(
            "teams",
            &loc(json!({"from": "Dev One", "from_id": "00000000-aaaa"})),
        )
        .unwrap();
        assert_eq!(t.user_id.as_deref(), Some("00000000-aaaa"));
        assert!(from_location("har", &loc(json!({"url": "x"}))).is_none());
    }
}
