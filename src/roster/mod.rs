//! The people of an organisation (`--roster FILE`): who still works here and
//! who left, so a finding can say whether its token's owner is former staff
//! (`owner_status`), and a gate can fail on live tokens of people who left
//! (`--fail-on former-live`).
//!
//! A roster is a CSV (`email,login,name,status,left_at` plus identity columns
//! named after providers: `github`, `slack`, `gitlab`, …) or a SCIM 2.0 `Users`
//! export as identity providers write it ([`scim`]). Owners (from `--verify`)
//! and leakers (commit and message authors) are matched to people by e-mail,
//! by their identity at the provider, and by login; every comparison ignores
//! letter case, and an identity two people share matches neither.

pub mod csv;
pub mod scim;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde::Serialize;

use crate::finding::{EmploymentStatus, Finding, LeakedBy, Owner, OwnerStatus, PersonRef};

/// One person of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The roster's id (SCIM `id`; for CSV an `id` column, else the first
    /// e-mail or login).
    pub id: String,
    pub name: Option<String>,
    /// Lowercased.
    pub emails: Vec<String>,
    /// The organisation's own logins (CSV `login`, SCIM `userName`), lowercased.
    pub logins: Vec<String>,
    /// Provider ([`provider_key`]) → the person's ids and logins there, lowercased.
    pub identities: BTreeMap<String, Vec<String>>,
    pub status: EmploymentStatus,
    pub left_at: Option<String>,
    /// Employee, contractor, … as the roster says.
    pub kind: Option<String>,
    /// Where the person is in the file (`line 4`, `Resources[2]`), for errors.
    pub at: String,
}

impl Person {
    /// An active person with nothing known yet, found `at` in the file.
    pub(crate) fn empty(at: String) -> Person {
        Person {
            id: String::new(),
            name: None,
            emails: Vec::new(),
            logins: Vec::new(),
            identities: BTreeMap::new(),
            status: EmploymentStatus::Active,
            left_at: None,
            kind: None,
            at,
        }
    }

    /// Sets the id (`id`, else the first e-mail or login, else where the
    /// person is); an error when nothing could match them.
    pub(crate) fn finish(mut self, id: Option<String>) -> Result<Person, String> {
        if self.emails.is_empty() && self.logins.is_empty() && self.identities.is_empty() {
            return Err(format!(
                "{}: no e-mail, login or identity: nothing to match this person by",
                self.at
            ));
        }
        self.id = id
            .or_else(|| self.emails.first().cloned())
            .or_else(|| self.logins.first().cloned())
            .unwrap_or_else(|| self.at.clone());
        Ok(self)
    }
}

/// The roster of a run, indexed for matching.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The file it was read from.
    pub origin: String,
    pub people: Vec<Person>,
    /// (key kind, lowercased value) → people. Key kinds: `email`, `login`, or
    /// a provider key.
    index: HashMap<(String, String), Vec<usize>>,
    /// Providers the roster has identity columns (or fields) for.
    providers: HashSet<String>,
}

/// What the roster did in a run: the `stats.roster` object.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RosterStats {
    pub path: String,
    pub people: usize,
    pub former: usize,
    /// Findings whose owner matched a person.
    pub owners_matched: usize,
    /// Findings whose leaker matched a person.
    pub leakers_matched: usize,
    /// Findings owned by former staff, and those of them verified live.
    pub former_owner: usize,
    pub former_live: usize,
}

/// The name a provider goes by in a roster: lowercase letters and digits,
/// without a trailing `username`, `login`, `id`, … (`GitHub Username` →
/// `github`), and one name for the aliases of one identity system (Jira and
/// Confluence share Atlassian accounts; Teams authors are Entra users).
pub fn provider_key(name: &str) -> String {
    let mut k: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    for suffix in [
        "accountid",
        "username",
        "userid",
        "objectid",
        "handle",
        "login",
        "user",
        "id",
    ] {
        if k.len() > suffix.len() {
            if let Some(stripped) = k.strip_suffix(suffix) {
                k = stripped.to_string();
                break;
            }
        }
    }
    match k.as_str() {
        "gh" => "github".into(),
        "jira" | "confluence" | "atlassian" => "atlassian".into(),
        "teams" | "msteams" | "entra" | "entraid" | "azuread" | "aad" | "microsoft" => {
            "teams".into()
        }
        _ => k,
    }
}

