//! Gathers the text fields of one export file into a single decoded view of the
//! file, each field tagged with the logical object it belongs to (a message, an
//! issue comment, a HAR entry) and its location. The view is scanned once (decode
//! layers included) by the pipeline, which asks the collector (a [`Locator`])
//! for the record and field holding each finding's original offset. Line and
//! column stay those of the file, because every view byte maps back to the file.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::json::Node;
use crate::decode::{html, json_escape, OffsetMap, View};
use crate::pipeline::{Blob, Hints, Locator, RecordPlace, Scanner};

/// One field's span in the file and what it belongs to.
#[derive(Debug, Clone)]
struct Anchor {
    start: usize,
    end: usize,
    object: usize,
    /// Index into `Collector::fields` (field paths repeat in every message).
    field: u32,
    /// Layers peeled by the reader itself (HTML stripped, JSON inside a string,
    /// ADF nodes joined); reported only for secrets whose bytes differ from the
    /// file's (a token split by tags or escaped), not for every secret in a body.
    layers: Vec<&'static str>,
}

/// Collects fields of one file, then scans them.
pub struct Collector<'a> {
    pub src: &'a [u8],
    /// The format's name: the `source` of its findings.
    format: &'static str,
    /// Spans of the file that are the format's own artefacts (sorted at scan).
    benign: Vec<(usize, usize)>,
    view: View,
    anchors: Vec<Anchor>,
    objects: Vec<Map<String, Value>>,
    /// The record each object belongs to: one secret in several objects of
    /// one record (a HAR entry's header and cookie) is one finding.
    records: Vec<usize>,
    next_record: usize,
    fields: Vec<Box<str>>,
    field_ids: HashMap<Box<str>, u32>,
}

/// A location object from pairs, leaving out absent values.
pub fn location(pairs: &[(&str, Option<String>)]) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            m.insert((*k).to_string(), Value::String(v.clone()));
        }
    }
    m
}

impl<'a> Collector<'a> {
    pub fn new(src: &'a [u8], format: &'static str) -> Self {
        Collector {
            src,
            format,
            benign: Vec::new(),
            view: View::default(),
            anchors: Vec::new(),
            objects: Vec::new(),
            records: Vec::new(),
            next_record: 0,
            fields: Vec::new(),
            field_ids: HashMap::new(),
        }
    }

    /// The id of a field path, allocated once per distinct path.
    fn field_id(&mut self, field: &str) -> u32 {
        if let Some(&id) = self.field_ids.get(field) {
            return id;
        }
        let id = self.fields.len() as u32;
        self.fields.push(field.into());
        self.field_ids.insert(field.into(), id);
        id
    }

    /// Registers a logical object (a message, a comment), a record of its
    /// own, and returns its id.
    pub fn object(&mut self, loc: Map<String, Value>) -> usize {
        let record = self.record();
        self.object_in(record, loc)
    }

    /// A new record id, for several objects that make one record.
    pub fn record(&mut self) -> usize {
        self.next_record += 1;
        self.next_record - 1
    }

    /// Registers an object (with its own location) in `record`.
    pub fn object_in(&mut self, record: usize, loc: Map<String, Value>) -> usize {
        self.objects.push(loc);
        self.records.push(record);
        self.objects.len() - 1
    }

    fn sep(&mut self, at: usize) {
        self.view.bytes.push(b'\n');
        self.view.map.replace(at, 0, 1);
    }

    /// Adds a JSON string (span of its contents) as a field of `object`. A string
    /// holding JSON (adaptive cards, tool-call arguments) is read as JSON too.
    pub fn json_str(&mut self, a: usize, b: usize, object: usize, field: &str) {
        let start = self.view.bytes.len();
        json_escape::decode_into(&self.src[a..b], a, &mut self.view.bytes, &mut self.view.map);
        let id = self.field_id(field);
        self.anchors.push(Anchor {
            start: a,
            end: b,
            object,
            field: id,
            layers: Vec::new(),
        });
        self.sep(b);
        let text = &self.view.bytes[start..self.view.bytes.len() - 1];
        let t = text.trim_ascii();
        let looks_json = (t.starts_with(b"{") && t.ends_with(b"}"))
            || (t.starts_with(b"[") && t.ends_with(b"]") && t.len() > 2);
        if looks_json && t.len() > 2 {
            let inner: Vec<u8> = text.to_vec();
            let mut map = OffsetMap::new();
            // The decoded text's map back to the file, rebuilt for this string.
            let mut tmp = Vec::new();
            json_escape::decode_into(&self.src[a..b], a, &mut tmp, &mut map);
            if let Ok(node) = super::json::parse(&inner) {
                self.nested_json(&inner, &map, &node, object, field, 1);
            }
        }
    }

