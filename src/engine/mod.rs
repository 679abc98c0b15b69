//! The matching engine: a pure function from bytes to matches.
//!
//! One pass of an Aho-Corasick automaton over every rule's keywords (ASCII
//! case-insensitive) picks the candidate rules and where they can match; only those
//! rules run their regex, and only in windows around the keyword hits when the
//! pattern's maximum match length is bounded (which makes the window sound: a match
//! contains its keyword, so it cannot start more than `max_len` before the hit's end
//! nor end more than `max_len` after its start). Regexes are compiled once per
//! process. Entropy, validators and the placeholder filter then drop what is not a
//! credential, and overlapping claims on one secret are settled by specificity.
//!
//! The engine never reads files and never formats output, so it is benchmarked and
//! fuzzed alone.

pub mod entropy;
pub mod placeholder;
pub mod selftest;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use anyhow::{Context, Result};
use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

use crate::rules::{Kind, Rule, RuleSet};

/// Extra bytes kept on each side of a window so word boundaries and look-around
/// context at the window's edge see the same bytes as in the whole blob.
const WINDOW_SLACK: usize = 16;

/// Compiles a rule pattern the way the engine runs it: bytes, ASCII classes
/// (`\w`, `\d`, `\s` are ASCII; invalid UTF-8 in the input is fine).
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(16 << 20)
        .dfa_size_limit(8 << 20)
        .build()
}

/// Parses a pattern's syntax the way the engine reads it (cheap: no automaton is
/// built), for validation and for its length bounds.
pub fn parse_pattern(pattern: &str) -> Result<regex_syntax::hir::Hir, Box<regex_syntax::Error>> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(Box::new)
}

/// The longest match a pattern can produce, when it is bounded.
fn max_match_len(pattern: &str) -> Option<usize> {
    parse_pattern(pattern).ok()?.properties().maximum_len()
}

/// A rule ready to run: its regex compiled and its search window known.
#[derive(Debug)]
pub struct CompiledRule {
    pub rule: Rule,
    /// Compiled on first use: most rules never see a keyword hit in a small scan,
    /// and building their automata would dominate start-up (a pre-commit run).
    regex: OnceLock<Option<(Regex, Option<usize>)>>,
    /// `None`: unbounded pattern, run over the whole blob when a keyword hits.
    max_len: Option<usize>,
    /// Higher wins when two rules claim overlapping secrets.
    pub specificity: i64,
}

/// One reported match: which rule, and where the secret is in the scanned bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index into `Engine::rules()`.
    pub rule: usize,
    /// Byte span of the secret.
    pub start: usize,
    pub end: usize,
    /// Byte span of the whole regex match (secret plus its context, e.g. `key = `).
    pub match_start: usize,
    pub match_end: usize,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
}

/// All rules compiled into one prefilter plus per-rule regexes.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    prefilter: AhoCorasick,
    /// Prefilter pattern id → rules that listed that keyword.
    keyword_rules: Vec<Vec<usize>>,
}

