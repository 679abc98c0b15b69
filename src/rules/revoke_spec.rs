//! How a rule describes its issuer's revocation API, as data
//! (`[rule.revoke_api]` in `rules/*.toml`, next to `[rule.verify]`): where the
//! request goes, where the token goes in it, and how to read the answer. Only
//! endpoints the issuer documents for revoking a token belong here (the `docs`
//! link says where); everything else gets the rule's manual `revoke` text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A documented revocation endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RevokeApi {
    /// Key for `[verify.endpoints]` overrides, the same key as the rule's
    /// `[rule.verify]` uses: an override moves verification and revocation alike
    /// (GitHub Enterprise, a self-managed GitLab, a test server).
    pub endpoint: String,
    /// Base URL of the issuer's API; `path` is appended.
    pub base: String,
    /// Path and query after the base; `{secret}` is replaced (URL-encoded).
    pub path: String,
    /// `POST` or `DELETE`: revocation changes state, so nothing else.
    pub method: String,
    /// Request headers; `{secret}` in a value is replaced by the token.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request body template; `{secret}` is replaced, escaped as `body_format` says.
    #[serde(default)]
    pub body: Option<String>,
    /// `json` (the token is escaped as a JSON string's content, and the
    /// request is sent as `application/json`) or `form` (percent-encoded,
    /// `application/x-www-form-urlencoded`). Needed with a body.
    #[serde(default)]
    pub body_format: Option<BodyFormat>,
    /// Statuses meaning the issuer revoked it.
    #[serde(default)]
    pub revoked_status: Vec<u16>,
    /// Statuses meaning the issuer accepted the request and revokes it later
    /// (GitHub's `202 Accepted`).
    #[serde(default)]
    pub accepted_status: Vec<u16>,
    /// Statuses meaning the token was already not valid.
    #[serde(default)]
    pub invalid_status: Vec<u16>,
    /// JSON fields that must equal these values for `revoked` (Slack answers
    /// 200 always: `ok = true`).
    #[serde(default)]
    pub revoked_json: BTreeMap<String, serde_json::Value>,
    /// JSON field naming the error (Slack `error`); kept in the answer.
    #[serde(default)]
    pub error_field: Option<String>,
    /// Values of `error_field` that mean the token was already not valid.
    #[serde(default)]
    pub invalid_errors: Vec<String>,
    /// JSON fields (dotted paths) kept in the recorded answer.
    #[serde(default)]
    pub detail: Vec<String>,
    /// The issuer's documentation of this endpoint (https://…): every
    /// automatic revocation must cite one.
    pub docs: String,
}

/// How `{secret}` is written into a request body.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    Json,
    Form,
}

impl BodyFormat {
    /// The `Content-Type` a body of this format is sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json",
            BodyFormat::Form => "application/x-www-form-urlencoded",
        }
    }
}

impl RevokeApi {
    /// Checks what the type system cannot: a state-changing method, an HTTPS
    /// base, a documented endpoint, a request that carries the token, a body
    /// format that escapes it, and a way to tell success.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.method.as_str(), "POST" | "DELETE") {
            return Err(format!(
                "method `{}`: revocation endpoints are POST or DELETE",
                self.method
            ));
        }
        if self.endpoint.trim().is_empty() {
            return Err("`endpoint` must name the override key".into());
        }
        if !self.base.starts_with("https://") {
            return Err(format!("base `{}` must be https://", self.base));
        }
        if !self.path.starts_with('/') {
            return Err("path must start with /".into());
        }
        if !self.docs.starts_with("https://") {
            return Err(
                "`docs` must link the issuer's documentation of the endpoint (https://…)".into(),
            );
        }
        let in_body = self.body.as_deref().is_some_and(|b| b.contains("{secret}"));
        let uses_secret = self.path.contains("{secret}")
            || self.headers.values().any(|v| v.contains("{secret}"))
            || in_body;
        if !uses_secret {
            return Err("the request never sends {secret}".into());
        }
        if self.body.is_some() && self.body_format.is_none() {
            return Err("a body needs `body_format` (json or form) so the token is escaped".into());
        }
        if self.body.is_none() && self.body_format.is_some() {
            return Err("`body_format` without a body".into());
        }
        if self
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"))
            && self.body_format.is_some()
        {
            return Err("Content-Type comes from `body_format`; do not set it in headers".into());
        }
        if self.revoked_status.is_empty() && self.accepted_status.is_empty() {
            return Err("needs `revoked_status` or `accepted_status`".into());
        }
        if !self.invalid_errors.is_empty() && self.error_field.is_none() {
            return Err("`invalid_errors` needs `error_field`".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(extra: &str) -> Result<RevokeApi, String> {
        let text = format!(
            "endpoint = \"x\"\nbase = \"https://api.x.test\"\npath = \"/revoke\"\nmethod = \"POST\"\ndocs = \"https://docs.x.test/revoke\"\nrevoked_status = [200]\n{extra}"
        );
        let a: RevokeApi = toml::from_str(&text).map_err(|e| e.to_string())?;
        a.validate().map(|()| a)
    }

    #[test]
    fn validation() {
        assert!(api("body = '{\"t\":\"{secret}\"}'\nbody_format = \"json\"").is_ok());
        assert!(api("headers = { Authorization = \"Bearer {secret}\" }").is_ok());
        assert!(api("").unwrap_err().contains("never sends"));
        assert!(api("body = 't={secret}'")
            .unwrap_err()
            .contains("body_format"));
        let text = "endpoint = \"x\"\nbase = \"https://api.x.test\"\npath = \"/r\"\nmethod = \"GET\"\ndocs = \"https://d\"\nrevoked_status = [200]\nheaders = { A = \"{secret}\" }";
        let a: RevokeApi = toml::from_str(text).unwrap();
        assert!(a.validate().unwrap_err().contains("POST or DELETE"));
        let text = "endpoint = \"x\"\nbase = \"http://api.x.test\"\npath = \"/r\"\nmethod = \"POST\"\ndocs = \"https://d\"\nrevoked_status = [200]\nheaders = { A = \"{secret}\" }";
        let a: RevokeApi = toml::from_str(text).unwrap();
        assert!(a.validate().unwrap_err().contains("https"));
        let text = text
            .replace("http://", "https://")
            .replace("https://d", "see the docs");
        let a: RevokeApi = toml::from_str(&text).unwrap();
        assert!(a.validate().unwrap_err().contains("docs"));
    }
}
