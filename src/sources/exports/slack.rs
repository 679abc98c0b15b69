//! Slack workspace exports: `channels.json`, `users.json`, `groups.json`,
//! `dms.json`, `mpims.json`, and one folder per conversation holding
//! `YYYY-MM-DD.json` day files (a JSON array of messages). Every string of a
//! message is scanned (`text`, `blocks`, `attachments`, `files[].preview`, …)
//! with the location `{channel, ts, thread_ts, user, user_name}` (plus
//! `user_login` and `bot_id` when the message has them); the channel is the
//! folder's name, and `user_name` comes from the message's `user_profile` or,
//! when it has none, from the export's `users.json` (read
//! once per export, beside the channel folders on disk or in the same zip). The
//! export's own file-download token (`?t=xoxe-…` on every file URL) is counted
//! into one note per export instead of being reported.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Map;

use super::collect::{location, Collector};
use super::json::Node;
use super::{ancestor, file_name, parent_name};
use crate::pipeline::{Scanner, Tally};

/// Source name of Slack findings.
pub const FORMAT: &str = "slack";

/// A message object: has a `ts` and some message field.
fn is_message(n: &Node) -> bool {
    n.get("ts").is_some()
        && (n.get("type").is_some() || n.get("text").is_some() || n.get("user").is_some())
}

/// A conversation list entry (`channels.json`, `groups.json`, `dms.json`, `mpims.json`).
fn is_conversation(n: &Node) -> bool {
    n.get("id").is_some()
        && n.get("created").is_some()
        && (n.get("name").is_some() || n.get("members").is_some())
        && n.get("ts").is_none()
}

/// A `users.json` entry.
fn is_user(n: &Node) -> bool {
    n.get("id").is_some() && n.get("profile").is_some_and(Node::is_obj)
}

/// Whether every one of the first items satisfies `f` (and there is one).
fn all_first(items: &[Node], f: fn(&Node) -> bool) -> bool {
    !items.is_empty() && items.iter().take(8).all(f)
}

/// Looks like a day file name (`2026-11-20.json`).
pub fn is_day_file(path: &str) -> bool {
    let n = file_name(path).as_bytes();
    n.len() == 15
        && n.ends_with(b".json")
        && n[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// The file of an export that lists its users.
pub const USERS_FILE: &str = "users.json";

/// Biggest `users.json` read for names (a very large workspace's is a few MiB).
const MAX_USERS_FILE: u64 = 64 << 20;

/// The memo kind of [`Users`] (keyed by the export's root).
const USERS_MEMO: &str = "slack-users";

/// User id → display name, from an export's `users.json`.
#[derive(Debug, Default)]
pub struct Users(HashMap<String, String>);

impl Users {
    /// The names in a parsed `users.json`: the profile's real name, else the
    /// account's real name, display name or handle.
    fn from_doc(src: &[u8], doc: &Node) -> Option<Users> {
        let items = doc.items();
        if !all_first(items, is_user) {
            return None;
        }
        let mut names = HashMap::new();
        for u in items.iter().filter(|n| is_user(n)) {
            let text = |path: &[&str]| {
                u.at(path)
                    .and_then(|n| n.text(src))
                    .map(|t| t.into_owned())
                    .filter(|t| !t.trim().is_empty())
            };
            let name = text(&["profile", "real_name"])
                .or_else(|| text(&["real_name"]))
                .or_else(|| text(&["profile", "display_name"]))
                .or_else(|| text(&["name"]));
            if let (Some(id), Some(name)) = (text(&["id"]), name) {
                names.insert(id, name);
            }
        }
        Some(Users(names))
    }

    fn parse(bytes: &[u8]) -> Option<Users> {
        let doc = super::json::parse(bytes).ok()?;
        Users::from_doc(bytes, &doc)
    }

    pub fn name(&self, id: &str) -> Option<&str> {
        self.0.get(id).map(String::as_str)
    }
}

/// Remembers the names of a `users.json` read ahead of the day files (the
/// archive reader does so for zips), for the export rooted beside it.
pub fn remember_users(path: &str, bytes: &[u8], scanner: &Scanner) {
    if let Some(users) = Users::parse(bytes) {
        scanner.remember(USERS_MEMO, &ancestor(path, 1), users);
    }
}

/// The user names of the export holding the day file at `path`: read once
/// per export from `users.json` beside its channel folders when the file is
/// on disk (`on_disk`), else what the archive reader read ahead.
fn users_for(path: &str, on_disk: Option<&Path>, scanner: &Scanner) -> Option<Arc<Users>> {
    let root = ancestor(path, 2);
    match on_disk {
        Some(file) => scanner.memo(USERS_MEMO, &root, || {
            let abs = std::path::absolute(file).ok()?;
            read_users_file(&abs.parent()?.parent()?.join(USERS_FILE))
        }),
        None => scanner.recall(USERS_MEMO, &root),
    }
}

/// Reads `users.json` from disk: a regular file (not a link, FIFO or device,
/// like the walker) of a sane size; `None` when there is none.
fn read_users_file(p: &Path) -> Option<Users> {
    let meta = std::fs::symlink_metadata(p).ok()?;
    if !meta.is_file() || meta.len() > MAX_USERS_FILE {
        return None;
    }
    Users::parse(&std::fs::read(p).ok()?)
}

/// Scans a parsed Slack export file; `None` when `doc` is not one. `on_disk`
/// is the file's path when it was read from disk (not from an archive).
pub fn read<'a>(
    path: &str,
    on_disk: Option<&Path>,
    src: &'a [u8],
    doc: &Node,
    scanner: &Scanner,
) -> Option<Collector<'a>> {
    let items = doc.items();
    if all_first(items, is_message) {
        let users = users_for(path, on_disk, scanner);
        return Some(read_day(path, src, items, users.as_deref(), scanner));
    }
    let users = if all_first(items, is_conversation) {
        false
    } else if all_first(items, is_user) {
        // Day files read after this one (a tar's stream order) get names.
        if let Some(names) = Users::from_doc(src, doc) {
            scanner.remember(USERS_MEMO, &ancestor(path, 1), names);
        }
        true
    } else {
        return None;
    };
    let meta: fn(&Node) -> bool = if users { is_user } else { is_conversation };
    let mut c = Collector::new(src, FORMAT);
    for item in items.iter().filter(|n| meta(n)) {
        let loc = if users {
            location(&[
                ("user", item.str_of(src, "id")),
                ("user_name", item.str_of(src, "name")),
            ])
        } else {
            location(&[(
                "channel",
                item.str_of(src, "name").or_else(|| item.str_of(src, "id")),
            )])
        };
        let o = c.object(loc);
        c.all_strings(item, o, "");
    }
    Some(c)
}

