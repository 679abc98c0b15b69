//! Go RE2 patterns (gitleaks rules) as tokenhound patterns (Rust `regex` over
//! bytes, Unicode off), the keywords the prefilter needs, and an example the
//! rule reports.
//!
//! The two syntaxes mostly agree. What RE2 accepts and Rust does not is
//! rewritten where the meaning is certain: `\Q…\E` quoting becomes escaped
//! literals, and a `{` that does not start a repetition (`a{`, `{x}`), which
//! RE2 reads as a literal, is escaped. Anything else Rust refuses (Unicode
//! classes in a byte pattern, an unknown escape) makes the rule "not carried
//! over", with Rust's reason.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

/// A gitleaks regex rewritten for tokenhound, or why it cannot be.
pub fn convert(go: &str) -> Result<String, String> {
    let unquoted = unquote(go);
    let escaped = escape_literal_braces(&unquoted);
    crate::rules::pattern::parse_pattern(&escaped).map_err(|e| first_line(&e.to_string()))?;
    crate::rules::pattern::compile_pattern(&escaped).map_err(|e| first_line(&e.to_string()))?;
    Ok(escaped)
}

fn first_line(s: &str) -> String {
    // regex-syntax errors draw the pattern over several lines; keep the cause.
    s.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| s.lines().next().unwrap_or(s))
        .trim()
        .to_string()
}

