//! `tokenhound.toml`: the project's own scanner settings, found at the scan root
//! (or given with `--config FILE`). Unknown keys are errors with their line, so a
//! typo never silently disables a setting.
//!
//! Trust: a config given with `--config` is the user's own. One found in the
//! scanned tree is part of the scanned data (a contributor's branch may carry
//! it), so it is used with limits (docs/SECURITY.md): it may not choose where
//! tokens are sent (its `[verify]` hosts and `allow_private` are ignored, its
//! endpoint overrides and its custom rules' checks need the host named with
//! `--verify-host`), its custom rules rank below every built-in one, and what it
//! silences is said in the report ([`ConfigReport`]). `--no-tree-config` leaves
//! it out altogether.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

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
    /// Found in the scanned tree rather than given with `--config`: scanned
    /// data, used with the limits of the module doc (set by the loader).
    #[serde(skip)]
    pub from_scanned_tree: bool,
    /// A config found in the scanned tree and left out (`--no-tree-config`).
    #[serde(skip)]
    pub ignored_tree_config: Option<PathBuf>,
    /// Set when the file given with `--config` was a gitleaks config, read
    /// through `gitleaks::import`: what could not be carried over.
    #[serde(skip)]
    pub imported_from_gitleaks: Option<Vec<String>>,
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
    /// Regexes over finding paths (what gitleaks' allowlist `paths` are).
    #[serde(default)]
    pub path_regexes: Vec<String>,
    /// Regexes over the finding's line, with its secrets redacted (gitleaks'
    /// `regexTarget = "line"`).
    #[serde(default)]
    pub lines: Vec<String>,
    /// Words that, anywhere in a secret (any case), mark it as not a leak
    /// (gitleaks' `stopwords`).
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Commits (full ids, any case) whose findings are not reported: a git
    /// history finding is suppressed when the commit that introduced it is one.
    #[serde(default)]
    pub commits: Vec<String>,
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
    pub min_confidence: Option<crate::finding::Confidence>,
}

pub use crate::verify::VerifyConfig;

