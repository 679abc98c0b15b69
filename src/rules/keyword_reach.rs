//! Whether a rule's keyword can occur in a match of its pattern at all.
//!
//! The keyword prefilter runs a rule only near its keywords, so a keyword that
//! no match can contain never leads to a finding: a typo (`ghp-` for `ghp_`), a
//! keyword left over from an older pattern. `rules check` reports such rules.
//!
//! The check is exact for the regular part of a pattern and walks its HIR
//! (regex-syntax): the keyword's KMP automaton (ASCII case-insensitive, like
//! the prefilter) is run over the pattern's language by computing, for each
//! HIR node, which automaton states a string of that node can lead from and
//! to. Concatenation composes those relations, alternation joins them,
//! repetition takes powers and closures. Look-arounds (`\b`, `^`) are taken as
//! matching anywhere, which can only make a keyword look reachable: the check
//! never reports a keyword that some match can hold.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Longest keyword checked (states must fit a 64-bit row); longer ones are
/// taken as reachable.
const MAX_KEYWORD: usize = 63;

/// A relation between automaton states: `rows[i]` has bit `j` when some string
/// leads from state `i` to state `j`.
#[derive(Clone, PartialEq, Eq)]
struct Rel {
    rows: Vec<u64>,
}

impl Rel {
    fn empty(n: usize) -> Rel {
        Rel { rows: vec![0; n] }
    }

    fn identity(n: usize) -> Rel {
        Rel {
            rows: (0..n).map(|i| 1u64 << i).collect(),
        }
    }

    /// `self` then `other`.
    fn then(&self, other: &Rel) -> Rel {
        let rows = self
            .rows
            .iter()
            .map(|&row| {
                let mut out = 0;
                let mut bits = row;
                while bits != 0 {
                    let j = bits.trailing_zeros() as usize;
                    out |= other.rows[j];
                    bits &= bits - 1;
                }
                out
            })
            .collect();
        Rel { rows }
    }

    fn union(&self, other: &Rel) -> Rel {
        Rel {
            rows: self
                .rows
                .iter()
                .zip(&other.rows)
                .map(|(a, b)| a | b)
                .collect(),
        }
    }

    /// `self` repeated `n` times.
    fn power(&self, mut n: u32) -> Rel {
        let mut result = Rel::identity(self.rows.len());
        let mut base = self.clone();
        while n > 0 {
            if n & 1 == 1 {
                result = result.then(&base);
            }
            base = base.then(&base);
            n >>= 1;
        }
        result
    }

    /// `self` repeated any number of times (zero included).
    fn star(&self) -> Rel {
        let mut r = Rel::identity(self.rows.len()).union(self);
        loop {
            let next = r.then(&r);
            if next == r {
                return r;
            }
            r = next;
        }
    }
}

/// The keyword's automaton: `next[state][byte]`, state `len` (found) absorbing.
struct Kmp {
    next: Vec<[u8; 256]>,
}

impl Kmp {
    fn new(keyword: &[u8]) -> Kmp {
        let k: Vec<u8> = keyword.iter().map(u8::to_ascii_lowercase).collect();
        let n = k.len();
        let mut fail = vec![0usize; n + 1];
        let mut j = 0;
        for i in 1..n {
            while j > 0 && k[i] != k[j] {
                j = fail[j];
            }
            if k[i] == k[j] {
                j += 1;
            }
            fail[i + 1] = j;
        }
        let mut next = vec![[0u8; 256]; n + 1];
        for (s, row) in next.iter_mut().enumerate() {
            for b in 0..=255u8 {
                let c = b.to_ascii_lowercase();
                row[b as usize] = if s == n {
                    n as u8
                } else {
                    let mut t = s;
                    loop {
                        if k[t] == c {
                            break (t + 1) as u8;
                        }
                        if t == 0 {
                            break 0;
                        }
                        t = fail[t];
                    }
                };
            }
        }
        Kmp { next }
    }

    fn states(&self) -> usize {
        self.next.len()
    }

    /// The relation of one byte out of `bytes` (a class).
    fn byte_set(&self, bytes: impl Fn(&mut dyn FnMut(u8))) -> Rel {
        let mut rel = Rel::empty(self.states());
        bytes(&mut |b| {
            for (s, row) in rel.rows.iter_mut().enumerate() {
                *row |= 1u64 << self.next[s][b as usize];
            }
        });
        rel
    }

