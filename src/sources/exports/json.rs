//! A small JSON reader that keeps byte spans: export readers need to know where
//! each string sits in the file (to report line and column honestly) and which
//! object it belongs to (to report channel, issue, message). serde_json's
//! `Value` forgets positions, so this parser builds a tree of spans instead;
//! strings are decoded only when read, through the JSON decode layer.

use std::borrow::Cow;

use crate::decode::json_escape;
use crate::decode::OffsetMap;

/// A JSON value; strings and numbers are spans into the parsed bytes.
#[derive(Debug, Clone)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    /// Span of the number's text.
    Num(usize, usize),
    /// Span of the string's contents, between (not including) its quotes.
    Str(usize, usize),
    Arr(Vec<Node<'a>>),
    /// Members in file order; keys decoded (borrowed from the input when they
    /// hold no escape: most keys, no allocation).
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// Why parsing stopped, and where.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub offset: usize,
    pub message: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

/// Nesting deeper than this is refused (no stack overflow on hostile input).
const MAX_DEPTH: usize = 200;

/// Parses one JSON document filling all of `src` (whitespace around allowed).
pub fn parse(src: &[u8]) -> Result<Node<'_>, ParseError> {
    let mut p = Parser { s: src, i: 0 };
    p.ws();
    // A UTF-8 byte order mark.
    if p.s[p.i..].starts_with(b"\xEF\xBB\xBF") {
        p.i += 3;
        p.ws();
    }
    let v = p.value(0)?;
    p.ws();
    if p.i != src.len() {
        return Err(p.err("trailing data after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, message: &'static str) -> ParseError {
        ParseError {
            offset: self.i,
            message,
        }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.s.get(self.i) {
            None => Err(self.err("unexpected end of input")),
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Node::Obj(members));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let (a, b) = self.string()?;
                    let key = decode(self.s, a, b);
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Node::Obj(members));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Node::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Node::Arr(items));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => {
                let (a, b) = self.string()?;
                Ok(Node::Str(a, b))
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Node::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Node::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Node::Null)
            }
            Some(b'-' | b'0'..=b'9') => {
                let a = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                Ok(Node::Num(a, self.i))
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    /// At an opening quote: the span of the contents; moves past the closing quote.
    fn string(&mut self) -> Result<(usize, usize), ParseError> {
        let a = self.i + 1;
        let mut j = a;
        loop {
            match memchr::memchr2(b'"', b'\\', &self.s[j..]) {
                None => {
                    self.i = self.s.len();
                    return Err(self.err("unterminated string"));
                }
                Some(p) if self.s[j + p] == b'\\' => j += p + 2,
                Some(p) => {
                    let b = j + p;
                    self.i = b + 1;
                    return Ok((a, b));
                }
            }
            if j > self.s.len() {
                self.i = self.s.len();
                return Err(self.err("unterminated string"));
            }
        }
    }
}

/// The decoded text of the string at `a..b` of `src`.
pub fn decode(src: &[u8], a: usize, b: usize) -> Cow<'_, str> {
    let raw = &src[a..b];
    if memchr::memchr(b'\\', raw).is_none() {
        return String::from_utf8_lossy(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut map = OffsetMap::new();
    json_escape::decode_into(raw, a, &mut out, &mut map);
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

impl<'a> Node<'a> {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of object keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node<'a>> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Items of an array (empty for anything else).
    pub fn items(&self) -> &[Node<'a>] {
        match self {
            Node::Arr(v) => v,
            _ => &[],
        }
    }

    /// Members of an object (empty for anything else).
    pub fn members(&self) -> &[(Cow<'a, str>, Node<'a>)] {
        match self {
            Node::Obj(m) => m,
            _ => &[],
        }
    }

    pub fn is_obj(&self) -> bool {
        matches!(self, Node::Obj(_))
    }

    /// The decoded string, or a number's text; `None` for anything else.
    pub fn text<'s>(&self, src: &'s [u8]) -> Option<Cow<'s, str>> {
        match *self {
            Node::Str(a, b) => Some(decode(src, a, b)),
            Node::Num(a, b) => Some(String::from_utf8_lossy(&src[a..b])),
            _ => None,
        }
    }

    /// `text` of the member `key`, owned (for locations).
    pub fn str_of(&self, src: &[u8], key: &str) -> Option<String> {
        self.get(key)?.text(src).map(Cow::into_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_decoding() {
        let src = br#" {"a": [1, "x\/y", null], "b": {"c": true}} "#;
        let n = parse(src).unwrap();
        let a = n.get("a").unwrap().items();
        assert_eq!(a[1].text(src).unwrap(), "x/y");
        let Node::Str(s, e) = a[1] else { panic!() };
        assert_eq!(&src[s..e], br"x\/y");
        assert!(matches!(n.at(&["b", "c"]), Some(Node::Bool(true))));
    }

    #[test]
    fn errors_not_panics() {
        for bad in [
            &b"{"[..],
            b"[1,",
            b"{\"a\" 1}",
            b"\"abc",
            b"[1] x",
            b"\"ab\\",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(10_000);
        assert!(parse(deep.as_bytes()).is_err());
    }
}
