//! Whose token it is: the `owner` of a finding, read from a live verification
//! answer by the rule's `owner` map (`[rule.verify]` … `owner = { login =
//! "login", … }`). The issuer's own words only, scrubbed of the secret like
//! every other text a check keeps.

use serde_json::Value;

use super::client::json_path;
use super::scrub::Scrubber;
use super::spec::OwnerMap;
use crate::finding::Owner;

/// The response headers an owner map reads (`header:<name>`), lowercased
/// name → value, taken before the body is read.
pub fn headers(map: &OwnerMap, resp: &ureq::Response) -> Vec<(String, String)> {
    map.fields()
        .into_iter()
        .filter_map(|(_, src)| src.strip_prefix("header:"))
        .filter_map(|h| {
            resp.header(h)
                .map(|v| (h.to_ascii_lowercase(), v.to_string()))
        })
        .collect()
}

/// The owner a live answer names, or `None` when it names nobody.
/// `checked_at` anchors a relative expiry (`expires_in`).
pub fn read(
    map: &OwnerMap,
    provider: &str,
    json: Option<&Value>,
    headers: &[(String, String)],
    checked_at: &str,
    scrub: &Scrubber,
) -> Option<Owner> {
    let get = |src: &str| -> Option<Value> {
        let v = match src.strip_prefix("header:") {
            Some(h) => headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(h))
                .map(|(_, v)| Value::String(v.clone()))?,
            None => json_path(json?, src)?.clone(),
        };
        (!v.is_null()).then_some(v)
    };
    let text = |src: Option<&String>| -> Option<String> {
        let s = match get(src?)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        let s = scrub.scrub(s.trim());
        (!s.is_empty()).then_some(s)
    };
    let scopes = match map.scopes.as_ref().and_then(|s| get(s)) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(|s| scrub.scrub(s))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| scrub.scrub(s))
            .collect(),
        _ => Vec::new(),
    };
    let expires_at = text(map.expires_at.as_ref()).or_else(|| {
        let secs: i64 = text(map.expires_in.as_ref())?.parse().ok()?;
        let at = chrono::DateTime::parse_from_rfc3339(checked_at).ok()?;
        Some(
            (at + chrono::Duration::seconds(secs))
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    });
    let owner = Owner {
        provider: provider.to_string(),
        login: text(map.login.as_ref()),
        user_id: text(map.user_id.as_ref()),
        name: text(map.name.as_ref()),
        email: text(map.email.as_ref()),
        team: text(map.team.as_ref()),
        team_id: text(map.team_id.as_ref()),
        bot_id: text(map.bot_id.as_ref()),
        token_name: text(map.token_name.as_ref()),
        scopes,
        expires_at,
        person: None,
    };
    let names_someone = owner.login.is_some()
        || owner.user_id.is_some()
        || owner.email.is_some()
        || owner.name.is_some()
        || owner.team.is_some()
        || owner.bot_id.is_some();
    names_someone.then_some(owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(toml_text: &str) -> OwnerMap {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn github_slack_gitlab_and_google_answers() {
        let scrub = Scrubber::new("ghp_notInTheAnswer0000000000000000000000");
        let gh = map(
            "login = \"login\"\nuser_id = \"id\"\nname = \"name\"\nscopes = \"header:x-oauth-scopes\"\nexpires_at = \"header:github-authentication-token-expiration\"",
        );
        let answer = serde_json::json!({"login": "octo-fake", "id": 583231, "name": null});
        let hdr = vec![
            ("x-oauth-scopes".to_string(), "repo, gist".to_string()),
            (
                "github-authentication-token-expiration".to_string(),
                "2027-01-31 00:00:00 UTC".to_string(),
            ),
        ];
        let o = read(
            &gh,
            "github",
            Some(&answer),
            &hdr,
            "2026-11-20T12:00:00Z",
            &scrub,
        )
        .unwrap();
        assert_eq!(o.login.as_deref(), Some("octo-fake"));
        assert_eq!(o.user_id.as_deref(), Some("583231"));
        assert_eq!(o.name, None, "null is no name");
        assert_eq!(o.scopes, ["repo", "gist"]);
        assert_eq!(o.expires_at.as_deref(), Some("2027-01-31 00:00:00 UTC"));

        let slack = map("login = \"user\"\nuser_id = \"user_id\"\nteam = \"team\"\nteam_id = \"team_id\"\nbot_id = \"bot_id\"");
        let answer = serde_json::json!({"ok": true, "user": "dev1", "user_id": "U0FAKE1", "team": "Acme", "team_id": "T0FAKE"});
        let o = read(
            &slack,
            "slack",
            Some(&answer),
            &[],
            "2026-11-20T12:00:00Z",
            &scrub,
        )
        .unwrap();
        assert_eq!(
            (o.user_id.as_deref(), o.team.as_deref(), o.bot_id.as_deref()),
            (Some("U0FAKE1"), Some("Acme"), None)
        );

        let gitlab = map("user_id = \"user_id\"\ntoken_name = \"name\"\nscopes = \"scopes\"\nexpires_at = \"expires_at\"");
        let answer = serde_json::json!({"id": 4, "name": "ci", "user_id": 77, "scopes": ["api", "read_user"], "expires_at": "2027-01-01"});
        let o = read(
            &gitlab,
            "gitlab",
            Some(&answer),
            &[],
            "2026-11-20T12:00:00Z",
            &scrub,
        )
        .unwrap();
        assert_eq!(o.user_id.as_deref(), Some("77"));
        assert_eq!(o.token_name.as_deref(), Some("ci"));
        assert_eq!(o.scopes, ["api", "read_user"]);

        let google = map("email = \"email\"\nscopes = \"scope\"\nexpires_in = \"expires_in\"");
        let answer = serde_json::json!({"email": "dev@example.test", "scope": "openid email", "expires_in": "3599"});
        let o = read(
            &google,
            "google",
            Some(&answer),
            &[],
            "2026-11-20T12:00:00Z",
            &scrub,
        )
        .unwrap();
        assert_eq!(o.expires_at.as_deref(), Some("2026-11-20T12:59:59Z"));
        assert_eq!(o.scopes, ["openid", "email"]);
    }

    #[test]
    fn an_answer_naming_nobody_is_no_owner_and_the_secret_never_comes_back() {
        let secret = "xoxb-682052589831-9489394948214-g9BkgRdWwUZlPOgGurL1es7u";
        let scrub = Scrubber::new(secret);
        let m = map("login = \"user\"\nscopes = \"scopes\"");
        let none = serde_json::json!({"ok": true, "scopes": ["a"]});
        assert!(read(
            &m,
            "slack",
            Some(&none),
            &[],
            "2026-11-20T12:00:00Z",
            &scrub
        )
        .is_none());
        let echo = serde_json::json!({"user": format!("x {secret}")});
        let o = read(
            &m,
            "slack",
            Some(&echo),
            &[],
            "2026-11-20T12:00:00Z",
            &scrub,
        )
        .unwrap();
        assert_eq!(o.login.as_deref(), Some("x [redacted]"));
    }
}
