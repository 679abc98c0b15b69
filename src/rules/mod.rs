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
    /// they feed the Aho-Corasick prefilter, so a rule only runs near them.
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
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
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
        .map_err(|e| anyhow::anyhow!("pattern: {e}"))
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
    if r.keywords.is_empty() || r.keywords.iter().any(|k| k.len() < 2) {
        bail!("needs at least one keyword, each at least 2 bytes long (they drive the prefilter)");
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
