//! `.tokenhoundignore`: reviewed false positives (or accepted risks), one per line,
//! keyed by fingerprint, with an optional expiry date and reason:
//!
//! ```text
//! # fingerprint (or a prefix of 12+ hex chars)   until=YYYY-MM-DD   reason
//! 3f2a9c0e41b7d8e5  until=2027-01-31  test fixture, token revoked 2026-11-20
//! ```
//!
//! An entry past its `until` date stops suppressing, so accepted risks come back
//! for review instead of being forgotten.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// One ignore entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    pub fingerprint: String,
    /// Last day the entry applies (YYYY-MM-DD), inclusive.
    pub until: Option<String>,
    pub reason: String,
}

/// A parsed ignore file.
#[derive(Debug, Clone, Default)]
pub struct IgnoreFile {
    pub entries: Vec<IgnoreEntry>,
    /// Where it was read from, for the note about an expired entry.
    pub origin: String,
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl IgnoreFile {
    /// Parses the text of an ignore file; `origin` names it in errors (which
    /// may quote a line: the CLI redacts them before printing).
    pub fn parse(text: &str, origin: &str) -> Result<IgnoreFile> {
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let fp = parts.next().unwrap_or_default().to_ascii_lowercase();
            if fp.len() < 12 || fp.len() > 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!(
                    "{origin}:{}: `{fp}` is not a fingerprint (12 to 64 hex characters)",
                    n + 1
                );
            }
            let mut until = None;
            let mut reason = Vec::new();
            for p in parts {
                if let Some(d) = p.strip_prefix("until=") {
                    if !is_date(d) {
                        bail!("{origin}:{}: `{d}` is not a date (YYYY-MM-DD)", n + 1);
                    }
                    until = Some(d.to_string());
                } else {
                    reason.push(p);
                }
            }
            entries.push(IgnoreEntry {
                fingerprint: fp,
                until,
                reason: reason.join(" "),
            });
        }
        Ok(IgnoreFile {
            entries,
            origin: origin.to_string(),
        })
    }

    /// Reads an ignore file.
    pub fn read(path: &Path) -> Result<IgnoreFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// True when an unexpired entry matches `fingerprint` (`today` is YYYY-MM-DD).
    pub fn suppresses(&self, fingerprint: &str, today: &str) -> bool {
        self.entries.iter().any(|e| {
            fingerprint.starts_with(&e.fingerprint) && e.until.as_deref().is_none_or(|u| u >= today)
        })
    }
}

impl IgnoreEntry {
    /// The entry as written (fingerprint, expiry, reason), for notes.
    pub fn shown(&self) -> String {
        let mut s = self.fingerprint.clone();
        if let Some(u) = &self.until {
            s.push_str(&format!(" until={u}"));
        }
        if !self.reason.is_empty() {
            s.push(' ');
            s.push_str(&self.reason);
        }
        s
    }
}

impl IgnoreFile {
    /// The entry that would suppress `fingerprint` but expired before `today`,
    /// when no unexpired entry covers it: an accepted risk due for review.
    pub fn expired_entry(&self, fingerprint: &str, today: &str) -> Option<&IgnoreEntry> {
        if self.suppresses(fingerprint, today) {
            return None;
        }
        self.entries.iter().find(|e| {
            fingerprint.starts_with(&e.fingerprint) && e.until.as_deref().is_some_and(|u| u < today)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_expires() {
        let f = IgnoreFile::parse(
            "# comment\n\nABCDEF0123456789 until=2026-12-31 fixture\n0123456789abcdef0123\n",
            "t",
        )
        .unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries[0].reason, "fixture");
        assert!(f.suppresses("abcdef0123456789ffff", "2026-12-31"));
        assert!(!f.suppresses("abcdef0123456789ffff", "2027-01-01"));
        assert!(f.suppresses("0123456789abcdef0123aa", "2099-01-01"));
        assert!(!f.suppresses("ffff", "2026-01-01"));
        let gone = f
            .expired_entry("abcdef0123456789ffff", "2027-01-01")
            .unwrap();
        assert_eq!(gone.shown(), "abcdef0123456789 until=2026-12-31 fixture");
        assert!(f
            .expired_entry("abcdef0123456789ffff", "2026-12-31")
            .is_none());
        assert!(f
            .expired_entry("0123456789abcdef0123aa", "2099-01-01")
            .is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let e =
            IgnoreFile::parse("abcdef0123456789\nnot-hex\n", "x/.tokenhoundignore").unwrap_err();
        assert!(e.to_string().starts_with("x/.tokenhoundignore:2:"), "{e}");
        let e = IgnoreFile::parse("abcdef0123456789 until=tomorrow\n", "f").unwrap_err();
        assert!(e.to_string().contains("f:1"), "{e}");
    }
}