/// `\Q…\E` (RE2 literal quoting) as escaped literals.
fn unquote(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(i) = find_unescaped(rest, "\\Q") {
        out.push_str(&rest[..i]);
        let quoted = &rest[i + 2..];
        let (lit, after) = match quoted.find("\\E") {
            Some(j) => (&quoted[..j], &quoted[j + 2..]),
            None => (quoted, ""),
        };
        out.push_str(&regex_syntax::escape(lit));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The first `needle` (starting with a backslash) not itself escaped.
fn find_unescaped(s: &str, needle: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if s[i..].starts_with(needle) {
                return Some(i);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// Escapes each `{` that RE2 would read as a literal: outside a class and not
/// followed by `n}`, `n,}` or `n,m}`.
fn escape_literal_braces(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len() + 4);
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            let ch_len = utf8_len(b[i + 1]);
            out.push_str(&p[i..i + 1 + ch_len]);
            i += 1 + ch_len;
            continue;
        }
        if in_class {
            if c == b']' {
                in_class = false;
            }
        } else if c == b'[' {
            in_class = true;
            out.push('[');
            i += 1;
            // `[]…]` and `[^]…]`: a leading `]` is a literal.
            if b.get(i) == Some(&b'^') {
                out.push('^');
                i += 1;
            }
            if b.get(i) == Some(&b']') {
                out.push(']');
                i += 1;
            }
            continue;
        } else if c == b'{' && !is_repetition(&b[i..]) {
            out.push_str("\\{");
            i += 1;
            continue;
        }
        let ch_len = utf8_len(c);
        out.push_str(&p[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `b`.
fn is_repetition(b: &[u8]) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = 1;
    let n = digits(&b[i..]);
    if n == 0 {
        return false;
    }
    i += n;
    if b.get(i) == Some(&b',') {
        i += 1;
        i += digits(&b[i..]);
    }
    b.get(i) == Some(&b'}')
}

/// Literals one of which every match of `pattern` holds (its prefixes, else
/// its suffixes), lowercased, each at least 2 bytes: keywords the prefilter
/// can use. `None` when the pattern proves none.
pub fn derived_keywords(pattern: &str) -> Option<Vec<String>> {
    let hir = crate::rules::pattern::parse_pattern(pattern).ok()?;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let seq = Extractor::new().kind(kind).extract(&hir);
        let Some(lits) = seq.literals() else {
            continue;
        };
        let mut words: Vec<String> = lits
            .iter()
            .map(|l| String::from_utf8_lossy(l.as_bytes()).to_ascii_lowercase())
            .collect();
        if words.is_empty() || words.iter().any(|w| w.len() < 2 || w.contains('\u{fffd}')) {
            continue;
        }
        words.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        words.dedup();
        // A literal holding a shorter one adds nothing to the prefilter.
        let mut kept: Vec<String> = Vec::new();
        for w in words {
            if !kept.iter().any(|k| w.contains(k.as_str())) {
                kept.push(w);
            }
        }
        if kept.len() <= 32 {
            return Some(kept);
        }
    }
    None
}

/// True when every match of `pattern` holds one of `keywords` (ASCII
/// case-insensitively), as far as its prefix (or suffix) literals prove it.
pub fn keywords_cover(pattern: &str, keywords: &[String]) -> bool {
    let Some(lits) = derived_keywords(pattern) else {
        return false;
    };
    let kws: Vec<String> = keywords.iter().map(|k| k.to_ascii_lowercase()).collect();
    lits.iter()
        .all(|l| kws.iter().any(|k| !k.is_empty() && l.contains(k.as_str())))
}

/// A string that `pattern` matches, built from its HIR with characters drawn
/// pseudo-randomly from each class (seeded by `seed`), so it is varied enough
/// for an entropy threshold. `None` when the pattern does not parse.
pub fn example(pattern: &str, seed: u64) -> Option<String> {
    let hir = crate::rules::pattern::parse_pattern(pattern).ok()?;
    let mut g = Gen {
        state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        out: Vec::new(),
    };
    g.walk(&hir);
    String::from_utf8(g.out).ok()
}

struct Gen {
    state: u64,
    out: Vec<u8>,
}

impl Gen {
    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// A byte of the class, preferring letters and digits (readable, and
    /// what tokens are made of), then other printable ASCII.
    fn pick(&mut self, bytes: &[u8]) -> Option<u8> {
        let alnum: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(u8::is_ascii_alphanumeric)
            .collect();
        let printable: Vec<u8> = bytes
            .iter()
            .copied()
            .filter(|b| b.is_ascii_graphic() || *b == b' ')
            .collect();
        let from = if !alnum.is_empty() {
            alnum
        } else if !printable.is_empty() {
            printable
        } else {
            bytes.to_vec()
        };
        if from.is_empty() {
            return None;
        }
        Some(from[(self.next() % from.len() as u64) as usize])
    }

    fn class_bytes(hir: &Hir) -> Option<Vec<u8>> {
        match hir.kind() {
            HirKind::Class(Class::Bytes(c)) => Some(
                c.ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .collect(),
            ),
            HirKind::Class(Class::Unicode(c)) => Some(
                c.ranges()
                    .iter()
                    .flat_map(|r| (r.start() as u32).min(0x80)..=(r.end() as u32).min(0x7f))
                    .filter_map(|c| u8::try_from(c).ok())
                    .collect(),
            ),
            _ => None,
        }
    }

    fn walk(&mut self, hir: &Hir) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(l) => self.out.extend_from_slice(&l.0),
            HirKind::Class(_) => {
                if let Some(b) = Self::class_bytes(hir).and_then(|bs| self.pick(&bs)) {
                    self.out.push(b);
                }
            }
            HirKind::Repetition(rep) => {
                let wide = Self::class_bytes(&rep.sub).is_some_and(|b| b.len() >= 10);
                let n = match rep.max {
                    // A token-like run (`[a-z0-9]+`): long enough to look like one.
                    None if wide => rep.min.max(24),
                    None => rep.min,
                    Some(max) if wide && rep.min == 0 => max.min(24),
                    Some(_) => rep.min,
                };
                for _ in 0..n.min(4096) {
                    self.walk(&rep.sub);
                }
            }
            HirKind::Capture(c) => self.walk(&c.sub),
            HirKind::Concat(subs) => subs.iter().for_each(|h| self.walk(h)),
            HirKind::Alternation(subs) => {
                // The first branch that is not empty: most informative.
                let pick = subs
                    .iter()
                    .find(|h| h.properties().minimum_len().unwrap_or(0) > 0)
                    .unwrap_or(&subs[0]);
                self.walk(pick);
            }
        }
    }
}

/// The pattern with capture group `group` (1-based, by position) named
/// `secret`, as tokenhound reads the secret from the group of that name
/// (gitleaks' `secretGroup`). `None` when there is no such group.
pub fn name_group(pattern: &str, group: u32) -> Option<String> {
    let b = pattern.as_bytes();
    let mut count = 0;
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            b'(' if !in_class => {
                let rest = &pattern[i + 1..];
                let named = rest.starts_with("?P<") || rest.starts_with("?<");
                if !rest.starts_with('?') || named {
                    count += 1;
                    if count == group {
                        let mut out = pattern[..i + 1].to_string();
                        if named {
                            let close = rest.find('>')?;
                            out.push_str("?P<secret>");
                            out.push_str(&rest[close + 1..]);
                        } else {
                            out.push_str("?P<secret>");
                            out.push_str(rest);
                        }
                        return Some(out);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The number of capture groups of `pattern`.
pub fn group_count(pattern: &str) -> usize {
    crate::rules::pattern::parse_pattern(pattern)
        .ok()
        .and_then(|h| h.properties().explicit_captures_len().into())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_what_re2_reads_as_literals() {
        assert_eq!(convert(r"\Qa.b*c\E[0-9]+").unwrap(), r"a\.b\*c[0-9]+");
        assert_eq!(convert(r"key{[a-z]{4}}").unwrap(), r"key\{[a-z]{4}}");
        assert_eq!(convert(r"x{2,}y{,3}").unwrap(), r"x{2,}y\{,3}");
        assert_eq!(convert(r"[{]a").unwrap(), r"[{]a");
        assert!(
            convert(r"\pL+").is_err(),
            "Unicode classes in a byte pattern"
        );
        assert!(convert(r"(?<=a)b").is_err(), "look-behind");
    }

    #[test]
    fn keywords_from_literals() {
        // Case variants of the literal, lowercased: one keyword.
        assert_eq!(
            derived_keywords(r"(?i)acme_(live|test)_[a-z0-9]{24}").unwrap(),
            ["acme_"]
        );
        assert_eq!(
            derived_keywords(r"acme_(live|test)_[a-z0-9]{24}").unwrap(),
            ["acme_live_", "acme_test_"]
        );
        let suffix = derived_keywords(r"[a-f0-9]{32}\.apps\.example").unwrap();
        assert!(
            !suffix.is_empty() && suffix.iter().all(|k| k.ends_with(".apps.example")),
            "{suffix:?}"
        );
        assert!(derived_keywords(r"[a-f0-9]{32}").is_none());
        assert!(keywords_cover(
            r"(?i)acme_(live|test)_[a-z0-9]{24}",
            &["ACME_".into()]
        ));
        assert!(!keywords_cover(
            r"(?i)acme_(live|test)_[a-z0-9]{24}",
            &["live".into()]
        ));
    }

    #[test]
    fn examples_match_their_pattern() {
        for p in [
            r"(?i)acme_(live|test)_[a-z0-9]{24}",
            r"\b(xyz-[A-Z0-9]{8}-[a-f0-9]{16})\b",
            r"token\s*[:=]\s*([A-Za-z0-9+/]{40})",
            r"secret_[A-Za-z0-9]+",
        ] {
            let re = regex::bytes::Regex::new(&format!("(?-u){p}")).unwrap();
            for seed in 0..4 {
                let ex = example(p, seed).unwrap();
                assert!(re.is_match(ex.as_bytes()), "{p}: {ex}");
            }
        }
    }

    #[test]
    fn secret_group_is_named() {
        assert_eq!(
            name_group(r"key=([a-z]+)-([0-9]+)", 2).unwrap(),
            r"key=([a-z]+)-(?P<secret>[0-9]+)"
        );
        assert_eq!(
            name_group(r"(?i)(?:a|b)=(?P<val>[a-z]+)", 1).unwrap(),
            r"(?i)(?:a|b)=(?P<secret>[a-z]+)"
        );
        assert_eq!(name_group(r"[(]x(y)", 1).unwrap(), r"[(]x(?P<secret>y)");
        assert!(name_group(r"abc", 1).is_none());
        assert_eq!(group_count(r"(a)(?:b)(?P<c>d)"), 2);
    }
}
