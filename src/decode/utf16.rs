//! UTF-16 text (Windows editors, PowerShell `Out-File`, `.reg` exports, some
//! logs): recognised by its byte-order mark, or without one when the start of
//! the file is plainly ASCII text in UTF-16, and decoded to UTF-8 so it is
//! scanned like any other text. Lines and columns (in characters) are the same in
//! both encodings; byte offsets are mapped back to the UTF-16 original.
//!
//! The map is a sparse list of checkpoints rather than an [`OffsetMap`](super::OffsetMap):
//! every character changes width here, and a run per character would cost ~16
//! times the file's size.

/// Byte order of UTF-16 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    /// The layer name findings carry in `decoded`.
    pub fn layer(self) -> &'static str {
        match self {
            Endian::Little => "utf16le",
            Endian::Big => "utf16be",
        }
    }

    fn unit(self, b: &[u8]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes([b[0], b[1]]),
            Endian::Big => u16::from_be_bytes([b[0], b[1]]),
        }
    }
}

/// How much of a BOM-less file is looked at to call it UTF-16.
const SNIFF: usize = 4096;
/// Decoded bytes between two checkpoints of the offset map.
const CHECKPOINT: usize = 4096;

/// The byte order and BOM length when `bytes` look like UTF-16 text: a BOM
/// (`FF FE` or `FE FF`, not the UTF-32 `FF FE 00 00`) followed by text of which
/// at least 10% is ASCII (what junk that happens to start with those two bytes
/// is not), or, without one, at least
/// 8 code units of which 90% are printable ASCII or whitespace in one byte order
/// and none is NUL — which text in any other encoding, and binary data, are not.
pub fn detect(bytes: &[u8]) -> Option<(Endian, usize)> {
    let bom = match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return None,
        [0xFF, 0xFE, ..] => Some(Endian::Little),
        [0xFE, 0xFF, ..] => Some(Endian::Big),
        _ => None,
    };
    if let Some(e) = bom {
        // A mark alone is two bytes any binary or Latin-1 junk may start with:
        // the text after it must hold ASCII (a NUL half in every such unit),
        // as anything with a token in it does.
        let sample = &bytes[2..bytes.len().min(SNIFF + 2) & !1];
        let units = sample.len() / 2;
        let ascii = sample
            .chunks_exact(2)
            .map(|b| e.unit(b))
            .filter(|&u| u < 0x80 && (u >= 0x20 || matches!(u, 0x09 | 0x0A | 0x0D)))
            .count();
        return (units == 0 || ascii * 10 >= units).then_some((e, 2));
    }
    let sample = &bytes[..bytes.len().min(SNIFF) & !1];
    // ASCII in UTF-16 has a NUL in every code unit: text without one is not it.
    if sample.len() < 16 || memchr::memchr(0, sample).is_none() {
        return None;
    }
    let units = sample.len() / 2;
    [Endian::Little, Endian::Big].into_iter().find_map(|e| {
        let mut ascii = 0;
        for u in sample.chunks_exact(2).map(|b| e.unit(b)) {
            if u == 0 {
                return None;
            }
            if u < 0x80 && (u >= 0x20 || matches!(u, 0x09 | 0x0A | 0x0D)) {
                ascii += 1;
            }
        }
        (ascii * 10 >= units * 9).then_some((e, 0))
    })
}

/// UTF-16 text decoded to UTF-8, with the way back to original byte offsets.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text as UTF-8 (unpaired surrogates and a trailing odd byte become U+FFFD).
    pub text: Vec<u8>,
    pub endian: Endian,
    /// (text offset, original offset) at character boundaries, every ~[`CHECKPOINT`] bytes.
    checkpoints: Vec<(usize, usize)>,
    /// Length of the original.
    original_len: usize,
}

/// Decodes `bytes` when [`detect`] says they are UTF-16; `None` otherwise.
pub fn decode(bytes: &[u8]) -> Option<Decoded> {
    let (endian, bom) = detect(bytes)?;
    let body = &bytes[bom..];
    let mut text = Vec::with_capacity(body.len() / 2 + 16);
    let mut checkpoints = vec![(0, bom)];
    let units = body.chunks_exact(2).map(|b| endian.unit(b));
    let mut orig = bom;
    let mut buf = [0u8; 4];
    for r in char::decode_utf16(units) {
        if text.len() >= checkpoints.last().map_or(0, |c| c.0) + CHECKPOINT {
            checkpoints.push((text.len(), orig));
        }
        let c = r.unwrap_or(char::REPLACEMENT_CHARACTER);
        // An unpaired surrogate is one code unit; U+FFFD is one too.
        orig += c.len_utf16() * 2;
        text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    if body.len() % 2 == 1 {
        text.extend_from_slice(char::REPLACEMENT_CHARACTER.encode_utf8(&mut buf).as_bytes());
    }
    Some(Decoded {
        text,
        endian,
        checkpoints,
        original_len: bytes.len(),
    })
}

/// Decodes UTF-16 that arrives in pieces (a stream): each call decodes the
/// complete code units it can and keeps an odd byte or an unpaired high
/// surrogate for the next piece.
#[derive(Debug)]
pub struct StreamDecoder {
    endian: Endian,
    /// Bytes of an incomplete unit or surrogate pair from the last piece.
    carry: Vec<u8>,
}

impl StreamDecoder {
    pub fn new(endian: Endian) -> Self {
        StreamDecoder {
            endian,
            carry: Vec::new(),
        }
    }

    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// Appends the UTF-8 of the complete characters of `carry + input` to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.carry.extend_from_slice(input);
        let mut units: Vec<u16> = self
            .carry
            .chunks_exact(2)
            .map(|b| self.endian.unit(b))
            .collect();
        let mut keep = self.carry.len() % 2;
        // A high surrogate at the end waits for its pair.
        if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            units.pop();
            keep += 2;
        }
        let mut buf = [0u8; 4];
        for r in char::decode_utf16(units) {
            let c = r.unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        let used = self.carry.len() - keep;
        self.carry.drain(..used);
    }

    /// Appends what is left (an odd byte, an unpaired surrogate) as U+FFFD.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.carry.is_empty() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            self.carry.clear();
        }
    }
}

