//! `tokenhound.toml`: the project's own scanner settings, found at the scan root
//! (or given with `--config FILE`). Unknown keys are errors with their line, so a
//! typo never silently disables a setting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::rules::{self, Rule, RuleSet};

/// The file name looked for at the scan root.
pub const FILE_NAME: &str = "tokenhound.toml";

/// Parsed `tokenhound.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub allowlist: Allowlist,
    #[serde(default)]
    pub rules: RulesConfig,
    /// Custom rules, same format as `rules/*.toml`.
    #[serde(default, rename = "rule")]
    pub custom_rules: Vec<Rule>,
    #[serde(default)]
    pub verify: VerifyConfig,
    #[serde(default)]
    pub report: ReportConfig,
    /// Where the config was read from (set by the loader).
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// What is never reported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Globs over finding paths (`testdata/**`, `**/*.lock`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes over secret values (`^sk_test_`).
    #[serde(default)]
    pub values: Vec<String>,
}

/// Changes to the rule set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Per-rule minimum entropy (bits per byte), replacing the rule's own.
    #[serde(default)]
    pub min_entropy: BTreeMap<String, f64>,
}

/// What is reported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// The lowest confidence reported (`low`, `medium`, `high`); the
    /// `--min-confidence` flag overrides it. Default `medium`.
    #[serde(default)]
    pub min_confidence: Option<crate::enrich::confidence::Confidence>,
}

/// Verification settings (used by `--verify`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// Hosts found in scanned data that tokens may be sent to (GitHub Enterprise, …).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Provider → API base URL overrides (`github = "https://ghe.example.com/api/v3"`).
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    #[serde(default)]
    pub allow_private: bool,
}

impl Config {
    /// Parses config text; errors name the file and line.
    pub fn parse(text: &str, origin: &Path) -> Result<Config> {
        let mut cfg: Config =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}: {e}", origin.display()))?;
        for r in &mut cfg.custom_rules {
            r.origin = origin.display().to_string();
            rules::validate_rule(r)
                .and_then(|()| rules::check_compiles(r))
                .map_err(|e| anyhow::anyhow!("{}: rule `{}`: {e}", origin.display(), r.id))?;
        }
        for v in &cfg.allowlist.values {
            regex::Regex::new(v)
                .with_context(|| format!("{}: allowlist value regex `{v}`", origin.display()))?;
        }
        for p in &cfg.allowlist.paths {
            globset::Glob::new(p)
                .with_context(|| format!("{}: allowlist path glob `{p}`", origin.display()))?;
        }
        cfg.origin = Some(origin.to_path_buf());
        Ok(cfg)
    }

    /// `--config FILE`, else `tokenhound.toml` in `root` if it exists, else defaults.
    pub fn load(explicit: Option<&Path>, root: &Path) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = root.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        Config::parse(&text, &path)
    }

    /// Applies the rule changes (custom rules, disabled rules, entropy) to `set`.
    pub fn apply_to_rules(&self, set: &mut RuleSet) -> Result<()> {
        set.rules.extend(self.custom_rules.iter().cloned());
        for id in self
            .rules
            .disable
            .iter()
            .chain(self.rules.min_entropy.keys())
        {
            if !set.rules.iter().any(|r| &r.id == id) {
                bail!(
                    "{}: unknown rule id `{id}` in [rules]",
                    self.origin_display()
                );
            }
        }
        set.rules.retain(|r| !self.rules.disable.contains(&r.id));
        for r in &mut set.rules {
            if let Some(e) = self.rules.min_entropy.get(&r.id) {
                r.min_entropy = Some(*e);
            }
        }
        set.check_unique_ids()
    }

    fn origin_display(&self) -> String {
        self.origin
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.into())
    }

    /// The path allowlist compiled, if any.
    pub fn path_globs(&self) -> Result<Option<globset::GlobSet>> {
        if self.allowlist.paths.is_empty() {
            return Ok(None);
        }
        let mut b = globset::GlobSetBuilder::new();
        for p in &self.allowlist.paths {
            b.add(globset::Glob::new(p)?);
        }
        Ok(Some(b.build()?))
    }

    /// The value allowlist compiled.
    pub fn value_regexes(&self) -> Result<Vec<regex::Regex>> {
        self.allowlist
            .values
            .iter()
            .map(|v| Ok(regex::Regex::new(v)?))
            .collect()
    }
}

/// The commented example `tokenhound config init` writes.
pub const EXAMPLE: &str = r#"# tokenhound.toml: settings for scans of this repository.
# Found at the scan root, or given with --config FILE. Unknown keys are errors.

[allowlist]
# Globs over finding paths that are never reported.
paths = ["testdata/**", "**/fixtures/**"]
# Regexes over secret values that are never reported (e.g. Stripe test keys).
values = ['''^sk_test_''']

[rules]
# Built-in rules to turn off, by id (`tokenhound rules list`).
disable = []
# Per-rule minimum entropy in bits per byte, replacing the rule's own.
# min_entropy = { "generic-password" = 3.5 }

[report]
# The lowest confidence reported: "low" (everything), "medium" (default) or
# "high". Findings under it are counted in the summary; --min-confidence overrides.
min_confidence = "medium"

[verify]
# Hosts `--verify` may send tokens to (honoured when this file is given with
# --config; a tokenhound.toml found in a scanned tree needs --verify-host).
hosts = []
# API base URL overrides, e.g. GitHub Enterprise:
# endpoints = { github = "https://ghe.example.com/api/v3" }
allow_private = false

# Custom rules use the format of the built-in rules/*.toml files:
# [[rule]]
# id = "acme-session"
# name = "ACME session key"
# provider = "acme"
# kind = "session-cookie"
# keywords = ["acme_sess="]
# pattern = '''acme_sess=(?P<secret>[a-f0-9]{32})'''
# lifetime = "short"
# revoke = "Log out of ACME."
# examples = ["Cookie: acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_parses() {
        let c = Config::parse(EXAMPLE, Path::new("tokenhound.toml")).unwrap();
        assert_eq!(c.allowlist.paths.len(), 2);
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let e = Config::parse("[allowlist]\npaths = []\nvalue = []\n", Path::new("t.toml"))
            .unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("t.toml") && msg.contains("line 3") && msg.contains("value"),
            "{msg}"
        );
    }
}
