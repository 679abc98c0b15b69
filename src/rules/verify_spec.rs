//! How a rule describes its liveness check, as data: method, URL, where the token
//! goes, and how to read the answer. Only read-only endpoints belong here; tokens
//! that must not be used (single-use refresh tokens, pipeline triggers, webhooks
//! whose call runs something) say `never` with the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `verify = { never = "reason" }` or a check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum VerifySpec {
    Never { never: String },
    Check(Box<Check>),
}

/// A read-only HTTP check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Key for `[verify.endpoints]` overrides (e.g. `github` for GitHub Enterprise):
    /// an override replaces the scheme, host and path prefix of `url`'s base.
    pub endpoint: String,
    /// Base URL of the issuer's API (`https://api.github.com`); `path` is appended.
    pub base: String,
    /// Path and query after the base (`/user`); `{secret}` is replaced (URL-encoded).
    pub path: String,
    /// `GET` (default) or `POST` for read-only RPC endpoints such as Slack's `auth.test`.
    #[serde(default = "default_method")]
    pub method: String,
    /// Request headers; `{secret}` in a value is replaced by the token.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Send the token as HTTP Basic auth: `user:password` template, e.g. `:{secret}`.
    #[serde(default)]
    pub basic: Option<String>,
    /// Request body template (form or JSON); `{secret}` replaced.
    #[serde(default)]
    pub body: Option<String>,
    /// Statuses meaning the token works.
    #[serde(default = "default_live")]
    pub live_status: Vec<u16>,
    /// Statuses meaning the token does not work.
    #[serde(default = "default_dead")]
    pub dead_status: Vec<u16>,
    /// JSON fields that must equal these values for `live` (Slack answers 200 always).
    #[serde(default)]
    pub live_json: BTreeMap<String, serde_json::Value>,
    /// JSON field whose value, if it is one of `dead_values`, means dead.
    #[serde(default)]
    pub dead_json_field: Option<String>,
    #[serde(default)]
    pub dead_values: Vec<String>,
    /// JSON fields (dotted paths) copied into the verification `detail`.
    #[serde(default)]
    pub detail: Vec<String>,
    /// Response headers copied into `detail` (scopes, expiry).
    #[serde(default)]
    pub detail_headers: Vec<String>,
    /// Where a live answer names the token's owner: the finding's `owner` key.
    #[serde(default)]
    pub owner: Option<OwnerMap>,
}

/// Where each part of the owner's identity is in a live answer: a dotted JSON
/// path (`user.username`) or `header:<name>` for a response header. Only what
/// the issuer answers is read; nothing is guessed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OwnerMap {
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub token_name: Option<String>,
    /// A list, or a string of scopes separated by commas or spaces.
    #[serde(default)]
    pub scopes: Option<String>,
    /// An expiry date as the issuer writes it.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Seconds until expiry (Google's `expires_in`), turned into `expires_at`.
    #[serde(default)]
    pub expires_in: Option<String>,
}

impl OwnerMap {
    /// Every (owner field, source) pair that is set.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("login", &self.login),
            ("user_id", &self.user_id),
            ("name", &self.name),
            ("email", &self.email),
            ("team", &self.team),
            ("team_id", &self.team_id),
            ("bot_id", &self.bot_id),
            ("token_name", &self.token_name),
            ("scopes", &self.scopes),
            ("expires_at", &self.expires_at),
            ("expires_in", &self.expires_in),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    fn validate(&self) -> Result<(), String> {
        let fields = self.fields();
        if fields.is_empty() {
            return Err("`owner` names no field".into());
        }
        for (k, src) in fields {
            let path = src.strip_prefix("header:").unwrap_or(src);
            if path.trim().is_empty() || path.split('.').any(str::is_empty) {
                return Err(format!(
                    "owner `{k}`: `{src}` is not a JSON path or header:<name>"
                ));
            }
        }
        Ok(())
    }
}

fn default_method() -> String {
    "GET".into()
}
fn default_live() -> Vec<u16> {
    vec![200]
}
fn default_dead() -> Vec<u16> {
    vec![401]
}

impl VerifySpec {
    /// Checks what the type system cannot: read-only methods, HTTPS bases.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            VerifySpec::Never { never } if never.trim().is_empty() => {
                Err("`never` needs a reason".into())
            }
            VerifySpec::Never { .. } => Ok(()),
            VerifySpec::Check(c) => {
                if !matches!(c.method.as_str(), "GET" | "POST" | "HEAD") {
                    return Err(format!(
                        "method `{}`: only GET, HEAD and read-only POST are allowed",
                        c.method
                    ));
                }
                if !c.base.starts_with("https://") {
                    return Err(format!("base `{}` must be https://", c.base));
                }
                if !c.path.starts_with('/') {
                    return Err("path must start with /".into());
                }
                let uses_secret = c.path.contains("{secret}")
                    || c.headers.values().any(|v| v.contains("{secret}"))
                    || c.basic.as_deref().is_some_and(|b| b.contains("{secret}"))
                    || c.body.as_deref().is_some_and(|b| b.contains("{secret}"));
                if !uses_secret {
                    return Err("the check never sends {secret}".into());
                }
                if let Some(o) = &c.owner {
                    o.validate()?;
                }
                Ok(())
            }
        }
    }
}
