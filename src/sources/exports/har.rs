//! HAR captures (browser devtools "Save all as HAR"): `log.entries[]` with request
//! and response headers, `cookies` arrays, `queryString`, `postData` and response
//! bodies. A header or cookie is scanned as `name: value` / `name=value` so rules
//! keyed on the header name (`Authorization: Bearer …`) see it. Location:
//! `{entry_index, url, header_or_cookie}`.

use super::collect::{location, Collector};
use super::json::Node;

/// Source name of HAR findings.
pub const FORMAT: &str = "har";

/// A HAR document.
pub fn is_har(doc: &Node) -> bool {
    matches!(doc.at(&["log", "entries"]), Some(Node::Arr(_)))
}

/// Scans a parsed HAR document.
pub fn read<'a>(src: &'a [u8], doc: &Node) -> Collector<'a> {
    let mut c = Collector::new(src, FORMAT);
    let entries = doc.at(&["log", "entries"]).map(Node::items).unwrap_or(&[]);
    for (i, e) in entries.iter().enumerate() {
        let url = e
            .at(&["request", "url"])
            .and_then(|n| n.text(src))
            .map(|t| t.into_owned());
        // The entry is one record: a cookie sent in its header and listed in
        // its `cookies` is one secret.
        let record = c.record();
        let obj = |c: &mut Collector, what: String| {
            c.object_in(
                record,
                location(&[
                    ("entry_index", Some(i.to_string())),
                    ("url", url.clone()),
                    ("header_or_cookie", Some(what)),
                ]),
            )
        };
        for side in ["request", "response"] {
            let Some(part) = e.get(side) else { continue };
            for (k, v) in part.members() {
                match (k.as_ref(), v) {
                    ("headers" | "cookies" | "queryString", Node::Arr(items)) => {
                        let (kind, sep): (&str, &[u8]) = match k.as_ref() {
                            "headers" => ("header", b": "),
                            "cookies" => ("cookie", b"="),
                            _ => ("query", b"="),
                        };
                        for h in items {
                            pair(&mut c, h, side, (kind, k), sep, &obj);
                        }
                    }
                    ("postData", pd) => {
                        for (pk, pv) in pd.members() {
                            if pk == "params" {
                                for p in pv.items() {
                                    pair(&mut c, p, side, ("param", "postData.params"), b"=", &obj);
                                }
                            } else {
                                let o = obj(&mut c, format!("{side}.postData"));
                                c.all_strings(pv, o, &format!("{side}.postData.{pk}"));
                            }
                        }
                    }
                    _ => {
                        let o = obj(&mut c, format!("{side}.{k}"));
                        c.all_strings(v, o, &format!("{side}.{k}"));
                    }
                }
            }
        }
        for (k, v) in e.members() {
            if k != "request" && k != "response" {
                let o = obj(&mut c, k.to_string());
                c.all_strings(v, o, k);
            }
        }
    }
    for (k, v) in doc.get("log").map(Node::members).unwrap_or(&[]) {
        if k != "entries" {
            let o = c.object(location(&[]));
            c.all_strings(v, o, &format!("log.{k}"));
        }
    }
    c
}

/// A `{name, value}` item scanned as `name<sep>value`, an object of its own.
/// `(kind, array)`: what the item is (`header:Authorization`) and the HAR
/// array holding it, which is the finding's `field` (`request.queryString`).
fn pair(
    c: &mut Collector,
    h: &Node,
    side: &str,
    (kind, array): (&str, &str),
    sep: &[u8],
    obj: &dyn Fn(&mut Collector, String) -> usize,
) {
    let src = c.src;
    let name = h.str_of(src, "name").unwrap_or_default();
    let o = obj(c, format!("{side}.{kind}:{name}"));
    let field = format!("{side}.{array}");
    match (h.get("name"), h.get("value")) {
        (Some(Node::Str(na, nb)), Some(Node::Str(va, vb))) => {
            c.json_piece(*na, *nb, o, &field, &[]);
            c.synthetic(sep, *nb);
            c.json_piece(*va, *vb, o, &field, &[]);
            c.end_run(*vb);
        }
        _ => c.all_strings(h, o, &field),
    }
    for (k, v) in h.members() {
        if k != "name" && k != "value" {
            c.all_strings(v, o, &format!("{field}.{k}"));
        }
    }
}
