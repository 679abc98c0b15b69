//! Keyword hits (and base64 quietness) carried from a blob to the blobs
//! built from it.
//!
//! Most blobs of a git history are deltas: a few inserted bytes between long
//! pieces copied from a base blob that was scanned just before (the blob pass
//! decodes each delta tree from its root down). Running the keyword automaton
//! over the copied bytes again finds nothing new: an occurrence that lies
//! wholly inside one copied piece is the base's occurrence, moved. So a delta's
//! hits are derived exactly, as the base's hits inside each copied piece plus
//! an automaton run over short windows around the inserted bytes and the seams
//! between pieces, where every other occurrence must lie. On rails that is
//! ~97% fewer bytes through the automaton, which was a fifth of the whole
//! history scan's CPU (docs/GIT.md).
//!
//! The base64 decode layer, the other whole-blob pass, gets the same
//! treatment: when the base had no plausible run, only the long runs that
//! touch an inserted byte or the first or last byte of a copied piece can be
//! new, and only those are looked at (`decode::base64::layer_near`).
//!
//! The derivation is an optimisation only: whenever it cannot be exact (the
//! base's facts were not kept, another automaton found its hits, the pieces do
//! not tile the blob) the whole blob is scanned as before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::keywords::KeywordMatcher;
use crate::decode::{base64, View};

/// Piece source marking inserted bytes (not copied from the base).
pub const INSERTED: u32 = u32::MAX;

/// Past this many hits a blob's hits are not kept for its deltas (they are
/// 16 bytes each, held while a delta tree is walked): a delta on it is
/// scanned whole.
const MAX_KEPT: usize = 1 << 16;

/// One occurrence of a keyword-automaton pattern: the keyword it reports, its
/// reported span, and where the pattern's bytes end (past the keyword when the
/// automaton looks past keywords).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Where the keyword starts (first, so hits sort by position).
    pub start: u32,
    /// Where the pattern's bytes end: the hit depends on `start..pattern_end`.
    pub pattern_end: u32,
    /// The keyword reported.
    pub keyword: u32,
    /// Where the reported keyword ends.
    pub end: u32,
}

/// A run of a delta-built blob: `len` bytes at `at`, copied from the base at
/// `from`, or inserted (`from == INSERTED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Offset in the blob built.
    pub at: u32,
    pub len: u32,
    /// Offset in the base, or [`INSERTED`].
    pub from: u32,
}

/// Appends a run to `pieces`, merging it into the last one when both are
/// inserted, or both copied from adjacent base bytes: fewer, longer pieces
/// mean fewer seams to scan.
pub fn push_piece(pieces: &mut Vec<Piece>, at: usize, len: usize, from: Option<usize>) {
    let (Ok(at), Ok(len)) = (u32::try_from(at), u32::try_from(len)) else {
        // Larger than any kept blob: the hits are not kept, pieces unused.
        return;
    };
    let from = from.map_or(INSERTED, |f| u32::try_from(f).unwrap_or(INSERTED - 1));
    if let Some(last) = pieces.last_mut() {
        let contiguous = last.at.checked_add(last.len) == Some(at);
        let joins = if from == INSERTED {
            last.from == INSERTED
        } else {
            last.from != INSERTED && last.from.checked_add(last.len) == Some(from)
        };
        if contiguous && joins {
            last.len += len;
            return;
        }
    }
    pieces.push(Piece { at, len, from });
}

/// The keyword pass's hits over one blob, sorted, and what found them.
#[derive(Debug)]
pub struct KeywordHits {
    /// The engine and automaton that found them (an engine switches to the
    /// automaton that looks past keywords once it has scanned enough).
    matcher: (usize, bool),
    hits: Vec<Hit>,
}

/// What the scan of one blob learnt that the scans of blobs built from it
/// can reuse.
#[derive(Debug)]
pub struct Known {
    /// The blob's length.
    len: usize,
    /// Its keyword hits, when they were few enough to keep.
    hits: Option<KeywordHits>,
    /// The base64 layer found no plausible run in it (see
    /// [`base64::layer_near`]).
    base64_quiet: bool,
}