/// A key as compared: trimmed, lowercased, without a leading `@` (`@octocat`).
fn norm(v: &str) -> String {
    v.trim().trim_start_matches('@').to_lowercase()
}

/// The GitHub login in a GitHub no-reply address
/// (`12345+octocat@users.noreply.github.com`).
fn github_noreply_login(email: &str) -> Option<&str> {
    let local = email.strip_suffix("@users.noreply.github.com")?;
    let login = local.split_once('+').map_or(local, |(_, l)| l);
    (!login.is_empty()).then_some(login)
}

/// Parses a leave date: `YYYY-MM-DD` or an RFC 3339 time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|d| d.date_naive())
    })
}

/// A status word of a roster: active or former (`left`, `terminated`,
/// `inactive`, `suspended`, … count as former: their tokens should be dead).
pub fn parse_status(s: &str) -> Option<EmploymentStatus> {
    match norm(s).as_str() {
        "active" | "current" | "employed" | "enabled" | "true" | "yes" => {
            Some(EmploymentStatus::Active)
        }
        "former" | "left" | "inactive" | "terminated" | "offboarded" | "disabled"
        | "deprovisioned" | "departed" | "alumni" | "suspended" | "false" | "no" => {
            Some(EmploymentStatus::Former)
        }
        _ => None,
    }
}

