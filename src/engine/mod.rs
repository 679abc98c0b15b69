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

/// The longest match a pattern can produce, when it is bounded.
fn max_match_len(pattern: &str) -> Option<usize> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    hir.properties().maximum_len()
}

/// A rule ready to run: its regex compiled and its search window known.
#[derive(Debug)]
pub struct CompiledRule {
    pub rule: Rule,
    regex: Regex,
    secret_group: Option<usize>,
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
    locs: Vec<Option<CaptureLocations>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// How much a rule's claim on a secret weighs against another rule's.
fn specificity(rule: &Rule) -> i64 {
    let longest_kw = rule.keywords.iter().map(|k| k.len()).max().unwrap_or(0).min(40) as i64;
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
            let regex = compile_pattern(&rule.pattern)
                .with_context(|| format!("{}: rule `{}`: pattern", rule.origin, rule.id))?;
            let secret_group = regex.capture_names().position(|n| n == Some("secret"));
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
                regex,
                secret_group,
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
        for hit in self.prefilter.find_overlapping_iter(blob) {
            for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                let (lo, hi) = match self.rules[r].max_len {
                    Some(m) => (
                        hit.end().saturating_sub(m + WINDOW_SLACK),
                        (hit.start() + m + WINDOW_SLACK).min(blob.len()),
                    ),
                    None => (0, blob.len()),
                };
                scratch.windows.push((r, lo, hi));
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
            while i < scratch.windows.len() && scratch.windows[i].0 == r && scratch.windows[i].1 <= hi {
                hi = hi.max(scratch.windows[i].2);
                i += 1;
            }
            let locs = scratch.locs[r].get_or_insert_with(|| self.rules[r].regex.capture_locations());
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
        let hay = &blob[..hi];
        let mut pos = lo;
        while pos <= hay.len() {
            let Some(m) = cr.regex.captures_read_at(locs, hay, pos) else {
                break;
            };
            pos = if m.end() > m.start() { m.end() } else { m.end() + 1 };
            let (s, e) = match cr.secret_group.and_then(|g| locs.get(g)) {
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
            if placeholder::dismissed_after(&blob[e..]) {
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
        let before = taken.range(..=m.start).next_back().is_some_and(|(_, &e)| e > m.start);
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