impl Known {
    /// Bytes it holds on the heap: what keeping it for a delta tree costs.
    pub fn heap_bytes(&self) -> usize {
        self.hits
            .as_ref()
            .map_or(0, |h| h.hits.capacity() * std::mem::size_of::<Hit>())
    }
}

/// What one scan of a blob may reuse of the blob it was built from, and
/// where it leaves what it learns for the blobs built from it. It describes
/// exactly one byte slice (by address and length): a scan of any other bytes
/// (a decoded view, a transcoded UTF-16 file, an archive member) neither
/// uses nor records it.
pub struct DeltaReuse<'a> {
    bytes: (usize, usize),
    /// What the base's scan learnt, and the pieces of these bytes; only
    /// when the pieces tile these bytes out of a blob of the base's length.
    base: Option<(&'a Known, &'a [Piece])>,
    hits_out: Mutex<Option<KeywordHits>>,
    quiet_out: AtomicBool,
}

impl<'a> DeltaReuse<'a> {
    /// For a scan of `bytes`, which are built from pieces of a blob about
    /// which `base` is known, if anything is.
    pub fn new(bytes: &[u8], base: Option<(&'a Known, &'a [Piece])>) -> Self {
        DeltaReuse {
            bytes: (bytes.as_ptr() as usize, bytes.len()),
            // Offsets are `u32`: larger blobs are scanned whole.
            base: base.filter(|(known, pieces)| {
                let fits = |n: usize| u32::try_from(n).is_ok();
                fits(bytes.len()) && fits(known.len) && tiles(pieces, bytes.len(), known.len)
            }),
            hits_out: Mutex::new(None),
            quiet_out: AtomicBool::new(false),
        }
    }

    /// What the scans of these bytes learnt, if anything.
    pub fn take(self) -> Option<Known> {
        let hits = self
            .hits_out
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        let base64_quiet = self.quiet_out.into_inner();
        (hits.is_some() || base64_quiet).then_some(Known {
            len: self.bytes.1,
            hits,
            base64_quiet,
        })
    }

    /// Whether these bytes are built from pieces of a blob something is
    /// known about (what its scan then derives rather than searches).
    pub fn has_base(&self) -> bool {
        self.base.is_some()
    }

    /// Whether this describes exactly `blob` (the same bytes in memory).
    pub fn describes(&self, blob: &[u8]) -> bool {
        self.bytes == (blob.as_ptr() as usize, blob.len())
    }

    /// `blob`'s hits by `matcher` (tagged `tag`), sorted: derived from the
    /// base's when possible, else by a pass over the whole blob. The caller
    /// hands them back with [`DeltaReuse::keep`] once it has run them.
    /// `None` for a blob too large for a `u32` offset: the caller scans it as
    /// usual.
    pub(super) fn hits(
        &self,
        matcher: &KeywordMatcher,
        tag: (usize, bool),
        blob: &[u8],
    ) -> Option<Vec<Hit>> {
        u32::try_from(blob.len()).ok()?;
        let derived = self.base.and_then(|(known, pieces)| {
            let base = known.hits.as_ref().filter(|h| h.matcher == tag)?;
            Some(derive(matcher, blob, &base.hits, pieces))
        });
        Some(derived.unwrap_or_else(|| all_hits(matcher, blob)))
    }

    /// Records `hits` (from [`DeltaReuse::hits`] with `tag`) for the blobs
    /// built from this one, unless there are too many to hold.
    pub(super) fn keep(&self, tag: (usize, bool), hits: Vec<Hit>) {
        if hits.len() <= MAX_KEPT {
            *self.hits_out.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(KeywordHits { matcher: tag, hits });
        }
    }

