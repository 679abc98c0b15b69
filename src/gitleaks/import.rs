//! `.gitleaks.toml` → `tokenhound.toml`: what `tokenhound config
//! import-gitleaks` writes, and what `--config .gitleaks.toml` uses directly.
//!
//! Carried over:
//! - global allowlists (`[allowlist]`, `[[allowlists]]`): `paths` (regexes)
//!   → `path_regexes`, `regexes` → `values` (`regexTarget = "line"` →
//!   `lines`), `stopwords` → `stopwords`, `commits` → `commits`;
//! - custom rules whose regex Rust's engine reads the same way
//!   ([`super::re2::convert`]): `secretGroup` becomes the `secret` group,
//!   `entropy` the `min_entropy`, keywords are kept when every match holds
//!   one (tokenhound runs a rule only around its keywords) or derived from
//!   the pattern's literals, and an example the rule reports is generated
//!   (tokenhound rules carry examples);
//! - `[extend] path` is followed (as gitleaks does, two levels deep);
//! - a rule's `path` next to its `regex` becomes its `path`: it runs only on
//!   files at a matching path (an `example_path` is generated from the regex).
//!
//! Not carried over, each said in the report with the reason: allowlists
//! limited to some rules (`targetRules`, rules' own allowlists) or with
//! `condition = "AND"` over several kinds of checks (tokenhound's would apply
//! more widely), rules whose regex Rust does not accept, rules matching by
//! path only, composite rules (`[[rules.required]]`), `[extend] url` and
//! `disabledRules` (gitleaks ids). `useDefault` needs nothing: tokenhound's
//! built-in rules take the place of gitleaks' defaults.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use toml::Value;

use super::re2;
use crate::engine::Engine;
use crate::finding::{Kind, Lifetime};
use crate::rules::{Rule, RuleSet};

/// What an import made of a gitleaks config.
#[derive(Debug)]
pub struct Imported {
    /// The tokenhound.toml text (commented, with the notes at the top); it
    /// loads as a tokenhound config (checked here, parsed by `Config` where used).
    pub toml: String,
    /// What was not carried over, or carried over with a change, in words.
    pub notes: Vec<String>,
    /// Rules and allowlist entries carried over.
    pub rules: usize,
    pub allowlist_entries: usize,
}

/// Whether the file at `path` (text `text`) is a gitleaks config rather than
/// a tokenhound one: named like one (`.gitleaks.toml`), or holding keys only
/// gitleaks has (`[[rules]]`, `[[allowlists]]`, `[extend]`, `title`, an
/// allowlist's `regexes`, …). A file tokenhound's own format reads is
/// tokenhound's (`Config::load` tries that first).
pub fn is_gitleaks_config(path: &Path, text: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.contains("gitleaks") {
        return true;
    }
    let Ok(Value::Table(t)) = toml::from_str::<Value>(text) else {
        return false;
    };
    let keys: Vec<String> = t.keys().map(|k| k.to_ascii_lowercase()).collect();
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("allowlists") || has("extend") || has("title") || has("minversion") {
        return true;
    }
    // tokenhound's `[rules]` is a table; gitleaks' `[[rules]]` an array.
    if get(&t, "rules").is_some_and(Value::is_array) {
        return true;
    }
    get(&t, "allowlist")
        .and_then(Value::as_table)
        .is_some_and(|a| {
            a.keys().any(|k| {
                matches!(
                    k.to_ascii_lowercase().as_str(),
                    "regexes" | "regextarget" | "description" | "condition" | "targetrules"
                )
            })
        })
}

/// Imports the gitleaks config at `path`.
pub fn import_file(path: &Path) -> Result<Imported> {
    let mut st = State::default();
    st.read(path, 0)?;
    st.finish(path)
}

/// A table key, case-insensitively (gitleaks reads its config with viper).
fn get<'a>(t: &'a toml::map::Map<String, Value>, key: &str) -> Option<&'a Value> {
    t.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// The allowlist as it will be written, with a comment per source.
