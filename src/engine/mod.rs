//! The matching engine: a pure function from bytes to matches.
//!
//! One pass of an Aho-Corasick automaton over every rule's keywords (ASCII
//! case-insensitive) picks the candidate rules and where they can match; only those
//! rules run their regex, near the keyword hits where that is sound:
//! - anchored at the hit, when the pattern's prefix literals prove that every match
//!   starts at most `lead` bytes before a keyword and its length is bounded (the
//!   common case: `ghp_…`, `password = "…"`); all of a keyword's anchored rules
//!   are first checked together by one lazy DFA walked from the hit;
//! - when `lead` is known but matches can be long (JWTs, cookies, PEM blocks), the
//!   same check decides whether a match can start at the hit, and only then is
//!   the blob searched, from the earliest such hit on;
//! - in a window around the hit when only the maximum match length is bounded (a
//!   match contains its keyword, so it cannot start more than `max_len` before the
//!   hit's end nor end more than `max_len` after its start);
//! - over the whole blob otherwise.
//!
//! Regexes are compiled once per process, on first use. Entropy, validators and the
//! placeholder filter then drop what is not a credential, and overlapping claims on
//! one secret are settled by specificity.
//!
//! The engine never reads files and never formats output, so it is benchmarked and
//! fuzzed alone.

mod analysis;
mod check;
pub mod entropy;
mod follow;
pub mod keywords;
pub mod reuse;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use regex_automata::hybrid;
use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson;
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

use self::analysis::*;
use self::check::*;
use self::keywords::KeywordMatcher;
use self::reuse::DeltaReuse;
use crate::rules::placeholder;
use crate::rules::{Kind, Rule, RuleSet};

/// Extra bytes kept on each side of a window so word boundaries and look-around
/// context at the window's edge see the same bytes as in the whole blob.
const WINDOW_SLACK: usize = 16;

/// Longest match (in bytes) for which a rule is run anchored at its keyword hits
/// rather than over search windows: each hit then costs at most this many bytes
/// of automaton steps, so even a blob that is one keyword repeated stays linear.
const ANCHORED_MAX_LEN: usize = 512;

pub use crate::rules::pattern::{compile_pattern, parse_pattern};

/// A rule ready to run: its regex compiled and its search window known.
#[derive(Debug)]
pub struct CompiledRule {
    pub rule: Rule,
    /// Compiled on first use: most rules never see a keyword hit in a small scan,
    /// and building their automata would dominate start-up (a pre-commit run).
    regex: OnceLock<Option<(Regex, Option<usize>)>>,
    /// `None`: unbounded pattern, run over the whole blob when a keyword hits.
    max_len: Option<usize>,
    /// See [`keyword_lead`]; `None`: a keyword can be anywhere in a match.
    lead: Option<usize>,
    /// Run anchored at each keyword hit (`lead` known, `max_len` at most
    /// [`ANCHORED_MAX_LEN`]) instead of unanchored over windows: the keyword
    /// automaton has already found every place a match can start, so the regex
    /// only confirms them, which is far cheaper than letting its own prefilter
    /// find the same candidates again (the generic `password = "…"` rules hit
    /// every few lines of ordinary code).
    anchored: bool,
    /// `lead` known but matches can be longer than [`ANCHORED_MAX_LEN`] (tokens
    /// of any length, PEM blocks): the keyword's combined check still walks each
    /// hit, and only a hit it cannot rule out queues a search of the blob from
    /// there on. Hits that cannot start a match (`_session` in ordinary text)
    /// then cost a few DFA steps instead of a search of the whole blob.
    checked_search: bool,
    /// Higher wins when two rules claim overlapping secrets.
    pub specificity: i64,
    /// The rule has a `path`: it runs only on blobs whose [`Scope`] names it.
    scoped: bool,
}

/// The path-scoped rules that may run on one blob, from its path: worked out
/// once per blob ([`Engine::scope`]), so matching never looks at paths. The
/// default scope (no path known, or none that a rule names) runs no such rule.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Indices into `Engine::rules()`, ascending.
    rules: Vec<usize>,
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
    /// The keywords, lower case; keyword `i` is prefilter pattern id `i`.
    keywords: Vec<Vec<u8>>,
    /// The automaton over the keywords themselves.
    prefilter: KeywordMatcher,
    /// The automaton that looks past the generic rules' keywords (see
    /// `follow`): same hits, less the ones no rule can go on from. Building it
    /// compiles those keywords' checks and walks them (~3.5 ms), more than a
    /// pre-commit scan of a few files takes, so it is built once the engine has
    /// scanned [`LOOK_PAST_AFTER`] bytes, and used from then on.
    looked_past: OnceLock<KeywordMatcher>,
    /// Bytes scanned while `looked_past` was not built, and whether a thread
    /// has taken on building it (the others go on with `prefilter`).
    scanned: AtomicUsize,
    building: AtomicBool,
    /// `None`: never look past keywords (tests compare both).
    look_past_after: Option<usize>,
    /// Prefilter pattern id → what a hit of that keyword runs.
    plans: Vec<KeywordPlan>,
    /// The `path` regexes of the path-scoped rules, one set so a blob's path
    /// is matched once whatever their number; built on the first path to
    /// match (like the rules' regexes, so a run that scans nothing never
    /// builds it); `None` if it does not compile (a custom rule's `path` is
    /// compiled when its file is loaded, `rules::check_compiles`).
    paths: OnceLock<Option<regex::bytes::RegexSet>>,
    /// Index in `paths` → index of the rule.
    path_rules: Vec<usize>,
    /// Distinguishes engines in the per-thread scratch space: regex caches belong
    /// to one engine's regexes and must not be reused by another's.
    id: usize,
}

