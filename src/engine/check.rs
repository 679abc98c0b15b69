//! A keyword's anchored rules, checked together at each hit by one forward
//! lazy DFA of all their patterns, walked by hand from a memo of the state
//! after the keyword: a try costs the byte or two after the keyword.

use super::*;

/// What a hit of one keyword runs, worked out once so the hit itself only
/// follows lists (the generic keywords hit every few lines of ordinary text).
#[derive(Debug)]
pub(super) struct KeywordPlan {
    /// Every rule that listed the keyword, with the keyword's own lead for it
    /// when the rule runs anchored (see [`keyword_leads_of`]; `None`: this
    /// keyword's hits never start its matches).
    pub(super) rules: Vec<(usize, Option<usize>)>,
    /// `rules` without the anchored ones that `check` covers: what a hit runs
    /// when the check could be built.
    pub(super) rest: Vec<(usize, Option<usize>)>,
    /// One combined check of the anchored rules, if any.
    pub(super) check: Option<KeywordCheck>,
}

impl KeywordPlan {
    /// The patterns that stand for this keyword in the keyword automaton, when
    /// it is worth looking past it (`None`: the keyword itself). Only keywords
    /// of generic rules that are words (`token`, `pass`, not `$2a$`): those hit
    /// every few lines of ordinary code and prose. And only when the keyword's
    /// check decides everything its hits run. Compiling and walking a check
    /// costs 0.1–0.5 ms, so the rarely hit token prefixes (whose next bytes are
    /// any of 62 anyway) keep compiling theirs on their first hit.
    pub(super) fn continuations(
        &self,
        rules: &[CompiledRule],
        keyword: &[u8],
    ) -> Option<Vec<Vec<u8>>> {
        let check = self.check.as_ref()?;
        let generic = self
            .rules
            .iter()
            .any(|&(r, _)| rules[r].rule.kind == Kind::Generic);
        // What the check does not cover must be a no-op: an anchored rule this
        // keyword never starts.
        let all_checked = self
            .rest
            .iter()
            .all(|&(r, lead)| rules[r].anchored && lead.is_none());
        let word = keyword
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !generic || !word || !all_checked {
            return None;
        }
        follow::continuations(check.compiled(rules)?, keyword, &check.first_bytes)
    }
}

/// The anchored rules of one keyword, checked together: a hit of `secret` would
/// otherwise run four generic rules, and nearly every such try fails a byte or
/// two after the keyword. One anchored walk of a forward lazy DFA of all their
/// patterns at once (match kind "all": does *any* of them match here?) answers
/// for the lot; only a yes runs the rules themselves (for their capture groups).
/// A keyword with a single anchored rule gets a check too: the lazy DFA alone is
/// cheaper per try than the rule's full regex.
#[derive(Debug)]
pub(super) struct KeywordCheck {
    /// The anchored rules whose matches this keyword's hits start, each with the
    /// keyword's lead for it.
    pub(super) rules: Vec<(usize, usize)>,
    /// `first_bytes[d]`: the bytes a match starting `d` bytes before a hit can
    /// begin with (see [`literal_starts_of`]); its length is the largest lead + 1.
    pub(super) first_bytes: Vec<ByteSet>,
    /// A forward lazy DFA of all their patterns (no captures, no reverse
    /// automaton: it only ever answers "is there a match starting here?"). Built on
    /// the keyword's first hit; `None` if it cannot be built (then every rule is
    /// tried, as without a check).
    pub(super) regex: OnceLock<Option<hybrid::dfa::DFA>>,
}

impl KeywordCheck {
    pub(super) fn compiled(&self, rules: &[CompiledRule]) -> Option<&hybrid::dfa::DFA> {
        self.regex
            .get_or_init(|| {
                let patterns: Vec<&str> = self
                    .rules
                    .iter()
                    .map(|&(r, _)| rules[r].rule.pattern.as_str())
                    .collect();
                hybrid::dfa::DFA::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .thompson(
                        thompson::Config::new()
                            .which_captures(thompson::WhichCaptures::None)
                            .nfa_size_limit(Some(16 << 20)),
                    )
                    .configure(
                        hybrid::dfa::DFA::config()
                            .match_kind(regex_automata::MatchKind::All)
                            .cache_capacity(8 << 20),
                    )
                    .build_many(&patterns)
                    .ok()
            })
            .as_ref()
    }

