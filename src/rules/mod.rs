//! The rule model: rules are data (`rules/*.toml`), loaded and validated here.
//!
//! Built-in rule files are embedded at build time (see `builtin.rs`) so the binary is
//! self-contained; custom files added with `--rules` go through exactly the same
//! loader, so a mistake in either is reported the same way: file, rule id, problem.

mod builtin;
pub mod jwt;
pub mod keyword_reach;
pub mod pattern;
pub mod placeholder;
pub mod revoke_spec;
pub mod validators;
pub mod verify_spec;

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

pub use validators::Validator;

pub use crate::finding::{Kind, Lifetime};

/// One detection rule exactly as written in a rule file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable identifier; part of every fingerprint, so never rename a shipped rule.
    pub id: String,
    pub name: String,
    pub provider: String,
    pub kind: Kind,
    /// Literals of which at least one occurs (case-insensitively) in every match;
    /// they feed the Aho-Corasick prefilter, so a rule only runs near them. May be
    /// empty only in a rule scoped by `path`, which then runs over every blob at
    /// such a path (a file whose whole content is the secret, like a Rails
    /// `config/master.key`, has no word to key on: its name is the evidence).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regex over bytes; the group named `secret`, else the whole match, is the secret.
    pub pattern: String,
    #[serde(default)]
    pub min_entropy: Option<f64>,
    #[serde(default)]
    pub validator: Option<Validator>,
    pub lifetime: Lifetime,
    pub revoke: String,
    /// Rules that share a secret with another rule rank by this (higher wins) before
    /// the built-in tie-breakers; see `engine::specificity`.
    #[serde(default)]
    pub priority: i32,
    /// Skip the global placeholder filter (for values such as PEM bodies whose
    /// shape would trip it).
    #[serde(default)]
    pub allow_placeholder_shapes: bool,
    /// The read-only liveness check `--verify` runs, or `never` (with a reason).
    #[serde(default)]
    pub verify: Option<verify_spec::VerifySpec>,
    /// The issuer's documented revocation API `tokenhound revoke` calls, if it
    /// has one; without it, `revoke` shows the manual guidance above.
    #[serde(default)]
    pub revoke_api: Option<revoke_spec::RevokeApi>,
    /// A regex over the path of the blob (`/`-separated: a file's path as found,
    /// a git blob's path in its tree, an archive member's name): when given, the
    /// rule runs only on blobs whose path it matches, checked once per blob. For
    /// formats that only mean a secret in one tool's file (`.pgpass` lines,
    /// a Rails master key), where the same bytes elsewhere would be noise.
    #[serde(default)]
    pub path: Option<String>,
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// The path the examples and negative examples are scanned as (default
    /// `example.txt`); required with `path`, which it must match. The examples
    /// of a rule with `path` are also scanned as `example.txt`, where the rule
    /// must not report them, so the scope itself is tested.
    #[serde(default)]
    pub example_path: Option<String>,
    /// Where the rule was loaded from (set by the loader, not by the file).
    #[serde(skip)]
    pub origin: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default, rename = "rule")]
    rules: Vec<Rule>,
}

/// The rule set a run uses: built-in rules plus any custom ones, validated.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<RuleSet> {
        let mut rules = Vec::new();
        for (name, text) in builtin::FILES {
            rules.extend(parse_rule_file(text, &format!("rules/{name}"))?);
        }
        let set = RuleSet { rules };
        set.check_unique_ids()?;
        Ok(set)
    }

    /// Built-in rules plus the custom rule files or directories given.
    pub fn with_custom(paths: &[impl AsRef<Path>]) -> Result<RuleSet> {
        let mut set = RuleSet::builtin()?;
        for p in paths {
            set.rules.extend(load_path(p.as_ref())?);
        }
        set.check_unique_ids()?;
        Ok(set)
    }

    /// Errors when two rules share an id (ids are part of fingerprints).
    pub fn check_unique_ids(&self) -> Result<()> {
        let mut seen = std::collections::HashMap::new();
        for r in &self.rules {
            if let Some(prev) = seen.insert(r.id.as_str(), r.origin.as_str()) {
                bail!(
                    "{}: rule `{}`: duplicate id (also defined in {})",
                    r.origin,
                    r.id,
                    prev
                );
            }
        }
        Ok(())
    }
}

/// Loads every `*.toml` rule file under `path` (a file or a directory), validated.
pub fn load_path(path: &Path) -> Result<Vec<Rule>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read rules from {}", path.display()))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)
            .with_context(|| format!("cannot list rule directory {}", path.display()))?
        {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "toml") {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            bail!("{}: no *.toml rule files in this directory", path.display());
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut rules = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .with_context(|| format!("cannot read rule file {}", f.display()))?;
        let parsed = parse_rule_file(&text, &f.display().to_string())?;
        for r in &parsed {
            check_compiles(r)
                .map_err(|e| anyhow::anyhow!("{}: rule `{}`: {e}", f.display(), r.id))?;
        }
        rules.extend(parsed);
    }
    Ok(rules)
}

/// Builds a custom rule's regex once, so a pattern that parses but is too big to
/// compile is an error when its file is loaded, for every command (the engine
/// compiles lazily and would otherwise leave the rule out quietly). Built-in
/// patterns are compiled by the test suite instead, so start-up stays cheap.
pub fn check_compiles(r: &Rule) -> Result<()> {
    pattern::compile_pattern(&r.pattern)
        .map(drop)
        .map_err(|e| anyhow::anyhow!("pattern: {e}"))?;
    if let (Some(p), Some(at)) = (&r.path, &r.example_path) {
        let re = pattern::compile_path(p).map_err(|e| anyhow::anyhow!("path: {e}"))?;
        if !re.is_match(normalise_path(at).as_bytes()) {
            bail!("example_path `{at}` does not match the rule's path `{p}`");
        }
    }
    Ok(())
}

