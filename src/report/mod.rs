//! Report formats. Each format is one module implementing [`Report`]; formats see
//! findings and stats only, never sources or rules files.

pub mod escape;
pub mod github;
pub mod gitleaks;
pub mod human;
pub mod json;
pub mod sarif;

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::Finding;
use crate::finding::{ScanError, Skipped};
pub use escape::terminal_safe;

/// Totals of a run, the `stats` object of the JSON report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub elapsed_ms: u64,
    pub findings: usize,
    /// Inputs that could not be (fully) scanned; any entry makes a finding-less
    /// scan exit 2.
    pub errors: Vec<ScanError>,
    /// Inputs left out on purpose (binary, too large), with the reason.
    pub skipped: Vec<Skipped>,
    /// Findings not reported because a baseline, ignore file, inline comment or
    /// allowlist covers them, per mechanism.
    pub suppressed: crate::suppress::SuppressedCounts,
    /// The `--min-confidence` threshold of the run.
    pub min_confidence: crate::finding::Confidence,
    /// Findings not reported because their confidence is under `min_confidence`
    /// (counted, never silently dropped; `--min-confidence low` reports them).
    pub below_min_confidence: u64,
    /// Source-specific totals, one key per source (`git`: commits, blobs,
    /// `shallow`, …); flattened into `stats`.
    #[serde(flatten)]
    pub sources: serde_json::Map<String, serde_json::Value>,
    /// Totals of `--verify` (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verify::VerifyStats>,
    /// The config used (or found in the scanned tree and left out), whether it
    /// came from the scanned tree, and what it silenced or was refused (absent
    /// when there is no config).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<crate::config::ConfigReport>,
    /// What `--roster` matched (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::roster::RosterStats>,
}

/// The output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    Sarif,
    /// GitHub Actions workflow commands (pull-request annotations).
    Github,
    /// gitleaks' JSON report (its keys, secrets redacted unless
    /// --show-secrets), for pipelines that parse it.
    Gitleaks,
}

/// A report writer: `on_finding` sees each finding as it is found (streaming
/// formats write there); `finish` sees all of them, sorted, and the stats.
pub trait Report {
    fn on_finding(&mut self, _out: &mut dyn Write, _f: &Finding) -> io::Result<()> {
        Ok(())
    }
    fn finish(
        &mut self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
    ) -> io::Result<()>;
}

/// Options the human format needs.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    pub color: bool,
    /// Nothing at all when there are no findings and no errors (the
    /// pre-commit hook: a clean commit is quiet).
    pub quiet_when_clean: bool,
}

/// The report writer for a format.
pub fn for_format(format: Format, human: HumanOptions) -> Box<dyn Report> {
    match format {
        Format::Human => Box::new(human::Human::new(human)),
        Format::Json => Box::new(json::Json),
        Format::Jsonl => Box::new(json::Jsonl),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Github => Box::new(github::Github),
        Format::Gitleaks => Box::new(gitleaks::Gitleaks),
    }
}

/// The `tool` object of the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: ToolInfo = ToolInfo {
    name: "tokenhound",
    version: env!("CARGO_PKG_VERSION"),
};

/// Creates (or truncates) an output file that may hold secrets or their
/// locations with mode 0600, and takes group and other access away from an
/// existing regular file it overwrites. Devices (`-o /dev/stdout`) are left as
/// they are.
pub fn create_private(path: &std::path::Path) -> io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let f = o.open(path)?;
        let meta = f.metadata()?;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(f)
    }
    #[cfg(not(unix))]
    o.open(path)
}