/// How many UTF-16 bytes the UTF-8 `text` takes: 2 per character, 4 per
/// character outside the BMP. Additive per byte, so sums of pieces add up.
pub fn utf16_len(text: &[u8]) -> usize {
    text.iter()
        .map(|&b| match b {
            _ if b & 0xC0 == 0x80 => 0,
            0xF0.. => 4,
            _ => 2,
        })
        .sum()
}

impl Decoded {
    /// The byte offset in the UTF-16 original of the character at `offset` in
    /// [`Decoded::text`] (an offset inside a character maps to its start).
    pub fn original_offset(&self, offset: usize) -> usize {
        let i = self.checkpoints.partition_point(|c| c.0 <= offset) - 1;
        let (mut t, mut orig) = self.checkpoints[i];
        let end = offset.min(self.text.len());
        while t < end {
            let w = utf8_width(self.text[t]);
            if t + w > end {
                break;
            }
            // Characters of 4 UTF-8 bytes are the surrogate pairs.
            orig += if w == 4 { 4 } else { 2 };
            t += w;
        }
        orig.min(self.original_len)
    }
}

/// Bytes in the UTF-8 sequence that starts with `b` (the text is valid UTF-8).
fn utf8_width(b: u8) -> usize {
    match b {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_decodes_like_the_whole() {
        let text = "héllo 🎉 wörld\ntoken=abc\n".repeat(50);
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        for piece in [1, 2, 3, 5, 7, 64] {
            let mut d = StreamDecoder::new(Endian::Little);
            let mut out = Vec::new();
            for chunk in bytes[2..].chunks(piece) {
                d.feed(chunk, &mut out);
            }
            d.finish(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), text, "pieces of {piece}");
        }
        assert_eq!(utf16_len(text.as_bytes()), bytes.len() - 2);
    }

    fn le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { vec![] };
        v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        v
    }

    fn be(s: &str) -> Vec<u8> {
        let mut v = vec![0xFE, 0xFF];
        v.extend(s.encode_utf16().flat_map(|u| u.to_be_bytes()));
        v
    }

    #[test]
    fn decodes_with_boms_and_maps_offsets_back() {
        let s = "é😀 token=abc\r\nnext line";
        for (bytes, endian) in [(le(s, true), Endian::Little), (be(s), Endian::Big)] {
            let d = decode(&bytes).unwrap();
            assert_eq!(d.endian, endian);
            assert_eq!(d.text, s.as_bytes());
            let t = s.find("token").unwrap();
            // BOM + é (1 unit) + 😀 (2 units) + space (1 unit).
            assert_eq!(d.original_offset(t), 2 + 2 * 4);
            assert_eq!(d.original_offset(0), 2);
            assert_eq!(d.original_offset(s.len()), bytes.len());
        }
    }

    #[test]
    fn bomless_ascii_in_utf16_is_recognised_and_other_text_is_not() {
        let s = "user = admin\nhome = /srv/app\n";
        assert_eq!(detect(&le(s, false)), Some((Endian::Little, 0)));
        assert!(detect(s.as_bytes()).is_none());
        assert!(detect(&[0u8; 64]).is_none());
        assert!(
            detect(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0]).is_none(),
            "UTF-32"
        );
        let mut binary = le(s, false);
        binary[6] = 0;
        binary[7] = 0;
        assert!(detect(&binary).is_none(), "a NUL code unit");
    }

    #[test]
    fn broken_input_decodes_with_replacements() {
        // An unpaired surrogate, then an odd trailing byte.
        let bytes = [0xFF, 0xFE, 0x00, 0xD8, b'a', 0, b'b'];
        let d = decode(&bytes).unwrap();
        assert_eq!(
            String::from_utf8(d.text.clone()).unwrap(),
            "\u{FFFD}a\u{FFFD}"
        );
        assert_eq!(d.original_offset(3), 4);
        assert_eq!(d.original_offset(4), 6);
        assert_eq!(d.original_offset(100), bytes.len());
    }

    #[test]
    fn checkpoints_keep_long_texts_exact() {
        let s = "ab€".repeat(5000) + "END";
        let bytes = le(&s, true);
        let d = decode(&bytes).unwrap();
        assert!(d.checkpoints.len() > 3);
        let t = s.find("END").unwrap();
        assert_eq!(d.original_offset(t), 2 + 2 * 3 * 5000);
    }
}