    /// The base64 decode layer of `blob` (which this must describe): only
    /// around what differs from the base when the base was quiet. Whether
    /// `blob` is quiet is recorded for the blobs built from it.
    pub fn base64_layer(&self, blob: &[u8]) -> Option<View> {
        if !self.describes(blob) {
            return base64::layer(blob);
        }
        let (view, quiet) = match self.base {
            Some((known, pieces)) if known.base64_quiet => {
                base64::layer_near(blob, &piece_ends(pieces))
            }
            _ => base64::layer_noting_quiet(blob),
        };
        self.quiet_out.store(quiet, Ordering::Relaxed);
        view
    }
}

/// Whether `pieces` build a blob of `len` bytes, one after another, copying
/// only from within a base of `base_len` bytes.
fn tiles(pieces: &[Piece], len: usize, base_len: usize) -> bool {
    let mut next = 0usize;
    for p in pieces {
        let (at, n) = (p.at as usize, p.len as usize);
        if at != next || n == 0 || (p.from != INSERTED && p.from as usize + n > base_len) {
            return false;
        }
        next = at + n;
    }
    next == len
}

/// Sorted, disjoint spans covering every inserted byte and the first and
/// last byte of every copied piece: where a maximal run of some class of
/// bytes can differ from the base's.
fn piece_ends(pieces: &[Piece]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(pieces.len() * 2);
    let mut add = |lo: usize, hi: usize| match out.last_mut() {
        Some(w) if lo <= w.1 => w.1 = w.1.max(hi),
        _ => out.push((lo, hi)),
    };
    for p in pieces {
        let (at, end) = (p.at as usize, (p.at + p.len) as usize);
        if p.from == INSERTED {
            add(at, end);
        } else {
            add(at, at + 1);
            add(end - 1, end);
        }
    }
    out
}

/// Every occurrence in `blob` (at most `u32::MAX` bytes), sorted.
fn all_hits(matcher: &KeywordMatcher, blob: &[u8]) -> Vec<Hit> {
    let mut hits = Vec::new();
    matcher.for_each_occurrence(blob, |keyword, start, end, pattern_end| {
        hits.push(Hit {
            start: start as u32,
            pattern_end: pattern_end as u32,
            keyword: keyword as u32,
            end: end as u32,
        })
    });
    hits.sort_unstable();
    hits
}