#[derive(Default)]
struct Scratch {
    /// (rule, lo, hi) search windows from keyword hits.
    windows: Vec<(usize, usize, usize)>,
    /// Per rule, the window still growing from overlapping hits: a run of
    /// keywords (`eyJeyJ…`) makes one window, not one per hit.
    open: Vec<Option<(usize, usize)>>,
    locs: Vec<Option<CaptureLocations>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl CompiledRule {
    /// The rule's regex and the index of its `secret` group, compiled on first use;
    /// `None` if the pattern does not compile (custom rules are checked up front
    /// with [`Engine::compile_all`]; built-in ones by the test suite).
    fn compiled(&self) -> Option<&(Regex, Option<usize>)> {
        self.regex
            .get_or_init(|| {
                let re = compile_pattern(&self.rule.pattern).ok()?;
                let group = re.capture_names().position(|n| n == Some("secret"));
                Some((re, group))
            })
            .as_ref()
    }
}

/// How much a rule's claim on a secret weighs against another rule's.
fn specificity(rule: &Rule) -> i64 {
    let longest_kw = rule
        .keywords
        .iter()
        .map(|k| k.len())
        .max()
        .unwrap_or(0)
        .min(40) as i64;
    rule.priority as i64 * 1000
        + if rule.kind == Kind::Generic { 0 } else { 200 }
        + if rule.validator.is_some() { 100 } else { 0 }
        + longest_kw
}

impl Engine {
    /// Compiles every rule once; the result is shared by all scanning threads.
    pub fn new(set: &RuleSet) -> Result<Engine> {
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut kw_index = std::collections::HashMap::new();
        for (i, rule) in set.rules.iter().enumerate() {
            for kw in &rule.keywords {
                let key = kw.to_ascii_lowercase().into_bytes();
                let id = *kw_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !keyword_rules[id].contains(&i) {
                    keyword_rules[id].push(i);
                }
            }
            rules.push(CompiledRule {
                max_len: max_match_len(&rule.pattern),
                specificity: specificity(rule),
                rule: rule.clone(),
                regex: OnceLock::new(),
            });
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&keywords)
            .or_else(|_| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keywords)
            })
            .context("building the keyword prefilter")?;
        Ok(Engine {
            rules,
            prefilter,
            keyword_rules,
        })
    }

    /// Compiles every rule's regex now instead of on first use, so a broken
    /// custom pattern is reported before scanning starts.
    pub fn compile_all(&self) -> Result<()> {
        for cr in &self.rules {
            if cr.compiled().is_none() {
                compile_pattern(&cr.rule.pattern).with_context(|| {
                    format!("{}: rule `{}`: pattern", cr.rule.origin, cr.rule.id)
                })?;
            }
        }
        Ok(())
    }

    /// The compiled rules, indexed by `Match::rule`.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Finds every credential in `blob`, sorted by position, overlaps resolved.
    pub fn scan(&self, blob: &[u8]) -> Vec<Match> {
        SCRATCH.with(|s| self.scan_with(blob, &mut s.borrow_mut()))
    }

    fn scan_with(&self, blob: &[u8], scratch: &mut Scratch) -> Vec<Match> {
        scratch.windows.clear();
        if scratch.locs.len() != self.rules.len() {
            scratch.locs = (0..self.rules.len()).map(|_| None).collect();
        }
        scratch.open.clear();
        scratch.open.resize(self.rules.len(), None);
        for hit in self.prefilter.find_overlapping_iter(blob) {
            for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                let (lo, hi) = match self.rules[r].max_len {
                    Some(m) => (
                        hit.end().saturating_sub(m + WINDOW_SLACK),
                        (hit.start() + m + WINDOW_SLACK).min(blob.len()),
                    ),
                    None => (0, blob.len()),
                };
                // Overlapping windows of one rule grow into one (searching a
                // larger window finds the same matches: each holds a keyword).
                match &mut scratch.open[r] {
                    Some((l, h)) if lo <= *h => {
                        *l = (*l).min(lo);
                        *h = (*h).max(hi);
                    }
                    slot => {
                        if let Some((l, h)) = slot.replace((lo, hi)) {
                            scratch.windows.push((r, l, h));
                        }
                    }
                }
            }
        }
        for (r, slot) in scratch.open.iter_mut().enumerate() {
            if let Some((l, h)) = slot.take() {
                scratch.windows.push((r, l, h));
            }
        }
        if scratch.windows.is_empty() {
            return Vec::new();
        }
        scratch.windows.sort_unstable();
        let mut found = Vec::new();
        let mut i = 0;
        while i < scratch.windows.len() {
            let (r, lo, mut hi) = scratch.windows[i];
            i += 1;
            // Merge this rule's overlapping windows so each match is found once.
            while i < scratch.windows.len()
                && scratch.windows[i].0 == r
                && scratch.windows[i].1 <= hi
            {
                hi = hi.max(scratch.windows[i].2);
                i += 1;
            }
            let Some((regex, _)) = self.rules[r].compiled() else {
                continue;
            };
            let locs = scratch.locs[r].get_or_insert_with(|| regex.capture_locations());
            self.run_rule(r, blob, lo, hi, locs, &mut found);
        }
        resolve_overlaps(&self.rules, found)
    }

    fn run_rule(
        &self,
        r: usize,
        blob: &[u8],
        lo: usize,
        hi: usize,
        locs: &mut CaptureLocations,
        out: &mut Vec<Match>,
    ) {
        let cr = &self.rules[r];
        let Some((regex, secret_group)) = cr.compiled() else {
            return;
        };
        let hay = &blob[..hi];
        let mut pos = lo;
        while pos <= hay.len() {
            let Some(m) = regex.captures_read_at(locs, hay, pos) else {
                break;
            };
            pos = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            let (s, e) = match secret_group.and_then(|g| locs.get(g)) {
                Some(span) => span,
                None => (m.start(), m.end()),
            };
            if e <= s {
                continue;
            }
            let secret = &blob[s..e];
            let ent = entropy::shannon(secret);
            if cr.rule.min_entropy.is_some_and(|min| ent < min) {
                continue;
            }
            if !cr.rule.allow_placeholder_shapes && placeholder::is_placeholder(secret) {
                continue;
            }
            if placeholder::is_truncated(&blob[e..]) {
                continue;
            }
            if cr.rule.validator.is_some_and(|v| !v.check(secret)) {
                continue;
            }
            out.push(Match {
                rule: r,
                start: s,
                end: e,
                match_start: m.start(),
                match_end: m.end(),
                entropy: ent,
            });
        }
    }
}

