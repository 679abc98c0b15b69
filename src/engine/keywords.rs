//! The keyword prefilter: an Aho-Corasick automaton over every rule's keywords,
//! compiled to a dense DFA and run as several interleaved streams.
//!
//! Why not the `aho-corasick` crate's automaton (used before, and still the test
//! oracle below)? With ASCII case-insensitivity it cannot use its SIMD
//! prefilters, so every byte goes through one DFA transition whose load depends
//! on the previous one: the search is bound by load latency, ~300 MB/s per core,
//! and it was a third of the whole scan's CPU. This DFA folds case in its byte
//! classes, and splits the haystack into four segments scanned in lock step, so
//! four independent loads are in flight per step: about 3x faster on the
//! benchmark corpus (`cargo bench --bench prefilter` prints both side by side).
//!
//! Semantics are the crate's overlapping search: every occurrence of every
//! keyword is reported, ASCII case-insensitively.

use std::collections::VecDeque;

/// Streams scanned in lock step; four saturate the load ports on x86-64 and
/// aarch64 cores without spilling the state registers.
const STREAMS: usize = 4;

/// Below this many bytes the set-up of interleaved streams does not pay (the
/// engine's tests use it to get hits reported out of order).
pub(crate) const INTERLEAVE_MIN: usize = 4096;

/// A compiled keyword set; see the module documentation.
#[derive(Debug, Clone)]
pub struct KeywordMatcher {
    /// Byte → equivalence class; ASCII upper-case letters share their lower-case
    /// class, and bytes that occur in no keyword share class 0.
    classes: [u8; 256],
    /// Number of classes: the row length of `table`.
    stride: usize,
    /// `table[state + class]` is the next state; states are stored premultiplied
    /// by `stride`, so a transition is one add and one load.
    table: Vec<u32>,
    /// States at or above this offset have at least one keyword ending there
    /// (states are numbered so that matching ones come last: one compare per byte).
    first_match: u32,
    /// Keywords ending in each matching state, indexed by
    /// `(state - first_match) / stride`.
    outputs: Vec<Vec<u32>>,
    /// Length of each pattern, to turn a match end into its start.
    lens: Vec<usize>,
    /// What each pattern is reported as: an id, and how many of its bytes from
    /// its start (see [`KeywordMatcher::with_reports`]).
    reports: Vec<(u32, u32)>,
    max_len: usize,
}

