//! A revocation request from a rule's `[rule.revoke_api]`: built once with the
//! token (to send) and once with its redacted form (to show and record), from
//! the same templates, so what a dry run prints is exactly what `--yes` sends,
//! secret aside.

use std::collections::BTreeMap;

use super::spec::{BodyFormat, RevokeApi};
use crate::finding::RevocationRequest;
use crate::verify::client::url_encode;

/// A request ready to send (it holds the token: never print it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

/// A JSON string's content for `s` (no quotes).
fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
}

/// Fills the templates of `api` at `base` with `value`; `escape` says how
/// `value` is written where escaping matters (URL and body).
fn fill(api: &RevokeApi, base: &str, value: &str, escape: bool) -> Request {
    let url_value = if escape {
        url_encode(value)
    } else {
        value.to_string()
    };
    let url = format!(
        "{}{}",
        base.trim_end_matches('/'),
        api.path.replace("{secret}", &url_value)
    );
    let mut headers: BTreeMap<String, String> = api
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.replace("{secret}", value)))
        .collect();
    let body = api.body.as_ref().map(|b| {
        let v = match (escape, api.body_format) {
            (true, Some(BodyFormat::Json)) => json_escape(value),
            (true, Some(BodyFormat::Form)) => url_encode(value),
            _ => value.to_string(),
        };
        b.replace("{secret}", &v)
    });
    if let Some(fmt) = api.body_format {
        headers.insert("Content-Type".into(), fmt.content_type().into());
    }
    Request {
        method: api.method.clone(),
        url,
        headers,
        body,
    }
}

/// The request that revokes `secret` through `api` at `base`.
pub fn build(api: &RevokeApi, base: &str, secret: &str) -> Request {
    fill(api, base, secret, true)
}

/// The same request with `redacted` where the token goes: what is shown and
/// recorded.
pub fn shown(api: &RevokeApi, base: &str, redacted: &str) -> RevocationRequest {
    let r = fill(api, base, redacted, false);
    RevocationRequest {
        method: r.method,
        url: r.url,
        headers: r.headers,
        body: r.body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(text: &str) -> RevokeApi {
        let a: RevokeApi = toml::from_str(text).unwrap();
        a.validate().unwrap();
        a
    }

    #[test]
    fn json_form_header_and_path_templates() {
        let gh = api(r#"endpoint = "github"
base = "https://api.github.com"
path = "/credentials/revoke"
method = "POST"
headers = { Accept = "application/vnd.github+json" }
body = '{"credentials":["{secret}"]}'
body_format = "json"
accepted_status = [202]
docs = "https://docs.github.com/rest/credentials/revoke"
"#);
        let r = build(&gh, "http://127.0.0.1:9/", "ghp_a\"b");
        assert_eq!(r.url, "http://127.0.0.1:9/credentials/revoke");
        assert_eq!(r.body.as_deref(), Some(r#"{"credentials":["ghp_a\"b"]}"#));
        assert_eq!(r.headers["Content-Type"], "application/json");
        let s = shown(&gh, "https://api.github.com", "ghp_***");
        assert_eq!(s.body.as_deref(), Some(r#"{"credentials":["ghp_***"]}"#));

        let google = api(r#"endpoint = "google-oauth"
base = "https://oauth2.googleapis.com"
path = "/revoke"
method = "POST"
body = "token={secret}"
body_format = "form"
revoked_status = [200]
docs = "https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke"
"#);
        let r = build(&google, "https://oauth2.googleapis.com", "ya29.a/b+c");
        assert_eq!(r.body.as_deref(), Some("token=ya29.a%2Fb%2Bc"));

        let tg = api(r#"endpoint = "t"
base = "https://api.t.test"
path = "/bot{secret}/close"
method = "POST"
headers = { Authorization = "Bearer {secret}" }
revoked_status = [200]
docs = "https://t.test/docs"
"#);
        let r = build(&tg, "https://api.t.test", "1:AB");
        assert_eq!(r.url, "https://api.t.test/bot1%3AAB/close");
        assert_eq!(r.headers["Authorization"], "Bearer 1:AB");
        let s = shown(&tg, "https://api.t.test", "1:A***");
        assert!(!serde_json::to_string(&s).unwrap().contains("1:AB"));
    }
}
