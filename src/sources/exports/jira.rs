//! Jira exports: REST issue JSON (v2 wiki-markup strings and v3 ADF documents,
//! comments, custom fields, `renderedFields` HTML and `changelog` history, where
//! removed text survives), the XML backup `entities.xml` (`Issue`, `Action`
//! comments, `ChangeItem` history, custom field values) and the issue navigator
//! RSS/XML export. Location: `{issue, field, comment_id, author, created}`,
//! plus `author_id` (account id, user name or user key) and `author_email`
//! where the export has them.

use std::collections::HashMap;

use super::collect::{location, Collector};
use super::json::Node;
use super::malformed;
use super::xml::{self, Event, Reader};
use crate::pipeline::Scanner;

/// Layer name for text joined from ADF text nodes.
pub const ADF: &str = "adf";

/// Source name of Jira findings.
pub const FORMAT: &str = "jira";

fn is_issue(n: &Node) -> bool {
    n.get("key").is_some() && n.get("fields").is_some_and(Node::is_obj)
}

/// Scans REST issue JSON (one issue, a search result, or an array of issues).
pub fn read_json<'a>(src: &'a [u8], doc: &Node) -> Option<Collector<'a>> {
    let issues: Vec<&Node> = if is_issue(doc) {
        vec![doc]
    } else if let Some(v) = doc.get("issues").filter(|v| v.items().iter().any(is_issue)) {
        v.items().iter().collect()
    } else if doc.items().iter().take(8).any(is_issue) {
        doc.items().iter().collect()
    } else {
        return None;
    };
    let mut c = Collector::new(src, FORMAT);
    for i in issues.into_iter().filter(|i| is_issue(i)) {
        issue(&mut c, i);
    }
    Some(c)
}

fn person(src: &[u8], n: Option<&Node>) -> Option<String> {
    let n = n?;
    n.str_of(src, "displayName")
        .or_else(|| n.str_of(src, "accountId"))
        .or_else(|| n.str_of(src, "name"))
        .or_else(|| n.text(src).map(|t| t.into_owned()))
}