impl KeywordMatcher {
    /// Builds the automaton; keyword `i` is reported as pattern `i`. Keywords
    /// are matched ASCII case-insensitively; empty keywords are ignored (the rule
    /// loader rejects them).
    pub fn new<K: AsRef<[u8]>>(keywords: &[K]) -> KeywordMatcher {
        let patterns: Vec<(&[u8], u32, u32)> = keywords
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_ref(), i as u32, k.as_ref().len() as u32))
            .collect();
        KeywordMatcher::with_reports(&patterns)
    }

    /// Builds the automaton over `(pattern, id, len)`: an occurrence of
    /// `pattern` starting at `s` is reported as `(id, s, s + len)`. The engine
    /// uses it to look past a keyword: `token"`, `token:` and `token ` are
    /// patterns reported as `token`, so the bytes after a keyword that no rule
    /// can continue with (`token.`, `token)`) are ruled out by the automaton
    /// itself, before a hit exists. Several patterns may share an id.
    pub fn with_reports<K: AsRef<[u8]>>(patterns: &[(K, u32, u32)]) -> KeywordMatcher {
        let folded: Vec<Vec<u8>> = patterns
            .iter()
            .map(|(k, _, _)| k.as_ref().to_ascii_lowercase())
            .collect();
        let reports = patterns.iter().map(|&(_, id, len)| (id, len)).collect();

        let mut classes = [0u8; 256];
        let mut seen = [false; 256];
        for b in folded.iter().flatten() {
            seen[*b as usize] = true;
        }
        // At most 256 - 26 distinct folded bytes, plus class 0: fits in a u8.
        let mut stride = 1usize;
        for b in 0..256 {
            if seen[b] {
                classes[b] = stride as u8;
                stride += 1;
            }
        }
        for b in b'A'..=b'Z' {
            classes[b as usize] = classes[b.to_ascii_lowercase() as usize];
        }

        // The trie (goto function); NONE marks a missing edge.
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<u32> = vec![NONE; stride];
        let mut out: Vec<Vec<u32>> = vec![Vec::new()];
        for (i, k) in folded.iter().enumerate() {
            if k.is_empty() {
                continue;
            }
            let mut s = 0usize;
            for &b in k {
                let c = classes[b as usize] as usize;
                if goto[s * stride + c] == NONE {
                    let new = out.len() as u32;
                    goto.extend(std::iter::repeat_n(NONE, stride));
                    out.push(Vec::new());
                    goto[s * stride + c] = new;
                }
                s = goto[s * stride + c] as usize;
            }
            out[s].push(i as u32);
        }
        let states = out.len();

        // Breadth-first: failure links, full transitions and inherited outputs.
        let mut delta = vec![0u32; states * stride];
        let mut fail = vec![0u32; states];
        let mut queue = VecDeque::new();
        for c in 0..stride {
            let t = goto[c];
            if t != NONE {
                delta[c] = t;
                queue.push_back(t);
            }
        }
        while let Some(s) = queue.pop_front() {
            let s = s as usize;
            let f = fail[s] as usize;
            if s != 0 && !out[f].is_empty() {
                let inherited = out[f].clone();
                out[s].extend(inherited);
            }
            for c in 0..stride {
                let t = goto[s * stride + c];
                if t != NONE {
                    fail[t as usize] = delta[f * stride + c];
                    delta[s * stride + c] = t;
                    queue.push_back(t);
                } else {
                    delta[s * stride + c] = delta[f * stride + c];
                }
            }
        }

        // Renumber: non-matching states first (the root stays 0), matching last.
        let mut order: Vec<usize> = (0..states).filter(|&s| out[s].is_empty()).collect();
        let non_matching = order.len();
        order.extend((0..states).filter(|&s| !out[s].is_empty()));
        let mut renamed = vec![0u32; states];
        for (new, &old) in order.iter().enumerate() {
            renamed[old] = (new * stride) as u32;
        }
        let mut table = vec![0u32; states * stride];
        for (new, &old) in order.iter().enumerate() {
            for c in 0..stride {
                table[new * stride + c] = renamed[delta[old * stride + c] as usize];
            }
        }
        let outputs = order[non_matching..]
            .iter()
            .map(|&s| std::mem::take(&mut out[s]))
            .collect();
        KeywordMatcher {
            classes,
            stride,
            table,
            first_match: (non_matching * stride) as u32,
            outputs,
            lens: folded.iter().map(|k| k.len()).collect(),
            reports,
            max_len: folded.iter().map(|k| k.len()).max().unwrap_or(0),
        }
    }

    /// The longest pattern: an occurrence that touches a byte lies within
    /// this many bytes of it.
    pub fn max_pattern_len(&self) -> usize {
        self.max_len
    }

    /// Calls `hit(keyword, start, end)` for every occurrence of every keyword in
    /// `hay`, overlapping ones included. Order is by end within each quarter of
    /// the haystack, not overall: callers that need order sort.
    pub fn for_each_hit(&self, hay: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        self.for_each_occurrence(hay, |keyword, start, end, _| hit(keyword, start, end));
    }

    /// [`KeywordMatcher::for_each_hit`], also giving where the occurrence of
    /// the pattern ends (`hit(keyword, start, end, pattern_end)`): past the
    /// reported keyword when the pattern looks past it. Which bytes a hit
    /// depends on is `start..pattern_end`, what hits can be carried from a
    /// blob to a delta on it needs (see `engine::reuse`).
    pub fn for_each_occurrence(&self, hay: &[u8], hit: impl FnMut(usize, usize, usize, usize)) {
        self.occurrences(hay, INTERLEAVE_MIN, hit)
    }

    /// A byte in no pattern, if there is one: from any state it leads back to
    /// the root, so haystacks joined with it between them are searched as if
    /// one by one (no occurrence spans it), in one interleaved pass.
    pub fn separator(&self) -> Option<u8> {
        (0..=255u8).find(|&b| self.classes[b as usize] == 0)
    }

    /// [`KeywordMatcher::for_each_occurrence`] over short haystacks joined
    /// with [`KeywordMatcher::separator`]: interleaved from 1 KiB on (the
    /// streams' warm-up is a few dozen bytes each), not 4 KiB.
    pub fn for_each_occurrence_joined(
        &self,
        hay: &[u8],
        hit: impl FnMut(usize, usize, usize, usize),
    ) {
        self.occurrences(hay, 1024, hit)
    }

    #[inline(never)]
    fn occurrences(
        &self,
        hay: &[u8],
        interleave_min: usize,
        mut hit: impl FnMut(usize, usize, usize, usize),
    ) {
        if self.max_len == 0 {
            return;
        }
        let n = hay.len();
        if n < interleave_min.max(STREAMS) {
            self.run(hay, 0, n, 0, 0, &mut hit);
            return;
        }
        // Stream k reports matches ending in (lo[k], hi[k]]. It starts from the
        // root `max_len - 1` bytes earlier, so a keyword that began before lo[k]
        // is seen whole: matches ending after lo[k] start at or after that point.
        let seg = n / STREAMS;
        let warm = self.max_len - 1;
        let lo: [usize; STREAMS] = std::array::from_fn(|k| k * seg);
        let hi: [usize; STREAMS] =
            std::array::from_fn(|k| if k == STREAMS - 1 { n } else { (k + 1) * seg });
        let from: [usize; STREAMS] = std::array::from_fn(|k| lo[k].saturating_sub(warm));
        let steps = (0..STREAMS).map(|k| hi[k] - from[k]).min().unwrap_or(0);
        let lanes: [&[u8]; STREAMS] = std::array::from_fn(|k| &hay[from[k]..from[k] + steps]);
        let mut state = [0u32; STREAMS];
        let (table, classes, first_match) = (&self.table[..], &self.classes, self.first_match);
        for j in 0..steps {
            let mut any = false;
            for k in 0..STREAMS {
                state[k] = table[state[k] as usize + classes[lanes[k][j] as usize] as usize];
                any |= state[k] >= first_match;
            }
            if any {
                for k in 0..STREAMS {
                    let end = from[k] + j + 1;
                    if state[k] >= first_match && end > lo[k] {
                        self.emit(state[k], end, &mut hit);
                    }
                }
            }
        }
        for k in 0..STREAMS {
            self.run(hay, from[k] + steps, hi[k], lo[k], state[k], &mut hit);
        }
    }

    /// One stream over `hay[from..to]` starting in `state`, reporting matches
    /// that end after `report_after`.
    fn run(
        &self,
        hay: &[u8],
        from: usize,
        to: usize,
        report_after: usize,
        mut state: u32,
        hit: &mut impl FnMut(usize, usize, usize, usize),
    ) {
        for (i, &b) in hay[from..to].iter().enumerate() {
            state = self.table[state as usize + self.classes[b as usize] as usize];
            let end = from + i + 1;
            if state >= self.first_match && end > report_after {
                self.emit(state, end, hit);
            }
        }
    }

    #[inline]
    fn emit(&self, state: u32, end: usize, hit: &mut impl FnMut(usize, usize, usize, usize)) {
        let row = (state - self.first_match) as usize / self.stride;
        for &p in &self.outputs[row] {
            let p = p as usize;
            let (id, len) = self.reports[p];
            let start = end - self.lens[p];
            hit(id as usize, start, start + len as usize, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasickBuilder, MatchKind};

    type Hits = Vec<(usize, usize, usize)>;

    /// Every (keyword, start, end), sorted, from ours and from the crate's
    /// overlapping search: they must agree exactly.
    fn both(keywords: &[&str], hay: &[u8]) -> (Hits, Hits) {
        let ours = KeywordMatcher::new(keywords);
        let mut got = Vec::new();
        ours.for_each_hit(hay, |p, s, e| got.push((p, s, e)));
        got.sort_unstable();
        let oracle = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .unwrap();
        let mut want: Vec<_> = oracle
            .find_overlapping_iter(hay)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        want.sort_unstable();
        (got, want)
    }

    #[test]
    fn agrees_with_aho_corasick_on_small_and_interleaved_haystacks() {
        let keywords = [
            "ghp_", "token", "TOKEN=", "en=", "_session", "://", "q~", "sess",
        ];
        let mut hay = Vec::new();
        let pieces: [&[u8]; 7] = [
            b"x ghp_abc Token=1 ",
            b"MY_SESSION=a ",
            b"https://u:p@h ",
            b"Q~q~q~ ",
            b"\xff\x00tokentoken ",
            b"sessession ",
            b"GHP_",
        ];
        for i in 0..2000 {
            hay.extend_from_slice(pieces[i % pieces.len()]);
            let (got, want) = both(&keywords, &hay);
            assert_eq!(got, want, "haystack of {} bytes", hay.len());
            if hay.len() > 3 * INTERLEAVE_MIN {
                break;
            }
        }
        assert!(hay.len() > INTERLEAVE_MIN);
    }

    #[test]
    fn keywords_straddling_stream_boundaries_are_found_once() {
        let keywords = ["abcdefgh", "defg", "h"];
        for shift in 0..12 {
            let mut hay = vec![b'.'; 4 * INTERLEAVE_MIN + shift];
            let q = hay.len() / STREAMS;
            for k in 1..STREAMS {
                for (i, b) in b"ABCdefgh".iter().enumerate() {
                    hay[k * q - 4 + i] = *b;
                }
            }
            let (got, want) = both(&keywords, &hay);
            assert_eq!(got, want, "shift {shift}");
            assert_eq!(got.len(), 3 * (STREAMS - 1));
        }
    }

    #[test]
    fn haystacks_joined_by_the_separator_are_searched_as_if_one_by_one() {
        let keywords = ["token", "en=", "sess", "ghp_"];
        let m = KeywordMatcher::new(&keywords);
        let sep = m.separator().expect("a byte in no keyword");
        let pieces: [&[u8]; 5] = [b"x tok", b"en= sess", b"ion ghp_", b"TOKEN=", b"s"];
        let (mut joined, mut want) = (Vec::new(), Vec::new());
        for i in 0..400 {
            let piece = pieces[i % pieces.len()];
            let at = joined.len();
            let (_, mut alone) = both(&keywords, piece);
            alone
                .iter_mut()
                .for_each(|h| (h.1, h.2) = (h.1 + at, h.2 + at));
            want.extend(alone);
            joined.extend_from_slice(piece);
            joined.push(sep);
        }
        assert!(joined.len() > 1024, "searched interleaved");
        let mut got = Vec::new();
        m.for_each_occurrence_joined(&joined, |k, s, e, _| got.push((k, s, e)));
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        // Without the separators the pieces run together into more hits.
        let plain: Vec<u8> = joined.iter().copied().filter(|&b| b != sep).collect();
        let (ours, _) = both(&keywords, &plain);
        assert!(ours.len() > want.len());
    }

    #[test]
    fn no_keywords_and_empty_input_find_nothing() {
        let m = KeywordMatcher::new::<&str>(&[]);
        let mut n = 0;
        m.for_each_hit(&[b'a'; 10_000], |_, _, _| n += 1);
        m.for_each_hit(b"", |_, _, _| n += 1);
        assert_eq!(n, 0);
        let (got, want) = both(&["ab"], b"");
        assert!(got.is_empty() && want.is_empty());
    }
}
