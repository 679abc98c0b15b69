//! `--format github`: GitHub Actions workflow commands (`::error file=…::…`), which
//! annotate the pull request's diff directly, with no SARIF upload needed.

use std::io::{self, Write};

use super::{Report, Stats};
use crate::finding::Finding;

pub struct Github;

/// Escapes a workflow-command message; other control characters are then
/// shown as escapes, as on a terminal (the Actions log renders ANSI sequences).
fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::terminal_safe(&s).into_owned()
}

/// Escapes a workflow-command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Report for Github {
    fn on_finding(&mut self, out: &mut dyn Write, f: &Finding) -> io::Result<()> {
        writeln!(
            out,
            "::error file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&f.path),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            escape_property(&format!("tokenhound: {}", f.name)),
            escape_data(&format!(
                "{} ({}, {}) found: {}. Lifetime: {}. Revoke: {} To allow a false positive, add `tokenhound:ignore` in a comment on the line or add fingerprint {} to .tokenhoundignore.",
                f.name,
                f.rule_id,
                f.kind,
                f.secret,
                f.lifetime.as_str(),
                f.revoke,
                &f.fingerprint[..16]
            ))
        )
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
    ) -> io::Result<()> {
        for e in &stats.errors {
            writeln!(
                out,
                "::warning title=tokenhound could not scan {}::{}",
                escape_property(&e.path),
                escape_data(&e.message)
            )?;
        }
        writeln!(
            out,
            "::notice title=tokenhound::{} finding(s), {} file(s) scanned, {} error(s)",
            findings.len(),
            stats.files_scanned,
            stats.errors.len()
        )?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(super::escape_data("50%\r\n"), "50%25%0D%0A");
        assert_eq!(super::escape_data("a\x1b[2Jb"), "a\\x1b[2Jb");
    }
}