/// A REST user object's location keys: `author` (display name), `author_id`
/// (Cloud `accountId`, Server/DC `name` or `key`) and `author_email` when
/// the export shows it: what a roster matches the leaker on.
fn author(src: &[u8], n: Option<&Node>) -> [(&'static str, Option<String>); 3] {
    let id = n.and_then(|n| {
        n.str_of(src, "accountId")
            .or_else(|| n.str_of(src, "name"))
            .or_else(|| n.str_of(src, "key"))
    });
    [
        ("author", person(src, n)),
        ("author_id", id),
        (
            "author_email",
            n.and_then(|n| n.str_of(src, "emailAddress")),
        ),
    ]
}

/// `fixed` followed by `more`, for [`location`].
fn with<'k>(
    fixed: &[(&'k str, Option<String>)],
    more: [(&'k str, Option<String>); 3],
) -> Vec<(&'k str, Option<String>)> {
    fixed.iter().cloned().chain(more).collect()
}

fn issue(c: &mut Collector, i: &Node) {
    let src = c.src;
    let key = i.str_of(src, "key");
    let fields = i.get("fields").expect("checked by is_issue");
    let base = |c: &mut Collector| {
        c.object(location(&with(
            &[
                ("issue", key.clone()),
                ("created", fields.str_of(src, "created")),
            ],
            author(src, fields.get("reporter")),
        )))
    };
    let o = base(c);
    for (k, v) in fields.members() {
        match k.as_ref() {
            "comment" => {
                let comments = v.get("comments").map(Node::items).unwrap_or(v.items());
                for cm in comments {
                    let co = c.object(location(&with(
                        &[
                            ("issue", key.clone()),
                            ("comment_id", cm.str_of(src, "id")),
                            ("created", cm.str_of(src, "created")),
                        ],
                        author(src, cm.get("author")),
                    )));
                    for (ck, cv) in cm.members() {
                        if ck == "body" {
                            rich(c, cv, co, "comment");
                        } else {
                            c.all_strings(cv, co, &format!("comment.{ck}"));
                        }
                    }
                }
            }
            "worklog" => {
                for w in v.get("worklogs").map(Node::items).unwrap_or(&[]) {
                    let wo = c.object(location(&with(
                        &[
                            ("issue", key.clone()),
                            ("created", w.str_of(src, "created")),
                        ],
                        author(src, w.get("author")),
                    )));
                    for (wk, wv) in w.members() {
                        rich(c, wv, wo, &format!("worklog.{wk}"));
                    }
                }
            }
            _ => rich(c, v, o, k),
        }
    }
    // Rendered HTML of the same fields.
    if let Some(r) = i.get("renderedFields") {
        for (k, v) in r.members() {
            if let Node::Str(a, b) = v {
                super::teams::html_field(c, *a, *b, o, &format!("renderedFields.{k}"));
            } else {
                c.all_strings(v, o, &format!("renderedFields.{k}"));
            }
        }
    }
    for h in i
        .at(&["changelog", "histories"])
        .map(Node::items)
        .unwrap_or(&[])
    {
        let ho = c.object(location(&with(
            &[
                ("issue", key.clone()),
                ("created", h.str_of(src, "created")),
                ("history_id", h.str_of(src, "id")),
            ],
            author(src, h.get("author")),
        )));
        for item in h.get("items").map(Node::items).unwrap_or(&[]) {
            let f = item.str_of(src, "field").unwrap_or_default();
            for (ik, iv) in item.members() {
                c.all_strings(iv, ho, &format!("changelog.{f}.{ik}"));
            }
        }
    }
    for (k, v) in i.members() {
        if !matches!(k.as_ref(), "fields" | "renderedFields" | "changelog") {
            c.all_strings(v, o, k);
        }
    }
}

/// A rich-text value: an ADF document, or anything else read string by string.
fn rich(c: &mut Collector, v: &Node, object: usize, field: &str) {
    let src = c.src;
    let is_adf = v.get("type").and_then(|t| t.text(src)).as_deref() == Some("doc")
        && v.get("content").is_some();
    if is_adf {
        adf(c, v, object, field);
    } else {
        c.all_strings(v, object, field);
    }
}

/// Walks an ADF tree: the `text` nodes of one block are joined without a break,
/// so a token split across marks (`<strong>`) is found whole; attributes (link
/// URLs, card URLs, mention texts) are scanned as fields of their own.
fn adf(c: &mut Collector, n: &Node, object: usize, field: &str) {
    let src = c.src;
    let ty = n.get("type").and_then(|t| t.text(src)).unwrap_or_default();
    if ty == "text" {
        if let Some(Node::Str(a, b)) = n.get("text") {
            c.json_piece(*a, *b, object, field, &[ADF]);
        }
        for m in n.get("marks").map(Node::items).unwrap_or(&[]) {
            if let Some(attrs) = m.get("attrs") {
                let end = match n.get("text") {
                    Some(Node::Str(_, b)) => *b,
                    _ => 0,
                };
                c.end_run(end);
                c.all_strings(attrs, object, field);
            }
        }
        return;
    }
    if ty == "hardBreak" {
        return;
    }
    if let Some(attrs) = n.get("attrs") {
        c.all_strings(attrs, object, field);
    }
    let children = n.get("content").map(Node::items).unwrap_or(&[]);
    for ch in children {
        adf(c, ch, object, field);
    }
    // A block (paragraph, code block, list item) ends the run of joined text.
    let end = match children.last().and_then(|l| l.get("text")) {
        Some(Node::Str(_, b)) => *b,
        _ => 0,
    };
    c.end_run(end);
}

/// Scans a Jira XML backup (`entities.xml`, root `<entity-engine-xml>`).
pub fn read_entities<'a>(path: &str, src: &'a [u8], scanner: &Scanner) -> Collector<'a> {
    let mut c = Collector::new(src, FORMAT);
    let mut projects: HashMap<String, String> = HashMap::new();
    let mut issues: HashMap<String, String> = HashMap::new();
    // ChangeGroup id → (issue, author, created).
    type Group = (Option<String>, Option<String>, Option<String>);
    let mut groups: HashMap<String, Group> = HashMap::new();
    let mut r = Reader::new(src);
    let mut depth = 0usize;
    let mut current: Option<(usize, String)> = None;
    let mut child: Option<String> = None;
    for ev in r.by_ref() {
        match ev {
            Event::Start { name, attrs, empty } => {
                depth += 1;
                let tag = xml::text(src, name).to_string();
                if depth == 2 {
                    let a = |k: &str| xml::attr_text(src, &attrs, k);
                    let issue_key = |issue_id: Option<String>| {
                        issue_id.map(|id| issues.get(&id).cloned().unwrap_or(id))
                    };
                    let (issue, comment_id, author, created) = match tag.as_str() {
                        "Project" => {
                            if let (Some(id), Some(k)) = (a("id"), a("key")) {
                                projects.insert(id, k);
                            }
                            (None, None, a("lead"), None)
                        }
                        "Issue" => {
                            let key = a("key").or_else(|| {
                                let p = a("projectKey").or_else(|| a("pkey")).or_else(|| {
                                    a("project").and_then(|p| projects.get(&p).cloned())
                                })?;
                                Some(format!("{p}-{}", a("number")?))
                            });
                            if let (Some(id), Some(k)) = (a("id"), key.clone()) {
                                issues.insert(id, k);
                            }
                            (key.or_else(|| a("id")), None, a("reporter"), a("created"))
                        }
                        "Action" => (issue_key(a("issue")), a("id"), a("author"), a("created")),
                        "ChangeGroup" => {
                            if let Some(id) = a("id") {
                                groups
                                    .insert(id, (issue_key(a("issue")), a("author"), a("created")));
                            }
                            (issue_key(a("issue")), None, a("author"), a("created"))
                        }
                        "ChangeItem" => {
                            let g = a("group").and_then(|g| groups.get(&g).cloned());
                            let (i, au, cr) = g.unwrap_or_default();
                            (i, None, au, cr)
                        }
                        _ => (issue_key(a("issue")), None, a("author"), a("created")),
                    };
                    // The backup names people by user key: it is the id too.
                    let o = c.object(location(&[
                        ("issue", issue),
                        ("comment_id", comment_id),
                        ("author_id", author.clone()),
                        ("author", author),
                        ("created", created),
                        ("entity", Some(tag.clone())),
                    ]));
                    let prefix = match tag.as_str() {
                        "ChangeItem" => {
                            format!("changelog.{}", a("field").unwrap_or_else(|| "field".into()))
                        }
                        "Action" => "comment".into(),
                        "CustomFieldValue" => {
                            format!("customfield_{}", a("customfield").unwrap_or_default())
                        }
                        _ => String::new(),
                    };
                    for at in &attrs {
                        let n = xml::text(src, at.name);
                        let field = if prefix.is_empty() {
                            n.to_string()
                        } else {
                            format!("{prefix}.{n}")
                        };
                        c.entities(at.value.0, at.value.1, o, &field);
                    }
                    current = (!empty).then_some((o, prefix));
                } else if depth == 3 {
                    child = Some(tag);
                }
                if empty {
                    depth -= 1;
                }
            }
            Event::End { .. } => {
                if depth == 2 {
                    current = None;
                }
                if depth == 3 {
                    child = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text((a, b)) | Event::CData((a, b)) => {
                if let Some((o, prefix)) = &current {
                    let name = child.clone().unwrap_or_else(|| "text".into());
                    let field = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}.{name}")
                    };
                    if src[a..b].iter().any(|c| !c.is_ascii_whitespace()) {
                        if matches!(ev, Event::CData(_)) {
                            c.raw(a, b, *o, &field);
                        } else {
                            c.entities(a, b, *o, &field);
                        }
                    }
                }
            }
        }
    }
    if let Some((at, what)) = r.problem {
        malformed(scanner, path, "Jira XML", format!("{what} at byte {at}"));
    }
    c
}

/// Scans a Jira issue navigator XML/RSS export (`<rss><channel><item>`).
pub fn read_rss<'a>(path: &str, src: &'a [u8], scanner: &Scanner) -> Collector<'a> {
    let mut c = Collector::new(src, FORMAT);
    let mut r = Reader::new(src);
    let mut stack: Vec<String> = Vec::new();
    let mut item_objects: Vec<usize> = Vec::new();
    let mut item: Option<usize> = None;
    let mut comment: Option<usize> = None;
    let mut key: Option<String> = None;
    let mut key_text = false;
    let mut reporter_text = false;
    for ev in r.by_ref() {
        match ev {
            Event::Start { name, attrs, empty } => {
                let tag = xml::text(src, name).to_string();
                match tag.as_str() {
                    "item" => {
                        let o = c.object(location(&[]));
                        item = Some(o);
                        item_objects = vec![o];
                        key = None;
                    }
                    "comment" if item.is_some() => {
                        let author = xml::attr_text(src, &attrs, "author");
                        let o = c.object(location(&[
                            ("comment_id", xml::attr_text(src, &attrs, "id")),
                            ("author_id", author.clone()),
                            ("author", author),
                            ("created", xml::attr_text(src, &attrs, "created")),
                        ]));
                        item_objects.push(o);
                        comment = Some(o);
                    }
                    "key" if item.is_some() && stack.last().is_some_and(|t| t == "item") => {
                        key_text = true;
                    }
                    "reporter" if item.is_some() && stack.last().is_some_and(|t| t == "item") => {
                        if let Some(o) = item {
                            c.set(o, "author_id", xml::attr_text(src, &attrs, "username"));
                        }
                        reporter_text = true;
                    }
                    _ => {}
                }
                if let Some(o) = comment.or(item) {
                    for at in &attrs {
                        let field = format!("{tag}.{}", xml::text(src, at.name));
                        c.entities(at.value.0, at.value.1, o, &field);
                    }
                }
                if !empty {
                    stack.push(tag);
                }
            }
            Event::End { name } => {
                let tag = xml::text(src, name);
                match tag {
                    "item" => {
                        for &o in &item_objects {
                            c.set(o, "issue", key.clone());
                        }
                        item = None;
                    }
                    "comment" => comment = None,
                    "key" => key_text = false,
                    "reporter" => reporter_text = false,
                    _ => {}
                }
                if let Some(p) = stack.iter().rposition(|t| t == tag) {
                    stack.truncate(p);
                }
            }
            Event::Text((a, b)) | Event::CData((a, b)) => {
                if key_text {
                    key = Some(xml::decode_text(&src[a..b]).trim().to_string());
                }
                if reporter_text {
                    if let Some(o) = item {
                        let name = xml::decode_text(&src[a..b]).trim().to_string();
                        c.set(o, "author", (!name.is_empty()).then_some(name));
                    }
                }
                let Some(o) = comment.or(item) else {
                    continue;
                };
                if src[a..b].iter().all(|c| c.is_ascii_whitespace()) {
                    continue;
                }
                let field = if comment.is_some() {
                    "comment".to_string()
                } else {
                    stack.last().cloned().unwrap_or_default()
                };
                // Descriptions and comments are HTML escaped into the XML text.
                let cdata = matches!(ev, Event::CData(_));
                c.markup(a, b, !cdata, o, &field);
            }
        }
    }
    if let Some((at, what)) = r.problem {
        malformed(scanner, path, "Jira XML", format!("{what} at byte {at}"));
    }
    c
}