    /// Strings of a JSON document found inside a string, mapped to the file.
    fn nested_json(
        &mut self,
        inner: &[u8],
        map: &OffsetMap,
        node: &Node,
        object: usize,
        field: &str,
        depth: usize,
    ) {
        if depth > 3 {
            return;
        }
        match node {
            Node::Str(a, b) => {
                let mut bytes = Vec::new();
                let mut m2 = OffsetMap::new();
                json_escape::decode_into(&inner[*a..*b], *a, &mut bytes, &mut m2);
                self.mapped(&bytes, &[&m2, map], object, field, &[json_escape::NAME]);
            }
            Node::Arr(items) => {
                for n in items {
                    self.nested_json(inner, map, n, object, field, depth);
                }
            }
            Node::Obj(members) => {
                for (k, n) in members {
                    let f = format!("{field}.{k}");
                    self.nested_json(inner, map, n, object, &f, depth);
                }
            }
            _ => {}
        }
    }

    /// Adds already decoded `bytes` whose offsets map to the file through `maps`
    /// (innermost first): HTML-stripped bodies, JSON inside strings.
    pub fn mapped(
        &mut self,
        bytes: &[u8],
        maps: &[&OffsetMap],
        object: usize,
        field: &str,
        layers: &[&'static str],
    ) {
        if bytes.is_empty() {
            return;
        }
        let to_file = |s: usize, e: usize| -> (usize, usize) {
            maps.iter().fold((s, e), |(s, e), m| (m.start(s), m.end(e)))
        };
        let (fs, fe) = to_file(0, bytes.len());
        for (k, &b) in bytes.iter().enumerate() {
            let (s, e) = to_file(k, k + 1);
            self.view.bytes.push(b);
            if e == s + 1 {
                self.view.map.copy(s, 1);
            } else {
                // Part of a decoded unit: map the byte to the whole unit.
                self.view.map.replace(s, e.saturating_sub(s), 1);
            }
        }
        let field = self.field_id(field);
        self.anchors.push(Anchor {
            start: fs,
            end: fe.max(fs + 1),
            object,
            field,
            layers: layers.to_vec(),
        });
        self.sep(fe);
    }

    /// Adds a JSON string as one piece of a run of pieces joined without a break
    /// (ADF text nodes split by marks); [`Collector::end_run`] closes the run.
    pub fn json_piece(
        &mut self,
        a: usize,
        b: usize,
        object: usize,
        field: &str,
        layers: &[&'static str],
    ) {
        json_escape::decode_into(&self.src[a..b], a, &mut self.view.bytes, &mut self.view.map);
        let field = self.field_id(field);
        self.anchors.push(Anchor {
            start: a,
            end: b,
            object,
            field,
            layers: layers.to_vec(),
        });
    }

    /// Adds bytes that are not in the file (`: ` between a HAR header's name and
    /// value, so rules keyed on `Authorization: Bearer` see their context); they
    /// map to the empty span at `at`.
    pub fn synthetic(&mut self, text: &[u8], at: usize) {
        self.view.bytes.extend_from_slice(text);
        self.view.map.replace(at, 0, text.len());
    }

    /// Ends a run of joined pieces.
    pub fn end_run(&mut self, at: usize) {
        if self.view.bytes.last().is_some_and(|&b| b != b'\n') {
            self.sep(at);
        }
    }

    /// Adds character data `a..b` of an XML/HTML file with entities decoded.
    pub fn entities(&mut self, a: usize, b: usize, object: usize, field: &str) {
        if b <= a {
            return;
        }
        html::decode_entities_into(&self.src[a..b], a, &mut self.view.bytes, &mut self.view.map);
        self.plain_anchor(a, b, object, field);
    }

    /// Adds markup `a..b` (XHTML storage format, HTML bodies) with tags stripped
    /// and entities decoded; `escaped` markup (`&lt;p&gt;` in XML text) has its
    /// entities decoded once before.
    pub fn markup(&mut self, a: usize, b: usize, escaped: bool, object: usize, field: &str) {
        if b <= a {
            return;
        }
        let mut text = Vec::new();
        let mut map = OffsetMap::new();
        if escaped {
            html::decode_entities_into(&self.src[a..b], a, &mut text, &mut map);
        } else {
            text.extend_from_slice(&self.src[a..b]);
            map.copy(a, b - a);
        }
        let stripped = html::strip_tags(&text);
        self.mapped(
            &stripped.bytes,
            &[&stripped.map, &map],
            object,
            field,
            &[html::NAME],
        );
    }

    /// Sets a key of an object's location after the fact (an RSS item's key comes
    /// after its description).
    pub fn set(&mut self, object: usize, key: &str, value: Option<String>) {
        if let (Some(v), Some(o)) = (value, self.objects.get_mut(object)) {
            o.insert(key.to_string(), Value::String(v));
        }
    }

    /// Records that view bytes just added came from `a..b` of the file, with no
    /// decode layer, and separates them from what follows.
    fn plain_anchor(&mut self, a: usize, b: usize, object: usize, field: &str) {
        let field = self.field_id(field);
        self.anchors.push(Anchor {
            start: a,
            end: b,
            object,
            field,
            layers: Vec::new(),
        });
        self.sep(b);
    }

    /// Adds raw file bytes `a..b` (XML CDATA, a CSV cell, a cookie jar line).
    pub fn raw(&mut self, a: usize, b: usize, object: usize, field: &str) {
        if b <= a {
            return;
        }
        self.view.bytes.extend_from_slice(&self.src[a..b]);
        self.view.map.copy(a, b - a);
        self.plain_anchor(a, b, object, field);
    }

    /// Adds every string under `node` as fields of `object`, named by JSON path
    /// from `path`.
    pub fn all_strings(&mut self, node: &Node, object: usize, path: &str) {
        let mut buf = String::with_capacity(64);
        buf.push_str(path);
        self.walk(node, object, &mut buf);
    }

    /// `all_strings` with one path buffer for the whole walk.
    fn walk(&mut self, node: &Node, object: usize, path: &mut String) {
        match node {
            Node::Str(a, b) => self.json_str(*a, *b, object, path),
            Node::Arr(items) => {
                let len = path.len();
                for (i, n) in items.iter().enumerate() {
                    use std::fmt::Write as _;
                    let _ = write!(path, "[{i}]");
                    self.walk(n, object, path);
                    path.truncate(len);
                }
            }
            Node::Obj(members) => {
                let len = path.len();
                for (k, n) in members {
                    if len > 0 {
                        path.push('.');
                    }
                    path.push_str(k);
                    self.walk(n, object, path);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// Marks `a..b` of the file as the format's own artefact, never a leak
    /// (a Slack export's download token in its file URLs).
    pub fn benign(&mut self, a: usize, b: usize) {
        self.benign.push((a, b));
    }

    /// Scans the collected text as one input: every finding gets the location
    /// of the object (message, comment, entry) holding it plus its `field`,
    /// and copies of one secret in one object become one finding.
    pub fn scan(mut self, path: &str, scanner: &Scanner) {
        scanner.count_input(self.src.len() as u64);
        if self.view.bytes.is_empty() {
            return;
        }
        self.anchors.sort_by_key(|a| (a.start, a.end));
        self.benign.sort_unstable();
        let provenance = super::provenance(path, self.format);
        let view = std::mem::take(&mut self.view);
        let hints = Hints {
            view: Some(&view),
            locator: Some(&self),
            benign: &self.benign,
            ..Hints::default()
        };
        scanner.scan_part(&Blob::new(self.src, &provenance).with_hints(hints));
    }
}

impl Locator for Collector<'_> {
    /// The innermost field holding the offset: fields nest (a string's JSON
    /// inside it), so look back past siblings that ended before it.
    fn locate(&self, at: usize) -> Option<RecordPlace<'_>> {
        let i = self.anchors.partition_point(|a| a.start <= at);
        let anchor = self.anchors[..i]
            .iter()
            .rev()
            .take(256)
            .find(|a| at <= a.end)?;
        let mut location = self.objects[anchor.object].clone();
        let field = self.fields[anchor.field as usize].to_string();
        location.insert("field".into(), Value::String(field));
        Some(RecordPlace {
            record: self.records[anchor.object],
            location,
            layers: &anchor.layers,
        })
    }

    fn default_layer(&self) -> &'static str {
        json_escape::NAME
    }
}

impl Collector<'_> {
    /// A cookie jar's `name<TAB>value` as `name=value` (the `=` mapped to the tab).
    pub fn view_pair(&mut self, name: (usize, usize), value: (usize, usize), object: usize) {
        self.view.bytes.extend_from_slice(&self.src[name.0..name.1]);
        self.view.map.copy(name.0, name.1 - name.0);
        self.view.bytes.push(b'=');
        self.view.map.replace(name.1, value.0 - name.1, 1);
        self.view
            .bytes
            .extend_from_slice(&self.src[value.0..value.1]);
        self.view.map.copy(value.0, value.1 - value.0);
        let field = self.field_id("cookie");
        self.anchors.push(Anchor {
            start: name.0,
            end: value.1,
            object,
            field,
            layers: Vec::new(),
        });
        self.sep(value.1);
    }
}
