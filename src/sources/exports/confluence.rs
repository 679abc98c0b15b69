//! Confluence exports: the XML space export / site backup `entities.xml` (a
//! hibernate dump of `<object class="Page|BlogPost|Comment|BodyContent|…">`;
//! bodies are storage-format XHTML in CDATA, code macros nest a second CDATA
//! whose end marker Confluence damages as `]] >`; older page versions are Page
//! objects of their own, so deleted secrets survive there) and HTML exports.
//! Location: `{space, page_id, title, version, comment_id}` plus `historical`,
//! and who wrote it: `editor` / `creator` (user names), `editor_id` /
//! `creator_id` (user keys) and `editor_email` / `creator_email` from the
//! backup's users; `editor_name` / `creator_name` from an HTML page's metadata.

use std::collections::HashMap;

use serde_json::Value;

use super::collect::{location, Collector};
use super::xml::{self, Event, Reader, Span};
use super::{file_name, malformed};
use crate::pipeline::Scanner;

/// Source name of Confluence findings.
pub const FORMAT: &str = "confluence";

/// One property of an object: its text spans and, for references, the id.
#[derive(Debug, Default, Clone)]
struct Prop {
    /// (span, is CDATA)
    text: Vec<(Span, bool)>,
    reference: Option<String>,
}

#[derive(Debug, Default)]
struct Object {
    class: String,
    id: Option<String>,
    props: Vec<(String, Prop)>,
}

impl Object {
    fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }
}

fn prop_text(src: &[u8], o: &Object, name: &str) -> Option<String> {
    let p = o.prop(name)?;
    if let Some(r) = &p.reference {
        return Some(r.clone());
    }
    let mut s = String::new();
    for ((a, b), cdata) in &p.text {
        if *cdata {
            s.push_str(&String::from_utf8_lossy(&src[*a..*b]));
        } else {
            s.push_str(&xml::decode_text(&src[*a..*b]));
        }
    }
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Reads the flat object list of `entities.xml`.
fn objects(src: &[u8], r: &mut Reader) -> Vec<Object> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur: Option<Object> = None;
    // (property name, prop) being read, and whether we are inside its `<id>`.
    let mut prop: Option<(String, Prop)> = None;
    let mut in_id = false;
    let mut in_own_id = false;
    for ev in r.by_ref() {
        match ev {
            Event::Start { name, attrs, empty } => {
                depth += 1;
                let tag = xml::text(src, name);
                match (depth, tag) {
                    (2, "object") => {
                        cur = Some(Object {
                            class: xml::attr_text(src, &attrs, "class").unwrap_or_default(),
                            ..Object::default()
                        });
                    }
                    (3, "id") => in_own_id = true,
                    (3, "property") => {
                        let n = xml::attr_text(src, &attrs, "name").unwrap_or_default();
                        prop = Some((n, Prop::default()));
                    }
                    (4, "id") if prop.is_some() => in_id = true,
                    _ => {}
                }
                if empty {
                    match (depth, tag) {
                        (3, "property") => {
                            if let (Some(o), Some(p)) = (cur.as_mut(), prop.take()) {
                                o.props.push(p);
                            }
                        }
                        (2, "object") => out.extend(cur.take()),
                        _ => {}
                    }
                    in_id = false;
                    in_own_id = false;
                    depth -= 1;
                }
            }
            Event::End { name } => {
                match (depth, xml::text(src, name)) {
                    (2, "object") => out.extend(cur.take()),
                    (3, "property") => {
                        if let (Some(o), Some(p)) = (cur.as_mut(), prop.take()) {
                            o.props.push(p);
                        }
                    }
                    (3, "id") => in_own_id = false,
                    (4, "id") => in_id = false,
                    _ => {}
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(s) | Event::CData(s) => {
                let cdata = matches!(ev, Event::CData(_));
                if in_own_id {
                    if let Some(o) = cur.as_mut() {
                        o.id = Some(xml::decode_text(&src[s.0..s.1]).trim().to_string());
                    }
                } else if let Some((_, p)) = prop.as_mut() {
                    if in_id {
                        p.reference = Some(xml::decode_text(&src[s.0..s.1]).trim().to_string());
                    } else if src[s.0..s.1].iter().any(|b| !b.is_ascii_whitespace()) {
                        p.text.push((s, cdata));
                    }
                }
            }
        }
    }
    out
}

/// Scans `entities.xml` of a Confluence space export or site backup.
pub fn read_entities<'a>(path: &str, src: &'a [u8], scanner: &Scanner) -> Collector<'a> {
    let mut r = Reader::new(src);
    let objs = objects(src, &mut r);
    let by_id = |class: &[&str]| -> HashMap<String, usize> {
        objs.iter()
            .enumerate()
            .filter(|(_, o)| class.contains(&o.class.as_str()))
            .filter_map(|(i, o)| Some((o.id.clone()?, i)))
            .collect()
    };
    let spaces = by_id(&["Space"]);
    let pages = by_id(&["Page", "BlogPost"]);
    let comments = by_id(&["Comment"]);
    let users = by_id(&["ConfluenceUserImpl"]);
    // Who wrote a page version or comment (`lastModifier`) and who created it:
    // user keys resolved to user names and e-mails, for `leaked_by`.
    let people = |o: &Object, m: &mut serde_json::Map<String, Value>| {
        for (prop, who) in [("lastModifier", "editor"), ("creator", "creator")] {
            for k in ["", "_id", "_email"] {
                m.remove(&format!("{who}{k}"));
            }
            let Some(key) = prop_text(src, o, prop) else {
                continue;
            };
            let user = users.get(&key).map(|&i| &objs[i]);
            let text = |p: &str| user.and_then(|u| prop_text(src, u, p));
            let pairs = [
                (who.to_string(), text("name")),
                (format!("{who}_id"), Some(key.clone())),
                (format!("{who}_email"), text("email")),
            ];
            for (k, v) in pairs {
                if let Some(v) = v {
                    m.insert(k, Value::String(v));
                }
            }
        }
    };
    let page_loc = |id: &str| -> serde_json::Map<String, Value> {
        let Some(&i) = pages.get(id) else {
            return location(&[("page_id", Some(id.to_string()))]);
        };
        let p = &objs[i];
        let space = prop_text(src, p, "space").and_then(|s| {
            spaces
                .get(&s)
                .and_then(|&si| prop_text(src, &objs[si], "key"))
                .or(Some(s))
        });
        let original = prop_text(src, p, "originalVersion");
        let mut m = location(&[
            ("space", space),
            ("page_id", Some(id.to_string())),
            ("title", prop_text(src, p, "title")),
            ("version", prop_text(src, p, "version")),
            ("current_page_id", original.clone()),
        ]);
        if original.is_some() || prop_text(src, p, "contentStatus").is_some_and(|s| s != "current")
        {
            m.insert("historical".into(), Value::Bool(true));
        }
        if p.class == "BlogPost" {
            m.insert("blog_post".into(), Value::Bool(true));
        }
        people(p, &mut m);
        m
    };
    let comment_loc = |id: &str| {
        let comment = comments.get(id).map(|&i| &objs[i]);
        let page = comment.and_then(|o| {
            ["containerContent", "container", "page", "owner"]
                .iter()
                .find_map(|k| prop_text(src, o, k))
        });
        let mut m = page.map(|p| page_loc(&p)).unwrap_or_default();
        m.insert("comment_id".into(), Value::String(id.to_string()));
        match comment {
            Some(o) => people(o, &mut m),
            None => people(&Object::default(), &mut m),
        }
        m
    };
    let mut c = Collector::new(src, FORMAT);
    for o in &objs {
        let id = o.id.clone().unwrap_or_default();
        let loc = match o.class.as_str() {
            "BodyContent" => {
                let owner = prop_text(src, o, "content").unwrap_or_default();
                if comments.contains_key(&owner) {
                    comment_loc(&owner)
                } else {
                    page_loc(&owner)
                }
            }
            "Page" | "BlogPost" => page_loc(&id),
            "Comment" => comment_loc(&id),
            "Space" => location(&[("space", prop_text(src, o, "key"))]),
            _ => location(&[]),
        };
        let mut loc = loc;
        loc.insert("entity".into(), Value::String(o.class.clone()));
        let obj = c.object(loc);
        for (name, p) in &o.props {
            for ((a, b), cdata) in &p.text {
                if o.class == "BodyContent" && name == "body" {
                    c.markup(*a, *b, !cdata, obj, "body");
                } else if *cdata {
                    c.raw(*a, *b, obj, name);
                } else {
                    c.entities(*a, *b, obj, name);
                }
            }
        }
    }
    if let Some((at, what)) = r.problem {
        malformed(
            scanner,
            path,
            "Confluence XML",
            format!("{what} at byte {at}"),
        );
    }
    c
}

