//! Percent-encoding (`%2F`, `%3D`): tokens in URLs, HAR query strings, cookies and
//! form bodies arrive URL-encoded. `+` is left alone: it is a base64 character far
//! more often than a form-encoded space inside a token.

use super::peel::lines_with;
use super::{OffsetMap, View};

/// Layer name reported in `decoded`.
pub const NAME: &str = "percent";

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn escape_at(s: &[u8], at: usize) -> Option<u8> {
    let (h, l) = (hex(*s.get(at + 1)?)?, hex(*s.get(at + 2)?)?);
    Some(h << 4 | l)
}

/// Appends `raw` (at `base` in the original) to `out` with `%XX` decoded.
pub fn decode_into(raw: &[u8], base: usize, out: &mut Vec<u8>, map: &mut OffsetMap) {
    let mut plain = 0;
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'%', &raw[i..]) {
        let at = i + p;
        match escape_at(raw, at) {
            Some(b) => {
                out.extend_from_slice(&raw[plain..at]);
                map.copy(base + plain, at - plain);
                out.push(b);
                map.replace(base + at, 3, 1);
                i = at + 3;
                plain = i;
            }
            None => i = at + 1,
        }
    }
    out.extend_from_slice(&raw[plain..]);
    map.copy(base + plain, raw.len() - plain);
}

/// The percent-decoded view of the lines of `input` holding a `%XX` escape.
pub fn layer(input: &[u8]) -> Option<View> {
    memchr::memchr(b'%', input)?;
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    let mut any = false;
    for (start, end) in lines_with(input, b'%', |at| escape_at(input, at).is_some()) {
        any = true;
        decode_into(&input[start..end], start, &mut view.bytes, &mut view.map);
        view.bytes.push(b'\n');
        view.map.replace(end, 0, 1);
    }
    any.then_some(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_maps() {
        let v = layer(b"GET /?token=ab%2Fcd%3D HTTP/1.1\nnext 100%\n").unwrap();
        assert_eq!(v.bytes, b"GET /?token=ab/cd= HTTP/1.1\n");
        let slash = v.bytes.iter().position(|&b| b == b'/').unwrap();
        assert_eq!(v.map.start(slash), 4);
        assert!(layer(b"100% sure").is_none());
    }
}
