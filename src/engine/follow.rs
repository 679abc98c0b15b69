//! What can follow a keyword in a match: the keyword automaton's patterns for
//! keywords of ordinary words.
//!
//! The generic rules' keywords (`token`, `key`, `secret`, `pass`) are ordinary
//! words, so they hit every few lines of code and prose, and nearly every hit is
//! ruled out by the byte or two after it: `token)`, `key_name`, `secret and`,
//! `password_hash`. Checking that per hit costs more than the automaton pass
//! itself did (a hit is a branch the pass mispredicts, a batch entry, a memo
//! lookup and a DFA walk). Instead, the keyword is replaced in the automaton by
//! its live continuations: the strings `keyword + suffix` after which the
//! keyword's combined check (a lazy DFA of all the rules it starts) is still
//! alive, over every start the check would try. A hit then only exists where a
//! match still can.
//!
//! Soundness: every suffix is a prefix of the bytes after the keyword in some
//! match, or the walk stopped there (the leaf is kept). A continuation is only
//! cut where the DFA is dead, and a node is only extended where no match could
//! end at the end of the blob right after it.

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::util::start::Config;
use regex_automata::Anchored;

use super::ByteSet;

/// Most patterns one keyword may become: each is a few more states in the
/// keyword automaton, whose table must stay in cache.
const BUDGET: usize = 48;

/// Longest suffix looked at: past `word` in `password` and the quote and
/// separator after it.
const MAX_SUFFIX: usize = 12;

/// Most distinct DFA states a walk may carry (leads of two or more bytes walk
/// every byte value in between): beyond it the keyword is left as it is.
const MAX_STATES: usize = 64;

/// A node is extended only if that rules out at least this share of the
/// keyword's hits per pattern added (see `byte_share`).
const MIN_SCORE: f64 = 1e-3;

/// The patterns that stand for `keyword` (lower case) in the keyword automaton:
/// `keyword + suffix` for each live continuation, or `None` when the keyword
/// must stay as it is (the DFA failed, or nothing could be cut). `first_bytes`
/// are the check's (see `KeywordCheck::first_bytes`): a match may start `d` bytes
/// before the keyword, with one of `first_bytes[d]` there.
pub(super) fn continuations(
    dfa: &DFA,
    keyword: &[u8],
    first_bytes: &[ByteSet],
) -> Option<Vec<Vec<u8>>> {
    let walk = Walk {
        dfa,
        cache: dfa.create_cache(),
    };
    walk.continuations(keyword, first_bytes)
}

struct Walk<'a> {
    dfa: &'a DFA,
    cache: Cache,
}

