//! The human format: findings grouped per file, secrets redacted unless
//! `--show-secrets`, a summary line; colour only on a terminal without `NO_COLOR`.

use std::io::{self, Write};

use super::{HumanOptions, Report, Stats};
use crate::finding::Finding;

pub struct Human {
    opts: HumanOptions,
}

impl Human {
    pub fn new(opts: HumanOptions) -> Self {
        Human { opts }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.opts.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// A Slack `ts` (`"1795176300.000100"`) as `2026-11-20 12:05 UTC`.
fn slack_time(ts: &str) -> Option<String> {
    let secs: i64 = ts.split('.').next()?.parse().ok()?;
    let t = chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)?;
    Some(t.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// An export finding's `location` in one readable line, most telling anchor
/// first (`#deploys · 2026-11-20 12:05 UTC · U045EF6GH · text`).
pub(crate) fn location_line(f: &Finding) -> Option<String> {
    describe_location(&f.source, f.location.as_ref()?)
}

/// [`location_line`] for a `location` object of a finding from `source`
/// (also an `also_at` place's).
pub(crate) fn describe_location(source: &str, location: &serde_json::Value) -> Option<String> {
    let loc = location.as_object()?;
    let get = |k: &str| -> Option<String> {
        match loc.get(k)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Bool(true) => Some(k.to_string()),
            serde_json::Value::Bool(false) | serde_json::Value::Null => None,
            v => Some(v.to_string()),
        }
    };
    let mut parts: Vec<String> = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    let mut take = |k: &'static str, fmt: &dyn Fn(String) -> String, parts: &mut Vec<String>| {
        if let Some(v) = get(k) {
            parts.push(fmt(v));
        }
        used.push(k);
    };
    match source {
        "slack" => {
            take(
                "channel",
                &|c| {
                    let id_like = c.len() >= 9
                        && c.starts_with(['C', 'D', 'G'])
                        && c.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                    if id_like {
                        c
                    } else {
                        format!("#{c}")
                    }
                },
                &mut parts,
            );
            take("ts", &|t| slack_time(&t).unwrap_or(t), &mut parts);
            take(
                "user",
                &|u| match get("user_name") {
                    Some(n) => format!("{u} ({n})"),
                    None => u,
                },
                &mut parts,
            );
            take("thread_ts", &|t| format!("thread {t}"), &mut parts);
        }
        "teams" => {
            take("team_or_chat", &|t| t, &mut parts);
            take("channel", &|c| c, &mut parts);
            take("created", &|c| c, &mut parts);
            take("from", &|u| u, &mut parts);
            take("message_id", &|m| format!("message {m}"), &mut parts);
            take("web_url", &|u| u, &mut parts);
        }
        "jira" => {
            take("issue", &|i| i, &mut parts);
            take("comment_id", &|c| format!("comment {c}"), &mut parts);
            take("author", &|a| a, &mut parts);
            take("created", &|c| c, &mut parts);
        }
        "confluence" => {
            take("space", &|s| s, &mut parts);
            take("title", &|t| format!("\"{t}\""), &mut parts);
            take("page_id", &|p| format!("page {p}"), &mut parts);
            take("version", &|v| format!("v{v}"), &mut parts);
            take("comment_id", &|c| format!("comment {c}"), &mut parts);
        }
        "har" => {
            take("entry_index", &|e| format!("entry {e}"), &mut parts);
            take("url", &|u| u, &mut parts);
            take("header_or_cookie", &|h| h, &mut parts);
        }
        "transcript" => {
            take("line", &|l| format!("line {l}"), &mut parts);
            take("role", &|r| r, &mut parts);
            take("message_index", &|m| format!("message {m}"), &mut parts);
        }
        _ => {}
    }
    for (k, _) in loc {
        let shown_with_user = source == "slack" && k == "user_name";
        if !used.contains(&k.as_str()) && !shown_with_user {
            if let Some(v) = get(k) {
                parts.push(if k == "field" || v == *k {
                    v
                } else {
                    format!("{k} {v}")
                });
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// A roster person in a few words: `Jane Doe, former (left 2026-01-31), contractor`.
fn person_words(p: &crate::finding::PersonRef) -> String {
    let mut s = p.name.clone().unwrap_or_else(|| p.id.clone());
    match p.status {
        crate::finding::EmploymentStatus::Former => {
            s.push_str(", FORMER");
            if let Some(d) = &p.left_at {
                s.push_str(&format!(" (left {d})"));
            }
        }
        crate::finding::EmploymentStatus::Active => s.push_str(", active"),
    }
    if let Some(k) = &p.kind {
        s.push_str(&format!(", {k}"));
    }
    s
}

/// The `owner:` line: who the issuer says the token belongs to.
fn owner_line(o: &crate::finding::Owner) -> String {
    let mut who: Vec<String> = Vec::new();
    if let Some(l) = &o.login {
        who.push(l.clone());
    }
    if let Some(n) = o.name.as_ref().filter(|n| Some(*n) != o.login.as_ref()) {
        who.push(format!("({n})"));
    }
    if let Some(e) = &o.email {
        who.push(format!("<{e}>"));
    }
    if let Some(id) = o.user_id.as_ref().filter(|_| o.login.is_none()) {
        who.push(format!("id {id}"));
    }
    if let Some(b) = &o.bot_id {
        who.push(format!("bot {b}"));
    }
    let mut parts = vec![format!("{} {}", o.provider, who.join(" "))];
    if let Some(t) = &o.team {
        parts.push(format!("team {t}"));
    }
    if let Some(t) = &o.token_name {
        parts.push(format!("token \"{t}\""));
    }
    if !o.scopes.is_empty() {
        parts.push(format!("scopes {}", o.scopes.join(",")));
    }
    if let Some(e) = &o.expires_at {
        parts.push(format!("expires {e}"));
    }
    if let Some(p) = &o.person {
        parts.push(format!("roster: {}", person_words(p)));
    }
    parts.join(" · ")
}

/// The `leaked by:` line: who put it there.
fn leaker_line(l: &crate::finding::LeakedBy) -> String {
    let mut who: Vec<String> = Vec::new();
    if let Some(n) = &l.name {
        who.push(n.clone());
    }
    if let Some(e) = &l.email {
        who.push(format!("<{e}>"));
    }
    if let Some(login) = l.login.as_ref().filter(|_| l.name.is_none()) {
        who.push(login.clone());
    }
    if let Some(id) = &l.user_id {
        who.push(format!("({} {id})", l.source));
    }
    let mut s = format!("{} ({})", who.join(" "), l.role);
    if let Some(p) = &l.person {
        s.push_str(&format!(" · roster: {}", person_words(p)));
    }
    s
}

/// Scanned content (escape sequences from logs, carriage returns in names,
/// issuers' answers) can never drive the reader's terminal: see `escape`.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    super::terminal_safe(s)
}

/// What the config did to the results, for the lines under the summary: which
/// file, whether it came from the scanned tree, what it silenced and what it
/// was refused. Empty when there is nothing to say.
fn config_lines(stats: &Stats) -> Vec<String> {
    let Some(c) = &stats.config else {
        return Vec::new();
    };
    let path = printable(&c.path);
    if c.ignored {
        return vec![format!(
            "note: {path} (found in the scanned tree) was not used (--no-tree-config)"
        )];
    }
    let mut said = Vec::new();
    let s = &c.suppressed;
    if s.path_allowlist > 0 {
        said.push(format!(
            "suppressed {} by [allowlist] paths",
            s.path_allowlist
        ));
    }
    if s.value_allowlist > 0 {
        said.push(format!(
            "suppressed {} by [allowlist] values",
            s.value_allowlist
        ));
    }
    if !c.disabled_rules.is_empty() {
        said.push(format!("disabled rules: {}", c.disabled_rules.join(", ")));
    }
    if !c.min_entropy.is_empty() {
        let rules: Vec<&str> = c.min_entropy.keys().map(String::as_str).collect();
        said.push(format!("changed min_entropy of: {}", rules.join(", ")));
    }
    if s.commit_allowlist > 0 {
        said.push(format!(
            "suppressed {} by [allowlist] commits",
            s.commit_allowlist
        ));
    }
    if c.imported_from.is_some() {
        said.push("read as imported from a gitleaks config".to_string());
        said.extend(
            c.not_carried_over
                .iter()
                .map(|n| format!("not carried over: {}", printable(n))),
        );
    }
    if said.is_empty() && c.restricted.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![if c.from_scanned_tree {
        format!(
            "note: settings from {path}, a config found in the scanned tree (--no-tree-config leaves it out):"
        )
    } else {
        format!("note: settings from {path}:")
    }];
    lines.extend(said.into_iter().map(|l| format!("  {l}")));
    lines.extend(
        c.restricted
            .iter()
            .map(|r| format!("  refused: {}", printable(r))),
    );
    lines
}

/// `N suppressed (2 inline, 1 ignore file)`, or nothing.
fn suppressed_part(stats: &Stats) -> String {
    let s = &stats.suppressed;
    if s.total() == 0 {
        return String::new();
    }
    let parts: Vec<String> = [
        (s.baseline, "baseline"),
        (s.ignore_file, "ignore file"),
        (s.inline, "inline"),
        (
            s.path_allowlist + s.value_allowlist + s.commit_allowlist,
            "config allowlist",
        ),
        (s.config_examples, "config's own examples"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!(" · {} suppressed ({})", s.total(), parts.join(", "))
}

/// `verified: 1 live · 2 dead · 0 unknown …` after a `--verify` run (counts
/// of reported findings), or nothing without `--verify`.
fn verification_line(findings: &[Finding], stats: &Stats) -> Option<String> {
    use crate::finding::Status;
    let v = stats.verification.as_ref()?;
    let count = |s: Status| {
        findings
            .iter()
            .filter(|f| f.verification.as_ref().is_some_and(|v| v.status == s))
            .count()
    };
    let mut parts = vec![
        format!("{} live", count(Status::Live)),
        format!("{} dead", count(Status::Dead)),
        format!("{} unknown", count(Status::Unknown)),
    ];
    for (s, what) in [
        (Status::Expired, "expired"),
        (Status::Skipped, "not checked"),
    ] {
        let n = count(s);
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    Some(format!(
        "verified: {} ({} distinct secret{}, {} request{})",
        parts.join(" · "),
        v.distinct_secrets,
        if v.distinct_secrets == 1 { "" } else { "s" },
        v.requests,
        if v.requests == 1 { "" } else { "s" }
    ))
}

/// Seconds as a rough human duration (`45 seconds`, `3 hours`, `12 days`,
/// `10 years`): the remaining validity of a token.
pub(crate) fn duration(secs: i64) -> String {
    let s = secs.max(0);
    let (n, unit) = match s {
        0..=119 => (s, "second"),
        120..=7_199 => (s / 60, "minute"),
        7_200..=172_799 => (s / 3_600, "hour"),
        172_800..=63_071_999 => (s / 86_400, "day"),
        _ => (s / 31_536_000, "year"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Report for Human {
    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
    ) -> io::Result<()> {
        if self.opts.quiet_when_clean && findings.is_empty() && stats.errors.is_empty() {
            return Ok(());
        }
        let mut current: Option<&str> = None;
        let mut files_with_findings = 0;
        let former_live = findings.iter().filter(|f| f.former_owner_live()).count();
        if former_live > 0 {
            writeln!(
                out,
                "{}",
                self.paint(
                    "1;31",
                    &format!(
                        "!! {former_live} live token{} of former staff or contractors (listed first): revoke {} now (tokenhound revoke)",
                        if former_live == 1 { "" } else { "s" },
                        if former_live == 1 { "it" } else { "them" },
                    )
                )
            )?;
            writeln!(out)?;
        }
        let mut seen_paths = std::collections::HashSet::new();
        for f in findings {
            if current != Some(f.path.as_str()) {
                if seen_paths.insert(f.path.as_str()) {
                    files_with_findings += 1;
                }
                if current.is_some() {
                    writeln!(out)?;
                }
                writeln!(out, "{}", self.paint("1;4", &printable(&f.path)))?;
                current = Some(&f.path);
            }
            writeln!(
                out,
                "  {}  {}  {} ({})",
                self.paint("33", &format!("{}:{}", f.line, f.column)),
                self.paint("1;31", &printable(&f.rule_id)),
                printable(&f.name),
                f.kind
            )?;
            if f.former_owner_live() {
                let who = f
                    .owner
                    .as_ref()
                    .and_then(|o| o.person.as_ref())
                    .map(person_words)
                    .unwrap_or_default();
                writeln!(
                    out,
                    "      {} {}",
                    self.paint("1;31", "!! FORMER OWNER, STILL LIVE:"),
                    printable(&who)
                )?;
            }
            writeln!(
                out,
                "      secret:   {} ({} chars, entropy {:.2})",
                printable(&f.secret),
                f.secret_length,
                f.entropy
            )?;
            writeln!(out, "      line:     {}", printable(f.line_text.trim()))?;
            if let Some(loc) = location_line(f) {
                writeln!(out, "      location: {}", printable(&loc))?;
            }
            if !f.decoded.is_empty() {
                writeln!(out, "      decoded:  {}", f.decoded.join(" → "))?;
            }
            if let Some(g) = &f.git {
                let head = if g.in_head {
                    "still in HEAD".to_string()
                } else if g.refs.is_empty() {
                    "not in HEAD: history only".to_string()
                } else {
                    let more = g.refs_total.saturating_sub(g.refs.len() as u64);
                    format!(
                        "not in HEAD: history only, still carried by {}{}",
                        g.refs
                            .iter()
                            .map(|r| printable(r).into_owned())
                            .collect::<Vec<_>>()
                            .join(", "),
                        if more > 0 {
                            format!(" (+{more} more)")
                        } else {
                            String::new()
                        }
                    )
                };
                let short = g.commit.get(..12).unwrap_or(&g.commit);
                writeln!(
                    out,
                    "      commit:   {short} {} <{}> {} \"{}\"",
                    printable(&g.author_name),
                    printable(&g.author_email),
                    g.date,
                    printable(&g.summary)
                )?;
                writeln!(
                    out,
                    "      history:  {} commit(s), {} path(s), {head}",
                    g.commits, g.paths
                )?;
            }
            let mut life = f.lifetime.as_str().to_string();
            if let Some(exp) = &f.expires_at {
                let state = match f.expires_in {
                    Some(left) if f.expired != Some(true) => {
                        format!("valid for {} more", duration(left))
                    }
                    _ if f.expired == Some(true) => "expired".to_string(),
                    _ => "not yet expired".to_string(),
                };
                life = format!("{life}; expires {exp} ({state})");
            } else if f.jwt.is_some() {
                life.push_str("; no expiry (exp): valid until its signing key is rotated");
            }
            writeln!(out, "      lifetime: {life}")?;
            writeln!(
                out,
                "      confidence: {} ({})",
                f.confidence,
                f.confidence_reasons
                    .iter()
                    .take(4)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
            if let Some(v) = &f.verification {
                let status = format!("{:?}", v.status).to_lowercase();
                let what: Vec<String> = v
                    .detail
                    .iter()
                    .map(|(k, val)| {
                        let v = val
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| val.to_string());
                        format!("{}={}", printable(k), printable(&v))
                    })
                    .collect();
                let painted = match v.status {
                    crate::verify::Status::Live => self.paint("1;31", "LIVE"),
                    _ => status,
                };
                writeln!(out, "      verified: {painted} ({})", what.join(", "))?;
            }
            if let Some(o) = &f.owner {
                writeln!(out, "      owner:    {}", printable(&owner_line(o)))?;
            }
            // The commit line already names a commit's author; say it again
            // only with what the roster adds.
            if let Some(l) = f
                .leaked_by
                .as_ref()
                .filter(|l| f.git.is_none() || l.person.is_some())
            {
                writeln!(out, "      leaked by: {}", printable(&leaker_line(l)))?;
            }
            let live = f
                .verification
                .as_ref()
                .is_some_and(|v| v.status == crate::verify::Status::Live);
            let revoke_label = if live {
                self.paint("1;31", "REVOKE NOW:")
            } else {
                "revoke:  ".to_string()
            };
            writeln!(out, "      {revoke_label} {}", printable(&f.revoke))?;
            writeln!(out, "      id:       {}", &f.fingerprint[..16])?;
        }
        if !findings.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "A false positive? Add `tokenhound:ignore` in a comment on its line, or its id to .tokenhoundignore; --baseline-out FILE records all current findings as known."
            )?;
        }
        for e in &stats.errors {
            writeln!(
                out,
                "{} {}: {}",
                self.paint("31", "error:"),
                printable(&e.path),
                printable(&e.message)
            )?;
        }
        let secs = stats.elapsed_ms as f64 / 1000.0;
        let summary = format!(
            "{} finding{} in {} file{} · scanned {} file{}, {} in {:.2}s · {} error{} · {} skipped{}",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            files_with_findings,
            if files_with_findings == 1 { "" } else { "s" },
            stats.files_scanned,
            if stats.files_scanned == 1 { "" } else { "s" },
            human_bytes(stats.bytes_scanned),
            secs,
            stats.errors.len(),
            if stats.errors.len() == 1 { "" } else { "s" },
            stats.skipped.len(),
            suppressed_part(stats)
        ) + &match stats.below_min_confidence {
            0 => String::new(),
            n => format!(
                " · {n} below confidence {} (--min-confidence low shows them)",
                stats.min_confidence
            ),
        };
        let code = if !findings.is_empty() || !stats.errors.is_empty() {
            "1;31"
        } else {
            "1;32"
        };
        writeln!(out, "{}", self.paint(code, &summary))?;
        if let Some(line) = verification_line(findings, stats) {
            writeln!(out, "{line}")?;
        }
        for line in config_lines(stats) {
            writeln!(out, "{line}")?;
        }
        if !stats.errors.is_empty() && findings.is_empty() {
            writeln!(
                out,
                "scan incomplete: some inputs could not be read, so this is not a clean result"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::duration(1), "1 second");
        assert_eq!(super::duration(3_600), "60 minutes");
        assert_eq!(super::duration(86_400), "24 hours");
        assert_eq!(super::duration(30 * 86_400), "30 days");
        assert_eq!(super::duration(10 * 31_536_000 + 5), "10 years");
    }
}