    /// Whether any of the check's patterns matches starting exactly at `at`, for
    /// a hit of the keyword ending at `end`: a walk of the lazy DFA, byte by byte,
    /// until it dies or reaches a match state (`try_search_fwd` answers the same,
    /// but its set-up cost more than the few bytes most tries walk). The walk
    /// over `at..end` (the keyword, in the letter case the blob has) is looked up
    /// in the cache's memo, so a try mostly costs the byte or two after the
    /// keyword that decide it. An error of the DFA (its cache thrashing), or a
    /// walk still undecided after [`CHECK_WALK_MAX`] bytes, answers yes, so the
    /// rules themselves decide.
    #[inline]
    pub(super) fn starts_match(
        dfa: &hybrid::dfa::DFA,
        cc: &mut CheckCache,
        hay: &[u8],
        at: usize,
        end: usize,
    ) -> bool {
        let epoch = cc.dfa.clear_count();
        if epoch != cc.epoch {
            // The DFA's cache was cleared: the memo's state ids are stale.
            cc.memo.fill(None);
            cc.epoch = epoch;
        }
        let behind = at.checked_sub(1).map(|i| hay[i]);
        let config = regex_automata::util::start::Config::new()
            .anchored(Anchored::Yes)
            .look_behind(behind);
        let Ok(start) = dfa.start_state(&mut cc.dfa, &config) else {
            return true;
        };
        let mut sid = start;
        let mut pos = at;
        let len = end - at;
        if len <= MEMO_KEY_MAX {
            // The span's bytes as one number, the rest zeroed (one unaligned
            // load where the blob has 16 bytes from `at`).
            let key = match hay.get(at..at + MEMO_KEY_MAX) {
                Some(b) => {
                    let whole = u128::from_le_bytes(b.try_into().expect("16 bytes"));
                    whole & (u128::MAX >> (8 * (MEMO_KEY_MAX - len)))
                }
                None => {
                    let mut bytes = [0u8; MEMO_KEY_MAX];
                    bytes[..len].copy_from_slice(&hay[at..end]);
                    u128::from_le_bytes(bytes)
                }
            };
            // The start state is a function of the byte behind.
            let folded = (key as u64) ^ ((key >> 64) as u64) ^ behind.map_or(256, u64::from);
            let slot = (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MEMO_BITS)) as usize;
            match cc.memo[slot] {
                Some(m) if m.key == key && m.start == start && m.len == len => {
                    sid = m.state;
                    pos = end;
                }
                _ => {
                    for &b in &hay[at..end] {
                        if sid.is_tagged() {
                            break; // dead or matched: the walk below decides
                        }
                        sid = match dfa.next_state(&mut cc.dfa, sid, b) {
                            Ok(next) => next,
                            Err(_) => return true,
                        };
                    }
                    pos = end;
                    if cc.dfa.clear_count() == cc.epoch {
                        cc.memo[slot] = Some(MemoSlot {
                            key,
                            start,
                            len,
                            state: sid,
                        });
                    }
                }
            }
        }
        // A walk that has not decided within CHECK_WALK_MAX bytes answers
        // "maybe", so one blob full of hits (a file of PEM headers) costs at most
        // this much per hit; "maybe" only runs what would run without a check.
        let cap = hay.len().min(at + CHECK_WALK_MAX).max(pos);
        for &b in &hay[pos..cap] {
            if sid.is_tagged() {
                if sid.is_dead() {
                    return false;
                }
                // A match state (matches are reported one byte late), or a quit
                // state (none are configured).
                if sid.is_match() || sid.is_quit() {
                    return true;
                }
            }
            sid = match dfa.next_state(&mut cc.dfa, sid, b) {
                Ok(next) => next,
                Err(_) => return true,
            };
        }
        if sid.is_match() {
            return true;
        }
        if sid.is_dead() {
            return false;
        }
        if cap < hay.len() {
            return true;
        }
        dfa.next_eoi_state(&mut cc.dfa, sid)
            .map_or(true, |eoi| eoi.is_match())
    }
}

/// Longest walk of a keyword check from a hit before it answers "maybe": past
/// the earliest match of nearly every rule (a JWT's is ~25 bytes, an AWS session
/// token's 94), and short enough that a blob of nothing but hits stays fast.
pub(super) const CHECK_WALK_MAX: usize = 128;

/// Longest `at..end` span (lead plus keyword) whose DFA walk is memoised.
pub(super) const MEMO_KEY_MAX: usize = 16;

/// The memo has 2^MEMO_BITS slots per keyword check.
pub(super) const MEMO_BITS: u32 = 6;

/// A keyword check's lazy-DFA cache for one thread, plus a direct-mapped memo
/// of the DFA state after a hit's bytes: the same few spellings of a keyword
/// (`token`, `Token`, `TOKEN`) recur on every hit.
pub(super) struct CheckCache {
    pub(super) dfa: hybrid::dfa::Cache,
    pub(super) memo: [Option<MemoSlot>; 1 << MEMO_BITS],
    /// `dfa.clear_count()` the memo's entries were made in.
    pub(super) epoch: usize,
}

/// The DFA state reached from `start` over `len` bytes that read as `key`.
#[derive(Clone, Copy)]
pub(super) struct MemoSlot {
    pub(super) key: u128,
    pub(super) start: hybrid::LazyStateID,
    pub(super) len: usize,
    pub(super) state: hybrid::LazyStateID,
}

impl CheckCache {
    pub(super) fn new(dfa: &hybrid::dfa::DFA) -> CheckCache {
        let dfa = dfa.create_cache();
        CheckCache {
            epoch: dfa.clear_count(),
            dfa,
            memo: [None; 1 << MEMO_BITS],
        }
    }
}