impl Walk<'_> {
    fn continuations(mut self, keyword: &[u8], first_bytes: &[ByteSet]) -> Option<Vec<Vec<u8>>> {
        // Every start state an anchored walk can begin in: one per byte behind
        // the start (look-behind assertions), and none at the blob's start.
        let mut starts = Vec::new();
        for behind in std::iter::once(None).chain((0..=255u8).map(Some)) {
            let config = Config::new().anchored(Anchored::Yes).look_behind(behind);
            starts.push(self.dfa.start_state(&mut self.cache, &config).ok()?);
        }
        normalize(&mut starts);

        // The states after the keyword, over every lead the check tries.
        let every: Vec<u8> = (0..=255).collect();
        let mut after = Vec::new();
        for (d, first) in first_bytes.iter().enumerate() {
            let firsts: Vec<u8> = (0..=255).filter(|&b| first.contains(b)).collect();
            if firsts.is_empty() {
                continue;
            }
            let mut states = starts.clone();
            if d > 0 {
                states = self.step(&states, &firsts)?;
                for _ in 1..d {
                    states = self.step(&states, &every)?;
                }
            }
            for &b in keyword {
                states = self.step(&states, &[b.to_ascii_lowercase(), b.to_ascii_uppercase()])?;
            }
            after.extend(states);
        }
        normalize(&mut after);
        if after.is_empty() {
            return None;
        }

        // Greedy: extend the node that rules out the most hits per pattern it
        // adds, by a rough model of how often each byte follows a word in code
        // and prose (`byte_share`). A node with one live next byte costs nothing
        // (`passw` → `passwo`); the many spellings of `token` + `[ \t]{0,32}`
        // rule out almost nothing and are left as they are.
        let mut frontier = vec![self.node(Vec::new(), &after, 1.0)?];
        loop {
            let room = BUDGET + 1 - frontier.len();
            let mut best: Option<(f64, usize)> = None;
            for (i, n) in frontier.iter().enumerate() {
                let Some(children) = &n.children else {
                    continue;
                };
                if children.len() > room {
                    continue;
                }
                let kept: f64 = children.iter().map(|&(b, _)| byte_share(b)).sum();
                let score = if children.len() <= 1 {
                    f64::INFINITY
                } else {
                    n.weight * (1.0 - kept).max(0.0) / children.len() as f64
                };
                if score >= MIN_SCORE && best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, i));
                }
            }
            let Some((_, i)) = best else { break };
            let node = frontier.swap_remove(i);
            let children = node.children.unwrap_or_default();
            // One live next byte, or only letters (a word going on: `passw` →
            // `passwo`, `passwd`): as common as the node itself.
            let forced =
                children.len() == 1 || children.iter().all(|(b, _)| b.is_ascii_lowercase());
            for (b, next) in children {
                let mut longer = node.suffix.clone();
                longer.push(b);
                let weight = if forced {
                    node.weight
                } else {
                    node.weight * byte_share(b)
                };
                frontier.push(self.node(longer, &next, weight)?);
            }
        }
        if frontier.len() == 1 && frontier[0].suffix.is_empty() {
            return None;
        }
        let folded = keyword.to_ascii_lowercase();
        let mut spellings: Vec<Vec<u8>> = frontier
            .into_iter()
            .map(|n| [folded.as_slice(), &n.suffix].concat())
            .collect();
        spellings.sort();
        Some(spellings)
    }

    /// A node of the walk, with its live next bytes worked out when it may be
    /// extended (a node rarer than MIN_SCORE can never score it: the walk is
    /// spared).
    fn node(&mut self, suffix: Vec<u8>, states: &[LazyStateID], weight: f64) -> Option<Node> {
        let open = suffix.len() < MAX_SUFFIX && weight >= MIN_SCORE && self.extendable(states)?;
        let children = if open {
            Some(self.children(states)?)
        } else {
            None
        };
        Some(Node {
            suffix,
            weight,
            children,
        })
    }

    /// Whether a walk in `states` may be cut at the next byte: none of them is a
    /// match (matches show one byte late), and no match can end at the blob's end
    /// right here, where a longer pattern would never be reported.
    fn extendable(&mut self, states: &[LazyStateID]) -> Option<bool> {
        for &s in states {
            if s.is_match() || s.is_quit() || s.is_unknown() {
                return Some(false);
            }
            if self.dfa.next_eoi_state(&mut self.cache, s).ok()?.is_match() {
                return Some(false);
            }
        }
        Some(true)
    }

    /// The live next bytes (lower case standing for both cases, as in the keyword
    /// automaton) and the states each leads to. Transitions are computed once per
    /// byte class of the DFA, not per byte.
    fn children(&mut self, states: &[LazyStateID]) -> Option<Vec<(u8, Vec<LazyStateID>)>> {
        let classes = self.dfa.byte_classes();
        let mut by_class: Vec<Option<Vec<LazyStateID>>> = vec![None; classes.alphabet_len()];
        let mut out = Vec::new();
        for b in 0..=255u8 {
            if b.is_ascii_uppercase() {
                continue;
            }
            let mut next = Vec::new();
            for v in [b, b.to_ascii_uppercase()] {
                let c = classes.get(v) as usize;
                if by_class[c].is_none() {
                    by_class[c] = Some(self.step(states, &[v])?);
                }
                next.extend_from_slice(by_class[c].as_deref().unwrap_or_default());
            }
            normalize(&mut next);
            if !next.is_empty() {
                out.push((b, next));
            }
        }
        Some(out)
    }

    /// The live states after one of `bytes` from any of `states` (`None`: the DFA
    /// failed, or there are too many to follow).
    fn step(&mut self, states: &[LazyStateID], bytes: &[u8]) -> Option<Vec<LazyStateID>> {
        let mut next = Vec::new();
        for &s in states {
            for &b in bytes {
                let t = self.dfa.next_state(&mut self.cache, s, b).ok()?;
                if !t.is_dead() {
                    next.push(t);
                }
            }
        }
        normalize(&mut next);
        (next.len() <= MAX_STATES).then_some(next)
    }
}

/// A suffix being grown and, when it may be extended, its live next bytes and
/// the DFA states each leads to.
struct Node {
    suffix: Vec<u8>,
    /// How often text has this suffix after the keyword, by `byte_share`.
    weight: f64,
    children: Option<Vec<(u8, Vec<LazyStateID>)>>,
}

/// Roughly how often byte `b` (either letter case) follows a word in code and
/// prose: only the order of magnitude matters, to tell a space after `token`
/// (common) from a tab after `token\t` (rare).
fn byte_share(b: u8) -> f64 {
    match b {
        b' ' => 0.15,
        b'a'..=b'z' => 0.035,
        b'\n' => 0.03,
        b'"' | b'_' => 0.02,
        b'0'..=b'9' | b'.' | b',' | b'(' | b')' | b':' | b'=' => 0.01,
        b'\'' => 0.008,
        b'\t' | b'\r' => 0.005,
        _ => 0.002,
    }
}