#[derive(Debug, Default)]
struct Allow {
    path_regexes: Vec<(String, String)>,
    values: Vec<(String, String)>,
    lines: Vec<(String, String)>,
    stopwords: Vec<(String, String)>,
    commits: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    /// Rules by gitleaks id, in order (an extending config's rule replaces the
    /// extended one's of the same id).
    rules: Vec<(String, toml::map::Map<String, Value>)>,
    allowlists: Vec<(String, toml::map::Map<String, Value>)>,
    notes: Vec<String>,
}

impl State {
    fn note(&mut self, n: impl Into<String>) {
        self.notes.push(n.into());
    }

    fn read(&mut self, path: &Path, depth: usize) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let doc: Value = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a TOML file: {e}", path.display()))?;
        let Value::Table(top) = doc else {
            bail!("{}: not a gitleaks config", path.display());
        };
        let shown = path.display().to_string();
        // The extended config first: this one's rules override its.
        if let Some(Value::Table(ext)) = get(&top, "extend") {
            if get(ext, "usedefault").and_then(Value::as_bool) == Some(true) {
                self.note(format!(
                    "{shown}: [extend] useDefault: gitleaks' default rules are not imported; \
                     tokenhound's built-in rules take their place (`tokenhound rules list`)"
                ));
            }
            if let Some(p) = string(get(ext, "path")) {
                let base = path.parent().unwrap_or(Path::new(".")).join(&p);
                if depth >= 2 {
                    self.note(format!(
                        "{shown}: [extend] path `{p}` not followed (gitleaks follows two levels)"
                    ));
                } else {
                    self.read(&base, depth + 1)
                        .with_context(|| format!("{shown}: [extend] path `{p}`"))?;
                }
            }
            if let Some(u) = string(get(ext, "url")) {
                self.note(format!(
                    "{shown}: [extend] url `{u}` not followed (tokenhound reads no URL); \
                     download it and import it too"
                ));
            }
            let disabled = strings(get(ext, "disabledrules"));
            if !disabled.is_empty() {
                self.note(format!(
                    "{shown}: [extend] disabledRules {disabled:?} not carried over: these are \
                     gitleaks rule ids; turn tokenhound rules off with [rules] disable \
                     (`tokenhound rules list`)"
                ));
            }
        }
        for (k, _) in top.iter() {
            let known = [
                "title",
                "description",
                "minversion",
                "extend",
                "rules",
                "allowlist",
                "allowlists",
            ];
            if !known.contains(&k.to_ascii_lowercase().as_str()) {
                self.note(format!("{shown}: unknown key `{k}` ignored"));
            }
        }
        for r in get(&top, "rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(t) = r.as_table() else { continue };
            let id = string(get(t, "id")).unwrap_or_default();
            self.rules.retain(|(i, _)| i != &id || id.is_empty());
            self.rules.push((id, t.clone()));
        }
        if let Some(Value::Table(a)) = get(&top, "allowlist") {
            self.allowlists
                .push((format!("{shown} [allowlist]"), a.clone()));
        }
        for (i, a) in get(&top, "allowlists")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(t) = a.as_table() {
                self.allowlists
                    .push((format!("{shown} [[allowlists]] #{}", i + 1), t.clone()));
            }
        }
        Ok(())
    }

    fn finish(mut self, path: &Path) -> Result<Imported> {
        let mut allow = Allow::default();
        for (name, a) in std::mem::take(&mut self.allowlists) {
            self.allowlist(&name, &a, &mut allow);
        }
        let builtin: HashSet<String> = RuleSet::builtin()?
            .rules
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut taken = builtin.clone();
        let mut rules: Vec<(String, String, Rule)> = Vec::new();
        for (id, t) in std::mem::take(&mut self.rules) {
            if let Some(r) = self.rule(&id, &t, &mut taken) {
                let description = string(get(&t, "description")).unwrap_or_default();
                rules.push((id, description, r));
            }
        }
        let toml = render(path, &allow, &rules, &self.notes);
        toml::from_str::<toml::Value>(&toml).with_context(|| {
            format!(
                "{}: internal error: the imported config is not TOML",
                path.display()
            )
        })?;
        let allowlist_entries = allow.path_regexes.len()
            + allow.values.len()
            + allow.lines.len()
            + allow.stopwords.len()
            + allow.commits.len();
        Ok(Imported {
            toml,
            notes: self.notes,
            rules: rules.len(),
            allowlist_entries,
        })
    }

    fn allowlist(&mut self, name: &str, a: &toml::map::Map<String, Value>, out: &mut Allow) {
        let label = match string(get(a, "description")) {
            Some(d) => format!("{name} ({d})"),
            None => name.to_string(),
        };
        let targets = strings(get(a, "targetrules"));
        if !targets.is_empty() {
            self.note(format!(
                "{label}: not carried over: it applies to gitleaks rules {targets:?} only, and \
                 tokenhound's allowlists apply to every rule"
            ));
            return;
        }
        let paths = strings(get(a, "paths"));
        let regexes = strings(get(a, "regexes"));
        let stopwords = strings(get(a, "stopwords"));
        let commits = strings(get(a, "commits"));
        let kinds = [&paths, &regexes, &stopwords, &commits]
            .iter()
            .filter(|v| !v.is_empty())
            .count();
        let condition = string(get(a, "condition")).unwrap_or_default();
        if matches!(condition.to_ascii_uppercase().as_str(), "AND" | "&&") && kinds > 1 {
            self.note(format!(
                "{label}: not carried over: condition = \"AND\" suppresses only findings that \
                 match all of its checks, and tokenhound's allowlist entries each suppress alone"
            ));
            return;
        }
        for p in paths {
            match to_rust_regex(&p) {
                Ok(r) => out.path_regexes.push((r, label.clone())),
                Err(e) => self.note(format!("{label}: path regex `{p}` not carried over: {e}")),
            }
        }
        let target = string(get(a, "regextarget")).unwrap_or_default();
        for r in regexes {
            let rust = match to_rust_regex(&r) {
                Ok(x) => x,
                Err(e) => {
                    self.note(format!("{label}: regex `{r}` not carried over: {e}"));
                    continue;
                }
            };
            match target.to_ascii_lowercase().as_str() {
                "" | "secret" => out.values.push((rust, label.clone())),
                "line" => out.lines.push((rust, label.clone())),
                "match" => {
                    self.note(format!(
                        "{label}: regex `{r}` (regexTarget = \"match\") is checked against the \
                         secret, as tokenhound keeps no rule match"
                    ));
                    out.values.push((rust, label.clone()));
                }
                other => self.note(format!(
                    "{label}: regex `{r}` not carried over: unknown regexTarget `{other}`"
                )),
            }
        }
        for s in stopwords {
            out.stopwords.push((s.to_ascii_lowercase(), label.clone()));
        }
        for c in commits {
            let c = c.trim().to_ascii_lowercase();
            if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
                out.commits.push((c, label.clone()));
            } else {
                self.note(format!(
                    "{label}: commit `{c}` not carried over: not a commit id (7 to 40 hex characters)"
                ));
            }
        }
    }

    /// One gitleaks rule as a tokenhound rule, or `None` with a note saying why.
    fn rule(
        &mut self,
        id: &str,
        t: &toml::map::Map<String, Value>,
        taken: &mut HashSet<String>,
    ) -> Option<Rule> {
        let label = format!("rule `{id}`");
        if id.is_empty() {
            self.note("a rule without an id: not carried over");
            return None;
        }
        let Some(regex) = string(get(t, "regex")) else {
            self.note(format!(
                "{label}: not carried over: it matches files by path only; tokenhound rules \
                 match content"
            ));
            return None;
        };
        if get(t, "required").is_some() {
            self.note(format!(
                "{label}: not carried over: composite rules ([[rules.required]]) have no \
                 tokenhound equivalent"
            ));
            return None;
        }
        if get(t, "skipreport").and_then(Value::as_bool) == Some(true) {
            self.note(format!(
                "{label}: not carried over: skipReport rules only serve composite rules"
            ));
            return None;
        }
        let mut pattern = match re2::convert(&regex) {
            Ok(p) => p,
            Err(e) => {
                self.note(format!(
                    "{label}: not carried over: its regex is not compatible with Rust's regex \
                     engine ({e})"
                ));
                return None;
            }
        };
        let group = get(t, "secretgroup")
            .and_then(Value::as_integer)
            .unwrap_or(0);
        let groups = re2::group_count(&pattern);
        if group > 0 || groups > 0 {
            let g = if group > 0 { group as u32 } else { 1 };
            match re2::name_group(&pattern, g) {
                Some(p) if crate::rules::pattern::compile_pattern(&p).is_ok() => pattern = p,
                _ => {
                    self.note(format!(
                        "{label}: not carried over: secretGroup {g} is not a group of its regex"
                    ));
                    return None;
                }
            }
            if group == 0 && groups > 1 {
                self.note(format!(
                    "{label}: the secret is its first group (gitleaks takes the first group \
                     that is not empty)"
                ));
            }
        }
        let given: Vec<String> = strings(get(t, "keywords"))
            .into_iter()
            .map(|k| k.to_ascii_lowercase())
            .filter(|k| k.len() >= 2)
            .collect();
        let keywords = if !given.is_empty() && re2::keywords_cover(&pattern, &given) {
            given
        } else if let Some(derived) = re2::derived_keywords(&pattern) {
            if !given.is_empty() {
                self.note(format!(
                    "{label}: keywords {derived:?} (from its regex) instead of {given:?}: \
                     tokenhound runs a rule only around a keyword its match holds"
                ));
            }
            derived
        } else if !given.is_empty()
            && crate::rules::keyword_reach::unreachable_keywords(&pattern, &given).is_empty()
        {
            self.note(format!(
                "{label}: a match that holds none of its keywords {given:?} is not found \
                 (gitleaks looks for them anywhere in the file)"
            ));
            given
        } else {
            self.note(format!(
                "{label}: not carried over: tokenhound needs keywords that its matches hold, \
                 and none can be derived from its regex; add them and import again"
            ));
            return None;
        };
        // gitleaks' `path` next to a `regex`: the rule runs only on files at
        // a matching path, as tokenhound's own `path` does.
        let scope = match string(get(t, "path")) {
            None => None,
            Some(p) => match to_rust_regex(&p).ok().and_then(|rp| {
                let at = example_path(&rp)?;
                Some((rp, at))
            }) {
                Some(scope) => Some(scope),
                None => {
                    self.note(format!(
                        "{label}: runs on every file (gitleaks ran it only on paths matching                          `{p}`, a regex Rust does not read the same way or no path of which                          could be made)"
                    ));
                    None
                }
            },
        };
        let has_rule_allowlist = get(t, "allowlist").is_some() || get(t, "allowlists").is_some();
        if has_rule_allowlist {
            self.note(format!(
                "{label}: its own allowlists are not carried over (tokenhound's allowlists \
                 apply to every rule); add what still applies to [allowlist]"
            ));
        }
        let entropy =
            get(t, "entropy").and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
        let tid = tokenhound_id(id, taken);
        if tid != id {
            self.note(format!("{label}: imported as `{tid}`"));
        }
        let family = super::family_of_gitleaks_rule(id);
        let provider = if family == super::ANY {
            "custom".to_string()
        } else {
            family
        };
        let description = string(get(t, "description")).filter(|d| !d.trim().is_empty());
        let mut rule = Rule {
            id: tid.clone(),
            name: description.clone().unwrap_or_else(|| id.to_string()),
            provider,
            kind: kind_of(id),
            keywords,
            pattern,
            min_entropy: entropy.filter(|e| *e > 0.0).map(|e| e.min(8.0)),
            validator: None,
            lifetime: Lifetime::Unknown,
            revoke: format!(
                "Revoke or rotate it with its issuer (rule imported from gitleaks rule `{id}`)."
            ),
            priority: 0,
            allow_placeholder_shapes: false,
            verify: None,
            revoke_api: None,
            path: scope.as_ref().map(|(p, _)| p.clone()),
            examples: Vec::new(),
            negative_examples: Vec::new(),
            example_path: scope.map(|(_, at)| at),
            origin: String::new(),
        };
        match reported_example(&rule) {
            Some(ex) => rule.examples.push(ex),
            None => {
                self.note(format!(
                    "{label}: not carried over: no example string it reports could be made \
                     (its entropy threshold or tokenhound's placeholder filter rejects them)"
                ));
                return None;
            }
        }
        if let Err(e) = crate::rules::validate_rule(&rule) {
            self.note(format!("{label}: not carried over: {e}"));
            return None;
        }
        taken.insert(tid);
        Some(rule)
    }
}

