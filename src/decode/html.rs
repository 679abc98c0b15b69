//! HTML/XML entities and tags. Chat and wiki exports store message bodies as
//! HTML (Teams `body.content`, Confluence storage XHTML, Jira RSS descriptions):
//! `&amp;token=`, `&#47;` inside a URL, or `<b>` marks in the middle of a token
//! hide secrets from regexes run on the markup.

use super::peel::lines_with;
use super::{OffsetMap, View};

/// Layer name reported in `decoded`.
pub const NAME: &str = "html";

const NAMED: &[(&[u8], &str)] = &[
    (b"amp", "&"),
    (b"lt", "<"),
    (b"gt", ">"),
    (b"quot", "\""),
    (b"apos", "'"),
    // A no-break space ends a token like a space does.
    (b"nbsp", " "),
    (b"sol", "/"),
    (b"equals", "="),
    (b"plus", "+"),
    (b"colon", ":"),
    (b"period", "."),
    (b"lowbar", "_"),
    (b"hyphen", "-"),
    (b"dash", "-"),
    (b"num", "#"),
    (b"percnt", "%"),
    (b"quest", "?"),
    (b"commat", "@"),
];

/// The entity starting at `s[at] == b'&'`: its length and decoded text.
pub fn entity_at(s: &[u8], at: usize) -> Option<(usize, String)> {
    let rest = &s[at + 1..];
    let semi = rest.iter().take(12).position(|&b| b == b';')?;
    let name = &rest[..semi];
    let len = semi + 2;
    if let Some(num) = name.strip_prefix(b"#") {
        let (digits, radix) = match num.first() {
            Some(b'x' | b'X') => (&num[1..], 16),
            _ => (num, 10),
        };
        let cp = u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()?;
        let ch = char::from_u32(cp).filter(|&c| c != '\0')?;
        let ch = if ch == '\u{a0}' { ' ' } else { ch };
        return Some((len, ch.to_string()));
    }
    NAMED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| (len, v.to_string()))
}

/// Appends `raw` (at `base` in the original) to `out` with entities decoded.
pub fn decode_entities_into(raw: &[u8], base: usize, out: &mut Vec<u8>, map: &mut OffsetMap) {
    let mut plain = 0;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'&', &raw[i..]) {
        let at = i + p;
        match entity_at(raw, at) {
            Some((len, text)) => {
                out.extend_from_slice(&raw[plain..at]);
                map.copy(base + plain, at - plain);
                out.extend_from_slice(text.as_bytes());
                map.replace(base + at, len, text.len());
                i = at + len;
                plain = i;
            }
            None => i = at + 1,
        }
    }
    out.extend_from_slice(&raw[plain..]);
    map.copy(base + plain, raw.len() - plain);
}

/// The entity-decoded view of the lines of `input` that hold an entity, or
/// `None` when there is none (cheap check: `memchr` for `&`).
pub fn layer(input: &[u8]) -> Option<View> {
    memchr::memchr(b'&', input)?;
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    let mut any = false;
    for (start, end) in lines_with(input, b'&', |at| entity_at(input, at).is_some()) {
        any = true;
        decode_entities_into(&input[start..end], start, &mut view.bytes, &mut view.map);
        view.bytes.push(b'\n');
        view.map.replace(end, 0, 1);
    }
    any.then_some(view)
}

/// Inline elements: removing them must not split the text around them, so a
/// token broken by `<b>` or `<span>` marks is joined again.
const INLINE: &[&str] = &[
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "del",
    "dfn",
    "em",
    "font",
    "i",
    "ins",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "var",
    "wbr",
    "at",
    "ac:emoticon",
    "ac:link",
    "ac:plain-text-link-body",
    "ri:page",
    "ri:user",
    "ri:attachment",
];

/// Attributes whose values are scanned too (links and macro parameters carry
/// tokens in query strings).
fn wanted_attr(name: &[u8]) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_slice(),
        b"href"
            | b"src"
            | b"value"
            | b"ri:value"
            | b"content"
            | b"title"
            | b"alt"
            | b"data"
            | b"action"
            | b"ri:content-title"
    ) || n.starts_with(b"data-")
}

