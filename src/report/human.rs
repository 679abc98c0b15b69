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
    fn finish(&mut self, out: &mut dyn Write, findings: &[Finding], stats: &Stats, _: &Engine) -> io::Result<()> {
        let mut current: Option<&str> = None;
        let mut files_with_findings = 0;
        for f in findings {
            if current != Some(f.path.as_str()) {
                if current.is_some() {
                    writeln!(out)?;
                }
                writeln!(out, "{}", self.paint("1;4", &f.path))?;
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
            writeln!(out, "      secret:   {} ({} chars, entropy {:.2})", f.secret, f.secret_length, f.entropy)?;
            writeln!(out, "      line:     {}", f.line_text.trim())?;
            let mut life = f.lifetime.as_str().to_string();
            if let Some(exp) = &f.expires_at {
                let state = if f.expired == Some(true) { "expired" } else { "not yet expired" };
                life = format!("{life}; expires {exp} ({state})");
            }
            writeln!(out, "      lifetime: {life}")?;
            writeln!(out, "      revoke:   {}", f.revoke)?;
            writeln!(out, "      id:       {}", &f.fingerprint[..16])?;
        }
        if !findings.is_empty() {
            writeln!(out)?;
        }
        for e in &stats.errors {
            writeln!(out, "{} {}: {}", self.paint("31", "error:"), e.path, e.message)?;
        }
        let secs = stats.elapsed_ms as f64 / 1000.0;
        let summary = format!(
            "{} finding{} in {} file{} · scanned {} file{}, {} in {:.2}s · {} error{} · {} skipped",
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
        );
        let code = if !findings.is_empty() || !stats.errors.is_empty() { "1;31" } else { "1;32" };
        writeln!(out, "{}", self.paint(code, &summary))?;
        if !stats.errors.is_empty() && findings.is_empty() {
            writeln!(out, "scan incomplete: some inputs could not be read, so this is not a clean result")?;
        }
        Ok(())
    }
}
