//! A roster as a SCIM 2.0 `Users` export (RFC 7643), as identity providers
//! (Okta, Entra ID, OneLogin, JumpCloud, Google) write it: a `ListResponse`
//! with `Resources[]`, a bare array of User resources, one User, or JSON
//! Lines of Users. Read per User: `id`, `userName` (the login; also an
//! e-mail when it is one), `name` / `displayName`, `emails[].value`,
//! `active` (false: former), `userType` (employee, contractor, …), and from
//! the enterprise extension and any other schema extension (`urn:…`) the
//! leave date (`terminationDate`, `endDate`, `leftAt`, …) and identities at
//! providers (`githubUsername`, `slackId`, …; the extension's own
//! `employeeNumber` is an identity too).

use chrono::NaiveDate;
use serde_json::Value;

use super::{norm, parse_date, provider_key, status_of, Person};
use crate::finding::EmploymentStatus;

/// Extension fields that are about the organisation, not an identity.
const NOT_IDENTITIES: &[&str] = &[
    "organization",
    "division",
    "department",
    "costcenter",
    "manager",
    "title",
    "location",
    "office",
    "company",
];

/// Extension fields that hold the day a person left.
const LEAVE_DATES: &[&str] = &[
    "terminationdate",
    "enddate",
    "leftat",
    "leftdate",
    "leavedate",
    "lastday",
    "lastdayofwork",
    "separationdate",
    "offboardedat",
    "offboardingdate",
];

/// Parses a SCIM export; errors say which resource.
pub fn parse(text: &str, today: NaiveDate) -> Result<Vec<Person>, String> {
    let users: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(o)) if o.contains_key("Resources") => match o.get("Resources") {
            Some(Value::Array(a)) => a.clone(),
            _ => return Err("`Resources` is not an array".into()),
        },
        Ok(Value::Object(o)) if o.contains_key("userName") || o.contains_key("emails") => {
            vec![Value::Object(o)]
        }
        Ok(_) => {
            return Err(
                "JSON, but not a SCIM Users export (no `Resources`, no User with `userName`)"
                    .into(),
            )
        }
        Err(e) => {
            // JSON Lines: one User per line.
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                out.push(
                    serde_json::from_str(line)
                        .map_err(|_| format!("not JSON ({e}), nor JSON Lines (line {})", i + 1))?,
                );
            }
            out
        }
    };
    let mut people = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let at = format!("Resources[{i}]");
        let Some(obj) = u.as_object() else {
            return Err(format!("{at}: not a JSON object"));
        };
        let is_group = obj
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter()
                    .any(|s| s.as_str().is_some_and(|s| s.ends_with(":Group")))
            });
        if is_group {
            continue;
        }
        people.push(user(obj, at, today)?);
    }
    Ok(people)
}