/// Text of an HTML/XHTML fragment with tags removed and entities decoded; CDATA
/// sections are copied raw (no entity decoding, as in Confluence code macros) and
/// the values of link-like attributes are kept on lines of their own. Block tags
/// become line breaks so words of different paragraphs are never glued.
pub fn strip_tags(input: &[u8]) -> View {
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    let out = &mut view.bytes;
    let map = &mut view.map;
    let mut i = 0;
    let mut text_start = 0;
    let flush = |from: usize, to: usize, out: &mut Vec<u8>, map: &mut OffsetMap| {
        if to > from {
            decode_entities_into(&input[from..to], from, out, map);
        }
    };
    while let Some(p) = memchr::memchr(b'<', &input[i..]) {
        let at = i + p;
        let rest = &input[at..];
        if rest.starts_with(b"<![CDATA[") {
            flush(text_start, at, out, map);
            let body = at + 9;
            // Confluence nests CDATA by damaging the inner end marker as `]] >`.
            let (end, skip) = match (find(&input[body..], b"]]>"), find(&input[body..], b"]] >")) {
                (Some(a), Some(b)) if b < a => (body + b, 4),
                (Some(a), _) => (body + a, 3),
                (None, Some(b)) => (body + b, 4),
                (None, None) => (input.len(), 0),
            };
            out.extend_from_slice(&input[body..end]);
            map.copy(body, end - body);
            push_sep(out, map, end);
            i = (end + skip).min(input.len());
            text_start = i;
            continue;
        }
        if rest.starts_with(b"<!--") {
            flush(text_start, at, out, map);
            let body = at + 4;
            let end = find(&input[body..], b"-->").map_or(input.len(), |e| body + e);
            push_sep(out, map, at);
            out.extend_from_slice(&input[body..end]);
            map.copy(body, end - body);
            push_sep(out, map, end);
            i = (end + 3).min(input.len());
            text_start = i;
            continue;
        }
        let is_tag = rest
            .get(1)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'/' || b == b'!' || b == b'?');
        if !is_tag {
            i = at + 1;
            continue;
        }
        let Some(close) = tag_end(&input[at..]) else {
            i = at + 1;
            continue;
        };
        flush(text_start, at, out, map);
        let tag = &input[at..at + close + 1];
        let name_start = if tag.get(1) == Some(&b'/') { 2 } else { 1 };
        let name_len = tag[name_start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
            .unwrap_or(0);
        let name = String::from_utf8_lossy(&tag[name_start..name_start + name_len]).to_lowercase();
        let inline = INLINE.contains(&name.as_str());
        let mut attrs = Vec::new();
        attributes(tag, at, &mut attrs);
        if !inline || !attrs.is_empty() {
            push_sep(out, map, at);
        }
        for (s, e) in attrs {
            decode_entities_into(&input[s..e], s, out, map);
            push_sep(out, map, e);
        }
        i = at + close + 1;
        text_start = i;
    }
    flush(text_start, input.len(), out, map);
    view
}

fn push_sep(out: &mut Vec<u8>, map: &mut OffsetMap, at: usize) {
    if out.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
        map.replace(at, 0, 1);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Offset of the `>` closing the tag that starts `s`, skipping quoted values.
fn tag_end(s: &[u8]) -> Option<usize> {
    let mut quote = 0u8;
    for (i, &b) in s.iter().enumerate().skip(1) {
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            return Some(i);
        } else if b == b'<' && i > 1 {
            return None;
        }
    }
    None
}

/// Spans (absolute, `base` = the tag's offset) of wanted attribute values.
fn attributes(tag: &[u8], base: usize, out: &mut Vec<(usize, usize)>) {
    let mut i = 1;
    while i < tag.len() {
        let Some(eq) = tag[i..].iter().position(|&b| b == b'=') else {
            return;
        };
        let eq = i + eq;
        let name_end = tag[..eq]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(eq, |p| p + 1);
        let name_start = tag[..name_end]
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let name = &tag[name_start..name_end];
        let mut v = eq + 1;
        while tag.get(v).is_some_and(|b| b.is_ascii_whitespace()) {
            v += 1;
        }
        let (vs, ve, next) = match tag.get(v) {
            Some(&q @ (b'"' | b'\'')) => {
                let e = tag[v + 1..]
                    .iter()
                    .position(|&b| b == q)
                    .map_or(tag.len(), |p| v + 1 + p);
                (v + 1, e, e + 1)
            }
            _ => {
                let e = tag[v..]
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'>')
                    .map_or(tag.len(), |p| v + p);
                (v, e, e)
            }
        };
        if wanted_attr(name) && ve > vs {
            out.push((base + vs, base + ve));
        }
        i = next.max(eq + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        let v = layer(b"x\nurl?a=1&amp;token=abc&#47;d&#x2F;e\n").unwrap();
        assert_eq!(v.bytes, b"url?a=1&token=abc/d/e\n");
        assert_eq!(v.map.start(0), 2);
        assert!(layer(b"a && b").is_none());
    }

    #[test]
    fn strips_tags_joins_inline_and_keeps_links() {
        let src = b"<div><p>key: <code>gh<b>p_</b>abc</code> &lt;x&gt;</p><a href=\"https://x.test/?t=1&amp;k=v\">l</a><![CDATA[raw &amp; kept]]></div>";
        let v = strip_tags(src);
        let s = String::from_utf8(v.bytes.clone()).unwrap();
        assert!(s.contains("key: ghp_abc <x>"), "{s}");
        assert!(s.contains("https://x.test/?t=1&k=v"), "{s}");
        assert!(s.contains("raw &amp; kept"), "{s}");
        let k = s.find("ghp_").unwrap();
        assert_eq!(&src[v.map.start(k)..v.map.start(k) + 2], b"gh");
    }
}
