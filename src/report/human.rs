//! The human format: findings grouped per file, secrets redacted unless
//! `--show-secrets`, a summary line; colour only on a terminal without `NO_COLOR`.

use std::io::{self, Write};

use super::{HumanOptions, Report, Stats};
use crate::engine::Engine;
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
fn location_line(f: &Finding) -> Option<String> {
    let loc = f.location.as_ref()?.as_object()?;
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
    match f.source.as_str() {
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
        let shown_with_user = f.source == "slack" && k == "user_name";
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

/// Replaces control characters (escape sequences from logs, carriage returns) so
/// scanned content can never drive the reader's terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
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
        _: &Engine,
    ) -> io::Result<()> {
        let mut current: Option<&str> = None;
        let mut files_with_findings = 0;
        for f in findings {
            if current != Some(f.path.as_str()) {
                if current.is_some() {
                    writeln!(out)?;
                }
                writeln!(out, "{}", self.paint("1;4", &printable(&f.path)))?;
                current = Some(&f.path);
                files_with_findings += 1;
            }
            writeln!(
                out,
                "  {}  {}  {} ({})",
                self.paint("33", &format!("{}:{}", f.line, f.column)),
                self.paint("1;31", &f.rule_id),
                f.name,
                f.kind
            )?;
            writeln!(
                out,
                "      secret:   {} ({} chars, entropy {:.2})",
                f.secret, f.secret_length, f.entropy
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
                    "still in HEAD"
                } else {
                    "not in HEAD: history only"
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
                let state = if f.expired == Some(true) {
                    "expired"
                } else {
                    "not yet expired"
                };
                life = format!("{life}; expires {exp} ({state})");
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
                        format!(
                            "{k}={}",
                            val.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| val.to_string())
                        )
                    })
                    .collect();
                let painted = match v.status {
                    crate::verify::Status::Live => self.paint("1;31", "LIVE"),
                    _ => status,
                };
                writeln!(out, "      verified: {painted} ({})", what.join(", "))?;
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
            writeln!(out, "      {revoke_label} {}", f.revoke)?;
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
                e.path,
                e.message
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
            match stats.suppressed.total() {
                0 => String::new(),
                n => format!(" · {n} suppressed"),
            }
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
        if !stats.errors.is_empty() && findings.is_empty() {
            writeln!(
                out,
                "scan incomplete: some inputs could not be read, so this is not a clean result"
            )?;
        }
        Ok(())
    }
}
