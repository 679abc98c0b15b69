//! What a rule's parsed pattern says about where its matches can be, worked
//! out once per rule: the longest match, and how far before a keyword hit a
//! match can start (so the engine runs rules anchored at their hits).

#[cfg(test)]
use crate::rules::pattern::parse_pattern;

/// The longest match a pattern can produce, when it is bounded.
#[cfg(test)]
pub(super) fn max_match_len(pattern: &str) -> Option<usize> {
    parse_pattern(pattern).ok()?.properties().maximum_len()
}

/// How far into a match its first keyword can start, when the pattern's prefix
/// literals prove it: every match begins with one of the literals, and each
/// literal holds one of the rule's keywords (ASCII case-insensitively) within its
/// first `lead` bytes. The match then starts at most `lead` bytes before a keyword
/// hit, and the search window before the hit shrinks from the whole maximum match
/// length to `lead` (for `ghp_…`, from 40 bytes to 0; for the generic
/// `password = "…"` rules, from ~150 to 1).
#[cfg(test)]
pub(super) fn keyword_lead(pattern: &str, keywords: &[String]) -> Option<usize> {
    keyword_lead_of(&parse_pattern(pattern).ok()?, keywords)
}

#[cfg(test)]
pub(super) fn keyword_lead_of(hir: &regex_syntax::hir::Hir, keywords: &[String]) -> Option<usize> {
    keyword_leads_of(hir, keywords).map(|leads| leads.into_iter().flatten().max().unwrap_or(0))
}

/// [`keyword_lead`] per keyword: for each prefix literal, the keyword found
/// earliest in it is the one whose hit will try that match, and `leads[k]` is the
/// furthest into a literal keyword `k` is that one (`None`: it never is, so its
/// hits need not try this rule at all). A hit of `secret` then tries one start,
/// not the two that `_pass` needs.
#[cfg(test)]
pub(super) fn keyword_leads_of(
    hir: &regex_syntax::hir::Hir,
    keywords: &[String],
) -> Option<Vec<Option<usize>>> {
    let mut leads = vec![None; keywords.len()];
    for (k, pos, _) in literal_starts_of(hir, keywords)? {
        leads[k] = Some(leads[k].map_or(pos, |l: usize| l.max(pos)));
    }
    Some(leads)
}

/// For each prefix literal of a pattern: the keyword found earliest in it, how
/// far into the literal that keyword starts, and the literal's first byte. A hit
/// of keyword `k` can then only start a match `pos` bytes before itself, and only
/// where the blob holds one of those first bytes: a cheap test that spares most
/// tries (`pass` in ` password` does not start a `_pass` match one byte earlier).
/// `None` when the literals are unknown or one of them holds no keyword.
pub(super) fn literal_starts_of(
    hir: &regex_syntax::hir::Hir,
    keywords: &[String],
) -> Option<Vec<(usize, usize, u8)>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    let literals = seq.literals()?;
    if literals.is_empty() {
        return None;
    }
    let mut starts = Vec::with_capacity(literals.len());
    for lit in literals {
        let bytes = lit.as_bytes();
        let (pos, k) = keywords
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let k = k.as_bytes();
                (!k.is_empty() && k.len() <= bytes.len())
                    .then(|| {
                        bytes
                            .windows(k.len())
                            .position(|w| w.eq_ignore_ascii_case(k))
                    })
                    .flatten()
                    .map(|p| (p, i))
            })
            .min()?;
        starts.push((k, pos, bytes[0]));
    }
    Some(starts)
}

/// A set of bytes, one bit each.
#[derive(Debug, Clone, Default)]
pub(super) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(super) fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }

    #[inline]
    pub(super) fn contains(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
}
