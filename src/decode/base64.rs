//! Base64 and base64url blocks that decode to text: Kubernetes `Secret` manifests
//! (`data:` values), `.docker/config.json` `auths` (`base64(user:token)`), Basic
//! auth headers, tokens stashed in env dumps. Blocks that decode to binary (hashes,
//! images, compressed data) are dropped by a printable-text check.

use base64::Engine as _;

use super::View;

/// Layer name reported in `decoded`.
pub const NAME: &str = "base64";

/// Shortest run worth decoding: 20 chars decode to 15 bytes, less than any token.
pub const MIN_RUN: usize = 20;

/// Base64 and base64url alphabet membership, by byte.
static B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        b += 1;
    }
    t
};

#[inline]
fn is_b64(b: u8) -> bool {
    B64[b as usize]
}

/// True when `data` is mostly printable text (what a credential decodes to).
fn is_text(data: &[u8]) -> bool {
    if data.is_empty() {
        return false;
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return false;
    };
    let mut printable = 0usize;
    let mut total = 0usize;
    for c in s.chars() {
        total += 1;
        if !c.is_control() || matches!(c, '\n' | '\r' | '\t') {
            printable += 1;
        }
    }
    printable * 100 >= total * 95
}

/// Cheap test on a run's first characters before anything is allocated: one
/// alphabet, not an identifier, and its first 48 decoded bytes are text. Most
/// long runs (hashes, integrity strings, minified identifiers) stop here.
fn plausible(run: &[u8]) -> bool {
    let head = &run[..run.len().min(64)];
    let url = head.iter().any(|&b| b == b'-' || b == b'_');
    let std = head.iter().any(|&b| b == b'+' || b == b'/');
    if url && std {
        return false;
    }
    if !head.iter().any(u8::is_ascii_digit) && !head.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let take = head.len() - head.len() % 4;
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let mut buf = [0u8; 48];
    match engine.decode_slice(&head[..take], &mut buf) {
        Ok(n) => is_text_prefix(&buf[..n]),
        Err(_) => false,
    }
}

/// `is_text` for a prefix, which may end inside a UTF-8 sequence.
fn is_text_prefix(data: &[u8]) -> bool {
    match std::str::from_utf8(data) {
        Ok(_) => is_text(data),
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => {
            is_text(&data[..e.valid_up_to()])
        }
        Err(_) => false,
    }
}

/// One candidate block: the ranges of original offsets holding its characters
/// (one per line of a wrapped block; padding excluded). Ranges, not a position
/// per character: a 10 MB run would otherwise hold 80 MB of offsets.
struct Block {
    segs: Vec<(usize, usize)>,
}

impl Block {
    /// The original offset of every character, in order.
    fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.segs.iter().flat_map(|&(a, b)| a..b)
    }
}

/// The candidate blocks of `input`.
fn runs(input: &[u8]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut i = 0;
    let n = input.len();
    while i < n {
        // A run of MIN_RUN characters starting in i..i+MIN_RUN covers the byte
        // at i+MIN_RUN-1: probe it and skip the whole stretch when it is not
        // base64 (most of any text), instead of looking at every byte.
        let probe = i + MIN_RUN - 1;
        if probe >= n {
            break;
        }
        if !is_b64(input[probe]) {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && is_b64(input[start - 1]) {
            start -= 1;
        }
        i = probe + 1;
        while i < n && is_b64(input[i]) {
            i += 1;
        }
        // Most runs are words: skip them before allocating anything (a wrapped
        // block starts with a full-width line, far longer than this).
        if i - start < MIN_RUN || !plausible(&input[start..i]) {
            continue;
        }
        let mut segs = vec![(start, i)];
        let mut len = i - start;
        // Wrapped blocks (`base64` wraps at 76, PEM at 64): a full-width line
        // (a multiple of 4, at least 60) followed by more base64 continues it.
        let mut last_line = i - start;
        while len.is_multiple_of(4) && last_line >= 60 {
            let mut j = i;
            if j < n && input[j] == b'\r' {
                j += 1;
            }
            if j >= n || input[j] != b'\n' {
                break;
            }
            j += 1;
            while j < n && (input[j] == b' ' || input[j] == b'\t') {
                j += 1;
            }
            let s2 = j;
            while j < n && is_b64(input[j]) {
                j += 1;
            }
            if j == s2 {
                break;
            }
            segs.push((s2, j));
            len += j - s2;
            last_line = j - s2;
            i = j;
        }
        if len >= MIN_RUN {
            out.push(Block { segs });
        }
    }
    out
}

/// Decodes one block; `None` when it is not base64 of text.
fn decode_block(input: &[u8], block: &Block) -> Option<Vec<u8>> {
    let chars: Vec<u8> = block
        .segs
        .iter()
        .flat_map(|&(a, b)| input[a..b].iter().copied())
        .collect();
    let url = chars.iter().any(|&b| b == b'-' || b == b'_');
    let std = chars.iter().any(|&b| b == b'+' || b == b'/');
    if url && std {
        return None;
    }
    // An identifier (all letters, or snake/kebab words) is not base64.
    if !chars.iter().any(u8::is_ascii_digit) && !chars.iter().any(u8::is_ascii_uppercase) {
        return None;
    }
    let usable = chars.len() - chars.len() % 4;
    let usable = if chars.len() % 4 >= 2 {
        chars.len()
    } else {
        usable
    };
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    let data = engine.decode(&chars[..usable]).ok()?;
    is_text(&data).then_some(data)
}

/// A view of every base64 block of `input` that decodes to text, blocks separated
/// by line breaks; each 4-character group maps to its 3 decoded bytes, so spans
/// point at the encoded characters of the secret. Cheap check: a run of at least
/// [`MIN_RUN`] base64 characters.
pub fn layer(input: &[u8]) -> Option<View> {
    let mut view = View {
        layers: vec![NAME],
        ..View::default()
    };
    for block in runs(input) {
        let Some(data) = decode_block(input, &block) else {
            continue;
        };
        let mut pos = block.positions();
        for chunk in data.chunks(3) {
            // The group's (up to) 4 characters: the first and the last there is.
            let Some(first) = pos.next() else { break };
            let last = pos.by_ref().take(3).last().unwrap_or(first);
            view.bytes.extend_from_slice(chunk);
            view.map.replace(first, last + 1 - first, chunk.len());
        }
        let end = block.segs.last().expect("non-empty run").1;
        view.bytes.push(b'\n');
        view.map.replace(end, 0, 1);
    }
    (!view.bytes.is_empty()).then_some(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_blocks_only() {
        let enc = base64::engine::general_purpose::STANDARD.encode("user:secret-token-value-123");
        let src = format!("auth: \"{enc}\"\nsha512-{}\n", "A1b2".repeat(20));
        let v = layer(src.as_bytes()).unwrap();
        assert_eq!(v.bytes, b"user:secret-token-value-123\n");
        assert_eq!(v.map.start(0), 7);
        assert!(layer(b"just_some_identifier_name_here_ok").is_none());
    }

    #[test]
    fn joins_wrapped_lines() {
        let text = "x".repeat(40) + " token=abcdef0123456789";
        let enc = base64::engine::general_purpose::STANDARD.encode(&text);
        let wrapped = format!("{}\n  {}", &enc[..60], &enc[60..]);
        let v = layer(wrapped.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(v.bytes).unwrap().trim_end(), text);
    }
}
