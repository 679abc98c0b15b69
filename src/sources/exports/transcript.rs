//! AI agent transcripts and memory: JSON Lines conversation logs (one event per
//! line: `{"type": "user", "message": {"role": …, "content": […]}}` and the like)
//! and JSON conversations (`{"messages": [{role, content, tool_calls}]}`). Tool
//! call arguments are JSON inside strings and are read as JSON; tool results are
//! scanned like any text. Location: `{line, role, message_index}`.

use super::collect::{location, Collector};
use super::json::{self, Node};
use super::teams::shift;
use crate::pipeline::Scanner;

/// Source name of transcript findings.
pub const FORMAT: &str = "transcript";

const ROLES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "tool",
    "developer",
    "function",
];

fn role_of(src: &[u8], n: &Node) -> Option<String> {
    n.str_of(src, "role")
        .or_else(|| {
            n.at(&["message", "role"])
                .and_then(|r| r.text(src))
                .map(|t| t.into_owned())
        })
        .or_else(|| n.str_of(src, "type"))
}

/// A message or transcript event.
fn is_message(src: &[u8], n: &Node) -> bool {
    n.is_obj()
        && role_of(src, n).is_some_and(|r| ROLES.contains(&r.as_str()) || r == "tool_result")
        && (n.get("content").is_some()
            || n.get("message").is_some()
            || n.get("tool_calls").is_some())
}

fn line_of(src: &[u8], offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &src[..offset.min(src.len())]).count()
}

fn start_of(n: &Node) -> Option<usize> {
    match n {
        Node::Str(a, _) | Node::Num(a, _) => Some(*a),
        Node::Arr(v) => v.iter().find_map(start_of),
        Node::Obj(m) => m.iter().find_map(|(_, v)| start_of(v)),
        _ => None,
    }
}

/// Scans JSON Lines of transcript events; `None` when the first event-looking
/// line is not one.
pub fn read_jsonl<'a>(path: &str, src: &'a [u8], scanner: &Scanner) -> Option<Collector<'a>> {
    let mut c = Collector::new(src, FORMAT);
    let mut pos = 0;
    let mut index = 0usize;
    let mut recognised = false;
    let mut bad_lines = 0usize;
    for (n, line) in src.split_inclusive(|&b| b == b'\n').enumerate() {
        let start = pos;
        pos += line.len();
        if line.trim_ascii().is_empty() {
            continue;
        }
        let node = match json::parse(line) {
            Ok(node) => shift(&node, start),
            Err(_) => {
                bad_lines += 1;
                let o = c.object(location(&[("line", Some((n + 1).to_string()))]));
                let end = start + line.trim_ascii_end().len();
                c.raw(start, end, o, "line");
                continue;
            }
        };
        let message = is_message(src, &node);
        if !recognised {
            if !message {
                return None;
            }
            recognised = true;
        }
        let o = c.object(location(&[
            ("line", Some((n + 1).to_string())),
            ("role", role_of(src, &node)),
            ("message_index", message.then(|| index.to_string())),
        ]));
        if message {
            index += 1;
        }
        c.all_strings(&node, o, "");
    }
    if !recognised {
        return None;
    }
    if bad_lines > 0 {
        super::malformed(
            scanner,
            path,
            "JSON Lines",
            format!("{bad_lines} line(s) are not JSON (scanned as plain text)"),
        );
    }
    Some(c)
}

/// Scans a JSON conversation; `None` when `doc` is not one.
pub fn read_json<'a>(src: &'a [u8], doc: &Node) -> Option<Collector<'a>> {
    let messages = match doc.get("messages") {
        Some(m) if m.items().iter().take(8).any(|n| is_message(src, n)) => m.items(),
        _ if doc.items().iter().take(8).any(|n| is_message(src, n)) => doc.items(),
        _ => return None,
    };
    let mut c = Collector::new(src, FORMAT);
    for (i, m) in messages.iter().enumerate() {
        let line = start_of(m).map(|s| line_of(src, s).to_string());
        let o = c.object(location(&[
            ("line", line),
            ("role", role_of(src, m)),
            ("message_index", Some(i.to_string())),
        ]));
        c.all_strings(m, o, "");
    }
    if let Node::Obj(members) = doc {
        let o = c.object(location(&[]));
        for (k, v) in members.iter().filter(|(k, _)| k != "messages") {
            c.all_strings(v, o, k);
        }
    }
    Some(c)
}