impl Roster {
    /// Reads a roster file: SCIM JSON when it starts with `{` or `[`, else CSV.
    /// `today` decides whether a leave date without a status has passed.
    pub fn load(path: &Path, today: NaiveDate) -> Result<Roster> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read roster {}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("roster {}: not UTF-8 text", path.display()))?;
        let text = text.trim_start_matches('\u{feff}');
        let origin = path.display().to_string();
        let people = match text.trim_start().as_bytes().first() {
            Some(b'{' | b'[') => scim::parse(text, today),
            _ => csv::parse(text, today),
        }
        .map_err(|e| anyhow::anyhow!("roster {origin}: {e}"))?;
        Roster::new(origin, people)
    }

    /// Indexes `people`; a roster with nobody in it is an error (a wrong file).
    pub fn new(origin: String, people: Vec<Person>) -> Result<Roster> {
        if people.is_empty() {
            anyhow::bail!("roster {origin}: no people in it");
        }
        let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut providers = HashSet::new();
        for (i, p) in people.iter().enumerate() {
            let mut add = |kind: &str, v: &str| {
                let e = index.entry((kind.to_string(), norm(v))).or_default();
                if !e.contains(&i) {
                    e.push(i);
                }
            };
            for e in &p.emails {
                add("email", e);
            }
            for l in &p.logins {
                add("login", l);
            }
            for (prov, ids) in &p.identities {
                providers.insert(prov.clone());
                for id in ids {
                    add(prov, id);
                }
            }
        }
        Ok(Roster {
            origin,
            people,
            index,
            providers,
        })
    }

    /// The one person `value` names as a `kind` key; none when nobody or
    /// several people have it.
    fn lookup(&self, kind: &str, value: &str) -> Option<usize> {
        match self.index.get(&(kind.to_string(), norm(value)))?.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    fn person_ref(&self, i: usize, matched_by: &str) -> PersonRef {
        let p = &self.people[i];
        PersonRef {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.emails.first().cloned(),
            status: p.status,
            left_at: p.left_at.clone(),
            kind: p.kind.clone(),
            matched_by: matched_by.to_string(),
        }
    }

    /// Tries `(kind, value)` pairs in order; the first that names one person wins.
    fn first_match<'a>(
        &self,
        tries: impl IntoIterator<Item = (String, Option<&'a str>)>,
    ) -> Option<PersonRef> {
        tries.into_iter().find_map(|(kind, v)| {
            let i = self.lookup(&kind, v?)?;
            Some(self.person_ref(i, &kind))
        })
    }

    /// The person a token's owner is: by the identity at its issuer (login or
    /// id in the issuer's column), by e-mail, and by the organisation login
    /// only when the roster has no column for that issuer (a GitHub login is
    /// not the company login when both are listed).
    pub fn match_owner(&self, o: &Owner) -> Option<PersonRef> {
        let prov = provider_key(&o.provider);
        let own_column = self.providers.contains(&prov);
        self.first_match([
            (prov.clone(), o.login.as_deref()),
            (prov.clone(), o.user_id.as_deref()),
            ("email".into(), o.email.as_deref()),
            ("login".into(), o.login.as_deref().filter(|_| !own_column)),
        ])
    }

    /// The person who leaked a token: by e-mail (a GitHub no-reply address
    /// by its GitHub login), by the source's id and user name in its column,
    /// and by the organisation login when the roster has no such column.
    pub fn match_leaker(&self, l: &LeakedBy) -> Option<PersonRef> {
        let prov = provider_key(&l.source);
        let own_column = self.providers.contains(&prov);
        let noreply = l.email.as_deref().and_then(github_noreply_login);
        self.first_match([
            ("email".into(), l.email.as_deref()),
            ("github".into(), noreply),
            (prov.clone(), l.user_id.as_deref()),
            (prov.clone(), l.login.as_deref()),
            ("login".into(), l.login.as_deref().filter(|_| !own_column)),
        ])
    }

    /// Matches a finding's owner and leaker and sets its `owner_status`.
    pub fn mark(&self, f: &mut Finding) {
        if let Some(o) = f.owner.as_mut() {
            o.person = self.match_owner(o);
        }
        if let Some(l) = f.leaked_by.as_mut() {
            l.person = self.match_leaker(l);
        }
        f.owner_status = Some(match f.owner.as_ref().and_then(|o| o.person.as_ref()) {
            Some(p) if p.status == EmploymentStatus::Former => OwnerStatus::Former,
            Some(_) => OwnerStatus::Active,
            None => OwnerStatus::Unknown,
        });
    }

    /// The `stats.roster` object for marked findings.
    pub fn stats(&self, findings: &[Finding]) -> RosterStats {
        let count = |p: &dyn Fn(&Finding) -> bool| findings.iter().filter(|f| p(f)).count();
        RosterStats {
            path: self.origin.clone(),
            people: self.people.len(),
            former: self
                .people
                .iter()
                .filter(|p| p.status == EmploymentStatus::Former)
                .count(),
            owners_matched: count(&|f| f.owner.as_ref().is_some_and(|o| o.person.is_some())),
            leakers_matched: count(&|f| f.leaked_by.as_ref().is_some_and(|l| l.person.is_some())),
            former_owner: count(&|f| f.owner_status == Some(OwnerStatus::Former)),
            former_live: count(&|f| f.former_owner_live()),
        }
    }
}

/// The status of a person from a status word and a leave date: the word when
/// given, else a leave date on or before `today` means former.
pub(crate) fn status_of(
    word: Option<&str>,
    left_at: Option<&str>,
    today: NaiveDate,
) -> std::result::Result<EmploymentStatus, String> {
    if let Some(w) = word.filter(|w| !w.trim().is_empty()) {
        return parse_status(w).ok_or_else(|| {
            format!("status `{w}` is neither active nor former (active, former, left, terminated, inactive, suspended, …)")
        });
    }
    match left_at.filter(|d| !d.trim().is_empty()) {
        Some(d) => {
            let day = parse_date(d)
                .ok_or_else(|| format!("left_at `{d}` is not a date (YYYY-MM-DD or RFC 3339)"))?;
            Ok(if day <= today {
                EmploymentStatus::Former
            } else {
                EmploymentStatus::Active
            })
        }
        None => Ok(EmploymentStatus::Active),
    }
}

/// The day roster tests take as today.
#[cfg(test)]
pub(crate) fn test_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

#[cfg(test)]
mod tests {
    use super::test_today as today;
    use super::*;