/// A Go regex over paths or values as a Rust one (`regex` crate, as the
/// allowlists use), or why not.
fn to_rust_regex(go: &str) -> Result<String, String> {
    let p = re2::convert(go).unwrap_or_else(|_| go.to_string());
    regex::Regex::new(&p).map(|_| p).map_err(|e| {
        e.to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string()
    })
}

/// A valid tokenhound id for a gitleaks rule id, distinct from `taken`.
fn tokenhound_id(id: &str, taken: &HashSet<String>) -> String {
    let mut base: String = id
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if base.trim_matches('-').is_empty() {
        base = "rule".into();
    }
    if !taken.contains(&base) {
        return base;
    }
    let prefixed = format!("gitleaks-{base}");
    if !taken.contains(&prefixed) {
        return prefixed;
    }
    (2..)
        .map(|n| format!("{prefixed}-{n}"))
        .find(|c| !taken.contains(c))
        .expect("an unused id")
}

/// The kind a gitleaks rule id suggests (it drives severity); `generic`
/// when it says nothing.
fn kind_of(id: &str) -> Kind {
    let id = id.to_ascii_lowercase();
    let has = |w: &str| id.split(['-', '_', '.']).any(|p| p == w);
    if id.contains("private-key") || has("pem") {
        Kind::PrivateKey
    } else if has("webhook") {
        Kind::Webhook
    } else if has("refresh") {
        Kind::RefreshToken
    } else if has("session") || has("cookie") {
        Kind::SessionCookie
    } else if has("pat") {
        Kind::PersonalAccessToken
    } else if has("bot") {
        Kind::BotToken
    } else if has("token") {
        Kind::AccessToken
    } else if has("key") || has("apikey") || has("secret") {
        Kind::ApiKey
    } else {
        Kind::Generic
    }
}