impl Config {
    /// What this config may say about where tokens go, and whose it is: the
    /// verifier's targets are built from it, never from the config itself.
    pub fn verify_targets(&self) -> crate::verify::policy::ConfigTargets<'_> {
        crate::verify::policy::ConfigTargets {
            settings: &self.verify,
            users: self.origin.is_some() && !self.from_scanned_tree,
            origin: self
                .origin
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            untrusted_rule_ids: self.untrusted_rule_ids(),
        }
    }

    /// Parses config text; errors name the file and line (they may quote it:
    /// the CLI redacts every secret in an error before printing it).
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
        for (what, list) in [
            ("path regex", &cfg.allowlist.path_regexes),
            ("line regex", &cfg.allowlist.lines),
        ] {
            for v in list {
                regex::Regex::new(v)
                    .with_context(|| format!("{}: allowlist {what} `{v}`", origin.display()))?;
            }
        }
        for c in &cfg.allowlist.commits {
            let c = c.trim();
            if c.len() < 7 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!(
                    "{}: allowlist commit `{c}` is not a commit id (7 to 40 hex characters)",
                    origin.display()
                );
            }
        }
        cfg.origin = Some(origin.to_path_buf());
        Ok(cfg)
    }

    /// `--config FILE`, else `tokenhound.toml` in `root` if it exists (a config
    /// from the scanned tree; left out, and remembered as such, when
    /// `use_tree_config` is false), else defaults.
    pub fn load(explicit: Option<&Path>, root: &Path, use_tree_config: bool) -> Result<Config> {
        let (path, from_scanned_tree) = match explicit {
            Some(p) => (p.to_path_buf(), false),
            None => {
                let p = root.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                if !use_tree_config {
                    return Ok(Config {
                        ignored_tree_config: Some(p),
                        ..Config::default()
                    });
                }
                (p, true)
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config {}", path.display()))?;
        // A gitleaks config given with --config is read as its import would
        // write it (never one found in a scanned tree: that is tokenhound.toml).
        let parsed = Config::parse(&text, &path);
        let named_gitleaks = path.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .to_ascii_lowercase()
                .contains("gitleaks")
        });
        if !from_scanned_tree
            && (named_gitleaks || parsed.is_err())
            && crate::gitleaks::import::is_gitleaks_config(&path, &text)
        {
            let imported = crate::gitleaks::import::import_file(&path)?;
            let mut cfg = Config::parse(&imported.toml, &path).with_context(|| {
                format!(
                    "{}: internal error: the imported config does not load",
                    path.display()
                )
            })?;
            cfg.imported_from_gitleaks = Some(imported.notes);
            return Ok(cfg);
        }
        let mut cfg = parsed?;
        cfg.from_scanned_tree = from_scanned_tree;
        Ok(cfg)
    }

    /// The highest priority a custom rule of a scanned tree's config may have:
    /// one below every other rule of `set` (built-in, `--rules`), so that with
    /// the tie-breakers of `engine::specificity` (at most a few hundred, against
    /// 1000 per priority step) it never outranks any of them.
    fn tree_rule_priority_cap(set: &RuleSet) -> i32 {
        set.rules
            .iter()
            .map(|r| r.priority)
            .min()
            .unwrap_or(0)
            .min(0)
            .saturating_sub(1)
    }

    /// Applies the rule changes (custom rules, disabled rules, entropy) to `set`.
    /// Custom rules of a scanned tree's config are capped below every other rule.
    pub fn apply_to_rules(&self, set: &mut RuleSet) -> Result<()> {
        let cap = Self::tree_rule_priority_cap(set);
        set.rules
            .extend(self.custom_rules.iter().cloned().map(|mut r| {
                if self.from_scanned_tree {
                    r.priority = r.priority.min(cap);
                }
                r
            }));
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
        compile_all(&self.allowlist.values)
    }

    /// The path-regex allowlist compiled.
    pub fn path_regexes(&self) -> Result<Vec<regex::Regex>> {
        compile_all(&self.allowlist.path_regexes)
    }

    /// The line allowlist compiled.
    pub fn line_regexes(&self) -> Result<Vec<regex::Regex>> {
        compile_all(&self.allowlist.lines)
    }

    /// Ids of custom rules whose own verification target may not be used
    /// without the user naming its host: those of a scanned tree's config.
    pub fn untrusted_rule_ids(&self) -> Vec<String> {
        if !self.from_scanned_tree {
            return Vec::new();
        }
        self.custom_rules.iter().map(|r| r.id.clone()).collect()
    }

    /// The example strings of this config's custom rules: findings of exactly
    /// these values in the config file itself are its own examples, not leaks.
    pub fn own_examples(&self) -> Vec<String> {
        self.custom_rules
            .iter()
            .flat_map(|r| r.examples.iter().chain(&r.negative_examples).cloned())
            .collect()
    }

    /// What a scanned tree's config asked for and was not given (`set` is the
    /// rule set after [`Config::apply_to_rules`]), in words for the report.
    pub fn restrictions(&self, set: &RuleSet) -> Vec<String> {
        if !self.from_scanned_tree {
            return Vec::new();
        }
        let mut out = Vec::new();
        for declared in &self.custom_rules {
            let applied = set
                .rules
                .iter()
                .find(|r| r.id == declared.id && r.origin == declared.origin);
            // Only a priority the file raised is worth a note: lowering every
            // tree rule below the built-ins is the documented policy.
            if let Some(applied) =
                applied.filter(|a| a.priority < declared.priority && declared.priority > 0)
            {
                out.push(format!(
                    "custom rule `{}`: priority {} lowered to {} (rules from a config in the \
                     scanned tree rank below every built-in rule)",
                    declared.id, declared.priority, applied.priority
                ));
            }
            if matches!(
                declared.verify,
                Some(crate::rules::verify_spec::VerifySpec::Check(_))
            ) {
                out.push(format!(
                    "custom rule `{}`: its [rule.verify] target is used only for a host named \
                     with --verify-host",
                    declared.id
                ));
            }
        }
        if !self.verify.hosts.is_empty() {
            out.push("[verify] hosts ignored (only --verify-host or --config name hosts)".into());
        }
        if self.verify.allow_private {
            out.push(
                "[verify] allow_private ignored (only --verify-allow-private allows it)".into(),
            );
        }
        if !self.verify.endpoints.is_empty() {
            out.push("[verify.endpoints] used only for hosts named with --verify-host".into());
        }
        out
    }

    /// The `stats.config` object: which config was used, whether it came from
    /// the scanned tree, and what it silenced or was refused. `None` when no
    /// config was found or given.
    pub fn report(
        &self,
        set: &RuleSet,
        suppressed: &crate::suppress::SuppressedCounts,
    ) -> Option<ConfigReport> {
        if let Some(p) = &self.ignored_tree_config {
            return Some(ConfigReport {
                path: p.display().to_string(),
                from_scanned_tree: true,
                ignored: true,
                ..ConfigReport::default()
            });
        }
        let path = self.origin.as_ref()?;
        Some(ConfigReport {
            path: path.display().to_string(),
            from_scanned_tree: self.from_scanned_tree,
            ignored: false,
            suppressed: AllowlistCounts {
                path_allowlist: suppressed.path_allowlist,
                value_allowlist: suppressed.value_allowlist,
                commit_allowlist: suppressed.commit_allowlist,
            },
            disabled_rules: self.rules.disable.clone(),
            min_entropy: self.rules.min_entropy.clone(),
            custom_rules: self.custom_rules.iter().map(|r| r.id.clone()).collect(),
            restricted: self.restrictions(set),
            imported_from: self
                .imported_from_gitleaks
                .as_ref()
                .map(|_| "gitleaks".into()),
            not_carried_over: self.imported_from_gitleaks.clone().unwrap_or_default(),
        })
    }
}

