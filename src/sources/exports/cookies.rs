//! Netscape/Mozilla cookie jars (`cookies.txt` of curl, wget, yt-dlp, browser
//! extensions): seven tab-separated fields a line, `#HttpOnly_` prefixed domains.
//! Each cookie is scanned as `name=value` (so cookie rules see the name) with the
//! location `{line, domain, cookie}`.

use super::collect::{location, Collector};

/// Source name of cookie jar findings.
pub const FORMAT: &str = "cookies";

fn is_cookie_line(line: &[u8]) -> bool {
    let f: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    f.len() == 7
        && matches!(f[1], b"TRUE" | b"FALSE")
        && matches!(f[3], b"TRUE" | b"FALSE")
        && f[4].iter().all(|b| b.is_ascii_digit() || *b == b'-')
}

/// Scans a cookie jar; `None` when `src` is not one.
pub fn read(src: &[u8]) -> Option<Collector<'_>> {
    let head = &src[..src.len().min(512)];
    let header =
        head.starts_with(b"# Netscape HTTP Cookie File") || head.starts_with(b"# HTTP Cookie File");
    // Cookie lines are tab-separated: most text files have no tab up front.
    if !header && memchr::memchr(b'\t', &src[..src.len().min(4096)]).is_none() {
        return None;
    }
    let first = src
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .find(|l| !l.is_empty() && (!l.starts_with(b"#") || l.starts_with(b"#HttpOnly_")));
    if !header && !first.is_some_and(is_cookie_line) {
        return None;
    }
    let mut c = Collector::new(src, FORMAT);
    let mut pos = 0;
    for (n, line) in src.split_inclusive(|&b| b == b'\n').enumerate() {
        let start = pos;
        pos += line.len();
        let l = line.strip_suffix(b"\n").unwrap_or(line);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.is_empty() || (l.starts_with(b"#") && !l.starts_with(b"#HttpOnly_")) {
            continue;
        }
        let fields: Vec<(usize, usize)> = {
            let mut v = Vec::new();
            let mut s = 0;
            for (i, &b) in l.iter().enumerate() {
                if b == b'\t' {
                    v.push((start + s, start + i));
                    s = i + 1;
                }
            }
            v.push((start + s, start + l.len()));
            v
        };
        let text = |(a, b): (usize, usize)| String::from_utf8_lossy(&src[a..b]).into_owned();
        if fields.len() < 7 {
            let o = c.object(location(&[("line", Some((n + 1).to_string()))]));
            c.raw(start, start + l.len(), o, "line");
            continue;
        }
        let domain = text(fields[0]);
        let domain = domain.trim_start_matches("#HttpOnly_").to_string();
        let o = c.object(location(&[
            ("line", Some((n + 1).to_string())),
            ("domain", Some(domain)),
            ("cookie", Some(text(fields[5]))),
        ]));
        // The whole line as it is: the cookie-jar rules read its seven fields
        // (domain, flags, expiry, name, value) and judge the name.
        c.raw(start, start + l.len(), o, "cookie");
    }
    Some(c)
}