/// A generated example the rule reports through the whole engine (entropy
/// and placeholder filters included), trying a few seeds.
fn reported_example(rule: &Rule) -> Option<String> {
    let engine = Engine::new(&RuleSet {
        rules: vec![rule.clone()],
    })
    .ok()?;
    // A path-scoped rule runs only at its path: its example is tried there.
    let scope = engine.scope(rule.example_path.as_deref().unwrap_or_default());
    (0..24u64).find_map(|seed| {
        let ex = re2::example(&rule.pattern, seed)?;
        if ex.is_empty() || ex.contains(['\n', '\r']) {
            return None;
        }
        engine
            .scan_in(ex.as_bytes(), &scope)
            .iter()
            .any(|m| m.rule == 0)
            .then_some(ex)
    })
}

/// A path that the path regex `path` matches, to scan a scoped rule's
/// examples at (`example_path`): generated from the regex, one line, and
/// checked against it as the engine will match it.
fn example_path(path: &str) -> Option<String> {
    let re = regex::Regex::new(path).ok()?;
    (0..24u64).find_map(|seed| {
        let at = re2::example(path, seed)?;
        let usable = !at.is_empty()
            && !at.contains(['\n', '\r', '\0'])
            && re.is_match(&crate::rules::normalise_path(&at));
        usable.then_some(at)
    })
}