/// A Jira CSV export ("Export > CSV (all fields)"): its header names an
/// `Issue key` column.
pub fn is_csv(src: &[u8]) -> bool {
    let first = src.split(|&b| b == b'\n').next().unwrap_or(&[]);
    memchr::memmem::find(first, b"Issue key").is_some() && memchr::memchr(b',', first).is_some()
}

/// One CSV cell: its decoded bytes (`""` → `"`) with the map back to the file.
struct Cell {
    bytes: Vec<u8>,
    map: crate::decode::OffsetMap,
}

/// Splits CSV (RFC 4180: quoted cells may hold commas, quotes and newlines) into
/// rows of cells, never failing: an unterminated quote runs to the end.
fn csv_rows(src: &[u8]) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut i = 0;
    let n = src.len();
    loop {
        let mut cell = Cell {
            bytes: Vec::new(),
            map: crate::decode::OffsetMap::new(),
        };
        if i < n && src[i] == b'"' {
            i += 1;
            loop {
                let Some(p) = memchr::memchr(b'"', &src[i..]) else {
                    cell.bytes.extend_from_slice(&src[i..]);
                    cell.map.copy(i, n - i);
                    i = n;
                    break;
                };
                cell.bytes.extend_from_slice(&src[i..i + p]);
                cell.map.copy(i, p);
                i += p;
                if src.get(i + 1) == Some(&b'"') {
                    cell.bytes.push(b'"');
                    cell.map.replace(i, 2, 1);
                    i += 2;
                } else {
                    i += 1;
                    break;
                }
            }
            while i < n && !matches!(src[i], b',' | b'\n') {
                i += 1;
            }
        } else {
            let end = src[i..]
                .iter()
                .position(|&b| b == b',' || b == b'\n')
                .map_or(n, |p| i + p);
            let e = if end > i && src[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            cell.bytes.extend_from_slice(&src[i..e]);
            cell.map.copy(i, e - i);
            i = end;
        }
        row.push(cell);
        if i >= n {
            rows.push(row);
            return rows;
        }
        if src[i] == b'\n' {
            rows.push(std::mem::take(&mut row));
        }
        i += 1;
        if i >= n {
            rows.push(row);
            return rows;
        }
    }
}