/// `target`'s hits from its base's (`base`), for `pieces` that tile it (see
/// [`tiles`]). Exact: every occurrence either lies wholly inside one copied
/// piece (then it is the base's, moved) or touches an inserted byte or a seam
/// between pieces (then it lies in the window scanned around that byte or
/// seam, `max_len - 1` bytes either side).
fn derive(matcher: &KeywordMatcher, target: &[u8], base: &[Hit], pieces: &[Piece]) -> Vec<Hit> {
    let mut hits = Vec::new();
    // Occurrences inside one copied piece.
    for p in pieces.iter().filter(|p| p.from != INSERTED) {
        let (lo, hi) = (p.from, p.from + p.len);
        let first = base.partition_point(|h| h.start < lo);
        for h in base[first..].iter().take_while(|h| h.start < hi) {
            if h.pattern_end <= hi {
                let shift = |x: u32| x - lo + p.at;
                hits.push(Hit {
                    start: shift(h.start),
                    pattern_end: shift(h.pattern_end),
                    keyword: h.keyword,
                    end: shift(h.end),
                });
            }
        }
    }
    // Occurrences touching an inserted byte or a seam: windows around them,
    // merged.
    let reach = matcher.max_pattern_len().saturating_sub(1);
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let (at, end) = (p.at as usize, (p.at + p.len) as usize);
        let span = if p.from == INSERTED {
            Some((at, end))
        } else if i > 0 {
            // The seam before a copy: the last byte before it and its first.
            Some((at, at))
        } else {
            None
        };
        let Some((lo, hi)) = span else {
            continue;
        };
        let (lo, hi) = (lo.saturating_sub(reach), (hi + reach).min(target.len()));
        match windows.last_mut() {
            Some(w) if lo <= w.1 => w.1 = w.1.max(hi),
            _ => windows.push((lo, hi)),
        }
    }
    // The copied piece holding `target[s..e]` wholly, if any.
    let in_one_copy = |s: usize, e: usize| {
        let i = pieces.partition_point(|p| (p.at as usize) <= s) - 1;
        let p = &pieces[i];
        p.from != INSERTED && e <= (p.at + p.len) as usize
    };
    let mut found = |keyword: usize, s: usize, e: usize, pe: usize| {
        if !in_one_copy(s, pe) {
            hits.push(Hit {
                start: s as u32,
                pattern_end: pe as u32,
                keyword: keyword as u32,
                end: e as u32,
            });
        }
    };
    match matcher.separator() {
        // The windows joined, a byte no pattern holds between them, and
        // searched in one pass: most blobs' windows are a few KiB in all,
        // short pieces that one stream at a time would search 3x slower.
        Some(sep) => {
            let mut joined = Vec::with_capacity(windows.iter().map(|w| w.1 - w.0 + 1).sum());
            // (offset in `joined`, offset in `target`) of each window.
            let mut starts = Vec::with_capacity(windows.len());
            for &(lo, hi) in &windows {
                starts.push((joined.len(), lo));
                joined.extend_from_slice(&target[lo..hi]);
                joined.push(sep);
            }
            matcher.for_each_occurrence_joined(&joined, |keyword, s, e, pe| {
                let (at, lo) = starts[starts.partition_point(|w| w.0 <= s) - 1];
                found(keyword, s - at + lo, e - at + lo, pe - at + lo);
            });
        }
        None => {
            for (lo, hi) in windows {
                matcher.for_each_occurrence(&target[lo..hi], |keyword, s, e, pe| {
                    found(keyword, s + lo, e + lo, pe + lo)
                });
            }
        }
    }
    hits.sort_unstable();
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny xorshift: the edits are random but the same every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    const WORDS: [&str; 10] = [
        "token", "TOKEN=", "secret", "sec", "ghp_", "password", " ", "\n", "x", "=\"",
    ];

    fn text(rng: &mut Rng, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < n {
            out.extend_from_slice(WORDS[rng.next(WORDS.len())].as_bytes());
        }
        out
    }

    /// A target built from 1-12 random copies of `base` and random
    /// insertions of up to 20 bytes, and its pieces.
    fn edit(rng: &mut Rng, base: &[u8]) -> (Vec<u8>, Vec<Piece>) {
        edit_with(rng, base, text, (1, 12), 20, usize::MAX)
    }

    /// [`edit`] with 50-200 pieces: enough windows that they are searched
    /// joined and interleaved.
    fn edit_many(rng: &mut Rng, base: &[u8]) -> (Vec<u8>, Vec<Piece>) {
        edit_with(rng, base, text, (50, 150), 40, 300)
    }

    /// A target of `first + rand(spread)` pieces: insertions of up to
    /// `insert_max` bytes `make` writes, copies of up to `copy_max` bytes.
    fn edit_with(
        rng: &mut Rng,
        base: &[u8],
        make: fn(&mut Rng, usize) -> Vec<u8>,
        (first, spread): (usize, usize),
        insert_max: usize,
        copy_max: usize,
    ) -> (Vec<u8>, Vec<Piece>) {
        let mut target = Vec::new();
        let mut pieces = Vec::new();
        for _ in 0..first + rng.next(spread) {
            if rng.next(3) == 0 || base.is_empty() {
                let n = 1 + rng.next(insert_max);
                let ins = make(rng, n);
                push_piece(&mut pieces, target.len(), ins.len(), None);
                target.extend_from_slice(&ins);
            } else {
                let from = rng.next(base.len());
                let len = 1 + rng.next((base.len() - from).min(copy_max));
                push_piece(&mut pieces, target.len(), len, Some(from));
                target.extend_from_slice(&base[from..from + len]);
            }
        }
        (target, pieces)
    }

    fn matchers() -> Vec<KeywordMatcher> {
        let keywords = ["token", "secret", "ghp_", "password", "sec", "en="];
        // The second looks past keywords: `token` only before `=` or `"`.
        let looking: Vec<(&str, u32, u32)> = vec![
            ("token=", 0, 5),
            ("token\"", 0, 5),
            ("secret", 1, 6),
            ("ghp_", 2, 4),
            ("password\n", 3, 8),
        ];
        vec![
            KeywordMatcher::new(&keywords),
            KeywordMatcher::with_reports(&looking),
        ]
    }

    #[test]
    fn derived_hits_are_a_full_scans_through_chains_of_deltas() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for (m, matcher) in matchers().iter().enumerate() {
            for round in 0..300 {
                let size = if round % 50 == 0 {
                    9000
                } else {
                    1 + rng.next(400)
                };
                let mut blob = text(&mut rng, size);
                let mut known = all_hits(matcher, &blob);
                // A chain: each delta's derived hits are the next one's base.
                for depth in 0..4 {
                    let (target, pieces) = if size > 1000 {
                        edit_many(&mut rng, &blob)
                    } else {
                        edit(&mut rng, &blob)
                    };
                    assert!(tiles(&pieces, target.len(), blob.len()));
                    let want = all_hits(matcher, &target);
                    let got = derive(matcher, &target, &known, &pieces);
                    assert_eq!(got, want, "matcher {m} round {round} depth {depth}");
                    known = got;
                    blob = target;
                }
            }
        }
    }

    #[test]
    fn pieces_that_do_not_tile_the_blob_are_not_derived_from() {
        let p = |at, len, from| Piece { at, len, from };
        assert!(!tiles(&[p(0, 2, 0), p(3, 4, 3)], 7, 12), "a gap");
        assert!(!tiles(&[p(0, 7, 8)], 7, 12), "past the base");
        assert!(!tiles(&[p(0, 5, 0)], 7, 12), "short");
        assert!(!tiles(&[p(0, 0, 0), p(0, 7, 0)], 7, 12), "empty piece");
        assert!(tiles(&[p(0, 7, 0)], 7, 12));
        assert!(tiles(&[p(0, 3, INSERTED), p(3, 4, 8)], 7, 12));
        // A reuse whose pieces do not tile its bytes does not derive.
        let base = b"a token here".to_vec();
        let target = b"a token".to_vec();
        let known = Known {
            len: base.len(),
            hits: None,
            base64_quiet: true,
        };
        let bad = [p(0, 7, 8)];
        assert!(DeltaReuse::new(&target, Some((&known, &bad)))
            .base
            .is_none());
        let good = [p(0, 7, 0)];
        assert!(DeltaReuse::new(&target, Some((&known, &good)))
            .base
            .is_some());
    }

    /// Text with base64 blocks of text (one line, wrapped, url-safe) among
    /// words, identifiers, hex and line breaks.
    fn b64_text(rng: &mut Rng, n: usize) -> Vec<u8> {
        use ::base64::Engine as _;
        let std = &::base64::engine::general_purpose::STANDARD;
        let pieces: [&dyn Fn(&mut Rng) -> String; 8] = [
            &|_| "config: ".into(),
            &|_| "\n".into(),
            &|_| "  ".into(),
            &|_| "ActiveSupportNotificationsInstrumenter".into(),
            &|_| "0123456789abcdef0123456789abcdef".into(),
            &|r| std.encode(format!("user:token-{}", r.next(1 << 30))),
            &|r| {
                let enc = std.encode(format!("{:0>90}", r.next(1 << 30)));
                format!("{}\n  {}", &enc[..60], &enc[60..])
            },
            &|r| {
                ::base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(format!("{{\"k\": \"v{}?>\"}}", r.next(1000)))
            },
        ];
        let mut out = Vec::new();
        while out.len() < n {
            let k = rng.next(pieces.len());
            out.extend_from_slice(pieces[k](rng).as_bytes());
        }
        out
    }

    #[test]
    fn a_quiet_bases_deltas_get_the_whole_blobs_base64_layer() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut quiet_bases, mut loud_targets) = (0, 0);
        for round in 0..3000 {
            let n = 1 + rng.next(300);
            let base = b64_text(&mut rng, n);
            let (_, quiet) = base64::layer_noting_quiet(&base);
            if !quiet {
                continue;
            }
            quiet_bases += 1;
            let (target, pieces) = edit_with(&mut rng, &base, b64_text, (1, 12), 20, usize::MAX);
            let (want_view, want_quiet) = base64::layer_noting_quiet(&target);
            let (view, quiet) = base64::layer_near(&target, &piece_ends(&pieces));
            assert_eq!(quiet, want_quiet, "round {round}");
            loud_targets += usize::from(!quiet);
            assert_eq!(
                view.as_ref().map(|v| (&v.bytes, &v.map)),
                want_view.as_ref().map(|v| (&v.bytes, &v.map)),
                "round {round}"
            );
        }
        assert!(
            quiet_bases > 300 && loud_targets > 100,
            "{quiet_bases} {loud_targets}"
        );
    }

    #[test]
    fn a_reuse_carries_what_a_scan_learnt() {
        let matcher = &matchers()[0];
        let base = b"one token, one secret".to_vec();
        let reuse = DeltaReuse::new(&base, None);
        let hits = reuse.hits(matcher, (1, false), &base).expect("small");
        reuse.keep((1, false), hits);
        assert!(reuse.base64_layer(&base).is_none());
        let known = reuse.take().expect("learnt");
        assert!(known.base64_quiet && known.len == base.len());
        // A delta that adds a base64 block: found, and no longer quiet.
        use ::base64::Engine as _;
        let block = ::base64::engine::general_purpose::STANDARD.encode("user:token-123456789");
        let mut target = base.clone();
        target.extend_from_slice(format!(" {block}").as_bytes());
        let pieces = [
            Piece {
                at: 0,
                len: base.len() as u32,
                from: 0,
            },
            Piece {
                at: base.len() as u32,
                len: (target.len() - base.len()) as u32,
                from: INSERTED,
            },
        ];
        let reuse = DeltaReuse::new(&target, Some((&known, &pieces)));
        let hits = reuse.hits(matcher, (1, false), &target).expect("small");
        assert_eq!(hits, all_hits(matcher, &target));
        reuse.keep((1, false), hits);
        let view = reuse.base64_layer(&target).expect("decoded");
        assert_eq!(view.bytes, b"user:token-123456789\n");
        assert!(!reuse.take().expect("learnt").base64_quiet);
    }

    #[test]
    fn pieces_merge_when_contiguous_in_both() {
        let mut p = Vec::new();
        push_piece(&mut p, 0, 4, Some(10));
        push_piece(&mut p, 4, 3, Some(14));
        push_piece(&mut p, 7, 2, Some(0));
        push_piece(&mut p, 9, 1, None);
        push_piece(&mut p, 10, 5, None);
        assert_eq!(
            p,
            [
                Piece {
                    at: 0,
                    len: 7,
                    from: 10
                },
                Piece {
                    at: 7,
                    len: 2,
                    from: 0
                },
                Piece {
                    at: 9,
                    len: 6,
                    from: INSERTED
                },
            ]
        );
    }

    #[test]
    fn a_reuse_is_used_only_by_a_scan_of_its_own_bytes() {
        let blob = b"one token, one secret".to_vec();
        let other = blob.clone();
        let reuse = DeltaReuse::new(&blob, None);
        assert!(reuse.describes(&blob));
        assert!(!reuse.describes(&other), "same bytes elsewhere");
        assert!(!reuse.describes(&blob[1..]));
        // The base64 layer of other bytes is the plain layer, and learns nothing.
        assert!(reuse.base64_layer(&other).is_none());
        assert!(reuse.take().is_none());
    }
}