fn text(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn user(
    u: &serde_json::Map<String, Value>,
    at: String,
    today: NaiveDate,
) -> Result<Person, String> {
    let mut p = Person::empty(at.clone());
    p.kind = text(u.get("userType"));
    if let Some(login) = text(u.get("userName")) {
        if login.contains('@') {
            p.emails.push(norm(&login));
        }
        p.logins.push(norm(&login));
    }
    for e in u
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(v) = text(e.get("value")) {
            let v = norm(&v);
            if !p.emails.contains(&v) {
                p.emails.push(v);
            }
        }
    }
    let name = u.get("name");
    p.name = text(name.and_then(|n| n.get("formatted")))
        .or_else(|| text(u.get("displayName")))
        .or_else(|| {
            let given = text(name.and_then(|n| n.get("givenName")))?;
            Some(match text(name.and_then(|n| n.get("familyName"))) {
                Some(f) => format!("{given} {f}"),
                None => given,
            })
        });
    // Schema extensions: leave dates and identities at providers.
    for (k, ext) in u.iter().filter(|(k, _)| k.starts_with("urn:")) {
        let Some(ext) = ext.as_object() else { continue };
        let enterprise = k.ends_with(":enterprise:2.0:User");
        for (field, v) in ext {
            let Some(v) = text(Some(v)) else { continue };
            let key: String = field
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if LEAVE_DATES.contains(&key.as_str()) {
                if parse_date(&v).is_none() {
                    return Err(format!("{at}: {field} `{v}` is not a date"));
                }
                p.left_at = Some(v);
            } else if enterprise && key == "employeenumber" {
                p.identities
                    .entry("employee".into())
                    .or_default()
                    .push(norm(&v));
            } else if !enterprise && !NOT_IDENTITIES.contains(&key.as_str()) {
                p.identities
                    .entry(provider_key(field))
                    .or_default()
                    .push(norm(&v));
            }
        }
    }
    let active = match u.get("active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(if *b { "active" } else { "former" }),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some("active"),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some("former"),
        Some(other) => return Err(format!("{at}: `active` is {other}, not true or false")),
    };
    // An inactive account is former staff whatever the date says; an active
    // one with a leave date in the past is former too (deprovisioning lags).
    p.status = match active {
        Some("former") => EmploymentStatus::Former,
        _ => status_of(None, p.left_at.as_deref(), today)?,
    };
    p.finish(text(u.get("id")).or_else(|| text(u.get("externalId"))))
}

#[cfg(test)]
mod tests {
    use super::super::test_today as today;
    use super::*;

    #[test]
    fn list_response_with_extensions() {
        let text = r#"{
          "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
          "totalResults": 3,
          "Resources": [
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
             "id": "00u1fake", "userName": "jane@acme.test",
             "name": {"givenName": "Jane", "familyName": "Doe"},
             "emails": [{"value": "Jane@Acme.test", "primary": true}, {"value": "jd@home.test"}],
             "active": false, "userType": "Contractor",
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1042", "department": "Ops", "manager": {"value": "00u2"}},
             "urn:ietf:params:scim:schemas:extension:acme:2.0:User": {"githubUsername": "Jane-Fake", "terminationDate": "2026-01-31"}},
            {"id": "00u2fake", "userName": "bob", "displayName": "Bob Roe",
             "emails": [{"value": "bob@acme.test"}], "active": true},
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "eng"}
          ]}"#;
        let people = parse(text, today()).unwrap();
        assert_eq!(people.len(), 2, "groups are not people");
        let jane = &people[0];
        assert_eq!(jane.id, "00u1fake");
        assert_eq!(jane.name.as_deref(), Some("Jane Doe"));
        assert_eq!(jane.emails, ["jane@acme.test", "jd@home.test"]);
        assert_eq!(jane.status, EmploymentStatus::Former);
        assert_eq!(jane.left_at.as_deref(), Some("2026-01-31"));
        assert_eq!(jane.kind.as_deref(), Some("Contractor"));
        assert_eq!(jane.identities["github"], ["jane-fake"]);
        assert_eq!(jane.identities["employee"], ["1042"]);
        assert!(!jane.identities.contains_key("department"));
        assert_eq!(people[1].status, EmploymentStatus::Active);
        assert_eq!(people[1].logins, ["bob"]);
    }

    #[test]
    fn arrays_json_lines_and_errors() {
        let lines = "{\"userName\":\"a@x.test\",\"active\":true}\n{\"userName\":\"b\",\"active\":\"False\"}\n";
        let people = parse(lines, today()).unwrap();
        assert_eq!(people[1].status, EmploymentStatus::Former);
        let arr = "[{\"userName\":\"a\",\"urn:x:User\":{\"endDate\":\"2026-01-01\"}}]";
        assert_eq!(
            parse(arr, today()).unwrap()[0].status,
            EmploymentStatus::Former
        );
        assert!(parse("{\"foo\": 1}", today()).is_err());
        assert!(parse("[{\"userName\":\"a\",\"active\":3}]", today())
            .unwrap_err()
            .contains("Resources[0]"));
        assert!(parse("[{\"active\":true}]", today()).is_err());
    }
}