/// Keeps one match per overlapping group of secret spans: the most specific rule,
/// then the longer secret, then the earlier rule.
fn resolve_overlaps(rules: &[CompiledRule], mut found: Vec<Match>) -> Vec<Match> {
    if found.len() <= 1 {
        return found;
    }
    found.sort_by(|a, b| {
        rules[b.rule]
            .specificity
            .cmp(&rules[a.rule].specificity)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.rule.cmp(&b.rule))
            .then(a.start.cmp(&b.start))
    });
    // Accepted spans, start → end, never overlapping each other.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept = Vec::with_capacity(found.len());
    for m in found {
        let before = taken
            .range(..=m.start)
            .next_back()
            .is_some_and(|(_, &e)| e > m.start);
        let after = taken.range(m.start..m.end).next().is_some();
        if before || after {
            continue;
        }
        taken.insert(m.start, m.end);
        kept.push(m);
    }
    kept.sort_by_key(|m| (m.start, m.end));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rule_file;

    fn engine(toml: &str) -> Engine {
        Engine::new(&RuleSet {
            rules: parse_rule_file(toml, "test.toml").unwrap(),
        })
        .unwrap()
    }

    const RULES: &str = r#"
[[rule]]
id = "bearer"
name = "Bearer token"
provider = "http"
kind = "generic"
keywords = ["bearer "]
pattern = '''(?i)bearer (?P<secret>[A-Za-z0-9_.-]{20,200})'''
lifetime = "unknown"
revoke = "Revoke it at its issuer."
examples = ["Bearer q8W3e9R1t5Y2u8I4o6P0a7S3d"]

[[rule]]
id = "acme"
name = "ACME token"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[A-Za-z0-9]{20})\b'''
lifetime = "long"
revoke = "Delete it."
examples = ["acme_q8W3e9R1t5Y2u8I4o6P0"]
"#;

    #[test]
    fn most_specific_rule_wins_an_overlap() {
        let e = engine(RULES);
        let text =
            b"Authorization: Bearer acme_q8W3e9R1t5Y2u8I4o6P0\nBearer zQ8w3E9r1T5y2U8i4O6p0A";
        let ms = e.scan(text);
        let ids: Vec<&str> = ms
            .iter()
            .map(|m| e.rules()[m.rule].rule.id.as_str())
            .collect();
        assert_eq!(ids, ["acme", "bearer"]);
        assert_eq!(&text[ms[0].start..ms[0].end], b"acme_q8W3e9R1t5Y2u8I4o6P0");
    }

    #[test]
    fn windows_find_matches_far_into_a_blob_and_each_once() {
        let e = engine(RULES);
        let mut blob = vec![b'x'; 100_000];
        blob.extend_from_slice(b" acme_q8W3e9R1t5Y2u8I4o6P0 acme_Z8W3e9R1t5Y2u8I4o6P1 ");
        blob.extend(std::iter::repeat_n(b'y', 100_000));
        let ms = e.scan(&blob);
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].start, 100_001);
        assert_eq!(ms[1].start, 100_027);
    }

    #[test]
    fn keywords_match_case_insensitively_and_truncated_values_are_dropped() {
        let e = engine(RULES);
        assert_eq!(e.scan(b"BEARER q8W3e9R1t5Y2u8I4o6P0a7S3d").len(), 1);
        assert!(e.scan(b"acme_q8W3e9R1t5Y2u8I4o6P0...").is_empty());
        assert!(e.scan(b"nothing to see").is_empty());
    }

    #[test]
    fn max_len_is_known_for_bounded_patterns() {
        assert_eq!(max_match_len(r"acme_[a-z]{20}"), Some(25));
        assert_eq!(max_match_len(r"a.*b"), None);
    }
}