fn normalize(states: &mut Vec<LazyStateID>) {
    states.sort_unstable();
    states.dedup();
}

#[cfg(test)]
mod tests {
    use super::super::Engine;
    use crate::rules::{parse_rule_file, Kind, RuleSet};
    use proptest::prelude::*;

    /// Hits of the engine's keyword automaton in `hay`.
    fn hits(engine: &Engine, hay: &str) -> usize {
        let mut n = 0;
        engine
            .keyword_pass_for(b"")
            .for_each_hit(hay.as_bytes(), |_, _, _| n += 1);
        n
    }

    #[test]
    fn a_generic_keyword_hits_only_where_a_rule_can_go_on() {
        let engine = Engine::build(&RuleSet::builtin().unwrap(), Some(0)).unwrap();
        for dead in [
            "let token) = 1;",
            "key_name",
            "// the secret and",
            "password_hash(x)",
            "\"tags\": [\"token\", \"key\"]",
            "f(token, key);",
            "PASSWORD.",
            // A blob that ends at the keyword holds no match there.
            "secret",
            "passw",
        ] {
            assert_eq!(hits(&engine, dead), 0, "{dead:?}");
        }
        for live in [
            "token = ",
            "TOKEN:",
            "\"password\": ",
            "db_pass=",
            "SECRET_KEY = ",
            "token    \t    =",
        ] {
            assert!(hits(&engine, live) >= 1, "{live:?}");
        }
    }

    /// Generic rules whose matches end right after the keyword, or at the end of
    /// the blob, or start before it: shapes the continuations must not cut.
    const EDGE_RULES: &str = r#"
[[rule]]
id = "ends-after-keyword"
name = "Ends right after its keyword"
provider = "test"
kind = "generic"
keywords = ["tok"]
pattern = '''(?m)\btok(?P<secret>en)$'''
allow_placeholder_shapes = true
lifetime = "unknown"
revoke = "Nothing to revoke: a test rule."
examples = ["token"]

[[rule]]
id = "ends-at-line-end"
name = "Runs to the end of its line"
provider = "test"
kind = "generic"
keywords = ["mark"]
pattern = '''(?m)[_.-]mark(?P<secret>[a-z]{1,3})$'''
allow_placeholder_shapes = true
lifetime = "unknown"
revoke = "Nothing to revoke: a test rule."
examples = ["_markab"]
"#;

    fn fragment() -> impl Strategy<Value = String> {
        const WORDS: &[&str] = &[
            "token",
            "TOKEN",
            "Token",
            "key",
            "KEY",
            "secret",
            "Secret",
            "secret_key",
            "secretkey",
            "pass",
            "PASS",
            "password",
            "Password",
            "passwd",
            "passphrase",
            "pwd",
            "_salt",
            "auth_key",
            "_password",
            "_auth",
            "machine",
            "tok",
            "token7",
            "mark",
            "_mark",
            ".mark",
            "-pass",
            "_pass",
            ".pwd",
            "\"",
            "'",
            "]",
            " ",
            "  ",
            "\t",
            ":",
            "=",
            ":=",
            "=>",
            "@",
            "\n",
            "\r\n",
            "_",
            ".",
            "-",
            "(",
            ")",
            ",",
            "Zq8kW3mR7tY2xV5b",
            "hunter22x",
            "abc",
            "q",
            "#",
            "/",
            "login",
        ];
        prop::sample::select(WORDS).prop_map(str::to_string)
    }

    fn rules() -> RuleSet {
        let mut set = RuleSet::builtin().unwrap();
        set.rules.retain(|r| r.kind == Kind::Generic);
        set.rules
            .extend(parse_rule_file(EDGE_RULES, "edge.toml").unwrap());
        set
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Looking past keywords only drops hits that could not start a match:
        /// every blob scans the same with and without it.
        #[test]
        fn continuations_never_change_what_is_found(parts in prop::collection::vec(fragment(), 0..40)) {
            thread_local! {
                static ENGINES: (Engine, Engine) = {
                    let set = rules();
                    (Engine::build(&set, Some(0)).unwrap(), Engine::build(&set, None).unwrap())
                };
            }
            let blob = parts.concat();
            ENGINES.with(|(with, without)| {
                prop_assert_eq!(with.scan(blob.as_bytes()), without.scan(blob.as_bytes()), "{:?}", blob);
                Ok(())
            })?;
        }
    }
}