/// Scans a Jira CSV export: one object per issue row, and one per comment cell
/// (`date;author;body`). Location: `{issue, field, author, created}`.
pub fn read_csv(src: &[u8]) -> Collector<'_> {
    let rows = csv_rows(src);
    let mut c = Collector::new(src, FORMAT);
    let Some((header, body)) = rows.split_first() else {
        return c;
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(&h.bytes).trim().to_string())
        .collect();
    let col = |name: &str| names.iter().position(|n| n == name);
    let (key_col, created_col, reporter_col) = (col("Issue key"), col("Created"), col("Reporter"));
    for row in body {
        let text = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .map(|c| String::from_utf8_lossy(&c.bytes).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let issue = text(key_col);
        let o = c.object(location(&[
            ("issue", issue.clone()),
            ("author", text(reporter_col)),
            ("created", text(created_col)),
        ]));
        for (i, cell) in row.iter().enumerate() {
            if cell.bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let name = names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1));
            let obj = if name == "Comment" {
                // `20/Nov/26 11:00 AM;accountId;body`
                let t = String::from_utf8_lossy(&cell.bytes);
                let mut parts = t.splitn(3, ';');
                let (date, author) = (parts.next(), parts.next());
                match (date, author, parts.next()) {
                    (Some(d), Some(a), Some(_)) => c.object(location(&[
                        ("issue", issue.clone()),
                        ("author", Some(a.to_string())),
                        ("author_id", Some(a.to_string())),
                        ("created", Some(d.to_string())),
                    ])),
                    _ => o,
                }
            } else {
                o
            };
            c.mapped(&cell.bytes, &[&cell.map], obj, &name, &[]);
        }
    }
    c
}
