//! How a rule's pattern is read and compiled: one place, so that validating a
//! rule file and running it in the engine can never disagree.

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;

/// Compiles a rule pattern the way the engine runs it: bytes, ASCII classes
/// (`\w`, `\d`, `\s` are ASCII; invalid UTF-8 in the input is fine). This is
/// `regex::bytes::Regex`'s own engine and configuration (regex-automata's meta
/// regex, leftmost-first), used directly because only it can search *anchored* at
/// a position inside a haystack while look-around still sees the bytes before it.
pub fn compile_pattern(pattern: &str) -> Result<Regex, Box<meta::BuildError>> {
    Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            Regex::config()
                .utf8_empty(false)
                .nfa_size_limit(Some(16 << 20))
                // The one-pass DFA speeds up capture groups of anchored searches,
                // but building it was a third of the compile time of a rule, and
                // captures are needed only on the rare try that matches.
                .onepass(false)
                .hybrid_cache_capacity(8 << 20),
        )
        .build(pattern)
        .map_err(Box::new)
}

/// Compiles a rule's `path` regex the way the engine matches paths: over
/// bytes with ASCII classes and case folding, like patterns (a path may be
/// any bytes; this keeps the automaton small).
pub fn compile_path(path: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(path)
        .unicode(false)
        .size_limit(1 << 20)
        .build()
}

/// All rules' `path` regexes as one set, compiled like [`compile_path`]: a
/// blob's path is matched against every one of them at once.
pub fn compile_paths<'p>(
    paths: impl IntoIterator<Item = &'p str>,
) -> Result<regex::bytes::RegexSet, regex::Error> {
    let paths: Vec<&str> = paths.into_iter().collect();
    regex::bytes::RegexSetBuilder::new(&paths)
        .unicode(false)
        .size_limit((1 << 20) * paths.len().max(1))
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