static NEXT_ENGINE_ID: AtomicUsize = AtomicUsize::new(1);

/// Bytes an engine scans with its plain keyword automaton before it builds the
/// one that looks past keywords: ~4 ms of scanning, about what the build costs.
const LOOK_PAST_AFTER: usize = 8 << 20;

#[derive(Default)]
struct Scratch {
    /// (rule, lo, hi) search windows from keyword hits.
    windows: Vec<(usize, usize, usize)>,
    /// Per rule: where a search to the end of the blob must start (`usize::MAX`:
    /// none), for unbounded patterns (from 0) and `checked_search` rules (from
    /// the earliest start a check could not rule out; hits do not come in
    /// order). One window per rule, however many hits, so a blob that says
    /// `secret` on every line does not grow a window list bigger than itself.
    search_from: Vec<usize>,
    /// Per-rule search state, created on a rule's first use in this thread.
    caches: Vec<Option<RuleCache>>,
    /// Keyword hits (keyword, start, end) waiting to be run.
    hits: Vec<(usize, usize, usize)>,
    /// Per-keyword state of the combined checks.
    check_caches: Vec<Option<CheckCache>>,
    /// The engine the caches belong to (`Engine::id`; 0: none yet).
    engine: usize,
}

/// A rule's regex cache and capture slots for one thread.
struct RuleCache {
    cache: meta::Cache,
    caps: Captures,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl CompiledRule {
    /// The rule's regex and the index of its `secret` group, compiled on first use;
    /// `None` if the pattern does not compile (custom rules are compiled when
    /// loaded, `rules::check_compiles`; built-in ones by the test suite).
    fn compiled(&self) -> Option<&(Regex, Option<usize>)> {
        self.regex
            .get_or_init(|| {
                let re = compile_pattern(&self.rule.pattern).ok()?;
                let group = re
                    .group_info()
                    .to_index(regex_automata::PatternID::ZERO, "secret");
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
        Engine::build(set, Some(LOOK_PAST_AFTER))
    }

    /// [`Engine::new`], looking past keywords once it has scanned
    /// `look_past_after` bytes (`Some(0)`: from the first blob on; `None`:
    /// never), so fuzzers and tests can hold both automata to each other:
    /// whichever is used, a blob must scan the same.
    pub fn build(set: &RuleSet, look_past_after: Option<usize>) -> Result<Engine> {
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        // Per keyword: (rule, the keyword's lead for it, the (lead, first byte)
        // of each prefix literal the keyword starts).
        type Entry = (usize, Option<usize>, Vec<(usize, u8)>);
        let mut keyword_rules: Vec<Vec<Entry>> = Vec::new();
        let mut kw_index = std::collections::HashMap::new();
        for (i, rule) in set.rules.iter().enumerate() {
            // One parse for both bounds (the loader has checked the syntax).
            let hir = parse_pattern(&rule.pattern).ok();
            let max_len = hir.as_ref().and_then(|h| h.properties().maximum_len());
            let starts = hir
                .as_ref()
                .and_then(|h| literal_starts_of(h, &rule.keywords));
            let lead = starts
                .as_ref()
                .map(|st| st.iter().map(|&(_, pos, _)| pos).max().unwrap_or(0));
            // A path-scoped rule stays out of the keyword automaton: it would
            // only weaken the checks of keywords it shares (`password`) for
            // every blob, to run on the few at its path (see `scan_with`).
            let in_automaton = if rule.path.is_some() {
                &[][..]
            } else {
                &rule.keywords[..]
            };
            for (k, kw) in in_automaton.iter().enumerate() {
                let key = kw.to_ascii_lowercase().into_bytes();
                let id = *kw_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                let mine: Vec<(usize, u8)> = starts
                    .iter()
                    .flatten()
                    .filter(|&&(sk, _, _)| sk == k)
                    .map(|&(_, pos, byte)| (pos, byte))
                    .collect();
                let kl = mine.iter().map(|&(pos, _)| pos).max();
                match keyword_rules[id].iter_mut().find(|(r, _, _)| *r == i) {
                    // The same keyword twice in other letter case.
                    Some(entry) => {
                        entry.1 = entry.1.max(kl);
                        entry.2.extend(mine);
                    }
                    None => keyword_rules[id].push((i, kl, mine)),
                }
            }
            rules.push(CompiledRule {
                max_len,
                lead,
                anchored: lead.is_some() && max_len.is_some_and(|m| m <= ANCHORED_MAX_LEN),
                checked_search: lead.is_some() && max_len.is_none_or(|m| m > ANCHORED_MAX_LEN),
                specificity: specificity(rule),
                scoped: rule.path.is_some(),
                rule: rule.clone(),
                regex: OnceLock::new(),
            });
        }
        let plans: Vec<KeywordPlan> = keyword_rules
            .iter()
            .map(|entries| {
                let covered = |r: usize, kl: Option<usize>| {
                    (rules[r].anchored || rules[r].checked_search) && kl.is_some()
                };
                let mut first_bytes: Vec<ByteSet> = Vec::new();
                let mut checked = Vec::new();
                for (r, kl, starts) in entries {
                    if !covered(*r, *kl) {
                        continue;
                    }
                    checked.push((*r, kl.unwrap_or(0)));
                    for &(pos, byte) in starts {
                        if first_bytes.len() <= pos {
                            first_bytes.resize(pos + 1, ByteSet::default());
                        }
                        first_bytes[pos].insert(byte);
                    }
                }
                KeywordPlan {
                    rules: entries.iter().map(|&(r, kl, _)| (r, kl)).collect(),
                    rest: entries
                        .iter()
                        .filter(|&&(r, kl, _)| !covered(r, kl))
                        .map(|&(r, kl, _)| (r, kl))
                        .collect(),
                    check: (!checked.is_empty()).then(|| KeywordCheck {
                        rules: checked,
                        first_bytes,
                        regex: OnceLock::new(),
                    }),
                }
            })
            .collect();
        let prefilter = KeywordMatcher::new(&keywords);
        let path_rules: Vec<usize> = (0..rules.len()).filter(|&r| rules[r].scoped).collect();
        Ok(Engine {
            rules,
            keywords,
            prefilter,
            looked_past: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            building: AtomicBool::new(false),
            look_past_after,
            plans,
            paths: OnceLock::new(),
            path_rules,
            id: NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// The keyword automaton for the next blob: the one that looks past
    /// keywords once it is built; this thread builds it if the engine has
    /// scanned enough for that to pay and no other thread has taken it on.
    fn keyword_pass_for(&self, blob: &[u8]) -> &KeywordMatcher {
        if let Some(m) = self.looked_past.get() {
            return m;
        }
        let Some(after) = self.look_past_after else {
            return &self.prefilter;
        };
        let seen = self.scanned.fetch_add(blob.len(), Ordering::Relaxed) + blob.len();
        if seen >= after && !self.building.swap(true, Ordering::AcqRel) {
            return self.looked_past.get_or_init(|| self.build_looked_past());
        }
        &self.prefilter
    }

    /// The automaton with each keyword of ordinary words replaced by its live
    /// continuations (see `follow`), each reported as the keyword itself.
    fn build_looked_past(&self) -> KeywordMatcher {
        let mut patterns: Vec<(Vec<u8>, u32, u32)> = Vec::with_capacity(self.keywords.len());
        for (id, (keyword, plan)) in self.keywords.iter().zip(&self.plans).enumerate() {
            let report = |pattern: Vec<u8>| (pattern, id as u32, keyword.len() as u32);
            match plan.continuations(&self.rules, keyword) {
                Some(spellings) => patterns.extend(spellings.into_iter().map(report)),
                None => patterns.push(report(keyword.clone())),
            }
        }
        KeywordMatcher::with_reports(&patterns)
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
        if !self.path_rules.is_empty() && self.path_set().is_none() {
            crate::rules::pattern::compile_paths(self.path_patterns())
                .context("the rules' `path` regexes together")?;
        }
        Ok(())
    }

    /// The keyword automaton a scan runs first, for benchmarks that time it
    /// alone: its hits are what the rules are then run on. It is the one that
    /// looks past keywords once that is built (after a scan of
    /// [`LOOK_PAST_AFTER`] bytes or more).
    pub fn keyword_pass(&self) -> &KeywordMatcher {
        self.looked_past.get().unwrap_or(&self.prefilter)
    }

    /// The compiled rules, indexed by `Match::rule`.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Finds every credential in `blob`, sorted by position, overlaps resolved;
    /// no path-scoped rule runs (see [`Engine::scan_in`]).
    pub fn scan(&self, blob: &[u8]) -> Vec<Match> {
        self.scan_in(blob, &Scope::default())
    }

    /// [`Engine::scan`] with the path-scoped rules of `scope` too (from
    /// [`Engine::scope`] of the blob's path).
    pub fn scan_in(&self, blob: &[u8], scope: &Scope) -> Vec<Match> {
        SCRATCH.with(|s| self.scan_with(blob, scope, None, &mut s.borrow_mut()))
    }

    /// [`Engine::scan_in`] of a blob that `reuse` describes: its keyword hits
    /// derived from its base's when it has one (a git delta), and recorded
    /// for the blobs built from it. Same matches as `scan_in` (see
    /// [`reuse`]); a `reuse` of other bytes is ignored.
    pub fn scan_reusing(
        &self,
        blob: &[u8],
        scope: &Scope,
        reuse: Option<&DeltaReuse>,
    ) -> Vec<Match> {
        let reuse = reuse.filter(|r| r.describes(blob));
        SCRATCH.with(|s| self.scan_with(blob, scope, reuse, &mut s.borrow_mut()))
    }

    /// The path-scoped rules that run on a blob at `path` (`\\` read as `/`):
    /// one match of every rule's `path` at once, for the sources to do once
    /// per blob.
    pub fn scope(&self, path: &str) -> Scope {
        if self.path_rules.is_empty() {
            return Scope::default();
        }
        let Some(set) = self.path_set() else {
            return Scope::default();
        };
        let path = crate::rules::normalise_path(path);
        if !set.is_match(path.as_bytes()) {
            return Scope::default();
        }
        Scope {
            rules: set
                .matches(path.as_bytes())
                .iter()
                .map(|i| self.path_rules[i])
                .collect(),
        }
    }

    /// The set of every path-scoped rule's `path`, compiled on first use.
    fn path_set(&self) -> Option<&regex::bytes::RegexSet> {
        self.paths
            .get_or_init(|| crate::rules::pattern::compile_paths(self.path_patterns()).ok())
            .as_ref()
    }

    /// The `path` of each path-scoped rule, in `path_rules` order.
    fn path_patterns(&self) -> impl Iterator<Item = &str> {
        self.path_rules
            .iter()
            .map(|&r| self.rules[r].rule.path.as_deref().unwrap_or_default())
    }

    fn scan_with(
        &self,
        blob: &[u8],
        scope: &Scope,
        reuse: Option<&DeltaReuse>,
        scratch: &mut Scratch,
    ) -> Vec<Match> {
        scratch.windows.clear();
        if scratch.engine != self.id {
            scratch.engine = self.id;
            scratch.caches = (0..self.rules.len()).map(|_| None).collect();
            scratch.check_caches = (0..self.plans.len()).map(|_| None).collect();
        }
        scratch.search_from.clear();
        scratch.search_from.resize(self.rules.len(), usize::MAX);
        let mut found = Vec::new();
        let mut compact_at = COMPACT_AT;
        // Hits are collected in batches and run after the keyword pass over each
        // batch: the pass then stays a tight loop (its state in registers), and
        // the batch bounds memory however many hits a blob has.
        let mut hits = std::mem::take(&mut scratch.hits);
        hits.clear();
        let matcher = self.keyword_pass_for(blob);
        let tag = (self.id, std::ptr::eq(matcher, &self.prefilter));
        match reuse.and_then(|r| Some((r, r.hits(matcher, tag, blob)?))) {
            Some((r, known)) => {
                for chunk in known.chunks(HIT_BATCH) {
                    hits.clear();
                    hits.extend(
                        chunk
                            .iter()
                            .map(|h| (h.keyword as usize, h.start as usize, h.end as usize)),
                    );
                    self.run_hits(blob, &hits, scratch, &mut found, &mut compact_at);
                }
                hits.clear();
                r.keep(tag, known);
            }
            None => matcher.for_each_hit(blob, |keyword, start, end| {
                hits.push((keyword, start, end));
                if hits.len() == HIT_BATCH {
                    self.run_hits(blob, &hits, scratch, &mut found, &mut compact_at);
                    hits.clear();
                }
            }),
        }
        self.run_hits(blob, &hits, scratch, &mut found, &mut compact_at);
        scratch.hits = hits;
        // Path-scoped rules are not in the keyword automaton: each searches
        // the whole of a blob at its path (a tool's own small file) that holds
        // one of its keywords, if it has any.
        if !scope.rules.is_empty() {
            let lower = blob.to_ascii_lowercase();
            for &r in &scope.rules {
                let keywords = &self.rules[r].rule.keywords;
                let hit = |k: &String| {
                    memchr::memmem::find(&lower, k.to_ascii_lowercase().as_bytes()).is_some()
                };
                if keywords.is_empty() || keywords.iter().any(hit) {
                    scratch.search_from[r] = 0;
                }
            }
        }
        for (r, &from) in scratch.search_from.iter().enumerate() {
            if from < blob.len() {
                scratch.windows.push((r, from, blob.len()));
            }
        }
        if !scratch.windows.is_empty() {
            // Merge each rule's overlapping windows so each match is found once.
            merge_windows(&mut scratch.windows);
            for &(r, lo, hi) in &scratch.windows {
                self.run_rule(r, blob, lo, hi, false, &mut scratch.caches, &mut found);
            }
        }
        resolve_overlaps(&self.rules, found)
    }

    /// Runs what each keyword hit calls for: the keyword's combined check and its
    /// anchored rules at the starts the check accepts, and a search window (or
    /// the whole blob) for each of its other rules, searched after the pass.
    #[inline(never)]
    fn run_hits(
        &self,
        blob: &[u8],
        hits: &[(usize, usize, usize)],
        scratch: &mut Scratch,
        found: &mut Vec<Match>,
        compact_at: &mut usize,
    ) {
        let (windows, search_from, caches, check_caches) = (
            &mut scratch.windows,
            &mut scratch.search_from,
            &mut scratch.caches,
            &mut scratch.check_caches,
        );
        for &(keyword, start, end) in hits {
            let plan = &self.plans[keyword];
            let check = plan
                .check
                .as_ref()
                .and_then(|kc| Some((kc, kc.compiled(&self.rules)?)));
            if let Some((kc, dfa)) = check {
                let cache = check_caches[keyword].get_or_insert_with(|| CheckCache::new(dfa));
                for (d, first) in kc.first_bytes.iter().enumerate().take(start + 1) {
                    let at = start - d;
                    if !first.contains(blob[at])
                        || !KeywordCheck::starts_match(dfa, cache, blob, at, end)
                    {
                        continue;
                    }
                    for &(r, lead) in &kc.rules {
                        if d > lead {
                            continue;
                        }
                        if self.rules[r].anchored {
                            self.run_rule(r, blob, at, blob.len(), true, caches, found);
                        } else {
                            // A match may start here and run on: search from the
                            // earliest such start to the end of the blob, once.
                            let from = &mut search_from[r];
                            *from = (*from).min(at.saturating_sub(WINDOW_SLACK));
                        }
                    }
                }
            }
            let rest = if check.is_some() {
                &plan.rest
            } else {
                &plan.rules
            };
            for &(r, keyword_lead) in rest {
                let rule = &self.rules[r];
                if rule.anchored {
                    // Every match starts within `lead` bytes before a hit of
                    // the keyword that starts it: try each such start (a start
                    // tried twice by neighbouring hits yields the same match,
                    // which overlap resolution drops).
                    let Some(lead) = keyword_lead else {
                        continue;
                    };
                    for at in start - lead.min(start)..=start {
                        self.run_rule(r, blob, at, blob.len(), true, caches, found);
                    }
                    continue;
                }
                let (lo, hi) = match rule.max_len {
                    Some(m) => {
                        // The match contains this hit, so it starts no earlier than
                        // m before the hit's end, or `lead` before its start.
                        let before = match rule.lead {
                            Some(lead) => (start - lead.min(start)).max(end.saturating_sub(m)),
                            None => end.saturating_sub(m),
                        };
                        (
                            before.saturating_sub(WINDOW_SLACK),
                            (start + m + WINDOW_SLACK).min(blob.len()),
                        )
                    }
                    None => {
                        search_from[r] = 0;
                        continue;
                    }
                };
                // A hit of a keyword over twice the rule's longest match (a custom
                // rule's keyword that its pattern cannot hold) puts `lo` past
                // `hi`: no match fits there, and an inverted span would panic.
                if lo >= hi {
                    continue;
                }
                windows.push((r, lo, hi));
                if windows.len() >= *compact_at {
                    merge_windows(windows);
                    *compact_at = COMPACT_AT.max(windows.len() * 2);
                }
            }
        }
    }

    /// Runs rule `r` over `blob[lo..hi]`: once, anchored at `lo`, or for every
    /// match in the window; keeps the matches that pass the rule's filters.
    #[allow(clippy::too_many_arguments)]
    fn run_rule(
        &self,
        r: usize,
        blob: &[u8],
        lo: usize,
        hi: usize,
        anchored: bool,
        caches: &mut [Option<RuleCache>],
        out: &mut Vec<Match>,
    ) {
        let cr = &self.rules[r];
        let Some((regex, secret_group)) = cr.compiled() else {
            return;
        };
        let rc = caches[r].get_or_insert_with(|| RuleCache {
            cache: regex.create_cache(),
            caps: regex.create_captures(),
        });
        let mut input = Input::new(blob).span(lo..hi);
        if anchored {
            // No match is longer than `max_len`: a short span keeps the confirming
            // search within the bounded backtracker's reach.
            let end = cr.max_len.map_or(hi, |m| hi.min(lo.saturating_add(m)));
            input = Input::new(blob).span(lo..end).anchored(Anchored::Yes);
        }
        loop {
            regex.search_captures_with(&mut rc.cache, &input, &mut rc.caps);
            let Some(m) = rc.caps.get_match() else {
                break;
            };
            let (s, e) = match secret_group.and_then(|g| rc.caps.get_group(g)) {
                Some(span) => (span.start, span.end),
                None => (m.start(), m.end()),
            };
            if e > s {
                if let Some(found) = self.accept(r, blob, s, e, m.start(), m.end()) {
                    out.push(found);
                }
            }
            if anchored {
                break;
            }
            let next = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            if next > hi {
                break;
            }
            input.set_start(next);
        }
    }

    /// The filters a rule's match must pass: entropy, placeholder shapes, a
    /// truncation marker after it, and the rule's validator.
    fn accept(
        &self,
        r: usize,
        blob: &[u8],
        s: usize,
        e: usize,
        match_start: usize,
        match_end: usize,
    ) -> Option<Match> {
        let cr = &self.rules[r];
        let secret = &blob[s..e];
        let ent = entropy::shannon(secret);
        if cr.rule.min_entropy.is_some_and(|min| ent < min) {
            return None;
        }
        if placeholder::is_truncated(&blob[e..]) {
            return None;
        }
        match cr.rule.validator {
            // A passing checksum says generated, whatever words it spells.
            Some(v) if v.is_checksum() => {
                if !v.check(secret) {
                    return None;
                }
            }
            v => {
                if !cr.rule.allow_placeholder_shapes && placeholder::is_placeholder(secret) {
                    return None;
                }
                if v.is_some_and(|v| !v.check(secret)) {
                    return None;
                }
            }
        }
        Some(Match {
            rule: r,
            start: s,
            end: e,
            match_start,
            match_end,
            entropy: ent,
        })
    }
}

/// Keyword hits collected before they are run (see `Engine::scan_with`).
const HIT_BATCH: usize = 512;

/// Window-list length at which the list is merged in place while hits are still
/// coming, so its memory follows the distinct windows, not the hits.
const COMPACT_AT: usize = 1 << 16;

/// Sorts `(rule, lo, hi)` windows and merges each rule's overlapping ones.
fn merge_windows(windows: &mut Vec<(usize, usize, usize)>) {
    windows.sort_unstable();
    let mut kept = 0;
    for i in 0..windows.len() {
        let w = windows[i];
        if kept > 0 && windows[kept - 1].0 == w.0 && w.1 <= windows[kept - 1].2 {
            windows[kept - 1].2 = windows[kept - 1].2.max(w.2);
        } else {
            windows[kept] = w;
            kept += 1;
        }
    }
    windows.truncate(kept);
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

    /// Random checksummed tokens spell placeholder words by chance (`yOUr`,
    /// `XxxX`); the checksum says they were generated, so they are found.
    /// Typed placeholders still fail the checksum.
    #[test]
    fn a_checksummed_token_that_spells_a_placeholder_word_is_found() {
        use crate::rules::validators::github_style_token;
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let found = |t: &str| {
            let blob = format!("token = {t}\n");
            engine
                .scan(blob.as_bytes())
                .iter()
                .any(|m| &blob.as_bytes()[m.start..m.end] == t.as_bytes())
        };
        for body in [
            "2dUc4fOq6pdezo1owehdmILjgyOUr5",
            "vEXXXxj651iBaEF7rFW07q7ndy8gV9",
            "Q7w1example9ZkPq3Lm5Nb8Vc2Xr4T",
        ] {
            let t = github_style_token("ghp_", body);
            assert!(found(&t), "{t}");
        }
        // A typed placeholder with a made-up checksum is not a token.
        assert!(!found("ghp_yourtokenhereyourtokenhereyour123456"));
    }

    const SCOPED: &str = r#"
[[rule]]
id = "keyfile"
name = "Key file"
provider = "acme"
kind = "api-key"
path = '''(?:^|/)conf/acme\.key$'''
pattern = '''\A(?P<secret>[0-9a-f]{32})\n?\z'''
lifetime = "long"
revoke = "Rotate it."
example_path = "conf/acme.key"
examples = ["8d1f0e2bfeedc0de5eed0fbadcafe7a9"]

[[rule]]
id = "pw"
name = "Password line"
provider = "acme"
kind = "generic"
keywords = ["pw "]
path = '''(?:^|/)\.acmepw$'''
pattern = '''pw (?P<secret>[A-Za-z0-9]{8,40})'''
lifetime = "long"
revoke = "Rotate it."
example_path = ".acmepw"
examples = ["pw Zq8kW3mR7tY2"]
"#;

    /// A rule with `path` runs only on blobs whose path it matches (one
    /// without keywords over the whole blob), the path read with `/` or `\`;
    /// a plain scan runs neither.
    #[test]
    fn path_scoped_rules_run_only_in_their_scope() {
        let e = engine(&format!("{RULES}{SCOPED}"));
        let ids = |blob: &[u8], path: &str| -> Vec<String> {
            e.scan_in(blob, &e.scope(path))
                .iter()
                .map(|m| e.rules()[m.rule].rule.id.clone())
                .collect()
        };
        let key = b"8d1f0e2bfeedc0de5eed0fbadcafe7a9\n";
        assert_eq!(ids(key, "app/conf/acme.key"), ["keyfile"]);
        assert_eq!(ids(key, "conf/acme.key"), ["keyfile"]);
        assert_eq!(ids(key, r"C:\src\app\conf\acme.key"), ["keyfile"]);
        assert!(ids(key, "app/conf/acme.key.bak").is_empty());
        assert!(ids(key, "notes.txt").is_empty());
        assert!(e.scan(key).is_empty());
        assert_eq!(e.scope("notes.txt"), Scope::default());
        let pw = b"user fake\npw Zq8kW3mR7tY2 acme_q8W3e9R1t5Y2u8I4o6P0\n";
        assert_eq!(ids(pw, "home/.acmepw"), ["pw", "acme"]);
        assert_eq!(ids(pw, "home/acmepw.txt"), ["acme"]);
        // Without any path-scoped rule there is nothing to match paths with.
        assert_eq!(engine(RULES).scope("conf/acme.key"), Scope::default());
    }

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
    fn windows_stay_few_when_every_line_hits() {
        // Leading classes hide where a match starts relative to its keyword, so
        // these rules search windows (not anchored), which is what is measured.
        let e = engine(
            &RULES
                .replace("'''(?i)bearer ", "'''(?i)[a-z]{0,3}bearer ")
                .replace("'''\\b(?P<secret>acme_", "'''[a-z]{0,3}\\b(?P<secret>acme_"),
        );
        assert!(e.rules().iter().all(|r| !r.anchored && r.max_len.is_some()));
        let mut blob = b"Bearer x\nacme_ y\n".repeat(200_000);
        blob.extend_from_slice(b"Bearer q8W3e9R1t5Y2u8I4o6P0a7S3d acme_q8W3e9R1t5Y2u8I4o6P0\n");
        let ms = e.scan(&blob);
        assert_eq!(ms.len(), 2);
        SCRATCH.with(|s| {
            let s = s.borrow();
            // 400,000 hits, merged as they come: bounded by the compaction limit.
            assert!(
                s.windows.capacity() <= 4 * COMPACT_AT,
                "{}",
                s.windows.capacity()
            );
        });
        let mut w = vec![(1, 5, 9), (0, 0, 4), (1, 0, 5), (0, 3, 8), (0, 9, 10)];
        merge_windows(&mut w);
        assert_eq!(w, [(0, 0, 8), (0, 9, 10), (1, 0, 9)]);
    }

    #[test]
    fn long_matches_behind_checked_hits_are_all_found_whatever_order_hits_come_in() {
        // Unbounded: too long to confirm at each hit, so its keyword's check only
        // decides whether the blob is searched, and from where.
        let e = engine(&RULES.replace(r"acme_[A-Za-z0-9]{20})\b", r"acme_[A-Za-z0-9]{20,})\b"));
        let acme = e.rules().iter().position(|r| r.rule.id == "acme").unwrap();
        assert!(e.rules()[acme].checked_search && !e.rules()[acme].anchored);
        // Hits that cannot start a match (too short, or in a word) all over, and
        // two tokens: one early, one late. The keyword pass reports hits by
        // quarter of the blob, so the late one's hit can be run first; the search
        // must still start at the early one.
        let mut blob = b"acme_x xacme_q8W3e9R1t5Y2u8I4o6P0a7 ".repeat(2_000);
        assert!(blob.len() > 4 * keywords::INTERLEAVE_MIN);
        // Near the end of the first quarter, and near the start of the last: the
        // late token's hit comes first.
        let quarter = blob.len() / 4;
        let (early, late) = (quarter - 300, 3 * quarter + 100);
        let token = b" acme_q8W3e9R1t5Y2u8I4o6P0a7S3d5F6g8H9j0K1 ";
        blob[early..early + token.len()].copy_from_slice(token);
        blob[late..late + token.len()].copy_from_slice(token);
        let ms = e.scan(&blob);
        let starts: Vec<usize> = ms.iter().map(|m| m.start).collect();
        assert_eq!(starts, [early + 1, late + 1]);
        // Only hits that can start a match search the blob at all.
        assert!(e
            .scan(&b"acme_x xacme_q8W3e9R1t5Y2u8I4o6P0a7 ".repeat(2_000))
            .is_empty());
    }

    #[test]
    fn anchored_rules_sharing_a_keyword_are_each_found_and_engines_keep_their_caches() {
        const SHARED: &str = r#"
[[rule]]
id = "acme-short"
name = "ACME short"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[A-Za-z0-9]{20})\b'''
lifetime = "long"
revoke = "Delete it."
examples = ["acme_q8W3e9R1t5Y2u8I4o6P0"]

[[rule]]
id = "acme-long"
name = "ACME long"
provider = "acme"
kind = "api-key"
keywords = ["acme_"]
pattern = '''\b(?P<secret>acme_[A-Za-z0-9]{28}\.[a-z]{2})\b'''
lifetime = "long"
revoke = "Delete it."
examples = ["acme_q8W3e9R1t5Y2u8I4o6P0a7S3d5F6.ab"]
"#;
        let shared = engine(SHARED);
        assert!(shared.plans.iter().any(|p| p.check.is_some()));
        let other = engine(RULES);
        let text = b"x acme_q8W3e9R1t5Y2u8I4o6P0 y acme_q8W3e9R1t5Y2u8I4o6P0a7S3d5F6.ab z";
        for _ in 0..2 {
            // Alternate engines on one thread: each must use its own caches.
            let ids: Vec<&str> = shared
                .scan(text)
                .iter()
                .map(|m| shared.rules()[m.rule].rule.id.as_str())
                .collect();
            assert_eq!(ids, ["acme-short", "acme-long"]);
            assert_eq!(other.scan(text).len(), 1);
        }
        assert!(shared
            .scan(b"acme_ acme_x acme_q8W3e9R1t5Y2u8I4o6P0_")
            .is_empty());
    }

    #[test]
    fn keyword_lead_comes_from_prefix_literals() {
        let kw = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(
            keyword_lead(r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b", &kw(&["ghp_"])),
            Some(0)
        );
        assert_eq!(
            keyword_lead(r"(?:\b|[_.-])(?:pass|PASS)[:=]x", &kw(&["pass"])),
            Some(1)
        );
        assert_eq!(
            keyword_lead(r"(?i)bearer (?P<secret>[a-z0-9]{20})", &kw(&["bearer "])),
            Some(0)
        );
        // A keyword that is not in every prefix literal gives no bound.
        assert_eq!(
            keyword_lead(r"(?:token|key)=[a-z]{8}", &kw(&["token"])),
            None
        );
        assert_eq!(keyword_lead(r"[a-z]+@acme\.com", &kw(&["@acme"])), None);
        // Per keyword: `secret` always starts its literal; `pass` may follow `_`;
        // `pwd` is never the first keyword of a literal here, so it tries nothing.
        let hir = parse_pattern(r"(?:secret|(?:\b|_)pass|passpwd)=").unwrap();
        assert_eq!(
            keyword_leads_of(&hir, &kw(&["pass", "secret", "pwd"])),
            Some(vec![Some(1), Some(0), None])
        );
    }

    #[test]
    fn max_len_is_known_for_bounded_patterns() {
        assert_eq!(max_match_len(r"acme_[a-z]{20}"), Some(25));
        assert_eq!(max_match_len(r"a.*b"), None);
    }
}

#[cfg(test)]
mod builtin_modes {
    use super::*;

    /// The rules that hit often in ordinary code must run anchored at their
    /// keyword hits; this also lists the rules that still search windows.
    #[test]
    fn frequent_rules_run_anchored() {
        let e = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let windowed: Vec<String> = e
            .rules()
            .iter()
            .filter(|r| !r.anchored && !r.checked_search)
            .map(|r| format!("{} max {:?} lead {:?}", r.rule.id, r.max_len, r.lead))
            .collect();
        let checked = e.rules().iter().filter(|r| r.checked_search).count();
        eprintln!(
            "of {} rules, {} run anchored, {checked} search after a check, {} search windows:\n{}",
            e.rules().len(),
            e.rules().iter().filter(|r| r.anchored).count(),
            windowed.len(),
            windowed.join("\n")
        );
        for id in [
            "generic-password",
            "generic-password-unquoted",
            "generic-secret-key",
            "generic-secret-key-unquoted",
        ] {
            assert!(
                e.rules().iter().any(|r| r.rule.id == id && r.anchored),
                "{id} is not anchored"
            );
        }
    }
}