    #[test]
    fn provider_keys() {
        assert_eq!(provider_key("GitHub Username"), "github");
        assert_eq!(provider_key("github_login"), "github");
        assert_eq!(provider_key("slack_id"), "slack");
        assert_eq!(provider_key("jira"), "atlassian");
        assert_eq!(provider_key("confluence"), "atlassian");
        assert_eq!(provider_key("Entra Object ID"), "teams");
        assert_eq!(provider_key("gitlab"), "gitlab");
        assert_eq!(provider_key("id"), "id", "a bare suffix stays");
    }

    fn roster() -> Roster {
        let text = "email,login,name,status,left_at,github,slack,type\n\
            jane@acme.test,jdoe,Jane Doe,former,2026-01-31,Jane-Fake,U0FAKEJANE,contractor\n\
            bob@acme.test,bob,Bob Roe,active,,bobfake,U0FAKEBOB,employee\n\
            eve@acme.test,eve,Eve Poe,,2027-03-01,,,\n\
            sam@acme.test,sam,Sam Oe,,2026-02-01,shared,,\n\
            tim@acme.test,tim,Tim Oe,active,,shared,,\n";
        Roster::new("r.csv".into(), csv::parse(text, today()).unwrap()).unwrap()
    }

    fn owner(provider: &str, login: &str) -> Owner {
        Owner {
            provider: provider.into(),
            login: Some(login.into()),
            ..Owner::default()
        }
    }

    #[test]
    fn owners_match_by_provider_identity_email_and_login() {
        let r = roster();
        let p = r.match_owner(&owner("github", "jane-fake")).unwrap();
        assert_eq!(
            (p.id.as_str(), p.status),
            ("jane@acme.test", EmploymentStatus::Former)
        );
        assert_eq!(p.matched_by, "github");
        assert_eq!(p.left_at.as_deref(), Some("2026-01-31"));
        assert_eq!(p.kind.as_deref(), Some("contractor"));
        // The roster has a github column: a GitHub login is not compared with
        // company logins.
        assert!(r.match_owner(&owner("github", "bob")).is_none());
        // No gitlab column: the company login may match.
        assert_eq!(
            r.match_owner(&owner("gitlab", "BOB")).unwrap().matched_by,
            "login"
        );
        let slack = Owner {
            provider: "slack".into(),
            user_id: Some("u0fakebob".into()),
            ..Owner::default()
        };
        assert_eq!(r.match_owner(&slack).unwrap().id, "bob@acme.test");
        let google = Owner {
            provider: "google".into(),
            email: Some("Eve@Acme.test".into()),
            ..Owner::default()
        };
        let eve = r.match_owner(&google).unwrap();
        assert_eq!(eve.status, EmploymentStatus::Active, "leaves in 2027");
        // Two people share a GitHub login: neither is matched.
        assert!(r.match_owner(&owner("github", "shared")).is_none());
    }

    #[test]
    fn leakers_match_by_email_noreply_and_source_ids() {
        let r = roster();
        let git = LeakedBy {
            source: "git".into(),
            email: Some("12345+Jane-Fake@users.noreply.github.com".into()),
            ..LeakedBy::default()
        };
        assert_eq!(r.match_leaker(&git).unwrap().matched_by, "github");
        let slack = LeakedBy {
            source: "slack".into(),
            user_id: Some("U0FAKEJANE".into()),
            ..LeakedBy::default()
        };
        assert_eq!(r.match_leaker(&slack).unwrap().id, "jane@acme.test");
        let sam = LeakedBy {
            source: "git".into(),
            email: Some("sam@acme.test".into()),
            ..LeakedBy::default()
        };
        assert_eq!(
            r.match_leaker(&sam).unwrap().status,
            EmploymentStatus::Former
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(
            status_of(Some("Terminated"), None, today()),
            Ok(EmploymentStatus::Former)
        );
        assert_eq!(
            status_of(None, Some("2026-11-20"), today()),
            Ok(EmploymentStatus::Former)
        );
        assert_eq!(
            status_of(None, Some("2026-11-21"), today()),
            Ok(EmploymentStatus::Active)
        );
        assert_eq!(
            status_of(Some(""), None, today()),
            Ok(EmploymentStatus::Active)
        );
        assert!(status_of(Some("on leave"), None, today()).is_err());
        assert!(status_of(None, Some("last week"), today()).is_err());
    }
}
