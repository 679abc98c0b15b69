//! A tolerant XML tokenizer with byte spans, for Jira and Confluence exports:
//! huge files, CDATA everywhere (Confluence even nests it by damaging the inner
//! end marker as `]] >`), sometimes illegal control characters. It never fails:
//! a broken tag is reported once and read as text, so the rest of the file is
//! still scanned.

/// A span `(start, end)` in the source.
pub type Span = (usize, usize);

/// One attribute: name and value spans (the value without quotes, entities left).
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: Span,
    pub value: Span,
}

/// One tokenizer event.
#[derive(Debug, Clone)]
pub enum Event {
    Start {
        name: Span,
        attrs: Vec<Attr>,
        /// `<x/>`: no matching end event follows.
        empty: bool,
    },
    End {
        name: Span,
    },
    /// Character data, entities not decoded.
    Text(Span),
    /// Contents of a CDATA section.
    CData(Span),
}

/// Pull reader over `src`.
pub struct Reader<'a> {
    src: &'a [u8],
    pos: usize,
    /// First problem met (offset, what), if any.
    pub problem: Option<(usize, &'static str)>,
}

impl<'a> Reader<'a> {
    pub fn new(src: &'a [u8]) -> Self {
        Reader {
            src,
            pos: 0,
            problem: None,
        }
    }

    fn note(&mut self, at: usize, what: &'static str) {
        if self.problem.is_none() {
            self.problem = Some((at, what));
        }
    }

    fn find_from(&self, from: usize, needle: &[u8]) -> Option<usize> {
        memchr::memmem::find(&self.src[from..], needle).map(|p| from + p)
    }
}

impl Iterator for Reader<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        let s = self.src;
        loop {
            if self.pos >= s.len() {
                return None;
            }
            let at = self.pos;
            if s[at] != b'<' {
                let end = memchr::memchr(b'<', &s[at..]).map_or(s.len(), |p| at + p);
                self.pos = end;
                return Some(Event::Text((at, end)));
            }
            let rest = &s[at..];
            if rest.starts_with(b"<![CDATA[") {
                let body = at + 9;
                let Some(end) = self.find_from(body, b"]]>") else {
                    self.note(at, "unterminated CDATA section");
                    self.pos = s.len();
                    return Some(Event::CData((body, s.len())));
                };
                self.pos = end + 3;
                return Some(Event::CData((body, end)));
            }
            if rest.starts_with(b"<!--") {
                match self.find_from(at + 4, b"-->") {
                    Some(e) => self.pos = e + 3,
                    None => {
                        self.note(at, "unterminated comment");
                        self.pos = s.len();
                    }
                }
                continue;
            }
            if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
                match memchr::memchr(b'>', rest) {
                    Some(e) => self.pos = at + e + 1,
                    None => self.pos = s.len(),
                }
                continue;
            }
            match tag(s, at) {
                Some((ev, end)) => {
                    self.pos = end;
                    return Some(ev);
                }
                None => {
                    self.note(at, "malformed tag");
                    let end = memchr::memchr(b'<', &s[at + 1..]).map_or(s.len(), |p| at + 1 + p);
                    self.pos = end;
                    return Some(Event::Text((at, end)));
                }
            }
        }
    }
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'.') || b >= 0x80
}

/// Parses the tag at `s[at] == b'<'`: the event and the offset after it.
fn tag(s: &[u8], at: usize) -> Option<(Event, usize)> {
    let mut i = at + 1;
    let closing = s.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let ns = i;
    while i < s.len() && is_name(s[i]) {
        i += 1;
    }
    if i == ns {
        return None;
    }
    let name = (ns, i);
    let mut attrs = Vec::new();
    loop {
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        match s.get(i)? {
            b'>' => {
                let ev = if closing {
                    Event::End { name }
                } else {
                    Event::Start {
                        name,
                        attrs,
                        empty: false,
                    }
                };
                return Some((ev, i + 1));
            }
            b'/' if s.get(i + 1) == Some(&b'>') && !closing => {
                return Some((
                    Event::Start {
                        name,
                        attrs,
                        empty: true,
                    },
                    i + 2,
                ));
            }
            _ => {}
        }
        let an = i;
        while i < s.len() && is_name(s[i]) {
            i += 1;
        }
        if i == an {
            return None;
        }
        let aname = (an, i);
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if s.get(i) != Some(&b'=') {
            // HTML-style attribute without a value.
            continue;
        }
        i += 1;
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        let q = *s.get(i)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let vs = i + 1;
        let ve = vs + memchr::memchr(q, &s[vs..])?;
        attrs.push(Attr {
            name: aname,
            value: (vs, ve),
        });
        i = ve + 1;
    }
}

/// The text of a span (names are ASCII in practice).
pub fn text(src: &[u8], span: Span) -> &str {
    std::str::from_utf8(&src[span.0..span.1]).unwrap_or("")
}

/// The value span of attribute `name`.
pub fn attr(src: &[u8], attrs: &[Attr], name: &str) -> Option<Span> {
    attrs
        .iter()
        .find(|a| &src[a.name.0..a.name.1] == name.as_bytes())
        .map(|a| a.value)
}

/// Attribute value with entities decoded (for locations).
pub fn attr_text(src: &[u8], attrs: &[Attr], name: &str) -> Option<String> {
    let (a, b) = attr(src, attrs, name)?;
    Some(decode_text(&src[a..b]))
}

/// Entity-decoded text of raw character data.
pub fn decode_text(raw: &[u8]) -> String {
    let mut out = Vec::new();
    let mut map = crate::decode::OffsetMap::new();
    crate::decode::html::decode_entities_into(raw, 0, &mut out, &mut map);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events() {
        let src = br#"<?xml version="1.0"?><a x="1 &amp; 2"><b/>t<![CDATA[c]] >d]]></a>"#;
        let evs: Vec<Event> = Reader::new(src).collect();
        assert!(matches!(evs[0], Event::Start { empty: false, .. }));
        if let Event::Start { attrs, .. } = &evs[0] {
            assert_eq!(attr_text(src, attrs, "x").unwrap(), "1 & 2");
        }
        assert!(matches!(evs[1], Event::Start { empty: true, .. }));
        let Event::CData(c) = evs[3] else { panic!() };
        assert_eq!(&src[c.0..c.1], b"c]] >d");
        assert!(matches!(evs[4], Event::End { .. }));
    }

    #[test]
    fn broken_input_keeps_going() {
        let src = b"<a><b x=\"1></a><c>ok</c>";
        let mut r = Reader::new(src);
        let evs: Vec<Event> = r.by_ref().collect();
        assert!(r.problem.is_some());
        assert!(evs
            .iter()
            .any(|e| matches!(e, Event::Text((s, e)) if &src[*s..*e] == b"ok")));
        let _ = Reader::new(b"<![CDATA[never ends").count();
    }
}