fn compile_all(list: &[String]) -> Result<Vec<regex::Regex>> {
    list.iter().map(|v| Ok(regex::Regex::new(v)?)).collect()
}

/// The `stats.config` object of a report: says which config changed the
/// results and how, so a config that silences findings is never silent itself.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ConfigReport {
    pub path: String,
    /// Found in the scanned tree (scanned data) rather than given with `--config`.
    pub from_scanned_tree: bool,
    /// Found in the scanned tree and not used (`--no-tree-config`).
    pub ignored: bool,
    /// Findings its `[allowlist]` suppressed.
    pub suppressed: AllowlistCounts,
    /// Rules it turned off (`[rules] disable`).
    pub disabled_rules: Vec<String>,
    /// Rules whose minimum entropy it replaced.
    pub min_entropy: BTreeMap<String, f64>,
    /// Ids of the custom rules it added.
    pub custom_rules: Vec<String>,
    /// What it asked for and was not given (a scanned tree's config only).
    pub restricted: Vec<String>,
    /// `gitleaks` when the file was a gitleaks config, read as imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
    /// What of that gitleaks config could not be carried over (or was, with
    /// a change), in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_carried_over: Vec<String>,
}

/// Findings suppressed per allowlist of the config.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct AllowlistCounts {
    pub path_allowlist: u64,
    pub value_allowlist: u64,
    pub commit_allowlist: u64,
}

/// The commented example `tokenhound config init` writes.
pub const EXAMPLE: &str = r#"# tokenhound.toml: settings for scans of this repository.
# Found at the scan root, or given with --config FILE. Unknown keys are errors.

[allowlist]
# Globs over finding paths that are never reported.
paths = ["testdata/**", "**/fixtures/**"]
# Regexes over secret values that are never reported (e.g. Stripe test keys).
values = ['''^sk_test_''']
# Also: path_regexes (regexes over paths), lines (regexes over the finding's
# line, secrets redacted), stopwords (a secret containing one, any case, is not
# reported) and commits (history findings introduced by these commits), as a
# gitleaks config has them (`tokenhound config import-gitleaks`).

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

# Custom rules use the format of the built-in rules/*.toml files. When this file is
# found in a scanned tree (not given with --config), its rules rank below every
# built-in rule and their [rule.verify] checks need --verify-host.
# [[rule]]
# id = "acme-session"
# name = "ACME session key"
# provider = "acme"
# kind = "session-cookie"
# keywords = ["acme_sess="]
# pattern = '''acme_sess=(?P<secret>[a-f0-9]{32})'''
# lifetime = "short"
# revoke = "Log out of ACME."
# examples = ["acme_sess=0c1f8e2d9a7b4c3e5f6a1b2c3d4e5f6a"]
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