/// Parses and validates one rule file's text; `origin` names it in errors.
pub fn parse_rule_file(text: &str, origin: &str) -> Result<Vec<Rule>> {
    let file: RuleFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    if file.rules.is_empty() {
        bail!("{origin}: no [[rule]] entries");
    }
    let mut rules = file.rules;
    for r in &mut rules {
        r.origin = origin.to_string();
        validate_rule(r).map_err(|e| anyhow::anyhow!("{origin}: rule `{}`: {e}", r.id))?;
    }
    Ok(rules)
}

/// A path as rules' `path` regexes see it: `/`-separated on every platform.
pub fn normalise_path(path: &str) -> std::borrow::Cow<'_, str> {
    if path.contains('\\') {
        std::borrow::Cow::Owned(path.replace('\\', "/"))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// Checks one rule's fields and pattern syntax (the loader calls it for every rule).
pub fn validate_rule(r: &Rule) -> Result<()> {
    let id_ok = !r.id.is_empty()
        && r.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !id_ok {
        bail!("id must be non-empty lowercase letters, digits, '-' or '.'");
    }
    if r.name.trim().is_empty() || r.provider.trim().is_empty() {
        bail!("name and provider must not be empty");
    }
    if r.revoke.trim().is_empty() {
        bail!("revoke guidance must not be empty");
    }
    if r.keywords.iter().any(|k| k.len() < 2) {
        bail!("keywords must each be at least 2 bytes long (they drive the prefilter)");
    }
    if r.keywords.is_empty() && r.path.is_none() {
        bail!(
            "needs at least one keyword (they drive the prefilter), or a `path` that scopes \
             the rule to some files"
        );
    }
    if let Some(p) = &r.path {
        // Syntax only, like the pattern below: the engine builds one automaton
        // of all paths when it first needs it; `check_compiles` (custom rules)
        // and the examples test (built-in ones, scanned at `example_path`)
        // check that `example_path` matches.
        let hir = pattern::parse_pattern(p).map_err(|e| anyhow::anyhow!("path: {e}"))?;
        if hir.properties().minimum_len() == Some(0) {
            bail!("path `{p}` matches an empty path: it must name the files the rule is for");
        }
        if r.example_path.is_none() {
            bail!("a rule with `path` needs `example_path`, a path its examples are scanned as");
        }
    }
    if let Some(e) = r.min_entropy {
        if !(0.0..=8.0).contains(&e) {
            bail!("min_entropy must be between 0 and 8 bits per byte");
        }
    }
    if let Some(v) = &r.verify {
        v.validate().map_err(|e| anyhow::anyhow!("verify: {e}"))?;
    }
    if let Some(api) = &r.revoke_api {
        api.validate()
            .map_err(|e| anyhow::anyhow!("revoke_api: {e}"))?;
    }
    if r.examples.is_empty() {
        bail!("needs at least one example (a string the rule must report)");
    }
    // Syntax only: building the automata here would compile every built-in rule on
    // every run (most never see a keyword hit; the engine compiles on first use).
    // Custom patterns are compiled when their file is loaded (`check_compiles`).
    let hir = pattern::parse_pattern(&r.pattern).map_err(|e| anyhow::anyhow!("pattern: {e}"))?;
    if hir.properties().minimum_len() == Some(0) {
        bail!("pattern matches the empty string");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPED: &str = r#"[[rule]]
id = "acme-key-file"
name = "ACME key file"
provider = "acme"
kind = "api-key"
path = '''(?:^|/)acme\.key$'''
pattern = '''\A[0-9a-f]{32}\z'''
lifetime = "long"
revoke = "Rotate it."
example_path = "conf/acme.key"
examples = ["8d1f0e2bfeedc0de5eed0fbadcafe7a9"]
"#;

    /// The error loading `text` as a custom rule file gives.
    fn error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("acme.toml");
        std::fs::write(&file, text).unwrap();
        load_path(&file).unwrap_err().to_string()
    }

    /// Keywords may be left out only by a rule scoped to a path, which must
    /// say where its examples are; each mistake names file, rule and problem.
    #[test]
    fn a_rule_without_keywords_needs_a_path_and_a_path_needs_an_example_path() {
        let rules = parse_rule_file(SCOPED, "acme.toml").unwrap();
        assert_eq!(rules[0].path.as_deref(), Some(r"(?:^|/)acme\.key$"));
        assert!(rules[0].keywords.is_empty());
        for (broken, problem) in [
            (
                SCOPED.replace("path = '''(?:^|/)acme\\.key$'''\n", ""),
                "needs at least one keyword",
            ),
            (
                SCOPED.replace("example_path = \"conf/acme.key\"\n", ""),
                "needs `example_path`",
            ),
            (
                SCOPED.replace("conf/acme.key", "conf/acme.txt"),
                "does not match the rule's path",
            ),
            (
                SCOPED.replace(r"(?:^|/)acme\.key$", r"(?:acme\.key)?"),
                "matches an empty path",
            ),
            (SCOPED.replace("(?:^|/)acme", "(?:^|/acme"), "path:"),
        ] {
            assert_ne!(broken, SCOPED, "{problem}");
            let e = error(&broken);
            assert!(
                e.contains("acme.toml") && e.contains("acme-key-file") && e.contains(problem),
                "{problem}: {e}"
            );
        }
        // An example path written the Windows way matches too.
        let windows = SCOPED.replace("conf/acme.key", r"conf\\acme.key");
        let rules = parse_rule_file(&windows, "acme.toml").unwrap();
        assert!(check_compiles(&rules[0]).is_ok());
    }
}