/// A page of a Confluence HTML export.
pub fn is_html_export(src: &[u8]) -> bool {
    let has = |n: &[u8]| memchr::memmem::find(src, n).is_some();
    (has(b"id=\"main-content\"") || has(b"class=\"wiki-content"))
        && (has(b"confluence") || has(b"Confluence") || has(b"id=\"title-text\""))
}

/// Scans a page of a Confluence HTML export; title and space come from
/// `<title>Space : Page</title>`, the page id from the file name (`Page_123.html`).
pub fn read_html<'a>(path: &str, src: &'a [u8]) -> Collector<'a> {
    let title = memchr::memmem::find(src, b"<title>").and_then(|s| {
        let s = s + 7;
        let e = s + memchr::memmem::find(&src[s..], b"</title>")?;
        Some(xml::decode_text(&src[s..e]))
    });
    let (space, title) = match title.as_deref().and_then(|t| t.split_once(" : ")) {
        Some((s, t)) => (Some(s.trim().to_string()), Some(t.trim().to_string())),
        None => (None, title.clone()),
    };
    let name = file_name(path);
    let page_id = name
        .strip_suffix(".html")
        .and_then(|n| n.rsplit(['_', '-']).next())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string);
    let mut c = Collector::new(src, FORMAT);
    let o = c.object(location(&[
        ("space", space),
        ("page_id", page_id),
        ("title", title),
        ("creator_name", span_text(src, b"class='author'")),
        ("editor_name", span_text(src, b"class='editor'")),
    ]));
    c.markup(0, src.len(), false, o, "html");
    c
}

/// The text of the first `<span …>` whose attributes hold `marker` (the
/// HTML export's page metadata: `Created by <span class='author'> Jane Doe</span>,
/// last modified by <span class='editor'> …</span>`).
fn span_text(src: &[u8], marker: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(src, marker)?;
    let start = at + memchr::memchr(b'>', &src[at..])? + 1;
    let end = start + memchr::memmem::find(&src[start..], b"</span>")?;
    let text = xml::decode_text(&src[start..end]);
    let text = text.trim();
    (!text.is_empty() && !text.contains('<')).then(|| text.to_string())
}
