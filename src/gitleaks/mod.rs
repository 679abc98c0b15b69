//! Moving from gitleaks without re-triaging: its config (`.gitleaks.toml`)
//! becomes a tokenhound config ([`import`]), its JSON report works as a
//! baseline ([`baseline`]), and `--format gitleaks` writes its report format
//! (`report::gitleaks`). docs/GITLEAKS.md is the user's side of this.
//!
//! A gitleaks rule and a tokenhound rule that find the same token have
//! different ids (`github-pat` and `github-pat-classic`), so reports are
//! matched by the secret itself and the rule *family*: the provider a rule is
//! about. [`family_of_gitleaks_rule`] and [`family_of_finding`] name it on each
//! side; [`same_family`] compares them, with "any" for rules that name no
//! provider (gitleaks' `generic-api-key`, JWTs, tokenhound's generic
//! assignments, HTTP headers and URLs), since the same secret found by a
//! generic rule on one side and a provider's rule on the other is one leak.

pub mod baseline;
pub mod import;
pub mod re2;

use crate::finding::{Finding, Kind};

/// The family that matches every family.
pub const ANY: &str = "*";

/// gitleaks rule-id prefixes whose tokenhound provider is named differently.
const GITLEAKS_ALIASES: &[(&str, &str)] = &[
    ("gcp", "google"),
    ("firebase", "google"),
    ("vault", "hashicorp"),
    ("terraform", "hashicorp"),
    ("private", "private-key"),
    ("age", "private-key"),
    ("putty", "private-key"),
    ("pkcs12", "private-key"),
    ("teams", "microsoft"),
    ("microsoft", "microsoft"),
    ("azure", "azure"),
    ("jfrog", "jfrog"),
    ("generic", ANY),
    ("jwt", ANY),
    ("curl", ANY),
    ("http", ANY),
    ("authorization", ANY),
    ("bearer", ANY),
    ("password", ANY),
];

/// tokenhound providers that name no issuer (any family), or an issuer by
/// another name than gitleaks' rule ids do.
const TOKENHOUND_ALIASES: &[(&str, &str)] = &[
    ("generic", ANY),
    ("jwt", ANY),
    ("http", ANY),
    ("oauth", ANY),
    ("url", ANY),
    ("netrc", ANY),
    ("microsoft-teams", "microsoft"),
    ("azure-devops", "azure"),
];

/// The family of a gitleaks rule id: its first `-`-separated word
/// (`github-fine-grained-pat` → `github`), with the aliases above
/// (`gcp-api-key` → `google`, `generic-api-key` → any).
pub fn family_of_gitleaks_rule(rule_id: &str) -> String {
    let id = rule_id.trim().to_ascii_lowercase();
    let first = id.split(['-', '_', '.']).next().unwrap_or(&id).to_string();
    GITLEAKS_ALIASES
        .iter()
        .find(|(k, _)| *k == first)
        .map(|(_, v)| v.to_string())
        .unwrap_or(first)
}

/// The family of a tokenhound finding: `private-key` for private keys
/// whatever their format, else its rule's provider with the aliases above.
pub fn family_of_finding(f: &Finding) -> String {
    family_of(&f.provider, f.kind)
}

/// [`family_of_finding`] from a rule's provider and kind.
pub fn family_of(provider: &str, kind: Kind) -> String {
    if kind == Kind::PrivateKey {
        return "private-key".into();
    }
    if kind == Kind::Generic {
        return ANY.into();
    }
    let p = provider.to_ascii_lowercase();
    TOKENHOUND_ALIASES
        .iter()
        .find(|(k, _)| *k == p)
        .map(|(_, v)| v.to_string())
        .unwrap_or(p)
}

/// Whether two families can name the same secret's rule.
pub fn same_family(a: &str, b: &str) -> bool {
    a == ANY || b == ANY || a == b
}

/// The SHA-256 of a secret, hex: what a gitleaks report entry is keyed on
/// (no secret is kept in memory longer than reading the report).
pub fn secret_hash(secret: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(secret);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family_of_gitleaks_rule("github-pat"), "github");
        assert_eq!(family_of_gitleaks_rule("github-fine-grained-pat"), "github");
        assert_eq!(family_of_gitleaks_rule("gcp-api-key"), "google");
        assert_eq!(family_of_gitleaks_rule("generic-api-key"), ANY);
        assert_eq!(family_of_gitleaks_rule("private-key"), "private-key");
        assert_eq!(family_of("github", Kind::PersonalAccessToken), "github");
        assert_eq!(family_of("pem", Kind::PrivateKey), "private-key");
        assert_eq!(family_of("generic", Kind::Generic), ANY);
        assert_eq!(family_of("microsoft-teams", Kind::Webhook), "microsoft");
        assert!(same_family("github", "github"));
        assert!(same_family(ANY, "slack"));
        assert!(!same_family("github", "gitlab"));
    }
}
