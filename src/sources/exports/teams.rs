//! Microsoft Teams messages as the Graph API returns them (`chatMessage`): a
//! collection `{"value": [...]}`, an array, one message, or JSON Lines. HTML
//! bodies are scanned with tags stripped and entities decoded; attachments whose
//! `content` is JSON in a string (adaptive cards, code snippets) are read as JSON.
//! Location: `{team_or_chat, channel, message_id, from, from_id, created, reply_to, web_url}`
//! (`from_id`: the author's Entra object id, or the application's id).

use super::collect::{location, Collector};
use super::json::{self, Node};
use crate::decode::{html, json_escape, OffsetMap};

/// Source name of Teams findings.
pub const FORMAT: &str = "teams";

/// A Graph `chatMessage`.
fn is_message(n: &Node) -> bool {
    n.is_obj()
        && (n.get("messageType").is_some()
            || (n.at(&["body", "contentType"]).is_some() && n.get("createdDateTime").is_some()))
}

/// Scans a parsed Teams export; `None` when `doc` holds no chat messages.
pub fn read<'a>(src: &'a [u8], doc: &Node) -> Option<Collector<'a>> {
    let messages: Vec<&Node> = if is_message(doc) {
        vec![doc]
    } else if let Some(v) = doc
        .get("value")
        .filter(|v| v.items().iter().any(is_message))
    {
        v.items().iter().collect()
    } else if doc.items().iter().take(8).any(is_message) {
        doc.items().iter().collect()
    } else {
        return None;
    };
    let mut c = Collector::new(src, FORMAT);
    for m in messages {
        message(&mut c, m, None);
    }
    Some(c)
}

/// Graph messages saved one per line.
pub fn read_jsonl(src: &[u8]) -> Option<Collector<'_>> {
    let mut c = Collector::new(src, FORMAT);
    let mut any = false;
    let mut pos = 0;
    for line in src.split_inclusive(|&b| b == b'\n') {
        let start = pos;
        pos += line.len();
        if line.trim_ascii().is_empty() {
            continue;
        }
        let Ok(node) = json::parse(line) else {
            continue;
        };
        if !is_message(&node) {
            continue;
        }
        any = true;
        message(&mut c, &shift(&node, start), None);
    }
    any.then_some(c)
}

/// `node` with spans moved by `by` (a line parsed alone, placed in its file).
pub fn shift<'a>(node: &Node<'a>, by: usize) -> Node<'a> {
    match node {
        Node::Str(a, b) => Node::Str(a + by, b + by),
        Node::Num(a, b) => Node::Num(a + by, b + by),
        Node::Arr(v) => Node::Arr(v.iter().map(|n| shift(n, by)).collect()),
        Node::Obj(m) => Node::Obj(m.iter().map(|(k, n)| (k.clone(), shift(n, by))).collect()),
        other => other.clone(),
    }
}

fn message(c: &mut Collector, m: &Node, parent: Option<&str>) {
    let src = c.src;
    let s = |path: &[&str]| m.at(path).and_then(|n| n.text(src)).map(|t| t.into_owned());
    let team_or_chat = s(&["channelIdentity", "teamId"]).or_else(|| s(&["chatId"]));
    let from = s(&["from", "user", "displayName"])
        .or_else(|| s(&["from", "application", "displayName"]))
        .or_else(|| s(&["from", "user", "id"]));
    let from_id = s(&["from", "user", "id"]).or_else(|| s(&["from", "application", "id"]));
    let mut loc = location(&[
        ("team_or_chat", team_or_chat),
        ("channel", s(&["channelIdentity", "channelId"])),
        ("message_id", s(&["id"])),
        ("from", from),
        ("from_id", from_id),
        ("created", s(&["createdDateTime"])),
        (
            "reply_to",
            s(&["replyToId"]).or_else(|| parent.map(str::to_string)),
        ),
        // The link that opens the message in Teams, for whoever follows up.
        ("web_url", s(&["webUrl"])),
    ]);
    if m.get("lastEditedDateTime")
        .is_some_and(|n| !matches!(n, Node::Null))
    {
        loc.insert("edited".into(), true.into());
    }
    let o = c.object(loc);
    let html_body = m
        .at(&["body", "contentType"])
        .and_then(|n| n.text(src))
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    for (k, v) in m.members() {
        match (k.as_ref(), v) {
            ("body", body) => {
                for (bk, bv) in body.members() {
                    match (bk.as_ref(), bv) {
                        ("content", Node::Str(a, b)) if html_body => {
                            html_field(c, *a, *b, o, "body.content")
                        }
                        _ => c.all_strings(bv, o, &format!("body.{bk}")),
                    }
                }
            }
            ("replies", Node::Arr(replies)) => {
                let id = s(&["id"]);
                for r in replies.iter().filter(|r| is_message(r)) {
                    message(c, r, id.as_deref());
                }
            }
            _ => c.all_strings(v, o, k),
        }
    }
}

/// An HTML string field: JSON-unescaped, then tags stripped and entities decoded.
pub fn html_field(c: &mut Collector, a: usize, b: usize, object: usize, field: &str) {
    let mut text = Vec::new();
    let mut map = OffsetMap::new();
    json_escape::decode_into(&c.src[a..b], a, &mut text, &mut map);
    let stripped = html::strip_tags(&text);
    c.mapped(
        &stripped.bytes,
        &[&stripped.map, &map],
        object,
        field,
        &[html::NAME],
    );
}