/// A TOML string: a literal string when it can be one (regexes stay readable).
fn toml_str(s: &str) -> String {
    if !s.contains("'''") && !s.contains(['\n', '\r']) && !s.ends_with('\'') && !s.is_empty() {
        format!("'''{s}'''")
    } else {
        Value::String(s.to_string()).to_string()
    }
}

fn comment(s: &str) -> String {
    s.lines().map(|l| format!("# {l}\n")).collect::<String>()
}

fn render(
    path: &Path,
    allow: &Allow,
    rules: &[(String, String, Rule)],
    notes: &[String],
) -> String {
    let mut out = format!(
        "# tokenhound.toml imported from {} by `tokenhound config import-gitleaks`\n\
         # (tokenhound {}). Review it, then use it with --config or put it at the\n\
         # root of the repository.\n",
        path.display(),
        env!("CARGO_PKG_VERSION")
    );
    if !notes.is_empty() {
        out.push_str("#\n# Not carried over, or carried over with a change:\n");
        for n in notes {
            out.push_str(&comment(&format!("- {n}")));
        }
    }
    out.push_str("\n[allowlist]\n");
    let list = |out: &mut String, key: &str, items: &[(String, String)], what: &str| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("# {what}\n{key} = [\n"));
        let mut last = "";
        for (v, from) in items {
            if from != last {
                out.push_str(&format!("  # from {}\n", from.replace(['\n', '\r'], " ")));
                last = from;
            }
            out.push_str(&format!("  {},\n", toml_str(v)));
        }
        out.push_str("]\n");
    };
    list(
        &mut out,
        "path_regexes",
        &allow.path_regexes,
        "Regexes over finding paths (gitleaks allowlist paths).",
    );
    list(
        &mut out,
        "values",
        &allow.values,
        "Regexes over secret values (gitleaks allowlist regexes).",
    );
    list(
        &mut out,
        "lines",
        &allow.lines,
        "Regexes over the finding's line, its secrets redacted (regexTarget = \"line\").",
    );
    list(
        &mut out,
        "stopwords",
        &allow.stopwords,
        "A secret containing one of these (any case) is not reported.",
    );
    list(
        &mut out,
        "commits",
        &allow.commits,
        "Findings introduced by these commits are not reported.",
    );
    for (gid, description, r) in rules {
        out.push_str(&format!(
            "\n[[rule]]\n# from gitleaks rule `{}`{}\n",
            gid.replace(['\n', '\r'], " "),
            if description.is_empty() {
                String::new()
            } else {
                format!(": {}", description.replace(['\n', '\r'], " "))
            }
        ));
        out.push_str(&format!("id = {}\n", Value::String(r.id.clone())));
        out.push_str(&format!("name = {}\n", Value::String(r.name.clone())));
        out.push_str(&format!(
            "provider = {}\n",
            Value::String(r.provider.clone())
        ));
        out.push_str(&format!("kind = \"{}\"\n", r.kind.as_str()));
        let kws: Vec<String> = r
            .keywords
            .iter()
            .map(|k| Value::String(k.clone()).to_string())
            .collect();
        out.push_str(&format!("keywords = [{}]\n", kws.join(", ")));
        out.push_str(&format!("pattern = {}\n", toml_str(&r.pattern)));
        if let (Some(p), Some(at)) = (&r.path, &r.example_path) {
            out.push_str(&format!("path = {}\n", toml_str(p)));
            out.push_str(&format!("example_path = {}\n", Value::String(at.clone())));
        }
        if let Some(e) = r.min_entropy {
            out.push_str(&format!("min_entropy = {e}\n"));
        }
        out.push_str(&format!("lifetime = \"{}\"\n", r.lifetime.as_str()));
        out.push_str(&format!("revoke = {}\n", Value::String(r.revoke.clone())));
        out.push_str("# Generated from the pattern (fake): a string the rule reports.\n");
        let ex: Vec<String> = r
            .examples
            .iter()
            .map(|e| Value::String(e.clone()).to_string())
            .collect();
        out.push_str(&format!("examples = [{}]\n", ex.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_kinds() {
        let taken: HashSet<String> = ["github-pat-classic".to_string()].into();
        assert_eq!(tokenhound_id("My_Rule", &taken), "my-rule");
        assert_eq!(
            tokenhound_id("github-pat-classic", &taken),
            "gitleaks-github-pat-classic"
        );
        assert_eq!(kind_of("acme-api-key"), Kind::ApiKey);
        assert_eq!(kind_of("acme-pat"), Kind::PersonalAccessToken);
        assert_eq!(kind_of("acme-session-cookie"), Kind::SessionCookie);
        assert_eq!(kind_of("acme"), Kind::Generic);
    }
}
