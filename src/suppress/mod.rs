//! Suppression: what keeps a CI gate from crying wolf without hiding new leaks.
//!
//! Every mechanism keys on what cannot drift: the fingerprint (rule + secret hash)
//! for baselines and ignore files, a comment on the very line for inline ignores,
//! and the user's own path/value allowlists from the config file. Lines, columns
//! and commits never enter a suppression key, so moving code, renaming files,
//! squashing and rebasing keep suppressions working.

pub mod baseline;
pub mod ignore_file;
pub mod inline;

use std::collections::HashSet;

use globset::GlobSet;
use regex::Regex;
use serde::Serialize;

use crate::finding::Finding;
use ignore_file::IgnoreFile;

pub use crate::finding::Reason;

/// Counts of suppressed findings per mechanism: the `stats.suppressed` object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuppressedCounts {
    pub baseline: u64,
    pub ignore_file: u64,
    pub inline: u64,
    /// Config allowlists and the config's own examples together (the parts follow).
    pub allowlist: u64,
    /// By the config's `[allowlist] paths`.
    pub path_allowlist: u64,
    /// By the config's `[allowlist] values`.
    pub value_allowlist: u64,
    /// The config's own custom-rule examples, found in the config file.
    pub config_examples: u64,
    /// By the config's `[allowlist] commits`.
    pub commit_allowlist: u64,
}

impl SuppressedCounts {
    pub fn add(&mut self, r: Reason) {
        match r {
            Reason::Baseline => self.baseline += 1,
            Reason::IgnoreFile => self.ignore_file += 1,
            Reason::Inline => self.inline += 1,
            Reason::PathAllowlist => {
                self.allowlist += 1;
                self.path_allowlist += 1;
            }
            Reason::ValueAllowlist => {
                self.allowlist += 1;
                self.value_allowlist += 1;
            }
            Reason::OwnExample => {
                self.allowlist += 1;
                self.config_examples += 1;
            }
            Reason::CommitAllowlist => {
                self.allowlist += 1;
                self.commit_allowlist += 1;
            }
            // Not a suppression: counted in `stats.below_min_confidence`.
            Reason::BelowConfidence => {}
        }
    }

    pub fn total(&self) -> u64 {
        self.baseline + self.ignore_file + self.inline + self.allowlist
    }
}

/// All suppression sources of one run.
#[derive(Debug, Default)]
pub struct Suppressor {
    pub baseline: HashSet<String>,
    pub ignore_file: Option<IgnoreFile>,
    pub honour_inline: bool,
    pub paths: Option<GlobSet>,
    pub values: Vec<Regex>,
    /// `[allowlist] path_regexes`.
    pub path_regexes: Vec<Regex>,
    /// `[allowlist] lines`, matched against the (redacted) line text.
    pub lines: Vec<Regex>,
    /// `[allowlist] stopwords`, lowercase.
    pub stopwords: Vec<String>,
    /// `[allowlist] commits`, lowercase.
    pub commits: Vec<String>,
    /// A gitleaks JSON report given as `--baseline`.
    pub gitleaks: Option<crate::gitleaks::baseline::GitleaksBaseline>,
    /// tokenhound's own config files: their custom rules' examples are not leaks.
    pub own_files: Vec<String>,
    /// Those examples: in `own_files`, only a secret one of them contains is
    /// suppressed, so a real token written into a config is still reported.
    pub own_examples: Vec<String>,
    /// The date expiry dates in the ignore file are compared with (YYYY-MM-DD).
    pub today: String,
}

impl Suppressor {
    /// Why `f` is suppressed, if it is. Checked in the order a reviewer would
    /// explain it: the code says so, the config says so, the ignore file, the baseline.
    pub fn check(&self, f: &Finding) -> Option<Reason> {
        if self.honour_inline && f.inline_ignored {
            return Some(Reason::Inline);
        }
        if self.own_files.contains(&f.path)
            && !f.raw_secret.is_empty()
            && self.own_examples.iter().any(|e| e.contains(&f.raw_secret))
        {
            return Some(Reason::OwnExample);
        }
        if self.paths.as_ref().is_some_and(|g| g.is_match(&f.path))
            || self.path_regexes.iter().any(|re| re.is_match(&f.path))
        {
            return Some(Reason::PathAllowlist);
        }
        if self.values.iter().any(|re| re.is_match(&f.raw_secret))
            || self.lines.iter().any(|re| re.is_match(&f.line_text))
            || self.has_stopword(&f.raw_secret)
        {
            return Some(Reason::ValueAllowlist);
        }
        if !self.commits.is_empty() {
            if let Some(g) = &f.git {
                let c = g.commit.to_ascii_lowercase();
                if self.commits.iter().any(|a| c.starts_with(a.as_str())) {
                    return Some(Reason::CommitAllowlist);
                }
            }
        }
        if self
            .ignore_file
            .as_ref()
            .is_some_and(|i| i.suppresses(&f.fingerprint, &self.today))
        {
            return Some(Reason::IgnoreFile);
        }
        if self.baseline.contains(&f.fingerprint)
            || self.gitleaks.as_ref().is_some_and(|g| g.covers(f))
        {
            return Some(Reason::Baseline);
        }
        None
    }

    fn has_stopword(&self, secret: &str) -> bool {
        if self.stopwords.is_empty() || secret.is_empty() {
            return false;
        }
        let s = secret.to_ascii_lowercase();
        self.stopwords.iter().any(|w| s.contains(w.as_str()))
    }

    /// For a finding that is reported: the ignore-file note to give when an
    /// entry for it expired (it suppressed this finding until its date).
    pub fn expired_note(&self, f: &Finding) -> Option<(String, String)> {
        let file = self.ignore_file.as_ref()?;
        let e = file.expired_entry(&f.fingerprint, &self.today)?;
        Some((
            e.fingerprint.clone(),
            format!(
                "{}: the entry `{}` expired on {}: it no longer suppresses {} ({}, {}:{}); \
                 review it, then renew its date or remove it",
                file.origin,
                e.shown(),
                e.until.as_deref().unwrap_or_default(),
                &f.fingerprint[..16],
                f.rule_id,
                f.path,
                f.line
            ),
        ))
    }
}