fn read_day<'a>(
    path: &str,
    src: &'a [u8],
    messages: &[Node],
    users: Option<&Users>,
    scanner: &Scanner,
) -> Collector<'a> {
    let channel = parent_name(path).map(str::to_string);
    let root = ancestor(path, 2);
    let mut c = Collector::new(src, FORMAT);
    let mut export_tokens = 0;
    for (i, m) in messages.iter().enumerate() {
        if !m.is_obj() {
            continue;
        }
        let user = m
            .str_of(src, "user")
            .or_else(|| m.str_of(src, "bot_id"))
            .or_else(|| m.str_of(src, "username"));
        let mut loc: Map<_, _> = location(&[
            ("channel", channel.clone()),
            ("ts", m.str_of(src, "ts")),
            ("thread_ts", m.str_of(src, "thread_ts")),
            ("user", user),
        ]);
        let from_profile = m
            .at(&["user_profile", "real_name"])
            .and_then(|n| n.text(src))
            .map(|n| n.into_owned())
            .filter(|n| !n.trim().is_empty());
        let from_users = || {
            let id = m.str_of(src, "user")?;
            users?.name(&id).map(str::to_owned)
        };
        if let Some(name) = from_profile.or_else(from_users) {
            loc.insert("user_name".into(), name.into());
        }
        // The author's Slack user name and, for bot messages, the bot: what a
        // roster matches the leaker on (`leaked_by`).
        if let Some(login) = m.at(&["user_profile", "name"]).and_then(|n| n.text(src)) {
            loc.insert("user_login".into(), login.into_owned().into());
        }
        if let Some(bot) = m.str_of(src, "bot_id") {
            loc.insert("bot_id".into(), bot.into());
        }
        if m.get("edited").is_some() {
            loc.insert("edited".into(), true.into());
        }
        let o = c.object(loc);
        for f in m.get("files").map(Node::items).unwrap_or(&[]) {
            for (a, b) in export_tokens_in(src, f) {
                export_tokens += 1;
                c.benign(a, b);
            }
        }
        c.all_strings(m, o, "");
        let _ = i;
    }
    scanner.tally(&root, &EXPORT_TOKENS, export_tokens);
    c
}

/// The export's own file-download token (`?t=xoxe-…` in every file URL): an
/// artefact of the export, not a leak, counted once per export.
static EXPORT_TOKENS: Tally = Tally {
    key: "slack-export-token",
    describe: |n| {
        format!(
            "Slack export file-download token (?t=xoxe-…) found in {n} file URL{}: an \
             artefact of the export itself, not reported as findings; treat the \
             export as sensitive and revoke the export token if the archive leaked",
            if n == 1 { "" } else { "s" }
        )
    },
};

/// Spans of the export tokens (`xoxe-…` after `t=`) in the URLs of one file
/// object.
fn export_tokens_in(src: &[u8], file: &Node) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (_, v) in file.members() {
        let Node::Str(a, b) = v else { continue };
        let text = &src[*a..*b];
        for at in memchr::memmem::find_iter(text, b"t=xoxe-") {
            let start = a + at + 2;
            let len = src[start..*b]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                .count();
            out.push((start, start + len));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_file_names() {
        assert!(is_day_file("x/general/2026-11-20.json"));
        assert!(is_day_file("a.zip!general/2026-11-20.json"));
        assert!(!is_day_file("x/general/channels.json"));
    }
}