    fn of(&self, hir: &Hir) -> Rel {
        let n = self.states();
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Rel::identity(n),
            HirKind::Literal(lit) => Rel {
                rows: (0..n)
                    .map(|s| {
                        let end = lit
                            .0
                            .iter()
                            .fold(s, |t, &b| self.next[t][b as usize] as usize);
                        1u64 << end
                    })
                    .collect(),
            },
            HirKind::Class(Class::Bytes(c)) => self.byte_set(|f| {
                for r in c.ranges() {
                    for b in r.start()..=r.end() {
                        f(b);
                    }
                }
            }),
            HirKind::Class(Class::Unicode(c)) => self.byte_set(|f| {
                for r in c.ranges() {
                    let (lo, hi) = (r.start() as u32, r.end() as u32);
                    for b in lo.min(0x80)..hi.min(0x7f) + 1 {
                        f(b as u8);
                    }
                    // Any non-ASCII character: bytes no ASCII keyword holds
                    // (keywords with other bytes are not checked).
                    if hi >= 0x80 {
                        f(0x80);
                    }
                }
            }),
            HirKind::Repetition(rep) => {
                let sub = self.of(&rep.sub);
                let head = sub.power(rep.min);
                match rep.max {
                    None => head.then(&sub.star()),
                    Some(max) => {
                        let optional = Rel::identity(n).union(&sub);
                        // (1 + R)^k stops growing after n steps.
                        head.then(&optional.power((max - rep.min).min(n as u32)))
                    }
                }
            }
            HirKind::Capture(cap) => self.of(&cap.sub),
            HirKind::Concat(subs) => subs
                .iter()
                .fold(Rel::identity(n), |acc, h| acc.then(&self.of(h))),
            HirKind::Alternation(subs) => subs
                .iter()
                .fold(Rel::empty(n), |acc, h| acc.union(&self.of(h))),
        }
    }
}

/// True when some match of `hir` contains `keyword` (ASCII case-insensitively),
/// or when the keyword is not one this check can judge (non-ASCII, very long).
pub fn can_occur(hir: &Hir, keyword: &str) -> bool {
    let k = keyword.as_bytes();
    if k.is_empty() || k.len() > MAX_KEYWORD || !k.is_ascii() {
        return true;
    }
    let kmp = Kmp::new(k);
    kmp.of(hir).rows[0] & (1u64 << k.len()) != 0
}

/// The keywords of a rule that no match of its pattern can contain.
pub fn unreachable_keywords(pattern: &str, keywords: &[String]) -> Vec<String> {
    let Ok(hir) = super::pattern::parse_pattern(pattern) else {
        return Vec::new();
    };
    keywords
        .iter()
        .filter(|k| !can_occur(&hir, k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreachable(p: &str, k: &[&str]) -> Vec<String> {
        let k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
        unreachable_keywords(p, &k)
    }

    #[test]
    fn literal_prefixes_and_case() {
        assert!(unreachable(r"ghp_[A-Za-z0-9]{36}", &["ghp_", "GHP_"]).is_empty());
        assert_eq!(unreachable(r"ghp_[A-Za-z0-9]{36}", &["ghp-"]), ["ghp-"]);
        assert!(unreachable(r"(?i)token\s*=\s*[a-f0-9]{32}", &["TOKEN"]).is_empty());
    }

    #[test]
    fn keywords_spanning_pieces_classes_and_repetitions() {
        // The keyword spans a literal and a class.
        assert!(unreachable(r"xox[bp]-[0-9]{10}", &["xoxb-", "xoxp"]).is_empty());
        assert_eq!(unreachable(r"xox[bp]-[0-9]{10}", &["xoxa-"]), ["xoxa-"]);
        // Only reachable through repetition of a group.
        assert!(unreachable(r"(ab)+c", &["abab", "bab"]).is_empty());
        assert_eq!(unreachable(r"(ab){1}c", &["abab"]), ["abab"]);
        assert!(unreachable(r"(ab){2,5}c", &["ababab", "bc"]).is_empty());
        // A class that cannot hold the keyword's characters.
        assert_eq!(unreachable(r"key_[0-9]{20}", &["key_a"]), ["key_a"]);
        // Alternation.
        assert!(unreachable(r"(?:sk|rk)_live_[a-z]{8}", &["rk_live"]).is_empty());
        // Look-arounds never hide a keyword.
        assert!(unreachable(r"\bapi\b", &["api"]).is_empty());
        // KMP overlaps: "aab" inside "aaab".
        assert!(unreachable(r"a{3}b", &["aab"]).is_empty());
    }

    #[test]
    fn every_builtin_keyword_can_occur() {
        let set = crate::rules::RuleSet::builtin().unwrap();
        let bad: Vec<(String, Vec<String>)> = set
            .rules
            .iter()
            .map(|r| (r.id.clone(), unreachable_keywords(&r.pattern, &r.keywords)))
            .filter(|(_, k)| !k.is_empty())
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
    }
}
